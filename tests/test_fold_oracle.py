"""``mode: fold`` (col2im) against ``torch.nn.functional.fold`` on random specs (one or two
channels, stride, padding, dilation, non-square): accept/refuse, shapes, values, the running
sums of the last frame before the crop, the plan's links against folding one-hot matrices,
each link once, and the printed ``nn.Fold`` run on the input."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convanim import Spec
from convanim.explain import explain_shape
from convanim.geometry import SpecError, compute, plan

torch.set_num_threads(1)


def _kwargs(rng: np.random.Generator) -> dict:
    return {"mode": "fold", "i": [int(v) for v in rng.integers(1, 7, 2)],
            "k": [int(v) for v in rng.integers(1, 4, 2)], "s": int(rng.integers(1, 4)),
            "p": int(rng.integers(0, 3)), "d": int(rng.integers(1, 3)),
            "in_channels": int(rng.choice([1, 1, 2]))}


CASES = [_kwargs(np.random.default_rng([2806, n])) for n in range(300)]


def _blocks(kw: dict) -> int:
    n = 1
    for i, k in zip(kw["i"], kw["k"]):
        n *= max((i + 2 * kw["p"] - kw["d"] * (k - 1) - 1) // kw["s"] + 1, 1)
    return n


def _fold(kw: dict, x: torch.Tensor) -> torch.Tensor:
    return F.fold(x, tuple(kw["i"]), kw["k"], dilation=kw["d"], padding=kw["p"],
                  stride=kw["s"])


@pytest.mark.parametrize("n", range(0, 300, 75))
def test_random_fold_specs_match_pytorch(n: int) -> None:
    accepted = 0
    for kw in CASES[n: n + 75]:
        c = kw["in_channels"]
        rows, cols = c * kw["k"][0] * kw["k"][1], _blocks(kw)
        x = np.random.default_rng(len(str(kw))).integers(-3, 6, (rows, cols)).astype(float)
        try:
            want = _fold(kw, torch.as_tensor(x)[None])[0].numpy()
        except RuntimeError:
            want = None
        try:
            spec = Spec(**kw)
        except SpecError as err:
            assert want is None, f"{kw}: torch gives {want.shape}, convanim: {err}"
            continue
        assert want is not None, f"{kw}: convanim accepts, torch refuses"
        accepted += 1
        want = want if c > 1 else want[0]
        assert spec.op.input_shape(spec) == x.shape
        got = compute(spec, x)
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)
        p = plan(spec, x)
        slides = [f for f in p.frames if f.phase == "slide"]
        final = np.zeros(p.target.shape)
        for f in slides:
            final[f.cells[:, 0], f.cells[:, 1]] = f.sums
        inside = final[p.target.kinds == 0]
        np.testing.assert_array_equal(inside, want.ravel())
        pairs = [(o, i) for f in slides for o, i, _ in f.links]
        assert not [pr for pr, k in Counter(pairs).items() if k > 1], "a link twice"
        basis = torch.eye(rows * cols, dtype=torch.float64).reshape(-1, rows, cols)
        out = _fold(kw, basis)
        support = set()
        for idx in torch.nonzero(out).tolist():
            src = tuple(int(v) for v in np.unravel_index(idx[0], (rows, cols)))
            support.add((tuple(idx[1:]) if c > 1 else tuple(idx[2:]), src))
        assert set(pairs) == support, kw
        layer = eval(explain_shape(spec).to_json()["pytorch"], {"nn": torch.nn})
        np.testing.assert_array_equal(layer(torch.as_tensor(x)[None])[0].numpy().reshape(
            got.shape), got)
    assert accepted >= 20


def test_fold_of_unfold_counts_each_cell_s_windows() -> None:
    x = np.arange(1.0, 17.0).reshape(4, 4)
    cols = compute(Spec(i=4, k=2, mode="unfold"), x)
    back = compute(Spec(i=4, k=2, mode="fold"), cols)
    counts = compute(Spec(i=4, k=2, mode="fold"), np.ones_like(cols))
    np.testing.assert_array_equal(back, x * counts)
    assert counts.tolist()[0] == [1, 2, 2, 1]


def test_shape_reports_the_patch_matrix_as_input() -> None:
    report = explain_shape(Spec(i=4, k=2, p=1, mode="fold")).to_json()
    assert report["input_shape"] == [4, 25] and report["output_shape"] == [4, 4]
