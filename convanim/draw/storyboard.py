"""Storyboards (frames of an animation tiled on one page, numbered) and still frames.

``.png`` pages tile the raster frames; ``.pdf`` and ``.svg`` pages draw every frame as vectors
with real, selectable text. All three are byte-for-byte reproducible (no dates, fixed SVG ids).

>>> import tempfile, os
>>> from convanim.geometry import Spec, plan
>>> out = write_storyboard(plan(Spec(i=4, k=3)), RenderOptions(),
...                        os.path.join(tempfile.mkdtemp(), "board.svg"))
>>> out.read_bytes().startswith(b"<?xml")
True
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from convanim.draw.animate import Renderer
from convanim.draw.arrange import LegendItem, flow_legend
from convanim.draw.cells import cell_sprite
from convanim.draw.choose import select_frames, slides_note
from convanim.draw.layout import Layout
from convanim.draw.options import RenderOptions
from convanim.draw.scene import Scene
from convanim.draw.text import blit
from convanim.draw.themes import THEMES, Theme, rgb
from convanim.draw.vector import compact_svg
from convanim.geometry import Plan, SpecError

FORMATS = (".png", ".pdf", ".svg")
MAX_TILES = 400  # more would not be readable on one page (and a raster page would be huge)
PAD = 10


def frame_labels(plan: Plan) -> list[str]:
    """``"4. slide 1/25"``: each frame's number, phase and step.

    >>> from convanim.geometry import Spec, plan
    >>> frame_labels(plan(Spec(i=4, k=3)))[:2]
    ['1. input', '2. slide 1/4']
    """
    slides = sum(f.phase == "slide" for f in plan.frames)
    return [f"{i}. {f.phase.replace('_', ' ')}" + (f" {f.step}/{slides}" if f.phase == "slide"
                                                    else "")
            for i, f in enumerate(plan.frames, start=1)]


def _grid(count: int, width: int, height: int, columns: int | None = None) -> tuple[int, int]:
    """Columns and rows: ``columns`` if given, else a roughly 4:3 landscape page."""
    if columns is not None:
        cols = max(1, min(count, columns))
    else:
        cols = max(1, min(count, round(math.sqrt(count * height * 4 / (width * 3)))))
    return cols, math.ceil(count / cols)


def check_vector(plan: Plan, suffix: str, name: str) -> None:
    """Refuse a PDF or SVG of the matrix view: it is drawn as pixels only, and a vector
    page would show the gather view instead of the one asked for.

    >>> from convanim.geometry import Spec, plan
    >>> check_vector(plan(Spec(i=3, k=2, view="matrix")), ".svg", "storyboard")
    Traceback (most recent call last):
    ...
    convanim.geometry.spec.SpecError: view='matrix' is drawn as pixels, not as vectors; write \
the storyboard as .png
    """
    if plan.spec.view == "matrix" and suffix in (".pdf", ".svg"):
        raise SpecError(f"view='matrix' is drawn as pixels, not as vectors; write the {name} "
                        "as .png", name)


def write_storyboard(plan: Plan, options: RenderOptions | None, path: str | os.PathLike[str]
                     ) -> Path:
    """Write the frames of ``plan`` on one page to ``path`` (``.png``, ``.pdf`` or ``.svg``).

    Every frame, or those ``options.frames`` / ``max_slides`` pick, each numbered; the title
    and legend appear once for the page, not on every tile; ``options.columns`` sets the
    tiles per row.

    >>> import tempfile, os
    >>> from convanim.geometry import Spec, plan
    >>> write_storyboard(plan(Spec(i=4, k=3)), None,
    ...                  os.path.join(tempfile.mkdtemp(), "b.png")).suffix
    '.png'
    """
    from convanim.writers import atomic_output

    options = options or RenderOptions()
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise SpecError(f"storyboard={os.fspath(path)!r} has no storyboard type; end it in "
                        + ", ".join(FORMATS), "storyboard")
    check_vector(plan, suffix, "storyboard")
    board = Board(plan, options)
    if len(board.picked) > MAX_TILES:
        raise SpecError(f"the storyboard would tile {len(board.picked)} frames but one page "
                        f"holds at most {MAX_TILES}; pick some with frames=key or "
                        "max_slides=8", "storyboard")
    from convanim.budget import check_storyboard, panel_cells

    check_storyboard(suffix, len(board.picked), board.tile_w, board.tile_h,
                     panel_cells(plan.spec))
    with atomic_output(path, "wb") as out:
        if suffix == ".png":
            board.png(out)
        else:
            board.vector(out, suffix[1:])
    return Path(path)


class Board:
    """A storyboard page: a shared title, numbered tiles without title or legend, one legend.

    >>> from convanim.geometry import Spec, plan
    >>> Board(plan(Spec(i=3, k=3, s=2, p=1, mode="transposed")),
    ...       RenderOptions(frames="key", columns=4)).grid  # 6 tiles: (columns, rows)
    (4, 2)
    """

    def __init__(self, plan: Plan, options: RenderOptions) -> None:
        self.plan, self.options = plan, options
        # Tiles carry no title, note or legend: the page shows each once.
        self.renderer = Renderer(plan, replace(options, title="", frames=None, max_slides=None))
        self.renderer.layout = Layout.build(self.renderer.scene, self.renderer.options,
                                            legend=False)
        self.layout, self.theme = self.renderer.layout, self.renderer.theme
        self.picked = select_frames(plan, options.frames, options.max_slides)
        self.renderer.selected = self.picked
        self.tile_w, self.tile_h = self.layout.size
        if plan.spec.view == "matrix":  # its frames come from their own layout
            first, _ = next(self.renderer.frames())
            self.tile_h, self.tile_w = first.shape[:2]
        self.label_font = self.layout.fonts["legend"]
        self.title_font = self.layout.fonts["title"]
        assert self.label_font is not None and self.title_font is not None
        self.label_h = self.label_font.line_height + 2
        self.grid = _grid(len(self.picked), self.tile_w, self.tile_h, options.columns)
        cols, rows = self.grid
        self.page_w = PAD + cols * (self.tile_w + PAD)
        title = options.title if options.title is not None else plan.spec.label
        note = slides_note(plan, self.picked)
        self.title = f"{title}  ({note})" if note and title else (title or note)
        top = PAD
        self.title_lines = self.title_font.wrap(self.title, self.page_w - 2 * PAD) \
            if self.title else []
        self.title_top = top
        top += len(self.title_lines) * self.title_font.line_height + (PAD if self.title else 0)
        self.tiles_top = top
        bottom = top + rows * (self.tile_h + self.label_h + PAD)
        legend_font = self.layout.fonts["legend"]
        assert legend_font is not None
        if options.layout == "minimal" or plan.spec.view == "matrix":
            # (The matrix view's frames say what they show: y = C x, the lit row.)
            self.legend: list[LegendItem] = []
            end = bottom
        else:
            self.legend, end = flow_legend(self.renderer.scene.legend(), legend_font, PAD,
                                           self.page_w, bottom)
        self.page_h = end + PAD

    def origin(self, n: int) -> tuple[int, int]:
        """Top-left of the n-th tile's label; the tile itself is ``label_h`` lower."""
        row, col = divmod(n, self.grid[0])
        return (PAD + col * (self.tile_w + PAD),
                self.tiles_top + row * (self.tile_h + self.label_h + PAD))

    def title_baselines(self) -> list[tuple[str, int, int]]:
        """(text, x, baseline) of each centred title line."""
        font = self.title_font
        assert font is not None
        out = []
        for i, line in enumerate(self.title_lines):
            x = (self.page_w - round(font.measure(line))) // 2
            out.append((line, x, self.title_top + round(font.ascent) + i * font.line_height))
        return out

    def png(self, out: BinaryIO) -> None:
        """Tile the raster frames."""
        theme, font = self.theme, self.label_font
        assert font is not None and self.title_font is not None
        page = np.empty((self.page_h, self.page_w, 3), np.uint8)
        page[:] = rgb(theme.background)
        edge, ink = np.array(rgb(theme.muted)), np.array(rgb(theme.ink))
        for text, x, base in self.title_baselines():
            blit(page, self.title_font.render(text), x, base, ink)
        labels = frame_labels(self.plan)
        width, height = self.tile_w, self.tile_h
        for n, (index, (frame, _)) in enumerate(zip(self.picked, self.renderer.frames())):
            x, y = self.origin(n)
            blit(page, font.render(labels[index]), x, y + round(font.ascent), ink)
            y += self.label_h
            page[y: y + height, x: x + width] = frame
            # A hairline frame separates tiles that share the page colour.
            page[y - 1, x - 1: x + width + 1] = page[y + height, x - 1: x + width + 1] = edge
            page[y - 1: y + height + 1, x - 1] = page[y - 1: y + height + 1, x + width] = edge
        for item in self.legend:
            x0, y0, x1, y1 = item.swatch
            page[y0:y1, x0:x1] = cell_sprite(theme.look(item.look), x1 - x0, 0,
                                             theme.background, 1)
            blit(page, font.render(item.label), item.text_x, item.baseline,
                 np.array(rgb(theme.muted)))
        Image.fromarray(page).save(out, format="PNG", optimize=False)

    def vector(self, out: BinaryIO, fmt: str) -> None:
        """Draw every tile as vectors, with real text."""
        layout, theme, font = self.layout, self.theme, self.label_font
        assert font is not None and self.title_font is not None
        dpi = self.options.dpi
        width, height = self.tile_w, self.tile_h
        with vector_page(self.page_w, self.page_h, dpi, theme) as (fig, ax):
            canvas = layout.canvas(ax)
            for text, x, base in self.title_baselines():
                canvas.text(text, x, base, self.title_font, theme.ink)
            scene = Scene(self.plan, self.options.values)
            labels = frame_labels(self.plan)
            edges = []
            wanted = {index: n for n, index in enumerate(self.picked)}
            for index in range(self.picked[-1] + 1):
                scene.advance(index)
                if index not in wanted:
                    continue
                x, y = self.origin(wanted[index])
                canvas.text(labels[index], x, y + round(font.ascent), font, theme.ink)
                y += self.label_h
                canvas.frame(scene, (x, y))
                edges.append(Rectangle((x - 0.5, y - 0.5), width + 1, height + 1))
            for item in self.legend:
                canvas.swatch(item)
            canvas.finish()
            ax.add_collection(PatchCollection(edges, facecolor="none", edgecolor=theme.muted,
                                              linewidths=72 / dpi, zorder=5))
            save_vector(fig, out, fmt)


def write_still(plan: Plan, options: RenderOptions | None, path: str | os.PathLike[str],
                frame: int | str = "last") -> Path:
    """Write one frame (1-based number or ``"last"``) as a still ``.png``, ``.pdf`` or ``.svg``.

    The frame is drawn exactly as in the animation, title and legend included; PDF and SVG are
    vectors with real text, for papers.

    >>> import tempfile, os
    >>> from convanim.geometry import Spec, plan
    >>> write_still(plan(Spec(i=4, k=3)), None, os.path.join(tempfile.mkdtemp(), "f.svg"),
    ...             2).suffix
    '.svg'
    """
    from convanim.writers import atomic_output
    from convanim.writers.apng import png_bytes

    options = options or RenderOptions()
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise SpecError(f"output={os.fspath(path)!r}: one frame is written as "
                        + ", ".join(FORMATS), "output")
    check_vector(plan, suffix, "output")
    count = len(plan.frames)
    index = count - 1 if frame == "last" else int(frame) - 1
    if not 0 <= index < count:
        raise SpecError(f"frame={frame!r} is outside 1..{count}, the animation's frames; "
                        "give a number in that range or last", "frame")
    options = replace(options, frames=None, max_slides=None)
    renderer = Renderer(plan, options)
    with atomic_output(path, "wb") as out:
        if suffix == ".png":
            for n, (rgb_frame, _) in enumerate(renderer.frames()):
                if n == index:
                    if options.transparent:
                        # The background becomes see-through, for slides with their own colour.
                        clear = (rgb_frame == rgb(theme_of(options).background)).all(axis=2)
                        rgba = np.dstack([rgb_frame, np.where(clear, 0, 255).astype(np.uint8)])
                        Image.fromarray(rgba, "RGBA").save(out, format="PNG", optimize=False)
                    else:
                        out.write(png_bytes(rgb_frame))
                    break
        else:
            layout, theme = renderer.layout, renderer.theme
            with vector_page(*layout.size, options.dpi, theme) as (fig, ax):
                canvas = layout.canvas(ax)
                scene = Scene(plan, options.values)
                for i in range(index + 1):
                    scene.advance(i)
                canvas.frame(scene)
                canvas.finish()
                save_vector(fig, out, suffix[1:])
    return Path(path)


def theme_of(options: RenderOptions) -> Theme:
    """The options' theme.

    >>> theme_of(RenderOptions(theme="dark")).name
    'dark'
    """
    return THEMES[options.theme]


@contextmanager
def vector_page(width: int, height: int, dpi: int, theme: Theme
                ) -> Iterator[tuple[Figure, Any]]:
    """A figure of ``width`` x ``height`` frame pixels with one axes in pixel units.

    >>> with vector_page(200, 100, 100, THEMES["light"]) as (fig, ax):
    ...     [float(v) for v in (*ax.get_xlim(), *ax.get_ylim())]  # y grows downwards
    [0.0, 200.0, 100.0, 0.0]
    """
    rc = {"svg.hashsalt": "convanim", "svg.fonttype": "none", "pdf.fonttype": 42,
          "font.family": theme.font}
    with rc_context(rc):
        fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi,
                     facecolor=THEMES[theme.name].background)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, width)
        ax.set_ylim(height, 0)
        ax.set_axis_off()
        yield fig, ax


def save_vector(fig: Figure, out: BinaryIO, fmt: str) -> None:
    """Save without dates (reproducible bytes); SVG is compacted, its text kept as text.

    >>> import io
    >>> with vector_page(40, 20, 100, THEMES["light"]) as (fig, ax):
    ...     out = io.BytesIO()
    ...     save_vector(fig, out, "svg")
    >>> out.getvalue()[:5], b"Date" in out.getvalue()
    (b'<?xml', False)
    """
    metadata = {"CreationDate": None} if fmt == "pdf" else {"Date": None}
    if fmt == "svg":
        buffer = io.StringIO()
        fig.savefig(buffer, format=fmt, metadata=metadata)
        out.write(compact_svg(buffer.getvalue()).encode("utf-8"))
    else:
        fig.savefig(out, format=fmt, metadata=metadata)
