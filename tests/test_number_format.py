"""One number format per figure: an output that copies input values (max pooling,
max-unpooling, nearest upsampling) writes them as the input grid does ("3" beside "3", not
"3.00"); an output of new values (an average) writes them all with the same decimals. The
values come from PyTorch, not from our plan."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convanim.draw.legible import cell_fmt
from convanim.draw.scene import Scene
from convanim.geometry import Spec, plan


def _x(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 20, (4, 4)) / 4.0  # quarters: 1.25, 3


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("mode", ["maxpool", "maxunpool"])
def test_copied_values_are_written_as_the_input_shows_them(seed, mode):
    x = _x(seed)
    t = torch.as_tensor(x)[None, None]
    pooled, index = F.max_pool2d(t, 2, return_indices=True)
    y = pooled if mode == "maxpool" else F.max_unpool2d(pooled, index, 2)
    scene = Scene(plan(Spec(i=4, k=2, mode=mode), x=x.tolist()))
    for v in y.ravel().tolist():
        assert scene.target_fmt(v) == cell_fmt(v)


def test_new_values_share_their_decimals():
    x = np.array([[1.0, 2, 0, 4], [3, 5, 1, 1], [0, 0, 2, 2], [1, 7, 3, 3]])
    y = F.avg_pool2d(torch.as_tensor(x)[None, None], 3, 1)[0, 0].numpy()
    scene = Scene(plan(Spec(i=4, k=3, mode="avgpool"), x=x.tolist()))
    texts = [scene.target_fmt(v) for v in y.ravel().tolist()]
    assert {len(t.split(".")[1]) for t in texts} == {2}, texts


@pytest.mark.parametrize("seed", range(3))
def test_a_value_that_is_not_zero_is_never_written_as_zero(seed):
    from convanim.draw.formula import fmt

    rng = np.random.default_rng(seed)
    x = rng.choice([0.0, 0.001, -0.0004, 2.5, 1.0], (4, 4))
    w = rng.choice([0.0, 0.002, 1.0, -3.0], (2, 2))
    y = F.conv2d(torch.as_tensor(x)[None, None], torch.as_tensor(w)[None, None])[0, 0]
    scene = Scene(plan(Spec(i=4, k=2), x=x.tolist(), w=w.tolist()))
    for v in [*x.ravel().tolist(), *w.ravel().tolist()]:
        assert (cell_fmt(v) in ("0", "-0")) == (v == 0), v
        assert (fmt(v) == "0") == (v == 0), v
    for v in y.ravel().tolist():
        assert (float(scene.target_fmt(v)) == 0) == (v == 0), v
