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

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from convanim.draw.arrange import MEMBER_GAP, LegendItem, arrange, flow_legend, place, span
from convanim.draw.choose import select_frames, slides_note
from convanim.draw.legible import MIN_TEXT_PX, fitted_pt, panel_strings
from convanim.draw.options import MAX_CELL, RenderOptions
from convanim.draw.scene import Scene
from convanim.draw.slices import slice_slots
from convanim.draw.text import Font, get_font
from convanim.draw.themes import THEMES, Theme
from convanim.geometry import SpecError

DEFAULT_WIDTH = 480  # the width a default animation aims for
MIN_WIDTH = 360  # room for the title, caption and legend
MAX_DEFAULT_CELL = 32
MIN_VALUE_PX = MIN_TEXT_PX  # numbers smaller than this are unreadable: cells show none (noted)


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

    def painter(self, scene: Scene) -> Any:
        """The raster painter for this layout.

        >>> from convanim.geometry import Spec, plan
        >>> s = Scene(plan(Spec(i=3, k=2)))
        >>> type(Layout.build(s, RenderOptions()).painter(s)).__name__
        'RasterPainter'
        """
        from convanim.draw.raster import RasterPainter

        return RasterPainter(scene, self)

    def canvas(self, ax: Any) -> Any:
        """The vector canvas for this layout (storyboards and vector stills)."""
        from convanim.draw.vector import VectorCanvas

        return VectorCanvas(ax, self)

    @classmethod
    def build(cls, scene: Scene, options: RenderOptions, legend: bool = True) -> Layout:
        """Lay out ``scene``'s panels for ``options``; SpecError if ``width`` is too small.

        With a box (``size``, ``height`` or ``aspect``) the figure is the largest that fits
        inside it, centred on the theme's background, and the image is exactly the box.

        >>> from convanim.geometry import Spec, plan
        >>> Layout.build(Scene(plan(Spec(i=5, k=3))), RenderOptions(width=500)).size[0]
        500
        >>> Layout.build(Scene(plan(Spec(i=5, k=3))), RenderOptions(size="640x360")).size
        (640, 360)

        ``legend=False`` leaves the legend out (a storyboard shows one for all its tiles).
        ``style="perspective"`` gives a :class:`~convanim.draw.perspective.PerspectiveLayout`.
        """
        if options.style == "perspective":
            from convanim.draw.perspective import PerspectiveLayout

            return PerspectiveLayout.build(scene, options, legend)  # type: ignore[return-value]
        if options.box is not None:
            return cls._fit(scene, options, options.box, legend)
        k = options.dpi / 100  # --dpi is resolution: the default figure grows with it

        def width_for(px: int) -> int:
            return cls._assemble(scene, options, px, None, None, True, legend).size[0]

        if options.cell_px is not None:
            px = options.cell_px
        else:
            limit = options.width if options.width is not None else round(DEFAULT_WIDTH * k)
            # Without a size to keep to, cells grow until their numbers are legible.
            legible = math.ceil(MIN_VALUE_PX * 72 * 32 / (THEMES[options.theme].value_pt * 100))
            low = 2 if options.width is not None else round((legible if options.values else 4)
                                                            * k)
            top = MAX_CELL if options.width is not None else round(MAX_DEFAULT_CELL * k)
            if scene.plan.labels and options.width is None:
                # Words under maps side by side (Plan.labels) must not run into each other.
                low = max(low, _label_px(scene, options))
                top = max(top, low)
            if options.values and options.width is None:
                # Long numbers: grow the cells until the widest one is legible.
                while low < MAX_CELL and not _values_legible(scene, options, low):
                    low += 1
                top = max(top, low)
            # The width grows with the cell size, so bisect for the largest size that fits.
            px = low
            lo, hi = low, top
            while lo <= hi:
                mid = (lo + hi) // 2
                if width_for(mid) <= limit:
                    px, lo = mid, mid + 1
                else:
                    hi = mid - 1
            if options.width is not None and width_for(px) > options.width:
                need = width_for(low)
                raise SpecError(f"width={options.width} is too narrow for this animation: it "
                                f"needs at least {need} px; give width={need} or more", "width")
        return cls._assemble(scene, options, px, options.width, None, False, legend)

    @classmethod
    def _fit(cls, scene: Scene, options: RenderOptions, box: tuple[int | None, int | None],
             legend: bool = True) -> Layout:
        """The largest figure inside ``box`` (width, height; None = free), letterboxed."""
        box_w, box_h = box
        if box_w is None and box_h is None:  # an aspect ratio alone: pad the natural figure
            natural = cls.build(scene, replace(options, aspect=None), legend)
            w, h = natural.size
            aw, ah = options.aspect_ratio
            if w * ah < h * aw:
                box_w, box_h = -(-h * aw // ah), h
            else:
                box_w, box_h = w, -(-w * ah // aw)
            return cls._assemble(scene, options, natural.cell_px, box_w, box_h, False, legend)

        def fits(px: int) -> bool:
            w, h = cls._assemble(scene, options, px, None, None, True, legend).size
            return (box_w is None or w <= box_w) and (box_h is None or h <= box_h)

        if not fits(2):
            w, h = cls._assemble(scene, options, 2, None, None, True, legend).size
            raise SpecError(f"size {box_w or w}x{box_h or h} is too small for this animation: "
                            f"it needs at least {w}x{h} px; give a larger size", "size")
        px, lo, hi = 2, 2, MAX_CELL
        while lo <= hi:
            mid = (lo + hi) // 2
            if fits(mid):
                px, lo = mid, mid + 1
            else:
                hi = mid - 1
        if box_w is None:
            box_w = cls._assemble(scene, options, px, None, None, True, legend).size[0]
        return cls._assemble(scene, options, px, box_w, box_h, False, legend)

    @classmethod
    def _assemble(cls, scene: Scene, options: RenderOptions, px: int, width: int | None,
                  height: int | None, measure_only: bool = False, with_legend: bool = True
                  ) -> Layout:
        """The layout for cells of ``px`` pixels in an image ``width`` x ``height`` (None: as
        wide or tall as the content needs); extra height is shared above and below."""
        theme, dpi = THEMES[options.theme], options.dpi
        k = dpi / 100
        minimal = options.layout == "minimal"
        stacked = options.layout == "stacked" or (
            options.layout in ("auto", "minimal") and scene.plan.spec.dims == 1)
        shapes = {name: panel.shape for name, panel in scene.panels.items()}
        all_titles = scene.titles()
        fonts: dict[str, Font | None] = dict(_chrome_fonts(theme, dpi, px))
        label = fonts["label"]
        assert label is not None
        lab_h = label.line_height + 2
        titles = {key: max((label.measure(t) for t in v), default=0)
                  for key, v in all_titles.items()}
        # Cell numbers are sized by the cell in pixels, whatever the resolution.
        value_pt = _value_pt(scene, options, px) if options.values else 0.0
        show_values = options.values and value_pt * dpi / 72 >= MIN_VALUE_PX
        # A channel stack's filters are read cell by cell beside the slices: same size.
        kp = px if scene.plan.kernel is not None else max(2, round(px * 0.75))
        if show_values and _value_pt(scene, options, kp, "kernel") * dpi / 72 < MIN_VALUE_PX:
            kp = px  # a smaller kernel would hide its numbers; they must stay readable
        # A channel stack labels each slice under it (c=0, c=1, ...): a line of room more.
        lines = 2 if scene.plan.slices is not None and scene.plan.slices.channels else 1
        room = ({name: (rows + -(-lines * lab_h // px), cols) if name in ("grid", "target")
                 else (rows, cols) for name, (rows, cols) in shapes.items()}
                if (scene.plan.stack is not None or scene.plan.labels
                    or scene.plan.slices is not None) and not minimal
                else shapes)
        groups, gap = arrange(room, titles, px, kp, lab_h, stacked)
        if scene.plan.stack is not None and not stacked and "kernel" in shapes:
            # Grouped filters stand under their own group's channels.
            groups = _compact(groups, gap, under=scene.plan.stack[2] > 1)
        inner, m = span(groups, gap, stacked), _margin(dpi, px)
        # Measuring asks what the content needs; a drawn figure leaves room for its text.
        natural_w = inner + 2 * m
        if not measure_only and not minimal:
            natural_w = max(natural_w, round(MIN_WIDTH * k))
        width = width if width is not None else natural_w
        text_w = width - 2 * m
        fonts["value"] = get_font(value_pt, dpi, family=theme.font) if show_values else None
        small_pt = _small_pt(scene, options, px, value_pt) if show_values else 0.0
        fonts["small"] = get_font(small_pt, dpi, family=theme.font) if small_pt else None
        kvalue_pt = _value_pt(scene, options, kp, "kernel") if show_values else 0.0
        fonts["kvalue"] = (get_font(kvalue_pt, dpi, family=theme.font)
                           if show_values and kvalue_pt * dpi / 72 >= MIN_VALUE_PX else None)

        # Vertical flow: title, caption, panels with their titles, formula, legend.
        y, slots = m, {}
        title = options.title if options.title is not None else scene.plan.spec.label
        note = slides_note(scene.plan, select_frames(scene.plan, options.frames,
                                                     options.max_slides))
        if note:
            title = f"{title}  ({note})" if title else note
        if options.values and not show_values:
            # Never silently unreadable: say why the numbers are gone and how to get them.
            note = "numbers hidden: cells too small; give a larger size"
            title = f"{title}  ({note})" if title else note
        if minimal:
            title = ""
        title_font, caption_font = fonts["title"], fonts["caption"]
        assert title_font is not None and caption_font is not None
        if title:
            lines = len(title_font.wrap(title, text_w))
            slots["title"] = _slot(m, width - m, y, lines, title_font, "ink")
            y += lines * title_font.line_height + 2
        if not minimal:
            captions = {f.caption + (f"  ({scene.slides}/{scene.slides})"
                                     if f.phase == "slide" else "") for f in scene.plan.frames}
            lines = max(len(caption_font.wrap(c, text_w)) for c in captions)
            slots["caption"] = _slot(m, width - m, y, lines, caption_font, "ink")
            y += lines * caption_font.line_height + 6
        boxes, bottom = place(groups, gap, stacked, (width - inner) // 2, y, width)
        panels = {}
        for name, (cx, top, below) in boxes.items():
            rows, cols = shapes[name]
            size = kp if name == "kernel" else px
            y0 = top if below else top + lab_h
            panels[name] = Box(cx - cols * size // 2, y0, rows, cols, size, tile_gap(size))
            title_top = y0 + rows * size + 2 if below else top
            slots[f"{name}_title"] = _slot(cx - 400, cx + 400, title_top, 1, label, "ink")
        target, kernel = panels.get("target"), panels.get("kernel")
        if not stacked and target is not None and kernel is not None and (
                kernel.x >= target.x - kernel.px and kernel.y > target.y):
            # The link from the window reaches into the target column from the left, and
            # may pass just under the target: the kernel under it takes its title below it,
            # where no link goes.
            panels["kernel"] = replace(kernel, y=kernel.y - lab_h)
            slot = slots["kernel_title"]
            slots["kernel_title"] = _slot(slot.x0, slot.x1, kernel.y - lab_h + kernel.height + 2,
                                          1, label, "ink")
        if scene.plan.stack is not None and not minimal:
            slots.update(stack_slots(scene, panels, fonts["caption"], lab_h, stacked))
        if scene.plan.labels and not minimal:
            slots.update(block_slots(scene, panels, fonts["caption"]))
        if scene.plan.slices is not None and not minimal:  # a volume's d=0, d=1, ...
            slots.update(slice_slots(scene, panels, fonts["caption"], lab_h, stacked))
        y = bottom + 8
        legend: list[LegendItem] = []
        if not minimal:
            formula_font, legend_font = fonts["formula"], fonts["legend"]
            assert formula_font is not None and legend_font is not None
            if options.values:
                slots["formula"] = _slot(m, width - m, y, 1, formula_font, "ink")
                y += formula_font.line_height + 6
            if with_legend:
                legend, y = flow_legend(scene.legend(), legend_font, m, width, y)
        natural_h = y + m
        size = (width, natural_h if height is None else max(height, natural_h))
        layout = cls(size, px, panels, slots, legend, fonts, stacked, theme, title, dpi)
        if height is not None and height > natural_h and not measure_only:
            layout = layout.shifted((height - natural_h) // 2, height)
        return layout

    @classmethod
    def at_cell_size(cls, scene: Scene, options: RenderOptions, px: int,
                     width: int | None = None, measure: bool = False) -> Layout:
        """The layout for cells of ``px`` pixels, ``width`` wide (None: as the content needs;
        ``measure``: the content alone, without the room left for text). Figures made of
        several scenes (chains, comparisons) use it to give every part one cell size.

        >>> from convanim.geometry import Spec, plan
        >>> Layout.at_cell_size(Scene(plan(Spec(i=5, k=3))), RenderOptions(), 20, 600).size[0]
        600
        """
        return cls._assemble(scene, options, px, width, None, measure)

    def shifted(self, dy: int, height: int) -> Layout:
        """The same layout moved ``dy`` pixels down in an image ``height`` pixels tall.

        >>> from convanim.geometry import Spec, plan
        >>> lay = Layout.build(Scene(plan(Spec(i=5, k=3))), RenderOptions(cell_px=20))
        >>> lay.shifted(7, lay.size[1] + 14).panels["grid"].y - lay.panels["grid"].y
        7
        """
        panels = {name: replace(box, y=box.y + dy) for name, box in self.panels.items()}
        slots = {name: replace(slot, baseline=slot.baseline + dy)
                 for name, slot in self.slots.items()}
        legend = [replace(item, swatch=(item.swatch[0], item.swatch[1] + dy, item.swatch[2],
                                        item.swatch[3] + dy), baseline=item.baseline + dy)
                  for item in self.legend]
        return replace(self, size=(self.size[0], height), panels=panels, slots=slots,
                       legend=legend)


def _compact(groups: list[list[Any]], gap: int, under: bool = False) -> list[list[Any]]:
    """A channel stack's filters under whichever map leaves the least empty canvas (the
    smallest bounding box), rather than under the shorter map; ``under``: under the input
    slices (a grouped convolution's filter blocks, in group order, under their channels).

    >>> g = [[("grid", 500, 150)], [("target", 100, 80), ("kernel", 400, 400)]]
    >>> [[m[0] for m in c] for c in _compact(g, 30)]
    [['grid', 'kernel'], ['target']]
    """
    members = {m[0]: m for column in groups for m in column}
    grid, target, kernel = members["grid"], members["target"], members["kernel"]
    choices = [[[grid, kernel], [target]], [[grid], [target, kernel]]]
    if under:
        return choices[0]

    def area(columns: list[list[Any]]) -> int:
        width = sum(max(m[1] for m in c) for c in columns) + gap * (len(columns) - 1)
        height = max(sum(m[2] for m in c) + MEMBER_GAP * (len(c) - 1) for c in columns)
        return width * height

    return min(choices, key=area)


def stack_slots(scene: Scene, panels: dict[str, Box], font: Font | None, lab_h: int,
                stacked: bool) -> dict[str, Slot]:
    """A channel stack's labels: ``c=0, c=1, ...`` under each input slice and output map,
    ``W0, W1, ...`` (with the filter's bias ``b``) left of each filter row. The scene's
    texts of the same names hold the words (:meth:`Labels.slice_labels`).

    >>> from convanim.geometry import Spec, plan
    >>> lay = Layout.build(Scene(plan(Spec(i=4, k=3, in_channels=2))), RenderOptions())
    >>> sorted(n for n in lay.slots if n.startswith("slice_"))
    ['slice_grid_0', 'slice_grid_1', 'slice_kernel_0', 'slice_target_0']
    """
    assert font is not None and scene.plan.stack is not None
    cin, cout, _, block, out_block = scene.plan.stack
    slots: dict[str, Slot] = {}
    # A stack of volumes labels each depth slice itself (slice_slots: c=0 d=0, ...).
    for name, count, step in (() if scene.plan.slices is not None else
                              (("grid", cin, block), ("target", cout, out_block))):
        box = panels[name]
        wide = box.cols - (count - 1) * step  # one slice's columns
        top = box.y + box.height + 2
        if stacked and name != "grid":
            top += lab_h  # the lower row's title sits under its panel
        for n in range(count):
            x0 = box.x + n * step * box.px
            slots[f"slice_{name}_{n}"] = _slot(x0 - 20, x0 + wide * box.px + 20, top, 1, font,
                                               "muted")
    kernel, owner = panels.get("kernel"), scene.plan.filters
    if kernel is not None and owner is not None:
        lines = 2 if scene.plan.b is not None and not scene.plan.bias_cells else 1
        wide = round(font.measure("W00 "))
        for n in range(cout):
            # Centred on the filter's rows: left of it, or with several groups (the panel
            # under the input, at the margin) right of it, in the blank columns after it.
            rows, cols = np.nonzero(owner == n)
            if not len(rows):
                continue
            middle = kernel.y + (rows.min() + rows.max() + 1) * kernel.px // 2
            top = middle - lines * font.line_height // 2
            if stack_groups(scene) > 1:
                left = kernel.x + (int(cols.max()) + 1) * kernel.px + 2
                slots[f"slice_kernel_{n}"] = _slot(left, left + wide, top, lines, font, "ink")
                continue
            right = kernel.x + int(cols.min()) * kernel.px - 4
            slots[f"slice_kernel_{n}"] = _slot(right - 4 - wide, right, top, lines, font,
                                               "ink")
        for n, (r, c) in enumerate(scene.plan.bias_cells):
            # A "+" in the blank column before each bias cell: it joins the filter's sum.
            top = kernel.y + r * kernel.px + (kernel.px - font.line_height) // 2
            slots[f"bias_plus_{n}"] = _slot(kernel.x + (c - 1) * kernel.px,
                                            kernel.x + c * kernel.px, top, 1, font, "ink")
    return slots


def block_slots(scene: Scene, panels: dict[str, Box], font: Font | None) -> dict[str, Slot]:
    """Words under maps side by side in one panel (``Plan.labels``: the input, the pooled
    map and the indices of max-unpooling), each under its own map's last row.

    >>> from convanim.geometry import Spec, plan
    >>> lay = Layout.build(Scene(plan(Spec(i=4, k=2, mode="maxunpool"))), RenderOptions())
    >>> sorted(n for n in lay.slots if n.startswith("block_"))
    ['block_0', 'block_1', 'block_2']
    """
    assert font is not None
    slots: dict[str, Slot] = {}
    for n, (name, rows, col, cols, _) in enumerate(scene.plan.labels):
        box = panels.get(name)
        if box is None:  # a panel this figure leaves out (the kernel without numbers)
            continue
        x0 = box.x + col * box.px
        slots[f"block_{n}"] = _slot(x0 - 12, x0 + cols * box.px + 12,
                                    box.y + rows * box.px + 2, 1, font, "muted")
    return slots


def stack_groups(scene: Scene) -> int:
    """A channel stack's group count (1 without a stack).

    >>> from convanim.geometry import Spec, plan
    >>> stack_groups(Scene(plan(Spec(i=4, k=3, in_channels=4, out_channels=2, groups=2))))
    2
    """
    return scene.plan.stack[2] if scene.plan.stack is not None else 1


def _room(px: int) -> int:
    """Pixels a cell's number may fill: the tile less a margin each side (as ``cell_text``)."""
    tile = px - tile_gap(px)
    return tile - 2 * max(1, tile // 12) - 2


def _value_pt(scene: Scene, options: RenderOptions, px: int, panel: str = "cells") -> float:
    """One size for every number of a panel (``kernel``) or of the grid and target
    (``cells``): the theme's size for ``px`` cells, smaller if the widest number needs it.
    """
    theme, k = THEMES[options.theme], options.dpi / 100
    strings = getattr(scene, "_legible_strings", None)
    if strings is None:
        strings = panel_strings(scene)
        scene._legible_strings = strings  # type: ignore[attr-defined]
    texts = strings["kernel"] if panel == "kernel" else strings["grid"] + strings["target"]
    return fitted_pt(theme.value_pt * px / (32 * k), options.dpi, texts, _room(px), theme.font)


def _values_legible(scene: Scene, options: RenderOptions, px: int) -> bool:
    """Whether cells of ``px`` pixels show every number at a legible size."""
    return _value_pt(scene, options, px) * options.dpi / 72 >= MIN_VALUE_PX


def values_legible(scene: Scene, options: RenderOptions, px: int) -> bool:
    """Whether cells of ``px`` pixels show every number of ``scene`` at 10 px or more (a
    figure of several parts picks one cell size that suits them all).

    >>> from convanim.geometry import Spec, plan
    >>> scene = Scene(plan(Spec(i=3, k=2)))
    >>> values_legible(scene, RenderOptions(), 8), values_legible(scene, RenderOptions(), 32)
    (False, True)
    """
    return _values_legible(scene, options, px)


def _small_pt(scene: Scene, options: RenderOptions, px: int, value_pt: float) -> float:
    """The size of a cell's small notes (the weight under a window cell, the product a
    scatter step adds): at least ``MIN_TEXT_PX``; 0 (notes left out, the formula line
    carries them) when they would not fit beside the number."""
    theme, dpi = THEMES[options.theme], options.dpi
    size = max(theme.small_pt * px / (32 * dpi / 100), MIN_TEXT_PX * 72 / dpi)
    strings = getattr(scene, "_legible_strings", None) or panel_strings(scene)
    if size > value_pt * 0.85 or fitted_pt(size, dpi, strings["sub"], _room(px) * 0.7,
                                           theme.font) < size:
        return 0.0
    return size


def _sum_w(content: tuple[int, int, int, int]) -> int:
    """Image width for a ``content`` tuple: content plus both margins."""
    return content[0] + 2 * content[3]


def _margin(dpi: int, px: int) -> int:
    """Outer margin in pixels, growing with the text."""
    return round(10 * dpi / 100 * _chrome_scale(px, dpi))


def _label_px(scene: Scene, options: RenderOptions) -> int:
    """The smallest cell size at which each word under a map (``Plan.labels``) is no wider
    than its map and the blank column after it, so neighbours' words never touch.

    >>> from convanim.geometry import Spec, plan
    >>> _label_px(Scene(plan(Spec(i=4, k=3, in_channels=2, view="backward"))),
    ...           RenderOptions()) > 4
    True
    """
    font = _chrome_fonts(THEMES[options.theme], options.dpi, 1)["caption"]
    texts = scene.slice_labels()
    return max((math.ceil(font.measure(texts.get(f"block_{n}", "")) / (cols + 1))
                for n, (*_, cols, _) in enumerate(scene.plan.labels)), default=0)


def _chrome_scale(px: int, dpi: int = 100) -> float:
    """Titles, captions and legends grow with cells larger than 32 px at 100 dpi (big slides),
    so a figure fitted to a large box scales every element together."""
    return max(1.0, px / (MAX_DEFAULT_CELL * dpi / 100))


def _chrome_fonts(theme: Theme, dpi: int, px: int) -> dict[str, Font]:
    """The fonts of everything outside the cells, for cells of ``px`` pixels."""
    k = _chrome_scale(px, dpi)
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
