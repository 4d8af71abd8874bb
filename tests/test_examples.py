"""Example values that teach: seeded draws with no all-zero rows and varied maxima, for any
generator (the rule only picks among draws)."""

from __future__ import annotations

import numpy as np
import pytest

from convanim.geometry import Spec, make_values, plan
from convanim.geometry.examples import choose, degenerate


def _zero_rows(a: np.ndarray) -> bool:
    maps = a.reshape(-1, *a.shape[-2:]) if a.ndim > 1 else a.reshape(1, 1, -1)
    return bool((maps == 0).all(axis=2).any() or (maps.shape[1] > 1
                                                  and (maps == 0).all(axis=1).any()))


SPECS = [Spec(i=3, k=3, s=2, p=1, mode="transposed"), Spec(i=5, k=3, s=2, p=1),
         Spec(i=4, k=3), Spec(i=5, k=3, s=1, mode="maxpool"),
         Spec(i=6, k=2, mode="maxpool"), Spec(i=4, k=2, mode="maxunpool"),
         Spec(i=5, k=3, mode="avgpool", s=1), Spec(i=3, mode="upsample")]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_default_examples_have_no_zero_rows_and_varied_maxima(spec: Spec, seed: int) -> None:
    p = plan(spec, seed=seed)
    assert not _zero_rows(p.x)
    if spec.mode != "maxunpool":
        assert not _zero_rows(np.asarray(p.y))
    if spec.mode == "maxpool":
        assert len(set(np.ravel(p.y).tolist())) >= min(3, p.y.size)
        assert p.x.max() > 4  # the wider range for max modes: maxima can differ


def test_every_max_pool_output_is_not_the_same_for_the_default_seed() -> None:
    y = plan(Spec(i=5, k=3, s=1, mode="maxpool")).y
    assert len(set(np.ravel(y).tolist())) >= 3


def test_the_rule_works_with_any_generator() -> None:
    # A generator that returns zeros for its first three seeds: the rule moves past them.
    rng_calls = []

    def draw(entropy: object) -> tuple[np.ndarray, np.ndarray]:
        rng_calls.append(entropy)
        if len(rng_calls) <= 3:
            return np.zeros((4, 4)), np.ones((3, 3))
        gen = np.random.default_rng(abs(hash(str(entropy))) % 2**32)
        return gen.integers(1, 5, (4, 4)).astype(float), np.ones((3, 3))

    from convanim.geometry.compute import compute

    x, _ = choose(Spec(i=4, k=3), draw, 7, compute)
    assert not _zero_rows(x) and len(rng_calls) == 4
    assert rng_calls[:2] == [7, [7, 2, 1]]


def test_given_values_are_never_replaced() -> None:
    x = np.zeros((3, 3))
    got, w = make_values(Spec(i=3, k=2), x=x, w=[[1, 2], [3, 4]])
    assert (got == 0).all() and w.tolist() == [[1, 2], [3, 4]]
    assert degenerate(Spec(i=3, k=2), x, w)
