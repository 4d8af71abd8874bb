"""``--dpi 200`` figures stay pixel-exact for slides (issue 25).

Read from the pixels: every solid-edged cell starts and ends on a whole pixel (its edge colour
is exact in the first and last column and row, and the pixel outside is not the edge), every
such edge has the same width all round and in every panel, and text has full-coverage stems.
"""

from __future__ import annotations

import numpy as np
import pytest

from convanim.draw import Renderer, RenderOptions
from convanim.draw.text import get_font
from convanim.geometry import Spec, plan


def rgb(color: str) -> tuple[int, ...]:
    return tuple(int(color.lstrip("#")[i: i + 2], 16) for i in (0, 2, 4))


def run_length(pixels: np.ndarray, color: tuple[int, ...]) -> int:
    """How many leading pixels of a 1-D run of RGB pixels are exactly ``color``."""
    same = np.all(pixels == color, axis=1)
    return int(np.argmin(same)) if not same.all() else len(same)


@pytest.mark.parametrize("spec", [{"i": 4, "k": 3, "p": 1},
                                  {"i": 3, "k": 3, "s": 2, "p": 1, "mode": "transposed"}])
def test_cells_sit_on_whole_pixels_with_uniform_edges_at_dpi_200(spec: dict) -> None:
    renderer = Renderer(plan(Spec(**spec)), RenderOptions(dpi=200, values=False))
    scene, layout, theme = renderer.scene, renderer.layout, renderer.theme
    painter = layout.painter(scene)
    widths: set[int] = set()
    checked = 0
    last = len(renderer.plan.frames) - 1
    for index in range(last + 1):
        image = painter.paint(index)  # frames are painted in order
        if scene.link is not None or scene.outlines:
            continue  # the window's translucent tint and link lie over some cells' edges
        for name, panel in scene.panels.items():
            box = layout.panels[name]
            for r in range(box.rows):
                for c in range(box.cols):
                    name_of = scene.looks[int(panel.look[r, c])]
                    if name_of == "blank":
                        continue
                    look = theme.look(name_of)
                    if look.line != "solid":
                        continue
                    x0, y0, x1, y1 = box.tile(r, c)
                    edge = rgb(look.edge)
                    xm, ym = (x0 + x1) // 2, (y0 + y1) // 2
                    sides = [run_length(image[ym, x0:x1], edge),
                             run_length(image[ym, x0:x1][::-1], edge),
                             run_length(image[y0:y1, xm], edge),
                             run_length(image[y0:y1, xm][::-1], edge)]
                    assert min(sides) > 0, (name, r, c, "edge not on the tile's first pixel")
                    assert len(set(sides)) == 1, (name, r, c, sides)
                    widths.add(sides[0])
                    # The pixel just outside the tile is not edge: the cell ends where it says.
                    for y, x in ((ym, x0 - 1), (ym, x1), (y0 - 1, xm), (y1, xm)):
                        assert tuple(image[y, x]) != edge, (name, r, c, y, x)
                    checked += 1
    assert checked >= 20
    assert len(widths) == 1, f"edge widths differ between cells: {widths}"


def test_text_at_dpi_200_is_crisp() -> None:
    for bold in (False, True):
        mask = get_font(9, 200, bold=bold).render("Padded input 6×6").mask
        assert mask.max() == 255 and (mask == 255).mean() > 0.1  # solid stems, not a blur
