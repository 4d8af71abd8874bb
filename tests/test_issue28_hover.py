"""The HTML player's hover map for issue 28's operations: every link of the plan, keyed as
the page keys it, names an output cell of the target panel and an input cell of the grid the
frame shows that draw exactly the tensor values the link connects (distinct values, so a
wrong cell cannot pass by chance)."""

from __future__ import annotations

import numpy as np
import pytest

from convanim import Spec
from convanim.draw.animate import Renderer
from convanim.draw.player import link_key, player_metadata
from convanim.geometry import INPUT, compute, plan

SPECS = [
    {"i": 5, "k": 2, "mode": "maxpool", "ceil_mode": True},
    {"i": 6, "k": 3, "s": 2, "p": 1, "mode": "avgpool", "ceil_mode": True,
     "count_include_pad": False},
    {"i": 7, "k": 3, "s": 2, "mode": "avgpool", "ceil_mode": True, "dims": 1},
    {"i": (5, 7), "mode": "adaptive_avgpool", "output_size": 3},
    {"i": 7, "mode": "adaptive_maxpool", "output_size": 5, "dims": 1},
    {"i": (4, 6), "mode": "pixelunshuffle", "scale": 2, "in_channels": 2},
    {"i": (2, 3), "mode": "pixelshuffle", "scale": 2, "in_channels": 8},
    {"i": 4, "k": 3, "flip": True},
    {"i": 4, "k": 2, "s": 2, "p": 1, "mode": "unfold"},
    {"i": (3, 4), "k": 2, "mode": "unfold", "in_channels": 2},
    {"i": 4, "k": 2, "p": 1, "mode": "fold"},
    {"i": (3, 4), "k": 2, "mode": "fold", "in_channels": 2},
]


@pytest.mark.parametrize("kwargs", SPECS, ids=lambda k: k.get("mode", "flip"))
def test_hover_keys_sit_on_the_values_they_link(kwargs: dict) -> None:
    spec = Spec(**kwargs)
    shape = spec.op.input_shape(spec)
    x = np.random.default_rng(1).permutation(int(np.prod(shape))).reshape(shape) + 1.0
    w = np.arange(1.0, 1.0 + np.prod(spec.op.weight_shape(spec))).reshape(
        spec.op.weight_shape(spec))
    p = plan(spec, x, w)
    y = compute(spec, x, w)
    meta = player_metadata(Renderer(p))
    assert meta["links"], "the page has a hover map"
    r0, c0 = p.target_offset
    drawn_out = p.target.values.copy()
    if p.picture.scatter:  # a canvas filled by the frames' running sums (fold)
        for frame in p.frames:
            drawn_out[frame.cells[:, 0], frame.cells[:, 1]] = frame.sums
    rows, cols = meta["output_shape"]
    # Where the page puts each output key: listed when the maps are drawn apart (pixel
    # shuffle's channels), else at the key plus the target offset.
    listed, n = meta.get("outputs", []), meta.get("key_dims", [2])[0]
    at = {tuple(listed[j:j + n]): tuple(listed[j + n:j + n + 2])
          for j in range(0, len(listed), n + 2)} if n == 2 else {}
    checked = 0
    for frame in p.frames:
        grid = p.grids[frame.grid]
        for out, src, tap in frame.links:
            key = link_key(p, out, src, tap)
            (orow, ocol), (irow, icol) = key[:2], key[2:4]
            assert 0 <= orow < rows and 0 <= ocol < cols
            assert drawn_out[at.get((orow, ocol), (orow + r0, ocol + c0))] == pytest.approx(
                y[out]), (out, key)
            drawn = (grid.source[..., 0] == irow) & (grid.source[..., 1] == icol) & (
                grid.kinds == INPUT)
            assert drawn.any(), (src, key)
            assert set(grid.values[drawn].tolist()) == {x[src]}, (src, key)
            checked += 1
    assert checked == sum(len(f.links) for f in p.frames)
