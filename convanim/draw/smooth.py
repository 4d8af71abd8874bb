"""Anti-aliased raster primitives: lines of any width and box-filter downsampling.

Slanted edges are where a figure shows its pixels. A line here covers each pixel by how far
the pixel's centre lies from the segment (a 1 px ramp at the line's edge, round caps and
joins), and the coverage of a whole batch of segments is their maximum, so joints and
crossings of one colour are blended once. Polygons are drawn at ``SS`` times the size and
averaged down (:func:`downsample`), every sub-pixel an exact integer test, so a figure is
the same bytes on every run. ``benchmarks/bench_antialias.py`` compares these with Pillow's
ImageDraw, aggdraw and matplotlib's Agg renderer (``benchmarks/antialias.md``).

>>> img = np.full((9, 9, 3), 255, np.uint8)
>>> stroke(img, [((0.0, 0.0), (9.0, 9.0))], np.array([0, 0, 0]), 1.0)
>>> int(img[4, 4, 0]), int(img[4, 5, 0]) > 0, int(img[0, 8, 0])
(0, True, 255)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

SS = 3  # sub-pixels per pixel along each axis for supersampled polygons (10 coverage levels)
LEVELS = 6  # coverage steps of a line's edge


def coverage(shape: tuple[int, int], segments: list, width: float,
             origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Coverage (0..1, float32) of an ``shape`` raster at ``origin`` by ``segments``.

    A pixel is covered ``clip(width / 2 + 0.5 - d, 0, 1)`` where ``d`` is the distance of its
    centre from the nearest segment: a full line ``width`` px wide with a one-pixel ramp.

    >>> cov = coverage((3, 6), [((0.0, 1.5), (6.0, 1.5))], 1.0)
    >>> cov[:, 2].tolist()
    [0.0, 1.0, 0.0]
    """
    h, w = shape
    cov = np.zeros(h * w, np.float32)
    if segments and h > 0 and w > 0:
        ox, oy = origin
        at, value = _near([((ax - ox, ay - oy), (bx - ox, by - oy))
                           for (ax, ay), (bx, by) in segments], width, shape)
        np.maximum.at(cov, at, value)
    return cov.reshape(h, w)


def _near(segments: list, width: float, shape: tuple[int, int]
          ) -> tuple[np.ndarray, np.ndarray]:
    """Pixels of an ``shape`` raster a batch of segments covers: (flat index, coverage).

    Each segment walks its long axis pixel by pixel and takes, across it, only the few
    pixels within reach; the work is done in (long, short) axis coordinates, where the
    distance is the same, and segments of different lengths share one padded array, so a
    batch costs a few dozen numpy calls whatever its size. A pixel near two segments is
    listed twice (take the larger coverage).

    >>> at, value = _near([((0.0, 0.5), (2.0, 0.5))], 1.0, (2, 4))
    >>> sorted(int(i) for i, v in zip(at, value) if v == 1)
    [0, 1]
    """
    h, w = shape
    reach = width / 2 + 0.5
    ax, ay, bx, by = np.asarray([[*a, *b] for a, b in segments], float).T
    steep = np.abs(by - ay) > np.abs(bx - ax)
    a0, a1 = np.where(steep, ay, ax), np.where(steep, by, bx)
    b0, b1 = np.where(steep, ax, ay), np.where(steep, bx, by)
    amin, amax = np.minimum(a0, a1), np.maximum(a0, a1)
    lo = np.floor(amin - reach).astype(int)
    count = np.ceil(amax + reach).astype(int) + 1 - lo
    major = lo[:, None] + np.arange(count.max())  # (segments, steps)
    da, db = (a1 - a0)[:, None], (b1 - b0)[:, None]
    slope = db / np.where(da != 0, da, 1)  # a point (da = 0) has db = 0 too
    # (np.minimum/np.maximum, not np.clip: the same numbers without clip's Python wrapper)
    centre = b0[:, None] + (np.minimum(np.maximum(major + 0.5, amin[:, None]), amax[:, None])
                            - a0[:, None]) * slope
    minor = np.floor(centre - reach).astype(int)[..., None] + np.arange(
        int(np.ceil(2 * reach)) + 2)  # (segments, steps, across)
    pa = (major + 0.5 - a0[:, None])[..., None]
    pb = minor + 0.5 - b0[:, None, None]
    da, db = da[..., None], db[..., None]
    l2 = np.maximum(da * da + db * db, 1e-300)  # a point: t = 0
    t = np.minimum(np.maximum((pa * da + pb * db) / l2, 0), 1)
    value = np.minimum(np.maximum(width / 2 + 0.5 - np.hypot(pa - t * da, pb - t * db), 0), 1)
    # Keep the covered pixels of real steps (padding steps past a segment's end are not).
    seg, step, across = np.nonzero((value > 0) & (np.arange(major.shape[1])[None, :, None]
                                                  < count[:, None, None]))
    big, small = major[seg, step], minor[seg, step, across]
    tall = steep[seg]
    rows, cols = np.where(tall, big, small), np.where(tall, small, big)
    ok = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)
    return (rows * w + cols)[ok], value[seg, step, across][ok].astype(np.float32)


def stroke(img: np.ndarray, segments: list, color: np.ndarray, width: float = 1.0,
           alpha: float = 1.0, hide: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """Draw ``segments`` ((x0, y0), (x1, y1)) in pixel-edge coordinates, anti-aliased.

    :func:`trace`, then :func:`put` (``hide`` is explained there).

    >>> img = np.zeros((6, 6, 3), np.uint8)
    >>> stroke(img, [((0.0, 3.0), (6.0, 3.0))], np.array([200, 0, 0]), 2.0)
    >>> img[1:5, 3, 0].tolist()
    [0, 200, 200, 0]
    """
    put(img, trace(segments, width, alpha), color, hide=hide)


class Trace(NamedTuple):
    """Pixels a batch of segments covers: ``rows``, ``cols``, their coverage
    ``alpha`` (float32, ``(n, 1)``, in ``LEVELS`` steps) and the box ``(x0, y0, x1, y1)``
    (end excluded) that holds them."""

    rows: np.ndarray
    cols: np.ndarray
    alpha: np.ndarray
    box: tuple[int, int, int, int]


def trace(segments: list, width: float, alpha: float = 1.0) -> Trace:
    """The pixels ``segments`` cover, with their coverage (:class:`Trace`).

    Only the pixels within reach of a segment are computed, so a long slanted line costs
    its length, not its bounding box. A trace moved by whole pixels is the trace of the
    moved segments: callers cache the trace of a shape and move it (the window's outline).

    >>> line = trace([((0.0, 1.0), (3.0, 1.0))], 2.0)  # round caps reach past the ends
    >>> sorted(zip(line.rows.tolist(), line.cols.tolist(), (line.alpha[:, 0] * 6).tolist()))[:5]
    [(0, -1, 5.0), (0, 0, 6.0), (0, 1, 6.0), (0, 2, 6.0), (0, 3, 5.0)]
    """
    if not segments:
        none = np.zeros(0, np.int64)
        return Trace(none, none, np.zeros((0, 1), np.float32), (0, 0, 0, 0))
    pts = np.asarray([[*a, *b] for a, b in segments], float)
    reach = width / 2 + 1
    x0 = int(np.floor(min(pts[:, 0].min(), pts[:, 2].min()) - reach))
    y0 = int(np.floor(min(pts[:, 1].min(), pts[:, 3].min()) - reach))
    x1 = int(np.ceil(max(pts[:, 0].max(), pts[:, 2].max()) + reach))
    y1 = int(np.ceil(max(pts[:, 1].max(), pts[:, 3].max()) + reach))
    w = x1 - x0
    at, value = _near([((ax - x0, ay - y0), (bx - x0, by - y0))
                       for (ax, ay), (bx, by) in segments], width, (y1 - y0, w))
    # Where segments cross or join, a pixel takes its largest coverage. It may stay listed
    # twice (finding unique pixels costs more than it saves): :func:`put` blends both
    # entries from the same colour to the same result.
    most = np.zeros((y1 - y0) * w, np.float32)
    np.maximum.at(most, at, value)
    # Coverage in sixths: with the planes' ninths, a perspective figure without numbers
    # has ~300 colours: a GIF keeps 98% of its pixels exact (benchmarks/antialias.md).
    levels = np.floor(most[at] * alpha * LEVELS + 0.5)
    keep = levels > 0
    at = at[keep]
    return Trace(at // w + y0, at % w + x0, (levels[keep] / LEVELS)[:, None],
                 (x0, y0, x1, y1))


def put(img: np.ndarray, traced: Trace, color: np.ndarray, shift: tuple[int, int] = (0, 0),
        hide: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """Blend ``color`` over ``img`` (RGB uint8, in place) where a :func:`trace` covers it,
    moved by ``shift`` (dx, dy) whole pixels; pixels off the image are skipped.

    ``hide`` is ``(under, cover)``: an opaque shape in front of the lines covers ``cover``
    (0..1 per pixel) of each pixel, whose colour without the lines is ``under``; the lines
    show only through the rest.

    >>> img = np.zeros((4, 6, 3), np.uint8)
    >>> line = trace([((0.0, 1.0), (6.0, 1.0))], 2.0)
    >>> cover = np.zeros((4, 6), np.float32)
    >>> cover[:, 3:] = 1.0  # the right half is behind a shape
    >>> put(img, line, np.array([200, 0, 0]), (0, 1), hide=(np.zeros_like(img), cover))
    >>> img[1, :, 0].tolist(), img[0, :, 0].tolist()
    ([200, 200, 200, 0, 0, 0], [0, 0, 0, 0, 0, 0])
    """
    rows, cols, alpha, (x0, y0, x1, y1) = traced
    if not rows.size:
        return
    dx, dy = shift
    h, w = img.shape[:2]
    at = (rows + dy) * w + (cols + dx)
    if x0 + dx < 0 or y0 + dy < 0 or x1 + dx > w or y1 + dy > h:
        ok = (rows + dy >= 0) & (rows + dy < h) & (cols + dx >= 0) & (cols + dx < w)
        at, alpha = at[ok], alpha[ok]
    old = img.reshape(-1, 3).take(at, axis=0).astype(np.float32)
    top = np.floor(old + (np.asarray(color, np.float32) - old) * alpha + 0.5)
    if hide is not None:
        under, cover = hide
        c = cover.reshape(-1).take(at)[:, None]
        top = np.where(c > 0, np.floor(top + (under.reshape(-1, 3).take(at, axis=0) - top) * c
                                       + 0.5), top)
    # Whole pixels (3 bytes each) at once: ~2x faster than an (n, 3) row scatter.
    pixel = np.dtype((np.void, 3))
    img.view(pixel).reshape(-1)[at] = top.astype(np.uint8).view(pixel).reshape(-1)


def downsample(hi: np.ndarray, ss: int = SS) -> np.ndarray:
    """The mean of each ``ss`` x ``ss`` block of ``uint8`` ``hi``, rounded to the nearest.

    Sums ``ss * ss`` strided views (a reduction over the reshaped axes is ~10x slower on
    these small blocks) and divides through a table of every possible sum.

    >>> hi = np.zeros((4, 4, 3), np.uint8)
    >>> hi[:2, :1] = 255
    >>> downsample(hi, 2)[:, :, 0].tolist()
    [[128, 0], [0, 0]]
    """
    return mean_table(ss).take(block_sums(hi, ss))


def block_sums(hi: np.ndarray, ss: int = SS) -> np.ndarray:
    """The sum (int32) of each ``ss`` x ``ss`` block of ``hi``.

    >>> block_sums(np.ones((4, 6), np.uint8), 2).tolist()
    [[4, 4, 4], [4, 4, 4]]
    """
    h, w = hi.shape[0] // ss, hi.shape[1] // ss
    total = np.zeros((h, w, *hi.shape[2:]), np.int32)
    for dy in range(ss):
        for dx in range(ss):
            total += hi[dy: h * ss: ss, dx: w * ss: ss]
    return total


_TABLES: dict[int, np.ndarray] = {}


def mean_table(ss: int) -> np.ndarray:
    """``round(total / ss**2)`` for every ``total`` of ``ss * ss`` bytes.

    >>> mean_table(3)[[0, 4, 5, 2295]].tolist()
    [0, 0, 1, 255]
    """
    table = _TABLES.get(ss)
    if table is None:
        n = ss * ss
        table = _TABLES[ss] = ((np.arange(255 * n + 1) + n // 2) // n).astype(np.uint8)
    return table
