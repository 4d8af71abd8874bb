"""Vector drawing of one frame with matplotlib artists (for PDF and SVG storyboards).

It reads the same scene and layout as the raster painter and places every rectangle, line and
text at the same pixel coordinates, so a vector page looks like the GIF's frames.

>>> from matplotlib.figure import Figure
>>> from convanim.geometry import Spec, plan
>>> from convanim.draw.layout import Layout
>>> from convanim.draw.options import RenderOptions
>>> from convanim.draw.scene import Scene
>>> scene = Scene(plan(Spec(i=4, k=3)))
>>> layout = Layout.build(scene, RenderOptions())
>>> fig = Figure(figsize=(layout.size[0] / 100, layout.size[1] / 100), dpi=100)
>>> ax = frame_axes(fig, layout, (0, 0, 1, 1))
>>> draw_frame(ax, scene.advance(0), layout) > 0
True
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import numpy as np
from matplotlib import rc_context
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Polygon

from convanim.draw.arrange import LegendItem
from convanim.draw.cells import outline_bands
from convanim.draw.layout import Layout
from convanim.draw.raster import cell_text, link_geometry, outline_px, slot_lines
from convanim.draw.scene import Scene
from convanim.draw.text import Font, families
from convanim.draw.themes import Look


def _hex(color: str) -> str:
    return color if color.startswith("#") else "#" + color


def dash_style(look: Look, px: int, pt_per_px: float) -> object:
    """Matplotlib's linestyle for a cell edge in ``look``, dashes scaled to the cell.

    >>> dash_style(Look("#fff", "#000", "#000", line="dashed"), 12, 1.0)
    (0, (2.0, 2.0))
    """
    if look.line == "solid":
        return "solid"
    if look.line == "dotted":
        return (0, (1 * pt_per_px, (2 if px >= 12 else 1) * pt_per_px))
    on = max(2, round(px / 6))
    return (0, (on * pt_per_px, max(2, round(px / 10)) * pt_per_px))


def frame_axes(fig: Figure, layout: Layout, rect: tuple[float, float, float, float]) -> Axes:
    """An axes in ``fig`` (figure-fraction ``rect``) whose data units are the frame's pixels.

    >>> from convanim.geometry import Spec, plan
    >>> from convanim.draw.options import RenderOptions
    >>> layout = Layout.build(Scene(plan(Spec(i=4, k=3))), RenderOptions())
    >>> frame_axes(Figure(), layout, (0, 0, 1, 1)).get_ylim() == (layout.size[1], 0)
    True
    """
    ax = fig.add_axes(rect)
    width, height = layout.size
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    return ax


# PDF text through a per-string cache of what matplotlib's own draw_text writes (see
# _PdfText); off, every string goes through draw_text (the tests compare the two byte for byte).
FAST_PDF_TEXT = True


class _PdfText:
    """matplotlib's PDF ``draw_text``, remembered per (string, font) and replayed.

    For upright text, ``draw_text`` writes ``q``, a matrix placing the string, then operators
    that depend on the string and font only (font selection, glyphs, kerning), and records
    the glyphs for the embedded font subset. A storyboard draws the same few numbers
    thousands of times, so the first drawing of each is recorded and later ones write the
    recorded bytes around their own matrix: the file is the same, byte for byte. Anything
    unexpected (another backend, Type 3 or core fonts, a matplotlib that writes otherwise)
    falls back to ``draw_text``.
    """

    def __init__(self, renderer: Any) -> None:
        from matplotlib import rcParams

        # savefig wraps the PDF renderer in a MixedModeRenderer; the text goes to the inner one.
        renderer = getattr(renderer, "_renderer", renderer)
        self.file = getattr(renderer, "file", None)
        self.renderer = renderer
        self.cache: dict[tuple[str, int], tuple[bytes, bytes] | None] = {}
        self.ok = (type(renderer).__name__ == "RendererPdf" and self.file is not None
                   and rcParams["pdf.fonttype"] == 42 and not rcParams["pdf.use14corefonts"])
        if self.ok:
            from matplotlib.backends.backend_pdf import Op

            self.matrix_op = Op.concat_matrix

    def draw(self, gc: Any, x: float, y: float, text: str, prop: FontProperties) -> bool:
        """Write ``text`` at (x, y) as draw_text would; False when it must do it itself."""
        if not self.ok:
            return False
        self.renderer.check_gc(gc, gc._rgb)  # the colour, written before the text as usual
        key = (text, id(prop))
        if key not in self.cache:
            self.cache[key] = self._record(gc, text, prop)
            if self.cache[key] is None:
                return False
        recorded = self.cache[key]
        if recorded is None:
            return False
        head, tail = recorded
        self.file.write(head)
        self.file.output(1.0, 0.0, -0.0, 1.0, x, y, self.matrix_op)
        self.file.write(tail)
        return True

    def _record(self, gc: Any, text: str, prop: FontProperties) -> tuple[bytes, bytes] | None:
        writes: list[bytes] = []
        self.file.write = writes.append  # type: ignore[method-assign]  # capture, then undo
        try:
            self.renderer.draw_text(gc, 0.0, 0.0, text, prop, 0.0)
        finally:
            del self.file.write
        # Expected: "q", the matrix at the origin, then the string's own operators (each
        # output() is a write and a newline). Only the glyph record is kept from this run.
        if (len(writes) < 5 or writes[:2] != [b"q", b"\n"] or not writes[2].endswith(b" cm")
                or writes[3] != b"\n"):
            self.ok = False
            return None  # the caller draws this one with draw_text, and so on from now
        return b"q\n", b"".join(writes[4:])


class TextBatch(Artist):
    """Many left-aligned texts drawn straight through the renderer, as real text.

    A storyboard holds about ten thousand numbers; as ``Text`` artists each one is created,
    clipped, laid out and drawn on its own, which took most of a PDF storyboard's time. The
    layout already knows every left end and baseline, so the batch hands each string to the
    backend's ``draw_text`` at that point: the same text operators, selectable, in the same
    font, without the per-artist work.

    >>> batch = TextBatch()
    >>> batch.add("12", 3.0, 9.0, 8.0, False, "#1a1a1a", "DejaVu Sans")
    >>> len(batch.items)
    1
    """

    zorder = 3  # where matplotlib puts Text: above cells and crosses

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple[float, float, str, FontProperties, str]] = []
        self._fonts: dict[tuple[float, bool, tuple[str, ...]], FontProperties] = {}

    def add(self, text: str, x: float, baseline: float, size_pt: float, bold: bool,
            color: str, family: str) -> None:
        """Queue ``text`` with its left end and baseline at (x, baseline) in data units.

        Characters ``family`` lacks are drawn by the raster text's fallback faces, named
        after it in the font list (matplotlib picks the first face with each glyph)."""
        names = tuple(families(text, family, bold))
        key = (size_pt, bold, names)
        prop = self._fonts.get(key)
        if prop is None:
            prop = self._fonts[key] = FontProperties(
                family=list(names), size=size_pt, weight="bold" if bold else "normal")
        self.items.append((x, baseline, text, prop, color))

    def draw(self, renderer: Any) -> None:
        """Every text of the batch in one group, in the order they were added."""
        if not self.get_visible() or not self.items:
            return
        renderer.open_group("texts", gid=self.get_gid())
        points = self.get_transform().transform([(x, y) for x, y, *_ in self.items])
        if renderer.flipy():  # SVG counts y downwards, as Text.draw allows for
            points[:, 1] = renderer.get_canvas_width_height()[1] - points[:, 1]
        gc = renderer.new_gc()
        color = None
        pdf = _PdfText(renderer) if FAST_PDF_TEXT else None
        for (px, py), (_, _, text, prop, fg) in zip(points, self.items):
            if fg != color:
                gc.set_foreground(fg)
                color = fg
            if pdf is None or not pdf.draw(gc, float(px), float(py), text, prop):
                renderer.draw_text(gc, px, py, text, prop, 0.0)
        gc.restore()
        renderer.close_group("texts")
        self.stale = False


class VectorCanvas:
    """Collects frames (each at a pixel origin) into one axes, one collection per look.

    Batching matters: a storyboard has hundreds of cells per tile, and a matplotlib collection
    per look per page draws far faster than one per tile.

    >>> from convanim.geometry import Spec, plan
    >>> from convanim.draw.options import RenderOptions
    >>> scene = Scene(plan(Spec(i=4, k=3)))
    >>> layout = Layout.build(scene, RenderOptions())
    >>> canvas = VectorCanvas(frame_axes(Figure(), layout, (0, 0, 1, 1)), layout)
    >>> canvas.frame(scene.advance(0))
    >>> canvas.finish() > 5, len(canvas.texts.items) > 20
    (True, True)
    """

    def __init__(self, ax: Axes, layout: Layout) -> None:
        self.ax, self.layout, self.theme = ax, layout, layout.theme
        self.pt = 72 / layout.options_dpi  # points per frame pixel
        # Boxes as (x, y, w, h): one PolyCollection per look draws them without a Rectangle
        # patch (and its transform) per cell.
        self.rects: dict[tuple[str, int], list[tuple[float, float, float, float]]] = \
            defaultdict(list)
        self.crosses: dict[str, list] = defaultdict(list)
        self.links: list = []
        self.polys: list[Polygon] = []
        self.bands: list[tuple[float, float, float, float]] = []
        self.texts = TextBatch()

    def text(self, text: str, x: float, baseline: float, font: Font, color: str) -> None:
        """One text with its left end and baseline at (x, baseline)."""
        self.texts.add(text, x, baseline, font.size_pt, font.bold, _hex(color),
                       self.theme.font)

    def frame(self, scene: Scene, origin: tuple[int, int] = (0, 0)) -> None:
        """Add the scene's current frame with its top-left corner at ``origin``."""
        layout, theme = self.layout, self.theme
        ox, oy = origin
        width, height = layout.size
        self.rects[("background", 0)].append((ox, oy, width, height))
        for name, slot in layout.slots.items():
            value = layout.title if name == "title" else scene.texts.get(name, "")
            for text, x, base in slot_lines(slot, value):
                self.text(text, x + ox, base + oy, slot.font, getattr(theme, slot.role))
        for panel_name, panel in scene.panels.items():
            box = layout.panels[panel_name]
            show = layout.fonts["kvalue" if panel_name == "kernel" else "value"] is not None
            for r, c in zip(*panel.look.nonzero()):
                look_name = scene.looks[int(panel.look[r, c])]
                x0, y0, x1, y1 = box.tile(int(r), int(c))
                self._cell(look_name, box.px, (x0 + ox, y0 + oy, x1 + ox, y1 + oy))
                notes = layout.fonts["small"] is not None  # else left to the formula
                sub = panel.sub[r, c] if notes else ""
                for kind, text in (("main", panel.main[r, c]), ("sub", sub),
                                   ("corner", panel.corner[r, c] if notes else "")):
                    if text and show:
                        font, tx, base = cell_text(layout, panel_name, box, int(r), int(c),
                                                   kind, text, bool(sub))
                        self.text(text, tx + ox, base + oy, font,
                                  theme.look(look_name).text)
        if scene.link is not None:
            lines, poly = link_geometry(layout, scene)
            self.polys.append(Polygon([(x + ox, y + oy) for x, y in poly], closed=True))
            self.links += [[(a + ox, b + oy), (c + ox, d + oy)] for a, b, c, d in lines]
        for panel, cells in scene.outlines:
            box = layout.panels[panel]
            self.bands += [(x + ox, y + oy, w, h)
                           for x, y, w, h in outline_bands(box, cells, outline_px(theme, box))]
        for item in layout.legend:
            self.swatch(item, origin)

    def swatch(self, item: LegendItem, origin: tuple[int, int] = (0, 0)) -> None:
        """A legend entry (swatch and label) at ``origin``."""
        ox, oy = origin
        x0, y0, x1, y1 = item.swatch
        self._cell(item.look, x1 - x0, (x0 + ox, y0 + oy, x1 + ox, y1 + oy))
        font = self.layout.fonts["legend"]
        assert font is not None
        self.text(item.label, item.text_x + ox, item.baseline + oy, font, self.theme.muted)

    def _cell(self, look_name: str, px: int, tile: tuple[int, int, int, int]) -> None:
        x0, y0, x1, y1 = tile
        # Edges are stroked on the pixel centres the raster sprites use.
        self.rects[(look_name, px)].append((x0 + 0.5, y0 + 0.5, x1 - x0 - 1, y1 - y0 - 1))
        look = self.theme.look(look_name)
        if look.cross:
            self.crosses[look.edge] += [[(x0, y0), (x1, y1)], [(x0, y1), (x1, y0)]]

    def finish(self) -> int:
        """Add the collected collections (and the texts, as one artist) to the axes; returns
    how many artists it holds."""
        ax, theme, pt = self.ax, self.theme, self.pt
        if self.texts.items:  # first among equal z-orders, as the Text artists it replaced
            self.texts.set_transform(ax.transData)
            ax.add_artist(self.texts)
        background = self.rects.pop(("background", 0), [])
        if background:
            ax.add_collection(boxes(background, facecolor=_hex(theme.background),
                                    edgecolor="none", zorder=0))
        for (look_name, px), rects in sorted(self.rects.items()):
            _patches(ax, rects, theme.look(look_name), px, pt, zorder=1)
        for color, segments in sorted(self.crosses.items()):
            ax.add_collection(LineCollection(segments, colors=_hex(color), linewidths=pt,
                                             zorder=2))
        if self.polys:
            ax.add_collection(PatchCollection(self.polys, facecolor=_hex(theme.link),
                                              edgecolor="none", alpha=theme.link_alpha,
                                              zorder=3))
            ax.add_collection(LineCollection(self.links, colors=_hex(theme.link),
                                             linewidths=pt, alpha=0.85, zorder=3))
        if self.bands:
            ax.add_collection(boxes(self.bands, facecolor=_hex(theme.outline),
                                    edgecolor="none", zorder=4))
        return len(ax.get_children())


def draw_frame(ax: Axes, scene: Scene, layout: Layout) -> int:
    """Draw the scene's current frame into ``ax`` (see :func:`frame_axes`); returns artist count.

    >>> from convanim.geometry import Spec, plan
    >>> from convanim.draw.options import RenderOptions
    >>> scene = Scene(plan(Spec(i=4, k=3)))
    >>> layout = Layout.build(scene, RenderOptions())
    >>> draw_frame(frame_axes(Figure(), layout, (0, 0, 1, 1)), scene.advance(0), layout) > 5
    True
    """
    canvas = VectorCanvas(ax, layout)
    canvas.frame(scene)
    return canvas.finish()


def boxes(rects: list[tuple[float, float, float, float]], **style: Any) -> PolyCollection:
    """Axis-aligned boxes (x, y, w, h) as one collection: each the path a Rectangle patch
    has (its corners counter-clockwise from (x, y), closed).

    >>> boxes([(0, 0, 2, 1)]).get_paths()[0].vertices.tolist()
    [[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    """
    xywh = np.asarray(rects, dtype=float).reshape(-1, 4)
    x, y, w, h = xywh.T
    verts = np.stack([np.stack([x, y], 1), np.stack([x + w, y], 1),
                      np.stack([x + w, y + h], 1), np.stack([x, y + h], 1)], axis=1)
    return PolyCollection(verts, closed=True, **style)


def _patches(ax: Axes, rects: list[tuple[float, float, float, float]], look: Look, px: int,
             pt: float, zorder: int) -> None:
    edge = "none" if look.line == "none" else _hex(look.edge)
    # The hatch colour is read from rcParams when the collection is made.
    with rc_context({"hatch.color": _hex(look.hatch_color), "hatch.linewidth": 0.5}):
        ax.add_collection(boxes(
            rects, facecolor=_hex(look.fill), edgecolor=edge, linewidths=pt,
            linestyle=dash_style(look, px, pt), hatch=(look.hatch * 3) or None, zorder=zorder))


_NUM = r"(-?[0-9.]+(?:e-?[0-9]+)?)"
_CORNER = rf"{_NUM} {_NUM} \n"
_RECT = re.compile(rf'<path d="M {_CORNER}L {_CORNER}L {_CORNER}L {_CORNER}z\n"')
_TEXT_GROUP = re.compile(r'<g id="text_\d+">\s*(<text [^>]*>[^<]*</text>)\s*</g>')
_STYLE = re.compile(r' style="([^"]*)"')
_PATTERN_PATH = re.compile(r'(<pattern [^>]*>\s*<rect [^>]*/>\s*)<path d="([^"]*)"([^>]*)/>')


def _dots(match: re.Match[str]) -> str:
    """A hatch tile of round dots (each four-to-eight Bezier arcs) as ``<circle>`` elements."""
    circles = []
    for part in match.group(2).split("M")[1:]:
        numbers = [float(v) for v in re.findall(_NUM, part)]
        xs, ys = numbers[0::2], numbers[1::2]
        w, h = max(xs) - min(xs), max(ys) - min(ys)
        if not part.rstrip().endswith("z") or "L" in part or abs(w - h) > 1e-3 * max(w, 1):
            return match.group(0)  # not a dot: keep the path as drawn
        circles.append(f'<circle cx="{round((max(xs) + min(xs)) / 2, 4):g}" '
                       f'cy="{round((max(ys) + min(ys)) / 2, 4):g}" r="{round(w / 2, 4):g}"/>')
    return f'{match.group(1)}<g{match.group(3)}>{"".join(circles)}</g>'


def _rect(match: re.Match[str]) -> str:
    x0, y0, x1, y1, x2, y2, x3, y3 = match.groups()
    a, b, c, d = float(x0), float(y0), float(x2), float(y2)
    # Only a rectangle drawn clockwise from its top-left corner: the same outline (and dash
    # phase) as an SVG <rect>.
    if not (y1 == y0 and x1 == x2 and x3 == x0 and y3 == y2 and a < c and b < d):
        return match.group(0)
    return (f'<rect x="{x0}" y="{y0}" width="{round(c - a, 4):g}" '
            f'height="{round(d - b, 4):g}"')


def compact_svg(text: str) -> str:
    """Shrink matplotlib's SVG without changing what it draws: rectangles as ``<rect>``,
    repeated styles as CSS classes, hatch dots as ``<circle>``, no per-element clip (the axes
    fills the page), no identity rotations and no one-text groups. Real ``<text>`` stays text,
    its spaces kept (``white-space: pre``).

    >>> svg = ('<svg><defs><style type="text/css">*{}</style></defs><g id="text_1">\\n'
    ...        '<text style="fill: #000" x="1" y="2" transform="rotate(-0 1 2)">hi</text>\\n'
    ...        '</g><path d="M 0 0 \\nL 4 0 \\nL 4 3 \\nL 0 3 \\nz\\n" style="fill: #000"/></svg>')
    >>> print(compact_svg(svg))  # doctest: +NORMALIZE_WHITESPACE
    <svg><defs><style type="text/css">*{}
    .s0{fill: #000}
    text{white-space: pre}
    </style></defs><text class="s0" x="1" y="2">hi</text><rect x="0" y="0" width="4"
    height="3" class="s0"/></svg>
    """
    text = re.sub(r' transform="rotate\(-0 [^"]*\)"', "", text)
    # Texts drawn straight through the renderer (TextBatch) are placed by a translation.
    text = re.sub(r'(<text [^>]*?) transform="translate\(([^ )]+) ([^ )]+)\)"',
                  r'\1 x="\2" y="\3"', text)
    text = re.sub(r' clip-path="url\(#[^"]*\)"', "", text)
    text = _TEXT_GROUP.sub(r"\1", text)
    text = _RECT.sub(_rect, text)
    text = _PATTERN_PATH.sub(_dots, text)
    classes: dict[str, str] = {}

    def to_class(match: re.Match[str]) -> str:
        name = classes.setdefault(match.group(1), f"s{len(classes)}")
        return f' class="{name}"'

    head, sep, body = text.partition("</style>")
    if not sep:
        return text
    body = _STYLE.sub(to_class, body)
    css = "".join(f"\n.{name}{{{style}}}" for style, name in classes.items())
    # Runs of spaces in a text (a title's "conv  i=3", a caption's "  (3/25)") are kept as
    # the raster frames draw them; SVG collapses them otherwise.
    css += "\ntext{white-space: pre}"
    return head + css + "\n" + sep + body
