"""``dims=3`` with channels and groups, drawn: every channel's depth slices side by side,
checked against PyTorch's 3-D layers on random specs.

The oracle is torch: ``nn.Conv3d`` and ``nn.ConvTranspose3d`` with ``groups`` and a bias,
``nn.MaxPool3d`` and ``nn.AvgPool3d`` on several channels. For each spec: the output's shape
and values (``compute`` and every slide frame's value), the frame count and the largest
panel side the budget computes by arithmetic against what the plan draws, and every slide
frame's highlighted cells and links against torch's one-hot Jacobians: the window's cells are
the input cells (channel, depth, row, col) the output cell reads, the lit filter cells hold
the weights it multiplies, the written cell draws torch's value. Then the HTML player's
hover keys, the labels and the refusals.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import convanim
from convanim import Spec, SpecError, compute, plan
from convanim.draw.animate import Renderer
from convanim.draw.player import player_metadata
from convanim.geometry import INPUT, PAD, frame_count, largest_grid
from convanim.geometry.compute import make_bias
from tests.browser import Page
from tests.test_player import frame, lit, open_player

torch = pytest.importorskip("torch", reason="torch is the oracle: pip install torch==2.13.0")
nn = torch.nn

REPO = Path(__file__).resolve().parent.parent
CASES = 10  # per mode; a case is tens of milliseconds


def _random_spec(mode: str, rng: np.random.Generator) -> dict:
    """A valid 3-D layer with channels (and groups, a bias for the weighted ones)."""
    while True:
        def axes(low: int, high: int) -> list[int]:
            return rng.integers(low, high + 1, size=3).tolist()

        pooling = mode in ("maxpool", "avgpool")
        kwargs: dict = {"mode": mode, "dims": 3, "i": axes(2, 4),
                        "k": axes(2 if pooling else 1, 2), "s": axes(1, 2),
                        "p": axes(0, 1)}
        if pooling:
            kwargs["in_channels"] = int(rng.integers(2, 4))
            if rng.random() < 0.4:
                kwargs["ceil_mode"] = True
        else:
            groups = int(rng.choice([1, 2]))
            kwargs.update(groups=groups, in_channels=groups * int(rng.integers(1, 3)),
                          out_channels=groups * int(rng.integers(1, 3)),
                          bias=bool(rng.random() < 0.5))
            if kwargs["in_channels"] == kwargs["out_channels"] == 1:
                kwargs["out_channels"] = 2
            if mode == "transposed" and rng.random() < 0.3:
                kwargs["output_padding"] = [min(v, s - 1) for v, s in
                                            zip(axes(0, 1), kwargs["s"])]
        try:
            Spec(**kwargs)
        except SpecError:
            continue
        return kwargs


def _layer(spec: Spec) -> torch.nn.Module:
    pads = tuple(b for b, _ in spec.p)
    if spec.mode == "conv":
        return nn.Conv3d(spec.in_channels, spec.out_channels, spec.k, stride=spec.s,
                         padding=pads, groups=spec.groups, bias=False).double()
    if spec.mode == "transposed":
        return nn.ConvTranspose3d(spec.in_channels, spec.out_channels, spec.k, stride=spec.s,
                                  padding=pads, output_padding=spec.output_padding,
                                  groups=spec.groups, bias=False).double()
    if spec.mode == "maxpool":
        return nn.MaxPool3d(spec.k, stride=spec.s, padding=pads, ceil_mode=spec.ceil_mode)
    return nn.AvgPool3d(spec.k, stride=spec.s, padding=pads, ceil_mode=spec.ceil_mode)


def _run(spec: Spec, x: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    layer = _layer(spec)
    if w is not None:
        with torch.no_grad():
            layer.weight.copy_(torch.as_tensor(w))
    with torch.no_grad():
        return layer(torch.as_tensor(x)[None]).numpy()[0]


def _weighted_links(spec: Spec) -> set:
    """(out, in, weight) keys of a conv or transposed conv: the nonzero outputs for one-hot
    inputs through one-hot weights, in PyTorch's own index layouts."""
    shape_in = (spec.in_channels, *spec.i)
    n_in = int(np.prod(shape_in))
    basis = torch.eye(n_in, dtype=torch.float64).reshape(n_in, *shape_in)
    w_shape = spec.op.weight_shape(spec)
    links = set()
    for flat in range(int(np.prod(w_shape))):
        w = np.zeros(int(np.prod(w_shape)))
        w[flat] = 1.0
        layer = _layer(spec)
        with torch.no_grad():
            layer.weight.copy_(torch.as_tensor(w.reshape(w_shape)))
            out = layer(basis)
        tap = tuple(int(v) for v in np.unravel_index(flat, w_shape))
        for idx in torch.nonzero(out).tolist():
            src = tuple(int(v) for v in np.unravel_index(idx[0], shape_in))
            links.add((tuple(idx[1:]), src, tap))
    return links


def _pool_support(spec: Spec) -> set:
    """(out, in) pairs a pooling reads: the outputs a one-hot input cell reaches."""
    shape_in = (spec.in_channels, *spec.i)
    n_in = int(np.prod(shape_in))
    # Every cell raised above the others in turn (one batch): the max is 1 exactly in the
    # windows that read it (padding is -inf, so a max never picks it); a mean is not 0
    # exactly where the cell is in the sum (the Jacobian's support: the layer is linear).
    basis = torch.eye(n_in, dtype=torch.float64).reshape(n_in, *shape_in)
    with torch.no_grad():
        out = _layer(spec)(basis)
    hit = out == 1.0 if spec.mode == "maxpool" else out != 0.0
    return {(tuple(idx[1:]), tuple(int(v) for v in np.unravel_index(idx[0], shape_in)))
            for idx in torch.nonzero(hit).tolist()}


def _decode(p: object, grid: object, cells: np.ndarray) -> list:
    """The input key (c, d, h, w) each grid cell draws, None for padding and zeros."""
    rows_in, block = p.spec.i[1], p.stack[3]
    keys = []
    for r, c in cells:
        s0, s1 = grid.source[r, c]
        keys.append((int(c) // block, int(s0) // rows_in, int(s0) % rows_in, int(s1))
                    if grid.kinds[r, c] in (INPUT, PAD) and s0 >= 0 else None)
    return keys


def _check(kwargs: dict, rng: np.random.Generator) -> None:
    spec = Spec(**kwargs)
    weighted = spec.op.weighted
    cout = spec.out_channels if weighted else spec.in_channels
    x = rng.permutation(spec.in_channels * int(np.prod(spec.i))).reshape(
        spec.in_channels, *spec.i).astype(float) - 5.0  # distinct: a max has one winner
    w = rng.integers(-2, 4, size=spec.op.weight_shape(spec)).astype(float) if weighted else None
    b = make_bias(spec, 0)  # the bias plan draws (None without one)
    expected = _run(spec, x, w)
    if b is not None:
        expected = expected + b[:, None, None, None]
    assert expected.shape == (cout, *spec.output_shape), kwargs
    np.testing.assert_allclose(compute(spec, x, w, b), expected, rtol=0, atol=1e-9)
    p = plan(spec, x, w)
    # The budget counts exactly what is planned and drawn.
    assert len(p.frames) == frame_count(spec), kwargs
    drawn = [*(g.shape for g in p.grids.values()), p.target.shape,
             *([p.kernel.shape] if p.kernel is not None else [])]
    assert max(max(s) for s in drawn) == largest_grid(spec), kwargs
    slides = [f for f in p.frames if f.phase == "slide"]
    assert len(slides) == cout * int(np.prod(spec.output_shape))
    links = [link for f in slides for link in f.links]
    assert not [n for n in Counter(links).values() if n > 1], "a link appears twice"
    if weighted:
        assert set(links) == _weighted_links(spec), kwargs
    else:
        assert {(o, i) for o, i, _ in links} == _pool_support(spec), kwargs
        assert all(o[0] == i[0] for o, i, _ in links)  # pooling keeps each channel
    for f in slides:
        (out,) = {o for o, _, _ in f.links} or {None}
        if out is None:  # a window entirely in the padding reads no input
            continue
        # The value written and the cell it is drawn in are torch's.
        assert f.value == pytest.approx(expected[out]), (kwargs, out)
        r, c = f.cells[0]
        assert p.target.values[r, c] == pytest.approx(expected[out])
        assert c // p.stack[4] == out[0]  # in its output channel's block
        # The lit window is exactly the input cells the output reads, in every channel.
        grid = p.grids[f.grid]
        keys = _decode(p, grid, f.window)
        assert {k for k in keys if k} == {i for _, i, _ in f.links}, (kwargs, out)
        if weighted:  # each lit filter cell holds the weight its window cell is multiplied by
            by_input = {i: w[t] for _, i, t in f.links}
            lit = p.kernel[f.taps[:, 0], f.taps[:, 1]]
            assert not np.isnan(lit).any()
            for key, weight, product in zip(keys, lit, f.products):
                if key is not None:
                    assert weight == by_input[key] and product == weight * x[key], kwargs


@pytest.mark.parametrize("mode", ["conv", "transposed", "maxpool", "avgpool"])
def test_random_channel_volumes_match_pytorch(mode: str) -> None:
    rng = np.random.default_rng(["conv", "transposed", "maxpool", "avgpool"].index(mode) + 28)
    for _ in range(CASES):
        _check(_random_spec(mode, rng), rng)


@pytest.mark.parametrize("kwargs", [
    {"i": (2, 3, 3), "k": 2, "p": 1, "in_channels": 2, "out_channels": 2, "bias": True},
    {"i": (2, 2, 3), "k": 2, "s": 2, "mode": "transposed", "in_channels": 2,
     "out_channels": 4, "groups": 2},
    {"i": (3, 4, 4), "k": 2, "s": 2, "mode": "maxpool", "in_channels": 2},
], ids=["conv", "transposed", "maxpool"])
def test_hover_keys_name_the_channel_and_sit_on_their_values(kwargs: dict) -> None:
    """The player keys cells (c, d, h, w) and weights (o, i, a, b, c) in PyTorch's layout;
    each key sits on the panel cell that draws the value it names (distinct values)."""
    spec = Spec(**kwargs, dims=3)
    rng = np.random.default_rng(5)
    x = rng.permutation(int(np.prod(spec.op.input_shape(spec)))).reshape(
        spec.op.input_shape(spec)) + 1.0
    w = (np.arange(1.0, 1.0 + np.prod(spec.op.weight_shape(spec))).reshape(
        spec.op.weight_shape(spec)) if spec.op.weighted else None)
    p = plan(spec, x, w)
    renderer = Renderer(p)
    meta = player_metadata(renderer)
    n_out, n_in, n_tap = meta["key_dims"]
    assert (n_out, n_in, n_tap) == ((4, 4, 5) if spec.op.weighted else (4, 4, 3))
    links = [link for f in p.frames for link in f.links]
    flat = meta["links"]
    stride = n_out + n_in + n_tap
    keyed = {(tuple(flat[j:j + 4]), tuple(flat[j + 4:j + 8]), tuple(flat[j + 8:j + stride]))
             for j in range(0, len(flat), stride)}
    assert keyed == set(links)
    outs = meta["outputs"]
    for j in range(0, len(outs), 6):
        key, (r, c) = tuple(outs[j:j + 4]), outs[j + 4:j + 6]
        assert p.target.values[r, c] == pytest.approx(p.y[key])
    assert len(outs) == 6 * p.y.size
    for name, listed in meta["inputs"].items():
        grid, (r0, c0) = p.grids[name], renderer.scene.offsets[name]
        for j in range(0, len(listed), 6):
            key, (r, c) = tuple(listed[j:j + 4]), listed[j + 4:j + 6]
            assert grid.values[r - r0, c - c0] == x[key]
    if spec.op.weighted:
        taps = meta["taps"]
        for j in range(0, len(taps), 7):
            key, (r, c) = tuple(taps[j:j + 5]), taps[j + 5:j + 7]
            assert p.kernel[r, c] == w[key]
        assert len(taps) == 7 * w.size


def test_each_channel_s_slices_are_labelled_and_the_filters_named() -> None:
    from convanim.draw.layout import Layout
    from convanim.draw.options import RenderOptions
    from convanim.draw.scene import Scene

    spec = Spec(i=(2, 3, 3), k=2, p=(1, 0, 0), dims=3, in_channels=2, out_channels=3)
    scene = Scene(plan(spec))
    layout = Layout.build(scene, RenderOptions())
    for n in range(len(scene.plan.frames)):
        scene.advance(n)
    texts = scene.texts
    # The padded grid is on show: d= labels per depth slice, c= once per channel.
    assert [texts[f"slice_grid_1_{n}"] for n in range(8)] == ["pad", "d=0", "d=1", "pad"] * 2
    assert [texts[f"slice_chan_grid_1_{c}"] for c in range(2)] == ["c=0", "c=1"]
    assert texts["slice_chan_grid_0_0"] == ""  # the input's words are off while padded shows
    assert [texts[f"slice_chan_target_{c}"] for c in range(3)] == ["c=0", "c=1", "c=2"]
    assert [texts[f"slice_kernel_{c}"] for c in range(3)] == ["W0", "W1", "W2"]
    assert texts["grid_title"] == "Padded input 4×3×3 × 2 channels"
    assert texts["target_title"] == "Output 3×2×2 × 3 channels"
    # Each channel's name sits under its own slices, below their d= labels.
    for c in range(2):
        first = layout.slots[f"slice_grid_1_{4 * c}"]
        last = layout.slots[f"slice_grid_1_{4 * c + 3}"]
        chan = layout.slots[f"slice_chan_grid_1_{c}"]
        assert first.x0 + 20 == chan.x0 and chan.x1 == last.x1 - 20
        assert chan.baseline > first.baseline
    # No slice label reaches past the image or into the next label.
    for name, slot in layout.slots.items():
        if name.startswith("slice_"):
            text = texts.get(name, "")
            width = slot.font.measure(text)
            middle = (slot.x0 + slot.x1) / 2
            assert middle - width / 2 >= 0 and middle + width / 2 <= layout.size[0], name


def test_captions_say_which_channels_and_slices_feed_the_output() -> None:
    spec = Spec(i=3, k=2, dims=3, in_channels=2, out_channels=2, bias=True)
    p = plan(spec)
    caption = next(f for f in p.frames if f.phase == "slide").caption
    assert caption.startswith("filter 0 over c=0, c=1 (depth slices d=0, d=1 of each) into "
                              "output c=0 d=0: ")
    assert f"+ bias {make_bias(spec, 0)[0]:g} = " in caption
    pooled = plan(Spec(i=3, k=2, dims=3, in_channels=2, mode="maxpool"))
    last = [f for f in pooled.frames if f.phase == "slide"][-1].caption
    assert last.startswith("channel c=1: slide a 2×2×2 max window") and "d=0, d=1" in last


def test_an_animation_and_a_player_render(tmp_path: Path) -> None:
    gif = convanim.render({"i": (2, 3, 3), "k": 2, "dims": 3, "in_channels": 2,
                           "out_channels": 2, "groups": 2, "bias": True}, tmp_path / "g.gif")
    assert gif.stat().st_size > 0
    page = convanim.render({"i": 3, "k": 2, "dims": 3, "mode": "avgpool", "in_channels": 2},
                           tmp_path / "p.html")
    assert '"key_dims":[4,4,3]' in page.read_text()  # (c, d, h, w) keys, the tap (a, b, c)


@pytest.mark.parametrize(("request_", "param", "words"), [
    ({"style": "perspective"}, "style", "use style=flat"),
    ({"i": (3, 4, 12), "out_channels": 4}, "out_channels", "use at most"),
    ({"i": (3, 3, 30), "in_channels": 3}, "in_channels", "draw one channel"),
])
def test_what_is_not_drawn_is_refused_in_one_line_before_any_work(request_: dict, param: str,
                                                                   words: str) -> None:
    request = {"i": 3, "k": 2, "dims": 3, "in_channels": 2, **request_}
    start = time.perf_counter()
    with pytest.raises(convanim.RequestError) as err:
        convanim.check(request)
    assert time.perf_counter() - start < 1.0
    message = str(err.value)
    assert "\n" not in message and words in message and param in message, message


def test_chains_and_comparisons_refuse_the_perspective_style_in_one_line(tmp_path: Path
                                                                        ) -> None:
    from click.testing import CliRunner

    from convanim.cli import cli

    chain = tmp_path / "chain.yaml"
    chain.write_text("i: 4\ndims: 3\nlayers:\n  - {kernel_size: 2, in_channels: 2, "
                     "out_channels: 2}\n  - {mode: maxpool, kernel_size: 2}\n")
    compare = tmp_path / "compare.yaml"
    compare.write_text("defaults: {input_size: 3, dims: 3}\npanels:\n"
                       "  - {name: a, kernel_size: 2, in_channels: 2}\n"
                       "  - {name: b, kernel_size: 2}\n")
    for args in (["render", str(chain)], ["compare", str(compare)]):
        out = tmp_path / "out.gif"
        result = CliRunner().invoke(cli, [*args, "--style", "perspective", "-o", str(out)])
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1
        assert "use style=flat" in result.output and not out.exists()


def test_the_player_hover_in_chromium_lights_what_autograd_reaches(tmp_path: Path,
                                                                  page: Page) -> None:
    """In the browser: hovering each output cell (o, d, h, w) of a grouped 3-D convolution
    lights exactly the input cells (c, d, h, w) of its Jacobian row, in its group's channels
    only, and the filter cells of its own filter."""
    spec = Spec(i=(2, 3, 3), k=2, p=(0, 1, 0), dims=3, in_channels=2, out_channels=2,
                groups=2)
    layer = _layer(spec)
    with torch.no_grad():
        layer.weight.copy_(torch.ones_like(layer.weight))
    jac = torch.autograd.functional.jacobian(lambda t: layer(t[None])[0],
                                             torch.ones((2, 2, 3, 3), dtype=torch.float64))
    expected: dict[str, set[str]] = {}
    for idx in torch.nonzero(jac).tolist():
        expected.setdefault(",".join(map(str, idx[:4])), set()).add(",".join(map(str, idx[4:])))
    x = torch.ones((1, 2, 2, 3, 3), dtype=torch.float64)
    grads = torch.autograd.functional.jacobian(
        lambda weight: torch.nn.functional.conv3d(x, weight, padding=(0, 1, 0), groups=2)[0],
        torch.ones_like(layer.weight))
    taps: dict[str, set[str]] = {}
    for idx in torch.nonzero(grads).tolist():
        taps.setdefault(",".join(map(str, idx[:4])), set()).add(",".join(map(str, idx[4:])))
    root = open_player(page, convanim.render(spec, tmp_path / "v.html"))
    p = page.page
    p.keyboard.press("End")
    assert frame(root) == int(root.get_attribute("data-frames")) - 1
    outputs = p.eval_on_selector_all("[data-panel=output]", "els => els.map(e => e.dataset.cell)")
    assert set(outputs) == set(expected)
    label = p.get_attribute('[data-panel=input][data-cell="1,0,2,1"]', "aria-label")
    assert label == "input cell (c, d, h, w) 1,0,2,1"  # a screen reader hears the axes
    for cell in outputs:
        p.hover(f'[data-panel=output][data-cell="{cell}"]')
        shown = lit(p)
        assert shown.get("input", set()) == expected[cell], cell
        # The weights (o, i, a, b, c) the output's gradient reaches: its own filter's taps
        # over real input cells (a padded row leaves some out).
        assert shown.get("kernel", set()) == taps[cell], cell
    assert page.errors == []
