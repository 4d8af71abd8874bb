"""Grouped and depthwise figures lay their filters out under their own input channels (the
panel as wide as the input, not a tall column beside it), so the canvas is used and each
group's filters sit where its channels are; a group's inputs and filters share one mark."""

from __future__ import annotations

import pytest

from convanim import Spec, plan
from convanim.draw.animate import Renderer
from convanim.draw.options import RenderOptions
from convanim.draw.themes import THEMES

SPECS = [
    Spec(i=4, k=3, in_channels=4, out_channels=4, groups=2),  # configs/channels/grouped
    Spec(i=4, k=3, in_channels=3, groups="depthwise"),  # configs/channels/depthwise
    Spec(i=5, k=3, p=1, in_channels=4, out_channels=2, groups=2, bias=True),
]


@pytest.mark.parametrize("spec", SPECS)
def test_each_filter_slice_stands_under_the_channel_it_reads(spec: Spec) -> None:
    p = plan(spec)
    renderer = Renderer(p, RenderOptions())
    grid, kernel = renderer.layout.panels["grid"], renderer.layout.panels["kernel"]
    assert kernel.px == grid.px and kernel.y > grid.y + grid.height  # under the input
    block = p.stack[3]
    _, c0 = renderer.scene.offsets[p.slide_grid]
    for frame in (f for f in p.frames if f.phase == "slide"):
        channel = (frame.window[:, 1] + c0) // block  # the input slice each term reads
        left = kernel.x + frame.taps[:, 1] * kernel.px  # where its weight is drawn
        slice_left = grid.x + channel * block * grid.px
        assert ((left >= slice_left) & (left < slice_left + block * grid.px)).all()


@pytest.mark.parametrize("spec", SPECS[:2])
def test_grouped_figures_fill_the_canvas(spec: Spec) -> None:
    # Before: the filters stood in a tall column right of the output, leaving the area
    # under the input empty (panels covered 19-26% of the canvas).
    renderer = Renderer(plan(spec), RenderOptions())
    width, height = renderer.layout.size
    cover = sum(b.width * b.height for b in renderer.layout.panels.values())
    assert cover / (width * height) > 0.3
    assert height < 0.7 * width


def test_a_groups_inputs_and_filters_share_their_mark() -> None:
    for theme in THEMES.values():
        for g in (1, 2, 3):
            inputs, filters = theme.look(f"input@g{g}"), theme.look(f"kernel@g{g}")
            assert inputs.hatch == filters.hatch and inputs.hatch_color == filters.hatch_color
            assert inputs.fill != filters.fill  # their roles still differ
