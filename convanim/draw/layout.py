"""Pixel geometry of a figure: where every panel, cell, title, caption and legend entry goes.

Every position is a whole pixel, so cell edges are crisp and tests can sample colours at
``cell_center``. The size follows from the options: with ``width`` the image is exactly that
wide; with ``cell_px`` (or the default) it is ``content + 2 * margin`` wide, at least
``MIN_WIDTH``.

>>> from convanim.geometry import Spec, plan
>>> from convanim.draw.options import RenderOptions
>>> from convanim.draw.scene import Scene
>>> layout = Layout.build(Scene(plan(Spec(i=5, k=3))), RenderOptions(width=400))
>>> layout.size[0]
400
"""

from __future__ import annotations

from dataclasses import dataclass

from convanim.draw.arrange import LegendItem, arrange, flow_legend, place, span
from convanim.draw.options import MAX_CELL, RenderOptions
from convanim.draw.scene import Scene
from convanim.draw.text import Font, get_font
from convanim.draw.themes import THEMES, Theme
from convanim.geometry import SpecError

DEFAULT_WIDTH = 480  # the width a default animation aims for
MIN_WIDTH = 360  # room for the title, caption and legend
MAX_DEFAULT_CELL = 32
MIN_VALUE_PX = 6.5  # numbers smaller than this are unreadable, so cells show none


@dataclass(frozen=True)
class Box:
    """A panel: ``rows`` x ``cols`` cells of ``px`` pixels from (x, y); tiles leave ``gap``.

    >>> Box(10, 20, 3, 4, 32, 2).width
    128
    """

    x: int
    y: int
    rows: int
    cols: int
    px: int
    gap: int

    @property
    def width(self) -> int:
        """Pixels from the left of the first column to the right of the last."""
        return self.cols * self.px

    @property
    def height(self) -> int:
        """Pixels from the top of the first row to the bottom of the last."""
        return self.rows * self.px

    def tile(self, row: int, col: int) -> tuple[int, int, int, int]:
        """The drawn square of a cell: (x0, y0, x1, y1), end exclusive.

        >>> Box(10, 20, 3, 4, 32, 2).tile(1, 0)
        (11, 53, 41, 83)
        """
        lo = self.gap // 2
        x0, y0 = self.x + col * self.px + lo, self.y + row * self.px + lo
        return x0, y0, x0 + self.px - self.gap, y0 + self.px - self.gap


@dataclass(frozen=True)
class Slot:
    """A line (or lines) of text centred between x0 and x1, first baseline at ``baseline``.

    >>> from convanim.draw.text import get_font
    >>> Slot(0, 100, 12, 1, get_font(9, 100), "ink").lines
    1
    """

    x0: int
    x1: int
    baseline: int
    lines: int
    font: Font
    role: str  # "ink" or "muted"


def tile_gap(px: int) -> int:
    """Pixels between neighbouring tiles: none for tiny cells, about px/12 otherwise.

    >>> tile_gap(3), tile_gap(8), tile_gap(32)
    (0, 1, 3)
    """
    if px < 4:
        return 0
    return 1 if px < 12 else max(2, round(px / 12))


@dataclass(frozen=True)
class Layout:
    """Where everything goes; build it with :meth:`Layout.build`.

    >>> from convanim.geometry import Spec, plan
    >>> from convanim.draw.scene import Scene
    >>> lay = Layout.build(Scene(plan(Spec(i=5, k=3))), RenderOptions(cell_px=20))
    >>> lay.cell_px, lay.cell_center("grid", 0, 0)[0] - lay.panels["grid"].x
    (20, 10)
    """

    size: tuple[int, int]
    cell_px: int
    panels: dict[str, Box]
    slots: dict[str, Slot]
    legend: list[LegendItem]
    fonts: dict[str, Font | None]
    stacked: bool
    theme: Theme
    title: str
    options_dpi: int

    def cell_center(self, panel: str, row: int, col: int) -> tuple[int, int]:
        """The pixel (x, y) at the centre of a cell of panel ``grid``, ``target`` or ``kernel``.

        >>> from convanim.geometry import Spec, plan
        >>> lay = Layout.build(Scene(plan(Spec(i=5, k=3))), RenderOptions(cell_px=20))
        >>> lay.cell_center("target", 0, 1)[0] - lay.cell_center("target", 0, 0)[0]
        20
        """
        x0, y0, x1, y1 = self.panels[panel].tile(row, col)
        return (x0 + x1) // 2, (y0 + y1) // 2

    def cell_box(self, panel: str, row: int, col: int) -> tuple[int, int, int, int]:
        """The drawn square of a cell, (x0, y0, x1, y1) with exclusive ends.

        >>> from convanim.geometry import Spec, plan
        >>> lay = Layout.build(Scene(plan(Spec(i=5, k=3))), RenderOptions(cell_px=20))
        >>> x0, y0, x1, y1 = lay.cell_box("grid", 0, 0)
        >>> x1 - x0, y1 - y0
        (18, 18)
        """
        return self.panels[panel].tile(row, col)

    @classmethod
    def build(cls, scene: Scene, options: RenderOptions) -> Layout:
        """Lay out ``scene``'s panels for ``options``; SpecError if ``width`` is too small.

        >>> from convanim.geometry import Spec, plan
        >>> Layout.build(Scene(plan(Spec(i=5, k=3))), RenderOptions(width=500)).size[0]
        500
        """
        theme, dpi = THEMES[options.theme], options.dpi
        stacked = options.layout == "stacked" or (
            options.layout == "auto" and scene.plan.spec.dims == 1)
        shapes = {name: panel.shape for name, panel in scene.panels.items()}
        all_titles = scene.titles()

        def content(px: int) -> tuple[int, int, int, int]:
            """Content width, kernel cell size, gap between groups and margin for ``px``."""
            label = _chrome_fonts(theme, dpi, px)["label"]
            titles = {k: max((label.measure(t) for t in v), default=0)
                      for k, v in all_titles.items()}
            # A channel stack's filters are read cell by cell beside the slices: same size.
            kp = px if scene.plan.kernel is not None else max(2, round(px * 0.75))
            groups, gap = arrange(shapes, titles, px, kp, label.line_height + 2, stacked)
            return span(groups, gap, stacked), kp, gap, _margin(dpi, px)

        if options.cell_px is not None:
            px = options.cell_px
        else:
            limit = options.width if options.width is not None else DEFAULT_WIDTH
            low = 2 if options.width is not None else (18 if options.values else 4)
            top = MAX_CELL if options.width is not None else MAX_DEFAULT_CELL
            # The width grows with the cell size, so bisect for the largest size that fits.
            px = low
            lo, hi = low, top
            while lo <= hi:
                mid = (lo + hi) // 2
                if _sum_w(content(mid)) <= limit:
                    px, lo = mid, mid + 1
                else:
                    hi = mid - 1
            if options.width is not None and _sum_w(content(px)) > options.width:
                need = _sum_w(content(low))
                raise SpecError(f"width={options.width} is too narrow for this animation: it "
                                f"needs at least {need} px; give width={need} or more", "width")
        inner, kp, gap, m = content(px)
        fonts: dict[str, Font | None] = dict(_chrome_fonts(theme, dpi, px))
        label = _chrome_fonts(theme, dpi, px)["label"]
        lab_h = label.line_height + 2
        titles = {k: max((label.measure(t) for t in v), default=0)
                  for k, v in all_titles.items()}
        width = options.width if options.width is not None else max(inner + 2 * m, MIN_WIDTH)
        text_w = width - 2 * m
        value_pt = theme.value_pt * px / 32
        show_values = options.values and value_pt * dpi / 72 >= MIN_VALUE_PX
        fonts["value"] = get_font(value_pt, dpi, family=theme.font) if show_values else None
        fonts["small"] = (get_font(theme.small_pt * px / 32, dpi, family=theme.font)
                          if show_values else None)
        kvalue_pt = theme.value_pt * kp / 32
        fonts["kvalue"] = (get_font(kvalue_pt, dpi, family=theme.font)
                           if show_values and kvalue_pt * dpi / 72 >= MIN_VALUE_PX else None)

        # Vertical flow: title, caption, panels with their titles, formula, legend.
        y, slots = m, {}
        title = options.title if options.title is not None else scene.plan.spec.label
        if title:
            lines = len(fonts["title"].wrap(title, text_w))
            slots["title"] = _slot(m, width - m, y, lines, fonts["title"], "ink")
            y += lines * fonts["title"].line_height + 2
        captions = {f.caption + (f"  ({scene.slides}/{scene.slides})" if f.phase == "slide"
                                 else "") for f in scene.plan.frames}
        lines = max(len(fonts["caption"].wrap(c, text_w)) for c in captions)
        slots["caption"] = _slot(m, width - m, y, lines, fonts["caption"], "ink")
        y += lines * fonts["caption"].line_height + 6
        groups, gap = arrange(shapes, titles, px, kp, lab_h, stacked)
        boxes, bottom = place(groups, gap, stacked, (width - inner) // 2, y, width)
        panels = {}
        for name, (cx, top, below) in boxes.items():
            rows, cols = shapes[name]
            size = kp if name == "kernel" else px
            y0 = top if below else top + lab_h
            panels[name] = Box(cx - cols * size // 2, y0, rows, cols, size, tile_gap(size))
            title_top = y0 + rows * size + 2 if below else top
            slots[f"{name}_title"] = _slot(cx - 400, cx + 400, title_top, 1, label, "ink")
        y = bottom + 8
        if options.values:
            slots["formula"] = _slot(m, width - m, y, 1, fonts["formula"], "ink")
            y += fonts["formula"].line_height + 6
        legend, y = flow_legend(scene.legend(), fonts["legend"], m, width, y)
        return cls((width, y + m), px, panels, slots, legend, fonts, stacked, theme, title, dpi)


def _sum_w(content: tuple[int, int, int, int]) -> int:
    """Image width for a ``content`` tuple: content plus both margins."""
    return content[0] + 2 * content[3]


def _margin(dpi: int, px: int) -> int:
    """Outer margin in pixels, growing with the text."""
    return round(10 * dpi / 100 * _chrome_scale(px))


def _chrome_scale(px: int) -> float:
    """Titles, captions and legends grow with cells larger than 32 px (big slides)."""
    return max(1.0, px / MAX_DEFAULT_CELL)


def _chrome_fonts(theme: Theme, dpi: int, px: int) -> dict[str, Font]:
    """The fonts of everything outside the cells, for cells of ``px`` pixels."""
    k = _chrome_scale(px)
    return {
        "title": get_font(theme.title_pt * k, dpi, bold=True, family=theme.font),
        "caption": get_font(theme.caption_pt * k, dpi, family=theme.font),
        "label": get_font(theme.label_pt * k, dpi, bold=True, family=theme.font),
        "formula": get_font(theme.formula_pt * k, dpi, family=theme.font),
        "legend": get_font(theme.legend_pt * k, dpi, family=theme.font),
    }


def _slot(x0: int, x1: int, top: int, lines: int, font: Font, role: str) -> Slot:
    # The first baseline sits one ascent below the slot's top.
    return Slot(x0, x1, top + round(font.ascent), lines, font, role)
