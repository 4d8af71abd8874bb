"""Adaptive pooling against ``F.adaptive_avg_pool*d``/``F.adaptive_max_pool*d``.

Random specs (1-D and 2-D, output larger or smaller than the input, one to three channels):
accept/refuse, shapes, values, every frame's written value, each frame's window exactly the
cells PyTorch reads for that output (the Jacobian of the average, row by row), the printed
``nn`` layer run on the input, and Keras 3's layer (torch backend) on the same numbers.
"""

from __future__ import annotations

import os
from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convanim import Spec
from convanim.explain import explain_shape
from convanim.geometry import SpecError, compute, plan

torch.set_num_threads(1)

FUNCS = {("adaptive_avgpool", 1): F.adaptive_avg_pool1d, ("adaptive_avgpool", 2):
         F.adaptive_avg_pool2d, ("adaptive_maxpool", 1): F.adaptive_max_pool1d,
         ("adaptive_maxpool", 2): F.adaptive_max_pool2d}


def _kwargs(rng: np.random.Generator) -> dict:
    dims = int(rng.integers(1, 3))
    return {"mode": ("adaptive_avgpool", "adaptive_maxpool")[rng.integers(2)], "dims": dims,
            "i": [int(v) for v in rng.integers(1, 9, dims)],
            "output_size": [int(v) for v in rng.integers(-1, 10, dims)],
            "in_channels": int(rng.choice([1, 1, 2, 3]))}


CASES = [_kwargs(np.random.default_rng([2028, n])) for n in range(300)]


def _spec(kw: dict) -> Spec:
    return Spec(**kw)


def _links(kw: dict, shape: tuple[int, ...]) -> set:
    """(output, input) pairs: the support of the average's Jacobian (max pooling reads the
    same windows; its own Jacobian shows only the winners)."""
    def run(t: torch.Tensor) -> torch.Tensor:
        return FUNCS["adaptive_avgpool", kw["dims"]](t[None], tuple(kw["output_size"]))[0]

    jac = torch.autograd.functional.jacobian(run, torch.ones(shape, dtype=torch.float64))
    n = len(shape)
    return {(tuple(i[:n]), tuple(i[n:])) for i in torch.nonzero(jac).tolist()}


@pytest.mark.parametrize("n", range(0, 300, 60))
def test_random_specs_match_pytorch(n: int) -> None:
    accepted = 0
    for kw in CASES[n: n + 60]:
        shape = (kw["in_channels"], *kw["i"])
        x = np.random.default_rng(len(str(kw))).integers(-4, 9, shape).astype(float)
        try:
            expected = FUNCS[kw["mode"], kw["dims"]](torch.as_tensor(x)[None],
                                                     tuple(kw["output_size"]))[0].numpy()
            # An empty output is PyTorch's answer to output_size 0: nothing to draw, so
            # convanim refuses it (with a message saying so).
            ok = expected.size > 0
        except (RuntimeError, ValueError):
            ok = False
        try:
            spec = _spec(kw)
        except SpecError as err:
            assert not ok, f"{kw}: torch accepts, convanim: {err}"
            assert "\n" not in str(err)
            continue
        assert ok, f"{kw}: convanim accepts, torch refuses"
        accepted += 1
        xs = x if kw["in_channels"] > 1 else x[0]
        want = expected if kw["in_channels"] > 1 else expected[0]
        got = compute(spec, xs)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        p = plan(spec, xs)
        slides = [f for f in p.frames if f.phase == "slide"]
        np.testing.assert_allclose([f.value for f in slides], want.ravel(), rtol=1e-12)
        pairs = [(o, i) for f in slides for o, i, _ in f.links]
        assert not [pr for pr, c in Counter(pairs).items() if c > 1], "a link twice"
        support = _links(kw, shape)
        if kw["in_channels"] == 1:
            support = {(o[1:], i[1:]) for o, i in support}
        assert set(pairs) == support, kw
        layer = eval(explain_shape(spec).to_json()["pytorch"], {"nn": torch.nn})
        np.testing.assert_allclose(layer(torch.as_tensor(x)[None])[0].numpy(), expected,
                                   rtol=1e-12)
    assert accepted >= 20


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # keras' torch backend on numpy 2
def test_keras_layer_is_the_same_pooling() -> None:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="Keras 3 checks the printed Keras layer")
    for kw in CASES[:20]:
        try:
            spec = _spec(kw)
        except SpecError:
            continue
        shape = (kw["in_channels"], *kw["i"])
        x = np.random.default_rng(5).random(shape)
        report = explain_shape(spec).to_json()
        layer = eval(report["keras"], {"layers": keras.layers})
        channels_last = np.moveaxis(x, 0, -1)[None].astype("float32")
        got = np.moveaxis(np.asarray(keras.ops.convert_to_numpy(layer(channels_last)))[0],
                          -1, 0)
        np.testing.assert_allclose(got, compute(spec, x if kw["in_channels"] > 1 else x[0])
                                   .reshape(got.shape), rtol=1e-5, atol=1e-6)


def test_windows_overlap_and_differ_in_size() -> None:
    spec = Spec(i=5, mode="adaptive_avgpool", output_size=3, dims=1)
    windows = [f.window[:, 1].tolist() for f in plan(spec).frames if f.phase == "slide"]
    assert windows == [[0, 1], [1, 2, 3], [3, 4]]
    assert "floor(1·5/3) = 1 to ceil(2·5/3) = 4" in plan(spec).frames[2].caption
