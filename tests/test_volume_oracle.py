"""``dims=3`` against PyTorch's 3-D layers on random specs: accept/refuse, shapes, values
(``compute`` and every slide frame), links (which input cells and taps each output reads),
with channels and groups, and the printed PyTorch code run as it is printed.

The oracle is torch itself: ``nn.Conv3d`` (with its ``padding_mode``), ``nn.ConvTranspose3d``
(``output_padding``), ``nn.MaxPool3d`` and ``nn.AvgPool3d`` (``ceil_mode``,
``count_include_pad``, ``divisor_override``); links of the weighted layers are the support of
their Jacobian for one-hot inputs and kernels, of average pooling its Jacobian's support, of
max pooling torch's own windows (``Tensor.unfold``) over a volume of input indices.
"""

from __future__ import annotations

import os
from collections import Counter

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np
import pytest

from convanim import Spec, SpecError, compute, plan
from convanim.explain import keras_code, pytorch_code
from convanim.geometry import frame_count, largest_grid, make_values
from convanim.geometry.compute import make_bias
from tests.test_printed_code import run_pytorch

torch = pytest.importorskip("torch", reason="torch is the oracle: pip install torch==2.13.0")
F = torch.nn.functional
nn = torch.nn

CASES = 60  # per mode; each case is a few milliseconds


def _random_kwargs(mode: str, rng: np.random.Generator) -> dict:
    """Parameters as a user gives them: per axis or one number, numeric symmetric padding."""
    def axes(low: int, high: int) -> list[int] | int:
        values = rng.integers(low, high + 1, size=3).tolist()
        return values[0] if rng.random() < 0.3 else values

    pooling = mode in ("maxpool", "avgpool")
    kwargs: dict = {"mode": mode, "dims": 3, "i": axes(1, 5), "k": axes(2 if pooling else 1, 3),
                    "s": axes(1, 3), "p": axes(0, 1 if pooling else 2)}
    if mode != "avgpool" and rng.random() < 0.4:
        kwargs["d"] = axes(1, 2)
    if mode == "conv" and rng.random() < 0.3:
        kwargs["padding_mode"] = str(rng.choice(["reflect", "replicate", "circular"]))
    if mode == "transposed" and rng.random() < 0.5:
        kwargs["output_padding"] = axes(0, 2)
    if mode in ("maxpool", "avgpool") and rng.random() < 0.5:
        kwargs["ceil_mode"] = True
    if mode == "avgpool" and rng.random() < 0.4:
        kwargs["count_include_pad"] = False
    if mode == "avgpool" and rng.random() < 0.2:
        kwargs["divisor_override"] = int(rng.integers(1, 5))
    return kwargs


def _triple(value: list[int] | int) -> tuple[int, int, int]:
    return tuple(value) if isinstance(value, list) else (value,) * 3  # type: ignore[return-value]


def _layer(kwargs: dict, cin: int = 1, cout: int = 1, groups: int = 1) -> torch.nn.Module:
    """The torch layer for the raw parameters (raises whatever torch raises)."""
    mode, k, p = kwargs["mode"], kwargs["k"], kwargs["p"]
    s, d = kwargs["s"], kwargs.get("d", 1)
    if mode == "conv":
        return nn.Conv3d(cin, cout, k, stride=s, padding=p, dilation=d, groups=groups,
                         bias=False, padding_mode=kwargs.get("padding_mode", "zeros")).double()
    if mode == "transposed":
        return nn.ConvTranspose3d(cin, cout, k, stride=s, padding=p, dilation=d, groups=groups,
                                  output_padding=kwargs.get("output_padding", 0),
                                  bias=False).double()
    if mode == "maxpool":
        return nn.MaxPool3d(k, stride=s, padding=p, dilation=d,
                            ceil_mode=kwargs.get("ceil_mode", False))
    return nn.AvgPool3d(k, stride=s, padding=p, ceil_mode=kwargs.get("ceil_mode", False),
                        count_include_pad=kwargs.get("count_include_pad", True),
                        divisor_override=kwargs.get("divisor_override"))


def _torch_out(kwargs: dict, x: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    layer = _layer(kwargs)
    if w is not None:
        with torch.no_grad():
            layer.weight.copy_(torch.as_tensor(w)[None, None])
    with torch.no_grad():
        return layer(torch.as_tensor(x)[None, None]).numpy()[0, 0]


def _jacobian_links(kwargs: dict, spec: Spec) -> set:
    """(out, in, tap) of a conv or transposed conv: the nonzero entries of the output for
    one-hot inputs through one-hot kernels (each link once, with weight 1)."""
    n_in, n_taps = int(np.prod(spec.i)), int(np.prod(spec.k))
    links = set()
    for tap in range(n_taps):
        w = np.zeros(n_taps)
        w[tap] = 1.0
        layer = _layer(kwargs)
        with torch.no_grad():
            layer.weight.copy_(torch.as_tensor(w.reshape(spec.k))[None, None])
        basis = torch.eye(n_in, dtype=torch.float64).reshape(n_in, 1, *spec.i)
        with torch.no_grad():
            out = layer(basis)[:, 0]
        for idx in torch.nonzero(out).tolist():
            src, cell = idx[0], tuple(idx[1:])
            links.add((cell, tuple(int(v) for v in np.unravel_index(src, spec.i)),
                       tuple(int(v) for v in np.unravel_index(tap, spec.k))))
    return links


def _avg_links(kwargs: dict, spec: Spec) -> set:
    """(out, in) pairs of an average pooling: the support of its Jacobian."""
    x = torch.zeros((1, 1, *spec.i), dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(lambda t: _layer(kwargs)(t), x)
    jac = jac.reshape(*spec.output_shape, *spec.i)
    return {(tuple(idx[:3]), tuple(idx[3:])) for idx in torch.nonzero(jac).tolist()}


def _max_links(kwargs: dict, spec: Spec) -> set:
    """(out, in, tap) of a max pooling: torch's windows (``Tensor.unfold``) over a volume of
    input indices, -1 for the padding and for the cells a ceil_mode window hangs past."""
    index = torch.arange(int(np.prod(spec.i)), dtype=torch.float64).reshape(1, 1, *spec.i)
    pads = [v for before, after in reversed(spec.p) for v in (before, after)]
    padded = F.pad(index, pads, value=-1.0)
    out = spec.output_shape
    spans = [d * (k - 1) + 1 for d, k in zip(spec.d, spec.k)]
    extra = [max((o - 1) * s + span - n, 0) for o, s, span, n
             in zip(out, spec.s, spans, padded.shape[2:])]
    padded = F.pad(padded, [v for e in reversed(extra) for v in (0, e)], value=-1.0)[0, 0]
    windows = padded
    for axis in range(3):
        windows = windows.unfold(axis, spans[axis], spec.s[axis])
    windows = windows[..., ::spec.d[0], ::spec.d[1], ::spec.d[2]]
    assert tuple(windows.shape[:3]) == out
    links = set()
    for idx in torch.nonzero(windows >= 0).tolist():
        src = int(windows[tuple(idx)])
        links.add((tuple(idx[:3]), tuple(int(v) for v in np.unravel_index(src, spec.i)),
                   tuple(idx[3:])))
    return links


def _check(kwargs: dict, rng: np.random.Generator) -> None:
    try:
        spec = Spec(**kwargs)
    except SpecError:
        spec = None
    weighted = kwargs["mode"] in ("conv", "transposed")
    i, k = _triple(kwargs["i"]), _triple(kwargs["k"])
    x = rng.integers(-3, 6, size=i).astype(float)
    w = rng.integers(-2, 4, size=k).astype(float) if weighted else None
    try:
        expected = _torch_out(kwargs, x, w)
        torch_ok = expected.size > 0
    except (RuntimeError, ValueError):
        torch_ok = False
    assert (spec is not None) == torch_ok, f"{kwargs}: torch accepts={torch_ok}"
    if spec is None:
        return
    assert spec.output_shape == expected.shape
    np.testing.assert_allclose(compute(spec, x, w), expected, rtol=0, atol=1e-9)
    p = plan(spec, x, w if weighted else None)
    assert len(p.frames) == frame_count(spec)  # the budget counts exactly what is planned
    drawn = [*(g.shape for g in p.grids.values()), p.target.shape]
    assert max(max(shape) for shape in drawn) == largest_grid(spec)
    assert spec == Spec.from_dict(spec.to_dict())
    slides = [f for f in p.frames if f.phase == "slide"]
    got = np.array([f.value for f in slides]).reshape(spec.output_shape)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    links = [link for f in p.frames for link in f.links]
    assert not [n for n in Counter(links).values() if n > 1], "a link appears twice"
    if weighted:
        assert set(links) == _jacobian_links(kwargs, spec)
    elif kwargs["mode"] == "maxpool":
        assert set(links) == _max_links(kwargs, spec)
    else:
        assert {(o, i_) for o, i_, _ in links} == _avg_links(kwargs, spec)


@pytest.mark.parametrize("mode", ["conv", "transposed", "maxpool", "avgpool"])
def test_random_volumes_match_pytorch(mode: str) -> None:
    rng = np.random.default_rng(["conv", "transposed", "maxpool", "avgpool"].index(mode))
    accepted = 0
    for _ in range(CASES):
        kwargs = _random_kwargs(mode, rng)
        _check(kwargs, rng)
        try:
            Spec(**kwargs)
            accepted += 1
        except SpecError:
            pass
    assert CASES // 5 < accepted < CASES  # both sides of the rules were tried


@pytest.mark.parametrize(("mode", "cin", "cout", "groups"), [
    ("conv", 2, 4, 2), ("conv", 3, 2, 1), ("transposed", 2, 4, 2), ("conv", 4, 4, 4)])
def test_channels_and_groups_match_pytorch(mode: str, cin: int, cout: int, groups: int) -> None:
    rng = np.random.default_rng(cin * 10 + cout)
    kwargs = {"mode": mode, "dims": 3, "i": [3, 4, 5], "k": [2, 3, 2], "s": [1, 2, 1],
              "p": [1, 0, 1]}
    spec = Spec(**kwargs, in_channels=cin, out_channels=cout, groups=groups, bias=True)
    layer = _layer(kwargs, cin, cout, groups)
    w = rng.integers(-2, 4, size=spec.op.weight_shape(spec)).astype(float)
    b = rng.integers(-2, 3, size=cout).astype(float)
    x = rng.integers(-3, 6, size=spec.op.input_shape(spec)).astype(float)
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(w))
        expected = layer(torch.as_tensor(x)[None]).numpy()[0] + b[:, None, None, None]
    np.testing.assert_allclose(compute(spec, x, w, b), expected, rtol=0, atol=1e-9)


def _random_layer(seed: int) -> Spec:
    """A valid random 3-D layer with channels, groups, bias, one-sided padding, padding modes
    and pooling's options, as ``shape`` takes it."""
    rng = np.random.default_rng(seed)
    modes = ("conv", "transposed", "maxpool", "avgpool")
    while True:
        kwargs = _random_kwargs(modes[seed % 4], rng)
        if kwargs["mode"] in ("conv", "transposed"):
            groups = int(rng.choice([1, 1, 2]))
            kwargs.update(groups=groups, in_channels=groups * int(rng.integers(1, 3)),
                          out_channels=groups * int(rng.integers(1, 3)),
                          bias=bool(rng.random() < 0.5))
            if kwargs["mode"] == "conv" and rng.random() < 0.3:
                kwargs["p"] = [[int(v) for v in rng.integers(0, 3, size=2)] for _ in range(3)]
        elif rng.random() < 0.4:
            kwargs["in_channels"] = int(rng.integers(2, 4))
        try:
            return Spec(**kwargs)
        except SpecError:
            continue


KERAS_LAYERS = [  # layers with an exact Keras form, so the Keras half runs too
    {"i": [3, 4, 5], "k": [2, 3, 3], "s": [1, 2, 1], "in_channels": 2, "out_channels": 4,
     "groups": 2, "bias": True},
    {"i": 4, "k": 3, "p": "same", "in_channels": 3, "out_channels": 3, "groups": 3},
    {"i": [2, 3, 3], "k": 3, "s": 2, "mode": "transposed", "in_channels": 2,
     "out_channels": 3, "bias": True},
    {"i": [4, 5, 6], "k": 2, "mode": "maxpool", "in_channels": 2},
    {"i": [4, 5, 5], "k": [2, 3, 3], "s": 1, "mode": "avgpool"},
]


@pytest.mark.parametrize("layer", [*range(24), *(-1 - n for n in range(len(KERAS_LAYERS)))])
def test_printed_code_runs_and_matches(layer: int) -> None:
    """The PyTorch code ``shape`` prints (nn.Conv3d, nn.ConvTranspose3d, nn.MaxPool3d,
    nn.AvgPool3d, after a pad layer when needed), executed as printed with the figure's
    weights, gives ``compute``'s output; so does the Keras code (Conv3D, Conv3DTranspose,
    MaxPooling3D, AveragePooling3D) when ``shape`` prints one."""
    seed = abs(layer)
    spec = (_random_layer(seed) if layer >= 0
            else Spec(**KERAS_LAYERS[seed - 1], dims=3))
    assert "3d(" in pytorch_code(spec)
    assert layer >= 0 or keras_code(spec) is not None, keras_code(spec)
    x, w = make_values(spec, seed=seed)
    b = make_bias(spec, seed=seed)
    expected = np.asarray(compute(spec, x, w, b)).reshape(-1)
    got, _ = run_pytorch(spec, x, w, b)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9, err_msg=pytorch_code(spec))
    code = keras_code(spec)
    if code is None:
        return
    assert "3D" in code
    layer = eval(code, {"layers": keras.layers})
    cin = int(np.prod(x.shape)) // int(np.prod(spec.i))
    last = np.moveaxis(np.asarray(x).reshape(cin, *spec.i), 0, -1)[None].astype("float32")
    layer.build(last.shape)
    if getattr(layer, "kernel", None) is not None:
        cout, groups = spec.out_channels, spec.groups
        if spec.op.transposed:  # PyTorch (cin, cout/g, *k) -> Keras (*k, cout, cin)
            kernel = np.moveaxis(np.moveaxis(w.reshape(cin, cout, *spec.k), 1, -1), 0, -1)
        else:  # PyTorch (cout, cin/g, *k) -> Keras (*k, cin/g, cout)
            kernel = np.moveaxis(np.moveaxis(w.reshape(cout, cin // groups, *spec.k), 1, -1),
                                 0, -1)
        layer.set_weights([kernel] + ([np.asarray(b, "float32")] if layer.bias is not None
                                      else []))
    out = keras.ops.convert_to_numpy(layer(last))[0]
    np.testing.assert_allclose(np.moveaxis(out, -1, 0).reshape(-1), expected, rtol=1e-4,
                               atol=1e-3, err_msg=code)


@pytest.mark.parametrize(("size_from", "size_to", "mode"), [
    (6, 12, "transposed"), (9, 4, "conv"), (8, 4, "maxpool"), (7, 3, "avgpool")])
def test_solve_dims_3_prints_layers_that_map_the_sizes(size_from: int, size_to: int,
                                                       mode: str) -> None:
    """``solve --dims 3``: every printed 3-D layer maps size_from to size_to on all three
    axes in torch."""
    from convanim.explain import solve

    found = solve(size_from, size_to, mode)
    assert found
    for solution in found[:5]:
        code = solution.to_json(3)["pytorch"]
        assert "3d(" in code
        layer = eval(code, {"nn": nn, "float": float}).double()
        out = layer(torch.zeros((1, 1, size_from, size_from, size_from), dtype=torch.float64))
        assert tuple(out.shape[2:]) == (size_to,) * 3, code
