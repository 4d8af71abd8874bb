"""The perspective style's raster painter: supersampled parallelogram sprites, smooth lines.

Every cell of a plane is the same parallelogram moved by whole pixels, so each look is one
pre-drawn sprite; the painter repaints only the cells the scene marks dirty, as the flat
painter does. Each pixel has ``SS`` x ``SS`` sub-pixels, each owned by the cell whose
half-open parallelogram holds its centre (neighbours never overlap, planes have no gaps);
the painter keeps every pixel's sum over its sub-pixels, a repainted cell swaps its old
sprite's sums for its new one's, and a pixel is that sum's mean: slanted edges are
anti-aliased and every pixel is the same whatever order cells were painted in. A shared
edge is drawn once, half by each cell, so interior lines are as thick as outer ones and
dashes line up. Numbers are drawn at full size on top. Each frame's overlays: projection
lines from the window's corners to the written cells' corners (hidden behind the target
plane, which is opaque), then the window and written-cell outlines, all anti-aliased.

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

from dataclasses import replace
from functools import lru_cache
from typing import Any

import numpy as np

from convanim.draw.cells import line_mask, rgb_array
from convanim.draw.perspective import PLANES, PerspectiveLayout, Plane
from convanim.draw.raster import slot_lines
from convanim.draw.scene import Scene
from convanim.draw.smooth import SS, block_sums, mean_table, stroke
from convanim.draw.text import Font, blit, get_font
from convanim.draw.themes import Look, rgb
from convanim.geometry.plan import GAP


def cell_mask(u: tuple[int, int], v: tuple[int, int]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Coverage of one cell: (mask, s, t, left, top) over the parallelogram's bounding box.

    ``s``/``t`` are each pixel centre's position along u and v (0..1 inside); ``left``/``top``
    is the box's offset from the cell's corner. Half-open sides make neighbours tile exactly.

    >>> mask, s, t, left, top = cell_mask((4, -2), (-2, -2))
    >>> int(mask.sum()), left, top  # |u x v| = 12 pixels
    (12, -2, -4)
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
    if det < 0:  # a mirrored lattice: the same half-open test on the negated quantities
        a, b, det = -a, -b, -det
    mask = (a >= 0) & (a < 2 * det) & (b >= 0) & (b < 2 * det)
    return mask, a / (2 * det), b / (2 * det), left, top


@lru_cache(maxsize=16)
def _geometry(u: tuple[int, int], v: tuple[int, int], scale: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`cell_mask` of the cell at ``scale`` (mask, s, t), shared by every sprite."""
    mask, s, t, _, _ = cell_mask((u[0] * scale, u[1] * scale), (v[0] * scale, v[1] * scale))
    return mask, s, t


def plane_sprite(look: Look, u: tuple[int, int], v: tuple[int, int], edge: float,
                 scale: int = 1, outer: tuple[bool, bool, bool, bool] = (True,) * 4
                 ) -> np.ndarray:
    """One cell drawn in ``look`` at ``scale`` times its size (RGB; outside the mask unused).

    ``edge`` is the width (px at scale 1) of a line between two cells: each cell draws half
    of it along a shared side, and all of it, inside, along a side in ``outer`` (sides at
    v = 0, v = 1, u = 0, u = 1: the plane's border), so a shared edge is drawn once.

    >>> from convanim.draw.themes import THEMES
    >>> plane_sprite(THEMES["light"].input, (20, -8), (-11, -11), 1).shape
    (19, 31, 3)
    """
    img = _inside(look, u, v, scale).copy()
    if look.line != "none":
        img[_edges(u, v, scale, edge, look.line, outer)] = rgb(look.edge)
    return img


@lru_cache(maxsize=64)
def _inside(look: Look, u: tuple[int, int], v: tuple[int, int], scale: int) -> np.ndarray:
    """A cell's fill, hatch and cross, without its edges."""
    mask, s, t = _geometry(u, v, scale)
    nu, nv = float(np.hypot(*u)), float(np.hypot(*v))
    img = np.empty((*mask.shape, 3), np.uint8)
    img[:] = rgb(look.fill)
    if look.hatch:
        # Marks one pixel wide at any scale, on the same lattice of the cell's own axes.
        period = max(4, round(nu / 5))
        ss, tt = s * nu, t * nv
        hatch = np.zeros(mask.shape, bool)
        if look.hatch in ("/", "x"):
            hatch |= (ss + tt) % period < 1
        if look.hatch in ("\\", "x"):
            hatch |= (ss - tt) % period < 1
        if look.hatch == ".":
            hatch |= (np.abs(ss % period - period / 2) < 0.6) & (
                np.abs(tt % period - period / 2) < 0.6)
        img[hatch] = rgb(look.hatch_color)
    if look.cross:
        d = np.minimum(np.abs(s - t), np.abs(s + t - 1)) * min(nu, nv)
        img[d < 0.6] = rgb(look.edge)
    return img


@lru_cache(maxsize=128)
def _edges(u: tuple[int, int], v: tuple[int, int], scale: int, edge: float, line: str,
           outer: tuple[bool, bool, bool, bool]) -> np.ndarray:
    """Where a cell's edges in ``line`` style lie (half width on shared sides)."""
    mask, s, t = _geometry(u, v, scale)
    det = abs(u[0] * v[1] - u[1] * v[0])
    nu, nv = float(np.hypot(*u)), float(np.hypot(*v))
    # Distance (px) from each side, and where along that side the pixel sits.
    sides = ((t * det / nu, s, nu), ((1 - t) * det / nu, s, nu),
             (s * det / nv, t, nv), ((1 - s) * det / nv, t, nv))
    out = np.zeros(mask.shape, bool)
    for (dist, along, length), full in zip(sides, outer):
        n = max(2, round(length))
        on = line_mask(n, line, n)[np.clip((along * n).astype(int), 0, n - 1)]
        out |= (dist < (edge if full else edge / 2)) & on
    return out


def edge_px(theme: Any, cell_px: int) -> float:
    """Width (px) of the line between two cells of a plane: the theme's, grown with the cells.

    >>> from convanim.draw.themes import THEMES
    >>> edge_px(THEMES["light"], 42)
    1.5
    """
    return max(1.0, theme.edge_px * cell_px / 28)


def link_color(theme: Any) -> str:
    """The projection lines' colour: the theme's link colour, half way to its ink.

    Darker than the link on a light theme and lighter on a dark one, so the lines stand
    out from the background and the cells in every theme.

    >>> from convanim.draw.themes import THEMES
    >>> link_color(THEMES["light"])
    '#805d0d'
    """
    return mix(theme.link, theme.ink, 0.5)


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
        # Each pixel's sum over its SS x SS sub-pixels (text lives only in ``base``). Cells
        # tile the sub-pixels exactly, so a repainted cell adds its new sprite's sums and
        # takes away its old one's: exact integers, whatever order cells are painted in.
        self.acc = np.empty((h, w, 3), np.int32)
        self.acc[:] = np.array(rgb(self.theme.background)) * SS * SS
        self._shown: dict[tuple[str, int, int], tuple | None] = {}
        plane = layout.planes["grid"]
        self.mask, _, _, self.left, self.top = cell_mask(plane.u, plane.v)
        hi_u = (plane.u[0] * SS, plane.u[1] * SS)
        hi_v = (plane.v[0] * SS, plane.v[1] * SS)
        self.hi_mask = cell_mask(hi_u, hi_v)[0][..., None]
        mh, mw = self.mask.shape
        # Pixels a cell covers in part: the ones its repaint recomputes.
        self.touch = self.hi_mask[..., 0].reshape(mh, SS, mw, SS).any(axis=(1, 3))[..., None]
        self.edge = edge_px(self.theme, layout.cell_px)
        self._sprites: dict[tuple | None, np.ndarray] = {
            None: block_sums(np.where(self.hi_mask, np.array(rgb(self.theme.background),
                                                              np.uint8), 0), SS)}
        self._static_done = False
        self._cover = self._plane_cover(layout.planes["target"], scene.plan.target.kinds != GAP)

    def _plane_cover(self, plane: Plane, drawn: np.ndarray
                     ) -> tuple[int, int, int, int, np.ndarray]:
        """The target plane's bounding box and how much of each pixel its ``drawn`` cells cover.

        Lines behind those cells are hidden; the empty columns between a stack's output
        maps hide nothing, or a line to the first map would vanish under the gap.
        """
        xs, ys = zip(*plane.outline())
        x0, y0 = max(int(min(xs)) - 1, 0), max(int(min(ys)) - 1, 0)
        x1, y1 = int(max(xs)) + 2, int(max(ys)) + 2
        hi = np.zeros(((y1 - y0) * SS, (x1 - x0) * SS), bool)
        mask = self.hi_mask[..., 0]
        mh, mw = mask.shape
        for r, c in zip(*np.nonzero(drawn)):
            cx, cy = plane.corner(int(r), int(c))
            x, y = (int(cx) - x0 + self.left) * SS, (int(cy) - y0 + self.top) * SS
            if x < 0 or y < 0:
                continue
            part = hi[y: y + mh, x: x + mw]
            part |= mask[: part.shape[0], : part.shape[1]]
        cover = hi.reshape(y1 - y0, SS, x1 - x0, SS).mean(axis=(1, 3), dtype=np.float32)
        return x0, y0, x1, y1, cover[..., None]

    def _look(self, name: str, code: int) -> Look:
        return look_of(self.theme, self.scene.looks[code],
                       "kernel" if name == "kernel" else "input")

    def _sprite(self, key: tuple) -> np.ndarray:
        """Per-pixel sums of one cell's sub-pixels drawn in a look (int32, mask only)."""
        found = self._sprites.get(key)
        if found is None:
            kernel, code, outer = key
            plane = self.layout.planes["grid"]
            hi = plane_sprite(self._look("kernel" if kernel else "grid", code), plane.u,
                              plane.v, self.edge, SS, outer)
            found = self._sprites[key] = block_sums(np.where(self.hi_mask, hi, 0), SS)
        return found

    def paint(self, index: int, out: np.ndarray | None = None) -> np.ndarray:
        """Advance the scene to frame ``index`` and return that frame as an RGB array."""
        scene = self.scene.advance(index)
        if not self._static_done:
            self._static_done = True
            if "title" in self.layout.slots:
                self._paint_text("title", self.layout.title)
            if "kernel_label" in self.layout.slots:
                self._paint_text("kernel_label", self.layout.label)
        for name in PLANES:
            if name not in self.layout.planes:
                continue
            panel, plane = scene.panels[name], self.layout.planes[name]
            cells = [(int(r), int(c)) for r, c in zip(*np.nonzero(panel.dirty))]
            for r, c in cells:
                self._paint_cell(name, plane, r, c)
            if cells:
                self._settle(name, plane, cells)
        if "caption" in self.layout.slots and "caption" in scene.dirty_texts:
            self._paint_text("caption", scene.texts["caption"])
        # A volume's slice labels (d=0, pad, ...): the grid's slots overlap another grid's
        # at the same slice, so the emptied ones are cleared before the new words are drawn.
        for name in sorted(scene.dirty_texts, key=lambda n: (bool(scene.texts[n]), n)):
            if name.startswith("slice_") and name in self.layout.slots:
                self._paint_text(name, scene.texts[name])
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
            blit(self.base, slot.font.render(text), x, base, rgb_array(self.theme.ink))

    def _paint_cell(self, name: str, plane: Plane, r: int, c: int) -> None:
        """Swap cell (r, c)'s sub-pixel sums for those of its current look."""
        code = int(self.scene.panels[name].look[r, c])
        key = (name == "kernel", code, (r == 0, r == plane.rows - 1, c == 0, c == plane.cols - 1))
        old = self._shown.get((name, r, c))
        if old == key:
            return
        self._shown[(name, r, c)] = key
        cx, cy = plane.corner(r, c)
        x, y = int(cx) + self.left, int(cy) + self.top
        h, w = self.mask.shape
        part = self.acc[y: y + h, x: x + w]
        part += self._sprite(key)
        part -= self._sprite(old)

    def _settle(self, name: str, plane: Plane, cells: list[tuple[int, int]]) -> None:
        """Average the pixels of ``cells`` down into ``base`` and draw the numbers over them.

        One block spans all of them (neighbouring cells share most of their bounding
        boxes). A neighbour's number may reach into those pixels, so every number of a cell
        next to one of them is drawn into the averaged block before it is copied in: each
        pixel is computed from scratch, never blended twice.
        """
        h, w = self.mask.shape
        spots = [(int(cx) + self.left, int(cy) + self.top)
                 for cx, cy in (plane.corner(r, c) for r, c in cells)]
        x0, y0 = min(x for x, _ in spots), min(y for _, y in spots)
        x1, y1 = max(x for x, _ in spots) + w, max(y for _, y in spots) + h
        block = mean_table(SS).take(self.acc[y0:y1, x0:x1])
        touch = np.zeros((y1 - y0, x1 - x0), bool)
        for x, y in spots:
            touch[y - y0: y - y0 + h, x - x0: x - x0 + w] |= self.touch[..., 0]
        state, font = self.scene.panels[name], self.layout.fonts["value"]
        if font is not None:
            near = {(rr, cc) for r, c in cells
                    for rr in range(max(r - 1, 0), min(r + 2, plane.rows))
                    for cc in range(max(c - 1, 0), min(c + 2, plane.cols))}
            for rr, cc in sorted(near):
                text = state.main[rr, cc]
                if not text:
                    continue
                f = fit_font(font, text, plane, self.theme.font)
                tx, base = text_at(f, text, plane, rr, cc)
                look = self._look(name, int(state.look[rr, cc]))
                blit(block, f.render(text), tx - x0, base - y0, rgb_array(look.text))
        np.copyto(self.base[y0:y1, x0:x1], block, where=touch[..., None])

    def paint_overlays(self, frame: np.ndarray) -> None:
        """Projection lines, then the window and written-cell outlines, onto ``frame``."""
        scene, planes = self.scene, self.layout.planes
        if scene.link is not None:
            width = max(1.0, self.theme.link_px * self.layout.cell_px / 32)
            stroke(frame, link_lines(planes, stack_link(scene)), rgb_array(link_color(self.theme)),
                   width)
            x0, y0, x1, y1, cover = self._cover
            part, under = frame[y0:y1, x0:x1], self.base[y0:y1, x0:x1]
            # Only pixels a line changed differ from the base: blend those alone.
            ys, xs = np.nonzero((part != under).any(axis=2) & (cover[: part.shape[0],
                                                                     : part.shape[1], 0] > 0))
            if ys.size:
                a, top = cover[ys, xs], part[ys, xs].astype(np.float32)
                part[ys, xs] = np.floor(top + (under[ys, xs] - top) * a + 0.5).astype(np.uint8)
        thick = max(1.5, self.theme.outline_px * self.layout.cell_px / 48)
        segments = [seg for panel, cells in scene.outlines if panel in planes
                    for seg in outline_segments(planes[panel], cells)]
        stroke(frame, segments, rgb_array(self.theme.outline), thick)


def draw_lines(img: np.ndarray, segments: list, color: np.ndarray, alpha: float = 1.0,
               thick: float = 1) -> None:
    """Anti-aliased lines ``thick`` px wide, all at once (:func:`~convanim.draw.smooth.stroke`).

    >>> img = np.zeros((10, 10, 3), np.uint8)
    >>> draw_lines(img, [((0, 5), (10, 5))], np.array([200, 0, 0]))
    >>> int(img[4, 3, 0]) + int(img[5, 3, 0])
    200
    """
    stroke(img, segments, color, thick, alpha)


def mix(under: str, over: str, alpha: float) -> str:
    """``over`` at ``alpha`` on ``under``, as a hex colour.

    >>> mix("#ffffff", "#000000", 0.5)
    '#808080'
    """
    a, b = np.array(rgb(under), float), np.array(rgb(over), float)
    return "#" + "".join(f"{int(np.floor(x + 0.5)):02x}" for x in a + (b - a) * alpha)


WINDOW_TINT = 0.5  # how much of the window's colour tints the cells under it


def look_of(theme: Any, name: str, under: str = "input") -> Look:
    """The theme's look for a scene look name (``blank`` is the background).

    The window is see-through: a cell under it keeps its own look (input, inserted zero,
    padding: edges, marks and text), its fill tinted half way to the window's colour.
    A plain ``window`` cell is an ``under`` cell (the kernel's taps on the kernel plane).

    >>> from convanim.draw.themes import THEMES
    >>> light = THEMES["light"]
    >>> look_of(light, "window+padding").line, look_of(light, "window+padding").fill
    ('dashed', '#f3cf80')
    """
    if name == "blank":
        return Look(theme.background, theme.background, theme.ink, "none")
    head, at, group = name.partition("@g")
    base, _, kind = head.partition("+")
    if base != "window":
        return theme.look(name)
    below = theme.look((kind or under) + at + group)
    return replace(below, fill=mix(below.fill, theme.window.fill, WINDOW_TINT))


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
