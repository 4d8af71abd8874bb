"""``view: backward`` against ``torch.autograd.grad`` on random conv and transposed specs.

For each spec (1-D and 2-D, stride, dilation, per-side padding, output_padding, named
padding): the plan's ``dL/dy`` fed to autograd through PyTorch's own layer gives ``dL/dx``
and ``dL/dW`` equal to every written frame value and to :func:`gradients`; part 1's links
are the support of d(dL/dx)/d(dL/dy) (the forward Jacobian, transposed) with each link once;
part 2's links are the (weight, input cell, output cell) triples whose product autograd sums;
the player's hover links are both, keyed by part. Fast: a few hundred plans of small specs.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convanim import Spec
from convanim.draw.animate import Renderer
from convanim.draw.options import RenderOptions
from convanim.draw.player import player_metadata
from convanim.geometry import SpecError, plan
from convanim.geometry.ops.backward import gradients, output_gradient
from tests.oracle import connectivity

torch.set_num_threads(1)


def _forward(spec: Spec, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """PyTorch's layer on one map, differentiable: per-side padding by F.pad (conv) or by
    cropping the full transposed result (transposed, with its output_padding cells)."""
    conv = F.conv1d if spec.dims == 1 else F.conv2d
    conv_t = F.conv_transpose1d if spec.dims == 1 else F.conv_transpose2d
    xt, wt = x[None, None], w[None, None]
    if spec.mode == "transposed":
        full = conv_t(xt, wt, stride=spec.s, dilation=spec.d)[0, 0]
        extra = [v for (_, _), op in zip(spec.p, spec.output_padding) for v in (0, op)]
        full = F.pad(full[None], [v for pair in reversed(list(zip(extra[::2], extra[1::2])))
                                  for v in pair])[0]
        region = tuple(slice(b, b + o) for (b, _), o in zip(spec.p, spec.output_shape))
        return full[region]
    pads = [v for before, after in reversed(spec.p) for v in (before, after)]
    return conv(F.pad(xt, pads), wt, stride=spec.s, dilation=spec.d)[0, 0]


def _autograd(spec: Spec, x: np.ndarray, w: np.ndarray, dy: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    y = _forward(spec, xt, wt)
    assert tuple(y.shape) == spec.output_shape
    gx, gw = torch.autograd.grad(y, (xt, wt), torch.tensor(dy, dtype=torch.float64))
    return gx.numpy(), gw.numpy()


def _kwargs(rng: np.random.Generator) -> dict:
    dims = int(rng.integers(1, 3))
    mode = str(rng.choice(["conv", "transposed"]))

    def size(lo: int, hi: int):
        return int(rng.integers(lo, hi + 1)) if dims == 1 or rng.integers(2) else \
            [int(rng.integers(lo, hi + 1)), int(rng.integers(lo, hi + 1))]

    kw: dict = {"dims": dims, "mode": mode, "view": "backward", "i": size(1, 6),
                "k": size(1, 3), "s": size(1, 3), "d": size(1, 2) if rng.integers(3) == 0 else 1}
    form = int(rng.integers(4))
    if form == 0:
        kw["p"] = size(0, 2)
    elif form == 1:
        side = [int(rng.integers(0, 3)), int(rng.integers(0, 3))]
        kw["p"] = side if dims == 1 else [side, [int(rng.integers(0, 3)),
                                                 int(rng.integers(0, 3))]]
    elif form == 2:
        kw["p"] = str(rng.choice(["valid", "same", "full", "half"]))
    if mode == "transposed" and rng.integers(2):
        kw["output_padding"] = size(0, 2)
    return kw


def _specs(count: int, salt: int) -> list[Spec]:
    specs, n = [], 0
    while len(specs) < count:
        n += 1
        try:
            specs.append(Spec(**_kwargs(np.random.default_rng([28, salt, n]))))
        except SpecError:
            continue
    return specs


SPECS = _specs(240, 1)


def _part(the_plan, index: int) -> str:
    second = next(n for n, f in enumerate(the_plan.frames)
                  if f.phase == "input" and f.grid == "forward")
    return "a" if index < second else "b"


@pytest.mark.parametrize("chunk", range(4))
def test_gradients_frames_and_links_equal_autograd(chunk: int) -> None:
    mismatches = 0
    for spec in SPECS[chunk * 60: (chunk + 1) * 60]:
        p = plan(spec)
        dy = output_gradient(spec, p.x, p.w)
        gx, gw = _autograd(spec, p.x, p.w, dy)
        dx, dw = gradients(spec, p.x, p.w, dy)
        mismatches += not (np.allclose(dx, gx) and np.allclose(dw, gw))
        # Every written cell (dL/dx left, dL/dW right of one gap column) equals autograd.
        at = spec.i[-1] + 1
        for n, f in enumerate(p.frames):
            if f.phase != "slide":
                continue
            (r, c), = f.cells
            r = r if spec.dims == 2 else None
            if _part(p, n) == "a":
                want = gx[(r, c) if r is not None else (c,)]
            else:
                want = gw[(r, c - at) if r is not None else (c - at,)]
            mismatches += not np.isclose(f.value, want)
            mismatches += not np.isclose(float(np.sum(f.products)), want)
        # Part 1 links (dx cell, dy cell, tap) are the forward links (dy, dx, tap) turned.
        forward = connectivity(spec.replace(view="gather"))
        links_a = [(o, i, t) for n, f in enumerate(p.frames) if _part(p, n) == "a"
                   for i, o, t in f.links]
        links_b = [(o, i, t) for n, f in enumerate(p.frames) if _part(p, n) == "b"
                   for t, i, o in f.links]
        mismatches += len(links_a) != len(set(links_a)) or set(links_a) != forward
        mismatches += len(links_b) != len(set(links_b)) or set(links_b) != forward
    assert mismatches == 0


def test_part_two_links_are_the_products_autograd_sums() -> None:
    """d(dL/dW[t])/dx[i] = dy[o] for the link (t, i, o): the second part's links, from
    the mixed second derivative of autograd, on a few specs."""
    for spec in SPECS[:25]:
        p = plan(spec)
        dy = output_gradient(spec, p.x, p.w)
        xt = torch.tensor(p.x, dtype=torch.float64, requires_grad=True)
        wt = torch.tensor(p.w, dtype=torch.float64, requires_grad=True)
        gw, = torch.autograd.grad(_forward(spec, xt, wt), (wt,),
                                  torch.tensor(dy, dtype=torch.float64), create_graph=True)
        jac = np.stack([torch.autograd.grad(gw.reshape(-1)[n], xt, retain_graph=True,
                                            allow_unused=True)[0].numpy().ravel()
                        for n in range(gw.numel())])
        want = np.zeros_like(jac)
        for n, f in enumerate(p.frames):
            if _part(p, n) == "b":
                for t, i, o in f.links:
                    want[np.ravel_multi_index(t, spec.k), np.ravel_multi_index(i, spec.i)] \
                        += dy[o]
        assert np.allclose(jac, want)


def test_the_player_hover_links_are_autograds() -> None:
    """The page's links, decoded: part 0 is (dx cell, dy cell, tap), part 1 is (tap, grid
    cell, other operand); both, turned back, are PyTorch's forward links."""
    for spec in SPECS[:40:4]:
        p = plan(spec)
        meta = player_metadata(Renderer(p, RenderOptions(cell_px=20)))
        assert meta["key_dims"] == [3, 3, 3]
        flat = np.array(meta["links"]).reshape(-1, 9)
        forward = connectivity(spec.replace(view="gather"))

        def cell(row: np.ndarray, dims: int = spec.dims) -> tuple[int, ...]:
            return (int(row[2]),) if dims == 1 else (int(row[1]), int(row[2]))

        a = {(cell(r[3:6]), cell(r[0:3]), cell(r[6:9])) for r in flat if r[0] == 0}
        # Part 1: the grid shows x (conv) or dL/dy (transposed), the kernel panel the other.
        grid_is_dy = spec.mode == "transposed"
        b = {((cell(r[3:6]), cell(r[6:9])) if grid_is_dy else (cell(r[6:9]), cell(r[3:6])))
             + (cell(r[0:3]),) for r in flat if r[0] == 1}
        assert a == forward and b == forward
        # Every hovered key has a cell on the page: outputs, taps, each grid's inputs.
        outputs = {tuple(meta["outputs"][n: n + 3]) for n in range(0, len(meta["outputs"]), 5)}
        taps = {tuple(meta["taps"][n: n + 3]) for n in range(0, len(meta["taps"]), 5)}
        assert {tuple(r[:3]) for r in flat} <= outputs
        assert {tuple(r[6:]) for r in flat} <= taps


def test_refusals_are_one_line() -> None:
    for kwargs, param in (({"padding_mode": "reflect", "p": 1}, "padding_mode"),
                          ({"flip": True}, "flip"), ({"mode": "maxpool"}, "view")):
        with pytest.raises(SpecError) as err:
            Spec(i=5, k=3, view="backward", **kwargs)
        assert err.value.param == param and "\n" not in str(err.value)


def test_gradient_checkerboard_counts_are_autograd_with_all_ones() -> None:
    """``overlap --gradient``'s maps: dL/dx through 1 and 2 stacked layers for dL/dy and W
    all ones, as autograd gives it (a strided conv's is uneven)."""
    from convanim.explain.overlap import gradient_counts

    checked = 0
    for spec in SPECS[:60]:
        try:
            maps = gradient_counts(spec, 2)
        except SpecError:
            maps = gradient_counts(spec, 1)
        layers = [spec.replace(view="gather")]
        for _ in maps[1:]:
            layers.append(layers[-1].replace(i=layers[-1].output_shape))
        x = torch.ones(spec.i, dtype=torch.float64, requires_grad=True)
        ones = torch.ones(spec.k, dtype=torch.float64)
        values, inputs = x, [x]
        for n, layer in enumerate(layers):
            values = _forward(layer, values, ones)
            if n + 1 < len(layers):
                inputs.append(values)
        grads = torch.autograd.grad(values, inputs, torch.ones_like(values))
        for got, want in zip(maps, reversed(grads)):
            assert np.array_equal(got, want.numpy())
            checked += 1
    assert checked > 60
    from convanim.explain.overlap import gradient_counts as counts

    assert counts(Spec(i=7, k=3, s=2, p=1))[0][1].tolist() == [2, 4, 2, 4, 2, 4, 2]


def test_overlap_gradient_command(tmp_path) -> None:
    from click.testing import CliRunner

    from convanim.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["overlap", "--gradient", "-o", str(tmp_path / "g.png")])
    assert result.exit_code == 0 and "checkerboard" in result.output
    assert (tmp_path / "g.png").stat().st_size > 1000
    config = tmp_path / "pool.yaml"
    config.write_text("mode: maxpool\ni: 6\nk: 2\n")
    result = runner.invoke(cli, ["overlap", str(config), "--gradient", "-o",
                                 str(tmp_path / "p.png")])
    assert result.exit_code == 2 and "--gradient" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_printed_input_gradient_layer_gives_autograds_dx() -> None:
    """``shape --view backward`` prints the layer that carries dL/dy back to dL/dx; run with
    the forward weight on dL/dy (its output_padding cells left out, as it says), it gives
    autograd's dL/dx."""
    from convanim.explain import explain_shape
    from convanim.explain.describe import backward_facts

    for spec in SPECS[:80]:
        facts = backward_facts(spec)
        assert facts["input_gradient"] in "\n".join(explain_shape(spec).lines())
        assert explain_shape(spec).to_json()["gradients"] == facts
        layer = eval(facts["input_gradient"], {"nn": torch.nn})  # the printed code, run
        convs = [m for m in layer.modules() if isinstance(m, torch.nn.modules.conv._ConvNd)]
        p = plan(spec)
        dy = output_gradient(spec, p.x, p.w)
        gx, _ = _autograd(spec, p.x, p.w, dy)
        with torch.no_grad():
            convs[0].weight.copy_(torch.tensor(p.w).reshape(convs[0].weight.shape))
            seen = torch.tensor(dy[tuple(slice(0, n) for n in facts["input_gradient_reads"])])
            got = layer.double()(seen[None, None])[0, 0].numpy()
        assert np.allclose(got, gx), spec


def test_a_backward_figure_too_big_blames_its_size_not_channels():
    from click.testing import CliRunner

    from convanim.cli import cli

    result = CliRunner().invoke(cli, ["render", "-i", "96", "-k", "3", "--view", "backward",
                                      "-o", "big.gif"])
    assert result.exit_code == 2
    assert "--input-size" in result.output and "channels" not in result.output
