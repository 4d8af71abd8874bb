"""Channels, filters and groups against PyTorch: shapes, accept/refuse, values, bias, links.

Random specs (conv, transposed, max and average pooling; 1-D and 2-D; groups, depthwise,
bias) are drawn from a seeded generator; torch's layers and functionals are the oracle.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convanim import Spec
from convanim.geometry import SpecError, compute, plan
from convanim.geometry.ops.channels import stacked

torch.set_num_threads(1)  # tiny tensors: threads only add overhead on a shared machine

MODES = ("conv", "transposed", "maxpool", "avgpool")


def _kwargs(rng: np.random.Generator) -> dict:
    mode = MODES[rng.integers(4)]
    dims = int(rng.integers(1, 3))
    kw: dict = {"mode": mode, "dims": dims, "i": int(rng.integers(1, 7)),
                "k": int(rng.integers(1, 4)), "s": int(rng.integers(1, 3)),
                "p": int(rng.integers(0, 3)), "d": 1 if mode == "avgpool" else int(
                    rng.integers(1, 3)),
                "in_channels": int(rng.integers(1, 5))}
    if mode in ("conv", "transposed"):
        kw["out_channels"] = int(rng.integers(1, 5))
        kw["groups"] = int(rng.choice([1, 1, 2, 3, 4]))
        kw["bias"] = bool(rng.integers(2))
        if mode == "transposed":
            kw["output_padding"] = int(rng.integers(0, 2))
    return kw


def _torch(kw: dict, x: np.ndarray, w: np.ndarray | None, b: np.ndarray | None) -> np.ndarray:
    """PyTorch's output for the raw parameters; raises whatever torch raises."""
    dims, mode = kw["dims"], kw["mode"]
    xt = torch.as_tensor(x)[None]
    k, s, p, d = kw["k"], kw["s"], kw["p"], kw["d"]
    if mode in ("conv", "transposed"):
        fn = {("conv", 1): F.conv1d, ("conv", 2): F.conv2d, ("transposed", 1):
              F.conv_transpose1d, ("transposed", 2): F.conv_transpose2d}[mode, dims]
        extra = {"output_padding": kw["output_padding"]} if mode == "transposed" else {}
        bt = None if b is None else torch.as_tensor(b)
        if mode == "transposed":
            return fn(xt, torch.as_tensor(w), bt, s, p, groups=kw["groups"], dilation=d,
                      **extra)[0].numpy()
        return fn(xt, torch.as_tensor(w), bt, s, p, d, kw["groups"])[0].numpy()
    pool = {("maxpool", 1): F.max_pool1d, ("maxpool", 2): F.max_pool2d}.get((mode, dims))
    if pool is not None:
        return pool(xt, k, s, p, d)[0].numpy()
    avg = F.avg_pool1d if dims == 1 else F.avg_pool2d
    return avg(xt, k, s, p)[0].numpy()


def _shapes(kw: dict) -> tuple[tuple, tuple | None]:
    dims, cin = kw["dims"], kw["in_channels"]
    i, k = (kw["i"],) * dims, (kw["k"],) * dims
    if kw["mode"] == "conv":
        return (cin, *i), (kw["out_channels"], cin // kw["groups"], *k)
    if kw["mode"] == "transposed":
        return (cin, *i), (cin, kw["out_channels"] // kw["groups"], *k)
    return (cin, *i), None


def _case(rng: np.random.Generator):
    kw = _kwargs(rng)
    xs, ws = _shapes(kw)
    x = rng.integers(-4, 5, size=xs).astype(float)
    w = None if ws is None or ws[1] == 0 else rng.integers(-3, 4, size=ws).astype(float)
    b = rng.integers(-2, 3, size=kw["out_channels"]).astype(float) if kw.get("bias") else None
    try:
        expected = _torch(kw, x, w, b) if ws is None or w is not None else None
    except (RuntimeError, ValueError):
        expected = None
    if ws is not None and (kw["in_channels"] % kw["groups"] or kw["out_channels"] % kw["groups"]):
        # nn.Conv's constructor is PyTorch's word on the channel rule (no weight can be made).
        layer = torch.nn.Conv2d if kw["mode"] == "conv" else torch.nn.ConvTranspose2d
        with pytest.raises(ValueError, match="divisible by groups"):
            layer(kw["in_channels"], kw["out_channels"], 1, groups=kw["groups"])
        expected = None
    try:
        spec = Spec(**kw)
    except SpecError:
        spec = None
    return kw, x, w, b, expected, spec


def _as_user(spec: Spec, x: np.ndarray) -> np.ndarray:
    """A single-map spec takes x without the channel axis."""
    return x if stacked(spec) else x[0]


def test_random_channel_specs_shapes_refusals_and_values() -> None:
    rng = np.random.default_rng(11)
    accepted = 0
    for _ in range(3000):
        kw, x, w, b, expected, spec = _case(rng)
        assert (spec is not None) == (expected is not None), kw
        if spec is None:
            continue
        accepted += 1
        assert spec.output_shape == expected.shape[1:], kw
        ww = None if w is None else (w if stacked(spec) else w[0, 0])
        y = compute(spec, _as_user(spec, x), ww, b)
        got = y if stacked(spec) else y[None]
        np.testing.assert_allclose(got, expected, atol=1e-9, err_msg=str(kw))
    assert accepted > 1000


def _links_torch(kw: dict) -> set:
    """Every (out, in, tap) PyTorch's layer connects: one-hot inputs times one-hot weights."""
    xs, ws = _shapes(kw)
    n_in = int(np.prod(xs))
    eye = np.eye(n_in).reshape(n_in, *xs)
    found = set()
    dims = kw["dims"]
    if ws is None:  # pooling: the window of a depthwise conv with a one-hot kernel, same channel
        cin = kw["in_channels"]
        ws = (cin, 1, *(kw["k"],) * dims)
        xt = torch.as_tensor(eye)
        fn = (F.conv1d, F.conv2d)[dims - 1]
        for t in np.ndindex(*ws[2:]):
            w = np.zeros(ws)
            w[(slice(None), 0, *t)] = 1
            ys = fn(xt, torch.as_tensor(w), None, kw["s"], kw["p"], kw["d"], cin).numpy()
            for n, *out in zip(*np.nonzero(ys)):
                found.add((tuple(int(v) for v in out),
                           tuple(int(v) for v in np.unravel_index(n, xs)), tuple(map(int, t))))
        return found
    xt = torch.as_tensor(eye)
    for tap in np.ndindex(*ws):
        w = np.zeros(ws)
        w[tap] = 1
        cls = {"conv": (F.conv1d, F.conv2d), "transposed": (F.conv_transpose1d,
                                                             F.conv_transpose2d)}[kw["mode"]]
        fn = cls[dims - 1]
        extra = {"output_padding": kw["output_padding"]} if kw["mode"] == "transposed" else {}
        ys = fn(xt, torch.as_tensor(w), None, kw["s"], kw["p"], dilation=kw["d"],
                groups=kw["groups"], **extra).numpy()
        for n, *out in zip(*np.nonzero(ys)):
            found.add((tuple(int(v) for v in out),
                       tuple(int(v) for v in np.unravel_index(n, xs)), tuple(map(int, tap))))
    return found


def test_random_channel_specs_links_and_frames_match_pytorch() -> None:
    rng = np.random.default_rng(12)
    checked = 0
    while checked < 400:
        kw, x, w, _, expected, spec = _case(rng)
        if spec is None or not stacked(spec) or np.prod(x.shape) > 60:
            continue
        checked += 1
        p = plan(spec, x, w, seed=checked)
        expected = _torch(kw, x, w, p.b)
        links = [link for f in p.frames for link in f.links]
        assert len(links) == len(set(links)), kw
        assert set(links) == _links_torch(kw), kw
        width = p.stack[4]
        for f in p.frames:
            if f.phase == "slide":
                r, c = f.cells[0]
                pos = (c % width,) if spec.dims == 1 else (r, c % width)
                assert f.value == pytest.approx(expected[(c // width, *pos)]), kw


@pytest.mark.parametrize("mode", ["conv", "transposed"])
def test_bias_values_in_frames(mode: str) -> None:
    spec = Spec(i=4, k=3, p=1, mode=mode, in_channels=2, out_channels=2, bias=True)
    p = plan(spec, seed=3)
    kw = {"mode": mode, "dims": 2, "i": 4, "k": 3, "s": 1, "p": 1, "d": 1, "in_channels": 2,
          "out_channels": 2, "groups": 1, "bias": True, "output_padding": 0}
    expected = _torch(kw, p.x, p.w, p.b)
    np.testing.assert_allclose(p.y, expected)
    width = p.stack[4]
    values = {(int(f.cells[0][1]) // width, int(f.cells[0][0]), int(f.cells[0][1]) % width):
              f.value for f in p.frames if f.phase == "slide"}
    assert values == {idx: pytest.approx(v) for idx, v in np.ndenumerate(expected)}


def test_depthwise_and_depth_multiplier_aliases() -> None:
    assert Spec(i=5, k=3, in_channels=3, groups="depthwise").groups == 3
    assert Spec(i=5, k=3, in_channels=3, groups="depthwise").out_channels == 3
    spec = Spec(i=5, k=3, in_channels=3, depth_multiplier=2)
    assert (spec.out_channels, spec.groups) == (6, 3)
    assert spec.op.weight_shape(spec) == tuple(torch.nn.Conv2d(3, 6, 3, groups=3).weight.shape)


def test_refusals_name_the_rule() -> None:
    with pytest.raises(SpecError, match=r"^in_channels=3 is not divisible by groups=2"):
        Spec(i=5, k=3, in_channels=3, out_channels=2, groups=2)
    with pytest.raises(SpecError, match="only applies to mode"):
        Spec(i=4, k=2, mode="maxpool", out_channels=2)


@pytest.mark.parametrize("kwargs", [
    {"i": 5, "k": 3, "p": 1, "s": 2, "in_channels": 3, "out_channels": 2, "bias": True},
    {"i": 5, "k": 3, "in_channels": 3, "groups": "depthwise"},
    {"i": 5, "k": 1, "in_channels": 3, "out_channels": 2},
    {"i": 5, "k": 3, "in_channels": 4, "out_channels": 4, "groups": 2},
    {"i": 3, "k": 3, "s": 2, "mode": "transposed", "in_channels": 2, "out_channels": 2},
    {"i": 7, "k": 3, "dims": 1, "in_channels": 4, "out_channels": 2, "groups": 2, "bias": True},
])
def test_shape_code_runs_in_pytorch_with_the_same_weights_and_numbers(kwargs: dict) -> None:
    from convanim.explain import explain_shape

    spec = Spec(**kwargs)
    report = explain_shape(spec).to_json()
    layer = eval(report["pytorch"], {"nn": torch.nn})
    assert list(layer.weight.shape) == report["layer"]["weight"]
    assert sum(p.numel() for p in layer.parameters()) == report["layer"]["parameters"]
    p = plan(spec, seed=5)
    with torch.no_grad():
        layer.weight.copy_(torch.as_tensor(p.w))
        if p.b is not None:
            layer.bias.copy_(torch.as_tensor(p.b))
        y = layer.double()(torch.as_tensor(p.x)[None])[0].numpy()
    np.testing.assert_allclose(y, p.y)
    assert list(y.shape) == report["layer"]["output"]


@pytest.mark.parametrize("kwargs", [
    {"i": 3, "k": 2, "in_channels": 2, "out_channels": 2},
    {"i": 4, "k": 3, "in_channels": 3, "groups": "depthwise", "p": 1},
    {"i": 3, "k": 2, "s": 2, "mode": "transposed", "in_channels": 2, "out_channels": 4,
     "groups": 2},
    {"i": 6, "k": 3, "dims": 1, "in_channels": 2, "out_channels": 3},
])
def test_channel_matrix_is_pytorchs_jacobian(kwargs: dict) -> None:
    from convanim.explain import conv_matrix

    spec = Spec(view="matrix", **kwargs)
    p = plan(spec, seed=2)
    matrix = conv_matrix(spec, p.w, seed=2)
    kw = {"mode": "conv", "dims": 2, "s": 1, "p": 0, "d": 1, "groups": 1,
          "output_padding": 0, **kwargs}
    kw["groups"] = spec.groups
    kw["out_channels"] = spec.out_channels
    jac = torch.autograd.functional.jacobian(
        lambda t: torch.as_tensor(_torch_t(kw, t, p.w)), torch.as_tensor(p.x))
    np.testing.assert_allclose(matrix, jac.reshape(p.y.size, p.x.size).numpy())


def _torch_t(kw: dict, xt: torch.Tensor, w: np.ndarray) -> torch.Tensor:
    fn = {("conv", 1): F.conv1d, ("conv", 2): F.conv2d, ("transposed", 1): F.conv_transpose1d,
          ("transposed", 2): F.conv_transpose2d}[kw["mode"], kw["dims"]]
    if kw["mode"] == "transposed":
        return fn(xt[None], torch.as_tensor(w), None, kw["s"], kw["p"], groups=kw["groups"])[0]
    return fn(xt[None], torch.as_tensor(w), None, kw["s"], kw["p"], kw["d"], kw["groups"])[0]
