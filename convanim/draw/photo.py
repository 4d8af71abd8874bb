"""The photo figure: a window sliding over a real picture, the numbers under it, and the
output image forming beside it.

Three columns: the input picture (one square per pixel; the window is an outline, so the
pixels under it stay visible), the magnified patch under the window with its numbers next to
the kernel and the result, and the output picture filling in position by position. The
output's colours follow a stated scale: a signed output uses a blue-grey-orange diverging
scale with zero at mid-grey (safe for the common colour-vision deficiencies; never clamped:
the ends are the largest magnitude), an output that is never negative a grey ramp from 0 to
its maximum, and a filtered RGB picture whose values stay in the input's range is shown as a
colour picture. A colour bar under the output names the scale's ends.

Display colours are quantized (64 greys, 65 diverging steps, at most 96 colours for an RGB
picture) so a GIF's 255 colours hold every one exactly; the numbers printed are the exact
values. Frames are generated one at a time (memory does not grow with their count).

>>> import numpy as np
>>> from convanim.geometry import Spec, compute
>>> spec = Spec(i=6, k=3)
>>> x = np.arange(36.0).reshape(6, 6)
>>> w = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
>>> fig = PhotoFigure(spec, x[None], compute(spec, x, w)[None], w, positions=(0, 5, 15),
...                   title="Sobel x", caption="edges")
>>> frames = list(photo_frames(fig))
>>> len(frames), frames[0][0].dtype, frames[0][0].shape[2]
(4, dtype('uint8'), 3)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from convanim.draw.photo_marks import (
    KEY_ROW,
    MARGIN,
    SMALL_PX,
    TEXT_PX,
    TITLE_PX,
    centred,
    colourize,
    contrast,
    diverging_ramp,
    fmt,
    grey_ramp,
    key_legend,
    key_rows,
    pending_colour,
    photo_font,
    rgb_display,
    scale_limits,
)
from convanim.draw.themes import THEMES, rgb
from convanim.geometry.compute import pad_input
from convanim.geometry.spec import Spec

CHANNEL_NAMES = ("R", "G", "B")

GAP = 28
CELL = 42  # a magnified patch cell
RESULT_W = 76
ROW_GAP = 24  # between the patch rows of an RGB picture
SLICE_GAP = TEXT_PX + 10  # between output slices, room for their label


@dataclass(frozen=True)
class PhotoFigure:
    """What a photo figure shows: all numbers computed before the first frame.

    ``x`` is ``(C, H, W)``, ``y`` ``(C_out, Ho, Wo)`` (the exact output), ``w`` the 2-D kernel
    shown (None for pooling and upsampling; ``reduce`` then names a window's rule),
    ``positions`` the flat output indices the slide frames stop at (ascending), ``divisor`` a
    factor the kernel is shown as integers over (``blur`` is ones ÷ 9), ``rgb`` whether the
    C=3 input is one colour picture. ``windowed`` is False for modes whose output cells are
    not windows over the input (upsampling, transposed convolution): ``reads`` then lists,
    per axis and output index, the input indices that reach it.
    """

    spec: Spec
    x: np.ndarray
    y: np.ndarray
    w: np.ndarray | None
    positions: tuple[int, ...]
    title: str
    caption: str
    divisor: float = 1.0
    rgb: bool = False
    source: str = ""
    unit: str = "0-255"
    theme: str = "light"
    slide_ms: int = 250
    read_ms: int = 1500
    hold_ms: int = 3000
    reading: int = 3  # the first slides stay up long enough to read their numbers
    windowed: bool = True
    reduce: str = ""  # unweighted windows: "max" or "mean"
    reads: tuple[tuple[tuple[int, ...], ...], ...] = ()

    @property
    def top(self) -> float:
        """The input's full scale: 255 for 8-bit values, 1 for values/255."""
        return 255.0 if self.unit == "0-255" else 1.0

    @property
    def colour_output(self) -> bool:
        """An RGB result within the input's range: shown as a colour picture."""
        return self.rgb and self.y.shape[0] == 3 and bool(
            (self.y >= 0).all() and (self.y <= self.top).all())


def photo_palette(fig: PhotoFigure) -> list[tuple[int, int, int]]:
    """Every colour the figure's large areas use, for the GIF writer's exact palette.

    >>> from convanim.geometry import Spec
    >>> f = PhotoFigure(Spec(i=2, k=1), np.zeros((1, 2, 2)), np.zeros((1, 2, 2)), None, (0,),
    ...                 "t", "c")
    >>> len(photo_palette(f)) < 255
    True
    """
    theme = THEMES[fig.theme]
    named = [rgb(c) for c in (theme.background, theme.ink, theme.muted, theme.window.fill,
                              theme.current.fill, theme.kernel.fill, theme.kernel.edge,
                              theme.kernel.text, theme.pending.edge, theme.padding.edge,
                              theme.chosen.fill)]
    colours = [*named, pending_colour(theme), (0, 0, 0), (255, 255, 255)]
    colours += [tuple(int(v) for v in row) for row in grey_ramp()]
    if not fig.colour_output:
        colours += [tuple(int(v) for v in row) for row in diverging_ramp()]
    if fig.rgb:
        colours += [tuple(int(v) for v in c) for c in rgb_display(fig.x, fig.top)[1]]
    if fig.colour_output:
        colours += [tuple(int(v) for v in c) for c in rgb_display(fig.y, fig.top)[1]]
    return list(dict.fromkeys(colours))  # type: ignore[arg-type]


def photo_frames(fig: PhotoFigure) -> Iterator[tuple[np.ndarray, int]]:
    """The frames and their durations (ms): one per position in ``fig.positions``, then the
    whole output, held.

    >>> from convanim.photo import photo_figure
    >>> fig = photo_figure({"kernel_size": 3}, "sample:camera", image_size=12, max_slides=3)
    >>> frames = list(photo_frames(fig))
    >>> len(frames), frames[-1][1] == fig.hold_ms, frames[0][0].ndim
    (4, True, 3)
    """
    painter = _Painter(fig)
    for n, position in enumerate(fig.positions):
        yield painter.frame(position), fig.read_ms if n < fig.reading else fig.slide_ms
    yield painter.frame(None), fig.hold_ms


def output_box(fig: PhotoFigure) -> tuple[int, int, int]:
    """``(left, top, pixel size)`` of the (first) output picture in every frame.

    >>> from convanim.geometry import Spec
    >>> f = PhotoFigure(Spec(i=8, k=3), np.zeros((1, 8, 8)), np.zeros((1, 6, 6)),
    ...                 np.ones((3, 3)), (0,), "t", "c")
    >>> output_box(f)[2]
    8
    """
    layout = _Layout(fig)
    return (*layout.output_at, layout.out_px)


def frame_size(fig: PhotoFigure) -> tuple[int, int]:
    """(width, height) of every frame, without painting one.

    >>> from convanim.geometry import Spec
    >>> f = PhotoFigure(Spec(i=8, k=3), np.zeros((1, 8, 8)), np.zeros((1, 6, 6)),
    ...                 np.ones((3, 3)), (0,), "t", "c")
    >>> frame_size(f)[0] > 400
    True
    """
    layout = _Layout(fig)
    return layout.width, layout.height


# --- layout ------------------------------------------------------------------------------


class _Layout:
    """Where everything goes; one size for every frame."""

    def __init__(self, fig: PhotoFigure) -> None:
        c, h, w = fig.x.shape
        cy, oh, ow = fig.y.shape
        (pt, pb), (pl, pr) = _pads(fig)
        ih, iw = h + pt + pb, w + pl + pr
        self.px = max(2, min(8, 256 // max(ih, iw, oh, ow)))
        self.pads = (pt, pl)
        self.in_w, self.in_h = iw * self.px, ih * self.px
        self.out_stack = 1 if fig.colour_output or cy == 1 else cy
        # Several output slices share the height of the input and the patch (labelled c=0..).
        room = max(self.in_h, c * (int(fig.spec.k[0]) * CELL + ROW_GAP) - ROW_GAP)
        fit = (room - (self.out_stack - 1) * SLICE_GAP) // (self.out_stack * oh)
        self.out_px = self.px if self.out_stack == 1 else max(2, min(self.px, fit))
        self.out_w, self.out_h = ow * self.out_px, oh * self.out_px
        self.top = MARGIN + TITLE_PX + 8 + TEXT_PX + 16 + TEXT_PX + 6
        self.input_at = (MARGIN, self.top)
        k = fig.spec.k
        self.kh, self.kw = (int(k[0]), int(k[1])) if fig.windowed else _read_span(fig)
        self.rows = c
        grid_w = self.kw * CELL
        kernel_w = 22 + grid_w + 8 if fig.w is not None and fig.windowed else 0
        word_w = 50 if fig.reduce else 0
        self.patch_w = grid_w + 8 + kernel_w + word_w + 22 + RESULT_W
        self.patch_h = c * (self.kh * CELL + ROW_GAP) - ROW_GAP
        self.patch_at = (MARGIN + self.in_w + GAP + 12, self.top)  # room for R/G/B labels
        out_x = self.patch_at[0] + self.patch_w + GAP
        self.output_at = (out_x, self.top)
        slices_h = self.out_stack * (self.out_h + SLICE_GAP) - (SLICE_GAP if self.out_stack
                                                                   == 1 else 0)
        body = max(self.in_h, self.patch_h, slices_h)
        self.bar_at = (out_x, self.top + body + 12)
        self.note_at = (MARGIN, self.bar_at[1] + 14 + 6 + SMALL_PX + 10)
        self.foot_at = (MARGIN, self.note_at[1] + TEXT_PX + 10)
        self.key_at = (MARGIN, self.foot_at[1] + SMALL_PX + 10)
        self.width = max(out_x + self.out_w + MARGIN + 24, MARGIN * 2 + 640)
        self.keys = key_rows(photo_keys(fig), self.width - 2 * MARGIN)
        self.height = self.key_at[1] + len(self.keys) * KEY_ROW + MARGIN
        self.width += self.width % 2  # even sizes for MP4
        self.height += self.height % 2


def _pads(fig: PhotoFigure) -> tuple[tuple[int, int], tuple[int, int]]:
    spec = fig.spec
    if not fig.windowed:
        return (0, 0), (0, 0)
    (pt, pb), (pl, pr) = spec.p  # type: ignore[misc]
    return (int(pt), int(pb)), (int(pl), int(pr))


def _read_span(fig: PhotoFigure) -> tuple[int, int]:
    """Rows and columns of the largest set of input cells one output cell reads."""
    return (max((len(r) for r in fig.reads[0]), default=1),
            max((len(c) for c in fig.reads[1]), default=1))


# --- painting ----------------------------------------------------------------------------


class _Painter:
    """Paints frames onto one static base (text, input picture, colour bar)."""

    def __init__(self, fig: PhotoFigure) -> None:
        from PIL import Image, ImageDraw

        self.fig, self.theme = fig, THEMES[fig.theme]
        self.lay = _Layout(fig)
        self.limits = scale_limits(fig.y)
        self.pending = np.asarray(pending_colour(self.theme), np.uint8)
        base = Image.new("RGB", (self.lay.width, self.lay.height), rgb(self.theme.background))
        self._static_text(ImageDraw.Draw(base))
        self.base = np.asarray(base).copy()
        # What each window reads: the picture padded as the layer pads it (zeros, copies, or
        # -inf for max pooling, which never picks padding).
        self.padded = [pad_input(fig.spec, plane) for plane in fig.x] if fig.windowed else []
        self._paint_input()
        if not fig.colour_output:
            self._paint_bar()
        self.done = np.zeros(fig.y.shape[1:], bool)
        if fig.colour_output:
            self.colours = [rgb_display(fig.y, fig.top)[0]]
        else:
            self.colours = [colourize(plane, self.limits) for plane in fig.y]

    def _static_text(self, draw: Any) -> None:
        fig, lay, ink, muted = self.fig, self.lay, self.theme.ink, self.theme.muted
        draw.text((MARGIN, MARGIN), fig.title, font=photo_font(TITLE_PX, True), fill=ink)
        draw.text((MARGIN, MARGIN + TITLE_PX + 8), fig.caption, font=photo_font(TEXT_PX),
                  fill=muted)
        label_y = lay.top - TEXT_PX - 6
        _, h, w = fig.x.shape
        draw.text((lay.input_at[0], label_y), f"input: {fig.source} {h}×{w}",
                  font=photo_font(TEXT_PX), fill=ink)
        if fig.windowed:
            head = "under the window" + ("  ×  kernel" if fig.w is not None else "")
        else:
            head = "the input pixels it reads"
        draw.text((lay.patch_at[0], label_y), head, font=photo_font(TEXT_PX), fill=ink)
        oh, ow = fig.y.shape[1:]
        draw.text((lay.output_at[0], label_y), f"output {oh}×{ow}", font=photo_font(TEXT_PX),
                  fill=ink)
        low, high = self.limits
        if fig.colour_output:
            scale = f"the R, G, B values as a colour picture ({fig.unit})"
        elif low < 0:
            scale = "blue < 0 < orange, zero is mid-grey"
        else:
            scale = f"grey, 0 black to {fmt(high)} white"
        draw.text(lay.foot_at, f"output colours: {scale}; input values {fig.unit}",
                  font=photo_font(SMALL_PX), fill=muted)
        key_legend(draw, lay.key_at, lay.keys, ink)
        if lay.out_stack > 1:
            for ch in range(lay.out_stack):
                y0 = lay.top + ch * (lay.out_h + SLICE_GAP) + lay.out_h + 3
                name = f"c={ch}" + (f" ({CHANNEL_NAMES[ch]})" if fig.rgb else "")
                draw.text((lay.output_at[0], y0), name, font=photo_font(SMALL_PX), fill=muted)

    def _paint_input(self) -> None:
        fig, lay, px = self.fig, self.lay, self.lay.px
        x0, y0 = lay.input_at
        pt, pl = lay.pads
        _, h, w = fig.x.shape
        region = self.base[y0:y0 + lay.in_h, x0:x0 + lay.in_w]
        if fig.windowed:
            # The padded picture: padding cells show the value the layer reads there (0, or a
            # copy for reflect/replicate/circular), hatched so they read as "not the picture".
            plane = np.where(np.isfinite(self.padded[0]), self.padded[0], 0.0)
            if fig.rgb:
                plane = np.mean([np.where(np.isfinite(p), p, 0.0) for p in self.padded], axis=0)
            greys = colourize(plane, (0.0, fig.top))
            region[:] = np.repeat(np.repeat(greys, px, axis=0), px, axis=1)
            ring = np.ones((lay.in_h, lay.in_w), bool)
            ring[pt * px:(pt + h) * px, pl * px:(pl + w) * px] = False
            ys, xs = np.mgrid[0:lay.in_h, 0:lay.in_w]
            region[ring & ((ys + xs) % 4 == 0)] = rgb(self.theme.padding.edge)
        pixels = rgb_display(fig.x, fig.top)[0] if fig.rgb else colourize(fig.x[0],
                                                                            (0.0, fig.top))
        big = np.repeat(np.repeat(pixels, px, axis=0), px, axis=1)
        region[pt * px:(pt + h) * px, pl * px:(pl + w) * px] = big

    def _paint_bar(self) -> None:
        from PIL import Image, ImageDraw

        lay = self.lay
        x0, y0 = lay.bar_at
        t = np.linspace(self.limits[0], self.limits[1], lay.out_w)
        self.base[y0:y0 + 14, x0:x0 + lay.out_w] = colourize(t[None, :], self.limits)
        strip = Image.fromarray(self.base)
        draw = ImageDraw.Draw(strip)
        low, high = self.limits
        ticks = [(0, fmt(low)), (lay.out_w, fmt(high))]
        if low < 0:
            ticks.insert(1, (lay.out_w // 2, "0"))
        for at, text in ticks:
            width = draw.textlength(text, font=photo_font(SMALL_PX))
            left = min(max(x0 + at - width / 2, x0 - 8), lay.width - MARGIN - width)
            draw.text((left, y0 + 18), text, font=photo_font(SMALL_PX), fill=self.theme.ink)
        self.base = np.asarray(strip).copy()

    def frame(self, position: int | None) -> np.ndarray:
        from PIL import Image, ImageDraw

        fig, lay = self.fig, self.lay
        oh, ow = fig.y.shape[1:]
        if position is None:
            self.done[:] = True
        else:
            self.done.reshape(-1)[: position + 1] = True
        out = self.base.copy()
        x0, opx = lay.output_at[0], lay.out_px
        for ch in range(lay.out_stack):
            y0 = lay.top + ch * (lay.out_h + SLICE_GAP)
            shown = np.where(self.done[..., None], self.colours[ch], self.pending)
            out[y0:y0 + lay.out_h, x0:x0 + lay.out_w] = np.repeat(np.repeat(shown, opx, 0), opx,
                                                                  1)
        image = Image.fromarray(out)
        draw = ImageDraw.Draw(image)
        if position is None:
            note = f"every position computed: the whole {oh}×{ow} output"
            if fig.w is not None and fig.windowed:
                self._kernel(draw, *lay.patch_at)
        else:
            r, c = divmod(position, ow)
            cells = self._window(draw, r, c)
            for ch in range(lay.out_stack):
                y0 = lay.top + ch * (lay.out_h + SLICE_GAP)
                draw.rectangle((x0 + c * opx - 2, y0 + r * opx - 2, x0 + (c + 1) * opx + 1,
                                y0 + (r + 1) * opx + 1), outline=self.theme.current.fill,
                               width=2)
            self._patch(draw, r, c, cells)
            note = f"output pixel ({r}, {c}) of {oh}×{ow}, position {position + 1} of {oh * ow}"
        draw.text(lay.note_at, note, font=photo_font(TEXT_PX), fill=self.theme.ink)
        return np.asarray(image)

    def _window(self, draw: Any, r: int, c: int) -> tuple[np.ndarray, np.ndarray]:
        """Outline what output ``(r, c)`` reads; returns the padded rows and columns read."""
        fig, lay, px = self.fig, self.lay, self.lay.px
        x0, y0 = lay.input_at
        colour = self.theme.window.fill
        if fig.windowed:
            (sh, sw), (dh, dw) = fig.spec.s, fig.spec.d
            rows = r * sh + dh * np.arange(lay.kh)
            cols = c * sw + dw * np.arange(lay.kw)
            box = (x0 + cols[0] * px - 2, y0 + rows[0] * px - 2, x0 + (cols[-1] + 1) * px + 1,
                   y0 + (rows[-1] + 1) * px + 1)
            draw.rectangle(box, outline=colour, width=2)  # an outline: pixels stay visible
            if dh > 1 or dw > 1:
                for a in rows:
                    for b in cols:
                        draw.rectangle((x0 + b * px, y0 + a * px, x0 + (b + 1) * px - 1,
                                        y0 + (a + 1) * px - 1), outline=colour)
            return rows, cols
        rows, cols = np.asarray(fig.reads[0][r]), np.asarray(fig.reads[1][c])
        for a in rows:
            for b in cols:
                draw.rectangle((x0 + b * px - 1, y0 + a * px - 1, x0 + (b + 1) * px,
                                y0 + (a + 1) * px), outline=colour, width=2 if px > 3 else 1)
        return rows, cols

    def _patch(self, draw: Any, r: int, c: int, cells: tuple[np.ndarray, np.ndarray]) -> None:
        fig, lay, theme = self.fig, self.lay, self.theme
        rows, cols = cells
        x0, y0 = lay.patch_at
        font = photo_font(SMALL_PX)
        for row in range(fig.x.shape[0]):
            gy = y0 + row * (lay.kh * CELL + ROW_GAP)
            source = self.padded[row] if fig.windowed else fig.x[row]
            taps = source[np.ix_(rows, cols)]
            picked = None
            if fig.reduce == "max" and np.isfinite(taps).any():
                flat = np.where(np.isfinite(taps), taps, -np.inf)
                picked = np.unravel_index(int(np.argmax(flat)), taps.shape)
            for a in range(taps.shape[0]):
                for b in range(taps.shape[1]):
                    value = float(taps[a, b])
                    box = (x0 + b * CELL, gy + a * CELL, x0 + (b + 1) * CELL - 1,
                           gy + (a + 1) * CELL - 1)
                    if np.isfinite(value):
                        fill = tuple(int(v) for v in colourize(np.array(value), (0.0, fig.top)))
                        text = fmt(value)
                    else:  # max pooling's padding: -inf, never picked
                        fill, text = rgb(theme.padding.fill), "pad"
                    draw.rectangle(box, fill=fill, outline=theme.pending.edge)
                    if picked == (a, b):
                        draw.rectangle(box, outline=theme.chosen.fill, width=3)
                    centred(draw, box, text, contrast(fill))
            if fig.x.shape[0] > 1:
                name = CHANNEL_NAMES[row] if fig.rgb else f"c={row}"
                draw.text((x0 - 6 - draw.textlength(name, font=font),
                           gy + taps.shape[0] * CELL // 2 - 7), name, font=font, fill=theme.muted)
            at = x0 + taps.shape[1] * CELL + 8
            mid = gy + taps.shape[0] * CELL // 2
            if fig.w is not None and fig.windowed:
                draw.text((at, mid - 10), "×", font=photo_font(16), fill=theme.ink)
                at += 22
                self._kernel(draw, at, gy)
                at += lay.kw * CELL + 8
            elif fig.reduce:
                draw.text((at, mid - 8), fig.reduce, font=photo_font(TEXT_PX), fill=theme.ink)
                at += 50
            value = float(fig.y[row if fig.y.shape[0] > 1 else 0, r, c])
            if fig.colour_output:
                fill = tuple(int(v) for v in colourize(np.array(value), (0.0, fig.top)))
            else:
                fill = tuple(int(v) for v in colourize(np.array(value), self.limits))
            draw.text((at, mid - 10), "=" if fig.windowed else "→", font=photo_font(16),
                      fill=theme.ink)
            box = (at + 20, mid - CELL // 2, at + 20 + RESULT_W, mid + CELL // 2)
            draw.rectangle(box, fill=fill, outline=theme.current.fill, width=2)
            centred(draw, box, fmt(value), contrast(fill))

    def _kernel(self, draw: Any, at: int, gy: int) -> None:
        """The kernel's numbers (over their common divisor, said below) at ``(at, gy)``."""
        lay, theme = self.lay, self.theme
        kernel = self.fig.w * self.fig.divisor  # type: ignore[operator]
        for a in range(lay.kh):
            for b in range(lay.kw):
                box = (at + b * CELL, gy + a * CELL, at + (b + 1) * CELL - 1,
                       gy + (a + 1) * CELL - 1)
                draw.rectangle(box, fill=theme.kernel.fill, outline=theme.kernel.edge)
                centred(draw, box, fmt(float(kernel[a, b])), rgb(theme.kernel.text))
        if self.fig.divisor != 1:
            draw.text((at, gy + lay.kh * CELL + 3), f"all ÷ {fmt(self.fig.divisor)}",
                      font=photo_font(SMALL_PX), fill=theme.ink)


def photo_keys(fig: PhotoFigure) -> list[tuple[str, Any, str]]:
    """The marks a photo figure uses, for its legend.

    >>> from convanim.geometry import Spec
    >>> f = PhotoFigure(Spec(i=2, k=1), np.zeros((1, 2, 2)), np.zeros((1, 2, 2)),
    ...                 np.ones((1, 1)), (0,), "t", "c")
    >>> [words for _, _, words in photo_keys(f)][:2]
    ['not computed yet', 'the window']
    """
    theme = THEMES[fig.theme]
    keys = [("fill", pending_colour(theme), "not computed yet"),
            ("box", rgb(theme.window.fill),
             "the window" if fig.windowed else "the input pixels read"),
            ("box", rgb(theme.current.fill), "the output pixel being computed")]
    if fig.reduce == "max":
        keys.append(("box", rgb(theme.chosen.fill), "the maximum"))
    if fig.windowed and any(a or b for a, b in _pads(fig)):
        keys.append(("hatch", rgb(theme.padding.edge), "padding (the values read)"))
    return keys
