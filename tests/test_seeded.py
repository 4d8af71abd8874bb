"""The pure-Python seeded integers are numpy.random's own numbers (issue 16: start-up without
importing numpy.random must not change a single value of the gallery or the worked examples).
numpy's Generator is the independent reference here."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim import Spec
from convanim.geometry import make_values, seeded
from convanim.geometry.compute import make_bias

seeds = st.one_of(st.integers(0, 2**63 - 1), st.integers(0, 9),
                  st.lists(st.integers(0, 2**63 - 1), min_size=1, max_size=3))
draws = st.lists(st.tuples(st.integers(0, 9), st.sampled_from([1, 2, 3, 5, 7, 100, 2**31]),
                           st.lists(st.integers(0, 5), max_size=3).map(tuple)),
                 min_size=1, max_size=3).map(lambda ds: [(lo, lo + n, s) for lo, n, s in ds])


@settings(max_examples=60, deadline=None)
@given(seeds, draws)
def test_integers_equal_numpys_generator(seed, wanted) -> None:
    rng = np.random.default_rng(seed)
    for got, (low, high, shape) in zip(seeded.integers(seed, wanted), wanted, strict=True):
        expected = rng.integers(low, high, size=shape)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        assert got.tolist() == expected.tolist()


@pytest.mark.parametrize("seed", [0, 1, 2**32, 2**63 - 1, [7, 1]])
def test_raw_pcg64_outputs_equal_numpys(seed) -> None:
    ours = seeded._PCG64(seed)
    assert [ours.next64() for _ in range(20)] == \
        np.random.PCG64(seed).random_raw(20).tolist()


def test_large_draws_take_numpys_path_with_the_same_numbers(monkeypatch) -> None:
    wanted = [(0, 5, (40, 40)), (1, 4, (3, 3))]
    fast = seeded.integers(3, wanted)
    monkeypatch.setattr(seeded, "PYTHON_LIMIT", 0)
    assert [a.tolist() for a in seeded.integers(3, wanted)] == [a.tolist() for a in fast]


@pytest.mark.parametrize("spec", [Spec(i=3, k=3, s=2, p=1, mode="transposed"),
                                  Spec(i=5, k=3, in_channels=2, out_channels=3, bias=True)])
def test_make_values_and_bias_are_default_rngs(spec: Spec) -> None:
    x, w = make_values(spec, seed=11)
    rng = np.random.default_rng(11)
    assert x.tolist() == rng.integers(0, 5, size=x.shape).astype(float).tolist()
    assert w.tolist() == rng.integers(1, 4, size=w.shape).astype(float).tolist()
    bias = make_bias(spec, seed=11)
    if bias is not None:
        assert bias.tolist() == np.random.default_rng([11, 1]).integers(
            0, 3, size=bias.shape).astype(float).tolist()
