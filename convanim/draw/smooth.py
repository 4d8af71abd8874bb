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
    reach = width / 2 + 0.5
    k = np.arange(int(np.ceil(2 * reach)) + 2)
    for (ax, ay), (bx, by) in segments:
        ax, ay, bx, by = ax - origin[0], ay - origin[1], bx - origin[0], by - origin[1]
        steep = abs(by - ay) > abs(bx - ax)
        # Walk the long axis pixel by pixel; across it only the few pixels within reach.
        a0, a1, b0, b1 = (ay, by, ax, bx) if steep else (ax, bx, ay, by)
        lo = int(np.floor(min(a0, a1) - reach))
        major = np.arange(lo, int(np.ceil(max(a0, a1) + reach)) + 1)
        slope = (b1 - b0) / (a1 - a0) if a1 != a0 else 0.0
        centre = b0 + (np.clip(major + 0.5, min(a0, a1), max(a0, a1)) - a0) * slope
        minor = np.floor(centre - reach).astype(int)[:, None] + k[None, :]
        rows, cols = (major[:, None] + 0 * minor, minor) if steep else (minor,
                                                                         major[:, None] + 0 * minor)
        px, py = cols + 0.5 - ax, rows + 0.5 - ay
        dx, dy = bx - ax, by - ay
        l2 = dx * dx + dy * dy
        t = np.clip((px * dx + py * dy) / l2, 0, 1) if l2 > 0 else 0.0
        value = np.clip(width / 2 + 0.5 - np.hypot(px - t * dx, py - t * dy), 0, 1)
        ok = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w) & (value > 0)
        r, c = rows[ok], cols[ok]
        cov[r, c] = np.maximum(cov[r, c], value[ok])
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
    # has ~300 colours: a GIF keeps 98% of its pixels exact (benchmarks/antialias.md).
    levels = np.floor(cover * LEVELS + 0.5)
    ys, xs = np.nonzero(levels > 0)
    if ys.size == 0:
        return
    a = levels[ys, xs][:, None] / LEVELS
    old = region[ys, xs].astype(np.float32)
    region[ys, xs] = np.floor(old + (np.asarray(color, np.float32) - old) * a + 0.5
                              ).astype(np.uint8)


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
