"""Seeded values are numpy.random's default_rng numbers: the independent reference here."""

from __future__ import annotations

import numpy as np
import pytest

from convanim import Spec
from convanim.geometry import make_values
from convanim.geometry.compute import make_bias


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
