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

import numpy as np

SS = 3  # sub-pixels per pixel along each axis for supersampled polygons (10 coverage levels)
LEVELS = 6  # coverage steps of a line's edge
_CHUNK = 8  # segments are cut into pieces this long (px): small windows, no per-pixel loop


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
    cov = np.zeros((h, w), np.float32)
    if not segments or h <= 0 or w <= 0:
        return cov
    seg = np.asarray([[a[0], a[1], b[0], b[1]] for a, b in segments], float)
    seg[:, [0, 2]] -= origin[0]
    seg[:, [1, 3]] -= origin[1]
    reach = width / 2 + 0.5
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    pieces = np.maximum(1, np.ceil(length / _CHUNK)).astype(int)
    which = np.repeat(np.arange(len(seg)), pieces)
    k = np.arange(which.size) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    ax, ay, bx, by = seg[which].T
    t0, t1 = k / pieces[which], (k + 1) / pieces[which]
    cx0, cy0 = ax + (bx - ax) * t0, ay + (by - ay) * t0
    cx1, cy1 = ax + (bx - ax) * t1, ay + (by - ay) * t1
    size = int(np.ceil(_CHUNK + 2 * reach)) + 2
    left = np.floor(np.minimum(cx0, cx1) - reach).astype(int)
    top = np.floor(np.minimum(cy0, cy1) - reach).astype(int)
    grid = np.arange(size) + 0.5
    px = np.broadcast_to(left[:, None, None] + grid[None, None, :] - ax[:, None, None],
                         (which.size, size, size))
    py = np.broadcast_to(top[:, None, None] + grid[None, :, None] - ay[:, None, None],
                         (which.size, size, size))
    dx, dy = (bx - ax)[:, None, None], (by - ay)[:, None, None]
    l2 = np.broadcast_to(dx * dx + dy * dy, px.shape)
    t = np.clip(np.divide(px * dx + py * dy, l2, out=np.zeros(px.shape), where=l2 > 0), 0, 1)
    d = np.hypot(px - t * dx, py - t * dy)
    piece = np.clip(width / 2 + 0.5 - d, 0, 1).astype(np.float32)
    for n in range(which.size):
        x0, y0 = left[n], top[n]
        sx0, sy0 = max(x0, 0), max(y0, 0)
        sx1, sy1 = min(x0 + size, w), min(y0 + size, h)
        if sx0 >= sx1 or sy0 >= sy1:
            continue
        dst = cov[sy0:sy1, sx0:sx1]
        np.maximum(dst, piece[n, sy0 - y0: sy1 - y0, sx0 - x0: sx1 - x0], out=dst)
    return cov


def stroke(img: np.ndarray, segments: list, color: np.ndarray, width: float = 1.0,
           alpha: float = 1.0) -> None:
    """Draw ``segments`` ((x0, y0), (x1, y1)) in pixel-edge coordinates, anti-aliased.

    >>> img = np.zeros((6, 6, 3), np.uint8)
    >>> stroke(img, [((0.0, 3.0), (6.0, 3.0))], np.array([200, 0, 0]), 2.0)
    >>> img[1:5, 3, 0].tolist()
    [0, 200, 200, 0]
    """
    if not segments:
        return
    pts = np.asarray([[*a, *b] for a, b in segments], float)
    reach = width / 2 + 1
    h, w = img.shape[:2]
    x0 = max(int(np.floor(min(pts[:, 0].min(), pts[:, 2].min()) - reach)), 0)
    y0 = max(int(np.floor(min(pts[:, 1].min(), pts[:, 3].min()) - reach)), 0)
    x1 = min(int(np.ceil(max(pts[:, 0].max(), pts[:, 2].max()) + reach)), w)
    y1 = min(int(np.ceil(max(pts[:, 1].max(), pts[:, 3].max()) + reach)), h)
    if x0 >= x1 or y0 >= y1:
        return
    cov = coverage((y1 - y0, x1 - x0), segments, width, (x0, y0))
    blend(img[y0:y1, x0:x1], cov * alpha, color)


def blend(region: np.ndarray, cover: np.ndarray, color: np.ndarray) -> None:
    """``region`` (RGB uint8, in place) over which ``color`` lies with opacity ``cover``.

    >>> region = np.zeros((1, 2, 3), np.uint8)
    >>> blend(region, np.array([[0.5, 0.0]]), np.array([200, 100, 0]))
    >>> region[0].tolist()
    [[100, 50, 0], [0, 0, 0]]
    """
    # Coverage in sixths: with the planes' tenths, a perspective figure without numbers
    # keeps all but its rarest blends within a GIF's 255 colours (benchmarks/antialias.md).
    levels = np.floor(cover * LEVELS + 0.5)
    ys, xs = np.nonzero(levels > 0)
    if ys.size == 0:
        return
    a = levels[ys, xs][:, None] / LEVELS
    old = region[ys, xs].astype(np.float32)
    region[ys, xs] = np.floor(old + (np.asarray(color, np.float32) - old) * a + 0.5
                              ).astype(np.uint8)


def downsample(hi: np.ndarray, ss: int = SS) -> np.ndarray:
    """The mean of each ``ss`` x ``ss`` block of ``hi`` (rounded; uint8 for RGB input).

    >>> hi = np.zeros((4, 4, 3), np.uint8)
    >>> hi[:2, :1] = 255
    >>> downsample(hi, 2)[:, :, 0].tolist()
    [[128, 0], [0, 0]]
    """
    h, w = hi.shape[0] // ss, hi.shape[1] // ss
    blocks = hi[: h * ss, : w * ss].reshape(h, ss, w, ss, *hi.shape[2:])
    total = blocks.sum(axis=(1, 3), dtype=np.uint32)
    n = ss * ss
    return ((total + n // 2) // n).astype(hi.dtype)
