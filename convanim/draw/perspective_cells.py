"""One cell of a perspective plane, anti-aliased: which sub-pixels it paints in which colour.

Every cell of a plane is the same parallelogram moved by whole pixels. Each pixel has
``SS`` x ``SS`` sub-pixels, each owned by the cell whose half-open parallelogram holds its
centre, so neighbours never overlap and planes have no gaps. What a cell paints depends on
its look only through four colours (fill, hatch, edge, nothing), so the sub-pixels are
counted once per shape (:func:`counts`, cached for the process: every figure, theme and look
with the same cell size shares them) and a look's per-pixel sums (:func:`cell_sums`) are
one product of those counts with a 3 x 3 colour matrix, at the pixel size.

A shared side is drawn once: each side of a cell carries 0, 1 or 2 halves of the edge's
width (:func:`side_halves`), the stronger line style of the two neighbours drawing all of
it, equal styles half each, so inputs keep a solid border against padding and inserted
zeros, under the see-through window too.

>>> from convanim.draw.themes import THEMES
>>> sums = cell_sums(THEMES["light"].input, (20, -8), (-11, -11), 1.0, (2, 2, 2, 2))
>>> sums.shape, int(sums[..., 0].max()) == 166 * SS * SS
((19, 31, 3), True)
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from convanim.draw.cells import line_mask
from convanim.draw.smooth import SS, block_sums
from convanim.draw.themes import Look, rgb

# How strongly a line style marks a side: the stronger of two neighbours draws it.
RANK = {"none": 0, "dotted": 1, "dashed": 2, "solid": 3}


def cell_mask(u: tuple[int, int], v: tuple[int, int]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Coverage of one cell: (mask, s, t, left, top) over the parallelogram's bounding box.

    ``s``/``t`` are each pixel centre's position along u and v (0..1 inside); ``left``/``top``
    is the box's offset from the cell's corner. Half-open sides make neighbours tile exactly.

    >>> mask, s, t, left, top = cell_mask((4, -2), (-2, -2))
    >>> int(mask.sum()), left, top  # |u x v| = 12 pixels
    (12, -2, -4)
    """
    xs = [0, u[0], v[0], u[0] + v[0]]
    ys = [0, u[1], v[1], u[1] + v[1]]
    left, top = min(xs), min(ys)
    h, w = max(ys) - top, max(xs) - left
    py, px = np.mgrid[0:h, 0:w]
    # Twice the pixel centres, so every quantity below is an exact integer.
    qx, qy = 2 * (px + left) + 1, 2 * (py + top) + 1
    det = u[0] * v[1] - u[1] * v[0]
    a = qx * v[1] - qy * v[0]  # 2 * det * s
    b = u[0] * qy - u[1] * qx  # 2 * det * t
    if det < 0:  # a mirrored lattice: the same half-open test on the negated quantities
        a, b, det = -a, -b, -det
    mask = (a >= 0) & (a < 2 * det) & (b >= 0) & (b < 2 * det)
    return mask, a / (2 * det), b / (2 * det), left, top


@lru_cache(maxsize=16)
def geometry(u: tuple[int, int], v: tuple[int, int], scale: int = SS
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`cell_mask` of the cell at ``scale`` times its size (mask, s, t), cached.

    >>> int(geometry((4, -2), (-2, -2), 3)[0].sum())  # 9 sub-pixels per pixel
    108
    """
    mask, s, t, _, _ = cell_mask((u[0] * scale, u[1] * scale), (v[0] * scale, v[1] * scale))
    return mask, s, t


def edge_px(theme: Any, cell_px: int) -> float:
    """Width (px) of the line between two cells of a plane: the theme's, grown with the cells.

    >>> from convanim.draw.themes import THEMES
    >>> edge_px(THEMES["light"], 42)
    1.5
    """
    return max(1.0, theme.edge_px * cell_px / 28)


def side_halves(line: str, other: str | None) -> int:
    """Halves of the edge width a cell in ``line`` style draws on a side it shares with a
    cell in ``other`` style (``None``: the plane's border or an empty cell).

    >>> side_halves("solid", None), side_halves("solid", "dashed"), side_halves("dashed", "solid")
    (2, 2, 0)
    >>> side_halves("dotted", "dotted")
    1
    """
    if other is None or RANK[other] == 0:
        return 2
    mine, theirs = RANK[line], RANK[other]
    return 2 if mine > theirs else 0 if mine < theirs else 1


@lru_cache(maxsize=256)
def counts(u: tuple[int, int], v: tuple[int, int], edge: float, line: str,
           sides: tuple[int, int, int, int], hatch: str, cross: bool) -> np.ndarray:
    """Per pixel of the cell's box, its sub-pixels painted in fill, hatch and edge colour
    (int32, the three counts along the last axis).

    ``sides`` are the halves of ``edge`` (px) drawn along the sides at v = 0, v = 1, u = 0
    and u = 1 (rows' start and end, columns' start and end). Hatch marks are one pixel wide
    on the cell's own axes; a cross (cells no stride reaches) is drawn in the edge colour.

    >>> sums = counts((20, -8), (-11, -11), 1.0, "solid", (1, 1, 1, 1), "", False)
    >>> int(sums.sum()) == 9 * (20 * 11 + 8 * 11), int(sums[..., 1].sum())
    (True, 0)
    """
    mask = geometry(u, v)[0]
    lines = _cross(u, v) if cross else np.zeros(mask.shape, bool)
    if line != "none":
        for side, halves in enumerate(sides):
            if halves:
                lines = lines | _side(u, v, edge, line, side, halves)
    lines = lines & mask
    marks = _marks(u, v, hatch) & mask & ~lines if hatch else np.zeros(mask.shape, bool)
    plain = mask & ~lines & ~marks
    # One pass over the three masks side by side (three passes cost three times as much).
    sums = block_sums(np.stack([plain, marks, lines], axis=-1).view(np.uint8), SS)
    sums.flags.writeable = False
    return sums


@lru_cache(maxsize=64)
def _side(u: tuple[int, int], v: tuple[int, int], edge: float, line: str, side: int,
          halves: int) -> np.ndarray:
    """Sub-pixels of a ``line``-style edge, ``halves`` half-widths wide, along one side."""
    dist, on = _distance(u, v, side), _dashes(u, v, side, line)
    return dist < edge * halves / 2 if on is None else (dist < edge * halves / 2) & on


@lru_cache(maxsize=16)
def _distance(u: tuple[int, int], v: tuple[int, int], side: int) -> np.ndarray:
    """Each sub-pixel's distance (px) from one side of the cell."""
    _, s, t = geometry(u, v)
    det = abs(u[0] * v[1] - u[1] * v[0])
    nu, nv = float(np.hypot(*u)), float(np.hypot(*v))
    return (t * det / nu, (1 - t) * det / nu, s * det / nv, (1 - s) * det / nv)[side]


@lru_cache(maxsize=32)
def _dashes(u: tuple[int, int], v: tuple[int, int], side: int, line: str) -> np.ndarray | None:
    """Which sub-pixels along one side a ``line`` style draws (None: all of them)."""
    if line == "solid":
        return None
    _, s, t = geometry(u, v)
    # Lengths in pixels (not sub-pixels): dashes keep their size at any ``SS``.
    along, length = (s, float(np.hypot(*u))) if side < 2 else (t, float(np.hypot(*v)))
    n = max(2, round(length))
    return line_mask(n, line, n)[np.clip((along * n).astype(int), 0, n - 1)]


@lru_cache(maxsize=16)
def _marks(u: tuple[int, int], v: tuple[int, int], hatch: str) -> np.ndarray:
    """Sub-pixels of a hatch: marks one pixel wide on the cell's own axes."""
    _, s, t = geometry(u, v)
    nu, nv = float(np.hypot(*u)), float(np.hypot(*v))
    period = max(4, round(nu / 5))
    ss, tt = s * nu, t * nv
    marks = np.zeros(s.shape, bool)
    if hatch in ("/", "x"):
        marks |= (ss + tt) % period < 1
    if hatch in ("\\", "x"):
        marks |= (ss - tt) % period < 1
    if hatch == ".":
        marks |= (np.abs(ss % period - period / 2) < 0.6) & (
            np.abs(tt % period - period / 2) < 0.6)
    return marks


@lru_cache(maxsize=16)
def _cross(u: tuple[int, int], v: tuple[int, int]) -> np.ndarray:
    """Sub-pixels of a cross through the cell (cells no stride reaches), one pixel wide."""
    _, s, t = geometry(u, v)
    return np.minimum(np.abs(s - t), np.abs(s + t - 1)) * min(np.hypot(*u), np.hypot(*v)) < 0.6


@lru_cache(maxsize=512)
def cell_sums(look: Look, u: tuple[int, int], v: tuple[int, int], edge: float,
              sides: tuple[int, int, int, int]) -> np.ndarray:
    """One cell in ``look``: each pixel's sum (int32 RGB) over the sub-pixels the cell owns.

    A pixel the cell shares with its neighbours holds only this cell's part; the painter
    adds the neighbours' parts, so the mean of the total is the anti-aliased pixel. Cached
    for the process (read only: a gallery's figures share them).

    >>> from convanim.draw.themes import THEMES
    >>> blank = Look("#ffffff", "#ffffff", "#000000", "none")
    >>> sums = cell_sums(blank, (4, -2), (-2, -2), 1.0, (2, 2, 2, 2))
    >>> int(sums[..., 0].sum()) == 255 * 9 * 12
    True
    """
    sums = counts(u, v, edge, look.line, sides, look.hatch, look.cross)
    # Each class's count times its colour, summed: one product with a 3 x 3 colour matrix.
    colors = np.zeros((3, 3), np.int32)
    colors[0] = _color(look.fill)
    if look.hatch:
        colors[1] = _color(look.hatch_color)
    if look.line != "none" or look.cross:
        colors[2] = _color(look.edge)
    out = sums @ colors
    out.flags.writeable = False
    return out


@lru_cache(maxsize=256)
def _color(color: str) -> np.ndarray:
    """A hex colour as an int32 RGB array (cached: every sprite asks for a few)."""
    return np.array(rgb(color), np.int32)
