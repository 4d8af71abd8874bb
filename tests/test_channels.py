"""Channel stacks end to end: the gallery figures, flags, YAML keys, refusals and drawing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner

from convanim import Spec
from convanim.cli import cli
from convanim.config import load_entries
from convanim.draw import Renderer, RenderOptions
from convanim.draw.formula import fmt
from convanim.geometry import plan
from convanim.geometry.plan import GAP
from convanim.writers import read_animation

REPO = Path(__file__).resolve().parent.parent
CONFIGS = REPO / "configs" / "channels"
SPEC_KEYS = ("mode", "input_size", "kernel_size", "stride", "padding", "in_channels",
             "out_channels", "groups", "bias")


def _gallery(name: str) -> tuple[Spec, int]:
    (entry,) = load_entries(CONFIGS / f"{name}.yaml")
    given = {k: v for k, v in entry.options.items() if k in SPEC_KEYS}
    return Spec.from_dict(given), int(entry.options.get("seed", 0))


def _torch(spec: Spec, x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    xt, wt = torch.as_tensor(x)[None], torch.as_tensor(w)
    bt = None if b is None else torch.as_tensor(b)
    pad = tuple(before for before, _ in spec.p)
    if spec.mode == "transposed":
        return F.conv_transpose2d(xt, wt, bt, spec.s, pad, groups=spec.groups)[0].numpy()
    return F.conv2d(xt, wt, bt, spec.s, pad, 1, spec.groups)[0].numpy()


@pytest.mark.parametrize(("name", "x_shape", "w_shape", "y_shape", "slides"), [
    ("cs231n_conv", (3, 5, 5), (2, 3, 3, 3), (2, 3, 3), 18),
    ("depthwise", (3, 4, 4), (3, 1, 3, 3), (3, 2, 2), 12),
    ("pointwise", (3, 3, 3), (2, 3, 1, 1), (2, 3, 3), 18),
    ("grouped", (4, 4, 4), (4, 2, 3, 3), (4, 2, 2), 16),
    ("transposed_channels", (2, 2, 2), (2, 2, 3, 3), (2, 5, 5), 50),
])
def test_gallery_figure_matches_pytorch(name: str, x_shape: tuple, w_shape: tuple,
                                        y_shape: tuple, slides: int) -> None:
    spec, seed = _gallery(name)
    p = plan(spec, seed=seed)
    assert (p.x.shape, p.w.shape, p.y.shape) == (x_shape, w_shape, y_shape)
    np.testing.assert_allclose(p.y, _torch(spec, p.x, p.w, p.b))
    frames = [f for f in p.frames if f.phase == "slide"]
    assert len(frames) == slides == spec.op.frame_count(spec) - (len(p.frames) - slides)
    width = p.stack[4]
    for f in frames:  # each frame writes its value into the right output map
        r, c = f.cells[0]
        assert f.value == pytest.approx(p.y[c // width, r, c % width])


def test_cs231n_has_a_bias_in_every_sum() -> None:
    spec, seed = _gallery("cs231n_conv")
    p = plan(spec, seed=seed)
    assert p.b is not None and p.b.shape == (2,)
    assert all("+ bias" in f.caption for f in p.frames if f.phase == "slide")


def test_depthwise_frames_read_each_channel_alone() -> None:
    spec, seed = _gallery("depthwise")
    p = plan(spec, seed=seed)
    for f in p.frames:
        if f.phase == "slide":
            channels = {link[1][0] for link in f.links}
            assert channels == {link[0][0] for link in f.links}  # out map c reads channel c
            assert "own kernel" in f.caption


def test_grouped_filters_read_only_their_group() -> None:
    spec, seed = _gallery("grouped")
    p = plan(spec, seed=seed)
    for f in p.frames:
        if f.phase == "slide":
            out = {link[0][0] for link in f.links}
            ins = {link[1][0] for link in f.links}
            assert len(out) == 1 and ins <= ({0, 1} if out <= {0, 1} else {2, 3})


def test_drawn_frames_leave_gaps_blank_and_light_the_filter() -> None:
    spec, seed = _gallery("cs231n_conv")
    p = plan(spec, seed=seed)
    renderer = Renderer(p, RenderOptions())
    frames = list(renderer.frames())
    assert len(frames) == len(p.frames)
    scene = renderer.scene  # now at the last frame
    grid = p.grids[p.slide_grid]
    assert (grid.kinds == GAP).any() and not (grid.values[grid.kinds == GAP]).any()
    # Each slice is labelled under it, each filter row left of it; its bias is a cell
    # right of it, after a "+".
    assert scene.texts["grid_title"].endswith("× 3 channels")
    assert [scene.texts[f"slice_grid_{n}"] for n in range(3)] == ["c=0", "c=1", "c=2"]
    assert [scene.texts[f"slice_kernel_{n}"] for n in range(2)] == ["W0", "W1"]
    assert [scene.panels["kernel"].main[cell] for cell in p.bias_cells] == [
        fmt(v) for v in p.b]
    assert {f"slice_grid_{n}" for n in range(3)} <= set(renderer.layout.slots)
    gaps = np.nonzero(grid.kinds == GAP)
    panel = scene.panels["grid"]
    assert (panel.look[gaps] == 0).all() and (panel.main[gaps] == "").all()
    kernel = scene.panels["kernel"]
    assert (kernel.main[np.isnan(p.kernel)] == "").all()


def test_flags_render_a_stack_and_refuse_bad_groups(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ok = CliRunner().invoke(cli, ["render", "-i", "4", "-k", "3", "--in-channels", "2",
                                  "--out-channels", "2", "--bias", "-o", "a.gif"])
    assert ok.exit_code == 0, ok.output
    frames, _ = read_animation(tmp_path / "a.gif")
    assert len(frames) == 2 + 2 * 4  # input, 4 cells in each of 2 maps, output
    bad = CliRunner().invoke(cli, ["render", "-i", "4", "-k", "3", "--in-channels", "3",
                                   "--groups", "2", "-o", "b.gif"])
    assert bad.exit_code == 2 and not (tmp_path / "b.gif").exists()
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and "in_channels=3 is not divisible by groups=2" in lines[0]
    assert "Traceback" not in bad.stderr
    pool = CliRunner().invoke(cli, ["shape", "-m", "maxpool", "-i", "4", "-k", "2",
                                    "--out-channels", "2"])
    assert pool.exit_code == 2 and "only applies to mode" in pool.stderr


def test_yaml_groups_depthwise_and_a_typo(tmp_path: Path) -> None:
    good = tmp_path / "dw.yaml"
    good.write_text("mode: conv\ninput_size: 4\nkernel_size: 3\nin_channels: 3\n"
                    "groups: depthwise\n")
    result = CliRunner().invoke(cli, ["shape", str(good)])
    assert result.exit_code == 0, result.output
    assert "nn.Conv2d(3, 3, kernel_size=3, groups=3, bias=False)" in result.output
    assert "layers.DepthwiseConv2D(3, use_bias=False" in result.output
    typo = tmp_path / "typo.yaml"
    typo.write_text("input_size: 4\nkernel_size: 3\nin_chanels: 3\n")
    result = CliRunner().invoke(cli, ["shape", str(typo)])
    assert result.exit_code == 2 and "in_channels" in result.stderr and ":3" in result.stderr


def test_shape_counts_parameters_and_multiply_adds() -> None:
    result = CliRunner().invoke(cli, ["shape", "-i", "5", "-k", "3", "-s", "2", "-p", "1",
                                      "--in-channels", "3", "--out-channels", "2", "--bias"])
    layer = torch.nn.Conv2d(3, 2, 3, stride=2, padding=1)
    params = sum(p.numel() for p in layer.parameters())
    macs = 2 * 3 * 3 * (3 * 3 * 3)  # outputs x taps per output
    assert f"{params} parameters, {macs} multiply-adds" in result.output


def test_matrix_view_of_a_stack_lights_the_right_row(tmp_path: Path) -> None:
    from convanim.draw.matrix import MatrixPainter

    spec = Spec(i=3, k=2, in_channels=2, out_channels=2, view="matrix")
    p = plan(spec)
    painter = MatrixPainter(p, RenderOptions())
    rows = [painter._row(f) for f in p.frames if f.phase == "slide"]
    assert rows == list(range(p.y.size))  # output map 0's cells, then map 1's
    assert painter.paint(3).shape[2] == 3


def test_matrix_view_splits_c_into_channel_blocks_in_group_tints() -> None:
    # 4 -> 4 in 2 groups at i=3, k=2: C is 16x36, blocks of 4 rows x 9 columns; rows of
    # output maps 2-3 (group 1) carry weights only in the columns of input channels 2-3,
    # drawn in group 1's tint; lines in the muted colour separate the blocks.
    from convanim.draw.matrix import MatrixPainter
    from convanim.draw.themes import THEMES, rgb

    spec = Spec(i=3, k=2, in_channels=4, out_channels=4, groups=2, view="matrix")
    painter = MatrixPainter(plan(spec), RenderOptions())
    image, geo = painter.paint(0), painter.geo
    theme = THEMES["light"]
    tint = {0: rgb(theme.kernel.fill), 1: rgb(theme.look("kernel@g1").fill)}
    rows, cols = np.nonzero(painter.support)
    assert set(zip(rows // 8, cols // 18)) == {(0, 0), (1, 1)}  # group blocks, 2x2 channels
    for r, j in zip(rows, cols):  # the most common colour inside the cell: its fill
        x, y = geo.m_x + j * geo.px, geo.top + r * geo.px
        tile = image[y + 2: y + geo.px - 2, x + 2: x + geo.px - 2].reshape(-1, 3)
        colors, counts = np.unique(tile, axis=0, return_counts=True)
        assert tuple(int(v) for v in colors[counts.argmax()]) == tint[int(r // 8)], (r, j)
    muted = rgb(theme.muted)
    for j in (9, 18, 27):  # between input channels
        x = geo.m_x + j * geo.px - max(1, geo.px // 12) // 2 - 1
        assert tuple(int(v) for v in image[geo.top + 1, x]) == muted
    for r in (4, 8, 12):  # between output maps
        y = geo.top + r * geo.px - max(1, geo.px // 12) // 2 - 1
        assert tuple(int(v) for v in image[y, geo.m_x + 1]) == muted


def test_more_than_four_maps_with_numbers_is_refused_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "deep.gif"
    bad = CliRunner().invoke(cli, ["render", "-i", "5", "-k", "3", "--in-channels", "8",
                                   "-o", str(out)])
    assert bad.exit_code == 2 and not out.exists()
    assert "in_channels=8 is more than 4" in bad.stderr and "--no-values" in bad.stderr
    ok = CliRunner().invoke(cli, ["render", "-i", "5", "-k", "3", "--in-channels", "8",
                                  "--no-values", "-o", str(out)])
    assert ok.exit_code == 0 and out.exists()


@pytest.mark.parametrize("kwargs", [
    {"i": 5, "k": 3, "in_channels": 3, "out_channels": 2, "bias": True},
    {"i": 4, "k": 3, "in_channels": 3, "groups": "depthwise"},
    {"i": 4, "k": 3, "in_channels": 2, "depth_multiplier": 2},
    {"i": 4, "k": 2, "mode": "maxpool", "in_channels": 3},
    {"i": 3, "k": 3, "s": 2, "mode": "transposed", "in_channels": 4, "out_channels": 2,
     "groups": 2},
])
def test_channel_specs_round_trip_through_to_dict(kwargs: dict) -> None:
    spec = Spec(**kwargs)
    assert Spec.from_dict(spec.to_dict()) == spec
    assert spec.replace(s=1) == Spec(**{**kwargs, "s": 1})


def test_groups_word_other_than_depthwise_is_refused() -> None:
    from convanim.geometry import SpecError

    with pytest.raises(SpecError, match=r"^groups='two' is not a whole number >= 1 or "):
        Spec(i=4, k=3, in_channels=2, groups="two")


def _tile_colour(frame: np.ndarray, box, r: int, c: int) -> tuple:
    """The most common colour inside cell (r, c) of ``box``: its fill (hatch and digits
    are thin)."""
    x, y = box.x + c * box.px, box.y + r * box.px
    tile = frame[y + 3: y + box.px - 3, x + 3: x + box.px - 3].reshape(-1, 3)
    colors, counts = np.unique(tile, axis=0, return_counts=True)
    return tuple(int(v) for v in colors[counts.argmax()])


@pytest.mark.parametrize("theme", ["light", "dark", "print", "classic"])
def test_groups_have_their_own_colour_on_inputs_and_filters(theme: str) -> None:
    # 4 -> 4 in 2 groups: channels 0-1 and filters 0-1 are group 0 (the plain input and
    # kernel looks); channels 2-3 and filters 2-3 are group 1 (tinted and hatched).
    from convanim.draw.themes import THEMES, rgb

    spec, seed = _gallery("grouped")
    p = plan(spec, seed=seed)
    renderer = Renderer(p, RenderOptions(theme=theme, cell_px=24))
    frame, _ = next(iter(renderer.frames()))  # the input, nothing lit yet
    t = THEMES[theme]
    g0, g1 = rgb(t.input.fill), rgb(t.look("input@g1").fill)
    k0, k1 = rgb(t.kernel.fill), rgb(t.look("kernel@g1").fill)
    assert g0 != g1 and k0 != k1 and t.look("input@g1").hatch
    grid, box = p.grids[p.frames[0].grid], renderer.layout.panels["grid"]
    r0, c0 = renderer.scene.offsets[p.frames[0].grid]
    block = p.stack[3]
    for (r, c), kind in np.ndenumerate(grid.kinds):
        if kind != 0:  # INPUT cells only
            continue
        want = g0 if c // block < 2 else g1
        assert _tile_colour(frame, box, r + r0, c + c0) == want, (r, c)
    kbox, kernel = renderer.layout.panels["kernel"], p.kernel
    for (r, c), v in np.ndenumerate(kernel):
        if not np.isnan(v):
            want = k0 if p.filters[r, c] < 2 else k1  # filters 0-1 are group 0
            assert _tile_colour(frame, kbox, r, c) == want, (r, c)
    legend = dict(renderer.scene.legend())
    assert legend["input@g0"] == "group 0: c=0-1" and legend["input@g1"] == "group 1: c=2-3"


def test_group_colours_are_exact_in_the_gif(tmp_path: Path) -> None:
    from convanim.draw import render
    from convanim.draw.themes import THEMES, rgb

    out = render({"input_size": 4, "kernel_size": 3, "in_channels": 6, "groups": "depthwise"},
                 tmp_path / "d.gif")
    first = read_animation(out)[0][0]
    colours = {tuple(int(v) for v in px) for px in first.reshape(-1, 3)}
    for tint in (1, 2, 3):
        assert rgb(THEMES["light"].look(f"input@g{tint}").fill) in colours
        assert rgb(THEMES["light"].look(f"kernel@g{tint}").fill) in colours


def test_ungrouped_stacks_and_pooling_keep_the_plain_input_look() -> None:
    for spec in (Spec(i=4, k=3, in_channels=3, out_channels=2),
                 Spec(i=4, k=2, mode="maxpool", in_channels=3)):
        scene = Renderer(plan(spec), RenderOptions()).scene
        assert not any("@g" in name for name in scene.looks)
        assert ("input", "input") in scene.legend()
