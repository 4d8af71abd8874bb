"""Animated PNG, written chunk by chunk so only the previous frame is kept in memory.

Pillow's APNG saver holds a copy of every frame until the end (``_write_multiple_frames`` keeps
an ``im_frames`` list), so frames are encoded here directly: the first frame is the full image
in IDAT, every later one only the rectangle that changed (fcTL + fdAT, dispose NONE, blend
OVER). The frame count in acTL is unknown while streaming, so it is patched at the end.

Pixels are palette indices, with the GIF writer's palette rule (theme colours first, then new
colours as they appear, exact up to 255 colours, nearest entry beyond), so an APNG shows the
same colours as the GIF of the same animation. Inside a changed rectangle, pixels equal to the
previous frame's are the transparent index 255, which blend OVER leaves showing the previous
frame: long runs of one byte that deflate packs to almost nothing. One byte a pixel and those
runs make the file smaller than the GIF (RGB frames were three times its size). The palette is
known only at the end, so a full 256-entry PLTE is reserved and written at the end.
"""

from __future__ import annotations

import struct
import zlib
from fractions import Fraction

import numpy as np

from convanim.writers._atomic import TempFile
from convanim.writers._base import AnimationWriter, changed_box
from convanim.writers.gif import TRANSPARENT, ColorMap

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# zlib level 6 is ~1.5 ms for a full 400x300 drawing and the per-frame deltas are far smaller.
ZLIB_LEVEL = 6


def chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC.

    >>> chunk(b"IEND", b"").hex()
    '0000000049454e44ae426082'
    """
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def compress_rows(rgb: np.ndarray) -> bytes:
    """Zlib stream of RGB scanlines, each with filter type 0.

    Flat-coloured drawings compress about as well unfiltered as with adaptive filters, and this
    is about twice as fast as Pillow's PNG encoder.

    >>> len(zlib.decompress(compress_rows(np.zeros((2, 3, 3), np.uint8))))  # 2 x (1 + 9)
    20
    """
    height, width, _ = rgb.shape
    rows = np.zeros((height, width * 3 + 1), np.uint8)
    rows[:, 1:] = rgb.reshape(height, width * 3)
    return zlib.compress(rows.tobytes(), ZLIB_LEVEL)


def ihdr(width: int, height: int, color_type: int = 2) -> bytes:
    """The IHDR chunk for 8-bit RGB (``color_type`` 2) or palette (3), deflate, no interlace.

    >>> ihdr(400, 300)[8:16].hex()
    '000001900000012c'
    """
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))


def compress_indices(index: np.ndarray) -> bytes:
    """Zlib stream of 8-bit palette scanlines, each with filter type 0.

    >>> len(zlib.decompress(compress_indices(np.zeros((2, 3), np.uint8))))  # 2 x (1 + 3)
    8
    """
    height, width = index.shape
    rows = np.zeros((height, width + 1), np.uint8)
    rows[:, 1:] = index
    return zlib.compress(rows.tobytes(), 9)


# Every entry opaque except the one meaning "same as the previous frame".
TRNS = chunk(b"tRNS", bytes([255] * TRANSPARENT + [0]))
# With a transparent background the first entry (the theme's background) is see-through too.
CLEAR_TRNS = chunk(b"tRNS", bytes([0] + [255] * (TRANSPARENT - 1) + [0]))


def png_bytes(rgb: np.ndarray) -> bytes:
    """A complete still PNG of ``rgb`` (deterministic: no time or text chunks).

    >>> import io
    >>> from PIL import Image
    >>> Image.open(io.BytesIO(png_bytes(np.zeros((2, 3, 3), np.uint8)))).size
    (3, 2)
    """
    height, width, _ = rgb.shape
    return (
        SIGNATURE + ihdr(width, height) + chunk(b"IDAT", compress_rows(rgb)) + chunk(b"IEND", b"")
    )


def _delay(ms: int) -> tuple[int, int]:
    # fcTL stores the delay as a 16-bit fraction of seconds.
    if ms <= 0xFFFF:
        return ms, 1000
    frac = Fraction(ms, 1000).limit_denominator(0xFFFF)
    return min(frac.numerator, 0xFFFF), frac.denominator


class ApngWriter(AnimationWriter):
    """What ``open_writer`` returns for ``.png`` and ``.apng``."""

    format = "apng"

    def _open(self) -> None:
        self._tmp = TempFile(self.path)
        self._prev: np.ndarray | None = None
        self._seq = 0
        self._actl_at = 0
        self._plte_at = 0
        self._map = ColorMap(self.palette, size=TRANSPARENT)
        self._clear = False

    def set_transparent(self) -> None:
        """Show the first palette colour (the theme's background) as transparent.

        Frames then replace their rectangle (blend SOURCE) instead of leaving unchanged pixels
        transparent, since a pixel returning to the background must become see-through.

        >>> import os, tempfile
        >>> from PIL import Image
        >>> out = os.path.join(tempfile.mkdtemp(), "a.png")
        >>> writer = ApngWriter(out, palette=[(255, 255, 255), (0, 0, 0)])
        >>> writer.set_transparent()
        >>> rgb = np.full((4, 4, 3), 255, np.uint8); rgb[1, 1] = 0
        >>> writer.append(rgb, 100); writer.close()
        >>> rgba = Image.open(out).convert("RGBA")
        >>> rgba.getpixel((0, 0)), rgba.getpixel((1, 1))  # background clear, ink opaque
        ((255, 255, 255, 0), (0, 0, 0, 255))
        """
        self._clear = True

    def _keep_opaque(self, rgb: np.ndarray, index: np.ndarray) -> None:
        """A colour that only rounds to the background (a full palette) must stay visible:
        give it the nearest other entry instead of the see-through one."""
        background = np.array(self.palette[0] if self.palette else (0, 0, 0))
        wrong = (index == 0) & ~(rgb == background).all(axis=2)
        if not wrong.any():
            return
        table = np.frombuffer(self._map.table_bytes(), np.uint8).reshape(256, 3)[1:TRANSPARENT]
        pixels = rgb[wrong].astype(np.int32)
        dist = ((pixels[:, None, :] - table[None, :, :].astype(np.int32)) ** 2).sum(axis=2)
        index[wrong] = dist.argmin(axis=1) + 1

    def _actl(self) -> bytes:
        # num_plays 0 loops forever, 1 plays once and stops on the last frame.
        return chunk(b"acTL", struct.pack(">II", self.frame_count, 0 if self.loop else 1))

    def _append(self, rgb: np.ndarray, ms: int) -> None:
        out = self._tmp.file
        height, width, _ = rgb.shape
        if self._prev is None:
            out.write(SIGNATURE + ihdr(width, height, color_type=3))
            self._actl_at = out.tell()
            out.write(self._actl())
            self._plte_at = out.tell()
            trns = TRNS if not self._clear else CLEAR_TRNS
            out.write(chunk(b"PLTE", bytes(768)) + trns)  # the palette, written in _finish
            box: tuple[int, int, int, int] | None = (0, 0, width, height)
        else:
            # An unchanged frame still needs a region, so it repaints one identical pixel.
            box = changed_box(self._prev, rgb) or (0, 0, 1, 1)
        x0, y0, x1, y1 = box
        index = self._map(rgb[y0:y1, x0:x1])
        if self._clear:
            self._keep_opaque(rgb[y0:y1, x0:x1], index)
        if self._prev is not None and not self._clear:
            same = (rgb[y0:y1, x0:x1] == self._prev[y0:y1, x0:x1]).all(axis=2)
            index[same] = TRANSPARENT
        num, den = _delay(ms)
        # The first frame replaces (blend SOURCE, it has no transparent pixels); later ones
        # blend OVER so their transparent pixels keep the previous frame.
        blend = 0 if self._prev is None or self._clear else 1
        out.write(
            chunk(
                b"fcTL",
                struct.pack(">IIIIIHHBB", self._seq, x1 - x0, y1 - y0, x0, y0, num, den, 0,
                            blend),
            )
        )
        self._seq += 1
        data = compress_indices(index)
        if self._prev is None:
            out.write(chunk(b"IDAT", data))
        else:
            out.write(chunk(b"fdAT", struct.pack(">I", self._seq) + data))
            self._seq += 1
        self._prev = rgb.copy()

    def _finish(self) -> None:
        out = self._tmp.file
        out.write(chunk(b"IEND", b""))
        out.seek(self._actl_at)
        out.write(self._actl())
        out.seek(self._plte_at)
        out.write(chunk(b"PLTE", self._map.table_bytes()))
        self._tmp.commit()

    def _discard(self) -> None:
        self._tmp.discard()
