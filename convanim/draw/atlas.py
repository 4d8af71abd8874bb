"""Glyph atlases: matplotlib's FreeType glyph bitmaps for one font size, cached on disk.

Importing matplotlib costs ~0.2 s, more than drawing a whole small animation, yet the raster
renderer needs nothing from it but a few dozen glyph bitmaps per font size. So the first
render at a size draws the printable characters with matplotlib's FreeType binding
(``matplotlib.ft2font``, exactly as before) and stores them in a small file; later processes
read that file and never import matplotlib. The file is keyed on the font, size, dpi and
weight, and on what decides the bitmaps: matplotlib's installed files (its version and its
FreeType binding) and any ``matplotlibrc`` (the hinting setting); a change to any of them, or
to the font file, rebuilds it. A character missing from the atlas is drawn by matplotlib and
added.

The folder is ``$CONVANIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/convanim``, else
``~/.cache/convanim``; ``CONVANIM_CACHE_DIR=`` (empty) turns the cache off. An unwritable
folder is not an error: glyphs are then drawn by matplotlib in every process.

>>> atlas = Atlas.open(9.0, 100, False, "DejaVu Sans")
>>> atlas.glyph("7").mask.dtype, atlas.glyph("7").top > 0
(dtype('uint8'), True)
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import stat
import tempfile
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

FORMAT = "convanim-glyphs 1"
# Pre-drawn with every new atlas: whatever the renderer's captions, formulas and numbers use.
CHARSET = "".join(map(chr, range(32, 127))) + "·×−–—…²³ᵀ°±≤≥≠→←↑↓⌊⌋⌈⌉√Σ∑"
# matplotlib's rcParams["text.hinting"] -> the FreeType load flag (as in backend_agg).
HINTING = {"default": "DEFAULT", "no_autohint": "NO_AUTOHINT",
           "force_autohint": "FORCE_AUTOHINT", "no_hinting": "NO_HINTING",
           True: "FORCE_AUTOHINT", False: "NO_HINTING", "either": "DEFAULT",
           "native": "NO_AUTOHINT", "auto": "FORCE_AUTOHINT", "none": "NO_HINTING"}


@dataclass(frozen=True)
class Glyph:
    """One character's coverage ``mask``, drawn with its top-left at (pen + left, base - top).

    >>> Atlas.open(9.0, 100, False, "DejaVu Sans").glyph("1").top > 0
    True
    """

    mask: np.ndarray
    left: int
    top: int
    advance: float


def cache_dir() -> Path | None:
    """Where atlases live, or None when the cache is turned off.

    >>> os.environ.get("CONVANIM_CACHE_DIR") == "" or cache_dir() is not None
    True
    """
    chosen = os.environ.get("CONVANIM_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "convanim"


def _stat(path: str | os.PathLike[str]) -> list[int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    # Files only: a folder's time changes whenever anything is written in it.
    return [found.st_mtime_ns, found.st_size] if stat.S_ISREG(found.st_mode) else None


@cache
def environment() -> str:
    """What the bitmaps depend on besides the font: matplotlib's files and matplotlibrc.

    Found without importing matplotlib (that is the point), from file metadata only.

    >>> "ft2font" in environment()
    True
    """
    import importlib.machinery
    import importlib.util

    spec = importlib.util.find_spec("matplotlib")
    root = Path(spec.origin).parent if spec is not None and spec.origin else Path("-")
    files = [root / "_version.py"]
    files += [root / f"ft2font{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES]
    config = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config"),
        "matplotlib")
    rc = os.environ.get("MATPLOTLIBRC")
    if rc:
        files += [Path(rc), Path(rc) / "matplotlibrc"]
    with contextlib.suppress(OSError):  # a deleted working folder holds no matplotlibrc
        files.append(Path("matplotlibrc").resolve())
    files.append(Path(config) / "matplotlibrc")
    return json.dumps([FORMAT, *[[str(f), _stat(f)] for f in files if _stat(f)]])


class _Source:
    """matplotlib's FreeType face at one size: draws the glyphs an atlas does not have yet."""

    def __init__(self, size_pt: float, dpi: int, bold: bool, family: str) -> None:
        import matplotlib
        from matplotlib import font_manager, ft2font

        prop = font_manager.FontProperties(family=family, weight="bold" if bold else "normal")
        self.path = font_manager.findfont(prop)
        self.size_pt, self.dpi = size_pt, dpi
        name = HINTING[matplotlib.rcParams["text.hinting"]]
        flags = getattr(ft2font, "LoadFlags", None)  # matplotlib >= 3.10; before, constants
        self.flags = getattr(flags, name) if flags is not None else getattr(ft2font,
                                                                            "LOAD_" + name)
        self._get_font = font_manager.get_font

    def face(self):  # matplotlib's FT2Font, set to this size
        face = self._get_font(self.path)
        face.clear()
        face.set_size(self.size_pt, self.dpi)
        return face

    def glyph(self, char: str) -> Glyph:
        face = self.face()
        face.set_text(char, 0.0, flags=self.flags)
        face.draw_glyphs_to_bitmap(antialiased=True)
        image = np.array(face.get_image(), dtype=np.uint8)
        metrics = face.load_char(ord(char), flags=self.flags)
        advance = metrics.linearHoriAdvance / 65536
        rows = np.flatnonzero(image.any(axis=1))
        if rows.size == 0:  # a space: advance only
            return Glyph(np.zeros((0, 0), np.uint8), 0, 0, advance)
        cols = np.flatnonzero(image.any(axis=0))
        # The first inked row is horiBearingY above the baseline, whatever padding this
        # matplotlib version puts around the bitmap.
        top = round(metrics.horiBearingY / 64)
        mask = image[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1].copy()
        left = int(cols[0]) + int(np.floor(face.get_bitmap_offset()[0] / 64))
        return Glyph(mask, left, top, advance)


class Atlas:
    """The glyphs of one font at one size, from the disk cache or drawn by matplotlib.

    >>> a = Atlas.open(9.0, 100, False, "DejaVu Sans")
    >>> a.ascent > a.descent > 0
    True
    """

    def __init__(self, key: str, font: list, ascent: float, descent: float,
                 glyphs: dict[str, Glyph], source: _Source | None = None) -> None:
        self.key, self.font, self.ascent, self.descent = key, font, ascent, descent
        self.glyphs, self._source = glyphs, source
        self._stored: dict[str, tuple] = {}  # read from the file, not made into glyphs yet
        self._args: tuple[float, int, bool, str] | None = None

    @property
    def path(self) -> str:
        """The font file."""
        return str(self.font[0])

    @classmethod
    def open(cls, size_pt: float, dpi: int, bold: bool, family: str) -> Atlas:
        """The cached atlas if it is still valid, else a new one (saved for next time)."""
        key = json.dumps([family, bool(bold), float(size_pt), int(dpi), environment()])
        file = cls._file(key)
        found = cls._load(file, key) if file is not None else None
        if found is not None:
            found._args = (size_pt, dpi, bold, family)
            return found
        source = _Source(size_pt, dpi, bold, family)
        face = source.face()
        scale = size_pt * dpi / 72 / face.units_per_EM
        atlas = cls(key, [source.path, *(_stat(source.path) or [0, 0])], face.ascender * scale,
                    -face.descender * scale, {c: source.glyph(c) for c in CHARSET}, source)
        atlas.save()
        return atlas

    @staticmethod
    def _file(key: str) -> Path | None:
        folder = cache_dir()
        if folder is None:
            return None
        family, bold, size, dpi, _ = json.loads(key)
        name = f"{family.replace(' ', '')}-{'bold' if bold else 'regular'}-{size:g}pt-{dpi}dpi"
        return folder / f"{name}-{zlib.crc32(key.encode()):08x}.glyphs"

    @classmethod
    def _load(cls, file: Path, key: str) -> Atlas | None:
        try:
            data = file.read_bytes()
            magic, head, blob = data.split(b"\n", 2)
            header = json.loads(head)
        except (OSError, ValueError):
            return None
        if (magic.decode(errors="replace") != FORMAT or not isinstance(header, dict)
                or header.get("key") != key):
            return None
        # Anything malformed (a damaged or foreign file) means: draw again.
        try:
            path, mtime, size = header["font"]
            if _stat(path) != [mtime, size]:
                return None  # the font file changed
            # Glyphs are made on first use: a render opens ~15 sizes while fitting its cells
            # and uses a few characters of each (making all ~140 costs 0.3 ms an atlas).
            stored, offset = {}, 0
            for char, left, top, advance, h, w in header["glyphs"]:
                if (h < 0 or w < 0 or offset + h * w > len(blob)
                        or not all(map(math.isfinite, (left, top, advance, h, w)))):
                    return None
                stored[char] = (blob, offset, int(h), int(w), int(left), int(top),
                                float(advance))
                offset += h * w
            ascent, descent = float(header["ascent"]), float(header["descent"])
            if not (math.isfinite(ascent) and math.isfinite(descent)):
                return None  # JSON allows NaN and Infinity; a font's metrics never hold them
            found = cls(key, header["font"], ascent, descent, {})
            found._stored = stored
            return found
        except (KeyError, TypeError, ValueError, OverflowError):
            return None

    def _all(self) -> dict[str, Glyph]:
        """Every glyph, the stored ones made now, in the order they were added."""
        return {char: self.glyph(char) for char in self._stored} | self.glyphs

    def glyph(self, char: str) -> Glyph:
        """The bitmap of ``char``; one the atlas lacks is drawn and the atlas saved again."""
        found = self.glyphs.get(char)
        if found is None and char in self._stored:
            blob, offset, h, w, left, top, advance = self._stored[char]
            mask = np.frombuffer(blob, np.uint8, h * w, offset).reshape(h, w)
            found = self.glyphs[char] = Glyph(mask, left, top, advance)
        if found is None:
            if self._source is None:
                assert self._args is not None
                self._source = _Source(*self._args)
            found = self.glyphs[char] = self._source.glyph(char)
            self.save()
        return found

    def save(self) -> None:
        """Write the atlas atomically; a folder we cannot write just means no cache."""
        file = self._file(self.key)
        if file is None:
            return
        glyphs = self._all()
        rows = [[c, g.left, g.top, g.advance, *g.mask.shape] for c, g in glyphs.items()]
        header = {"key": self.key, "font": self.font, "ascent": self.ascent,
                  "descent": self.descent, "glyphs": rows}
        blob = b"".join(np.ascontiguousarray(g.mask).tobytes() for g in glyphs.values())
        data = FORMAT.encode() + b"\n" + json.dumps(header).encode() + b"\n" + blob
        tmp = None
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(prefix=file.name, suffix=".tmp", dir=file.parent)
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(tmp, file)  # concurrent workers: the last complete file wins
            tmp = None
        except OSError:
            pass
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
