"""The matrix view: a convolution as ``y = C x``, one row of C lit per slide frame.

C has one row per output cell and one column per input cell (both read row by row); its
entries are the kernel weights, blank where a cell is not under the window. For a transposed
convolution the matrix drawn is Cᵀ, the transpose of the matrix of the convolution that maps
the output size back to the input size, so the reader sees that the transposed convolution
multiplies by the transpose of the same kind of matrix. The input and output grids sit small
on the side, lit like the vectors. Frames are drawn with numpy, cached cell sprites and cached
glyphs, so they are fast and byte-for-byte reproducible.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from convanim.draw.choose import MATRIX_SILENT
from convanim.draw.formula import TIMES
from convanim.draw.legible import MIN_TEXT_PX, fitted_pt
from convanim.draw.options import RenderOptions, slide_ms
from convanim.draw.raster import cell_sprite
from convanim.draw.scene import fmt, group_tint
from convanim.draw.text import Font, blit, get_font
from convanim.draw.themes import THEMES, Look, Theme, rgb
from convanim.geometry import Plan
from convanim.geometry.compute import axes2
from convanim.geometry.matrix import check_matrix_size, matrix_from_plan, matrix_links

HOLD_PHASES = ("input", "insert_zeros", "pad", "crop", "output")
TARGET_WIDTH = 760  # pixels, when neither width nor cell_px is given
TARGET_HEIGHT = 600  # pixels for the tallest vector, in the same case
MIN_WIDTH = 480
MINI_MAX = 32  # the largest cell of the small input and output grids


@dataclass(frozen=True)
class Geometry:
    """Pixel positions: a column of cells starts at x and its row r at ``top + r*px``."""

    px: int
    g: int
    y_x: int
    m_x: int
    x_x: int
    top: int
    in_x: int
    in_y: int
    out_x: int
    out_y: int
    caption_y: int
    width: int
    height: int


class MatrixPainter:
    """Draws frame ``index`` of a plan in the matrix view; see :func:`render_matrix_frames`."""

    def __init__(self, planned: Plan, options: RenderOptions) -> None:
        spec = planned.spec
        self.n_out, self.n_in = check_matrix_size(spec)
        self.plan, self.options = planned, options
        self.theme: Theme = THEMES[options.theme]
        self.matrix = matrix_from_plan(planned)
        rows, cols, _ = matrix_links(planned)
        self.support = np.zeros(self.matrix.shape, bool)
        self.support[rows, cols] = True
        ax = axes2(spec)
        self.in_shape, self.out_shape = ax.i, ax.o
        stack = planned.stack
        if stack is not None:  # the channel maps drawn one above the other
            self.in_shape = (stack[0] * ax.i[0], ax.i[1])
            self.out_shape = (stack[1] * ax.o[0], ax.o[1])
        self.x = planned.x.ravel()
        self.y = planned.y.ravel()
        self.name = "Cᵀ" if spec.is_transposed else "C"
        self.captions = [self._caption(f) for f in planned.frames]
        self._layout()
        self._sprites: dict[tuple[str, int], np.ndarray] = {}
        self.base = self._base()

    # -- layout ------------------------------------------------------------------------------

    def _layout(self) -> None:
        o = self.options
        cols = self.n_in + 8 + max(self.in_shape[1], self.out_shape[1]) // 2
        if o.cell_px is not None:
            px = o.cell_px
        else:
            px = int(np.clip(min((o.width or TARGET_WIDTH) // cols,
                                 TARGET_HEIGHT // max(self.n_out, self.n_in)), 8, 40))
        scale = o.dpi / 100
        t = self.theme
        self.f_title = get_font(t.title_pt * scale, 100, bold=True)
        self.f_caption = get_font(t.caption_pt * scale, 100)
        # No text under MIN_TEXT_PX: small labels at that size at least; one size for every
        # number in the cells, fitted to the widest; cells too small for it show none (the
        # equation under the figure carries them).
        least = MIN_TEXT_PX * 72 / 100
        self.f_small = get_font(max(t.small_pt * scale * min(1.0, px / 24), least * scale), 100)
        self.f_label = get_font(t.label_pt * scale, 100, bold=True)
        texts = sorted({fmt(v) for v in (*np.ravel(self.matrix), *self.x, *self.y)})
        size = fitted_pt(min(t.value_pt, px * 0.3) * scale, 100, texts, px - 2, t.font)
        self.f_value: Font | None = get_font(size, 100) if size >= least * scale else None
        m = max(10, px // 2)
        title = self._title()
        top = m + (self.f_title.line_height + m // 2 if title else 0)
        top += self.f_label.line_height + self.f_small.line_height + 4
        row_w = int(self.f_small.measure(str(self.n_out - 1))) + 4
        y_x = m + row_w
        m_x = y_x + px + int(px * 1.6)
        x_x = m_x + self.n_in * px + int(px * 1.6)
        side_x = x_x + px + int(self.f_small.measure(str(self.n_in - 1))) + 4 + px
        tall = max(self.n_out, self.n_in) * px
        label_h = self.f_small.line_height + 2
        rows_needed = self.in_shape[0] + self.out_shape[0]
        g = int(min(px, max(4, (tall - 3 * label_h) // max(rows_needed, 1))))
        side_cols = max(self.in_shape[1], self.out_shape[1])
        # A tall, narrow C leaves the canvas's right part empty: the grids grow into it
        # (numbered cells a reader can match with x and y), as far as C's height allows.
        free = (max(MIN_WIDTH, o.width or 0) - m - side_x) // side_cols
        fits = (tall - 3 * label_h) // (rows_needed + 1)
        g = int(max(g, min(free, fits, MINI_MAX)))
        in_y = top + label_h
        out_y = in_y + self.in_shape[0] * g + label_h + max(label_h, g)
        side_w = side_cols * g
        width = max(side_x + side_w + m, MIN_WIDTH)
        # A tall x column leaves the area under a short C empty: the grids go there instead
        # of in a column of their own on the right.
        below = top + self.n_out * px + 2 * label_h
        room = top + tall - below - label_h
        high = max(self.in_shape[0], self.out_shape[0])
        g2 = int(min(px, room // max(high, 1))) if room > 0 else 0
        wide = (self.in_shape[1] + self.out_shape[1]) * g2 + 2 * px
        out_x = side_x
        if g2 >= 8 and wide <= self.n_in * px:
            # Side by side under C: input, then output.
            g, side_x, in_y = g2, m_x, below + label_h
            out_x, out_y = m_x + self.in_shape[1] * g + 2 * px, in_y
            x_label = int(self.f_small.measure(str(self.n_in - 1))) + 4
            width = max(x_x + px + x_label + m, MIN_WIDTH)
        width += width % 2
        lines = max(len(self._wrap(c, width - 2 * m)) for c in self.captions)
        caption_y = top + max(tall, out_y + self.out_shape[0] * g - top) + m
        height = caption_y + lines * self.f_caption.line_height + m
        height += height % 2
        self.m, self.title = m, title
        self.geo = Geometry(px, g, y_x, m_x, x_x, top, side_x, in_y, out_x, out_y,
                            caption_y, width, height)

    def _title(self) -> str:
        if self.options.title is not None:
            return self.options.title
        return f"{self.plan.spec.label}:  y = {self.name} x"

    def _wrap(self, caption: tuple[str, str], width: int) -> list[str]:
        return [line for part in caption if part for line in self.f_caption.wrap(part, width)]

    # -- captions ----------------------------------------------------------------------------

    def _caption(self, frame: object) -> tuple[str, str]:
        spec, name = self.plan.spec, self.name
        phase = frame.phase  # type: ignore[attr-defined]
        size = f"{self.n_out}x{self.n_in}"
        if phase == "input":
            # The zeros and padding frames are left out (MATRIX_SILENT): say it here.
            silent = [f.caption for f in self.plan.frames if f.phase in MATRIX_SILENT]
            note = (f"{'; '.join(silent)}: no column in {name}, they only leave entries blank."
                    if silent else "")
            return (f"{name} ({size}): one row per output cell, one column per input cell, "
                    "the kernel weights as entries; x and y are the grids read row by row.",
                    note)
        if phase in MATRIX_SILENT:
            what = "inserted zeros" if phase == "insert_zeros" else "padding cells"
            return (frame.caption,  # type: ignore[attr-defined]
                    f"The {what} have no column in {name}: they only leave entries blank.")
        if phase == "output":
            if not spec.is_transposed:
                return ("y = C x: every row of C is the kernel, placed where its window "
                        "sits; the matrix is sparse and its rows shift by the stride.", "")
            back = "x".join(map(str, spec.output_shape))
            into = "x".join(map(str, spec.i))
            return (f"y = Cᵀ x: C is the matrix of the {back} -> {into} convolution with the "
                    "same kernel, stride and padding; the transposed convolution multiplies "
                    "by its transpose.", "")
        if phase != "slide":
            return (frame.caption, "")  # type: ignore[attr-defined]
        row = self._row(frame)
        cols = np.flatnonzero(self.support[row])
        # Input then weight, as the other views write their terms (x0 times 2, not 2 x0).
        terms = " + ".join(f"x{j}{TIMES}{fmt(self.matrix[row, j])}" for j in cols) or "0"
        equation = f"y{row} = {terms} = {fmt(self.y[row])}"
        if not self.options.values:
            equation = f"y{row} = (row {row} of {name}) {TIMES} x"
        elif len(equation) > 110:
            equation = f"y{row} = (row {row} of {name}) {TIMES} x = {fmt(self.y[row])}"
        return (f"Row {row} of {name} lit: output cell y{row} is that row times x.", equation)

    def _row(self, frame: object) -> int:
        r, c = (int(v) for v in frame.cells[0])  # type: ignore[attr-defined]
        stack = self.plan.stack
        if stack is not None:  # side-by-side output maps, each stack[4] columns apart
            rows = self.out_shape[0] // stack[1]
            return ((c // stack[4]) * rows + r) * self.out_shape[1] + c % stack[4]
        return r * self.out_shape[1] + c

    # -- drawing -----------------------------------------------------------------------------

    def _sprite(self, look_name: str, px: int) -> np.ndarray:
        key = (look_name, px)
        if key not in self._sprites:
            look = self.theme.look(look_name)
            gap = 0 if px < 8 else 1
            self._sprites[key] = cell_sprite(look, px, gap, self.theme.background)
        return self._sprites[key]

    def _cell(self, img: np.ndarray, x: int, y: int, px: int, look_name: str,
              text: str | None = None) -> None:
        img[y: y + px, x: x + px] = self._sprite(look_name, px)
        font = self.f_value
        if text and self.options.values and font is not None:
            look: Look = self.theme.look(look_name)
            if font.measure(text) <= px:
                self._text(img, text, x + px / 2, y + (px + font.cap_height) / 2, look.text,
                           font, center=True)

    def _number(self, img: np.ndarray, x: int, y: int, g: int, index: int, look: str) -> None:
        """A mini grid cell's position in x or y (its row of C, its entry of x), so the
        flattened vector and the grid read together; left out where it would not fit."""
        text, font = str(index), self.f_small
        if font.measure(text) <= g - 2 and font.size_px <= g - 2:
            self._text(img, text, x + g / 2, y + (g + font.cap_height) / 2,
                       self.theme.look(look).text, font, center=True)

    def _text(self, img: np.ndarray, text: str, x: float, baseline: float, color: str,
              font: Font, center: bool = False) -> None:
        left = x - font.measure(text) / 2 if center else x
        blit(img, font.render(text), left, baseline, np.array(rgb(color)))

    def _base(self) -> np.ndarray:
        geo, t = self.geo, self.theme
        img = np.empty((geo.height, geo.width, 3), np.uint8)
        img[:] = rgb(t.background)
        if self.title:
            self._text(img, self.title, geo.width / 2, self.m + self.f_title.ascent, t.ink,
                       self.f_title, center=True)
        px = geo.px
        label_base = geo.top - self.f_small.line_height - 6
        index_base = geo.top - 4
        for text, x, width in (("y", geo.y_x, px), (f"{self.name}  ({self.n_out}x{self.n_in})",
                                                   geo.m_x, self.n_in * px), ("x", geo.x_x, px)):
            self._text(img, text, x + width / 2, label_base, t.ink, self.f_label, center=True)
        middle = geo.top + self.n_out * px / 2 + self.f_label.cap_height / 2
        self._text(img, "=", geo.y_x + px + px * 0.8, middle, t.ink, self.f_label, center=True)
        self._text(img, "\u00d7", geo.x_x - px * 0.8, middle, t.ink, self.f_label, center=True)
        step = 1 if px >= 2 * self.f_small.measure("00") else 4
        for j in range(0, self.n_in, step):
            self._text(img, str(j), geo.m_x + (j + 0.5) * px, index_base, t.muted,
                       self.f_small, center=True)
            self._text(img, str(j), geo.x_x + px + 3, geo.top + j * px + (px + self.f_small
                       .cap_height) / 2, t.muted, self.f_small)
        for r in range(0, self.n_out, step):
            self._text(img, str(r), geo.y_x - 3 - self.f_small.measure(str(r)),
                       geo.top + r * px + (px + self.f_small.cap_height) / 2, t.muted,
                       self.f_small)
        stack = self.plan.stack
        for r in range(self.n_out):
            weight = "kernel"
            if stack is not None and stack[2] > 1 and self.plan.picture.weighted:
                # A group's weights in its tint, as the flat view draws its filters.
                out_channel = r // (self.n_out // stack[1])
                weight = f"kernel@g{int(group_tint(out_channel * stack[2] // stack[1]))}"
            for j in range(self.n_in):
                on = self.support[r, j]
                self._cell(img, geo.m_x + j * px, geo.top + r * px, px,
                           weight if on else "pending", fmt(self.matrix[r, j]) if on else None)
        for j in range(self.n_in):
            self._cell(img, geo.x_x, geo.top + j * px, px, "input", fmt(self.x[j]))
        if self.plan.stack is not None:
            self._channel_blocks(img)
        small = self.f_small
        for label, x0, y0, shape in (("input", geo.in_x, geo.in_y, self.in_shape),
                                     ("output", geo.out_x, geo.out_y, self.out_shape)):
            text = (f"{label} {shape[0]}x{shape[1]}" if self.plan.spec.dims == 2
                    else f"{label} ({shape[1]})")
            if self.plan.stack is not None:  # channels first, the maps one above the other
                array = self.plan.x if label == "input" else self.plan.y
                text = f"{label} {'x'.join(map(str, array.shape))}"
            self._text(img, text, x0, y0 - 4, t.muted, small)
        return img

    def _channel_blocks(self, img: np.ndarray) -> None:
        """Lines between a stack's channels: C splits into one block per (output, input)
        channel pair, and the blocks a group never connects stay blank."""
        geo, stack = self.geo, self.plan.stack
        assert stack is not None
        per_in, per_out = self.n_in // stack[0], self.n_out // stack[1]
        ink, thick = rgb(self.theme.muted), max(1, geo.px // 12)
        bottom, right = geo.top + self.n_out * geo.px, geo.m_x + self.n_in * geo.px
        for j in range(per_in, self.n_in, per_in):
            x = geo.m_x + j * geo.px - thick // 2 - 1
            img[geo.top: bottom, x: x + thick] = ink
            y = geo.top + j * geo.px - thick // 2 - 1  # the x vector, between its channels
            img[y: y + thick, geo.x_x: geo.x_x + geo.px] = ink
        for r in range(per_out, self.n_out, per_out):
            y = geo.top + r * geo.px - thick // 2 - 1
            img[y: y + thick, geo.m_x: right] = ink
            img[y: y + thick, geo.y_x: geo.y_x + geo.px] = ink

    def paint(self, index: int) -> np.ndarray:
        """Frame ``index`` as an RGB uint8 image (every frame has the same size)."""
        geo, frame = self.geo, self.plan.frames[index]
        img = self.base.copy()
        px, g = geo.px, geo.g
        slides = [k for k, f in enumerate(self.plan.frames) if f.phase == "slide"]
        done = {self._row(self.plan.frames[k]) for k in slides if k < index}
        if frame.phase in ("output", "crop"):
            done = set(range(self.n_out))
        current = self._row(frame) if frame.phase == "slide" else None
        lit = np.flatnonzero(self.support[current]) if current is not None else []
        if current is not None:
            for j in np.flatnonzero(self.support[current]):
                self._cell(img, geo.m_x + j * px, geo.top + current * px, px, "window",
                           fmt(self.matrix[current, j]))
            self._box(img, geo.m_x, geo.top + current * px, self.n_in * px, px)
            for j in lit:  # see-through: x keeps its input role under the window's tint
                self._cell(img, geo.x_x, geo.top + j * px, px, "window+input", fmt(self.x[j]))
        for r in range(self.n_out):
            state = "current" if r == current else "done" if r in done else "pending"
            self._cell(img, geo.y_x, geo.top + r * px, px, state,
                       fmt(self.y[r]) if state != "pending" else None)
        lit_set = {int(j) for j in lit}
        w_in, w_out = self.in_shape[1], self.out_shape[1]
        for j in range(self.n_in):
            x0, y0 = geo.in_x + (j % w_in) * g, geo.in_y + (j // w_in) * g
            self._cell(img, x0, y0, g, "window+input" if j in lit_set else "input")
            self._number(img, x0, y0, g, j, "window+input" if j in lit_set else "input")
        for r in range(self.n_out):
            state = "current" if r == current else "done" if r in done else "pending"
            x0, y0 = geo.out_x + (r % w_out) * g, geo.out_y + (r // w_out) * g
            self._cell(img, x0, y0, g, state)
            self._number(img, x0, y0, g, r, state)
        baseline = geo.caption_y + self.f_caption.ascent
        for line in self._wrap(self.captions[index], geo.width - 2 * self.m):
            self._text(img, line, geo.width / 2, baseline, self.theme.ink, self.f_caption,
                       center=True)
            baseline += self.f_caption.line_height
        return img

    def _box(self, img: np.ndarray, x: int, y: int, w: int, h: int) -> None:
        thick = max(1, min(3, round(self.theme.outline_px * self.geo.px / 32)))
        color = rgb(self.theme.outline)
        img[y - thick: y, x - thick: x + w + thick] = color
        img[y + h: y + h + thick, x - thick: x + w + thick] = color
        img[y: y + h, x - thick: x] = color
        img[y: y + h, x + w: x + w + thick] = color

    def durations(self) -> list[int]:
        """Milliseconds per frame: ``hold_ms`` for phase frames and the last, else ``frame_ms``."""
        last = len(self.plan.frames) - 1
        return [self.options.hold_ms if f.phase in HOLD_PHASES or k == last
                else slide_ms(self.options) for k, f in enumerate(self.plan.frames)]


def render_matrix_frames(plan: Plan, options: RenderOptions | None = None
                         ) -> Iterator[tuple[np.ndarray, int]]:
    """Yield (RGB uint8 frame, duration ms) for every frame of ``plan`` the matrix view shows
    (all but the zeros and padding frames, which would change nothing in it).

    Raises :class:`~convanim.SpecError` at once (before any frame) for pooling or a matrix
    over 64 cells on a side.

    >>> from convanim.geometry import Spec, plan
    >>> frames = list(render_matrix_frames(plan(Spec(i=4, k=3, view="matrix"))))
    >>> len(frames), frames[0][0].shape[2], frames[1][1]
    (6, 3, 1000)
    """
    painter = MatrixPainter(plan, options or RenderOptions())
    durations = painter.durations()
    shown = [k for k, f in enumerate(plan.frames) if f.phase not in MATRIX_SILENT]
    return ((painter.paint(index), durations[index]) for index in shown)
