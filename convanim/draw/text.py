"""Fast text for raster frames: matplotlib's FreeType glyphs, cached and placed by us.

Laying out a new string through a matplotlib ``Text`` costs about 3 ms, and every slide frame
has a new formula; composing cached glyph bitmaps costs a few microseconds per glyph. The
glyphs come from the same DejaVu Sans files that matplotlib (and the vector storyboard) uses,
through an on-disk atlas (:mod:`convanim.draw.atlas`), so a raster render does not import
matplotlib at all once the atlas exists.
Positions are ``(left x, baseline y)`` in image pixels, y downwards.

>>> font = get_font(9, dpi=100)
>>> font.measure("12") > font.measure("1")
True
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from convanim.draw.atlas import Atlas, Glyph

FAMILY = "DejaVu Sans"
_CACHE_STRINGS = 4096


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


class Font:
    """One face at one size; glyphs and whole strings are cached.

    >>> get_font(9, dpi=100).render("7").mask.dtype
    dtype('uint8')
    """

    def __init__(self, size_pt: float, dpi: int, bold: bool = False, family: str = FAMILY):
        self._atlas = Atlas.open(size_pt, dpi, bold, family)
        self.path = self._atlas.path
        self.size_pt, self.dpi, self.bold = size_pt, dpi, bold
        self.size_px = size_pt * dpi / 72
        self._strings: OrderedDict[str, TextImage] = OrderedDict()
        self._widths: dict[str, float] = {}
        # Digits' height centres numbers in cells; the face's extent spaces lines.
        self.cap_height = self.glyph("0").top
        self.ascent, self.descent = self._atlas.ascent, self._atlas.descent
        self.line_height = round((self.ascent + self.descent) * 1.15)

    def glyph(self, char: str) -> Glyph:
        """The cached bitmap of one character.

        >>> get_font(9, 100).glyph(" ").mask.size
        0
        """
        return self._atlas.glyph(char)

    def measure(self, text: str) -> float:
        """Width of ``text`` in pixels (advance widths).

        >>> round(get_font(9, 100).measure("00") / get_font(9, 100).measure("0"))
        2
        """
        found = self._widths.get(text)
        if found is None:
            found = sum(self.glyph(c).advance for c in text)
            if len(self._widths) >= _CACHE_STRINGS:
                self._widths.clear()
            self._widths[text] = found
        return found

    def render(self, text: str) -> TextImage:
        """``text`` as one coverage mask (cached).

        >>> get_font(9, 100).render("7") is get_font(9, 100).render("7")
        True
        """
        found = self._strings.get(text)
        if found is not None:
            self._strings.move_to_end(text)
            return found
        glyphs = [self.glyph(c) for c in text]
        pen, placed = 0.0, []
        for g in glyphs:
            if g.mask.size:
                placed.append((g, round(pen) + g.left))
            pen += g.advance
        if not placed:
            found = TextImage(np.zeros((0, 0), np.uint8), 0, pen, 0)
        else:
            x0 = min(0, min(x for _, x in placed))
            above = max(g.top for g, _ in placed)
            below = max(g.mask.shape[0] - g.top for g, _ in placed)
            width = max(x + g.mask.shape[1] for g, x in placed) - x0
            mask = np.zeros((above + below, width), np.uint8)
            for g, x in placed:
                y = above - g.top
                part = mask[y: y + g.mask.shape[0], x - x0: x - x0 + g.mask.shape[1]]
                np.maximum(part, g.mask, out=part)
            found = TextImage(mask, above, pen, x0)
        self._strings[text] = found
        if len(self._strings) > _CACHE_STRINGS:
            self._strings.popitem(last=False)
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


@lru_cache(maxsize=8)
def _covered(family: str) -> frozenset[int]:
    """Code points both the regular and the bold face of ``family`` have glyphs for."""
    from matplotlib import font_manager  # only for text beyond printable ASCII

    codes = None
    for weight in ("normal", "bold"):
        path = font_manager.findfont(font_manager.FontProperties(family=family, weight=weight))
        have = frozenset(font_manager.get_font(path).get_charmap())
        codes = have if codes is None else codes & have
    return codes or frozenset()


def drawable(text: str, family: str = FAMILY) -> str:
    """``text`` as the font can draw it: tabs become spaces, other control characters go,
    and characters without a glyph (CJK, emoji, ...) become ``?``.

    >>> drawable("a" + chr(9) + "b" + chr(127) + "c 卷")
    'a bc ?'
    """
    if text.isascii() and text.isprintable():
        return text  # every font convanim draws with has these; no font file need be read
    import unicodedata

    covered = _covered(family)
    out = []
    for char in text:
        if char == "\t":
            out.append(" ")
        elif unicodedata.category(char).startswith("C"):
            continue
        else:
            out.append(char if ord(char) in covered else "?")
    return "".join(out)


@lru_cache(maxsize=256)
def get_font(size_pt: float, dpi: int, bold: bool = False, family: str = FAMILY) -> Font:
    """A shared :class:`Font` (glyph caches survive between animations in one process).

    >>> get_font(9, 100) is get_font(9, 100)
    True
    """
    return Font(round(size_pt, 2), dpi, bold, family)


def blit(image: np.ndarray, text: TextImage, x: float, baseline: float, color: np.ndarray) -> None:
    """Blend ``text`` in ``color`` into RGB ``image`` with its pen start at (x, baseline).

    >>> image = np.full((20, 30, 3), 255, np.uint8)
    >>> blit(image, get_font(9, 100).render("8"), 5, 15, np.array([0, 0, 0]))
    >>> int(image.min())
    0
    """
    mask = text.mask
    if mask.size == 0:
        return
    top, left = round(float(baseline)) - text.baseline, round(float(x)) + text.left
    h, w = mask.shape
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + h, image.shape[0]), min(left + w, image.shape[1])
    if y0 >= y1 or x0 >= x1:
        return
    a = mask[y0 - top: y1 - top, x0 - left: x1 - left, None].astype(np.uint16)
    region = image[y0:y1, x0:x1]
    # Integer "over" blend: exact colour where coverage is full, deterministic everywhere.
    # (t + 127) // 255, in place and without a division: for 0 <= t < 65536,
    # t // 255 == (t + 1 + (t >> 8)) >> 8 (checked for every t in tests/test_render.py).
    t = region * (255 - a)
    t += color.astype(np.uint16) * a
    t += 127
    t += 1 + (t >> 8)
    t >>= 8
    region[:] = t
