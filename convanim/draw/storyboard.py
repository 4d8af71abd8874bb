"""Storyboards: every frame of an animation tiled on one page, numbered, for papers and slides.

``.png`` pages tile the raster frames; ``.pdf`` and ``.svg`` pages draw every frame as vectors.
All three are byte-for-byte reproducible (no dates, fixed SVG ids).

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
from pathlib import Path

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from convanim.draw.animate import Renderer
from convanim.draw.options import RenderOptions
from convanim.draw.scene import Scene
from convanim.draw.text import blit
from convanim.draw.themes import THEMES, rgb
from convanim.draw.vector import VectorCanvas, compact_svg
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


def _grid(count: int, width: int, height: int) -> tuple[int, int]:
    """Columns and rows that make a roughly 4:3 landscape page."""
    cols = max(1, min(count, round(math.sqrt(count * height * 4 / (width * 3)))))
    return cols, math.ceil(count / cols)


def write_storyboard(plan: Plan, options: RenderOptions | None, path: str | os.PathLike[str]
                     ) -> Path:
    """Write all frames of ``plan`` on one page to ``path`` (``.png``, ``.pdf`` or ``.svg``).

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
    if len(plan.frames) > MAX_TILES:
        raise SpecError(f"the storyboard would tile {len(plan.frames)} frames but one page "
                        f"holds at most {MAX_TILES}; use a smaller input_size", "storyboard")
    renderer = Renderer(plan, options)
    with atomic_output(path, "wb") as out:
        if suffix == ".png":
            _png(renderer, out)
        else:
            _vector(renderer, out, suffix[1:])
    return Path(path)


def _tile_origin(index: int, cols: int, width: int, height: int, label_h: int
                 ) -> tuple[int, int]:
    row, col = divmod(index, cols)
    return PAD + col * (width + PAD), PAD + row * (height + label_h + PAD)


def _png(renderer: Renderer, out) -> None:
    layout, theme = renderer.layout, renderer.theme
    width, height = layout.size
    font = layout.fonts["legend"]
    label_h = font.line_height + 2
    cols, rows = _grid(len(renderer.plan.frames), width, height)
    page = np.empty((PAD + rows * (height + label_h + PAD), PAD + cols * (width + PAD), 3),
                    np.uint8)
    page[:] = rgb(theme.background)
    edge = np.array(rgb(theme.muted))
    for index, ((frame, _), label) in enumerate(zip(renderer.frames(),
                                                    frame_labels(renderer.plan))):
        x, y = _tile_origin(index, cols, width, height, label_h)
        blit(page, font.render(label), x, y + round(font.ascent), np.array(rgb(theme.ink)))
        y += label_h
        page[y: y + height, x: x + width] = frame
        # A hairline frame separates tiles that share the page colour.
        page[y - 1, x - 1: x + width + 1] = page[y + height, x - 1: x + width + 1] = edge
        page[y - 1: y + height + 1, x - 1] = page[y - 1: y + height + 1, x + width] = edge
    Image.fromarray(page).save(out, format="PNG", optimize=False)


def _vector(renderer: Renderer, out, fmt: str) -> None:
    layout, theme = renderer.layout, renderer.theme
    width, height = layout.size
    dpi = renderer.options.dpi
    font = layout.fonts["legend"]
    label_h = font.line_height + 2
    count = len(renderer.plan.frames)
    cols, rows = _grid(count, width, height)
    page_w = PAD + cols * (width + PAD)
    page_h = PAD + rows * (height + label_h + PAD)
    rc = {"svg.hashsalt": "convanim", "svg.fonttype": "none", "pdf.fonttype": 42,
          "font.family": theme.font}
    with rc_context(rc):
        fig = Figure(figsize=(page_w / dpi, page_h / dpi), dpi=dpi,
                     facecolor=THEMES[theme.name].background)
        FigureCanvasAgg(fig)
        # One axes spans the page in pixel units; each tile is drawn at its own origin.
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, page_w)
        ax.set_ylim(page_h, 0)
        ax.set_axis_off()
        canvas = VectorCanvas(ax, layout)
        scene = Scene(renderer.plan, renderer.options.values)
        edges = []
        for index, label in enumerate(frame_labels(renderer.plan)):
            x, y = _tile_origin(index, cols, width, height, label_h)
            canvas.text(label, x, y + round(font.ascent), font, theme.ink)
            y += label_h
            canvas.frame(scene.advance(index), (x, y))
            edges.append(Rectangle((x - 0.5, y - 0.5), width + 1, height + 1))
        canvas.finish()
        ax.add_collection(PatchCollection(edges, facecolor="none", edgecolor=theme.muted,
                                          linewidths=72 / dpi, zorder=5))
        metadata = {"CreationDate": None} if fmt == "pdf" else {"Date": None}
        if fmt == "svg":
            buffer = io.StringIO()
            fig.savefig(buffer, format=fmt, metadata=metadata)
            out.write(compact_svg(buffer.getvalue()).encode("utf-8"))
        else:
            fig.savefig(out, format=fmt, metadata=metadata)
