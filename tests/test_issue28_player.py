"""The HTML player's hover on issue 28's figures, in Chromium: hovering an output cell of a
ceil_mode pooling (partial last windows) or an adaptive pooling (uneven, overlapping windows)
lights exactly the input cells PyTorch reads for it (the support of ``avg_pool2d(...,
ceil_mode=True)``'s or ``adaptive_avg_pool2d``'s Jacobian, computed here)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import convanim
from tests.browser import Page
from tests.test_player import frame, lit, open_player

CASES = {
    "ceil_mode": ({"i": 5, "k": 2, "mode": "maxpool", "ceil_mode": True},
                  lambda t: F.avg_pool2d(t, 2, ceil_mode=True)),
    "adaptive": ({"i": [5, 7], "mode": "adaptive_avgpool", "output_size": 3},
                 lambda t: F.adaptive_avg_pool2d(t, 3)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hover_lights_each_output_s_own_window(tmp_path: Path, page: Page, name: str) -> None:
    spec, pool = CASES[name]
    size = spec["i"] if isinstance(spec["i"], list) else [spec["i"]] * 2
    jac = torch.autograd.functional.jacobian(lambda t: pool(t[None, None])[0, 0],
                                             torch.ones(size, dtype=torch.float64))
    expected: dict[str, set[str]] = {}
    for o0, o1, i0, i1 in torch.nonzero(jac).tolist():
        expected.setdefault(f"{o0},{o1}", set()).add(f"{i0},{i1}")
    root = open_player(page, convanim.render(spec, tmp_path / f"{name}.html"))
    p = page.page
    p.keyboard.press("End")
    assert frame(root) == int(root.get_attribute("data-frames")) - 1
    outputs = p.eval_on_selector_all("[data-panel=output]", "els => els.map(e => e.dataset.cell)")
    assert set(outputs) == set(expected)
    for cell in outputs:
        p.hover(f'[data-panel=output][data-cell="{cell}"]')
        assert lit(p).get("input", set()) == expected[cell], cell
    assert page.errors == []
