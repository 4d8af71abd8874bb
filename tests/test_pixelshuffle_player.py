"""Pixel shuffle's HTML player in Chromium with several output channels: the output maps are
drawn apart (a labelled blank row between two), each output cell's hover box sits on the cell
that draws it, and hovering it lights exactly the input cell ``F.pixel_shuffle`` copies there
(autograd)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import convanim
from convanim.draw.animate import Renderer
from convanim.draw.options import RenderOptions
from convanim.geometry import plan
from tests.browser import Page

CASES = [
    {"i": [2, 3], "mode": "pixelshuffle", "scale": 2, "in_channels": 8},
    {"i": 2, "mode": "pixelshuffle", "scale": 3, "in_channels": 27},
]


@pytest.mark.parametrize("kwargs", CASES, ids=["2_maps", "3_maps"])
def test_shuffle_hover_sits_on_the_drawn_maps(tmp_path: Path, page: Page, kwargs: dict) -> None:
    spec = convanim.Spec.from_dict(kwargs)
    shape = spec.op.input_shape(spec)
    x = np.random.default_rng(5).permutation(int(np.prod(shape))).reshape(shape) + 1.0
    html = convanim.render(kwargs, tmp_path / "s.html", x=x)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = F.pixel_shuffle(xt[None], spec.scale[0])[0]
    the_plan = plan(spec, x)
    layout = Renderer(the_plan, RenderOptions()).layout
    p = page.page
    p.goto(html.resolve().as_uri())
    p.wait_for_selector("[data-convanim-player][data-ready]")
    p.keyboard.press("End")
    canvas = p.locator(".cvp-canvas").bounding_box()
    scale = canvas["width"] / layout.size[0]
    maps, rows, cols = y.shape
    # The page keys an output cell by its place on the maps stacked down; it is drawn in its
    # own map, one blank row further down per map above it.
    for ch, r, c in np.ndindex(maps, rows, cols):
        drawn = (ch * (rows + 1) + r, c)
        assert the_plan.target.values[drawn] == y[ch, r, c].item()
        selector = f'[data-panel=output][data-cell="{ch * rows + r},{c}"]'
        box = p.locator(selector).bounding_box()
        cx, cy = layout.cell_center("target", *drawn)
        assert abs(box["x"] + box["width"] / 2 - canvas["x"] - (cx + 0.5) * scale) <= scale + 1
        assert abs(box["y"] + box["height"] / 2 - canvas["y"] - (cy + 0.5) * scale) <= scale + 1
        xt.grad = None
        y[ch, r, c].backward(retain_graph=True)
        # The input key is the channel's map stacked down: (channel * H + row, col).
        want = {f"{k * shape[1] + a},{b}" for k, a, b in np.argwhere(xt.grad.numpy() != 0)}
        p.hover(selector)
        lit = set(p.eval_on_selector_all("[data-panel=input].cvp-hl",
                                         "els => els.map(e => e.dataset.cell)"))
        assert lit == want, (ch, r, c)
    assert page.errors == []
