"""Pooling's ``ceil_mode``, ``count_include_pad`` and ``divisor_override`` against PyTorch.

Random specs (max and average pooling, 1-D and 2-D, one or two channels, dilation for max,
divisors of either sign and zero) from a seeded generator: convanim accepts exactly what
``F.max_pool*d``/``F.avg_pool*d`` accept; shapes, values, every frame's written value, the
plan's links (each once, exactly PyTorch's windows) and the printed ``nn`` layer agree.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch

from convanim import Spec
from convanim.explain import explain_shape
from convanim.geometry import SpecError, compute, plan
from tests.oracle import pool_options_connectivity, pool_options_direct

torch.set_num_threads(1)


def _kwargs(rng: np.random.Generator) -> dict:
    mode = ("maxpool", "avgpool")[rng.integers(2)]
    dims = int(rng.integers(1, 3))
    kw: dict = {"mode": mode, "dims": dims, "k": int(rng.integers(1, 5)),
                "s": int(rng.integers(1, 5)), "p": int(rng.integers(0, 3)),
                "ceil_mode": bool(rng.integers(4) > 0),
                "i": [int(v) for v in rng.integers(1, 8, dims)]}
    if mode == "maxpool":
        kw["d"] = int(rng.integers(1, 3))
    else:
        kw["count_include_pad"] = bool(rng.integers(2))
        if rng.integers(3) == 0:
            kw["divisor_override"] = int(rng.integers(-2, 7))
    if rng.integers(4) == 0:
        kw["in_channels"] = 2
    return kw


def _spec(kw: dict) -> Spec:
    args = {k: v for k, v in kw.items() if k != "i"}
    return Spec(i=kw["i"] if kw["dims"] == 2 else kw["i"][0], **args)


CASES = [_kwargs(np.random.default_rng([28, n])) for n in range(400)]


def test_the_random_specs_cover_every_case() -> None:
    assert {c["mode"] for c in CASES} == {"maxpool", "avgpool"}
    assert any("divisor_override" in c and c["dims"] == 1 for c in CASES)
    assert any(c.get("divisor_override") == 0 for c in CASES)


@pytest.mark.parametrize("n", range(0, 400, 50))
def test_random_specs_match_pytorch(n: int) -> None:
    accepted = 0
    for kw in CASES[n: n + 50]:
        channels = kw.get("in_channels", 1)
        x = np.random.default_rng(len(str(kw))).integers(-4, 9, (channels, *kw["i"])).astype(
            float)
        try:
            expected = pool_options_direct(kw, x)
        except (RuntimeError, ValueError, TypeError):
            expected = None
        try:
            spec = _spec(kw)
        except SpecError as err:
            assert expected is None, f"{kw}: torch gives {expected.shape}, convanim: {err}"
            assert "\n" not in str(err)
            continue
        assert expected is not None, f"{kw}: convanim accepts, torch refuses"
        accepted += 1
        xs = x if channels > 1 else x[0]
        got = compute(spec, xs)
        assert got.shape == (expected.shape if channels > 1 else expected.shape[1:]), kw
        np.testing.assert_allclose(got, expected if channels > 1 else expected[0],
                                   rtol=1e-12, atol=1e-12)
        p = plan(spec, xs)
        slides = [f for f in p.frames if f.phase == "slide"]
        written = np.array([f.value for f in slides])
        np.testing.assert_allclose(written, expected.ravel(), rtol=1e-12, atol=1e-12)
        pairs = [(out, src) for f in slides for out, src, _ in f.links]
        assert not [pr for pr, c in Counter(pairs).items() if c > 1], "a link twice"
        want = pool_options_connectivity(kw, tuple(kw["i"]))
        if channels > 1:
            want = {((c, *o), (c, *i)) for o, i in want for c in range(channels)}
        assert set(pairs) == want, kw
        report = explain_shape(spec).to_json()
        layer = eval(report["pytorch"], {"nn": torch.nn, "float": float})
        out = layer(torch.as_tensor(x)[None])[0].numpy()
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    assert accepted >= 10


def test_the_last_window_never_starts_in_the_right_padding() -> None:
    # PyTorch's rule: ceil((4 + 2 - 2) / 2) + 1 = 3 windows, but the third starts at the
    # right padding cell, so 2 - as torch says.
    spec = Spec(i=4, k=2, s=2, p=1, mode="maxpool", ceil_mode=True, dims=1)
    assert spec.output_shape == (3,)
    spec = Spec(i=3, k=2, s=2, p=1, mode="maxpool", ceil_mode=True, dims=1)
    assert spec.output_shape == (2,)
    assert "- 1" in spec.op.axis_arithmetic(spec, 0).numbers


def test_a_partial_window_is_drawn_as_such_and_the_divisor_is_in_the_sum() -> None:
    spec = Spec(i=5, k=2, s=2, mode="avgpool", ceil_mode=True, dims=1)
    p = plan(spec, [1, 2, 3, 4, 6])
    last = [f for f in p.frames if f.phase == "slide"][-1]
    assert len(last.window) == 1 and "1 of 2 cells" in last.caption
    assert last.formula == ("(", " + ", ") / 1") and last.value == 6
    spec = Spec(i=4, k=3, s=2, p=1, mode="avgpool", count_include_pad=False)
    first = next(f for f in plan(spec).frames if f.phase == "slide")
    assert first.formula == ("(", " + ", ") / 4") and "padding not counted" in first.caption


@pytest.mark.parametrize(("kwargs", "param"), [
    ({"i": 5, "k": 2, "mode": "avgpool", "divisor_override": 2, "dims": 1}, "divisor_override"),
    ({"i": 5, "k": 2, "mode": "avgpool", "divisor_override": 0}, "divisor_override"),
    ({"i": 5, "k": 3, "mode": "maxpool", "ceil_mode": True, "p": (0, 1), "dims": 1}, "padding"),
    ({"i": 5, "k": 3, "mode": "maxpool", "ceil_mode": True, "p": 1,
      "padding_mode": "reflect"}, "padding_mode"),
    ({"i": 5, "k": 3, "mode": "conv", "ceil_mode": True}, "ceil_mode"),
    ({"i": 5, "k": 3, "mode": "maxpool", "count_include_pad": False}, "count_include_pad"),
])
def test_refusals_name_the_parameter(kwargs: dict, param: str) -> None:
    with pytest.raises(SpecError) as err:
        Spec(**kwargs)
    assert err.value.param == param
    assert "\n" not in str(err.value)


def test_solve_finds_ceil_mode_layers_and_their_code_gives_the_size() -> None:
    from convanim.explain import Bounds, solve

    found = solve(5, 3, "avgpool", Bounds(kernel=2))
    ceil = [s for s in found if s.params.get("ceil_mode")]
    assert ceil and found[0].params.get("ceil_mode") is None  # floor settings rank first
    for solution in found:
        layer = eval(solution.to_json(1)["pytorch"], {"nn": torch.nn})
        assert layer(torch.zeros(1, 1, 5)).shape[-1] == 3
