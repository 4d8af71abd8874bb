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

from functools import lru_cache
from typing import Any

import numpy as np

from convanim.draw.cells import rgb_array
from convanim.draw.perspective import PLANES, PerspectiveLayout, Plane
from convanim.draw.perspective_cells import (
    RANK,
    cell_mask,
    cell_sums,
    edge_px,
    geometry,
    side_halves,
)
from convanim.draw.raster import slot_lines
from convanim.draw.scene import Scene
from convanim.draw.smooth import SS, Trace, block_sums, mean_table, put, stroke, trace
from convanim.draw.text import Font, blit, get_font
from convanim.draw.themes import Look, rgb
from convanim.geometry.plan import GAP

PIXEL = np.dtype((np.void, 3))  # one RGB pixel as a unit, for whole-pixel scatters
# HALVES[mine][theirs]: halves of the edge width a cell draws on a side, by line RANK
# (RANK's values count up from 0 in its order).
HALVES = tuple(tuple(side_halves(a, b if RANK[b] else None) for b in RANK) for a in RANK)


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
        # (np.tile: ~3x faster than broadcasting a colour into an empty array)
        background = np.array(rgb(self.theme.background), np.uint8)
        self.base = np.tile(background, (h, w, 1))
        # Each pixel's sum over its SS x SS sub-pixels (text lives only in ``base``). Cells
        # tile the sub-pixels exactly, so a repainted cell adds its new sums and takes away
        # its old ones: exact integers, whatever order cells are painted in.
        self.acc = np.tile(background.astype(np.int32) * SS * SS, (h, w, 1))
        self._shown: dict[tuple[str, int, int], tuple | None] = {}
        self._texts: dict[tuple[str, int, int], str] = {}
        plane = layout.planes["grid"]
        self.mask, _, _, self.left, self.top = cell_mask(plane.u, plane.v)
        # Sub-pixels of each pixel a cell owns: the pixels its repaint recomputes, and how
        # much of a pixel the (opaque) target plane hides of the lines behind it.
        self.owned = block_sums(geometry(plane.u, plane.v)[0].view(np.uint8), SS)
        self.touch = self.owned > 0
        ty, tx = np.nonzero(self.touch)
        self._touched = ty * w + tx  # the same, as offsets into a flattened frame
        self.edge = edge_px(self.theme, layout.cell_px)
        self._sprites: dict[tuple | None, np.ndarray] = {
            None: self.owned[..., None] * np.array(rgb(self.theme.background), np.int32)}
        self._looks: dict[tuple[bool, int], Look] = {}
        # Each cell's line style as its RANK, in lists padded by a ring of empty cells.
        self._ranks = {name: [[0] * (scene.panels[name].shape[1] + 2)
                              for _ in range(scene.panels[name].shape[0] + 2)]
                       for name in layout.planes}
        self._static_done = False
        self.cover = self._plane_cover(layout.planes["target"], scene.plan.target.kinds != GAP)

    def _plane_cover(self, plane: Plane, drawn: np.ndarray) -> np.ndarray:
        """How much of each pixel (0..1) the target plane's ``drawn`` cells cover.

        Lines behind those cells are hidden; the empty columns between a stack's output
        maps hide nothing, or a line to the first map would vanish under the gap. Cells own
        disjoint sub-pixels, so the cover is the sum of each cell's own.
        """
        h, w = self.base.shape[:2]
        owned = np.zeros((h, w), np.int32)
        for r, c in zip(*np.nonzero(drawn)):
            cx, cy = plane.corner(int(r), int(c))
            x, y = int(cx) + self.left, int(cy) + self.top
            if x < 0 or y < 0:
                continue
            part = owned[y: y + self.owned.shape[0], x: x + self.owned.shape[1]]
            part += self.owned[: part.shape[0], : part.shape[1]]
        return owned.astype(np.float32) / np.float32(SS * SS)

    def _look(self, name: str, code: int) -> Look:
        key = (name == "kernel", code)
        found = self._looks.get(key)
        if found is None:
            found = self._looks[key] = look_of(self.theme, self.scene.looks[code],
                                               "kernel" if key[0] else "input")
        return found

    def _sprite(self, key: tuple) -> np.ndarray:
        """Per-pixel sums of one cell's sub-pixels drawn in a look (int32, its box)."""
        found = self._sprites.get(key)
        if found is None:
            kernel, code, sides = key
            plane = self.layout.planes["grid"]
            found = self._sprites[key] = cell_sums(
                self._look("kernel" if kernel else "grid", code), plane.u, plane.v, self.edge,
                sides)
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
            plane = self.layout.planes[name]
            cells = [(r, c) for r, c in self._repaint(name, plane)
                     if self._paint_cell(name, plane, r, c)]
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

    def _repaint(self, name: str, plane: Plane) -> list[tuple[int, int]]:
        """The scene's dirty cells of a plane, plus the neighbours of any whose line style
        changed (the stronger style of two neighbours draws their shared side)."""
        panel, ranks = self.scene.panels[name], self._ranks[name]
        cells = {(int(r), int(c)) for r, c in zip(*np.nonzero(panel.dirty))}
        for r, c in list(cells):
            rank = RANK[self._look(name, int(panel.look[r, c])).line]
            if rank != ranks[r + 1][c + 1]:
                ranks[r + 1][c + 1] = rank
                cells.update((rr, cc) for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1),
                                                     (r, c + 1))
                             if 0 <= rr < plane.rows and 0 <= cc < plane.cols)
        return sorted(cells)

    def _paint_text(self, name: str, value: object) -> None:
        slot = self.layout.slots[name]
        y0 = slot.baseline - round(slot.font.ascent)
        y1 = y0 + slot.lines * slot.font.line_height + 2
        self.base[max(y0, 0): y1, slot.x0: slot.x1] = rgb(self.theme.background)
        for text, x, base in slot_lines(slot, value):
            blit(self.base, slot.font.render(text), x, base, rgb_array(self.theme.ink))

    def _paint_cell(self, name: str, plane: Plane, r: int, c: int) -> bool:
        """Swap cell (r, c)'s sub-pixel sums for those of its current look and sides;
        False when it already shows them and its number (a cell the window keeps
        covering)."""
        panel = self.scene.panels[name]
        code, text = int(panel.look[r, c]), panel.main[r, c]
        ranks = self._ranks[name]  # padded by a ring of "none": row r is ranks[r + 1]
        halves = HALVES[ranks[r + 1][c + 1]]
        sides = (halves[ranks[r][c + 1]], halves[ranks[r + 2][c + 1]],
                 halves[ranks[r + 1][c]], halves[ranks[r + 1][c + 2]])
        key = (name == "kernel", code, sides)
        old = self._shown.get((name, r, c))
        if old == key:
            if self._texts.get((name, r, c)) == text:
                return False
            self._texts[(name, r, c)] = text
            return True
        self._shown[(name, r, c)] = key
        self._texts[(name, r, c)] = text
        cx, cy = plane.corner(r, c)
        x, y = int(cx) + self.left, int(cy) + self.top
        h, w = self.mask.shape
        part = self.acc[y: y + h, x: x + w]
        part += self._sprite(key)
        part -= self._sprite(old)
        return True

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
        table, font = mean_table(SS), self.layout.fonts["value"]
        if font is None:
            # No numbers: just the pixels the cells touch, all at once (one box around
            # them would be the whole plane when the window jumps to the next row). A pixel
            # two cells touch is listed twice, and gets the same value twice.
            width = self.base.shape[1]
            at = (np.array([y * width + x for x, y in spots])[:, None] + self._touched).ravel()
            mean = table.take(self.acc.reshape(-1, 3).take(at, axis=0))
            # Whole pixels (3 bytes each) at once: ~2x faster than an (n, 3) row scatter.
            self.base.view(PIXEL).reshape(-1)[at] = mean.view(PIXEL).reshape(-1)
            return
        x0, y0 = min(x for x, _ in spots), min(y for _, y in spots)
        x1, y1 = max(x for x, _ in spots) + w, max(y for _, y in spots) + h
        block = table.take(self.acc[y0:y1, x0:x1])
        touch = np.zeros((y1 - y0, x1 - x0), bool)
        for x, y in spots:
            touch[y - y0: y - y0 + h, x - x0: x - x0 + w] |= self.touch
        state = self.scene.panels[name]
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
        """Projection lines (hidden behind the target plane), then the window and
        written-cell outlines, onto ``frame``."""
        scene, planes = self.scene, self.layout.planes
        if scene.link is not None:
            width = max(1.0, self.theme.link_px * self.layout.cell_px / 32)
            stroke(frame, link_lines(planes, stack_link(scene)), rgb_array(link_color(self.theme)),
                   width, hide=(self.base, self.cover))
        color = rgb_array(self.theme.outline)
        for panel, cells in scene.outlines:
            if panel in planes and len(cells):
                traced, shift = self._outline(planes[panel], cells)
                put(frame, traced, color, shift)

    def _outline(self, plane: Plane, cells: np.ndarray) -> tuple[Trace, tuple]:
        """The traced outline of ``cells`` and the whole-pixel shift that puts it in place."""
        thick = max(1.5, self.theme.outline_px * self.layout.cell_px / 48)
        if type(plane) is not Plane:
            # A volume's plane puts each depth slice elsewhere (SlicedPlane): its cells are
            # not one lattice, so the outline is traced where it is, not moved into place.
            return trace(outline_segments(plane, cells), thick), (0, 0)
        r0, c0 = (int(n) for n in cells.min(axis=0))
        shape = tuple(sorted((int(r) - r0, int(c) - c0) for r, c in cells))
        x, y = plane.corner(r0, c0)
        return outline_trace(plane.u, plane.v, shape, thick), (int(x), int(y))


@lru_cache(maxsize=256)
def outline_trace(u: tuple[int, int], v: tuple[int, int], shape: tuple[tuple[int, int], ...],
                  thick: float) -> Trace:
    """The outline of a set of cells (``shape``: (row, col) from (0, 0)), traced with its
    cell (0, 0)'s corner at the origin.

    Planes move cells by whole pixels, so an outline's pixels depend only on the lattice and
    the shape of its cells: each is traced once per process and moved into place.

    >>> line = outline_trace((20, -8), (-11, -11), ((0, 0),), 2.0)
    >>> line.box  # (x0, y0, x1, y1): the cell spans x -11..20, y -19..0, plus the line
    (-13, -21, 22, 2)
    """
    home = Plane((0, 0), u, v, 1 + max(r for r, _ in shape), 1 + max(c for _, c in shape))
    return trace(outline_segments(home, np.array(shape)), thick)


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


def look_of(theme: Any, name: str, under: str = "input") -> Look:
    """The theme's look for a scene look name (``blank`` is the background).

    The window is see-through by the flat style's rule (:meth:`Theme.see_through`): a cell
    under it keeps its own look (input, inserted zero, padding: edges, marks and text), its
    fill tinted by the window's colour. A plain ``window`` cell is an ``under`` cell (the
    kernel's taps on the kernel plane).

    >>> from convanim.draw.themes import THEMES
    >>> light = THEMES["light"]
    >>> look_of(light, "window+padding") == light.look("window+padding")
    True
    >>> look_of(light, "window+padding").line, look_of(light, "window", "kernel").line
    ('dashed', 'solid')
    """
    if name == "blank":
        return Look(theme.background, theme.background, theme.ink, "none")
    head, at, group = name.partition("@g")
    base, _, kind = head.partition("+")
    if base != "window":
        return theme.look(name)
    return theme.look(f"window+{kind or under}{at}{group}")


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
