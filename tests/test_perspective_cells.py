"""The perspective style's cells and lines: roles stay visible through the window, shared
sides are drawn once by the stronger line style, cached traces equal fresh ones, and the
default (flat) render never loads the perspective modules."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from convanim.draw import THEMES, Renderer, RenderOptions
from convanim.draw.perspective_cells import RANK, cell_sums, counts, side_halves
from convanim.draw.smooth import put, stroke, trace
from convanim.draw.themes import rgb
from convanim.geometry import Spec, plan


def frame_at(renderer: Renderer, index: int) -> np.ndarray:
    for n, (frame, _) in enumerate(renderer.frames()):
        if n == index:
            return frame.copy()
    raise IndexError(index)


def reach(frame: np.ndarray, a: tuple, b: tuple, fill: str, edge: str) -> float:
    """How far (0 = the fill, 1 = the edge colour) the darkest pixel across the middle of
    side a-b goes from ``fill`` towards ``edge``."""
    (ax, ay), (bx, by) = a, b
    mx, my = (ax + bx) / 2, (ay + by) / 2
    nx, ny = by - ay, ax - bx
    norm = np.hypot(nx, ny)
    f, e = np.array(rgb(fill), float), np.array(rgb(edge), float)
    best = 0.0
    for d in np.linspace(-2.5, 2.5, 21):
        x, y = mx + d * nx / norm, my + d * ny / norm
        px = frame[int(y), int(x)].astype(float)
        best = max(best, float(np.dot(px - f, e - f) / np.dot(e - f, e - f)))
    return best


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_inputs_keep_a_solid_border_against_padding_through_the_window(theme: str) -> None:
    # conv i=5 k=3 s=2 p=1: the first window covers padded cells (0..2, 0..2): padding in
    # row 0 and column 0, inputs at (1..2, 1..2). Between input (1, 1) and padding (1, 0)
    # the input's solid edge is drawn at its full width (a pixel reaches 3/4 of the way to
    # the edge colour; half a width, as each cell drew before, reaches ~1/2).
    r = Renderer(plan(Spec(i=5, k=3, s=2, p=1)), RenderOptions(
        style="perspective", values=False, cell_px=30, theme=theme))
    index = next(i for i, f in enumerate(r.plan.frames) if f.phase == "slide")
    frame, grid, t = frame_at(r, index), r.layout.planes["grid"], THEMES[theme]
    seen = t.look("window+input")
    assert reach(frame, grid.corner(1, 1), grid.corner(2, 1), seen.fill, seen.edge) > 0.75
    # Outside the window too: input (1, 5) against padding (1, 6).
    assert reach(frame, grid.corner(1, 6), grid.corner(2, 6), t.input.fill,
                 t.input.edge) > 0.75


def test_padding_keeps_its_dashes_under_the_window() -> None:
    r = Renderer(plan(Spec(i=5, k=3, s=2, p=1)), RenderOptions(
        style="perspective", values=False, cell_px=30))
    index = next(i for i, f in enumerate(r.plan.frames) if f.phase == "slide")
    frame, grid, t = frame_at(r, index), r.layout.planes["grid"], THEMES["light"]
    seen = t.look("window+padding")
    # Along the side between window+padding cells (0, 0) and (0, 1): dashes and gaps.
    (ax, ay), (bx, by) = grid.corner(0, 1), grid.corner(1, 1)
    f, e = np.array(rgb(seen.fill), float), np.array(rgb(seen.edge), float)
    nx, ny = (by - ay) / np.hypot(bx - ax, by - ay), (ax - bx) / np.hypot(bx - ax, by - ay)
    near = []
    for k in np.linspace(0.15, 0.85, 60):
        x, y = ax + k * (bx - ax), ay + k * (by - ay)
        across = [frame[int(y + d * ny), int(x + d * nx)].astype(float) for d in (-0.6, 0, 0.6)]
        near.append(max(float(np.dot(p - f, e - f) / np.dot(e - f, e - f)) for p in across))
    assert max(near) > 0.9 and min(near) < 0.3, near


def test_the_stronger_style_draws_a_shared_side_once() -> None:
    for mine in RANK:
        for theirs in RANK:
            if RANK[mine] and RANK[theirs]:
                # Two neighbours together draw the side exactly once (two halves).
                assert side_halves(mine, theirs) + side_halves(theirs, mine) == 2
        assert side_halves(mine, None) == 2


@pytest.mark.parametrize("sides", [(1, 1, 1, 1), (2, 0, 1, 2), (0, 0, 0, 0)])
@pytest.mark.parametrize("line,hatch,cross", [("solid", "", False), ("dashed", "/", False),
                                              ("dotted", ".", False), ("solid", "", True)])
def test_counts_split_a_cells_sub_pixels(sides, line, hatch, cross) -> None:
    u, v = (30, -12), (-17, -17)
    sums = counts(u, v, 1.07, line, sides, hatch, cross)
    # Every sub-pixel the cell owns is painted in exactly one colour: 9 per pixel inside,
    # |u x v| pixels' worth in all.
    assert sums.sum() == 9 * abs(u[0] * v[1] - u[1] * v[0])
    assert sums.sum(axis=-1).max() == 9
    look = THEMES["light"].input
    flat = cell_sums(look, u, v, 1.07, sides)
    assert (flat[sums.sum(axis=-1) == 9].max(axis=0) <= 9 * 255).all()


def test_a_moved_trace_is_the_trace_of_moved_segments() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        segments = [tuple((float(rng.integers(5, 40)), float(rng.integers(5, 40)))
                          for _ in range(2)) for _ in range(3)]
        dx, dy = (int(n) for n in rng.integers(-4, 5, 2))
        width = float(rng.choice([1.0, 1.5, 2.8]))
        moved = np.full((50, 50, 3), 255, np.uint8)
        put(moved, trace(segments, width), np.array([0, 0, 200]), (dx, dy))
        fresh = np.full((50, 50, 3), 255, np.uint8)
        stroke(fresh, [((ax + dx, ay + dy), (bx + dx, by + dy)) for (ax, ay), (bx, by)
                       in segments], np.array([0, 0, 200]), width)
        assert (moved == fresh).all()


def test_the_default_render_does_not_load_the_perspective_style(tmp_path) -> None:
    code = ("import sys\nfrom convanim.cli import main\n"
            f"sys.argv = ['convanim', 'render', '-q', '-o', {str(tmp_path / 'd.gif')!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if 'perspective' in m or 'smooth' in m))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "d.gif").stat().st_size > 0


def test_a_volume_window_outline_sits_on_every_slice_it_covers() -> None:
    # A 3-D window covers two depth slices, drawn as two planes apart (SlicedPlane): its
    # outline must sit on the corners of its cells in each slice (a shape traced once and
    # moved from the first cell once put the second slice's outline off the planes).
    r = Renderer(plan(Spec(i=(3, 4, 4), k=(2, 3, 3), p=1, dims=3)), RenderOptions(
        style="perspective", values=False))
    index = next(i for i, f in enumerate(r.plan.frames) if f.phase == "slide")
    frame, grid = frame_at(r, index), r.layout.planes["grid"]
    dark = (frame.astype(int).sum(axis=2) < 200)  # the outline's near-black ink
    window = next(cells for panel, cells in r.scene.outlines if panel == "grid")
    blocks = {int(c) // grid.block for _, c in window}
    assert len(blocks) == 2  # the window spans two slices
    for row, col in window:
        x, y = grid.corner(float(row), float(col))
        if not any((rr, cc) not in {(int(a), int(b)) for a, b in window}
                   for rr, cc in ((row - 1, col), (row, col - 1))):
            continue  # an inner corner: no outline passes here
        near = dark[int(y) - 3:int(y) + 4, int(x) - 3:int(x) + 4]
        assert near.any(), (row, col)
