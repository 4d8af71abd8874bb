"""Renderer tests: what reaches the drawing layer, sampled pixels, files, determinism, options.

Pixels are checked by sampling each cell's tile (its most common colour, which ignores text,
hatch marks and edges) at positions given by the Layout, never by comparing whole images.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convanim.api import animate
from convanim.draw import (
    THEMES,
    Renderer,
    RenderOptions,
    render,
    render_frames,
    write_storyboard,
)
from convanim.draw.scene import ELLIPSIS, TIMES, Formula, fmt
from convanim.draw.themes import rgb
from convanim.geometry import CROP, INPUT, PAD, ZERO, Spec, SpecError, plan

SPECS = {
    "conv_pad_stride": Spec(i=5, k=3, s=2, p=1),
    "conv_unreached": Spec(i=6, k=3, s=2),
    "dilation": Spec(i=7, k=3, d=2),
    "maxpool": Spec(i=5, k=2, p=1, mode="maxpool"),
    "avgpool": Spec(i=4, k=2, mode="avgpool"),
    "transposed_gather": Spec(i=3, k=3, s=2, p=1, mode="transposed"),
    "transposed_crop": Spec(i=3, k=3, s=2, p=2, mode="transposed"),
    "transposed_scatter": Spec(i=3, k=3, s=2, p=1, mode="transposed", view="scatter"),
    "conv_1d": Spec(i=7, k=3, s=2, p=1, dims=1),
    "scatter_1d": Spec(i=4, k=3, s=2, p=1, mode="transposed", view="scatter", dims=1),
}


def tile_color(frame: np.ndarray, layout, panel: str, row: int, col: int) -> tuple:
    """The most common colour inside a cell's tile (away from its edge)."""
    x0, y0, x1, y1 = layout.cell_box(panel, row, col)
    inner = frame[y0 + 2: y1 - 2, x0 + 2: x1 - 2].reshape(-1, 3)
    colors, counts = np.unique(inner, axis=0, return_counts=True)
    return tuple(int(v) for v in colors[counts.argmax()])


def fill(theme: str, look: str) -> tuple:
    return rgb(THEMES[theme].look(look).fill)


@pytest.fixture(scope="module")
def rendered() -> dict:
    """Every spec rendered once with values off (plain fills to sample)."""
    out = {}
    for name, spec in SPECS.items():
        renderer = Renderer(plan(spec), RenderOptions(values=False, cell_px=20))
        out[name] = (renderer, [f for f, _ in renderer.frames()])
    return out


# -- counts, durations, sizes ----------------------------------------------------------------


@pytest.mark.parametrize("name", SPECS)
def test_frame_count_durations_and_size(name: str) -> None:
    the_plan = plan(SPECS[name])
    options = RenderOptions(frame_ms=300, hold_ms=900, width=420)
    frames = list(render_frames(the_plan, options))
    assert len(frames) == len(the_plan.frames)
    for (image, ms), frame in zip(frames, the_plan.frames):
        assert image.dtype == np.uint8 and image.shape[2] == 3
        assert image.shape[1] == 420
        held = frame.phase != "slide" or frame is the_plan.frames[-1]
        assert ms == (900 if held else 300)
    assert len({image.shape for image, _ in frames}) == 1


def test_size_follows_cell_px() -> None:
    the_plan = plan(Spec(i=9, k=3, p=1))  # an 11-cell grid beside a 9-cell output
    small = Renderer(the_plan, RenderOptions(cell_px=20))
    big = Renderer(the_plan, RenderOptions(cell_px=30))
    for r in (small, big):
        (x0, _), (x1, _) = r.layout.cell_center("grid", 0, 0), r.layout.cell_center("grid", 0, 1)
        assert x1 - x0 == r.layout.cell_px
        assert next(r.frames())[0].shape[:2] == r.layout.size[::-1]
    # 20 cells grow by 10 px each, the gap between the panels from 28 to 1.25 * 30 px.
    assert small.layout.size[0] == 20 * 20 + 28 + 2 * 10
    assert big.layout.size[0] == 20 * 30 + 38 + 2 * 10
    assert Renderer(the_plan, RenderOptions(cell_px=4)).layout.size[0] == 360  # MIN_WIDTH


def test_default_width_is_about_450() -> None:
    renderer = Renderer(plan(SPECS["transposed_gather"]))
    assert 400 <= renderer.layout.size[0] <= 500


# -- sampled pixels ------------------------------------------------------------------------


def _expected_grid(renderer, frame_index: int) -> dict:
    """Expected look of every grid-panel cell at a frame, straight from the plan."""
    the_plan, frame = renderer.plan, renderer.plan.frames[frame_index]
    grid = the_plan.grids[frame.grid]
    r0, c0 = renderer.scene.offsets[frame.grid]
    kinds = {INPUT: "input", PAD: "padding", ZERO: "zero"}
    out = {}
    for r, c in np.ndindex(*grid.shape):
        out[(r + r0, c + c0)] = "unreached" if not grid.reached[r, c] else kinds[grid.kinds[r, c]]
    if frame.phase == "slide":
        for r, c in frame.window:
            kind = kinds[grid.kinds[r, c]]
            # See-through: a cell under the window keeps its role under the window's tint.
            base = "unreached" if not grid.reached[r, c] else kind
            out[(r + r0, c + c0)] = "window+" + base
        if frame.chosen is not None:
            r, c = frame.window[frame.chosen]
            out[(r + r0, c + c0)] = "chosen"
    return out


def _expected_target(renderer, frame_index: int) -> dict:
    the_plan = renderer.plan
    target, frame = the_plan.target, the_plan.frames[frame_index]
    scatter = (target.kinds == CROP).any() or the_plan.spec.view == "scatter"
    out = {(r, c): ("crop" if target.kinds[r, c] == CROP else "pending")
           for r, c in np.ndindex(*target.shape)}
    counts = np.zeros(target.shape, int)
    for earlier in the_plan.frames[:frame_index]:
        if earlier.phase == "slide":
            for (r, c), n in zip(earlier.cells, earlier.counts):
                counts[r, c] = n
                if target.kinds[r, c] != CROP:
                    out[(r, c)] = f"overlap{min(n, 4)}" if scatter else "done"
    if frame.phase == "slide":
        for r, c in frame.cells:
            out[(int(r), int(c))] = "current"
    if frame.phase in ("crop", "output"):
        for r, c in np.ndindex(*target.shape):
            if target.kinds[r, c] == CROP:
                out[(r, c)] = "cropped"
            elif not scatter:
                out[(r, c)] = "done"
            else:
                out[(r, c)] = f"overlap{min(counts[r, c], 4)}" if counts[r, c] else "pending"
    return out


@pytest.mark.parametrize("name", SPECS)
def test_sampled_cell_colours(rendered: dict, name: str) -> None:
    renderer, frames = rendered[name]
    n = len(frames)
    for index in sorted({0, 1, 2, 3, n // 2, n - 2, n - 1}):
        frame = frames[index]
        for panel, expected in (("grid", _expected_grid(renderer, index)),
                                ("target", _expected_target(renderer, index))):
            for (r, c), look in expected.items():
                got = tile_color(frame, renderer.layout, panel, r, c)
                assert got == fill("light", look), (name, index, panel, r, c, look)


@pytest.mark.parametrize("name", ["conv_pad_stride", "transposed_gather", "maxpool"])
def test_window_centre_pixels(rendered: dict, name: str) -> None:
    renderer, frames = rendered[name]
    chosen = fill("light", "chosen")
    window = {fill("light", "window+" + k) for k in ("input", "padding", "zero", "unreached")}
    for index, frame in enumerate(renderer.plan.frames):
        if frame.phase != "slide":
            continue
        r0, c0 = renderer.scene.offsets[frame.grid]
        inside = {(int(r) + r0, int(c) + c0) for r, c in frame.window}
        rows, cols = renderer.scene.panels["grid"].shape
        for r, c in np.ndindex(rows, cols):
            x, y = renderer.layout.cell_center("grid", r, c)
            pixel = tuple(int(v) for v in frames[index][y, x])
            if (r, c) in inside:
                assert pixel in window | {chosen}
            else:
                assert pixel not in window
        # The window's thick outline lies in the gap just outside its top-left tile.
        top = min(inside)
        x0, y0, _, _ = renderer.layout.cell_box("grid", *top)
        outline = tuple(int(v) for v in frames[index][y0 - 1, x0 + 4])
        assert outline == rgb(THEMES["light"].outline)


def test_phase_frames_show_padding_and_zeros(rendered: dict) -> None:
    renderer, frames = rendered["transposed_gather"]
    phases = [f.phase for f in renderer.plan.frames]
    zeros, pad = phases.index("insert_zeros"), phases.index("pad")
    grid = renderer.plan.grids["zeros"]
    r0, c0 = renderer.scene.offsets["zeros"]
    seen = set()
    for r, c in np.ndindex(*grid.shape):
        look = {INPUT: "input", ZERO: "zero"}[grid.kinds[r, c]]
        assert tile_color(frames[zeros], renderer.layout, "grid", r + r0, c + c0) == fill(
            "light", look)
        seen.add(look)
    assert seen == {"input", "zero"}
    padded = renderer.plan.grids["padded"]
    assert tile_color(frames[pad], renderer.layout, "grid", 0, 0) == fill("light", "padding")
    assert padded.kinds[0, 0] == PAD


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_each_theme_colours_the_window(theme: str) -> None:
    renderer = Renderer(plan(SPECS["conv_pad_stride"]), RenderOptions(values=False,
                                                                      theme=theme))
    frames = [f for f, _ in renderer.frames()]
    index = next(i for i, f in enumerate(renderer.plan.frames) if f.phase == "slide")
    r, c = renderer.plan.frames[index].window[4]
    assert tile_color(frames[index], renderer.layout, "grid", r, c) == fill(theme, "window+input")
    r, c = renderer.plan.frames[index].cells[0]
    assert tile_color(frames[index], renderer.layout, "target", r, c) == fill(theme, "current")
    assert frames[0][0, 0].tolist() == list(rgb(THEMES[theme].background))


# -- what the drawing layer is told ----------------------------------------------------------


def test_formula_and_cell_texts_come_from_the_plan() -> None:
    renderer = Renderer(plan(SPECS["transposed_gather"]), RenderOptions())
    scene, the_plan = renderer.scene, renderer.plan
    w2 = the_plan.w.reshape(3, 3)
    for index, frame in enumerate(the_plan.frames):
        scene.advance(index)
        if frame.phase != "slide":
            assert scene.texts["formula"] == ""
            continue
        formula = scene.texts["formula"]
        assert isinstance(formula, Formula)
        assert formula.text().endswith(f"= {fmt(frame.value)}")
        grid = the_plan.grids[frame.grid]
        r0, c0 = scene.offsets[frame.grid]
        for (r, c), (a, b) in zip(frame.window, frame.taps):
            assert scene.panels["grid"].main[r + r0, c + c0] == fmt(grid.values[r, c])
            assert scene.panels["grid"].sub[r + r0, c + c0] == TIMES + fmt(w2[a, b])
        (r, c), = frame.cells
        assert scene.panels["target"].main[r, c] == fmt(frame.value)
    # The gather view's kernel is rotated: its top-left window cell holds the last weight.
    first = next(f for f in the_plan.frames if f.phase == "slide")
    top_left = min(range(9), key=lambda j: tuple(first.window[j]))
    assert tuple(first.taps[top_left]) == (2, 2)


def test_pooling_and_scatter_formulas() -> None:
    for name, start in (("maxpool", "max("), ("avgpool", "mean(")):
        renderer = Renderer(plan(SPECS[name]), RenderOptions())
        index = next(i for i, f in enumerate(renderer.plan.frames) if f.phase == "slide")
        for i in range(index + 1):
            renderer.scene.advance(i)
        text = renderer.scene.texts["formula"].text()
        assert text.startswith(start)
        # The value in the figure's one number format (avg pool: two decimals throughout).
        value = renderer.plan.frames[index].value
        assert float(text.rsplit("= ", 1)[1]) == pytest.approx(value, abs=0.005)
    renderer = Renderer(plan(SPECS["transposed_scatter"]), RenderOptions())
    renderer.scene.advance(0)
    frame = renderer.plan.frames[1]
    scene = renderer.scene.advance(1)
    assert scene.texts["formula"].text().startswith(f"{fmt(frame.value)} {TIMES} kernel")
    for (r, c), p, s in zip(frame.cells, frame.products, frame.sums):
        assert scene.panels["target"].sub[r, c] == "+" + fmt(p)
        assert scene.panels["target"].main[r, c] == fmt(s)


def test_formula_shortens_to_fit() -> None:
    formula = Formula("", [f"{i}{TIMES}1" for i in range(30)], " + ", " = 435", [False] * 30)
    text = formula.fit(lambda s: len(s) * 7.0, 200)
    assert ELLIPSIS in text and text.endswith(f"29{TIMES}1 = 435") and len(text) * 7 <= 200


def test_titles_name_each_map() -> None:
    renderer = Renderer(plan(SPECS["transposed_scatter"]), RenderOptions())
    scene = renderer.scene
    titles = [(scene.advance(i).texts["grid_title"], scene.texts["target_title"])
              for i in range(len(renderer.plan.frames))]
    assert titles[0] == (f"Input 3{TIMES}3", f"Output before crop 7{TIMES}7")
    assert titles[-1] == (f"Input 3{TIMES}3", f"Output 5{TIMES}5")
    legend = [look for look, _ in scene.legend()]
    assert "crop" in legend and "overlap4" in legend and "padding" not in legend


# -- files ---------------------------------------------------------------------------------


def test_gif_round_trip(tmp_path: Path) -> None:
    from convanim.writers import read_animation

    spec = SPECS["transposed_gather"]
    out = render(spec, tmp_path / "t.gif", frame_ms=400, hold_ms=1200)
    frames, durations = read_animation(out)
    the_plan = plan(spec)
    assert len(frames) == len(the_plan.frames)
    size = Renderer(the_plan).layout.size
    assert frames[0].shape[:2] == (size[1], size[0])
    assert durations[0] == 1200 and durations[3] == 400 and durations[-1] == 1200
    # The GIF palette keeps every theme colour exact; antialiased shades may move a little.
    first = next(Renderer(the_plan).frames())[0]
    palette = THEMES["light"].palette()
    exact = np.isin(first.reshape(-1, 3) @ [65536, 256, 1], np.array(palette) @ [65536, 256, 1])
    assert exact.mean() > 0.9
    assert np.array_equal(frames[0].reshape(-1, 3)[exact], first.reshape(-1, 3)[exact])
    assert np.abs(frames[0].astype(int) - first).mean() < 0.5


def test_same_input_same_bytes(tmp_path: Path) -> None:
    a = render(SPECS["dilation"], tmp_path / "a.gif", seed=3)
    b = render(SPECS["dilation"], tmp_path / "b.gif", seed=3)
    assert a.read_bytes() == b.read_bytes()
    code = ("import sys; from convanim.draw import render; "
            "render({'i': 7, 'k': 3, 'd': 2}, sys.argv[1], seed=3)")
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "c.gif")], check=True, env=env,
                   cwd=Path(__file__).resolve().parent.parent)
    assert (tmp_path / "c.gif").read_bytes() == a.read_bytes()


@pytest.mark.parametrize("suffix", [".png", ".pdf", ".svg"])
def test_storyboard(tmp_path: Path, suffix: str) -> None:
    the_plan = plan(SPECS["maxpool"])
    first = write_storyboard(the_plan, RenderOptions(), tmp_path / f"a{suffix}")
    second = write_storyboard(the_plan, RenderOptions(), tmp_path / f"b{suffix}")
    data = first.read_bytes()
    assert len(data) > 1000 and data == second.read_bytes()
    if suffix == ".svg":
        assert b"<image" not in data and data.count(b"<path") + data.count(b"<rect") > 100
    if suffix == ".pdf":
        assert b"/Subtype /Image" not in data
    if suffix == ".png":
        from PIL import Image

        width, height = Renderer(the_plan).layout.size
        with Image.open(first) as page:
            assert page.width > width and page.height > height


def test_render_writes_storyboard_and_rejects_bad_suffix(tmp_path: Path) -> None:
    render({"i": 4, "k": 3}, tmp_path / "a.gif", storyboard=tmp_path / "a.png")
    assert (tmp_path / "a.png").stat().st_size > 0
    with pytest.raises(SpecError) as err:
        write_storyboard(plan(Spec(i=4, k=3)), None, tmp_path / "a.jpg")
    assert err.value.param == "storyboard"


def test_animation_object(tmp_path: Path) -> None:
    anim = animate({"i": 4, "k": 3, "mode": "conv", "theme": "print"}, values=False)
    assert anim.options.theme == "print" and not anim.options.values
    assert len(anim.frames) == len(anim.plan.frames) == len(anim.durations)
    data = anim.gif_bytes()
    assert data.startswith(b"GIF89a")
    assert anim.save(tmp_path / "a.gif").read_bytes() == data


# -- options ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "param"), [
    ({"frame_ms": 5}, "frame_ms"),
    ({"frame_ms": "fast"}, "frame_ms"),
    ({"hold_ms": -1}, "hold_ms"),
    ({"fps": 0}, "fps"),
    ({"fps": 2, "frame_ms": 100}, "fps"),
    ({"width": 50}, "width"),
    ({"width": 400, "cell_px": 20}, "width"),
    ({"cell_px": 0}, "cell_px"),
    ({"cell_px": True}, "cell_px"),
    ({"dpi": 10}, "dpi"),
    ({"theme": "drak"}, "theme"),
    ({"layout": "grid"}, "layout"),
    ({"title": 3}, "title"),
    ({"values": "yes"}, "values"),
    ({"loop": 1}, "loop"),
    ({"max_frames": 0}, "max_frames"),
])
def test_option_errors_name_the_option(kwargs: dict, param: str) -> None:
    with pytest.raises(SpecError) as err:
        RenderOptions(**kwargs)
    assert err.value.param == param
    assert param in str(err.value)


def test_option_conversions_and_limits() -> None:
    assert RenderOptions(fps=4).frame_ms == 250
    assert RenderOptions(width="480").width == 480
    assert RenderOptions(theme=" Dark ").theme == "dark"
    with pytest.raises(SpecError) as err:
        RenderOptions.from_mapping({"colour": "red"})
    assert err.value.param == "colour"
    with pytest.raises(SpecError) as err:
        animate({"i": 30, "k": 3}, max_frames=100)
    assert err.value.param == "max_frames"
    with pytest.raises(SpecError) as err:
        Renderer(plan(Spec(i=40, k=3)), RenderOptions(width=200))
    assert err.value.param == "width" and "at least" in str(err.value)
    with pytest.raises(SpecError) as err:
        render({"i": 4, "k": 3}, "x.gif", colour=1)
    assert err.value.param == "colour"
    with pytest.raises(SpecError) as err:
        animate({"i": 4, "k": 3, "frame_m": 300})
    assert err.value.param == "frame_m" and "frame_ms" in str(err.value)
    assert animate({"i": 4, "k": 3, "frame_ms": 300}).durations[1] == 300


# -- themes --------------------------------------------------------------------------------


KINDS = ("input", "padding", "zero", "unreached", "window", "pending", "current", "done",
         "crop", "cropped")


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_kinds_differ_beyond_hue(theme: str) -> None:
    t = THEMES[theme]

    def grey(color: str) -> int:
        r, g, b = rgb(color)
        return round(0.299 * r + 0.587 * g + 0.114 * b)

    marks = {k: (grey(t.look(k).fill) // 12, t.look(k).line, t.look(k).hatch, t.look(k).cross)
             for k in KINDS}
    assert len(set(marks.values())) == len(KINDS), marks
    palette = t.palette()
    assert all(rgb(t.look(k).fill) in palette for k in KINDS)


def test_print_theme_is_black_and_white() -> None:
    assert all(r == g == b for r, g, b in THEMES["print"].palette())


def test_storyboard_refuses_huge_pages(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as err:
        write_storyboard(plan(Spec(i=22, k=3)), None, tmp_path / "big.png")
    assert err.value.param == "storyboard" and not (tmp_path / "big.png").exists()


# -- any valid spec draws -----------------------------------------------------------------


@st.composite
def small_specs(draw: st.DrawFn) -> Spec:
    mode = draw(st.sampled_from(["conv", "transposed", "maxpool", "avgpool"]))
    dims = draw(st.sampled_from([1, 2]))
    view = draw(st.sampled_from(["gather", "scatter"])) if mode == "transposed" else "gather"
    k = draw(st.integers(1, 3))
    s = draw(st.integers(1, 3))
    d = draw(st.integers(1, 2)) if mode != "avgpool" else 1
    i = draw(st.integers(max(1, d * (k - 1) + 1 - 2), 5))
    p = draw(st.integers(0, (k - 1) // 2 if mode in ("maxpool", "avgpool") else 2))
    try:
        return Spec(i=i, k=k, s=s, p=p, d=d, mode=mode, view=view, dims=dims)
    except SpecError:
        return Spec(i=4, k=3, dims=dims, mode=mode)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs(), st.sampled_from(sorted(THEMES)), st.booleans())
def test_any_spec_renders(spec: Spec, theme: str, values: bool) -> None:
    renderer = Renderer(plan(spec), RenderOptions(theme=theme, values=values, width=400))
    frames = list(renderer.frames())
    assert len(frames) == len(renderer.plan.frames)
    assert all(f.shape == (renderer.layout.size[1], 400, 3) for f, _ in frames)
    index = next(i for i, f in enumerate(renderer.plan.frames) if f.phase == "slide")
    frame = renderer.plan.frames[index]
    r0, c0 = renderer.scene.offsets[frame.grid]
    r, c = frame.window[0 if frame.chosen != 0 else -1]
    if renderer.layout.cell_px >= 8 and frame.chosen is None:
        got = tile_color(frames[index][0], renderer.layout, "grid", r + r0, c + c0)
        grid = renderer.plan.grids[frame.grid]
        under = ("unreached" if not grid.reached[r, c]
                 else {INPUT: "input", PAD: "padding", ZERO: "zero"}[grid.kinds[r, c]])
        assert got == fill(theme, "window+" + under)


def test_blits_division_free_rounding_is_exact_for_every_sum() -> None:
    # text.blit divides by 255 with shifts; the identity must hold for every value it meets.
    t = np.arange(0, 255 * 255 + 128, dtype=np.uint32)
    assert ((t + 1 + (t >> 8)) >> 8 == t // 255).all()
