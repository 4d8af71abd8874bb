"""Figures made of several animations: one canvas, one cell size, frames streamed.

A chain shows its layers one after another and a comparison its panels side by side; both
are whole figures: ``size``, ``height``, ``aspect`` and ``width`` fix the whole image (not
each part), every part shares one cell size, titles sit at the same height in every frame
and every panel, and frames go to the writer one at a time (memory does not grow with the
frame count). :func:`sequence` lays out parts shown in turn, :func:`row` parts shown
together; both return :class:`Part` objects whose renderers paint straight onto the canvas
size when the style allows (flat), else their frames are pasted onto it.

>>> from convanim.geometry import Spec, plan
>>> parts, size = sequence([plan(Spec(i=5, k=3)), plan(Spec(i=3, k=2))], ["a", "b"],
...                        RenderOptions(size="640x360"))
>>> size, {part.renderer.layout.size for part in parts}
((640, 360), {(640, 360)})
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from convanim.draw.animate import Renderer
from convanim.draw.layout import MIN_WIDTH, Layout, values_legible
from convanim.draw.options import MAX_CELL, RenderOptions
from convanim.draw.scene import Scene
from convanim.draw.text import blit, get_font
from convanim.draw.themes import THEMES, rgb
from convanim.geometry import Plan, SpecError

DEFAULT_PX = 28
"""Cells of a chain or comparison without a size: one scale for every part."""

LEGIBLE_WIDTH = 1280
"""The widest a figure of several parts grows (at 100 dpi) so that its numbers are legible;
past it the cells keep :data:`DEFAULT_PX` and a part whose numbers do not fit says so."""


@dataclass
class Part:
    """One animation of a figure and where its frames go: ``(x, y)`` on the canvas."""

    renderer: Renderer
    x: int = 0
    y: int = 0


def part_options(options: RenderOptions, title: str | None, px: int) -> RenderOptions:
    """``options`` for one part: its own title, cells of ``px`` pixels, no size of its own.

    >>> part_options(RenderOptions(size="640x360"), "a", 20).cell_px
    20
    """
    return replace(options, title=title, size=None, height=None, aspect=None, width=None,
                   cell_px=px)


def _box(options: RenderOptions) -> tuple[int | None, int | None] | None:
    if options.box is not None:
        return options.box
    if options.width is not None:
        return options.width, None
    return None


def _fit_px(fits: object, what: str, box: tuple[int | None, int | None]) -> int:
    """The largest cell size in 2..MAX_CELL that ``fits(px)``; refused when 2 does not."""
    assert callable(fits)
    if not fits(2):
        w, h = box
        raise SpecError(f"size {w or 'any'}x{h or 'any'} is too small for {what}; give a "
                        "larger size, fewer layers or panels, or a smaller input_size", "size")
    px, lo, hi = 2, 2, MAX_CELL
    while lo <= hi:
        mid = (lo + hi) // 2
        if fits(mid):
            px, lo = mid, mid + 1
        else:
            hi = mid - 1
    return px


def _aspect_box(options: RenderOptions, w: int, h: int) -> tuple[int, int]:
    aw, ah = options.aspect_ratio
    return (-(-h * aw // ah), h) if w * ah < h * aw else (w, -(-w * ah // aw))


def legible_px(scenes: Sequence[Scene], options: RenderOptions,
               width_at: Callable[[int], int]) -> int:
    """One cell size for every part: the smallest from :data:`DEFAULT_PX` up at which every
    part's numbers are legible (a single layer grows its cells the same way), unless the
    figure would then be wider than :data:`LEGIBLE_WIDTH` (``width_at(px)`` measures it);
    then :data:`DEFAULT_PX`, and the parts whose numbers do not fit say so in their titles.

    >>> from convanim.geometry import Spec, plan
    >>> scenes = [Scene(plan(Spec(i=3, mode="upsample", method="bilinear")))]
    >>> legible_px(scenes, RenderOptions(), lambda px: 10 * px) > DEFAULT_PX
    True
    """
    if not options.values:
        return DEFAULT_PX
    for px in range(DEFAULT_PX, MAX_CELL + 1):
        if all(values_legible(s, options, px) for s in scenes):
            return px if width_at(px) <= LEGIBLE_WIDTH * options.dpi / 100 else DEFAULT_PX
    return DEFAULT_PX


def sequence(plans: Sequence[Plan], titles: Sequence[str | None], options: RenderOptions,
             scene: Callable[[Plan, bool], Scene] = Scene
             ) -> tuple[list[Part], tuple[int, int]]:
    """Parts shown one after another on one canvas: one cell size, one width, titles and
    panels' tops at the same height in every part. Returns the parts and the canvas size.
    ``scene`` makes each part's scene (a chain's trace labels its cells its own way).

    >>> from convanim.geometry import Spec, plan
    >>> parts, size = sequence([plan(Spec(i=4, k=3)), plan(Spec(i=5, k=3))], ["a", "b"],
    ...                        RenderOptions())
    >>> len(parts), size[0] > 0
    (2, True)
    """
    dpi_k = options.dpi / 100
    box = _box(options)
    if options.style != "flat":
        parts = [Part(_renderer(p, replace(options, title=t), scene))
                 for p, t in zip(plans, titles)]
        width = max(part.renderer.layout.size[0] for part in parts)
        height = max(part.renderer.layout.size[1] for part in parts)
        for part in parts:
            part.x = (width - part.renderer.layout.size[0]) // 2
        return parts, (width, height)
    opts = [part_options(options, t, DEFAULT_PX) for t in titles]
    scenes = [scene(p, options.values) for p in plans]

    def layouts(px: int, width: int | None) -> tuple[int, list[Layout]]:
        measured = [Layout.at_cell_size(s, replace(o, cell_px=px), px, measure=True).size[0]
                    for s, o in zip(scenes, opts)]
        w = width if width is not None else max(max(measured), round(MIN_WIDTH * dpi_k))
        if max(measured) > w:
            return w, []
        # One fixed layout: every layer's grids and legend start where the others' do.
        return w, aligned([Layout.at_cell_size(s, replace(o, cell_px=px), px, w)
                           for s, o in zip(scenes, opts)])

    if options.cell_px is not None:
        px = options.cell_px
    elif box is not None and box != (None, None):
        bw, bh = box

        def fits(px: int) -> bool:
            _, lays = layouts(px, bw)
            return bool(lays) and (bh is None or max(lay.size[1] for lay in lays) <= bh)

        px = _fit_px(fits, f"these {len(plans)} layers", box)
    else:
        px = legible_px(scenes, options, lambda px: layouts(px, None)[0])
    width, lays = layouts(px, box[0] if box is not None else None)
    if not lays:
        raise SpecError(f"width={width} is too narrow for this figure; give a larger width",
                        "width")
    height = max(lay.size[1] for lay in lays)
    if box == (None, None):  # an aspect ratio alone: widen or heighten the natural figure
        width, box_h = _aspect_box(options, width, height)
        lays = layouts(px, width)[1]
        height = max(box_h, max(lay.size[1] for lay in lays))
    elif box is not None and box[1] is not None:
        height = box[1]
    top = (height - max(lay.size[1] for lay in lays)) // 2
    parts = []
    for plan, opt, lay in zip(plans, opts, lays):
        renderer = _renderer(plan, replace(opt, cell_px=px), scene)
        renderer.layout = lay.shifted(top, height)
        parts.append(Part(renderer))
    return parts, (width, height)


def _renderer(plan: Plan, options: RenderOptions, scene: Callable[[Plan, bool], Scene]
              ) -> Renderer:
    renderer = Renderer(plan, options)
    if scene is not Scene:  # the painter is made from renderer.scene when frames are asked
        renderer.scene = scene(plan, options.values)
        if options.style != "flat":
            renderer.layout = type(renderer.layout).build(renderer.scene, options)
    return renderer


def row(plans: Sequence[Plan], titles: Sequence[str | None], options: RenderOptions,
        gap: int, header: int) -> tuple[list[Part], tuple[int, int]]:
    """Parts shown side by side ``gap`` pixels apart below a ``header`` pixels tall: one cell
    size, titles at one height, the whole image exactly the requested size.

    >>> from convanim.geometry import Spec, plan
    >>> parts, (w, h) = row([plan(Spec(i=4, k=3)), plan(Spec(i=5, k=3))], ["a", "b"],
    ...                     RenderOptions(), gap=20, header=30)
    >>> len(parts), w > h
    (2, True)
    """
    box = _box(options)
    n = len(plans)
    if options.style != "flat":
        each = None
        if box is not None and box != (None, None):
            bw, bh = box
            each = replace(options, size=None, width=None, aspect=None, height=None)
            if bw is not None:
                pw = (bw - gap * (n - 1)) // n
                each = replace(each, size=f"{pw}x{(bh or pw) - header}") if bh else \
                    replace(each, width=pw)
            elif bh is not None:
                each = replace(each, height=bh - header)
        parts = [Part(Renderer(p, replace(each or options, title=t)))
                 for p, t in zip(plans, titles)]
        return _place_row(parts, gap, header, box, options)
    opts = [part_options(options, t, DEFAULT_PX) for t in titles]
    scenes = [Scene(p, options.values) for p in plans]

    def measure(px: int) -> list[int]:
        return [Layout.at_cell_size(s, replace(o, cell_px=px), px, measure=True).size[0]
                for s, o in zip(scenes, opts)]

    def layouts(px: int, widths: list[int]) -> list[Layout]:
        return [Layout.at_cell_size(s, replace(o, cell_px=px), px, w)
                for s, o, w in zip(scenes, opts, widths)]

    def widths_for(px: int, total: int | None) -> list[int]:
        natural = [max(w, round(MIN_WIDTH * options.dpi / 100 * 0.75)) for w in measure(px)]
        if total is None:
            return natural
        spare = total - gap * (n - 1) - sum(natural)
        if spare < 0:
            return []
        return [w + spare // n + (spare % n if i == n - 1 else 0)
                for i, w in enumerate(natural)]

    if options.cell_px is not None:
        px = options.cell_px
    elif box is not None and box != (None, None):
        bw, bh = box

        def fits(px: int) -> bool:
            widths = widths_for(px, bw)
            if not widths:
                return False
            return bh is None or max(lay.size[1] for lay in layouts(px, widths)) + header <= bh

        px = _fit_px(fits, f"{n} panels side by side", box)
    else:
        px = legible_px(scenes, options,
                        lambda px: sum(widths_for(px, None)) + gap * (n - 1))
    widths = widths_for(px, box[0] if box is not None else None)
    if not widths:
        raise SpecError(f"width={box[0] if box else '?'} is too narrow for {n} panels side by "
                        "side; give a larger width", "width")
    lays = aligned(layouts(px, widths))
    content = max(lay.size[1] for lay in lays)
    parts = []
    for plan, opt, lay in zip(plans, opts, lays):
        renderer = Renderer(plan, replace(opt, cell_px=px))
        renderer.layout = lay.shifted(0, content)
        parts.append(Part(renderer))
    return _place_row(parts, gap, header, box, options)


def _head_end(lay: Layout) -> int:
    """Where a layout's title and caption end (its panels start below)."""
    slot = lay.slots.get("caption") or lay.slots.get("title")
    if slot is None:
        return 0
    return slot.baseline - round(slot.font.ascent) + slot.lines * slot.font.line_height


def _lowered(lay: Layout, dy: int, legend_dy: int) -> Layout:
    """``lay`` with everything below its title and caption ``dy`` pixels lower and its legend
    ``legend_dy`` more, the image as much taller."""
    head = ("title", "caption")
    panels = {name: replace(box, y=box.y + dy) for name, box in lay.panels.items()}
    slots = {name: slot if name in head else replace(slot, baseline=slot.baseline + dy)
             for name, slot in lay.slots.items()}
    down = dy + legend_dy
    legend = [replace(item, swatch=(item.swatch[0], item.swatch[1] + down, item.swatch[2],
                                    item.swatch[3] + down), baseline=item.baseline + down)
              for item in lay.legend]
    return replace(lay, size=(lay.size[0], lay.size[1] + down), panels=panels, slots=slots,
                   legend=legend)


def aligned(lays: Sequence[Layout]) -> list[Layout]:
    """Panels side by side read as one figure: every part's grids start at one height (below
    the tallest title and caption) and every legend starts at one height.

    >>> from convanim.geometry import Spec, plan
    >>> opts = RenderOptions(cell_px=20)
    >>> a = Layout.at_cell_size(Scene(plan(Spec(i=3, k=2))), opts, 20, 300)
    >>> wraps = replace(opts, title="a long title that wraps onto a second line in a panel")
    >>> b = Layout.at_cell_size(Scene(plan(Spec(i=3, k=2))), wraps, 20, 300)
    >>> a.panels["grid"].y < b.panels["grid"].y
    True
    >>> [lay.panels["grid"].y for lay in aligned([a, b])] == [b.panels["grid"].y] * 2
    True
    """
    heads = [_head_end(lay) for lay in lays]
    lays = [_lowered(lay, max(heads) - h, 0) if h < max(heads) else lay
            for lay, h in zip(lays, heads)]
    tops = [min((item.swatch[1] for item in lay.legend), default=None) for lay in lays]
    lowest = max((t for t in tops if t is not None), default=None)
    return [_lowered(lay, 0, lowest - t) if t is not None and lowest is not None
            and t < lowest else lay for lay, t in zip(lays, tops)]


def _place_row(parts: list[Part], gap: int, header: int,
               box: tuple[int | None, int | None] | None, options: RenderOptions
               ) -> tuple[list[Part], tuple[int, int]]:
    sizes = [part.renderer.layout.size for part in parts]
    width = sum(w for w, _ in sizes) + gap * (len(parts) - 1)
    height = max(h for _, h in sizes) + header
    if box == (None, None):
        width, height = _aspect_box(options, width, height)
    elif box is not None:
        width, height = box[0] or width, box[1] or height
    if sum(w for w, _ in sizes) + gap * (len(parts) - 1) > width or \
            max(h for _, h in sizes) + header > height:
        raise SpecError(f"size {width}x{height} is too small for {len(parts)} panels side by "
                        "side; give a larger size", "size")
    left = (width - sum(w for w, _ in sizes) - gap * (len(parts) - 1)) // 2
    top = header + (height - header - max(h for _, h in sizes)) // 2
    for part, (w, _) in zip(parts, sizes):
        part.x, part.y = left, top
        left += w + gap
    return parts, (width, height)


def header_lines(text: str, options: RenderOptions, width: int, scale: float = 1.0
                 ) -> tuple[Any, list[str]]:
    """The font (``scale`` times the caption's) and wrapped lines of a figure's own caption
    above its parts.

    >>> font, lines = header_lines("compare the outputs", RenderOptions(), 400)
    >>> lines
    ['compare the outputs']
    """
    theme = THEMES[options.theme]
    font = get_font(theme.caption_pt * scale, options.dpi, family=theme.font)
    return font, font.wrap(text, width - 20) if text else []


def header_height(text: str, options: RenderOptions, width: int, scale: float = 1.0) -> int:
    """Pixels a caption of ``text`` takes above the parts (every line: nothing is clipped).

    >>> header_height("", RenderOptions(), 400)
    0
    """
    font, lines = header_lines(text, options, width, scale)
    return 10 + len(lines) * font.line_height if lines else 0


class Canvas:
    """One reused RGB buffer of the figure's size, on the theme's background, with an
    optional caption on top; :meth:`paste` puts a part's frame at its place.

    >>> c = Canvas((100, 50), RenderOptions(), "")
    >>> c.rgb.shape
    (50, 100, 3)
    """

    def __init__(self, size: tuple[int, int], options: RenderOptions, caption: str,
                 top: int = 0, scale: float = 1.0) -> None:
        theme = THEMES[options.theme]
        self.background = np.array(rgb(theme.background), np.uint8)
        self.rgb = np.empty((size[1], size[0], 3), np.uint8)
        self.rgb[:] = self.background
        self.fixed = 0
        if caption:
            font, lines = header_lines(caption, options, size[0], scale)
            ink = np.array(rgb(theme.ink), np.uint8)
            baseline = top + 4 + round(font.ascent)
            for line in lines:
                blit(self.rgb, font.render(line), (size[0] - font.measure(line)) / 2,
                     baseline, ink)
                baseline += font.line_height
            self.fixed = baseline

    def paste(self, frame: np.ndarray, x: int, y: int) -> None:
        """Copy ``frame`` onto the canvas with its top-left corner at (x, y)."""
        h, w = frame.shape[:2]
        self.rgb[y:y + h, x:x + w] = frame

    def clear(self) -> None:
        """Paint the background below the caption (parts of different sizes follow)."""
        self.rgb[self.fixed:] = self.background


def stream(parts: Sequence[Part], size: tuple[int, int], options: RenderOptions,
           durations: str = "own") -> Iterator[tuple[np.ndarray, int]]:
    """Yield (frame, ms) of the parts one after another on a canvas of ``size``; the frame
    is valid until the next is asked for (the writers copy what they keep). ``durations``
    ``hold`` shows every frame for ``hold_ms``, ``own`` keeps the part's timing.

    >>> from convanim.geometry import Spec, plan
    >>> parts, size = sequence([plan(Spec(i=3, k=2))], ["a"], RenderOptions())
    >>> sum(1 for _ in stream(parts, size, RenderOptions()))
    6
    """
    canvas = Canvas(size, options, "")
    for part in parts:
        renderer = part.renderer
        renderer.reuse_buffer = True
        same = renderer.layout.size == size and renderer.plan.spec.view != "matrix"
        if not same:
            canvas.clear()
        for frame, ms in renderer.frames():
            ms = options.hold_ms if durations == "hold" else ms
            if same:
                yield frame, ms
            else:
                canvas.paste(frame, part.x, part.y)
                yield canvas.rgb, ms
