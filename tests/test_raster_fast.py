"""The raster painter's fast paths give the bytes of the plain definitions they replace.

``blit_flat`` (text on a one-colour ground by a table of blends), ``draw_line`` (both rows
of a Wu line in one blend, pixels by flat index) and ``fill_polygon`` (edge tests as
comparisons, blend tables cached) are checked against the straightforward code written out
here: the blend of ``text.blit``, two passes of the Wu line, and the edge function
``sign * (row term - column term) >= 0`` on every pixel centre.
"""

from __future__ import annotations

import numpy as np
import pytest

from convanim.draw.cells import draw_line, fill_polygon
from convanim.draw.raster import blit_flat
from convanim.draw.text import blit, get_font

rng = np.random.default_rng(28)


def _ground(h: int, w: int, uniform: bool) -> np.ndarray:
    if uniform:
        return np.broadcast_to(rng.integers(0, 256, 3, dtype=np.uint8), (h, w, 3)).copy()
    img = np.broadcast_to(rng.integers(0, 256, 3, dtype=np.uint8), (h, w, 3)).copy()
    y, x = rng.integers(0, h), rng.integers(0, w)
    img[y, x, rng.integers(0, 3)] ^= 1  # one byte off: not one colour any more
    return img


@pytest.mark.parametrize("text", ["8", "12.5", "+4", "Output 4×4", "(0 + 1 + 3) / 8 = 0.50", "gyp"])
@pytest.mark.parametrize("uniform", [True, False])
def test_blit_flat_is_blit(text: str, uniform: bool) -> None:
    image = get_font(float(rng.choice([7, 9, 12])), 100).render(text)
    for _ in range(12):
        h, w = rng.integers(5, 40), rng.integers(5, 120)
        a = _ground(h, w, uniform)
        b = a.copy()
        x, base = rng.uniform(-20, w), rng.uniform(-5, h + 10)  # partly off the image too
        color = rng.integers(0, 256, 3).astype(np.int32)
        blit_flat(a, image, x, base, color)
        blit(b, image, x, base, color)
        assert (a == b).all()


def _wu(img: np.ndarray, x0: float, y0: float, x1: float, y1: float, color: np.ndarray,
        alpha: float) -> None:
    """Xiaolin Wu's line as two passes, one per row of the pair."""
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
    for rows, cover in ((j, 1 - f), (j + 1, f)):
        r, c = (xs, rows) if steep else (rows, xs)
        a = cover * alpha
        ok = (r >= 0) & (r < img.shape[0]) & (c >= 0) & (c < img.shape[1]) & (a > 0)
        r, c, a = r[ok], c[ok], a[ok, None]
        img[r, c] = np.round(img[r, c] * (1 - a) + color * a).astype(np.uint8)


def test_draw_line_is_two_wu_passes() -> None:
    for n in range(400):
        h, w = rng.integers(5, 60, 2)
        a = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        b = a.copy()
        x0, x1 = rng.uniform(-15, w + 15, 2)
        y0, y1 = rng.uniform(-15, h + 15, 2)
        if n % 5 == 0:
            y1 = y0
        color = rng.integers(0, 256, 3).astype(np.int32)
        alpha = float(rng.choice([1.0, 0.85, rng.random()]))
        draw_line(a, x0, y0, x1, y1, color, alpha)
        _wu(b, x0, y0, x1, y1, color, alpha)
        assert (a == b).all()


def _filled(img: np.ndarray, poly: list[tuple[float, float]], color: np.ndarray,
            alpha: float) -> None:
    """Every pixel centre inside all edges (edge function >= 0, signed by the turn) blended."""
    pts = np.array(poly, float)
    (ax_, ay_), (bx_, by_) = pts[1] - pts[0], pts[2] - pts[1]
    sign = np.sign(ax_ * by_ - ay_ * bx_) or 1.0
    cy, cx = np.mgrid[0: img.shape[0], 0: img.shape[1]] + 0.5
    x0, y0 = np.floor(pts.min(axis=0))
    x1, y1 = np.ceil(pts.max(axis=0))
    inside = (cx >= x0) & (cx < x1) & (cy >= y0) & (cy < y1)
    for k in range(len(pts)):
        (ax, ay), (bx, by) = pts[k], pts[(k + 1) % len(pts)]
        inside &= sign * ((bx - ax) * (cy - ay) - (by - ay) * (cx - ax)) >= 0
    blended = np.round(img * (1 - alpha) + np.asarray(color, float) * alpha).astype(np.uint8)
    img[inside] = blended[inside]


def test_fill_polygon_is_the_edge_function() -> None:
    for n in range(400):
        h, w = rng.integers(3, 50, 2)
        a = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        b = a.copy()
        if n % 2:  # the link's quadrilateral, either winding
            xa, xb = sorted(rng.uniform(-10, w + 10, 2))
            ya, yb, yc, yd = rng.uniform(-10, h + 10, 4)
            poly = [(xa, ya), (xb, yb), (xb, yc), (xa, yd)]
            poly = poly if n % 4 == 1 else poly[::-1]
        else:  # convex polygons of 3 to 6 corners, either winding
            cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(1, 30)
            turn = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(3, 7)))
            turn = turn if n % 4 == 0 else turn[::-1]
            poly = [(cx + r * np.cos(t), cy + r * np.sin(t)) for t in turn]
        color = rng.integers(0, 256, 3).astype(np.int32)
        alpha = float(rng.choice([0.16, 0.5, rng.random()]))
        fill_polygon(a, poly, color, alpha)
        _filled(b, poly, color, alpha)
        assert (a == b).all()


def _frames(spec: object, **options: object) -> list[str]:
    """A digest of every frame (a failing comparison of whole frames is slow to print)."""
    import hashlib

    from convanim.draw import Renderer, RenderOptions
    from convanim.geometry import plan

    return [hashlib.sha1(rgb.tobytes()).hexdigest()
            for rgb, _ in Renderer(plan(spec), RenderOptions(**options)).frames()]


def test_tiles_shared_between_figures_change_no_pixel() -> None:
    """Finished cells are kept per process: a figure drawn after others (other themes, sizes,
    fonts, the same values) is the figure drawn with no tile kept."""
    from convanim.draw import raster
    from convanim.geometry import Spec

    figures = [(Spec(i=4, k=2, mode="fold"), {}), (Spec(i=4, k=2, mode="fold"), {"theme": "dark"}),
               (Spec(i=5, k=3, s=2, p=1), {"cell_px": 32}), (Spec(i=4, k=3), {"dpi": 150}),
               (Spec(i=(3, 4, 4), k=2, s=2, p=1, mode="avgpool", dims=3), {"theme": "print"})]
    after_others = []
    for spec, options in figures:
        after_others.append(_frames(spec, **options))
    for (spec, options), seen in zip(figures, after_others):
        raster._TILES.clear()
        assert _frames(spec, **options) == seen
