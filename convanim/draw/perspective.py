"""The perspective style's camera: the conv_arithmetic look, the output plane above the input.

Each plane is an oblique (affine) projection with integer pixel steps: one column moves a
cell by ``u``, one row by ``v``. Every cell of a plane is then an exact integer translate of one
parallelogram, so cells tile without gaps or overlap, one sprite per look draws them all, and
a cell's projected centre is exact. The camera is fixed: the grid the kernel slides over lies
at the bottom, the target plane floats above it, centred, and the whole figure (both planes,
the lines between them, the kernel's label, title and caption) is fitted to the canvas.
Cell (0, 0) sits at each plane's near (lowest) corner, columns running right and rows away
from the viewer, so the first window's projection lines rise in front of the target plane to
the cell they write instead of passing under it.

>>> from convanim.geometry import Spec, plan
>>> from convanim.draw.scene import Scene
>>> from convanim.draw.options import RenderOptions
>>> lay = PerspectiveLayout.build(Scene(plan(Spec(i=4, k=3)), False),
...                               RenderOptions(style="perspective", cell_px=20))
>>> lay.planes["target"].u, lay.planes["target"].v
((20, -8), (-11, -11))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from convanim.draw.formula import TIMES
from convanim.draw.layout import MAX_DEFAULT_CELL, MIN_VALUE_PX, Slot
from convanim.draw.options import MAX_CELL, RenderOptions
from convanim.draw.text import Font, get_font
from convanim.draw.themes import THEMES, Theme
from convanim.geometry import Spec, SpecError

if TYPE_CHECKING:
    from convanim.draw.scene import Scene

VALUE_SCALE = 0.34  # number height (font px) per cell px: fits inside the parallelogram
DEFAULT_WIDTH = 400  # the reference conv_arithmetic GIFs are about 400 px wide
TEXT_WIDTH = 300  # narrowest figure (px at 100 dpi) with a title or caption
# Drawn in this order; the kernel (weights, or a stack's filters) lies beside the grid.
PLANES = ("grid", "kernel", "target")


def steps(px: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """The integer pixel steps (u per column, v per row) for cells of nominal size ``px``.

    Columns run right and up, rows up and left (away from the viewer): cell (0, 0) is the
    plane's lowest corner.

    >>> steps(32)
    ((32, -13), (-18, -18))
    """
    return (px, -max(1, round(px * 0.4))), (-max(1, round(px * 0.55)), -max(1, round(px * 0.55)))


@dataclass(frozen=True)
class Plane:
    """One projected grid: cell (r, c)'s corner (0, 0) sits at ``origin + c*u + r*v``.

    >>> Plane((10, 0), (4, 2), (-2, 2), 2, 3).corner(1, 1)
    (12, 4)
    """

    origin: tuple[int, int]
    u: tuple[int, int]
    v: tuple[int, int]
    rows: int
    cols: int

    def corner(self, r: float, c: float) -> tuple[float, float]:
        """Pixel position (in pixel edges) of the grid point between rows and columns."""
        (ox, oy), (ux, uy), (vx, vy) = self.origin, self.u, self.v
        return ox + c * ux + r * vx, oy + c * uy + r * vy

    def center(self, r: int, c: int) -> tuple[float, float]:
        """The projected centre of cell (r, c).

        >>> Plane((10, 0), (4, 2), (-2, 2), 2, 3).center(0, 0)
        (11.0, 2.0)
        """
        return self.corner(r + 0.5, c + 0.5)

    def cell_poly(self, r: int, c: int) -> list[tuple[float, float]]:
        """The four corners of cell (r, c), clockwise on screen."""
        return [self.corner(r, c), self.corner(r, c + 1), self.corner(r + 1, c + 1),
                self.corner(r + 1, c)]

    def outline(self) -> list[tuple[float, float]]:
        """The four corners of the whole plane."""
        return [self.corner(0, 0), self.corner(0, self.cols), self.corner(self.rows, self.cols),
                self.corner(self.rows, 0)]

    def shifted(self, dx: int, dy: int) -> Plane:
        """The plane moved by whole pixels."""
        return replace(self, origin=(self.origin[0] + dx, self.origin[1] + dy))


@dataclass(frozen=True)
class PerspectiveLayout:
    """Planes, text slots and fonts of a perspective figure; build with :meth:`build`.

    ``panels`` is empty: the flat layout's rectangular boxes do not exist here.
    """

    size: tuple[int, int]
    cell_px: int
    planes: dict[str, Plane]
    slots: dict[str, Slot]
    fonts: dict[str, Font | None]
    theme: Theme
    title: str
    options_dpi: int
    panels: dict[str, Any] = field(default_factory=dict)
    legend: list[Any] = field(default_factory=list)
    stacked: bool = False
    label: str = ""  # the kernel plane's label, drawn in the ``kernel_label`` slot

    def painter(self, scene: Scene) -> Any:
        """The raster painter for this layout.

        >>> from convanim.geometry import Spec, plan
        >>> from convanim.draw.scene import Scene
        >>> s = Scene(plan(Spec(i=3, k=2)))
        >>> lay = PerspectiveLayout.build(s, RenderOptions(style="perspective"))
        >>> lay.painter(s).paint(0).shape[:2] == lay.size[::-1]
        True
        """
        from convanim.draw.perspective_paint import PerspectivePainter

        return PerspectivePainter(scene, self)

    def canvas(self, ax: Any) -> Any:
        """The vector canvas (polygons and real text) for this layout."""
        from convanim.draw.perspective_vector import PerspectiveCanvas

        return PerspectiveCanvas(ax, self)

    @classmethod
    def build(cls, scene: Scene, options: RenderOptions, legend: bool = True
              ) -> PerspectiveLayout:
        """The figure for ``options``: cell size from ``cell_px``, ``width`` or the box.

        ``legend`` is accepted for the flat layout's signature; this style draws none.

        >>> from convanim.geometry import Spec, plan
        >>> from convanim.draw.scene import Scene
        >>> s = Scene(plan(Spec(i=5, k=3)), False)
        >>> PerspectiveLayout.build(s, RenderOptions(style="perspective", size="640x360")).size
        (640, 360)
        """
        check_style(scene.plan.spec, options.style, scene.plan.stack is not None)
        k = options.dpi / 100
        box = options.box
        if box is not None and box[0] is None and box[1] is None:  # aspect alone: pad
            w, h = cls._assemble(scene, options, cls._default_px(scene, options, k)).size
            aw, ah = options.aspect_ratio
            box = (-(-h * aw // ah), h) if w * ah < h * aw else (w, -(-w * ah // aw))
            return cls._assemble(scene, options, cls._default_px(scene, options, k), box)
        if options.cell_px is not None:
            return cls._assemble(scene, options, options.cell_px, box)
        if box is None and options.width is None:
            return cls._assemble(scene, options, cls._default_px(scene, options, k))
        want_w, want_h = box if box is not None else (options.width, None)

        def fits(px: int) -> bool:
            w, h = cls._assemble(scene, options, px).size
            return (want_w is None or w <= want_w) and (want_h is None or h <= want_h)

        if not fits(4):
            w, h = cls._assemble(scene, options, 4).size
            name = "width" if box is None else "size"
            raise SpecError(f"{name} {want_w or w}x{want_h or h} is too small for this "
                            f"perspective figure: it needs at least {w}x{h} px; give a larger "
                            f"{name}", name)
        px = _largest(fits, 4, MAX_CELL)
        return cls._assemble(scene, options, px, (want_w, want_h))

    @classmethod
    def _default_px(cls, scene: Scene, options: RenderOptions, k: float) -> int:
        """Cells grow until the figure is about as wide as a conv_arithmetic GIF."""
        # A volume's stacks stand side by side: room for three of them.
        limit = round(DEFAULT_WIDTH * k * (3 if scene.plan.slices is not None else 1))
        low = round(8 * k)
        if options.values:
            # Numbers asked for: cells grow (past the width if need be, as the flat style's
            # do) until every number is legible; none can only at the largest cell.
            low = math.ceil(MIN_VALUE_PX / VALUE_SCALE * k)
            while low < MAX_CELL and not numbers_fit(scene, options, low):
                low += 1
        px = _largest(lambda p: cls._assemble(scene, options, p).size[0] <= limit, low,
                      max(low, round(MAX_DEFAULT_CELL * k)))
        return max(px, low)

    @classmethod
    def _assemble(cls, scene: Scene, options: RenderOptions, px: int,
                  box: tuple[int | None, int | None] | None = None) -> PerspectiveLayout:
        theme, dpi = THEMES[options.theme], options.dpi
        u, v = steps(px)
        grid_shape, target_shape = scene.panels["grid"].shape, scene.panels["target"].shape
        bottom = Plane((0, 0), u, v, *grid_shape)
        top = Plane((0, 0), u, v, *target_shape)
        # Centre the target over the grid, then lift it clear of the grid by one cell.
        bx = bottom.corner(grid_shape[0] / 2, grid_shape[1] / 2)[0]
        tx = top.corner(target_shape[0] / 2, target_shape[1] / 2)[0]
        top = top.shifted(int(bx - tx), 0)
        low = max(y for _, y in top.outline())
        high = min(y for _, y in bottom.outline())
        top = top.shifted(0, int(high) - int(low) - max(4, abs(u[1] + v[1])))
        planes = {"grid": bottom, "target": top}
        if "kernel" in scene.panels:
            # Beside the grid, one column apart on the same lattice: cells never overlap.
            kr, _ = scene.panels["kernel"].shape
            planes["kernel"] = Plane(tuple(int(n) for n in bottom.corner(  # type: ignore[arg-type]
                max(0, (grid_shape[0] - kr) // 2), grid_shape[1] + 1)), u, v,
                *scene.panels["kernel"].shape)
        m = max(4, round(10 * dpi / 100))
        minimal = options.layout == "minimal"
        fonts: dict[str, Font | None] = {
            "title": get_font(theme.title_pt, dpi, bold=True, family=theme.font),
            "caption": get_font(theme.caption_pt, dpi, family=theme.font),
            "legend": get_font(theme.legend_pt, dpi, family=theme.font),
            "label": get_font(theme.label_pt, dpi, bold=True, family=theme.font),
        }
        room = 0
        if scene.plan.slices is not None:  # a volume: its depth slices as stacked planes
            from convanim.draw.perspective_slices import label_room, stacked_planes

            room = 0 if minimal else label_room(scene, fonts["caption"])  # type: ignore[arg-type]
            planes = stacked_planes(scene, u, v, room)
        corners = [xy for plane in planes.values() for xy in plane.outline()]
        if room:  # the labels left of the input's slices
            corners.append((min(x for x, _ in planes["grid"].outline()) - room,
                            max(y for _, y in planes["grid"].outline())))
        label = kernel_label(scene) if "kernel" in planes and not minimal else ""
        if label:
            # Under the kernel plane, centred on it, room kept below it.
            lf = fonts["label"]
            assert lf is not None
            kx, ky = _under(planes["kernel"])
            lw = lf.measure(label)
            corners += [(kx - lw / 2, ky), (kx + lw / 2, ky + lf.line_height + 2)]
        x0, y0 = min(x for x, _ in corners), min(y for _, y in corners)
        x1, y1 = max(x for x, _ in corners), max(y for _, y in corners)
        value_px = px * VALUE_SCALE
        show = options.values and value_px >= MIN_VALUE_PX
        fonts["value"] = get_font(value_px * 72 / dpi, dpi, family=theme.font) if show else None
        title = options.title if options.title is not None else (
            scene.plan.spec.label if options.values else "")
        if options.values and not show:
            note = "numbers hidden: cells too small; give a larger size"
            title = f"{title}  ({note})" if title else note
        if minimal:
            title = ""
        content_w, content_h = int(x1 - x0) + 2 * m, int(y1 - y0) + 2 * m
        width = max(content_w, box[0] or 0) if box else content_w
        if title or (options.values and not minimal):
            width = max(width, round(TEXT_WIDTH * dpi / 100))  # room for title and caption
        title_font, caption_font = fonts["title"], fonts["caption"]
        assert title_font is not None and caption_font is not None
        slots, top_h = {}, 0
        if title:
            lines = len(title_font.wrap(title, width - 2 * m))
            slots["title"] = _slot(m, width - m, m, lines, title_font)
            top_h = lines * title_font.line_height + 2
        cap_h = cap_lines = 0
        if options.values and not minimal:
            captions = {f.caption + (f"  ({scene.slides}/{scene.slides})"
                                     if f.phase == "slide" else "") for f in scene.plan.frames}
            cap_lines = max(len(caption_font.wrap(c, width - 2 * m)) for c in captions)
            cap_h = cap_lines * caption_font.line_height + 2
        height = content_h + top_h + cap_h
        if box and box[1]:
            height = max(height, box[1])
        # Centre the content (planes between title and caption) in the image.
        dx = (width - (int(x1 - x0))) // 2 - int(x0)
        extra = height - content_h - top_h - cap_h
        dy = top_h + m + extra // 2 - int(y0)
        if cap_h:
            slots["caption"] = _slot(m, width - m, height - m - cap_h, cap_lines, caption_font)
        planes = {name: plane.shifted(dx, dy) for name, plane in planes.items()}
        if label:
            lf = fonts["label"]
            assert lf is not None
            kx, ky = _under(planes["kernel"])
            lw = round(lf.measure(label)) + 2
            slots["kernel_label"] = Slot(round(kx - lw / 2), round(kx - lw / 2) + lw,
                                         round(ky + 2 + lf.ascent), 1, lf, "ink")
        if room:
            from convanim.draw.perspective_slices import slice_slots

            slots.update(slice_slots(scene, planes, fonts["caption"], room))  # type: ignore[arg-type]
        return cls((width, height), px, planes, slots, fonts, theme, title, dpi, label=label)


def _under(plane: Plane) -> tuple[float, float]:
    """The x of the plane's centre and the y of its lowest corner.

    >>> _under(Plane((0, 0), (4, -2), (-2, -2), 2, 2))
    (2.0, 0)
    """
    return plane.corner(plane.rows / 2, plane.cols / 2)[0], max(y for _, y in plane.outline())


def numbers_fit(scene: Scene, options: RenderOptions, px: int) -> bool:
    """Whether cells of ``px`` pixels show every number at ``MIN_VALUE_PX`` or more, each
    shrunk as the painter shrinks it to fit across its cell.

    >>> from convanim.geometry import Spec, plan
    >>> from convanim.draw.scene import Scene
    >>> s = Scene(plan(Spec(i=5, k=3, s=2, p=1)))
    >>> o = RenderOptions(style="perspective")
    >>> numbers_fit(s, o, 29), numbers_fit(s, o, 30)
    (False, True)
    """
    from convanim.draw.legible import panel_strings
    from convanim.draw.perspective_paint import fit_font

    value_px = px * VALUE_SCALE
    if value_px < MIN_VALUE_PX:
        return False
    family = THEMES[options.theme].font
    font = get_font(value_px * 72 / options.dpi, options.dpi, family=family)
    plane = Plane((0, 0), *steps(px), 1, 1)
    texts = {t for name in ("grid", "target", "kernel") for t in panel_strings(scene)[name]}
    return all(fit_font(font, t, plane, family).size_px >= MIN_VALUE_PX for t in texts if t)


def kernel_label(scene: Scene) -> str:
    """The name under the kernel plane: the filters of a channel stack, else the kernel.

    >>> from convanim.geometry import Spec, plan
    >>> from convanim.draw.scene import Scene
    >>> kernel_label(Scene(plan(Spec(i=4, k=3)))) == "kernel 3" + TIMES + "3"
    True
    """
    rows, cols = scene.panels["kernel"].shape
    if scene.plan.stack is not None:
        return "filters"
    if scene.plan.slices is not None:  # a volume's kernel: its depth slices stacked
        return "kernel " + TIMES.join(map(str, scene.plan.slices.shapes["kernel"]))
    return f"kernel {rows}{TIMES}{cols}"


def _largest(ok: Any, low: int, high: int) -> int:
    """The largest n in low..high with ok(n) (ok is monotone), or low."""
    best = low
    while low <= high:
        mid = (low + high) // 2
        if ok(mid):
            best, low = mid, mid + 1
        else:
            high = mid - 1
    return best


def _slot(x0: int, x1: int, top: int, lines: int, font: Font) -> Slot:
    return Slot(x0, x1, top + round(font.ascent), lines, font, "ink")


def check_style(spec: Spec, style: str, stack: bool | None = None) -> None:
    """Refuse what the perspective style does not draw, in one line naming a fix.

    Channel stacks are drawn as their slices side by side on the planes, the window lit in
    every input channel and one output slice per filter; ``stack`` is kept for callers.

    >>> check_style(Spec(i=4, k=3), "perspective")
    >>> check_style(Spec(i=4, k=3, view="matrix"), "perspective")
    Traceback (most recent call last):
    ...
    convanim.geometry.spec.SpecError: style='perspective' draws the slide view, not \
view='matrix'; use style=flat (the default) or drop view
    """
    if style != "perspective":
        return
    from convanim.geometry.ops.volume import check_stack_style

    check_stack_style(spec, style)  # a 3-D channel stack: the flat style
    if spec.view == "matrix":
        raise SpecError("style='perspective' draws the slide view, not view='matrix'; use "
                        "style=flat (the default) or drop view", "style")
    if spec.view == "backward":
        raise SpecError("style='perspective' draws the forward pass, not view='backward' "
                        "(two grids written side by side); use style=flat (the default)",
                        "style")
