"""Pixel primitives for raster frames: cell sprites, thick outlines, antialiased lines, fills.

Everything is numpy on whole pixels with rounding fixed, so the same call always gives the same
bytes.

>>> from convanim.draw.themes import THEMES
>>> cell_sprite(THEMES["light"].input, 32, 3, "#ffffff").shape
(32, 32, 3)
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from convanim.draw.themes import Look, rgb

if TYPE_CHECKING:
    from convanim.draw.layout import Box


def rgb_array(color: str) -> np.ndarray:
    """A colour as an int32 RGB array (room to add colours before halving).

    >>> rgb_array("#ff8000").tolist()
    [255, 128, 0]
    """
    return np.array(rgb(color), np.int32)


def line_mask(n: int, line: str, size: int) -> np.ndarray:
    """On/off mask along an edge of ``n`` pixels for a line style, symmetric about the middle.

    >>> line_mask(7, "dashed", 12).astype(int).tolist()
    [1, 0, 0, 1, 0, 0, 1]
    """
    if line == "solid":
        return np.ones(n, bool)
    if line == "dotted":
        on, period = 1, 3 if size >= 12 else 2
    else:
        on = max(2, round(size / 6))
        period = on + max(2, round(size / 10))
    pos = np.abs(np.arange(n) - (n - 1) / 2)
    return ((pos + on / 2) % period) < on


def cell_sprite(look: Look, px: int, gap: int, background: str, edge: int = 1) -> np.ndarray:
    """One cell (a px x px RGB square) drawn in ``look``: fill, hatch, cross, styled edge.

    >>> from convanim.draw.themes import THEMES
    >>> sprite = cell_sprite(THEMES["light"].input, 20, 2, "#ffffff")
    >>> sprite[10, 10].tolist(), sprite[0, 0].tolist()
    ([166, 212, 242], [255, 255, 255])
    """
    img = np.empty((px, px, 3), np.uint8)
    img[:] = rgb(background)
    lo, t = gap // 2, px - gap
    if t <= 0:
        return img
    tile = img[lo: lo + t, lo: lo + t]
    tile[:] = rgb(look.fill)
    if t < 4 and look.line != "none":
        # Too small for an edge: tint the fill with the edge colour so the kind still shows.
        tile[:] = (rgb_array(look.fill) + rgb_array(look.edge) + 1) // 2
    yy, xx = np.mgrid[0:t, 0:t]
    period = max(4, round(px / 5))
    if look.hatch and t >= 6:
        hatch = np.zeros((t, t), bool)
        if look.hatch in ("/", "x"):
            hatch |= (xx + yy) % period == 0
        if look.hatch in ("\\", "x"):
            hatch |= (xx - yy) % period == 0
        if look.hatch == ".":
            hatch |= (xx % period == period // 2) & (yy % period == period // 2)
        tile[hatch] = rgb(look.hatch_color)
    if look.cross and t >= 6:
        d = np.minimum(np.abs(xx - yy), np.abs(xx + yy - (t - 1)))
        a = np.clip(1.25 - d, 0, 1)[..., None]
        tile[:] = np.round(tile * (1 - a) + rgb_array(look.edge) * a).astype(np.uint8)
    if look.line != "none" and t >= 4:
        e = min(edge, t // 4 or 1)
        mask = line_mask(t, look.line, t)
        color = rgb(look.edge)
        for k in range(e):
            tile[k, mask] = tile[t - 1 - k, mask] = color
            tile[mask, k] = tile[mask, t - 1 - k] = color
    return img


def outline_bands(box: Box, cells: np.ndarray, thick: int) -> list[tuple[int, int, int, int]]:
    """Rectangles (x, y, w, h) outlining the union of ``cells`` of ``box``, in the tile gaps.

    >>> from convanim.draw.layout import Box
    >>> len(outline_bands(Box(0, 0, 3, 3, 20, 2), np.array([[0, 0], [0, 1]]), 2))
    6
    """
    r0, c0 = (int(v) for v in cells.min(axis=0)) if len(cells) else (0, 0)
    # The bands depend on the cells' shape, not on where it sits: a window sliding over a
    # grid (or a stack's windows, one per slice) reuses the rectangles of its first frame.
    rects = _shape_bands(box.px, box.gap, thick, (cells - (r0, c0)).astype(np.int64).tobytes())
    dx, dy = box.x + c0 * box.px, box.y + r0 * box.px
    return [(x + dx, y + dy, w, h) for x, y, w, h in rects]


@lru_cache(maxsize=256)
def _shape_bands(px: int, gap: int, thick: int, cells: bytes
                 ) -> tuple[tuple[int, int, int, int], ...]:
    """:func:`outline_bands` of cells (as int64 bytes, rows and columns from 0) at (0, 0)."""
    def band(edge: int) -> int:  # first pixel of the band over the gap at pitch line edge
        return edge + gap // 2 - gap + (gap - thick) // 2

    inside = {(int(r), int(c)) for r, c in np.frombuffer(cells, np.int64).reshape(-1, 2)}
    out = []
    for r, c in sorted(inside):
        x0, y0 = c * px, r * px
        bx0, bx1 = band(x0), band(x0 + px)
        by0, by1 = band(y0), band(y0 + px)
        sides = (((r - 1, c), (bx0, by0, bx1 + thick - bx0, thick)),
                 ((r + 1, c), (bx0, by1, bx1 + thick - bx0, thick)),
                 ((r, c - 1), (bx0, by0, thick, by1 + thick - by0)),
                 ((r, c + 1), (bx1, by0, thick, by1 + thick - by0)))
        out += [rect for n, rect in sides if n not in inside]
    return tuple(out)


def draw_outline(img: np.ndarray, box: Box, cells: np.ndarray, thick: int,
                 color: np.ndarray) -> None:
    """Thick outline around the union of ``cells`` (row, col) of ``box``.

    >>> from convanim.draw.layout import Box
    >>> img = np.zeros((70, 70, 3), np.uint8)
    >>> draw_outline(img, Box(5, 5, 3, 3, 20, 2), np.array([[1, 1]]), 2, np.array([9, 9, 9]))
    >>> int(img[24, 30, 0]), int(img[35, 35, 0])
    (9, 0)
    """
    h, w = img.shape[:2]
    for x, y, bw, bh in outline_bands(box, cells, thick):
        img[max(y, 0): min(y + bh, h), max(x, 0): min(x + bw, w)] = color


def _blend(img: np.ndarray, ys: np.ndarray, xs: np.ndarray, alpha: np.ndarray,
           color: np.ndarray) -> None:
    ok = (ys >= 0) & (ys < img.shape[0]) & (xs >= 0) & (xs < img.shape[1]) & (alpha > 0)
    ys, xs, a = ys[ok], xs[ok], alpha[ok]
    if not img.flags.c_contiguous:
        a = a[:, None]
        img[ys, xs] = np.round(img[ys, xs] * (1 - a) + color * a).astype(np.uint8)
        return
    # Pixels by flat index and channels as rows: numpy's loops then run along the pixels
    # instead of over 3 channels at a time (4x faster); each value gets the same arithmetic.
    pixels, at = img.reshape(-1, 3), ys * img.shape[1] + xs
    under = pixels.take(at, axis=0).T
    color = np.asarray(color)[:, None]
    pixels[at] = np.round(under * (1 - a) + color * a).astype(np.uint8).T


def draw_line(img: np.ndarray, x0: float, y0: float, x1: float, y1: float, color: np.ndarray,
              alpha: float = 1.0) -> None:
    """An antialiased 1-px line (Xiaolin Wu), coordinates in pixel edges.

    >>> img = np.zeros((10, 10, 3), np.uint8)
    >>> draw_line(img, 0, 5, 10, 5, np.array([200, 0, 0]))
    >>> int(img[4, 3, 0]) + int(img[5, 3, 0])
    200
    """
    steep = abs(y1 - y0) > abs(x1 - x0)
    if steep:
        x0, y0, x1, y1 = y0, x0, y1, x1
    if x1 < x0:
        x0, y0, x1, y1 = x1, y1, x0, y0
    xs = np.arange(int(np.floor(x0)), int(np.ceil(x1)))
    if xs.size == 0:
        return
    slope = (y1 - y0) / (x1 - x0) if x1 != x0 else 0.0
    ys = y0 + (xs + 0.5 - x0) * slope - 0.5
    j = np.floor(ys).astype(int)
    f = ys - j
    # Both rows of the line in one blend: they never share a pixel (one column, two rows),
    # so each pixel gets the same arithmetic as in two passes, for half the calls.
    cols, rows = np.concatenate([xs, xs]), np.concatenate([j, j + 1])
    cover = np.concatenate([(1 - f) * alpha, f * alpha])
    a, b = (cols, rows) if steep else (rows, cols)
    _blend(img, a, b, cover, color)


def fill_polygon(img: np.ndarray, poly: list[tuple[float, float]], color: np.ndarray,
                 alpha: float) -> None:
    """Fill a convex polygon at ``alpha`` (pixel-centre sampling; edges are covered by lines).

    >>> img = np.zeros((10, 10, 3), np.uint8)
    >>> fill_polygon(img, [(0, 0), (10, 0), (10, 10), (0, 10)], np.array([100, 100, 100]), 0.5)
    >>> int(img[5, 5, 0])
    50
    """
    xs_, ys_ = [float(x) for x, _ in poly], [float(y) for _, y in poly]
    # Only the part on the image can change; sampling stays at the same pixel centres.
    x0, y0 = max(math.floor(min(xs_)), 0), max(math.floor(min(ys_)), 0)
    x1, y1 = min(math.ceil(max(xs_)), img.shape[1]), min(math.ceil(max(ys_)), img.shape[0])
    if x0 >= x1 or y0 >= y1 or alpha <= 0:
        return
    ys, xs = np.arange(y0, y1) + 0.5, np.arange(x0, x1) + 0.5
    n = len(poly)
    turn = ((xs_[1] - xs_[0]) * (ys_[2] - ys_[1]) - (ys_[1] - ys_[0]) * (xs_[2] - xs_[1]))
    inside = np.empty((y1 - y0, x1 - x0), bool)
    edge = np.empty_like(inside)
    # Each edge's test, sign * (row term - column term) >= 0, compares the two terms: a
    # difference of doubles is 0, negative or positive exactly when they are equal, less or
    # greater, so no difference is formed, and the sign picks the comparison.
    compare = np.less_equal if turn < 0 else np.greater_equal
    for k in range(n):
        ax, ay, bx, by = xs_[k], ys_[k], xs_[(k + 1) % n], ys_[(k + 1) % n]
        # The edge function is a row term minus a column term: computed once per row and
        # per column and broadcast, the same float operations give the same bits.
        rows, cols = (bx - ax) * (ys - ay), (by - ay) * (xs - ax)
        compare(rows[:, None], cols[None, :], out=edge if k else inside)
        if k:
            inside &= edge
    table = _alpha_table(tuple(int(c) for c in color), float(alpha))
    region = img[y0:y1, x0:x1]
    for ch in range(3):  # one plane at a time: take() is ~6x faster than a 3-D fancy index
        plane = region[..., ch]
        np.copyto(plane, table[ch].take(plane), where=inside)


@lru_cache(maxsize=256)
def _alpha_table(color: tuple[int, int, int], alpha: float) -> np.ndarray:
    """Every result of blending ``color`` at ``alpha`` over a channel value: (3, 256) uint8.

    >>> _alpha_table((100, 0, 0), 0.5)[:, 0].tolist()
    [50, 0, 0]
    """
    levels = np.arange(256, dtype=np.float64)[None, :]
    return np.round(levels * (1 - alpha) + np.asarray(color, float)[:, None] * alpha
                    ).astype(np.uint8)
