"""The framework code ``shape`` prints is run: on random specs of every mode, the printed
PyTorch module (and the printed Keras 3 layer, on its torch backend) given the figure's
weights and bias must give exactly ``compute``'s output, and its parameter count must be the
one ``shape --json`` reports.

The weights go in by PyTorch's and Keras' documented layouts (PyTorch: out, in/groups,
*kernel for a convolution and in, out/groups, *kernel for a transposed one; Keras:
*kernel, in, out and *kernel, out, in), never through convanim.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np
import pytest
import torch
from torch import nn

from convanim.explain import keras_code, pytorch_code
from convanim.geometry import Spec, SpecError, compute, make_values
from convanim.geometry.compute import make_bias

MODES = ("conv", "conv", "transposed", "transposed", "maxpool", "avgpool", "upsample",
         "maxunpool", "pixelshuffle")


def random_spec(seed: int) -> Spec:
    """A valid random spec: channels, groups, bias, one-sided padding, padding modes."""
    rng = np.random.default_rng(seed)
    while True:
        dims = 1 if rng.random() < 0.4 else 2
        mode = MODES[rng.integers(len(MODES))]
        one = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731
        entry: dict = {"mode": mode, "dims": dims, "input_size": one(2, 7)}
        if mode == "upsample":
            entry.update(scale=one(1, 3), method=["nearest", "bilinear"][one(0, 1)])
            if entry["method"] == "bilinear" and rng.random() < 0.5:
                entry["align_corners"] = True
        elif mode == "pixelshuffle":
            entry.update(dims=2, scale=one(1, 3))
            entry["in_channels"] = entry["scale"] ** 2 * one(1, 2)
        else:
            entry.update(kernel_size=one(1, 4), stride=one(1, 3))
            if mode in ("conv", "transposed", "maxpool") and rng.random() < 0.3:
                entry["dilation"] = one(1, 2)
            if mode != "maxunpool":
                pad = [[one(0, 2), one(0, 2)] for _ in range(dims)]
                entry["padding"] = pad if rng.random() < 0.5 else one(0, 2)
            if mode == "conv" and rng.random() < 0.3:
                entry["padding_mode"] = ["reflect", "replicate", "circular"][one(0, 2)]
            if mode == "transposed" and rng.random() < 0.5:
                entry["output_padding"] = one(0, 2)
            if mode in ("conv", "transposed"):
                groups = [1, 1, 2, 3][one(0, 3)]
                entry.update(groups=groups, in_channels=groups * one(1, 2),
                             out_channels=groups * one(1, 2), bias=bool(rng.random() < 0.5))
            elif mode in ("maxpool", "avgpool") and rng.random() < 0.4:
                entry["in_channels"] = one(2, 3)
        try:
            spec = Spec.from_dict(entry)
        except SpecError:
            continue
        if min(spec.output_shape) > 0:
            return spec


def _values(spec: Spec, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    x, w = make_values(spec, None, None, seed=seed)
    return x, w, make_bias(spec, seed=seed)


def _channels_first(spec: Spec, x: np.ndarray) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64).reshape(1, -1, *spec.i)


def _main_layer(module: nn.Module) -> nn.Module | None:
    for layer in module.modules():
        if isinstance(layer, nn.modules.conv._ConvNd):
            return layer
    return None


def run_pytorch(spec: Spec, x: np.ndarray, w: np.ndarray, b: np.ndarray | None
                ) -> tuple[np.ndarray, int]:
    code = pytorch_code(spec)
    namespace = {"nn": nn, "float": float}
    if spec.mode == "maxunpool":
        pool_code, _, comment = code.partition("  # ")
        pool = eval(pool_code, namespace).double()
        t = _channels_first(spec, x)
        y, indices = pool(t)
        unpool = comment.split("then ", 1)[1]
        out = eval(unpool, {**namespace, "y": y, "indices": indices, "x": t})
        return out.detach().numpy().reshape(-1), 0
    module = eval(code, namespace).double()
    layer = _main_layer(module)
    if layer is not None:
        with torch.no_grad():
            layer.weight.copy_(torch.tensor(w).reshape(layer.weight.shape))
            if layer.bias is not None:
                layer.bias.copy_(torch.tensor(b).reshape(-1))
    params = sum(p.numel() for p in module.parameters())
    with torch.no_grad():
        out = module(_channels_first(spec, x))
    return out.numpy().reshape(-1), params


def _expected_params(spec: Spec) -> int:
    facts = getattr(spec.op, "layer_facts", None)
    return facts(spec)["parameters"] if facts is not None else 0


@pytest.mark.parametrize("seed", range(120))
def test_printed_pytorch_code_computes_the_figure(seed: int) -> None:
    spec = random_spec(seed)
    x, w, b = _values(spec, seed)
    expected = np.asarray(compute(spec, x, w, b)).reshape(-1)
    got, params = run_pytorch(spec, x, w, b)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9,
                               err_msg=f"{spec.label}\n{pytorch_code(spec)}")
    if spec.op.weighted:
        assert params == _expected_params(spec), (spec.label, pytorch_code(spec))


def _keras_kernel(spec: Spec, name: str, w: np.ndarray, layer_shape: tuple[int, ...]
                  ) -> np.ndarray:
    dims = spec.dims
    cin = getattr(spec, "in_channels", 1)
    cout = getattr(spec, "out_channels", 1)
    groups = getattr(spec, "groups", 1)
    if "Depthwise" in name:  # PyTorch (cin*m, 1, *k) -> Keras (*k, cin, m)
        t = w.reshape(cin, cout // cin, *spec.k)
        return np.moveaxis(np.moveaxis(t, 0, -1), 0, -1).reshape(layer_shape)
    if "Transpose" in name:  # PyTorch (cin, cout, *k) -> Keras (*k, cout, cin)
        t = w.reshape(cin, cout, *spec.k)
        return np.moveaxis(np.moveaxis(t, 1, -1), 0, -1).reshape(layer_shape)
    t = w.reshape(cout, cin // groups, *spec.k)  # PyTorch (cout, cin/g, *k)
    return np.moveaxis(np.moveaxis(t, 1, -1), 0, -1).reshape(layer_shape) if dims else t


@pytest.mark.parametrize("seed", range(120))
def test_printed_keras_code_computes_the_figure(seed: int) -> None:
    spec = random_spec(seed)
    code = keras_code(spec)
    if code is None:
        return  # no exact Keras form: shape says why instead (tests/test_explain.py)
    x, w, b = _values(spec, seed)
    layer = eval(code, {"layers": keras.layers})
    cin = int(np.prod(x.shape)) // int(np.prod(spec.i))
    channels_last = np.moveaxis(x.reshape(cin, *spec.i), 0, -1)[None].astype("float32")
    layer.build(channels_last.shape)
    if getattr(layer, "kernel", None) is not None:
        shape = tuple(layer.kernel.shape)
        kernel = _keras_kernel(spec, code, w, shape)
        weights = [kernel] + ([np.asarray(b, "float32").reshape(-1)] if layer.bias is not None
                              else [])
        layer.set_weights(weights)
        assert sum(int(np.prod(v.shape)) for v in layer.weights) == _expected_params(spec)
    out = keras.ops.convert_to_numpy(layer(channels_last))[0]
    got = np.moveaxis(out, -1, 0).reshape(-1)
    expected = np.asarray(compute(spec, x, w, b), float).reshape(-1)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-3,
                               err_msg=f"{spec.label}\n{code}")


def test_the_random_specs_reach_every_mode_and_both_frameworks() -> None:
    specs = [random_spec(seed) for seed in range(120)]
    assert {s.mode for s in specs} == set(MODES)
    assert sum(keras_code(s) is not None for s in specs) >= 25
    assert sum(getattr(s, "bias", False) for s in specs) >= 10
    assert sum(len(pytorch_code(s).splitlines()) > 1 for s in specs) >= 10


KNOWN = [  # the cases a review found printed wrong
    {"mode": "maxunpool", "input_size": 6, "dims": 1, "kernel_size": 2},
    {"dims": 1, "input_size": 3, "kernel_size": 3, "padding": [[2, 0]], "in_channels": 3,
     "out_channels": 6, "groups": 3, "bias": True},
    {"mode": "transposed", "dims": 1, "input_size": 2, "kernel_size": 1, "stride": 2,
     "padding": [[1, 0]], "output_padding": 1, "bias": True},
    {"input_size": 5, "kernel_size": 3},
]


@pytest.mark.parametrize("entry", KNOWN)
def test_the_cases_once_printed_wrong_now_run(entry: dict) -> None:
    spec = Spec.from_dict(entry)
    x, w, b = _values(spec, 1)
    got, params = run_pytorch(spec, x, w, b)
    np.testing.assert_allclose(got, np.asarray(compute(spec, x, w, b)).reshape(-1))
    if spec.op.weighted:
        assert params == _expected_params(spec)
    code = keras_code(spec)
    if code is not None:  # Keras builds what it prints (DepthwiseConv1D refuses "causal")
        layer = eval(code, {"layers": keras.layers})
        cin = int(np.prod(x.shape)) // int(np.prod(spec.i))
        layer.build((1, *spec.i, cin))
