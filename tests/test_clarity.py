"""Clarity: reading-order sums with a matching kernel, distinct roles, one colour per writer."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from convanim.api import animate
from convanim.draw import Renderer, RenderOptions, Scene
from convanim.draw.raster import link_geometry
from convanim.geometry import Spec, plan
from convanim.writers import read_animation


def test_gather_sum_reads_the_window_and_the_drawn_kernel_in_order() -> None:
    the_plan = plan(Spec(i=3, k=3, s=2, p=1, mode="transposed"), seed=3)
    scene = Scene(the_plan)
    kernel = the_plan.w
    for index, frame in enumerate(the_plan.frames):
        scene.advance(index)
        if frame.phase != "slide":
            continue
        drawn = scene.panels["kernel"].main
        # The transposed conv's gather meets the kernel rotated half a turn.
        assert [[float(v) for v in row] for row in drawn] == np.rot90(kernel, 2).tolist()
        grid = the_plan.grids[frame.grid]
        cells = sorted(map(tuple, frame.window))  # reading order: row, then column
        terms = scene.texts["formula"].text().split(" = ")[0].split(" + ")
        values = [float(t.split("×")[0]) for t in terms]
        weights = [float(t.split("×")[1]) for t in terms]
        assert values == [float(grid.values[r, c]) for r, c in cells]
        assert weights == [float(v) for v in np.ravel(drawn)]
        assert np.dot(values, weights) == frame.value


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(int) - b.astype(int)).sum())


def test_pool_maximum_and_cell_being_written_look_different() -> None:
    renderer = Renderer(plan(Spec(i=5, k=3, s=1, mode="maxpool")), RenderOptions())
    frames = [rgb for rgb, _ in renderer.frames()]
    frame_index = 1
    frame = renderer.plan.frames[frame_index]
    grid = renderer.plan.grids[frame.grid]
    window = [tuple(c) for c in frame.window]
    top = max(window, key=lambda rc: grid.values[rc])
    layout, img = renderer.layout, frames[frame_index]
    x0, y0, _, _ = layout.cell_box("grid", *top)
    written = tuple(frame.cells[0])
    x1, y1, _, _ = layout.cell_box("target", *written)
    window_cell = next(rc for rc in window if grid.values[rc] < grid.values[top])
    x2, y2, _, _ = layout.cell_box("grid", *window_cell)
    chosen, current, other = img[y0 + 3, x0 + 3], img[y1 + 3, x1 + 3], img[y2 + 3, x2 + 3]
    assert _distance(chosen, current) > 120 and _distance(chosen, other) > 120


def test_link_wedge_has_one_colour_in_gif_and_webp(tmp_path: Path) -> None:
    spec = {"i": 5, "k": 3, "s": 1, "mode": "maxpool"}
    anim = animate(spec)
    anim.save(tmp_path / "a.gif")
    anim.save(tmp_path / "a.webp")
    gif, _ = read_animation(tmp_path / "a.gif")
    webp, _ = read_animation(tmp_path / "a.webp")
    scene = Scene(anim.plan)
    for i in range(3):
        scene.advance(i)
    _, poly = link_geometry(anim.layout, scene)
    x, y = (int(v + 0.5) for v in np.mean(poly, axis=0))
    drawn = anim.frames[2][y, x]
    assert _distance(drawn, anim.frames[2][0, 0]) > 20  # really inside the tinted wedge
    assert _distance(gif[2][y, x], drawn) <= 3 and _distance(webp[2][y, x], drawn) <= 3


def test_matrix_view_fills_its_canvas() -> None:
    # Under a short C the grids use the room a tall x column leaves, not a column of their own.
    frame = animate({"i": 5, "k": 3, "s": 2, "p": 1, "view": "matrix"}).frames[2]
    h, w, _ = frame.shape
    background = frame[0, 0]
    empty = sum(bool((frame[r * h // 4:(r + 1) * h // 4, c * w // 4:(c + 1) * w // 4]
                      == background).all()) for r in range(4) for c in range(4))
    assert empty <= 2


def test_overlap_offers_no_mode_or_view_and_keeps_its_showcase(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from convanim.cli import cli

    runner = CliRunner()
    help_text = runner.invoke(cli, ["overlap", "--help"]).output
    assert "--mode" not in help_text and "--view" not in help_text
    result = runner.invoke(cli, ["overlap", "-o", str(tmp_path / "o.png")])
    assert result.exit_code == 0 and "i=3 k=3 s=2 p=1" in result.output
    result = runner.invoke(cli, ["overlap", "-k", "4", "-s", "2", "-o", str(tmp_path / "p.png")])
    assert result.exit_code == 0 and "transposed conv  i=5 k=4 s=2" in result.output
