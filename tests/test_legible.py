"""Text a newcomer can read: no font under 10 px in any single-layer figure of configs/,
one number size per panel, long numbers abbreviated rather than clipped."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from convanim.cli import cli
from convanim.config import load_entries
from convanim.draw.layout import Layout
from convanim.draw.legible import MIN_TEXT_PX, cell_fmt
from convanim.draw.options import RenderOptions
from convanim.draw.scene import Scene
from convanim.geometry import Spec, plan

ROOT = Path(__file__).resolve().parent.parent
# Single-layer flat figures (chains, comparisons and the perspective style have their own).
SECTIONS = ("conv_arithmetic", "channels", "upsampling", "seeds", "showcase")


def _figures() -> list[tuple[str, str | None]]:
    out = []
    for section in SECTIONS:
        for path in sorted((ROOT / "configs" / section).glob("*.yaml")):
            entries = load_entries(path)
            if any("panels" in str(e) for e in entries):
                continue
            names = [getattr(e, "name", None) for e in entries]
            out += [(str(path.relative_to(ROOT)), n if len(names) > 1 else None)
                    for n in names]
    return out


FIGURES = _figures()


def _font_sizes_px(svg: str) -> list[float]:
    """Every font size of an SVG still, in the pixels of the raster at the same size."""
    width_pt = float(re.search(r'<svg[^>]* width="([\d.]+)pt"', svg).group(1))
    view_w = float(re.search(r'viewBox="0 0 ([\d.]+)', svg).group(1))
    px_per_unit = width_pt / view_w * 100 / 72  # 100 dpi: the raster's pixels
    return [float(v) * px_per_unit for v in re.findall(r"font-size: ?([\d.]+)px", svg)]


def test_every_config_figure_is_covered() -> None:
    assert len(FIGURES) >= 30


def test_no_font_under_10_px_in_any_single_layer_figure(tmp_path: Path) -> None:
    runner, small = CliRunner(), []
    for config, name in FIGURES:
        out = tmp_path / "still.svg"
        # A middle frame: the window, its notes and the formula are all on screen.
        args = ["render", config, "-o", str(out), "--frame", "3"]
        if name:
            args += ["--name", name]
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, (config, name, result.output)
        sizes = _font_sizes_px(out.read_text())
        assert sizes, config
        if min(sizes) < MIN_TEXT_PX - 1e-6:
            small.append((config, name, round(min(sizes), 2)))
    assert not small, small


@pytest.mark.parametrize("values", [
    [[123456, 2, 3, 4], [1, -99999, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]],
    [[0.125, 2.5, 3.75, 4], [1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]],
])
def test_one_number_size_per_panel_and_nothing_clipped(values: list) -> None:
    x = np.array(values, float)
    the_plan = plan(Spec(i=4, k=3), x=x)
    scene = Scene(the_plan)
    layout = Layout.build(scene, RenderOptions())
    font = layout.fonts["value"]
    assert font is not None and font.size_px >= MIN_TEXT_PX
    x0, _, x1, _ = layout.cell_box("grid", 0, 0)
    # Every number the grid and output will show fits its tile at that one size.
    texts = [cell_fmt(v) for v in [*x.ravel(), *the_plan.y.ravel()]]
    assert max(font.measure(t) for t in texts) <= x1 - x0


def test_long_numbers_are_abbreviated_not_cut() -> None:
    assert [cell_fmt(v) for v in (132456.0, -1500000.0, 12345.0, -12.345)] == [
        "132k", "-1.5M", "12345", "-12.3"]
    # Two or three significant digits: the abbreviation is within about 1% of the value.
    for v in (132456.0, 98765.4, -4321987.0):
        text = cell_fmt(v)
        scale = {"k": 1e3, "M": 1e6}[text[-1]]
        assert abs(float(text[:-1]) * scale - v) <= abs(v) * 0.012


# -- time to read ---------------------------------------------------------------------------


def _slide_and_hold_ms(options: RenderOptions, spec: Spec) -> tuple[set[int], set[int]]:
    from convanim.draw.animate import HOLD_PHASES, Renderer

    renderer = Renderer(plan(spec), options)
    frames, durations = renderer.plan.frames, renderer.durations()
    last = len(frames) - 1
    slides = {ms for i, (f, ms) in enumerate(zip(frames, durations))
              if f.phase == "slide" and i != last}
    holds = {ms for i, (f, ms) in enumerate(zip(frames, durations))
             if f.phase in HOLD_PHASES or i == last}
    return slides, holds


@pytest.mark.parametrize("spec", [Spec(i=5, k=3, s=2, p=1),
                                  Spec(i=3, k=3, s=2, mode="transposed"),
                                  Spec(i=4, k=2, mode="maxpool")])
def test_slides_with_an_equation_stay_up_a_second_by_default(spec: Spec) -> None:
    slides, holds = _slide_and_hold_ms(RenderOptions(), spec)
    assert slides and min(slides) >= 1000
    assert holds == {1500}  # phases held as before
    # Without numbers there is no equation to read: the brisk pace stays.
    assert _slide_and_hold_ms(RenderOptions(values=False), spec)[0] == {500}
    # Explicit timing wins, in either spelling.
    assert _slide_and_hold_ms(RenderOptions(frame_ms=300), spec)[0] == {300}
    assert _slide_and_hold_ms(RenderOptions(fps=4), spec)[0] == {250}


def test_a_written_gif_keeps_the_reading_time(tmp_path: Path) -> None:
    from PIL import Image

    out = tmp_path / "a.gif"
    result = CliRunner().invoke(cli, ["render", "-i", "4", "-k", "3", "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with Image.open(out) as gif:
        durations = []
        for index in range(gif.n_frames):
            gif.seek(index)
            durations.append(gif.info["duration"])
    # input frame, four slides, the output: every slide at least a second.
    assert min(durations[1:-1]) >= 1000 and len(durations) >= 4


# -- the player shows its caption once --------------------------------------------------------


@pytest.mark.parametrize("layout, drawn", [("auto", True), ("minimal", False)])
def test_player_caption_once(tmp_path: Path, layout: str, drawn: bool) -> None:
    out = tmp_path / "p.html"
    result = CliRunner().invoke(cli, ["render", "-i", "4", "-k", "3", "--layout", layout,
                                      "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = out.read_text()
    # The frames draw the caption (auto): the page's text is for screen readers only; the
    # minimal layout draws none, so the page shows it.
    assert ('class="cvp-caption cvp-drawn"' in text) is drawn
    assert 'aria-live="polite"' in text
    if drawn:
        assert ".cvp-caption.cvp-drawn{position:absolute;width:1px" in text


def test_gallery_page_runs_simple_to_complex_and_wide_figures_span() -> None:
    from convanim.gallery import find_configs, make_jobs
    from convanim.gallery.page import _sections, render_html

    jobs = make_jobs(find_configs([ROOT / "configs"]), ROOT / "out", {}).jobs
    sections = _sections(jobs)
    order = list(sections)
    assert order[0] == "conv_arithmetic" and order[-1] == "chains"
    assert order.index("channels") > order.index("upsampling")
    first = sections["conv_arithmetic"][0]
    assert first.spec.mode == "conv" and first.spec.p == ((0, 0), (0, 0)) and first.spec.s == (
        1, 1)
    page = render_html(jobs, ROOT / "out")
    assert "figure.wide{grid-column:1/-1}" in page
    for job in sections["channels"] + sections["chains"]:
        assert f'<figure id="{job.output.relative_to(ROOT / "out").as_posix()}" class="wide">' \
            in page


def test_transposed_gather_shows_the_kernel_as_given_then_turned() -> None:
    from convanim.draw.formula import fmt

    p = plan(Spec(i=3, k=3, s=2, p=1, mode="transposed"))
    scene = Scene(p)
    w = p.w.reshape(3, 3)
    seen = {}
    for index, frame in enumerate(p.frames):
        scene.advance(index)
        main = scene.panels["kernel"].main.tolist()
        seen.setdefault(frame.phase, (scene.texts["kernel_title"], main))
    title, main = seen["input"]
    assert title.endswith("as given") and main == [[fmt(v) for v in row] for row in w]
    title, main = seen["slide"]
    assert title.endswith("rotated 180°")
    assert main == [[fmt(v) for v in row] for row in w[::-1, ::-1]]


def test_pixel_shuffle_tints_each_channel_and_where_its_cells_go() -> None:
    spec = Spec(i=3, mode="pixelshuffle")
    p = plan(spec)
    scene = Scene(p)
    for index in range(len(p.frames)):
        scene.advance(index)
    grid, target = scene.panels["grid"], scene.panels["target"]
    names = np.array(scene.looks, object)
    # Input: one tint per channel tile (3x3 tiles, 2x2 of them, a blank line between).
    tiles = names[grid.look]
    assert len({tiles[a * 4, b * 4] for a in range(2) for b in range(2)}) == 4
    assert all(len(set(tiles[a * 4:a * 4 + 3, b * 4:b * 4 + 3].ravel())) == 1
               for a in range(2) for b in range(2))
    assert set(tiles[3]) == set(tiles[:, 3]) == {"blank"}
    # Output cell (i, j) came from channel (i % 2) * 2 + j % 2: the same group tint.
    for i, j in np.ndindex(6, 6):
        ch = (i % 2) * 2 + j % 2
        assert names[target.look[i, j]].split("@")[-1] == tiles[ch // 2 * 4,
                                                                  ch % 2 * 4].split("@")[-1]
    legend = dict(scene.legend())
    assert legend["input@g3"] == "c=3: offset (1, 1)"


@pytest.mark.parametrize("spec", [Spec(i=4, k=3, view="matrix"),
                                  Spec(i=8, k=3, p=1, view="matrix"),
                                  Spec(i=3, k=3, s=2, p=1, mode="transposed", view="matrix")])
def test_matrix_view_text_is_legible_and_mini_grids_numbered(spec: Spec) -> None:
    from convanim.draw.matrix import MatrixPainter

    p = plan(spec)
    painter = MatrixPainter(p, RenderOptions())
    assert painter.f_small.size_px >= MIN_TEXT_PX - 1e-6
    assert painter.f_value is None or painter.f_value.size_px >= MIN_TEXT_PX - 1e-6
    slide = next(i for i, f in enumerate(p.frames) if f.phase == "slide")
    caption = painter.captions[slide]
    assert "·" not in "".join(caption) and "×x" not in "".join(caption)
    # Each mini grid cell is numbered by its entry of x: the number's ink sits in the cell.
    geo = painter.geo
    image = painter.paint(0)
    if geo.g >= painter.f_small.size_px + 2:
        cell = image[geo.in_y + 2: geo.in_y + geo.g - 2, geo.in_x + 2: geo.in_x + geo.g - 2]
        assert len({tuple(c) for c in cell.reshape(-1, 3)}) > 2


def test_the_heros_link_never_crosses_the_kernel_title() -> None:
    from convanim.draw.raster import link_geometry, slot_lines

    config = load_entries(ROOT / "configs/seeds/four_steps.yaml")[0]
    from convanim import animate

    anim = animate(dict(config.options))
    scene = Scene(anim.plan)
    layout = Layout.build(scene, RenderOptions())
    slot = layout.slots["kernel_title"]
    crossed = []
    for index in range(len(anim.plan.frames)):
        scene.advance(index)
        if scene.link is None:
            continue
        (text, left, base), = slot_lines(slot, scene.texts["kernel_title"])
        right, top = left + slot.font.measure(text), base - slot.font.cap_height
        lines, _ = link_geometry(layout, scene)
        for x0, y0, x1, y1 in lines:
            for t in np.linspace(0, 1, 200):
                x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
                if left <= x <= right and top <= y <= base:
                    crossed.append(index)
    assert not crossed
