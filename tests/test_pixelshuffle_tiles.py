"""Pixel shuffle's input drawn as separate, labelled channel tiles: each tile labelled
``c=n`` holds exactly channel n, blank lines part the tiles, and every frame moves a tile
cell to the output cell ``torch.nn.functional.pixel_shuffle`` puts it in."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim import Spec, plan
from convanim.draw.layout import Layout
from convanim.draw.options import RenderOptions
from convanim.draw.scene import Scene
from convanim.geometry.plan import GAP

torch = pytest.importorskip("torch", reason="torch is the oracle: pip install torch==2.13.0")


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(2, 3), st.integers(1, 2),
       st.integers(0, 2**16))
def test_labelled_tiles_hold_their_channel_and_go_where_torch_puts_them(
        h: int, w: int, r: int, out_channels: int, seed: int) -> None:
    spec = Spec(i=(h, w), mode="pixelshuffle", scale=r, in_channels=out_channels * r * r)
    x = np.random.default_rng(seed).integers(0, 9, (spec.in_channels, h, w)).astype(float)
    p = plan(spec, x)
    grid = p.grids[p.slide_grid]
    y = torch.nn.functional.pixel_shuffle(torch.as_tensor(x)[None], r)[0].numpy()
    labels = [item for item in p.labels if item[0] == "grid"]
    assert [text for *_, text in labels] == [f"c={n}" for n in range(spec.in_channels)]
    for n, (_, bottom, col, cols, _) in enumerate(labels):
        tile = (slice(bottom - h, bottom), slice(col, col + cols))
        np.testing.assert_array_equal(grid.values[tile], x[n])
        # A blank line right of and under each tile (or the grid's edge).
        assert bottom == grid.shape[0] or (grid.kinds[bottom, col:col + cols] == GAP).all()
        assert col + cols == grid.shape[1] or (grid.kinds[bottom - h:bottom, col + cols]
                                               == GAP).all()
    target = p.target
    maps = [item for item in p.labels if item[0] == "target"]
    if out_channels == 1:
        assert not maps and target.shape == y.shape[1:]
    else:  # the output maps apart too: each labelled c=n holds torch's map n
        assert [text for *_, text in maps] == [f"c={n}" for n in range(out_channels)]
        for n, (_, bottom, col, cols, _) in enumerate(maps):
            np.testing.assert_array_equal(target.values[bottom - h * r:bottom, col:col + cols],
                                          y[n])
            assert bottom == target.shape[0] or (target.kinds[bottom] == GAP).all()
    out = y.reshape(-1, y.shape[-1])  # the maps stacked down, as the sources key them
    for frame in (f for f in p.frames if f.phase == "slide"):
        (tr, tc), = frame.window
        (orow, ocol), = frame.cells
        sr, sc = target.source[orow, ocol]
        assert grid.values[tr, tc] == out[sr, sc] == target.values[orow, ocol] == frame.value


def test_tile_labels_sit_under_their_tiles() -> None:
    scene = Scene(plan(Spec(i=3, mode="pixelshuffle")))
    layout = Layout.build(scene, RenderOptions())
    box = layout.panels["grid"]
    for n, (_, bottom, col, cols, text) in enumerate(scene.plan.labels):
        slot = layout.slots[f"block_{n}"]
        assert scene.texts[f"block_{n}"] == text
        assert box.y + bottom * box.px < slot.baseline < box.y + (bottom + 1) * box.px + 20
        assert slot.x0 < box.x + (col + cols / 2) * box.px < slot.x1
