"""The HTML player's hover map against PyTorch autograd: pixel shuffle's tiles and the
padding cells of reflect, replicate and circular padding.

An output cell's hover lights exactly the input cells its gradient reaches (the map's keys
are where the cells are drawn, translated back through the plan's own grids here).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convanim.draw.animate import Renderer
from convanim.draw.player import player_metadata
from convanim.geometry import PAD, Spec, plan


def _links(meta: dict) -> dict[tuple[int, int], set[tuple[int, int]]]:
    flat, out = meta["links"], {}
    for j in range(0, len(flat), 6):
        out.setdefault(tuple(flat[j:j + 2]), set()).add(tuple(flat[j + 2:j + 4]))
    return out


@pytest.mark.parametrize("channels, scale, i", [(4, 2, 2), (8, 2, 3), (9, 3, 2)])
def test_pixel_shuffle_hover_lights_what_autograd_reaches(channels: int, scale: int,
                                                          i: int) -> None:
    spec = Spec.from_dict({"mode": "pixelshuffle", "input_size": i, "scale": scale,
                           "in_channels": channels})
    the_plan = plan(spec)
    meta = player_metadata(Renderer(the_plan))
    links = _links(meta)
    # The page keys an input cell of a channel stack by its maps stacked down:
    # (channel * H + row, col), so key (kr, kc) is input number kr * W + kc.
    x = torch.zeros((1, channels, i, i), dtype=torch.float64, requires_grad=True)
    y = F.pixel_shuffle(x, scale)[0]
    c_out, rows, cols = y.shape
    assert meta["output_shape"] == [c_out * rows, cols]
    for oc, r, c in np.ndindex(c_out, rows, cols):
        x.grad = None
        y[oc, r, c].backward(retain_graph=True)
        reached = {int(v) for v in np.flatnonzero(x.grad[0].numpy())}
        lit = {int(tr * i + tc) for tr, tc in links.get((oc * rows + r, c), ())}
        assert lit == reached, (oc, r, c)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_copied_padding_cells_can_be_hovered(mode: str) -> None:
    spec = Spec.from_dict({"input_size": 4, "kernel_size": 3, "padding": 1,
                           "padding_mode": mode})
    the_plan = plan(spec)
    meta = player_metadata(Renderer(the_plan))
    padded = the_plan.grids["padded"]
    listed = meta["inputs"]["padded"]
    cells = {tuple(listed[j + 2:j + 4]) for j in range(0, len(listed), 4)}
    offset = Renderer(the_plan).scene.offsets["padded"]
    pads = {(int(r) + offset[0], int(c) + offset[1])
            for r, c in np.argwhere(padded.kinds == PAD)}
    assert pads and pads <= cells
    # Each output's hover lights the inputs autograd reaches through the padding.
    x = torch.zeros((1, 1, 4, 4), dtype=torch.float64, requires_grad=True)
    y = F.conv2d(F.pad(x, [1, 1, 1, 1], mode=mode), torch.ones((1, 1, 3, 3),
                                                                dtype=torch.float64))[0, 0]
    links = _links(meta)
    for r, c in np.ndindex(*y.shape):
        x.grad = None
        y[r, c].backward(retain_graph=True)
        reached = {tuple(int(v) for v in at) for at in np.argwhere(x.grad[0, 0].numpy())}
        assert links[(r, c)] == reached
