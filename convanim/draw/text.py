"""Text for raster frames through FreeType, by Pillow's ``ImageFont``, with fallback fonts.

Strings are laid out by Pillow and drawn anti-aliased. Below ``KERN_PX`` the layout uses
FreeType's hinted advances (Pillow's basic layout): libraqm's kerned, unhinted positions
leave 1 px gaps and touching letters at 10-14 px ("kernel" read "kemel"). From ``KERN_PX``
up, and for any text that needs shaping (right-to-left or combining marks), libraqm lays
it out with the font's kerning, as matplotlib lays out the vector pages.

The faces are matplotlib's bundled TTFs (DejaVu Sans, then STIX for what DejaVu lacks),
found by path, so a raster render needs no system font and never imports matplotlib. A
character no bundled face has is looked up in a few well-known system faces (CJK,
symbols); one no face has is drawn as ``?``, never as an empty box. Rendered strings,
glyphs and widths are cached per font. Positions are ``(left x, baseline y)`` in image
pixels, y downwards.

>>> font = get_font(9, dpi=100)
>>> font.measure("12") > font.measure("1")
True
"""

from __future__ import annotations

import importlib.util
import os
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
from PIL import ImageFont, features

FAMILY = "DejaVu Sans"
_CACHE_STRINGS = 4096
# Every face convanim draws with has these (tests/test_text_engine.py checks it against the
# fonts' character maps): strings made of them skip the per-character fallback lookup.
COMMON = frozenset(map(chr, range(32, 127))) | frozenset("·×−–—…²³ᵀ°±≤≥≠→←↑↓⌊⌋⌈⌉√Σ∑")
# matplotlib's bundled faces: (family, bold) -> file in mpl-data/fonts/ttf.
BUNDLED = {("DejaVu Sans", False): "DejaVuSans.ttf", ("DejaVu Sans", True): "DejaVuSans-Bold.ttf",
           ("STIXGeneral", False): "STIXGeneral.ttf", ("STIXGeneral", True): "STIXGeneralBol.ttf"}
# Tried in order after the theme's family for a character it lacks; system faces only when
# installed (found through matplotlib's font list, for such characters only).
FALLBACKS = ("STIXGeneral",)
SYSTEM_FALLBACKS = ("Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK TC",
                    "Noto Sans CJK KR", "Source Han Sans", "WenQuanYi Zen Hei",
                    "WenQuanYi Micro Hei", "Droid Sans Fallback", "Noto Sans",
                    "Noto Sans Symbols", "Noto Sans Symbols2", "Noto Emoji", "Symbola")
SHAPER = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
KERN_PX = 18.0


@dataclass(frozen=True)
class TextImage:
    """A rendered string: coverage ``mask`` whose row ``baseline`` sits on the text baseline.

    Column 0 of the mask is ``left`` pixels right of the pen start; ``width`` is the advance.

    >>> image = get_font(9, 100).render("g2")  # g reaches below the baseline
    >>> image.mask.shape[0] > image.baseline > 0
    True
    """

    mask: np.ndarray
    baseline: int
    width: float
    left: int = 0


def _mpl_fonts() -> str:
    spec = importlib.util.find_spec("matplotlib")
    root = os.path.dirname(spec.origin) if spec is not None and spec.origin else "-"
    return os.path.join(root, "mpl-data", "fonts", "ttf")


@cache
def font_file(family: str, bold: bool = False) -> str | None:
    """The TTF file of ``family`` (bundled with matplotlib, else an installed one), or None.

    >>> os.path.basename(font_file("DejaVu Sans", bold=True))
    'DejaVuSans-Bold.ttf'
    """
    name = BUNDLED.get((family, bold))
    if name is not None and os.path.isfile(os.path.join(_mpl_fonts(), name)):
        return os.path.join(_mpl_fonts(), name)
    from matplotlib import font_manager  # only for a family matplotlib does not bundle

    prop = font_manager.FontProperties(family=family, weight="bold" if bold else "normal")
    try:  # without the fallback, a family that is not installed is an error, not DejaVu
        return font_manager.findfont(prop, fallback_to_default=False)
    except ValueError:
        return None


@cache
def charmap(path: str) -> frozenset[int]:
    """The code points the font file has glyphs for (read once per file).

    >>> ord("Σ") in charmap(font_file("DejaVu Sans"))
    True
    """
    from fontTools.ttLib import TTFont  # matplotlib's own dependency; only for rare text

    try:
        with TTFont(path, lazy=True, fontNumber=0) as face:
            return frozenset(face["cmap"].getBestCmap() or {})
    except Exception:  # an unreadable system font is just not a fallback
        return frozenset()


@cache
def chain(family: str = FAMILY, bold: bool = False) -> tuple[tuple[str, str], ...]:
    """The (family, file) list tried for a character: the theme's face, then the bundled
    fallbacks; installed system faces are added by :func:`face_for` when first needed.

    >>> [name for name, _ in chain()]
    ['DejaVu Sans', 'STIXGeneral']
    """
    out = []
    for name in (family, *FALLBACKS):
        path = font_file(name, bold)
        if path is not None and all(path != p for _, p in out):
            out.append((name, path))
    return tuple(out)


@cache
def _system(bold: bool) -> tuple[tuple[str, str], ...]:
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    found = []
    for name in SYSTEM_FALLBACKS:
        if name in known:
            path = font_file(name, bold)
            if path is not None:
                found.append((name, path))
    return tuple(found)


@lru_cache(maxsize=4096)
def face_for(char: str, family: str = FAMILY, bold: bool = False) -> tuple[str, str] | None:
    """The first (family, file) in the fallback chain with a glyph for ``char``, or None.

    >>> face_for("Ⓐ")[0], face_for("7")[0], face_for(chr(0x10FFFD))
    ('STIXGeneral', 'DejaVu Sans', None)
    """
    if char in COMMON:
        return chain(family, bold)[0]
    for entry in chain(family, bold) + _system(bold):
        if ord(char) in charmap(entry[1]):
            return entry
    return None


def families(text: str, family: str = FAMILY, bold: bool = False) -> list[str]:
    """The families that draw ``text``, the theme's first (for a vector font list).

    >>> families("α and Ⓐ")
    ['DejaVu Sans', 'STIXGeneral']
    """
    out = [family]
    if not COMMON.issuperset(text):
        for char in set(text):
            entry = face_for(char, family, bold)
            if entry is not None and entry[0] not in out:
                out.append(entry[0])
    return out


def drawable(text: str, family: str = FAMILY) -> str:
    """``text`` as the fonts can draw it: tabs become spaces, other control characters go,
    and characters no face has (in regular and bold) become ``?``.

    >>> drawable("a" + chr(9) + "b" + chr(127) + "c " + chr(0x10000))  # Linear B
    'a bc ?'
    """
    if COMMON.issuperset(text):
        return text  # every font convanim draws with has these; no font file need be read
    out = []
    for char in text:
        if char == "\t":
            out.append(" ")
        elif unicodedata.category(char).startswith("C"):
            continue
        elif face_for(char, family, False) is None or face_for(char, family, True) is None:
            out.append("?")
        else:
            out.append(char)
    return "".join(out)


@lru_cache(maxsize=512)
def _face(path: str, size_px: float, shaped: bool = False) -> ImageFont.FreeTypeFont:
    engine = SHAPER if shaped or size_px >= KERN_PX else ImageFont.Layout.BASIC
    return ImageFont.truetype(path, size_px, layout_engine=engine)


@cache
def _em_metrics(path: str) -> tuple[float, float]:
    """The face's ascent and descent per pixel of size (read at 2048 px, 1/2048 em exact).

    >>> [round(v, 3) for v in _em_metrics(font_file("DejaVu Sans"))]
    [0.928, 0.236]
    """
    ascent, descent = ImageFont.truetype(path, 2048).getmetrics()
    return ascent / 2048, descent / 2048


def _direction(face: ImageFont.FreeTypeFont) -> str | None:
    # Every text is a left-to-right line: right-to-left words in it are reversed in place
    # (libraqm would otherwise take the line's direction from its first strong character).
    return "ltr" if face.layout_engine == ImageFont.Layout.RAQM else None


def needs_shaping(text: str) -> bool:
    """Whether ``text`` has right-to-left or combining characters (drawn through libraqm).

    >>> needs_shaping("kernel 3×3"), needs_shaping("שלום"), needs_shaping("e" + chr(0x301))
    (False, True, True)
    """
    return not COMMON.issuperset(text) and any(
        unicodedata.bidirectional(c) in ("R", "AL", "AN") or unicodedata.combining(c)
        or unicodedata.category(c) in ("Mn", "Mc", "Me") for c in text)


class Font:
    """One family at one size (with its fallbacks); rendered strings and widths are cached.

    >>> get_font(9, dpi=100).render("7").mask.dtype
    dtype('uint8')
    """

    def __init__(self, size_pt: float, dpi: int, bold: bool = False, family: str = FAMILY):
        self.size_pt, self.dpi, self.bold, self.family = size_pt, dpi, bold, family
        self.size_px = size_pt * dpi / 72
        self.path = chain(family, bold)[0][1]
        self.face = _face(self.path, self.size_px)
        self._strings: OrderedDict[str, TextImage] = OrderedDict()
        self._widths: dict[str, float] = {}
        # Per face (the font's own and its fallbacks at this size): glyphs or shaped runs,
        # and kerning steps between two characters.
        self._pieces: dict[ImageFont.FreeTypeFont,
                           dict[str, tuple[np.ndarray | None, int, int, float]]] = {}
        self._kerns: dict[ImageFont.FreeTypeFont, dict[str, float]] = {}
        # Digits' height centres numbers in cells; the face's extent spaces lines.
        self.cap_height = -self.face.getbbox("0", anchor="ls")[1]
        # The face's unhinted extent (as matplotlib reports it): whole-pixel metrics would
        # grow every line by up to a pixel, and the figure with them.
        ascent, descent = _em_metrics(self.path)
        self.ascent, self.descent = ascent * self.size_px, descent * self.size_px
        self.line_height = round((self.ascent + self.descent) * 1.15)

    def runs(self, text: str) -> list[tuple[ImageFont.FreeTypeFont, str]]:
        """``text`` split into runs each drawn by one face (the first that has its glyphs);
        a character no face has becomes ``?``.

        >>> [run for _, run in get_font(9, 100).runs("x Ⓐ!")]
        ['x ', 'Ⓐ', '!']
        """
        if COMMON.issuperset(text):
            return [(self.face, text)]
        shaped = needs_shaping(text)
        out: list[tuple[ImageFont.FreeTypeFont, str]] = []
        current, run = "", ""
        for char in text:
            entry = face_for(char, self.family, self.bold)
            if entry is None or unicodedata.category(char).startswith("C"):
                entry, char = chain(self.family, self.bold)[0], "?"
            if entry[1] != current and run:
                out.append((_face(current, self.size_px, shaped), run))
                run = ""
            current, run = entry[1], run + char
        if run:
            out.append((_face(current, self.size_px, shaped), run))
        return out

    def measure(self, text: str) -> float:
        """Width of ``text`` in pixels (advance widths, kerned).

        >>> round(get_font(9, 100).measure("00") / get_font(9, 100).measure("0"))
        2
        """
        found = self._widths.get(text)
        if found is None:
            found = sum(face.getlength(run, direction=_direction(face))
                        for face, run in self.runs(text))
            if len(self._widths) >= _CACHE_STRINGS:
                self._widths.clear()
            self._widths[text] = found
        return found

    def render(self, text: str) -> TextImage:
        """``text`` as one anti-aliased coverage mask (cached).

        >>> get_font(9, 100).render("7") is get_font(9, 100).render("7")
        True
        """
        found = self._strings.get(text)
        if found is not None:
            self._strings.move_to_end(text)
            return found
        pen, placed = 0.0, []
        runs = self.runs(text)
        for face, run in runs:
            if face.layout_engine != ImageFont.Layout.BASIC:  # shaped: the run at once
                mask, x0, above, advance = self._piece(face, run)
                if mask is not None:
                    placed.append((mask, round(pen) + x0, above))
                pen += advance
                continue
            # Hinted layout: every advance and kerning step is whole pixels, so a run is its
            # glyphs side by side where Pillow puts them, each rasterized once per font.
            glyphs = self._pieces.setdefault(face, {})
            kerns = self._kerns.setdefault(face, {})
            # Kerning steps are few (~20-100 pairs of the common characters at 10-17 px)
            # and all but one negative: a run as wide as its advances has none, and its
            # pairs need not be looked up (one call instead of one per new pair).
            width = self.measure(text) if len(runs) == 1 else face.getlength(run)  # cached
            kerned = width != sum((glyphs.get(c) or self._piece(face, c))[3] for c in run)
            previous = ""
            for char in run:
                if previous and kerned:
                    step = kerns.get(previous + char)
                    pen += self._kern(face, previous + char) if step is None else step
                glyph = glyphs.get(char) or self._piece(face, char)
                if glyph[0] is not None:
                    placed.append((glyph[0], round(pen) + glyph[1], glyph[2]))
                pen += glyph[3]
                previous = char
        if not placed:
            found = TextImage(np.zeros((0, 0), np.uint8), 0, pen, 0)
        elif len(placed) == 1:
            mask, x, above = placed[0]
            found = TextImage(mask, above, pen, x)
        else:
            left = min(x for _, x, _ in placed)
            above = max(a for _, _, a in placed)
            below = max(m.shape[0] - a for m, _, a in placed)
            width = max(x + m.shape[1] for m, x, _ in placed) - left
            mask = np.zeros((above + below, width), np.uint8)
            right = left  # the right end of what is drawn so far (glyphs go left to right)
            for m, x, a in placed:
                part = mask[above - a: above - a + m.shape[0], x - left: x - left + m.shape[1]]
                if x >= right:
                    part[:] = m
                else:  # overlapping a neighbour (a kerned "rn"): Pillow's new over old
                    part[:] = m + (part.astype(np.uint16) * (255 - m) + 127) // 255
                right = max(right, x + m.shape[1])
            found = TextImage(mask, above, pen, left)
        self._strings[text] = found
        if len(self._strings) > _CACHE_STRINGS:
            self._strings.popitem(last=False)
        return found

    def _piece(self, face: ImageFont.FreeTypeFont, text: str
               ) -> tuple[np.ndarray | None, int, int, float]:
        """(coverage mask or None, its left and top from the pen on the baseline, advance)
        of a glyph or a shaped run, cached per face."""
        pieces = self._pieces.setdefault(face, {})
        found = pieces.get(text)
        if found is None:
            # The coverage bitmap and its top-left offset from the pen on the baseline. Read
            # by iterating it (row by row): 2 µs a glyph, and unlike an Image's array
            # interface it needs no import of Pillow's file codecs (~6 ms at start-up).
            core, (x0, y0) = face.getmask2(text, mode="L", anchor="ls",
                                           direction=_direction(face))
            w, h = core.size
            mask = np.fromiter(core, np.uint8, w * h).reshape(h, w) if w * h else None
            if mask is not None and not mask.any():
                mask = None
            found = (mask, x0, -y0, face.getlength(text, direction=_direction(face)))
            if len(pieces) >= _CACHE_STRINGS:
                pieces.clear()
            pieces[text] = found
        return found

    def _kern(self, face: ImageFont.FreeTypeFont, pair: str) -> float:
        """The kerning step between the two characters of ``pair`` (whole pixels)."""
        kerns = self._kerns.setdefault(face, {})
        found = kerns.get(pair)
        if found is None:
            found = kerns[pair] = face.getlength(pair) - sum(
                self._piece(face, c)[3] for c in pair)
            if len(kerns) >= _CACHE_STRINGS:
                kerns.clear()
        return found

    def wrap(self, text: str, width: float) -> list[str]:
        """Greedy word wrap into lines no wider than ``width`` where words allow.

        >>> get_font(9, 100).wrap("pad each side with p = 1", 60)
        ['pad each', 'side with', 'p = 1']
        """
        lines: list[str] = []
        for word in text.split(" "):
            if lines and self.measure(lines[-1] + " " + word) <= width:
                lines[-1] += " " + word
            else:
                lines.append(word)
        return lines or [""]


@lru_cache(maxsize=256)
def get_font(size_pt: float, dpi: int, bold: bool = False, family: str = FAMILY) -> Font:
    """A shared :class:`Font` (string caches survive between animations in one process).

    >>> get_font(9, 100) is get_font(9, 100)
    True
    """
    return Font(round(size_pt, 2), dpi, bold, family)


def text_window(shape: tuple[int, ...], text: TextImage, x: float, baseline: float
                ) -> tuple[slice, slice, slice, slice] | None:
    """Where ``text`` with its pen start at (x, baseline) lands in an image of ``shape``,
    clipped to it: the image's rows and columns, then the mask's; None when nothing shows.

    >>> text = TextImage(np.ones((4, 3), np.uint8), 3, 3.0, 0)
    >>> text_window((10, 2, 3), text, 0, 5)
    (slice(2, 6, None), slice(0, 2, None), slice(0, 4, None), slice(0, 2, None))
    >>> text_window((10, 2, 3), text, 5, 5) is None
    True
    """
    top, left = round(float(baseline)) - text.baseline, round(float(x)) + text.left
    h, w = text.mask.shape
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + h, shape[0]), min(left + w, shape[1])
    if y0 >= y1 or x0 >= x1:
        return None
    return (slice(y0, y1), slice(x0, x1), slice(y0 - top, y1 - top), slice(x0 - left, x1 - left))


def blit(image: np.ndarray, text: TextImage, x: float, baseline: float, color: np.ndarray) -> None:
    """Blend ``text`` in ``color`` into RGB ``image`` with its pen start at (x, baseline).

    >>> image = np.full((20, 30, 3), 255, np.uint8)
    >>> blit(image, get_font(9, 100).render("8"), 5, 15, np.array([0, 0, 0]))
    >>> int(image.min())
    0
    """
    if text.mask.size == 0:
        return
    window = text_window(image.shape, text, x, baseline)
    if window is None:
        return
    rows, cols, mask_rows, mask_cols = window
    a = text.mask[mask_rows, mask_cols, None].astype(np.uint16)
    region = image[rows, cols]
    # Integer "over" blend: exact colour where coverage is full, deterministic everywhere.
    # (t + 127) // 255, in place and without a division: for 0 <= t < 65536,
    # t // 255 == (t + 1 + (t >> 8)) >> 8 (checked for every t in tests/test_render.py).
    t = region * (255 - a)
    t += color.astype(np.uint16) * a
    t += 127
    t += 1 + (t >> 8)
    t >>= 8
    region[:] = t
