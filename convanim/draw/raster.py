"""Raster frames, fast: cells are pre-drawn sprites, text is cached glyphs, only changes redraw.

A persistent base image holds cells and text; each frame repaints the cells and text slots the
scene marked dirty, copies the base and draws the overlays (window outlines, link lines) on the
copy. Everything lands on whole pixels with integer blending, so output is deterministic.

>>> from convanim.geometry import Spec, plan
>>> from convanim.draw.options import RenderOptions
>>> from convanim.draw.layout import Layout
>>> from convanim.draw.scene import Scene
>>> scene = Scene(plan(Spec(i=4, k=3)))
>>> painter = RasterPainter(scene, Layout.build(scene, RenderOptions()))
>>> painter.paint(0).dtype
dtype('uint8')
"""

from __future__ import annotations

import numpy as np

from convanim.draw.cells import cell_sprite, draw_line, draw_outline, fill_polygon, rgb_array
from convanim.draw.layout import Box, Layout, Slot
from convanim.draw.scene import Formula, Scene
from convanim.draw.text import Font, TextImage, blit, text_window
from convanim.draw.themes import Look, Theme, rgb

# Finished cell tiles kept per process, for every painter (a 32 px tile is 3 KB): a figure's
# cells are drawn once in a gallery, a batch or a notebook, however often it is rendered.
_TILE_BYTES = 32 << 20
_TILES: dict[tuple, np.ndarray] = {}
_tile_bytes = 0
# Blend ramps kept per process: one per (colour under the text, text colour), 768 bytes each.
_RAMP_CACHE = 4096
_RAMPS: dict[tuple[bytes, bytes], np.ndarray] = {}
_LEVELS = TextImage(np.arange(256, dtype=np.uint8)[None, :], 0, 0.0)

__all__ = ["RasterPainter", "blit_flat", "cell_sprite", "cell_text", "link_geometry",
           "outline_px", "slot_lines"]


def blit_flat(image: np.ndarray, text: TextImage, x: float, baseline: float,
              color: np.ndarray) -> None:
    """:func:`~convanim.draw.text.blit`, with the same bytes, faster on a one-colour ground.

    Text mostly lands on one colour (a cell's fill, the background of a caption). There the
    blend of every pixel depends on its coverage alone, so the 256 possible results are
    blended once, by ``blit`` itself, and the text becomes one table look-up per pixel
    instead of the blend's eight 16-bit passes. Anywhere else ``blit`` draws it.

    >>> from convanim.draw.text import get_font
    >>> a, b = np.full((20, 30, 3), 200, np.uint8), np.full((20, 30, 3), 200, np.uint8)
    >>> text = get_font(9, 100).render("8")
    >>> blit_flat(a, text, 5, 15, np.array([0, 0, 90])); blit(b, text, 5, 15, np.array([0, 0, 90]))
    >>> bool((a == b).all()), int(a.min())
    (True, 0)
    """
    window = text_window(image.shape, text, x, baseline)
    if window is None:
        return
    rows_at, cols_at, mask_rows, mask_cols = window
    region = image[rows_at, cols_at]
    # One colour: every row equals the first, whose pixels each equal their left neighbour.
    # Rows as runs of bytes keep numpy's loops contiguous (against the 3-byte pixel itself,
    # its inner loop runs over 3 entries, 40x slower).
    rows = region.reshape(region.shape[0], -1)
    first = rows[0]
    if not ((first[3:] == first[:-3]).all() and (rows[1:] == first).all()):
        blit(image, text, x, baseline, color)
        return
    under = region[0, 0]
    key = (under.tobytes(), np.asarray(color).tobytes())
    ramp = _RAMPS.get(key)
    if ramp is None:
        ramp = np.empty((1, 256, 3), np.uint8)
        ramp[:] = under
        blit(ramp, _LEVELS, 0, 0, color)
        if len(_RAMPS) >= _RAMP_CACHE:
            _RAMPS.clear()
        ramp = _RAMPS[key] = ramp[0]
    region[:] = ramp.take(text.mask[mask_rows, mask_cols], axis=0)


def _bbox(box: Box, cells: np.ndarray) -> tuple[float, float, float, float]:
    """Pixel bounds (x0, y0, x1, y1) of the tiles of ``cells``."""
    r0, c0 = cells.min(axis=0)
    r1, c1 = cells.max(axis=0)
    x0, y0, _, _ = box.tile(int(r0), int(c0))
    _, _, x1, y1 = box.tile(int(r1), int(c1))
    return x0, y0, x1, y1


def link_geometry(layout: Layout, scene: Scene
                  ) -> tuple[list[tuple[float, float, float, float]], list[tuple[float, float]]]:
    """The two link lines and the polygon filling the gap between the panels.

    >>> from convanim.geometry import Spec, plan
    >>> from convanim.draw.options import RenderOptions
    >>> scene = Scene(plan(Spec(i=4, k=3)))
    >>> layout = Layout.build(scene, RenderOptions(cell_px=20))
    >>> lines, poly = link_geometry(layout, scene.advance(0).advance(1))
    >>> len(lines), len(poly)
    (2, 4)
    """
    assert scene.link is not None
    (sp, sc), (dp, dc) = scene.link
    sb, db = layout.panels[sp], layout.panels[dp]
    sx0, sy0, sx1, sy1 = _bbox(sb, sc)
    dx0, dy0, dx1, dy1 = _bbox(db, dc)
    if layout.stacked:
        lines = [(sx0, sy1, dx0, dy0), (sx1, sy1, dx1, dy0)]
        ga, gb = sb.y + sb.height, db.y
        t0, t1 = (ga - sy1) / max(dy0 - sy1, 1), (gb - sy1) / max(dy0 - sy1, 1)
        poly = [(sx0 + (dx0 - sx0) * t0, ga), (sx1 + (dx1 - sx1) * t0, ga),
                (sx1 + (dx1 - sx1) * t1, gb), (sx0 + (dx0 - sx0) * t1, gb)]
    else:
        lines = [(sx1, sy0, dx0, dy0), (sx1, sy1, dx0, dy1)]
        ga, gb = sb.x + sb.width, db.x
        t0, t1 = (ga - sx1) / max(dx0 - sx1, 1), (gb - sx1) / max(dx0 - sx1, 1)
        poly = [(ga, sy0 + (dy0 - sy0) * t0), (gb, sy0 + (dy0 - sy0) * t1),
                (gb, sy1 + (dy1 - sy1) * t1), (ga, sy1 + (dy1 - sy1) * t0)]
    return lines, poly


class RasterPainter:
    """Paints a scene's frames into RGB arrays, redrawing only what the scene marks dirty.

    >>> from convanim.geometry import Spec, plan
    >>> from convanim.draw.options import RenderOptions
    >>> scene = Scene(plan(Spec(i=4, k=3)))
    >>> layout = Layout.build(scene, RenderOptions(cell_px=20))
    >>> RasterPainter(scene, layout).paint(0).shape[1] == layout.size[0]
    True
    """

    def __init__(self, scene: Scene, layout: Layout) -> None:
        self.scene, self.layout, self.theme = scene, layout, layout.theme
        w, h = layout.size
        self.base = np.empty((h, w, 3), np.uint8)
        self.base[:] = rgb(self.theme.background)
        self._sprites: dict[tuple[int, int], np.ndarray] = {}
        # What a finished tile depends on besides its look, size and text: the ground, the
        # edge width and the fonts of values and notes (see _paint_cell).
        fonts = layout.fonts
        self._tile_kind = (self.theme.background, self.theme.edge_px, *(
            None if font is None else (font.size_pt, font.dpi, font.bold, font.family)
            for font in (fonts.get("value"), fonts.get("kvalue"), fonts.get("small"))))
        self._looks: dict[int, Look] = {}
        self._drawn: dict[str, list[tuple[int, int, int, int]]] = {}
        self._static_done = False

    def _color(self, name: str) -> np.ndarray:
        return rgb_array(getattr(self.theme, name))

    def _sprite(self, code: int, box: Box) -> np.ndarray:
        key = (code, box.px)
        found = self._sprites.get(key)
        if found is None:
            name = self.scene.looks[code]
            look = (Look(self.theme.background, self.theme.background, self.theme.ink, "none")
                    if name == "blank" else self.theme.look(name))
            edge = max(1, round(self.theme.edge_px * box.px / 48))
            found = cell_sprite(look, box.px, box.gap, self.theme.background, edge)
            self._sprites[key] = found
        return found

    def paint(self, index: int, out: np.ndarray | None = None) -> np.ndarray:
        """Advance the scene to frame ``index`` and return that frame as an RGB array.

        The frame is a new array, or ``out`` (a frame-sized buffer) overwritten: reusing one
        buffer spares a fresh allocation and its page faults on every frame.

        >>> from convanim.geometry import Spec, plan
        >>> from convanim.draw.options import RenderOptions
        >>> scene = Scene(plan(Spec(i=4, k=3)))
        >>> layout = Layout.build(scene, RenderOptions(cell_px=20))
        >>> painter = RasterPainter(scene, layout)
        >>> [painter.paint(i).dtype.name for i in range(2)]
        ['uint8', 'uint8']
        """
        scene = self.scene.advance(index)
        if not self._static_done:
            self._paint_static()
        for name, panel in scene.panels.items():
            box = self.layout.panels[name]
            for r, c in zip(*np.nonzero(panel.dirty)):
                self._paint_cell(name, box, int(r), int(c))
        for slot in sorted(scene.dirty_texts):
            if slot in self.layout.slots:
                self._paint_slot(slot, scene.texts[slot])
        if out is None:
            frame = self.base.copy()
        else:
            frame = out
            np.copyto(frame, self.base)
        self.paint_overlays(frame)
        return frame

    def _paint_static(self) -> None:
        self._static_done = True
        title = self.layout.slots.get("title")
        if title is not None:
            self._paint_text(title, self.layout.title)
        font = self.layout.fonts["legend"]
        assert font is not None
        for item in self.layout.legend:
            x0, y0, x1, y1 = item.swatch
            look = self.theme.look(item.look)
            sprite = cell_sprite(look, x1 - x0, 0, self.theme.background, 1)
            self.base[y0:y1, x0:x1] = sprite
            blit_flat(self.base, font.render(item.label), item.text_x, item.baseline,
                      self._color("muted"))

    def _paint_cell(self, panel: str, box: Box, r: int, c: int) -> None:
        state = self.scene.panels[panel]
        code = int(state.look[r, c])
        x, y = box.x + c * box.px, box.y + r * box.px
        tile = self.base[y: y + box.px, x: x + box.px]
        main, sub, corner = state.main[r, c], state.sub[r, c], state.corner[r, c]
        # A cell looks the same wherever it sits, up to the parity of its corner (round()
        # halves to even), so finished tiles are reused: one copy instead of a sprite and up
        # to three text blends per repainted cell. The key holds all a tile is drawn from.
        look = self._looks.get(code)
        if look is None:
            name = self.scene.looks[code]
            look = self._looks[code] = (
                Look(self.theme.background, self.theme.background, self.theme.ink, "none")
                if name == "blank" else self.theme.look(name))
        key = (self._tile_kind, box.px, box.gap, panel == "kernel", look, main, sub, corner,
               x & 1, y & 1)
        found = _TILES.get(key)
        if found is not None:
            tile[:] = found
            return
        tile[:] = self._sprite(code, box)
        fonts = self.layout.fonts
        if not (main or sub or corner) or fonts["kvalue" if panel == "kernel" else "value"] is None:
            self._keep_tile(key, tile)
            return
        color = rgb_array(look.text)
        inside = True
        if fonts["small"] is None:  # notes too small to read are left to the formula line
            sub = corner = ""
        for kind, text in (("main", main), ("sub", sub), ("corner", corner)):
            if text:
                font, tx, base = cell_text(self.layout, panel, box, r, c, kind, text, bool(sub))
                image = font.render(text)
                blit_flat(self.base, image, tx, base, color)
                left, top = round(float(tx)) + image.left, round(float(base)) - image.baseline
                inside &= (left >= x and top >= y and left + image.mask.shape[1] <= x + box.px
                           and top + image.mask.shape[0] <= y + box.px)
        if inside:  # text spilling into a neighbour depends on the neighbour: not reusable
            self._keep_tile(key, tile)

    def _keep_tile(self, key: tuple, tile: np.ndarray) -> None:
        global _tile_bytes
        if _tile_bytes + tile.nbytes > _TILE_BYTES:
            _TILES.clear()
            _tile_bytes = 0
        _TILES[key] = tile.copy()
        _tile_bytes += tile.nbytes

    def _paint_slot(self, slot: str, value: object) -> None:
        for x0, y0, x1, y1 in self._drawn.pop(slot, []):
            self.base[y0:y1, x0:x1] = rgb(self.theme.background)
        self._paint_text(self.layout.slots[slot], value, slot)

    def _paint_text(self, slot: Slot, value: object, name: str = "title") -> None:
        color = self._color(slot.role)
        drawn = []
        for text, x, base in slot_lines(slot, value):
            image = slot.font.render(text)
            blit_flat(self.base, image, x, base, color)
            if image.mask.size:
                top = base - image.baseline
                x0 = round(x) + image.left
                drawn.append((max(x0, 0), max(top, 0), x0 + image.mask.shape[1],
                              top + image.mask.shape[0]))
        self._drawn[name] = drawn

    def paint_overlays(self, frame: np.ndarray) -> None:
        """Draw the window and written-cell outlines and the link between them onto ``frame``.

        >>> from convanim.geometry import Spec, plan
        >>> from convanim.draw.options import RenderOptions
        >>> scene = Scene(plan(Spec(i=4, k=3)))
        >>> layout = Layout.build(scene, RenderOptions(cell_px=20))
        >>> painter = RasterPainter(scene, layout)
        >>> frame = painter.paint(0)
        >>> painter.paint_overlays(frame)  # frame 0 has no window: nothing changes
        """
        if self.scene.link is not None:
            lines, poly = link_geometry(self.layout, self.scene)
            link = self._color("link")
            fill_polygon(frame, poly, link, self.theme.link_alpha)
            for x0, y0, x1, y1 in lines:
                draw_line(frame, x0, y0, x1, y1, link, 0.85)
        for panel, cells in self.scene.outlines:
            box = self.layout.panels[panel]
            thick = outline_px(self.theme, box)
            draw_outline(frame, box, cells, thick, self._color("outline"))


def outline_px(theme: Theme, box: Box) -> int:
    """Window outline thickness: the theme's width at 32 px cells, scaled, at least 1.

    >>> from convanim.draw.layout import Box
    >>> from convanim.draw.themes import THEMES
    >>> outline_px(THEMES["light"], Box(0, 0, 3, 3, 32, 3))
    3
    """
    return max(1, min(round(theme.outline_px * box.px / 32), max(box.gap, 2)))


def slot_lines(slot: Slot, value: object) -> list[tuple[str, float, int]]:
    """(text, left x, baseline) of each line of a text slot, centred between x0 and x1.

    >>> from convanim.draw.text import get_font
    >>> [(t, b) for t, _, b in slot_lines(Slot(0, 400, 20, 2, get_font(9, 100), "ink"), "hi")]
    [('hi', 20)]
    """
    font, width = slot.font, slot.x1 - slot.x0
    if isinstance(value, Formula):
        lines = [value.fit(font.measure, width)]
    else:
        lines = font.wrap(str(value), width) if value else []
    out = []
    for k, text in enumerate(lines[: slot.lines]):
        x = slot.x0 + (width - font.measure(text)) / 2
        out.append((text, round(x), slot.baseline + k * font.line_height))
    return out


def cell_text(layout: Layout, panel: str, box: Box, r: int, c: int, kind: str, text: str,
              has_sub: bool) -> tuple[Font, float, float]:
    """Font, left x and baseline of a cell's centre value, bottom-right or top-left note.

    >>> from convanim.geometry import Spec, plan
    >>> from convanim.draw.options import RenderOptions
    >>> scene = Scene(plan(Spec(i=4, k=3)))
    >>> layout = Layout.build(scene, RenderOptions(cell_px=32))
    >>> font, x, base = cell_text(layout, "grid", layout.panels["grid"], 0, 0, "main", "7", False)
    >>> layout.cell_box("grid", 0, 0)[0] < x < layout.cell_box("grid", 0, 0)[2]
    True
    """
    x0, y0, x1, y1 = box.tile(r, c)
    big = layout.fonts["kvalue" if panel == "kernel" else "value"]
    small = layout.fonts["small"]
    assert big is not None and (small is not None or kind == "main")
    pad = max(1, (x1 - x0) // 12)
    if kind == "main":
        font = big
        while font.measure(text) > (x1 - x0) - 2 * pad and font.size_pt > 4:
            from convanim.draw.text import get_font
            font = get_font(font.size_pt * 0.85, font.dpi, font.bold)
        x = (x0 + x1 - font.measure(text)) / 2
        base = (y0 + y1 + font.cap_height) / 2
        if has_sub:  # make room for the weight in the bottom-right corner
            x -= (x1 - x0) * 0.1
            base -= (y1 - y0) * 0.1
        return font, x, base
    assert small is not None
    if kind == "sub":
        return small, x1 - pad - 1 - small.measure(text), y1 - pad - 1
    return small, x0 + pad + 1, y0 + pad + 1 + small.cap_height
