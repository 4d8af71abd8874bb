"""The perspective style shows the numbers it was asked for at the default size (issue 24/25:
no font under 10 px; numbers hidden only when no allowed size can show them)."""

from __future__ import annotations

import pytest

from convanim.draw import RenderOptions
from convanim.draw.layout import MIN_VALUE_PX
from convanim.draw.legible import panel_strings
from convanim.draw.perspective import DEFAULT_WIDTH, PerspectiveLayout, steps
from convanim.draw.perspective_paint import fit_font
from convanim.draw.scene import Scene
from convanim.geometry import Spec, plan

# The numerical conv_arithmetic figures (configs/perspective/conv_arithmetic.yaml), and two
# whose cells were also a pixel short of 10 px numbers.
NUMERICAL = [dict(mode="avgpool", i=5, k=3, s=1, p=0), dict(mode="maxpool", i=5, k=3, s=1, p=0),
             dict(i=5, k=3, s=1, p=0), dict(i=5, k=3, s=2, p=1),
             dict(mode="transposed", i=3, k=3, s=2, p=1), dict(i=7, k=3, d=2)]


def _layout(spec: dict, **options: object) -> tuple[Scene, PerspectiveLayout]:
    scene = Scene(plan(Spec(**spec)), True)
    return scene, PerspectiveLayout.build(scene, RenderOptions(style="perspective", **options))


@pytest.mark.parametrize("dpi", [100, 50, 150])
@pytest.mark.parametrize("spec", NUMERICAL, ids=lambda s: "-".join(f"{k}{v}" for k, v in s.items()))
def test_default_size_shows_every_number_at_10px(spec: dict, dpi: int) -> None:
    scene, lay = _layout(spec, dpi=dpi)
    font = lay.fonts["value"]
    assert font is not None and "numbers hidden" not in lay.title
    assert font.size_px >= MIN_VALUE_PX
    # Every number as the painter draws it (shrunk to fit across its cell) is legible.
    plane = lay.planes["grid"]
    texts = {t for name in ("grid", "target", "kernel") for t in panel_strings(scene)[name]}
    assert all(fit_font(font, t, plane, lay.theme.font).size_px >= MIN_VALUE_PX
               for t in texts if t)
    assert plane.u == steps(lay.cell_px)[0]


def test_only_a_size_too_small_for_them_hides_the_numbers() -> None:
    _, narrow = _layout(dict(i=5, k=3, s=2, p=1), width=300)
    assert narrow.fonts["value"] is None and "numbers hidden" in narrow.title
    _, big = _layout(dict(i=5, k=3, s=2, p=1), width=600)
    assert big.fonts["value"] is not None and "numbers hidden" not in big.title


def test_values_off_keeps_its_size() -> None:
    # Cells grow past the default width for numbers only: without them the figure keeps it.
    _, off = _layout(dict(i=5, k=3, s=2, p=1), values=False)
    assert off.fonts["value"] is None and off.size[0] <= DEFAULT_WIDTH


def test_long_numbers_grow_the_cells_until_legible() -> None:
    # The painter shrinks a wide number to fit across its cell: the cells grow so that even
    # "-1.2k" stays at 10 px or more.
    x = [[-1234.5, 2.25, 3, 4], [5, 6, -7, 8], [9, 10.5, 11, 12], [13, 14, 15, -16]]
    scene = Scene(plan(Spec(i=4, k=3), x), True)
    lay = PerspectiveLayout.build(scene, RenderOptions(style="perspective"))
    font = lay.fonts["value"]
    assert font is not None and "numbers hidden" not in lay.title
    assert fit_font(font, "-1.2k", lay.planes["grid"], lay.theme.font).size_px >= MIN_VALUE_PX
