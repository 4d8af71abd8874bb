"""``flip`` (true convolution) against PyTorch: ``conv1d``/``conv2d`` with the weight rotated
by 180 degrees (``torch.flip`` over the kernel axes) on random specs with channels, groups,
bias, stride, dilation and padding; values, frame values, links, and the printed layer loaded
as its comment says."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convanim import Spec
from convanim.explain import explain_shape
from convanim.geometry import SpecError, compute, plan
from tests.oracle import connectivity

torch.set_num_threads(1)


def _kwargs(rng: np.random.Generator) -> dict:
    dims = int(rng.integers(1, 3))
    groups = int(rng.choice([1, 1, 2]))
    return {"dims": dims, "i": int(rng.integers(2, 7)), "k": int(rng.integers(1, 4)),
            "s": int(rng.integers(1, 3)), "p": int(rng.integers(0, 2)),
            "d": int(rng.integers(1, 3)), "flip": True, "groups": groups,
            "in_channels": groups * int(rng.integers(1, 3)),
            "out_channels": groups * int(rng.integers(1, 3)), "bias": bool(rng.integers(2))}


CASES = [_kwargs(np.random.default_rng([280, n])) for n in range(200)]


@pytest.mark.parametrize("n", range(0, 200, 50))
def test_flip_is_conv_with_the_rotated_weight(n: int) -> None:
    done = 0
    for kw in CASES[n: n + 50]:
        try:
            spec = Spec(**kw)
        except SpecError:
            continue
        rng = np.random.default_rng(done)
        x = rng.integers(-3, 5, spec.op.input_shape(spec)).astype(float)
        w = rng.integers(-2, 4, spec.op.weight_shape(spec)).astype(float)
        b = rng.integers(0, 3, (kw["out_channels"],)).astype(float) if kw["bias"] else None
        stack = kw["in_channels"] > 1 or kw["out_channels"] > 1
        xt = torch.as_tensor(x if stack else x[None])[None]
        wt = torch.as_tensor(w if stack else w[None, None])
        rotated = torch.flip(wt, dims=tuple(range(2, 2 + kw["dims"])))
        conv = F.conv1d if kw["dims"] == 1 else F.conv2d
        bt = None if b is None else torch.as_tensor(b)
        want = conv(xt, rotated, bt, kw["s"], kw["p"], kw["d"], kw["groups"])[0].numpy()
        want = want if stack else want[0]
        got = compute(spec, x, w, b)
        np.testing.assert_array_equal(got, want)
        p = plan(spec, x, w) if b is None else None
        if p is not None:
            values = [f.value for f in p.frames if f.phase == "slide"]
            np.testing.assert_array_equal(np.reshape(values, want.shape), want)
            if not stack:
                links = {link for f in p.frames for link in f.links}
                assert links == connectivity(spec.replace(flip=False))
        layer = eval(explain_shape(spec).to_json()["pytorch"].split("  #")[0],
                     {"nn": torch.nn})
        layer = layer.double()
        with torch.no_grad():
            layer.weight.copy_(torch.as_tensor(w.reshape(layer.weight.shape)).flip(
                tuple(range(-kw["dims"], 0))))
            if layer.bias is not None:  # the one-map code keeps PyTorch's default bias
                layer.bias.copy_(torch.as_tensor(np.zeros(layer.bias.shape) if b is None
                                                 else b))
            out = layer(xt)[0].numpy()
        np.testing.assert_array_equal(out.reshape(got.shape), got)
        done += 1
    assert done >= 10


def test_flip_is_said_in_captions_title_and_code() -> None:
    spec = Spec(i=4, k=2, flip=True)
    p = plan(spec, np.arange(16.0).reshape(4, 4), [[1, 2], [3, 4]])
    assert p.w.tolist() == [[4, 3], [2, 1]]  # the panel shows the kernel that slides
    assert "rotated 180°" in p.frames[0].caption and "true convolution" in p.frames[1].caption
    report = explain_shape(spec).to_json()
    assert "flip" in report["label"] and "w.flip(-2, -1)" in report["pytorch"]
    assert "np.flip(kernel, axis=(0, 1))" in report["keras"]
    with pytest.raises(SpecError) as err:
        Spec(i=4, k=2, flip=True, mode="maxpool")
    assert err.value.param == "flip"
