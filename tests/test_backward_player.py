"""The backward view's HTML player in Chromium: hovering a cell of dL/dx lights the cells of
dL/dy and the weights that feed it, hovering a cell of dL/dW the input cells and the cells of
dL/dy it sums, each exactly PyTorch's links (one-hot Jacobians), and every hover box sits on
the cell the frames draw."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import convanim
from convanim.draw.animate import Renderer
from convanim.draw.options import RenderOptions
from convanim.geometry import plan
from tests.browser import Page
from tests.oracle import connectivity

CASES = [
    {"i": 4, "k": 3, "s": 2, "p": 1, "view": "backward"},
    {"i": 3, "k": 2, "s": 2, "p": 1, "mode": "transposed", "view": "backward"},
    {"i": 6, "k": 3, "s": 2, "d": 2, "p": 2, "dims": 1, "view": "backward"},
]


def _key(part: int, cell: tuple[int, ...]) -> str:
    return ",".join(map(str, (part, 0, *cell) if len(cell) == 1 else (part, *cell)))


def _lit(p: Any) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for panel, cell in p.eval_on_selector_all(
            ".cvp-hl", "els => els.map(e => [e.dataset.panel, e.dataset.cell])"):
        found.setdefault(panel, set()).add(cell)
    return found


def _centre(p: Any, selector: str) -> tuple[float, float]:
    box = p.locator(selector).first.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.mark.parametrize("kwargs", CASES, ids=["conv", "transposed", "conv1d"])
def test_backward_hover_is_pytorchs_links(tmp_path: Path, page: Page, kwargs: dict) -> None:
    spec = convanim.Spec.from_dict(kwargs)
    html = convanim.render(kwargs, tmp_path / "b.html")
    links = connectivity(spec.replace(view="gather"))  # (output, input, tap) of the layer
    renderer = Renderer(plan(spec), RenderOptions())
    layout, offsets = renderer.layout, renderer.scene.offsets
    p = page.page
    p.goto(html.resolve().as_uri())
    p.wait_for_selector("[data-convanim-player][data-ready]")
    canvas = p.locator(".cvp-canvas").bounding_box()
    scale = canvas["width"] / layout.size[0]

    def on_page(panel: str, row: int, col: int) -> tuple[float, float]:
        x, y = layout.cell_center(panel, row, col)
        return canvas["x"] + (x + 0.5) * scale, canvas["y"] + (y + 0.5) * scale

    def near(a: tuple[float, float], b: tuple[float, float]) -> bool:
        return abs(a[0] - b[0]) <= scale + 1 and abs(a[1] - b[1]) <= scale + 1

    two = spec.dims == 2
    dw_at = spec.i[-1] + 1
    # Part 1 (first frame: dL/dy shown): dL/dx cell n gathers dL/dy cells o through taps t.
    p.keyboard.press("Home")
    grid = renderer.plan.grids["input"]
    for n in sorted({i for _, i, _ in links}):
        p.hover(f'[data-panel=output][data-cell="{_key(0, n)}"]')
        got = _lit(p)
        assert got.get("input", set()) == {_key(0, o) for o, i, _ in links if i == n}, n
        assert got.get("kernel", set()) == {_key(0, t) for _, i, t in links if i == n}, n
        row, col = (n if two else (0, n[0]))
        assert near(_centre(p, f'[data-panel=output][data-cell="{_key(0, n)}"]'),
                    on_page("target", row, col))
    for o in sorted({o for o, _, _ in links})[:4]:  # dL/dy's cells, where the grid draws them
        r, c = (o if two else (0, o[0]))
        at = [(gr, gc) for gr, gc in zip(*((grid.source[..., 0] == r)
                                            & (grid.source[..., 1] == c)).nonzero())]
        gr, gc = at[0]
        r0, c0 = offsets["input"]
        assert near(_centre(p, f'[data-panel=input][data-cell="{_key(0, o)}"]:not([hidden])'),
                    on_page("grid", gr + r0, gc + c0))
    # Part 2 (last frame): dL/dW cell t sums x[i] * dL/dy[o] over its links.
    p.keyboard.press("End")
    transposed = spec.mode == "transposed"
    for t in sorted({t for _, _, t in links}):
        p.hover(f'[data-panel=output][data-cell="{_key(1, t)}"]')
        got = _lit(p)
        on_grid = {(o if transposed else i) for o, i, tt in links if tt == t}
        in_kernel = {(i if transposed else o) for o, i, tt in links if tt == t}
        assert got.get("input", set()) == {_key(1, c) for c in on_grid}, t
        assert got.get("kernel", set()) == {_key(1, c) for c in in_kernel}, t
        row, col = (t if two else (0, t[0]))
        assert near(_centre(p, f'[data-panel=output][data-cell="{_key(1, t)}"]'),
                    on_page("target", row, dw_at + col))
    assert page.errors == []
