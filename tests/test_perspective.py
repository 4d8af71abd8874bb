"""The perspective style: pixels at projected cell centres against the plan, the camera, refusals,
writers and vector storyboards."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convanim.api import animate
from convanim.cli import cli
from convanim.draw import THEMES, Renderer, RenderOptions, render
from convanim.draw.perspective import PerspectiveLayout, steps
from convanim.draw.perspective_paint import cell_mask, stack_link
from convanim.draw.scene import Scene
from convanim.draw.themes import rgb
from convanim.geometry import INPUT, Spec, SpecError, plan
from convanim.geometry.plan import GAP
from tests.test_render import SPECS, _expected_grid, _expected_target, fill

STYLE = {"style": "perspective"}


def seen(theme: str, look: str, under: str = "input") -> tuple:
    """A cell's fill in this style: the window is see-through, the cell under it tinted.

    The flat style's rule: under the window a cell keeps its own fill, mixed with the
    window's colour by the theme's ``window_alpha`` (each channel rounded to the nearest
    integer), so inputs, padding and zeros stay apart.
    """
    name, _, kind = look.partition("+")
    if name != "window":
        return fill(theme, look)
    below = np.array(fill(theme, kind or under), float)
    alpha = THEMES[theme].window_alpha
    return tuple(int(v) for v in np.floor(below + (np.array(fill(theme, "window")) - below)
                                          * alpha + 0.5))


def centre_colour(frame: np.ndarray, layout, panel: str, r: int, c: int) -> tuple:
    """The most common colour of the 5x5 pixels around a cell's projected centre."""
    x, y = layout.planes[panel].center(r, c)
    patch = frame[int(y) - 2: int(y) + 3, int(x) - 2: int(x) + 3].reshape(-1, 3)
    colors, counts = np.unique(patch, axis=0, return_counts=True)
    return tuple(int(v) for v in colors[counts.argmax()])


@pytest.fixture(scope="module")
def rendered() -> dict:
    out = {}
    for name, spec in SPECS.items():
        renderer = Renderer(plan(spec), RenderOptions(values=False, cell_px=20, **STYLE))
        out[name] = (renderer, [f for f, _ in renderer.frames()])
    return out


@pytest.mark.parametrize("name", SPECS)
def test_sampled_centre_colours_follow_the_plan(rendered: dict, name: str) -> None:
    renderer, frames = rendered[name]
    n = len(frames)
    for index in sorted({0, 1, 2, 3, n // 2, n - 2, n - 1}):
        for panel, expected in (("grid", _expected_grid(renderer, index)),
                                ("target", _expected_target(renderer, index))):
            for (r, c), look in expected.items():
                got = centre_colour(frames[index], renderer.layout, panel, r, c)
                assert got == seen("light", look), (name, index, panel, r, c, look)


def test_window_and_written_cell_and_link(rendered: dict) -> None:
    renderer, frames = rendered["conv_pad_stride"]
    index = next(i for i, f in enumerate(renderer.plan.frames) if f.phase == "slide")
    frame = renderer.plan.frames[index]
    layout, image = renderer.layout, frames[index]
    r0, c0 = renderer.scene.offsets[frame.grid]
    for r, c in frame.window:
        assert centre_colour(image, layout, "grid", r + r0, c + c0) in (
            seen("light", "window"), seen("light", "window+padding"))
    (tr, tc), = frame.cells
    assert centre_colour(image, layout, "target", tr, tc) == fill("light", "current")
    # A projection line leaves the window's top-left corner upwards: link-coloured pixels
    # lie midway between it and the written cell's corner.
    (x0, y0) = layout.planes["grid"].corner(frame.window[:, 0].min() + r0,
                                            frame.window[:, 1].min() + c0)
    (x1, y1) = layout.planes["target"].corner(tr, tc)
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    patch = image[int(my) - 1: int(my) + 2, int(mx) - 1: int(mx) + 2].astype(int)
    back = np.array(rgb(THEMES["light"].background))
    assert np.abs(patch - back).sum(axis=2).max() > 40


def test_cells_tile_without_gaps_or_overlap() -> None:
    for px in (8, 13, 20, 32, 47):
        u, v = steps(px)
        mask, _, _, left, top = cell_mask(u, v)
        assert mask.sum() == abs(u[0] * v[1] - u[1] * v[0])
        canvas = np.zeros((mask.shape[0] * 6, mask.shape[1] * 6), int)
        for r in range(3):
            for c in range(3):
                x, y = 3 * px + c * u[0] + r * v[0] + left, 3 * px + c * u[1] + r * v[1] + top
                canvas[y: y + mask.shape[0], x: x + mask.shape[1]] += mask
        assert canvas.max() == 1 and canvas.sum() == 9 * mask.sum()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(i=st.integers(2, 9), k=st.integers(1, 4), s=st.integers(1, 3), p=st.integers(0, 2),
       mode=st.sampled_from(["conv", "transposed", "maxpool", "avgpool"]),
       values=st.booleans(), cell=st.sampled_from([None, 12, 30]),
       cin=st.integers(1, 3), cout=st.integers(1, 3))
def test_camera_keeps_every_corner_on_the_canvas(i, k, s, p, mode, values, cell, cin,
                                                 cout) -> None:
    channels = {"in_channels": cin}
    if mode in ("conv", "transposed"):
        channels["out_channels"] = cout
    try:
        spec = Spec(i=i, k=k, s=s, p=p, mode=mode, **channels)
    except SpecError:
        return
    scene = Scene(plan(spec), values)
    layout = PerspectiveLayout.build(scene, RenderOptions(values=values, cell_px=cell, **STYLE))
    w, h = layout.size
    for plane in layout.planes.values():
        for x, y in plane.outline():
            assert 0 <= x <= w and 0 <= y <= h
    # The target plane floats wholly above the grid plane.
    top = max(y for _, y in layout.planes["target"].outline())
    assert top < min(y for _, y in layout.planes["grid"].outline())


def test_box_and_width_are_kept() -> None:
    the_plan = plan(Spec(i=5, k=3, p=1))
    assert Renderer(the_plan, RenderOptions(size="640x360", **STYLE)).layout.size == (640, 360)
    assert Renderer(the_plan, RenderOptions(width=600, **STYLE)).layout.size[0] == 600
    with pytest.raises(SpecError, match="too small"):
        Renderer(the_plan, RenderOptions(size="64x64", **STYLE))


def test_values_off_draws_no_text_and_values_on_does() -> None:
    off = Renderer(plan(Spec(i=4, k=3)), RenderOptions(values=False, **STYLE))
    assert off.layout.slots == {} and off.layout.fonts["value"] is None
    on = Renderer(plan(Spec(i=4, k=3)), RenderOptions(**STYLE))
    assert set(on.layout.slots) == {"title", "caption", "kernel_label"}
    assert on.layout.fonts["value"] and on.layout.label == "kernel 3\u00d73"
    small = Renderer(plan(Spec(i=4, k=3)), RenderOptions(cell_px=10, **STYLE))
    assert "numbers hidden" in small.layout.title
    minimal = Renderer(plan(Spec(i=4, k=3)), RenderOptions(layout="minimal", **STYLE))
    assert minimal.layout.slots == {}


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_every_theme_colours_the_window(theme: str) -> None:
    r = Renderer(plan(Spec(i=5, k=3, s=2, p=1)), RenderOptions(values=False, theme=theme,
                                                               cell_px=20, **STYLE))
    frames = [f for f, _ in r.frames()]
    index = next(i for i, f in enumerate(r.plan.frames) if f.phase == "slide")
    rr, cc = r.plan.frames[index].window[4]
    assert centre_colour(frames[index], r.layout, "grid", rr, cc) == seen(theme, "window")


def test_refusals_name_style_and_a_fix() -> None:
    with pytest.raises(SpecError, match=r"style='perspective'.*style=flat") as err:
        Renderer(plan(Spec(i=4, k=3, view="matrix")), RenderOptions(**STYLE))
    assert err.value.param == "style"
    with pytest.raises(SpecError, match="style"):
        RenderOptions(style="3d")
    out = CliRunner().invoke(cli, ["render", "-i", "4", "-k", "3", "--view", "matrix",
                                   "--style", "perspective", "-o", "x.gif"])
    assert out.exit_code == 2 and "style=flat" in out.output
    assert "Traceback" not in out.output and len(out.output.strip().splitlines()) == 1


def test_channels_light_the_window_in_every_slice_and_the_filter() -> None:
    spec = Spec(i=4, k=3, p=1, in_channels=3, out_channels=2)
    r = Renderer(plan(spec), RenderOptions(cell_px=20, **STYLE))
    assert set(r.layout.planes) == {"grid", "kernel", "target"}
    frames = [f for f, _ in r.frames()]
    index = next(i for i, f in enumerate(r.plan.frames) if f.phase == "slide")
    frame = r.plan.frames[index]
    r0, c0 = r.scene.offsets[frame.grid]
    slices = {int(c) // r.plan.stack[3] for c in frame.window[:, 1]}
    assert slices == {0, 1, 2}  # the window goes through every input channel
    # Values are on: sample a corner of each cell's parallelogram interior, off the number.
    for rr, cc in frame.window:
        x, y = r.layout.planes["grid"].corner(rr + r0 + 0.2, cc + c0 + 0.5)
        kind = r.plan.grids[frame.grid].kinds[rr, cc]
        look = "window" if kind == INPUT else "window+padding"
        assert tuple(int(v) for v in frames[index][int(y), int(x)]) in (
            seen("light", look), seen("light", "window"), seen("light", "window+padding"))
    for tr, tc in np.unique(frame.taps, axis=0):
        x, y = r.layout.planes["kernel"].corner(tr + 0.2, tc + 0.5)
        assert tuple(int(v) for v in frames[index][int(y), int(x)]) == seen(
            "light", "window", "kernel")


@pytest.mark.parametrize("out_channels", [2, 3])
def test_channel_links_run_to_the_written_map_unhidden(out_channels: int) -> None:
    # The lines leave the input slice as far along the input stack as the written map is
    # along the output stack (so they do not cross the other maps), and only drawn output
    # cells hide lines: the empty columns between maps once swallowed the lines to map 0.
    spec = Spec(i=5, k=3, s=2, p=1, in_channels=3, out_channels=out_channels)
    r = Renderer(plan(spec), RenderOptions(values=False, cell_px=20, **STYLE))
    block, width = r.plan.stack[3], r.plan.stack[4]
    sources = set()
    for index, frame in enumerate(r.plan.frames):
        r.scene.advance(index)
        if frame.phase != "slide":
            continue
        (_, src), (_, dst) = stack_link(r.scene)
        # The flat layout keeps linking from the last slice, nearest its output maps.
        assert set((r.scene.link[0][1][:, 1] - r.scene.offsets[frame.grid][1]) // block) == {2}
        co = int(frame.cells[0, 1]) // width
        c0 = r.scene.offsets[frame.grid][1]
        assert set((src[:, 1] - c0) // block) == {round(co * 2 / (out_channels - 1))}
        assert (dst == frame.cells).all()
        sources.add((co, int((src[0, 1] - c0) // block)))
    assert {co for co, _ in sources} == set(range(out_channels))
    painter = r.layout.painter(Scene(plan(spec)))
    plane, kinds = r.layout.planes["target"], r.plan.target.kinds
    for (rr, cc), kind in np.ndenumerate(kinds):
        x, y = plane.center(rr, cc)
        assert bool(painter.cover[int(y), int(x)]) == (kind != GAP), (rr, cc)


@pytest.mark.parametrize("suffix", [".gif", ".mp4", ".webp", ".png", ".apng", ".html", "/"])
def test_every_writer(tmp_path, suffix: str) -> None:
    path = tmp_path / ("frames/" if suffix == "/" else "a" + suffix)
    out = render({"i": 3, "k": 2, "mode": "transposed", "s": 2}, path, cell_px=16, **STYLE)
    assert out.exists()


@pytest.mark.parametrize("suffix", [".svg", ".pdf"])
def test_vector_storyboard_has_polygons(tmp_path, suffix: str) -> None:
    path = tmp_path / ("board" + suffix)
    animate({"i": 3, "k": 2, "p": 1}, storyboard=path, frames="key", **STYLE)
    data = path.read_bytes()
    if suffix == ".svg":
        text = data.decode()
        assert text.count("<path") > 20 and "<image" not in text
    else:
        assert data.startswith(b"%PDF") and b"/Subtype /Image" not in data


def test_yaml_key_and_cli_flag(tmp_path) -> None:
    config = tmp_path / "a.yaml"
    config.write_text("mode: conv\ninput_size: 4\nkernel_size: 3\nstyle: perspective\n")
    out = CliRunner().invoke(cli, ["render", str(config), "-o", str(tmp_path / "a.png"),
                                   "--frame", "2"])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "a.png").exists()


def test_compare_and_chains_draw_in_perspective(tmp_path) -> None:
    for args in (["compare", "configs/upsampling/compare.yaml"],
                 ["render", "configs/chains/two_3x3.yaml"]):
        out = CliRunner().invoke(cli, [*args, "--style", "perspective", "-o",
                                       str(tmp_path / "a.png")])
        assert out.exit_code == 0, out.output
