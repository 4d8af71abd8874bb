"""``dims=3`` drawn: the depth slices side by side with their labels, the HTML player's hover
map against autograd, the refusals before any work, and every gallery config of the
``volumes`` section rendering."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import convanim
from convanim.draw.animate import Renderer
from convanim.draw.layout import Layout
from convanim.draw.options import RenderOptions
from convanim.draw.player import player_metadata
from convanim.draw.scene import Scene
from convanim.geometry import INPUT, PAD, Spec, compute, plan
from tests.browser import Page
from tests.test_player import frame, lit, open_player

REPO = Path(__file__).resolve().parent.parent
nn = torch.nn

HOVERED = [
    {"i": (2, 3, 4), "k": (2, 2, 3), "p": 1, "padding_mode": "reflect"},
    {"i": (2, 2, 3), "k": 2, "s": 2, "p": (0, 1, 0), "mode": "transposed",
     "output_padding": (1, 0, 1)},
    {"i": (3, 4, 4), "k": 2, "s": 2, "p": 1, "mode": "avgpool", "ceil_mode": True,
     "count_include_pad": False},
]


def _torch_layer(spec: Spec) -> torch.nn.Module:
    if spec.mode == "conv":
        return nn.Conv3d(1, 1, spec.k, padding=tuple(b for b, _ in spec.p), bias=False,
                         padding_mode=spec.padding_mode).double()
    if spec.mode == "transposed":
        return nn.ConvTranspose3d(1, 1, spec.k, stride=spec.s,
                                  padding=tuple(b for b, _ in spec.p),
                                  output_padding=spec.output_padding, bias=False).double()
    return nn.AvgPool3d(spec.k, stride=spec.s, padding=tuple(b for b, _ in spec.p),
                        ceil_mode=True, count_include_pad=False)


@pytest.mark.parametrize("kwargs", HOVERED, ids=lambda k: k.get("mode", "conv"))
def test_hover_lights_what_autograd_reaches_where_it_is_drawn(kwargs: dict) -> None:
    """An output cell's hover lights exactly the input cells its gradient reaches, and every
    key sits on a panel cell drawing the value it names (distinct values: no luck)."""
    spec = Spec(**kwargs, dims=3)
    x = np.random.default_rng(2).permutation(int(np.prod(spec.i))).reshape(spec.i) + 1.0
    w = np.arange(1.0, 1.0 + np.prod(spec.k)).reshape(spec.k)
    p = plan(spec, x, w if spec.op.weighted else None)
    y = compute(spec, x, w if spec.op.weighted else None)
    renderer = Renderer(p)
    meta = player_metadata(renderer)
    assert meta["key_dims"] == [3, 3, 3]
    flat = meta["links"]
    lit: dict[tuple, set] = {}
    for j in range(0, len(flat), 9):
        lit.setdefault(tuple(flat[j:j + 3]), set()).add(tuple(flat[j + 3:j + 6]))
    layer = _torch_layer(spec)
    if spec.op.weighted:
        with torch.no_grad():
            layer.weight.copy_(torch.ones_like(layer.weight))
    xt = torch.zeros((1, 1, *spec.i), dtype=torch.float64, requires_grad=True)
    out = layer(xt)[0, 0]
    assert tuple(out.shape) == spec.output_shape
    for cell in np.ndindex(*spec.output_shape):
        xt.grad = None
        out[cell].backward(retain_graph=True)
        reached = {tuple(int(v) for v in idx) for idx in np.argwhere(xt.grad[0, 0].numpy())}
        assert lit.get(cell, set()) == reached, cell
    # Where the page puts each key: output keys on the target cell drawing y, input keys on
    # the grid cells drawing x (per grid shown), taps on the kernel cell drawing w.
    target = p.target.values
    outs = meta["outputs"]
    for j in range(0, len(outs), 5):
        key, (r, c) = tuple(outs[j:j + 3]), outs[j + 3:j + 5]
        assert target[r, c] == pytest.approx(y[key])
    for name, listed in meta["inputs"].items():
        grid, (r0, c0) = p.grids[name], renderer.scene.offsets[name]
        for j in range(0, len(listed), 5):
            key, (r, c) = tuple(listed[j:j + 3]), listed[j + 3:j + 5]
            assert grid.kinds[r - r0, c - c0] in (INPUT, PAD)
            assert grid.values[r - r0, c - c0] == x[key]
    if spec.op.weighted:
        taps = meta["taps"]
        for j in range(0, len(taps), 5):
            key, (r, c) = tuple(taps[j:j + 3]), taps[j + 3:j + 5]
            assert renderer.scene.w2[r, c] == w[key]


def test_slices_are_labelled_under_each_slice_and_follow_the_grid_shown() -> None:
    spec = Spec(i=(2, 3, 3), k=2, p=1, dims=3)
    scene = Scene(plan(spec))
    layout = Layout.build(scene, RenderOptions())
    slots = {n for n in layout.slots if n.startswith("slice_")}
    # input: 2 slices; padded: pad, d=0, d=1, pad; output: 3 slices
    assert len(slots) == 2 + 4 + 3
    scene.advance(0)
    assert [scene.texts[f"slice_grid_0_{n}"] for n in range(2)] == ["d=0", "d=1"]
    assert scene.texts["grid_title"] == "Input 2×3×3"
    scene.advance(1)  # the pad phase: the padded grid's labels, the input's blank
    assert [scene.texts[f"slice_grid_1_{n}"] for n in range(4)] == ["pad", "d=0", "d=1", "pad"]
    assert scene.texts["slice_grid_0_0"] == ""
    assert scene.texts["target_title"] == "Output 3×4×4"
    assert [scene.texts[f"slice_target_{n}"] for n in range(3)] == ["d=0", "d=1", "d=2"]
    # Every slice label sits under its own slice: left edges one block apart.
    box = layout.panels["grid"]
    x0 = [layout.slots[f"slice_grid_1_{n}"].x0 for n in range(4)]
    block = plan(spec).slices.block["padded"]
    assert {b - a for a, b in itertools.pairwise(x0)} == {block * box.px}


def test_a_slide_lights_the_window_in_every_slice_it_covers() -> None:
    spec = Spec(i=(3, 3, 3), k=(2, 2, 2), dims=3)
    p = plan(spec)
    frame = next(f for f in p.frames if f.phase == "slide")
    block = p.slices.block["input"]
    assert sorted({int(c) // block for c in frame.window[:, 1]}) == [0, 1]
    assert len(frame.window) == 8
    assert "reads slices d=0, d=1" in frame.caption


@pytest.mark.parametrize(("options", "param", "words"), [
    ({"in_channels": 2, "style": "perspective"}, "style", "drawn in the flat style"),
    ({"view": "scatter", "mode": "transposed"}, "view", "gather view"),
    ({"i": 40}, "input_size", "depth slices side by side"),
    ({"mode": "pixelshuffle", "k": None}, "dims", "3-D volumes are drawn for"),
])
def test_what_is_not_drawn_is_refused_in_one_line_before_any_work(options: dict, param: str,
                                                                   words: str) -> None:
    request = {"i": 3, "k": 2, "dims": 3, **options}
    request = {k: v for k, v in request.items() if v is not None}
    start = time.perf_counter()
    with pytest.raises(convanim.RequestError) as err:
        convanim.check(request)
    assert time.perf_counter() - start < 1.0
    message = str(err.value)
    assert "\n" not in message and words in message and param in message, message


def test_a_large_volume_is_refused_by_the_frame_budget() -> None:
    with pytest.raises(convanim.RequestError, match="max_frames"):
        convanim.check({"i": (3, 9, 9), "k": 1, "dims": 3}, max_frames=100)


@pytest.mark.parametrize("config", sorted((REPO / "configs" / "volumes").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_the_gallery_volumes_render(config: Path, tmp_path: Path) -> None:
    from convanim.config import load_entries
    from convanim.request.door import from_entry

    request = from_entry(load_entries(config)[0])
    assert request.spec.dims == 3
    out = tmp_path / "v.gif"
    convanim.render(request.spec, out)
    from PIL import Image

    with Image.open(out) as im:
        assert im.n_frames == len(plan(request.spec).frames)
        assert im.size[0] <= 2000


@pytest.mark.parametrize(("args", "words"), [
    (["overlap", "--dims", "3", "-i", "4", "-k", "3", "-s", "2"], "--dims: overlap maps"),
    (["render", "CHAIN", "--view", "trace"], "--view: the trace view draws dims 1 and 2"),
    (["render", "--dims", "3", "-i", "3", "-k", "2", "--style", "perspective", "HTML"],
     "--style: an .html player hovers a 3-D volume in the flat style"),
    (["render", "--dims", "3", "-i", "3", "-k", "2", "--view", "matrix"], "--view"),
    (["render", "--dims", "4", "-i", "3", "-k", "2"], "--dims"),
])
def test_the_command_line_refuses_in_one_line_with_exit_2(args: list[str], words: str,
                                                          tmp_path: Path) -> None:
    from click.testing import CliRunner

    from convanim.cli import cli

    chain = tmp_path / "chain.yaml"
    chain.write_text("input_size: 6\ndims: 3\nlayers:\n  - {mode: conv, kernel_size: 3}\n"
                     "  - {mode: maxpool, kernel_size: 2}\n")
    out = tmp_path / ("x.html" if "HTML" in args else "x.gif")
    args = [str(chain) if a == "CHAIN" else a for a in args if a != "HTML"]
    result = CliRunner().invoke(cli, [*args, "-o", str(out)], catch_exceptions=False)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and words in lines[0], result.output
    assert not out.exists()


def test_a_chain_of_volumes_renders_forward_and_its_fields_name_depth(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from convanim.cli import cli

    chain = tmp_path / "chain.yaml"
    chain.write_text("input_size: 6\ndims: 3\nlayers:\n  - {mode: conv, kernel_size: 3}\n"
                     "  - {mode: maxpool, kernel_size: 2}\n")
    result = CliRunner().invoke(cli, ["render", str(chain), "-o", str(tmp_path / "c.gif")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["field", str(chain)], catch_exceptions=False)
    assert "depth:  r = 1 + (3-1)*1 = 3" in result.output


def test_the_player_hover_in_chromium_lights_what_autograd_reaches(tmp_path: Path,
                                                                  page: Page) -> None:
    """In the browser: hovering each output cell of a 3-D average pooling (ceil_mode,
    padding not counted) lights exactly the input cells of its Jacobian row, keyed (d, h, w)."""
    kwargs = {"i": [3, 4, 4], "k": 2, "s": 2, "p": 1, "mode": "avgpool", "ceil_mode": True,
              "count_include_pad": False, "dims": 3}
    layer = nn.AvgPool3d(2, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
    jac = torch.autograd.functional.jacobian(lambda t: layer(t[None, None])[0, 0],
                                             torch.ones((3, 4, 4), dtype=torch.float64))
    expected: dict[str, set[str]] = {}
    for idx in torch.nonzero(jac).tolist():
        expected.setdefault(",".join(map(str, idx[:3])), set()).add(",".join(map(str, idx[3:])))
    root = open_player(page, convanim.render(kwargs, tmp_path / "v.html"))
    p = page.page
    p.keyboard.press("End")
    assert frame(root) == int(root.get_attribute("data-frames")) - 1
    outputs = p.eval_on_selector_all("[data-panel=output]", "els => els.map(e => e.dataset.cell)")
    assert set(outputs) == set(expected)
    for cell in outputs:
        p.hover(f'[data-panel=output][data-cell="{cell}"]')
        assert lit(p).get("input", set()) == expected[cell], cell
    assert page.errors == []


def test_the_perspective_style_stacks_each_volume_s_slices_as_planes() -> None:
    """Each slice is a tilted plane lifted above the one before (depth rising), the stacks
    side by side without overlapping, a label left of every slice, numbers legible."""
    from convanim.draw.perspective import PerspectiveLayout
    from convanim.draw.perspective_slices import SlicedPlane

    scene = Scene(plan(Spec(i=(2, 3, 3), k=3, s=2, p=1, mode="transposed", dims=3)))
    layout = PerspectiveLayout.build(scene, RenderOptions(style="perspective"))
    boxes = []
    for name in ("grid", "target", "kernel"):
        plane = layout.planes[name]
        assert isinstance(plane, SlicedPlane) and plane.lift[0] == 0 and plane.lift[1] < 0
        corners = plane.outline()
        for j in range(plane.slices):
            xs = [x for x, _ in corners[4 * j: 4 * j + 4]]
            ys = [y for _, y in corners[4 * j: 4 * j + 4]]
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
    for n, a in enumerate(boxes):  # no two slices overlap: the painter needs no depth order
        for b in boxes[n + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    labels = {n for n in layout.slots if n.startswith("slice_")}
    assert len(labels) == 2 + 3 + 5 + 3  # input, zeros, padded; output
    assert layout.fonts["value"] is not None  # numbers shown at the default size
    frames = list(Renderer(scene.plan, RenderOptions(style="perspective")).frames())
    assert len(frames) == len(scene.plan.frames)
