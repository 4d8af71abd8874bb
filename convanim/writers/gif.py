"""GIF, streamed frame by frame with one global palette.

Each frame after the first stores only the rectangle that changed since the previous frame
(disposal "do not dispose"), LZW-coded by Pillow's C encoder via ``GifImagePlugin.getdata``.
Inside that rectangle, pixels equal to the previous frame's are written as the transparent
index: a caption at the top and a formula at the bottom make the rectangle nearly the whole
image, but the unchanged pixels between them become long runs that LZW packs almost for free.

Palette: the theme colours first, then every new colour in order of first appearance (within a
frame, the most frequent first) until 255 entries are used (the last is transparency); only
after that are colours mapped to their nearest entry, without dithering. So an animation with
at most 255 distinct colours is exact. Because colours are only known as frames stream in, a
full 256-entry table is reserved in the header and filled in at the end (the temp file is
seekable).

Colours map to entries through a 2**24-entry lookup table (32 MB of lazily mapped zero pages,
of which only the pages of colours actually seen get touched), so a pixel costs one table read,
and the result never depends on Pillow's approximate palette cache: fully deterministic. The
table is an anonymous ``mmap``, not ``np.zeros``: numpy asks for transparent huge pages on
large arrays, so the theme's ~70 colours alone would fault in (and zero) all 32 MB in 2 MB
pages, 3 ms at best and 30-70 ms when the kernel must first compact memory for them.

Speed: after the first frame only the pixels that changed are looked at. One byte comparison
with the previous frame (into a reused buffer) finds them; they alone are packed to 24-bit
values, mapped and scattered into a reused index buffer prefilled with the transparent index.
Every colour of an unchanged pixel is already in the table (it was mapped when it appeared),
so this gives exactly the palette and the bytes of mapping the whole rectangle, at a cost that
grows with what changed, not with the canvas; only Pillow's LZW pass still reads the whole
rectangle.
"""

from __future__ import annotations

import mmap
import os
import struct

import numpy as np
from PIL import Image

from convanim.writers._atomic import TempFile
from convanim.writers._base import AnimationWriter, Color, Ticks

# Browsers show GIF delays of 0-10 ms as 100 ms, so 20 ms is the shortest usable delay.
MIN_DELAY_CS = 2
TRANSPARENT = 255  # the palette index reserved for "same as the previous frame"
# Colour tables given back by finished maps, all zero, for the next ones (see ColorMap),
# with the process that made them. The tables are shared memory: a process forked from this
# one (the gallery's workers) must not take them, or two writers would fill one table.
_SPARES = 2
_SPARE_TABLES: list[tuple[int, np.ndarray]] = []
os.register_at_fork(after_in_child=_SPARE_TABLES.clear)


def _color_table() -> np.ndarray:
    """A zero colour table: a spare one of this process, else a new one."""
    while _SPARE_TABLES:
        pid, table = _SPARE_TABLES.pop()
        if pid == os.getpid():
            return table
    return np.frombuffer(mmap.mmap(-1, 2 << 24), np.uint16)


def pack_rgb(rgb: np.ndarray) -> np.ndarray:
    """RGB uint8 pixels -> 24-bit ints.

    >>> pack_rgb(np.array([[1, 2, 3]], np.uint8)).tolist()
    [66051]
    """
    # The bytes b, g, r, 0 read as one little-endian 32-bit int: one copy per channel into
    # a zeroed buffer, where widening, shifting and or-ing three channels took 6x as long.
    flat = rgb.reshape(-1, 3)
    out = np.zeros((len(flat), 4), np.uint8)
    out[:, 0], out[:, 1], out[:, 2] = flat[:, 2], flat[:, 1], flat[:, 0]
    return out.view("<u4").reshape(rgb.shape[:-1])


def changed_mask(prev: np.ndarray, cur: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """Which pixels of ``cur`` differ from ``prev``: a ``(height, width)`` bool array.

    The frames are compared 8 bytes at a time, then only the bytes of differing words are
    looked at, so the cost is one pass of ``size / 8`` comparisons plus the changed part;
    when much changed, one byte-wise pass is cheaper. ``scratch`` is a reused bool buffer of
    ``2 * cur.size`` entries, so no frame-sized array is allocated (fresh ones cost page
    faults on every frame); the mask itself is a new pixel-sized array.

    >>> a = np.zeros((2, 3, 3), np.uint8)
    >>> b = a.copy()
    >>> b[0, 1, 2] = b[1, 2, 0] = b[1, 2, 1] = 5
    >>> changed_mask(a, b, np.empty(2 * a.size, bool)).astype(int).tolist()
    [[0, 1, 0], [0, 0, 1]]
    """
    old, new = prev.reshape(-1), cur.reshape(-1)
    words = old.size // 8
    differ = scratch[:words]
    np.not_equal(old[: words * 8].view(np.uint64), new[: words * 8].view(np.uint64), out=differ)
    # Counted first: listing the differing words costs more, and only this path needs them.
    if np.count_nonzero(differ) * 512 < old.size:  # little changed: those words' bytes only
        candidates = (np.flatnonzero(differ)[:, None] * 8 + _BYTES).reshape(-1)
        if old.size > words * 8:  # the last few bytes that do not fill a word
            candidates = np.concatenate([candidates, np.arange(words * 8, old.size)])
        mask = np.zeros(old.size // 3, bool)
        mask[candidates[old[candidates] != new[candidates]] // 3] = True
    else:
        # Byte by byte, then a pixel changed if any of its three bytes did: each byte or-ed
        # with the next two (contiguous passes), then every third entry taken. numpy's
        # any() over a length-3 axis, or or-ing three strided views, is slower.
        size = old.size
        differ, near = scratch[:size], scratch[size : 2 * size]
        np.not_equal(old, new, out=differ)
        np.logical_or(differ[:-1], differ[1:], out=near[:-1])
        np.logical_or(near[:-2], differ[2:], out=near[:-2])
        mask = near[::3].copy()  # contiguous: the box and pick below are faster on it
    return mask.reshape(cur.shape[:2])


def changed_pixels(prev: np.ndarray, cur: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """Flat indices (ascending) of the pixels of ``cur`` that differ from ``prev`` (see
    :func:`changed_mask`).

    >>> a = np.zeros((2, 3, 3), np.uint8)
    >>> b = a.copy()
    >>> b[0, 1, 2] = b[1, 2, 0] = b[1, 2, 1] = 5
    >>> changed_pixels(a, b, np.empty(2 * a.size, bool)).tolist()
    [1, 5]
    """
    return np.flatnonzero(changed_mask(prev, cur, scratch))


_BYTES = np.arange(8)


def image_block(index: np.ndarray, x0: int, y0: int, ticks: int, transparent: bool) -> bytes:
    """One frame's Graphic Control Extension, image descriptor and LZW data.

    The bytes Pillow's ``GifImagePlugin.getdata`` writes for an "L" image with ``disposal=1``,
    built here with Pillow's C LZW encoder directly: the plugin module and what it imports
    cost ~13 ms of start-up. Disposal 1 keeps the previous frame under the next rectangle,
    and so under the transparent pixels.

    >>> list(image_block(np.zeros((1, 1), np.uint8), 0, 0, 5, False)[:6])  # 5 ticks
    [33, 249, 4, 4, 5, 0]
    """
    height, width = index.shape
    head = (b"!\xf9\x04" + struct.pack("<BHB", 4 | transparent, ticks,
                                       TRANSPARENT if transparent else 0) + b"\x00"
            + b"," + struct.pack("<HHHHB", x0, y0, width, height, 0) + b"\x08")
    image = Image.fromarray(index)
    try:
        encoder = Image.core.gif_encoder("L", "L")
    except AttributeError:  # a Pillow without the C encoder's usual name: ask the plugin
        from PIL import GifImagePlugin

        return b"".join(GifImagePlugin.getdata(image, (x0, y0), duration=ticks * 10,
                                               disposal=1,
                                               **({"transparency": TRANSPARENT}
                                                  if transparent else {})))
    parts = [head]
    try:
        encoder.setimage(image.im, (0, 0, width, height))
        while True:
            _, status, data = encoder.encode(max(65536, width * 4))
            parts.append(data)
            if status:
                break
    finally:
        encoder.cleanup()
    if status < 0:
        raise OSError(f"GIF encoder error {status}")
    parts.append(b"\x00")  # end of the image data
    return b"".join(parts)


def _unpack(packed: np.ndarray) -> np.ndarray:
    packed = packed.astype(np.int32)
    return np.stack([(packed >> 16) & 255, (packed >> 8) & 255, packed & 255], axis=-1)


class ColorMap:
    """Maps RGB pixels to palette indices, growing the palette up to ``size`` entries.

    >>> cmap = ColorMap([(255, 255, 255)])
    >>> cmap(np.array([[[0, 0, 0], [255, 255, 255], [0, 0, 0]]], np.uint8)).tolist()
    [[1, 0, 1]]
    """

    def __init__(self, theme: list[Color], size: int = 256) -> None:
        self.size = size
        # Entries hold index + 1 so that 0 means "not looked up yet": fresh pages are zero,
        # where filling 32 MB with a sentinel costs ~120 ms. 4 kB pages (see the module
        # docstring): a colour seen costs one small page, not a 2 MB one. A table given back
        # by an earlier map of this process (all zero again) keeps its pages: the first
        # look-up of a colour on a fresh page costs a page fault (~1.5 us), and a figure's
        # frames bring ~100 new blend colours each, mostly on pages the earlier figures of
        # a gallery or batch already touched.
        self.table = _color_table()
        self._mapped: list[np.ndarray] = []  # colours given their nearest entry
        self.colors = np.zeros(0, np.uint32)
        self._add(np.array([(r << 16) | (g << 8) | b for r, g, b in theme[:size]], np.uint32))

    def _add(self, packed: np.ndarray) -> None:
        if packed.size == 0:  # the palette is full: nothing to add
            return
        start = len(self.colors)
        self.colors = np.concatenate([self.colors, packed])
        self.table[packed] = np.arange(start + 1, len(self.colors) + 1, dtype=np.uint16)
        self._rgb = _unpack(self.colors)

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        return self.packed(pack_rgb(rgb))

    def packed(self, packed: np.ndarray) -> np.ndarray:
        """Palette indices of 24-bit colour values (any shape).

        >>> ColorMap([(0, 0, 0)]).packed(np.array([0, 66051, 66051], np.uint32)).tolist()
        [0, 1, 1]
        """
        index = self.table[packed]
        missing = index == 0
        if missing.any():
            new, counts = _counted(packed[missing])
            # Most frequent first, equal counts by value: free slots go to the colours that
            # cover most pixels, and never by chance.
            new = new[np.lexsort((new, -counts))]
            free = self.size - len(self.colors)
            self._add(new[:free])
            if len(new) > free:
                self.table[new[free:]] = self._nearest(new[free:]) + 1
            index[missing] = self.table[packed[missing]]  # the rest were found already
        out = index.astype(np.uint8)  # entries are at most 256: index - 1 modulo 256
        out -= 1
        return out

    def _nearest(self, packed: np.ndarray) -> np.ndarray:
        self._mapped.append(packed)  # their entries are written: release() clears them
        out = np.empty(len(packed), np.uint16)
        # Chunks bound the (n, palette, 3) distance array for frames with very many colours.
        for start in range(0, len(packed), 4096):
            rgb = _unpack(packed[start : start + 4096])
            # Channel by channel: the same integer distances as a sum over a length-3 axis,
            # without numpy's slow reduction over a tiny trailing axis.
            dist = sum((rgb[:, None, c] - self._rgb[None, :, c]) ** 2 for c in range(3))
            out[start : start + 4096] = dist.argmin(axis=1)  # ties: lowest index
        return out

    def release(self) -> None:
        """Clear the entries this map wrote and keep its table for the next map; the map is
        not used again. (Without it the table is simply freed.)

        >>> cmap = ColorMap([(0, 0, 0)])
        >>> cmap.release()
        >>> int(ColorMap([(1, 2, 3)]).table[0])  # black was entry 1 of the released table
        0
        """
        table, self.table = self.table, None
        if table is None:
            return
        table[self.colors] = 0
        for packed in self._mapped:
            table[packed] = 0
        if len(_SPARE_TABLES) < _SPARES:
            _SPARE_TABLES.append((os.getpid(), table))

    def table_bytes(self) -> bytes:
        """The 256-entry colour table; unused entries are black.

        >>> table = ColorMap([(255, 0, 0)]).table_bytes()
        >>> len(table), table[:6]
        (768, b'\\xff\\x00\\x00\\x00\\x00\\x00')
        """
        table = np.zeros((256, 3), np.uint8)
        table[: len(self.colors)] = self._rgb
        return table.tobytes()


def changed_index(prev: np.ndarray, rgb: np.ndarray, scratch: np.ndarray, cmap: ColorMap,
                  buffer: np.ndarray | None = None) -> tuple[int, int, np.ndarray]:
    """``(x0, y0, index)``: the palette indices of the rectangle of ``rgb`` that changed
    since ``prev``, ``TRANSPARENT`` where a pixel in it did not; ``prev`` becomes ``rgb``.

    Only the changed pixels are packed and mapped. Every colour of an unchanged pixel is
    already mapped, so the palette grows exactly as it would from the whole rectangle. GIF
    has no empty frames: an unchanged frame repaints one identical pixel. ``index`` lives in
    ``buffer`` (``height * width`` bytes, reused) when one is given.

    >>> a = np.zeros((2, 3, 3), np.uint8)
    >>> b = a.copy()
    >>> b[0, 1] = b[1, 2] = 9
    >>> x0, y0, index = changed_index(a, b, np.empty(2 * a.size, bool), ColorMap([(0, 0, 0)]))
    >>> x0, y0, index.tolist()
    (1, 0, [[1, 255], [255, 1]])
    """
    changed = changed_mask(prev, rgb, scratch)
    # The box from its rows, then its columns within those rows: boolean masks all the way
    # (numpy's divmod of flat pixel indices into rows and columns cost more than the rest).
    rows = np.flatnonzero(changed.any(axis=1))
    if rows.size:
        y0, y1 = int(rows[0]), int(rows[-1]) + 1
        cols = np.flatnonzero(changed[y0:y1].any(axis=0))
        x0, x1 = int(cols[0]), int(cols[-1]) + 1
    else:
        y0, y1, x0, x1 = 0, 1, 0, 1
    shape = (y1 - y0, x1 - x0)
    if buffer is None:
        index = np.full(shape, TRANSPARENT, np.uint8)
    else:
        index = buffer[: shape[0] * shape[1]].reshape(shape)
        index.fill(TRANSPARENT)
    if rows.size:
        # The changed pixels as 3-byte items: a boolean pick of (n, 3) bytes is several times
        # slower than one of n items.
        pixels = np.ascontiguousarray(rgb[y0:y1]).view("V3")[..., 0][changed[y0:y1]]
        index[changed[y0:y1, x0:x1]] = cmap.packed(pack_rgb(pixels.view(np.uint8).reshape(-1, 3)))
        np.copyto(prev, rgb)  # a plain copy beats scattering the changed pixels
    return x0, y0, index


class GifWriter(AnimationWriter):
    """What ``open_writer`` returns for ``.gif``."""

    format = "gif"

    def _open(self) -> None:
        self._tmp = TempFile(self.path)
        self._prev: np.ndarray | None = None
        self._map = ColorMap(self.palette, size=TRANSPARENT)
        self._table_at = 0
        # GIF delays are centiseconds in 16 bits.
        self._ticks = Ticks(10, min_ticks=MIN_DELAY_CS, max_ticks=0xFFFF)

    def _header(self, width: int, height: int) -> bytes:
        # Global table flag, 8-bit colour resolution, 256 entries (size code 7); background 0.
        head = b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF7, 0, 0)
        self._table_at = len(head)
        head += bytes(768)  # the colour table, written for real in _finish
        if self.loop:
            # NETSCAPE2.0 with count 0 = repeat forever; no block at all = play once.
            head += b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", 0) + b"\x00"
        return head

    def _append(self, rgb: np.ndarray, ms: int) -> None:
        out = self._tmp.file
        height, width = rgb.shape[:2]
        transparent = False
        if self._prev is None:
            out.write(self._header(width, height))
            x0, y0 = 0, 0
            index = self._map(rgb)
            self._prev = rgb.copy()
            self._scratch = np.empty(2 * rgb.size, bool)
            self._index = np.empty(height * width, np.uint8)
        else:
            x0, y0, index = changed_index(self._prev, rgb, self._scratch, self._map, self._index)
            transparent = True
        out.write(image_block(index, x0, y0, self._ticks.next(ms), transparent))
        # The rectangle just written, for an HTML player drawn from the same frames (its
        # deltas are these very indices); valid until the next append.
        self.last_delta = (self.frame_count, x0, y0, index)

    def _finish(self) -> None:
        out = self._tmp.file
        out.write(b";")
        out.seek(self._table_at)
        out.write(self._map.table_bytes())
        self._map.release()
        self._tmp.commit()

    def _discard(self) -> None:
        self._map.release()
        self._tmp.discard()


def _counted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and how often each occurs: ``np.unique(return_counts=True)``
    without its import of ``numpy.ma`` (~17 ms of every render's start-up).

    >>> [a.tolist() for a in _counted(np.array([5, 3, 5, 5], np.uint32))]
    [[3, 5], [1, 3]]
    """
    ordered = np.sort(values, kind="stable")
    first = np.empty(len(ordered), bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return ordered[starts], np.diff(np.append(starts, len(ordered)))
