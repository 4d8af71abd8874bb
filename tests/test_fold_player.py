"""Fold's HTML player in Chromium with channels and padding: each output cell's hover box sits
on the canvas cell that draws it (the maps stacked down, each with its padding rows), and
lights exactly the matrix entries PyTorch's ``F.fold`` sums into it (autograd)."""

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
    {"i": [3, 4], "k": 2, "p": 1, "mode": "fold", "in_channels": 2},
    {"i": [4, 3], "k": [2, 3], "s": [2, 1], "p": [1, 2], "mode": "fold",
     "in_channels": 3},
]


@pytest.mark.parametrize("kwargs", CASES, ids=["2ch_p1", "3ch_strided"])
def test_fold_hover_sits_on_the_drawn_cells(tmp_path: Path, page: Page, kwargs: dict) -> None:
    spec = convanim.Spec.from_dict(kwargs)
    shape = spec.op.input_shape(spec)
    x = np.random.default_rng(3).permutation(int(np.prod(shape))).reshape(shape) + 1.0
    html = convanim.render(kwargs, tmp_path / "f.html", x=x)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (top, bottom), (left, _) = spec.p
    padded = F.fold(xt[None], (spec.i[0] + top + bottom, spec.i[1] + spec.p[1][0]
                               + spec.p[1][1]), spec.k, stride=spec.s)[0]
    y = padded[:, top: top + spec.i[0], left: left + spec.i[1]]
    renderer = Renderer(plan(spec, x), RenderOptions())
    layout = renderer.layout
    p = page.page
    p.goto(html.resolve().as_uri())
    p.wait_for_selector("[data-convanim-player][data-ready]")
    p.keyboard.press("End")
    canvas = p.locator(".cvp-canvas").bounding_box()
    scale = canvas["width"] / layout.size[0]
    rows_per = spec.i[0] + top + bottom
    channels = spec.in_channels
    for ch, r, c in np.ndindex(*y.shape):
        key = f"{ch},{r},{c}" if channels > 1 else f"{r},{c}"
        selector = f'[data-panel=output][data-cell="{key}"]'
        box = p.locator(selector).bounding_box()
        cx, cy = layout.cell_center("target", ch * rows_per + top + r, left + c)
        assert abs(box["x"] + box["width"] / 2 - canvas["x"] - (cx + 0.5) * scale) <= scale + 1
        assert abs(box["y"] + box["height"] / 2 - canvas["y"] - (cy + 0.5) * scale) <= scale + 1
        xt.grad = None
        y[ch, r, c].backward(retain_graph=True)
        want = {f"{a},{b}" for a, b in np.argwhere(xt.grad.numpy() != 0)}
        p.hover(selector)
        lit = set(p.eval_on_selector_all("[data-panel=input].cvp-hl",
                                         "els => els.map(e => e.dataset.cell)"))
        assert lit == want, key
    assert page.errors == []
