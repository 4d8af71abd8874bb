"""The perspective style's vector canvas: cells as polygons, real text, lines as collections.

Storyboards and vector stills (SVG, PDF) stay vectors: each plane's cells are one polygon
collection per look, the target plane drawn above the projection lines so it hides them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.patches import Polygon

from convanim.draw.perspective import PLANES, PerspectiveLayout
from convanim.draw.perspective_paint import (
    edge_px,
    fit_font,
    link_color,
    link_lines,
    look_of,
    outline_segments,
    stack_link,
    text_at,
)
from convanim.draw.raster import slot_lines
from convanim.draw.scene import Scene
from convanim.draw.text import Font


class PerspectiveCanvas:
    """Collects perspective frames as vector polygons, lines and real text (storyboards, stills).

    >>> from convanim.geometry import Spec, plan
    >>> from convanim.draw.options import RenderOptions
    >>> from matplotlib.figure import Figure
    >>> scene = Scene(plan(Spec(i=4, k=3)))
    >>> lay = PerspectiveLayout.build(scene, RenderOptions(style="perspective"))
    >>> canvas = PerspectiveCanvas(Figure().add_axes((0, 0, 1, 1)), lay)
    >>> canvas.frame(scene.advance(0))
    >>> canvas.finish() > 2
    True
    """

    def __init__(self, ax: Any, layout: PerspectiveLayout) -> None:
        self.ax, self.layout, self.theme = ax, layout, layout.theme
        self.pt = 72 / layout.options_dpi
        self.polys: dict[tuple[int, str], list[Polygon]] = defaultdict(list)
        self.lines: list = []
        self.outlines: list = []
        self.background: list = []

    def text(self, text: str, x: float, baseline: float, font: Font, color: str) -> None:
        """One text artist with its left end and baseline at (x, baseline)."""
        self.ax.text(x, baseline, text, ha="left", va="baseline", color=color,
                     fontsize=font.size_pt, family=self.theme.font,
                     fontweight="bold" if font.bold else "normal", zorder=6,
                     parse_math=False)  # user text is text: a "$" starts no mathtext

    def frame(self, scene: Scene, origin: tuple[int, int] = (0, 0)) -> None:
        """Add the scene's current frame with its top-left corner at ``origin``."""
        layout, theme = self.layout, self.theme
        ox, oy = origin
        w, h = layout.size
        self.background.append(Polygon([(ox, oy), (ox + w, oy), (ox + w, oy + h), (ox, oy + h)]))
        for name, slot in layout.slots.items():
            value = {"title": layout.title, "kernel_label": layout.label}.get(
                name, scene.texts.get(name, ""))
            for text, x, base in slot_lines(slot, value):
                self.text(text, x + ox, base + oy, slot.font, theme.ink)
        for name in PLANES:
            if name not in layout.planes:
                continue
            level = int(name == "target")  # the target plane hides the lines behind it
            panel, plane = scene.panels[name], layout.planes[name].shifted(ox, oy)
            for r, c in np.ndindex(panel.shape):
                if not panel.look[r, c]:  # blank: the empty columns between a stack's maps
                    continue
                look = scene.looks[int(panel.look[r, c])]
                self.polys[(2 * level, look, name == "kernel")].append(
                    Polygon(plane.cell_poly(r, c)))
                text, font = panel.main[r, c], layout.fonts["value"]
                if text and font is not None:
                    font = fit_font(font, text, plane, self.theme.font)
                    self.text(text, *text_at(font, text, plane, r, c), font,
                              look_of(theme, look, "kernel" if name == "kernel" else "input").text)
        planes = {n: p.shifted(ox, oy) for n, p in layout.planes.items()}
        if scene.link is not None:
            self.lines += [list(seg) for seg in link_lines(planes, stack_link(scene))]
        for panel_name, cells in scene.outlines:
            if panel_name in planes:
                self.outlines += [list(s) for s in outline_segments(planes[panel_name], cells)]

    def swatch(self, item: Any, origin: tuple[int, int] = (0, 0)) -> None:
        """A legend entry (square swatch and label) at ``origin``."""
        ox, oy = origin
        x0, y0, x1, y1 = item.swatch
        self.polys[(5, item.look, False)].append(Polygon([(x0 + ox, y0 + oy), (x1 + ox, y0 + oy),
                                                   (x1 + ox, y1 + oy), (x0 + ox, y1 + oy)]))
        font = self.layout.fonts["legend"]
        assert font is not None
        self.text(item.label, item.text_x + ox, item.baseline + oy, font, self.theme.muted)

    def finish(self) -> int:
        """Add the collections to the axes (planes, lines behind the top plane, outlines)."""
        from convanim.draw.vector import dash_style

        ax, theme, pt = self.ax, self.theme, self.pt
        ax.add_collection(PatchCollection(self.background, facecolor=theme.background,
                                          edgecolor="none", zorder=0))
        for (level, name, kernel), polys in sorted(self.polys.items()):
            look = look_of(theme, name, "kernel" if kernel else "input")
            ax.add_collection(PatchCollection(
                polys, facecolor=look.fill, linewidths=edge_px(theme, self.layout.cell_px) * pt,
                edgecolor="none" if look.line == "none" else look.edge,
                linestyle=dash_style(look, self.layout.cell_px, pt), zorder=1 + level))
        if self.lines:
            width = max(1.0, theme.link_px * self.layout.cell_px / 32)
            ax.add_collection(LineCollection(self.lines, colors=link_color(theme),
                                             linewidths=width * pt, zorder=2))
        if self.outlines:
            thick = max(1.5, theme.outline_px * self.layout.cell_px / 48)
            ax.add_collection(LineCollection(self.outlines, colors=theme.outline,
                                             linewidths=thick * pt, zorder=5))
        return len(ax.get_children())
