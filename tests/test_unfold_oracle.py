"""``mode: unfold`` (im2col) against ``torch.nn.functional.unfold`` on random specs (one or
two channels, stride, padding, dilation, non-square): accept/refuse, the patch matrix's shape
and values, every frame's column, the plan's links (from unfolding an image of input
indices) each once, and the printed ``nn.Unfold`` run on the input."""

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
    return {"mode": "unfold", "i": [int(v) for v in rng.integers(1, 7, 2)],
            "k": [int(v) for v in rng.integers(1, 4, 2)], "s": int(rng.integers(1, 4)),
            "p": int(rng.integers(0, 3)), "d": int(rng.integers(1, 3)),
            "in_channels": int(rng.choice([1, 1, 2]))}


CASES = [_kwargs(np.random.default_rng([2805, n])) for n in range(300)]


def _torch_links(kw: dict) -> set:
    c, (h, w) = kw["in_channels"], kw["i"]
    index = torch.arange(1, c * h * w + 1, dtype=torch.float64).reshape(1, c, h, w)
    cols = F.unfold(index, kw["k"], dilation=kw["d"], padding=kw["p"], stride=kw["s"])[0]
    links = set()
    for row, col in torch.nonzero(cols).tolist():
        src = np.unravel_index(int(cols[row, col]) - 1, (c, h, w))
        links.add(((row, col), tuple(int(v) for v in (src if c > 1 else src[1:]))))
    return links


@pytest.mark.parametrize("n", range(0, 300, 75))
def test_random_unfold_specs_match_pytorch(n: int) -> None:
    accepted = 0
    for kw in CASES[n: n + 75]:
        c = kw["in_channels"]
        x = np.random.default_rng(len(str(kw))).integers(-3, 6, (c, *kw["i"])).astype(float)
        try:
            want = F.unfold(torch.as_tensor(x)[None], kw["k"], dilation=kw["d"],
                            padding=kw["p"], stride=kw["s"])[0].numpy()
        except RuntimeError:
            want = None
        try:
            spec = Spec(**kw)
        except SpecError as err:
            assert want is None, f"{kw}: torch gives {want.shape}, convanim: {err}"
            continue
        assert want is not None, f"{kw}: convanim accepts, torch refuses"
        accepted += 1
        xs = x if c > 1 else x[0]
        got = compute(spec, xs)
        assert got.shape == want.shape == spec.output_shape
        np.testing.assert_array_equal(got, want)
        p = plan(spec, xs)
        written = np.full(want.shape, np.nan)
        for f in p.frames:
            if f.phase == "slide":
                written[f.cells[:, 0], f.cells[:, 1]] = f.sums
        np.testing.assert_array_equal(written, want)
        pairs = [(o, i) for f in p.frames for o, i, _ in f.links]
        assert not [pr for pr, k in Counter(pairs).items() if k > 1], "a link twice"
        assert set(pairs) == _torch_links(kw), kw
        layer = eval(explain_shape(spec).to_json()["pytorch"], {"nn": torch.nn})
        np.testing.assert_array_equal(layer(torch.as_tensor(x)[None])[0].numpy(), got)
    assert accepted >= 20


@pytest.mark.parametrize(("kwargs", "param"), [
    ({"i": 5, "k": 2, "mode": "unfold", "dims": 1}, "dims"),
    ({"i": 5, "k": 2, "mode": "unfold", "p": ((0, 1), (0, 1))}, "padding"),
    ({"i": 5, "k": 2, "mode": "unfold", "p": 1, "padding_mode": "reflect"}, "padding_mode"),
    ({"i": 2, "k": 4, "mode": "unfold"}, "kernel_size"),
])
def test_refusals_name_the_parameter(kwargs: dict, param: str) -> None:
    with pytest.raises(SpecError) as err:
        Spec(**kwargs)
    assert err.value.param == param
    assert "\n" not in str(err.value)


def test_conv_is_the_kernel_row_times_the_patch_matrix() -> None:
    x = np.arange(25.0).reshape(5, 5)
    w = np.array([[1.0, 0, 2], [0, 1, 0], [3, 0, 1]])
    cols = compute(Spec(i=5, k=3, s=2, p=1, mode="unfold"), x)
    conv = compute(Spec(i=5, k=3, s=2, p=1), x, w)
    np.testing.assert_array_equal((w.reshape(1, -1) @ cols).reshape(conv.shape), conv)
