"""The geometry engine against PyTorch, over thousands of random specs.

For every spec: the union of all frames' links equals PyTorch's connectivity with each link
exactly once, every frame's written value and ``compute`` equal PyTorch's output, and a spec is
accepted exactly when PyTorch accepts the same parameters.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convanim import Spec, SpecError, compute, plan
from convanim.geometry.compute import axes2
from tests.strategies import spec_kwargs

torch = pytest.importorskip("torch", reason="torch is the oracle: pip install torch==2.13.0")
oracle = pytest.importorskip("tests.oracle")

EXAMPLES = 4000


def _directly_comparable(kwargs: dict) -> bool:
    """PyTorch takes these parameters as they are: numeric padding, the same on both sides."""
    p = kwargs["p"]
    if isinstance(p, str):
        return False
    if kwargs["dims"] == 1 and isinstance(p, list):
        return False
    if isinstance(p, list) and any(isinstance(v, list) for v in p):
        return False
    return not (kwargs["mode"] in ("maxpool", "avgpool") and "padding_mode" in kwargs)


def _values(shape, rng):
    return rng.integers(-3, 5, size=shape).astype(float)


def _check_plan(spec: Spec, rng: np.random.Generator) -> None:
    x, w = _values(spec.i, rng), _values(spec.k, rng)
    expected = oracle.reference(spec, x, w)
    assert expected.shape == spec.output_shape
    np.testing.assert_array_equal(compute(spec, x, w), expected)
    p = plan(spec, x, w)
    links = [link for frame in p.frames for link in frame.links]
    counts = Counter(links)
    assert not [link for link, n in counts.items() if n > 1], "a link appears twice"
    assert set(links) == oracle.connectivity(spec)
    slides = [f for f in p.frames if f.phase == "slide"]
    if spec.mode == "transposed" and spec.view == "scatter":
        ax = axes2(spec)
        canvas = np.zeros(p.target.shape)
        for frame in slides:
            canvas[frame.cells[:, 0], frame.cells[:, 1]] = frame.sums
        (top, _), (left, _) = ax.p
        got = canvas[top: top + ax.o[0], left: left + ax.o[1]]
        np.testing.assert_array_equal(got.reshape(spec.output_shape), expected)
    else:
        got = np.array([f.value for f in slides]).reshape(spec.output_shape)
        np.testing.assert_array_equal(got, expected)
    phases = [f.phase for f in p.frames]
    assert phases[0] == "input" and phases[-1] == "output"


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(spec_kwargs(), st.integers(0, 2**32 - 1))
def test_random_specs_match_pytorch(kwargs: dict, seed: int) -> None:
    rng = np.random.default_rng(seed)
    try:
        spec = Spec(**kwargs)
    except SpecError:
        spec = None
    if _directly_comparable(kwargs):
        i = kwargs["i"] if isinstance(kwargs["i"], list) else [kwargs["i"]] * kwargs["dims"]
        k = kwargs["k"] if isinstance(kwargs["k"], list) else [kwargs["k"]] * kwargs["dims"]
        try:
            oracle.direct(kwargs, _values(i, rng), _values(k, rng))
            torch_ok = True
        except (RuntimeError, ValueError):
            torch_ok = False
        assert (spec is not None) == torch_ok, f"torch accepts={torch_ok}, convanim disagrees"
        if spec is not None:
            x, w = _values(spec.i, rng), _values(spec.k, rng)
            np.testing.assert_array_equal(compute(spec, x, w), oracle.direct(kwargs, x, w))
    if spec is not None:
        _check_plan(spec, rng)


@pytest.mark.parametrize("kwargs", [
    {"i": 5, "k": 3, "s": 2, "p": 1, "mode": "transposed", "view": "scatter"},
    {"i": (4, 6), "k": (3, 2), "s": (2, 1), "p": ((1, 0), (0, 1)), "d": (1, 2)},
    {"i": 7, "k": 3, "d": 2, "mode": "maxpool", "s": 1, "p": 1},
    {"i": 6, "k": 3, "s": 2, "p": 1, "output_padding": 1, "mode": "transposed"},
    {"i": 9, "k": 4, "s": 3, "p": 2, "padding_mode": "reflect", "dims": 1},
])
def test_hand_picked_specs(kwargs: dict) -> None:
    _check_plan(Spec(**kwargs), np.random.default_rng(0))
