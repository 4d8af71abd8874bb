"""The perspective style's raster painter: parallelogram sprites, batched lines.

Every cell of a plane is the same parallelogram moved by whole pixels, so each look is one
pre-drawn sprite and a coverage mask; the raster painter repaints only the cells the scene
marks dirty, as the flat painter does. Pixels belong to the cell whose half-open parallelogram
holds their centre, so neighbours never overlap and the planes have no gaps. Each frame's
overlays: projection lines from the window's corners to the written cells' corners (hidden
behind the target plane, which is opaque), then the window and written-cell outlines.

>>> from convanim.geometry import Spec, plan
>>> from convanim.draw.options import RenderOptions
>>> from convanim.draw.perspective import PerspectiveLayout
>>> from convanim.draw.scene import Scene
>>> scene = Scene(plan(Spec(i=4, k=3)), False)
>>> lay = PerspectiveLayout.build(scene, RenderOptions(style="perspective", values=False))
>>> PerspectivePainter(scene, lay).paint(0).dtype
dtype('uint8')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convanim.draw.cells import _c, _pattern
from convanim.draw.perspective import PLANES, PerspectiveLayout, Plane
from convanim.draw.raster import slot_lines
from convanim.draw.scene import Scene
from convanim.draw.text import Font, blit, get_font
from convanim.draw.themes import Look, rgb
from convanim.geometry.plan import GAP


def cell_mask(u: tuple[int, int], v: tuple[int, int]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Coverage of one cell: (mask, s, t, left, top) over the parallelogram's bounding box.

    ``s``/``t`` are each pixel centre's position along u and v (0..1 inside); ``left``/``top``
    is the box's offset from the cell's corner. Half-open sides make neighbours tile exactly.

    >>> mask, s, t, left, top = cell_mask((4, 2), (-2, 2))
    >>> int(mask.sum()), left, top  # |u x v| = 12 pixels
    (12, -2, 0)
    """
    xs = [0, u[0], v[0], u[0] + v[0]]
    ys = [0, u[1], v[1], u[1] + v[1]]
    left, top = min(xs), min(ys)
    h, w = max(ys) - top, max(xs) - left
    py, px = np.mgrid[0:h, 0:w]
    # Twice the pixel centres, so every quantity below is an exact integer.
    qx, qy = 2 * (px + left) + 1, 2 * (py + top) + 1
    det = u[0] * v[1] - u[1] * v[0]
    a = qx * v[1] - qy * v[0]  # 2 * det * s
    b = u[0] * qy - u[1] * qx  # 2 * det * t
    mask = (a >= 0) & (a < 2 * det) & (b >= 0) & (b < 2 * det)
    return mask, a / (2 * det), b / (2 * det), left, top


def plane_sprite(look: Look, u: tuple[int, int], v: tuple[int, int], edge: int
                 ) -> np.ndarray:
    """One cell drawn in ``look`` over its bounding box (RGB; outside the mask unused).

    >>> from convanim.draw.themes import THEMES
    >>> plane_sprite(THEMES["light"].input, (20, 8), (-11, 11), 1).shape
    (19, 31, 3)
    """
    mask, s, t, _, _ = cell_mask(u, v)
    det = abs(u[0] * v[1] - u[1] * v[0])
    nu, nv = float(np.hypot(*u)), float(np.hypot(*v))
    img = np.empty((*mask.shape, 3), np.uint8)
    img[:] = rgb(look.fill)
    if look.hatch:
        period = max(4, round(nu / 5))
        ss, tt = np.round(s * nu).astype(int), np.round(t * nv).astype(int)
        hatch = np.zeros(mask.shape, bool)
        if look.hatch in ("/", "x"):
            hatch |= (ss + tt) % period == 0
        if look.hatch in ("\\", "x"):
            hatch |= (ss - tt) % period == 0
        if look.hatch == ".":
            hatch |= (ss % period == period // 2) & (tt % period == period // 2)
        img[hatch] = rgb(look.hatch_color)
    if look.cross:
        d = np.minimum(np.abs(s - t), np.abs(s + t - 1)) * min(nu, nv)
        img[d < 0.9] = rgb(look.edge)
    if look.line != "none":
        # Distance (px) from each side, and where along that side the pixel sits.
        sides = ((t * det / nu, s, nu), ((1 - t) * det / nu, s, nu),
                 (s * det / nv, t, nv), ((1 - s) * det / nv, t, nv))
        for dist, along, length in sides:
            n = max(2, round(length))
            on = _pattern(n, look.line, n)[np.clip((along * n).astype(int), 0, n - 1)]
            img[(dist < edge) & on] = rgb(look.edge)
    return img


class PerspectivePainter:
    """Paints a scene's frames on two projected planes, redrawing only dirty cells.

    >>> from convanim.geometry import Spec, plan
    >>> from convanim.draw.options import RenderOptions
    >>> scene = Scene(plan(Spec(i=4, k=3)), False)
    >>> lay = PerspectiveLayout.build(scene, RenderOptions(style="perspective"))
    >>> PerspectivePainter(scene, lay).paint(0).shape[1] == lay.size[0]
    True
    """

    def __init__(self, scene: Scene, layout: PerspectiveLayout) -> None:
        self.scene, self.layout, self.theme = scene, layout, layout.theme
        w, h = layout.size
        self.base = np.empty((h, w, 3), np.uint8)
        self.base[:] = rgb(self.theme.background)
        plane = layout.planes["grid"]
        self.mask, _, _, self.left, self.top = cell_mask(plane.u, plane.v)
        self.mask3 = self.mask[..., None]
        self.edge = max(1, round(self.theme.edge_px * layout.cell_px / 64))
        self._sprites: dict[int, np.ndarray] = {}
        self._static_done = False
        self._cover = self._plane_cover(layout.planes["target"], scene.plan.target.kinds != GAP)

    def _plane_cover(self, plane: Plane, drawn: np.ndarray
                     ) -> tuple[int, int, int, int, np.ndarray]:
        """The target plane's bounding box and the pixels of its ``drawn`` cells.

        Lines behind those cells are hidden; the empty columns between a stack's output
        maps hide nothing, or a line to the first map would vanish under the gap.
        """
        xs, ys = zip(*plane.outline())
        x0, y0 = max(int(min(xs)), 0), max(int(min(ys)), 0)
        x1, y1 = int(max(xs)) + 1, int(max(ys)) + 1
        cover = np.zeros((y1 - y0, x1 - x0), bool)
        mh, mw = self.mask.shape
        for r, c in zip(*np.nonzero(drawn)):
            cx, cy = plane.corner(int(r), int(c))
            x, y = int(cx) + self.left - x0, int(cy) + self.top - y0
            cover[y: y + mh, x: x + mw] |= self.mask[: cover.shape[0] - y, : cover.shape[1] - x]
        return x0, y0, x1, y1, cover[..., None]

    def _sprite(self, code: int) -> np.ndarray:
        found = self._sprites.get(code)
        if found is None:
            plane = self.layout.planes["grid"]
            found = self._sprites[code] = plane_sprite(
                look_of(self.theme, self.scene.looks[code]), plane.u, plane.v, self.edge)
        return found

    def paint(self, index: int, out: np.ndarray | None = None) -> np.ndarray:
        """Advance the scene to frame ``index`` and return that frame as an RGB array."""
        scene = self.scene.advance(index)
        if not self._static_done:
            self._static_done = True
            if "title" in self.layout.slots:
                self._paint_text("title", self.layout.title)
        for name in PLANES:
            if name not in self.layout.planes:
                continue
            panel, plane = scene.panels[name], self.layout.planes[name]
            for r, c in zip(*np.nonzero(panel.dirty)):
                self._paint_cell(name, plane, int(r), int(c))
        if "caption" in self.layout.slots and "caption" in scene.dirty_texts:
            self._paint_text("caption", scene.texts["caption"])
        frame = self.base.copy() if out is None else out
        if out is not None:
            np.copyto(frame, self.base)
        self.paint_overlays(frame)
        return frame

    def _paint_text(self, name: str, value: object) -> None:
        slot = self.layout.slots[name]
        y0 = slot.baseline - round(slot.font.ascent)
        y1 = y0 + slot.lines * slot.font.line_height + 2
        self.base[max(y0, 0): y1, slot.x0: slot.x1] = rgb(self.theme.background)
        for text, x, base in slot_lines(slot, value):
            blit(self.base, slot.font.render(text), x, base, _c(self.theme.ink))

    def _paint_cell(self, name: str, plane: Plane, r: int, c: int) -> None:
        state = self.scene.panels[name]
        code = int(state.look[r, c])
        cx, cy = plane.corner(r, c)
        x, y = int(cx) + self.left, int(cy) + self.top
        h, w = self.mask.shape
        np.copyto(self.base[y: y + h, x: x + w], self._sprite(code), where=self.mask3)
        text = state.main[r, c]
        font = self.layout.fonts["value"]
        if text and font is not None:
            font = fit_font(font, text, plane, self.theme.font)
            tx, base = text_at(font, text, plane, r, c)
            look = look_of(self.theme, self.scene.looks[code])
            blit(self.base, font.render(text), tx, base, _c(look.text))

    def paint_overlays(self, frame: np.ndarray) -> None:
        """Projection lines, then the window and written-cell outlines, onto ``frame``."""
        scene, planes = self.scene, self.layout.planes
        if scene.link is not None:
            draw_lines(frame, link_lines(planes, stack_link(scene)), _c(self.theme.link), 0.9)
            x0, y0, x1, y1, cover = self._cover
            np.copyto(frame[y0:y1, x0:x1], self.base[y0:y1, x0:x1], where=cover)
        thick = max(1, round(self.theme.outline_px * self.layout.cell_px / 48))
        segments = [seg for panel, cells in scene.outlines if panel in planes
                    for seg in outline_segments(planes[panel], cells)]
        draw_lines(frame, segments, _c(self.theme.outline), 1.0, thick)


def draw_lines(img: np.ndarray, segments: list, color: np.ndarray, alpha: float = 1.0,
               thick: int = 1) -> None:
    """Antialiased lines (Xiaolin Wu, as :func:`~convanim.draw.cells.draw_line`), all at once.

    ``thick`` lines are that many 1-px lines side by side across the minor axis; one batch of
    numpy operations draws every segment, which per-segment calls would spend on overhead.

    >>> img = np.zeros((10, 10, 3), np.uint8)
    >>> draw_lines(img, [((0, 5), (10, 5))], np.array([200, 0, 0]))
    >>> int(img[4, 3, 0]) + int(img[5, 3, 0])
    200
    """
    if not segments:
        return
    seg = np.array([[a[0], a[1], b[0], b[1]] for a, b in segments], float)
    steep = np.abs(seg[:, 3] - seg[:, 1]) > np.abs(seg[:, 2] - seg[:, 0])
    seg[steep] = seg[steep][:, [1, 0, 3, 2]]
    back = seg[:, 2] < seg[:, 0]
    seg[back] = seg[back][:, [2, 3, 0, 1]]
    if thick > 1:
        offsets = np.arange(thick) - (thick - 1) / 2
        seg = np.repeat(seg, thick, axis=0)
        seg[:, [1, 3]] += np.tile(offsets, len(segments))[:, None]
        steep = np.repeat(steep, thick)
    x0, y0, x1, y1 = seg.T
    start = np.floor(x0).astype(int)
    length = np.ceil(x1).astype(int) - start
    keep = length > 0
    if not keep.any():
        return
    x0, y0, x1, y1, start, length, steep = (a[keep] for a in (x0, y0, x1, y1, start, length,
                                                                steep))
    which = np.repeat(np.arange(len(x0)), length)
    xs = start[which] + np.arange(which.size) - np.repeat(np.cumsum(length) - length, length)
    dx = x1 - x0
    slope = np.divide(y1 - y0, dx, out=np.zeros_like(dx), where=dx != 0)
    ys = y0[which] + (xs + 0.5 - x0[which]) * slope[which] - 0.5
    j = np.floor(ys).astype(int)
    f = ys - j
    st = steep[which]
    rows = np.concatenate([np.where(st, xs, j), np.where(st, xs, j + 1)])
    cols = np.concatenate([np.where(st, j, xs), np.where(st, j + 1, xs)])
    cover = np.concatenate([1 - f, f]) * alpha
    h, w = img.shape[:2]
    ok = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w) & (cover > 0)
    rows, cols, a = rows[ok], cols[ok], cover[ok, None]
    img[rows, cols] = np.round(img[rows, cols] * (1 - a) + color * a).astype(np.uint8)


def look_of(theme: Any, name: str) -> Look:
    """The theme's look for a scene look name (``blank`` is the background)."""
    if name == "blank":
        return Look(theme.background, theme.background, theme.ink, "none")
    return theme.look(name)


def fit_font(font: Font, text: str, plane: Plane, family: str) -> Font:
    """``font``, shrunk until ``text`` fits across the middle of a cell.

    >>> from convanim.draw.text import FAMILY
    >>> plane = Plane((0, 0), (20, 8), (-11, 11), 1, 1)
    >>> fit_font(get_font(9, 100), "-12345", plane, FAMILY).size_pt < 9
    True
    """
    room = plane.u[0] * 0.8
    while font.measure(text) > room and font.size_pt > 4:
        font = get_font(font.size_pt * 0.85, font.dpi, family=family)
    return font


def text_at(font: Font, text: str, plane: Plane, r: int, c: int) -> tuple[float, float]:
    """Left x and baseline that centre ``text`` on cell (r, c)."""
    x, y = plane.center(r, c)
    return round(x - font.measure(text) / 2), round(y + font.cap_height / 2)


def _bounds(cells: np.ndarray) -> tuple[int, int, int, int]:
    r0, c0 = cells.min(axis=0)
    r1, c1 = cells.max(axis=0)
    return int(r0), int(c0), int(r1) + 1, int(c1) + 1


def stack_link(scene: Scene) -> Any:
    """The scene's link; for a stack, from the input slice that matches the written map.

    The slice is as far along the input stack as the written map is along the output
    stack, so the lines rise to that map without passing under the others.

    >>> from convanim.geometry import Spec, plan
    >>> s = Scene(plan(Spec(i=3, k=3, in_channels=3, out_channels=2)))
    >>> block = s.plan.stack[3]
    >>> _ = s.advance(0)  # the input frame: no link
    >>> [int(stack_link(s.advance(i))[0][1][0, 1]) // block for i in (1, 2)]  # filters 0, 1
    [0, 2]
    """
    link, stack = scene.link, scene.plan.stack
    if link is None or stack is None or not scene.link_sources:
        return link
    sources, (target, cells) = scene.link_sources, link[1]
    at = int(cells[0, 1]) // stack[4]
    return (link[0][0], sources[round(at * (len(sources) - 1) / max(stack[1] - 1, 1))]), (
        target, cells)


def link_lines(planes: dict[str, Plane], link: Any) -> list[tuple[tuple[float, float], ...]]:
    """Lines joining the corners of the source cells' box to those of the written cells.

    >>> planes = {"grid": Plane((0, 50), (4, 2), (-2, 2), 3, 3),
    ...           "target": Plane((0, 0), (4, 2), (-2, 2), 1, 1)}
    >>> link_lines(planes, (("grid", np.array([[0, 0]])), ("target", np.array([[0, 0]]))))[0]
    ((0, 50), (0, 0))
    """
    (sp, sc), (dp, dc) = link
    if sp not in planes or dp not in planes or not len(sc) or not len(dc):
        return []
    a, b = planes[sp], planes[dp]
    (sr0, sc0, sr1, sc1), (dr0, dc0, dr1, dc1) = _bounds(sc), _bounds(dc)
    ends = [((sr0, sc0), (dr0, dc0)), ((sr0, sc1), (dr0, dc1)), ((sr1, sc1), (dr1, dc1)),
            ((sr1, sc0), (dr1, dc0))]
    return [(a.corner(*s), b.corner(*d)) for s, d in ends]


def outline_segments(plane: Plane, cells: np.ndarray) -> list[tuple[tuple[float, float], ...]]:
    """The sides of ``cells`` (row, col) not shared with another of them, projected.

    >>> len(outline_segments(Plane((0, 0), (4, 2), (-2, 2), 3, 3), np.array([[0, 0], [0, 1]])))
    6
    """
    inside = {(int(r), int(c)) for r, c in cells}
    out = []
    for r, c in sorted(inside):
        sides = (((r - 1, c), (r, c), (r, c + 1)), ((r + 1, c), (r + 1, c), (r + 1, c + 1)),
                 ((r, c - 1), (r, c), (r + 1, c)), ((r, c + 1), (r, c + 1), (r + 1, c + 1)))
        out += [(plane.corner(*p), plane.corner(*q)) for n, p, q in sides if n not in inside]
    return out
