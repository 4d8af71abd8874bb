"""Several layers applied to one photograph, side by side: the outputs forming together.

The question a comparison answers is "what does each layer make of the same picture?", so
the frame is the input once, then one output panel per layer at the same display size, each
with a magnified crop of the same region under it (where a stride-2 transposed convolution's
checkerboard, or nearest neighbour's blocks, cannot be missed). All panels share one colour
scale, stated once with a colour bar, so equal values are equal greys in every panel. While
the outputs form, each panel outlines its current pixel and the input outlines every pixel
any of them reads.

>>> import numpy as np
>>> from convanim.geometry import Spec, compute
>>> x = np.arange(16.0).reshape(1, 4, 4)
>>> specs = [Spec(i=4, mode="upsample", method=m) for m in ("nearest", "bilinear")]
>>> figs = tuple(PhotoFigure(s, x, compute(s, x[0])[None], None, (0, 9), "t", "c",
...                          windowed=False, reads=((tuple((r // 2,) for r in range(8)),) * 2))
...              for s in specs)
>>> comp = PhotoComparison(figs, ("nearest", "bilinear"), "two ways", "compare them")
>>> frames = list(comparison_frames(comp))
>>> len(frames), frames[0][0].shape == frames[-1][0].shape
(25, True)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from convanim.draw.photo import PhotoFigure, photo_palette
from convanim.draw.photo_marks import (
    KEY_ROW,
    MARGIN,
    SMALL_PX,
    TEXT_PX,
    TITLE_PX,
    colourize,
    fmt,
    key_legend,
    key_rows,
    pending_colour,
    photo_font,
    rgb_display,
    scale_limits,
)
from convanim.draw.themes import THEMES, rgb

GAP = 24
PANEL = 240  # the display size of every picture's longer side
ZOOM_CELLS = 12  # output pixels per side of the magnified crop
ZOOM_PX = 180


@dataclass(frozen=True)
class PhotoComparison:
    """One picture through several layers: ``figures`` share their input ``x``; ``names``
    title the panels; ``notes`` (optional) say under each panel what it does."""

    figures: tuple[PhotoFigure, ...]
    names: tuple[str, ...]
    title: str
    caption: str
    notes: tuple[str, ...] = ()
    slides: int = 24

    @property
    def first(self) -> PhotoFigure:
        """The first panel's figure (input, theme and timing are shared)."""
        return self.figures[0]

    @property
    def colour_output(self) -> bool:
        """Every panel an RGB picture within the input's range: shown in colour."""
        return all(fig.colour_output for fig in self.figures)


def most_panels(width: int = 8000) -> int:
    """How many output panels fit side by side in ``width`` pixels beside the input (every
    panel is at most one picture wide, ``PANEL`` pixels, or its zoom's width).

    >>> most_panels()
    29
    """
    column = max(PANEL, ZOOM_CELLS * 2 * (PANEL // (2 * ZOOM_CELLS))) + GAP
    return (width - 2 * MARGIN - PANEL) // column


def comparison_palette(comp: PhotoComparison) -> list[tuple[int, int, int]]:
    """Every colour the comparison's large areas use (the union of its panels' palettes).

    >>> from convanim.geometry import Spec
    >>> f = PhotoFigure(Spec(i=2, k=1), np.zeros((1, 2, 2)), np.zeros((1, 2, 2)), None, (0,),
    ...                 "t", "c")
    >>> len(comparison_palette(PhotoComparison((f, f), ("a", "b"), "t", "c"))) < 255
    True
    """
    colours: list[tuple[int, int, int]] = []
    for fig in comp.figures:
        colours += photo_palette(fig)
    return list(dict.fromkeys(colours))


def comparison_frames(comp: PhotoComparison) -> Iterator[tuple[np.ndarray, int]]:
    """The frames and their durations (ms): the outputs forming in ``comp.slides`` steps,
    every panel at the same fraction of its pixels, then the whole outputs, held."""
    painter = _Painter(comp)
    first = comp.first
    steps = max(1, comp.slides)
    for n in range(steps):
        yield painter.frame((n + 1) / (steps + 1)), first.slide_ms
    yield painter.frame(None), first.hold_ms


def reads_at(fig: PhotoFigure, r: int, c: int) -> tuple[np.ndarray, np.ndarray]:
    """The picture's rows and columns output pixel ``(r, c)`` reads (padding left out).

    >>> from convanim.geometry import Spec
    >>> f = PhotoFigure(Spec(i=5, k=3, s=2, p=1), np.zeros((1, 5, 5)), np.zeros((1, 3, 3)),
    ...                 np.ones((3, 3)), (0,), "t", "c")
    >>> [a.tolist() for a in reads_at(f, 0, 2)]
    [[0, 1], [3, 4]]
    """
    _, h, w = fig.x.shape
    if not fig.windowed:
        return np.asarray(fig.reads[0][r], int), np.asarray(fig.reads[1][c], int)
    spec = fig.spec
    (pt, _), (pl, _) = spec.p  # type: ignore[misc]
    rows = r * spec.s[0] - pt + spec.d[0] * np.arange(spec.k[0])
    cols = c * spec.s[1] - pl + spec.d[1] * np.arange(spec.k[1])
    return rows[(rows >= 0) & (rows < h)], cols[(cols >= 0) & (cols < w)]


def crop_of(y: np.ndarray, cells: int = ZOOM_CELLS) -> tuple[int, int, int, int]:
    """``(top, left, rows, cols)``: the square of at most ``cells`` per side with the most
    detail in ``y`` (C, H, W) (largest variance), on even offsets so a stride-2 pattern starts
    in phase in every panel of the same size.

    >>> crop_of(np.pad(np.ones((1, 4, 4)), ((0, 0), (8, 8), (12, 12))), 6)
    (6, 10, 6, 6)
    """
    _, h, w = y.shape
    rows, cols = min(cells, h), min(cells, w)
    plane = y.mean(axis=0)
    best, at = -1.0, (0, 0)
    for top in range(0, h - rows + 1, 2):
        for left in range(0, w - cols + 1, 2):
            score = float(plane[top:top + rows, left:left + cols].var())
            if score > best + 1e-12:
                best, at = score, (top, left)
    return (*at, rows, cols)


def panel_boxes(comp: PhotoComparison) -> list[tuple[int, int, int]]:
    """``(left, top, pixel size)`` of the input and of each output panel in every frame.

    >>> from convanim.geometry import Spec
    >>> f = PhotoFigure(Spec(i=4, k=1), np.zeros((1, 4, 4)), np.zeros((1, 4, 4)),
    ...                 np.ones((1, 1)), (0,), "t", "c")
    >>> panel_boxes(PhotoComparison((f,), ("a",), "t", "c"))[0][2]
    60
    """
    lay = _Layout(comp)
    return [(x, lay.top, px) for x, px in zip(lay.panel_x, [lay.in_px, *lay.out_px])]


class _Layout:
    """Where everything goes; one size for every frame. The colour bar sits under the input,
    beside the zooms of the outputs."""

    def __init__(self, comp: PhotoComparison) -> None:
        fig = comp.first
        _, h, w = fig.x.shape
        self.in_px = max(1, PANEL // max(h, w))
        self.in_w, self.in_h = w * self.in_px, h * self.in_px
        self.out_px = [max(1, PANEL // max(f.y.shape[1:])) for f in comp.figures]
        # One region for every panel of the first one's size, so the zooms show the same
        # place; at most half a panel's pixels per side, so the zoom magnifies at least 2x.
        cells = [min(ZOOM_CELLS, max(2, PANEL // (2 * px))) for px in self.out_px]
        shared = crop_of(fig.y, cells[0])
        self.crops = [shared if f.y.shape == fig.y.shape else crop_of(f.y, n)
                      for f, n in zip(comp.figures, cells)]
        # A whole zoom factor of the panel's pixels, about 180 px wide.
        self.zoom_px = [px * max(2, round(ZOOM_PX / (max(crop[2:]) * px)))
                        for crop, px in zip(self.crops, self.out_px)]
        self.top = MARGIN + TITLE_PX + 8 + 2 * (TEXT_PX + 6) + 10 + TEXT_PX + 6
        self.panel_x = [MARGIN]
        self.panel_w = [max(self.in_w, 150)]
        x = MARGIN + self.panel_w[0] + GAP
        for f, px, crop, zpx in zip(comp.figures, self.out_px, self.crops, self.zoom_px):
            self.panel_x.append(x)
            self.panel_w.append(max(f.y.shape[2] * px, 150, crop[3] * zpx))
            x += self.panel_w[-1] + GAP
        pictures = max([self.in_h] + [f.y.shape[1] * px for f, px in zip(comp.figures,
                                                                           self.out_px)])
        self.zoom_top = self.top + pictures + 10 + SMALL_PX + 10
        self.bar_at = (MARGIN, self.zoom_top)
        zooms = max(crop[2] * px for crop, px in zip(self.crops, self.zoom_px))
        self.notes_top = self.zoom_top + zooms + 6
        self.note_at = (MARGIN, self.notes_top + 2 * (SMALL_PX + 5) + 12)
        self.foot_at = (MARGIN, self.note_at[1] + TEXT_PX + 10)
        self.key_at = (MARGIN, self.foot_at[1] + SMALL_PX + 10)
        self.width = max(x - GAP + MARGIN, 640)
        theme = THEMES[fig.theme]
        self.keys = key_rows([
            ("fill", pending_colour(theme), "not computed yet"),
            ("box", rgb(theme.window.fill), "the input pixels read"),
            ("box", rgb(theme.current.fill), "the output pixel being computed"),
            ("box", rgb(theme.ink), "the zoomed region")], self.width - 2 * MARGIN)
        self.height = self.key_at[1] + len(self.keys) * KEY_ROW + MARGIN
        self.width += self.width % 2  # even sizes for MP4
        self.height += self.height % 2


class _Painter:
    """Paints frames onto one static base (text, the input, the colour bar)."""

    def __init__(self, comp: PhotoComparison) -> None:
        from PIL import Image, ImageDraw

        self.comp, self.fig = comp, comp.first
        self.theme = THEMES[self.fig.theme]
        self.lay = _Layout(comp)
        self.limits = scale_limits(np.concatenate([f.y.reshape(-1) for f in comp.figures]))
        self.pending = np.asarray(pending_colour(self.theme), np.uint8)
        self.colours = [self._colours(f) for f in comp.figures]
        base = Image.new("RGB", (self.lay.width, self.lay.height), rgb(self.theme.background))
        self._static(ImageDraw.Draw(base))
        self.base = np.asarray(base).copy()
        self._paint_input()
        self._paint_zooms()
        if not comp.colour_output:
            self._paint_bar()

    def _colours(self, fig: PhotoFigure) -> np.ndarray:
        """(H, W, 3) display colours of a panel's output (one picture, or its mean for a
        several-channel result, which the caption states)."""
        if self.comp.colour_output:
            return rgb_display(fig.y, fig.top)[0]
        return colourize(fig.y.mean(axis=0), self.limits)

    def _static(self, draw: Any) -> None:
        comp, lay, ink, muted = self.comp, self.lay, self.theme.ink, self.theme.muted
        draw.text((MARGIN, MARGIN), comp.title, font=photo_font(TITLE_PX, True), fill=ink)
        y = MARGIN + TITLE_PX + 8
        for line in comp.caption.split("\n")[:2]:
            draw.text((MARGIN, y), line, font=photo_font(TEXT_PX), fill=muted)
            y += TEXT_PX + 6
        label_y = lay.top - TEXT_PX - 6
        _, h, w = self.fig.x.shape
        draw.text((lay.panel_x[0], label_y), f"input: {self.fig.source} {h}×{w}",
                  font=photo_font(TEXT_PX, True), fill=ink)
        for n, (fig, name) in enumerate(zip(comp.figures, comp.names)):
            oh, ow = fig.y.shape[1:]
            draw.text((lay.panel_x[n + 1], label_y), f"{name}: {oh}×{ow}",
                      font=photo_font(TEXT_PX, True), fill=ink)
            top, left, rows, cols = lay.crops[n]
            x0 = lay.panel_x[n + 1]
            draw.text((x0, lay.zoom_top - SMALL_PX - 6),
                      f"zoom ×{lay.zoom_px[n] // lay.out_px[n]}: rows {top}-{top + rows - 1}"
                      f", cols {left}-{left + cols - 1}", font=photo_font(SMALL_PX), fill=muted)
            if n < len(comp.notes) and comp.notes[n]:
                lines = wrap(draw, comp.notes[n], photo_font(SMALL_PX), lay.panel_w[n + 1])
                for k, line in enumerate(lines[:2]):
                    draw.text((x0, lay.notes_top + k * (SMALL_PX + 5)), line,
                              font=photo_font(SMALL_PX), fill=muted)
        draw.text((MARGIN, lay.zoom_top - SMALL_PX - 6), "output colours (every panel)",
                  font=photo_font(SMALL_PX), fill=muted)
        low, high = self.limits
        if comp.colour_output:
            scale = f"the R, G, B values as a colour picture ({self.fig.unit})"
        elif low < 0:
            scale = "one scale for every panel: blue < 0 < orange, zero is mid-grey"
        else:
            scale = f"one scale for every panel: grey, 0 black to {fmt(high)} white"
        if not comp.colour_output and any(f.y.shape[0] > 1 for f in comp.figures):
            scale += f"; the mean of the {'R, G, B' if self.fig.rgb else 'channels'}"
        draw.text(lay.foot_at, f"output colours: {scale}; input values {self.fig.unit}",
                  font=photo_font(SMALL_PX), fill=muted)
        key_legend(draw, lay.key_at, lay.keys, ink)

    def _paint_input(self) -> None:
        fig, lay, px = self.fig, self.lay, self.lay.in_px
        pixels = (rgb_display(fig.x, fig.top)[0] if fig.rgb
                  else colourize(fig.x[0], (0.0, fig.top)))
        y0, x0 = lay.top, lay.panel_x[0]
        self.base[y0:y0 + lay.in_h, x0:x0 + lay.in_w] = np.repeat(np.repeat(pixels, px, 0),
                                                                  px, 1)

    def _paint_zooms(self) -> None:
        lay = self.lay
        for n, colours in enumerate(self.colours):
            top, left, rows, cols = lay.crops[n]
            px = lay.zoom_px[n]
            x0, y0 = lay.panel_x[n + 1], lay.zoom_top
            crop = colours[top:top + rows, left:left + cols]
            self.base[y0:y0 + rows * px, x0:x0 + cols * px] = np.repeat(
                np.repeat(crop, px, 0), px, 1)

    def _paint_bar(self) -> None:
        from PIL import Image, ImageDraw

        lay = self.lay
        x0, y0 = lay.bar_at
        span = lay.in_w
        t = np.linspace(self.limits[0], self.limits[1], span)
        self.base[y0:y0 + 14, x0:x0 + span] = colourize(t[None, :], self.limits)
        strip = Image.fromarray(self.base)
        draw = ImageDraw.Draw(strip)
        low, high = self.limits
        ticks = [(0, fmt(low)), (span, fmt(high))]
        if low < 0:
            ticks.insert(1, (span // 2, "0"))
        for at, text in ticks:
            width = draw.textlength(text, font=photo_font(SMALL_PX))
            left = min(max(x0 + at - width / 2, x0), x0 + span - width)
            draw.text((left, y0 + 18), text, font=photo_font(SMALL_PX), fill=self.theme.ink)
        self.base = np.asarray(strip).copy()

    def frame(self, fraction: float | None) -> np.ndarray:
        """One frame: each output filled up to ``fraction`` of its pixels (None: all)."""
        from PIL import Image, ImageDraw

        comp, lay, theme = self.comp, self.lay, self.theme
        out = self.base.copy()
        current = []
        for n, fig in enumerate(comp.figures):
            oh, ow = fig.y.shape[1:]
            done = np.zeros(oh * ow, bool)
            at = oh * ow - 1 if fraction is None else min(oh * ow - 1, int(fraction * oh * ow))
            done[: at + 1] = True
            shown = np.where(done.reshape(oh, ow)[..., None], self.colours[n], self.pending)
            px, x0 = lay.out_px[n], lay.panel_x[n + 1]
            out[lay.top:lay.top + oh * px, x0:x0 + ow * px] = np.repeat(np.repeat(shown, px, 0),
                                                                        px, 1)
            current.append(divmod(at, ow))
            if fraction is not None:
                top, left, rows, cols = lay.crops[n]
                zpx = lay.zoom_px[n]
                mask = done.reshape(oh, ow)[top:top + rows, left:left + cols]
                crop = np.where(mask[..., None], self.colours[n][top:top + rows,
                                                                 left:left + cols], self.pending)
                out[lay.zoom_top:lay.zoom_top + rows * zpx,
                    lay.panel_x[n + 1]:lay.panel_x[n + 1] + cols * zpx] = np.repeat(
                    np.repeat(crop, zpx, 0), zpx, 1)
        image = Image.fromarray(out)
        draw = ImageDraw.Draw(image)
        for n, (top, left, rows, cols) in enumerate(lay.crops):
            # Where the zoom comes from, outlined on the picture.
            px, x0 = lay.out_px[n], lay.panel_x[n + 1]
            draw.rectangle((x0 + left * px - 1, lay.top + top * px - 1,
                            x0 + (left + cols) * px, lay.top + (top + rows) * px),
                           outline=theme.ink, width=1)
        if fraction is None:
            note = "every output pixel computed: compare the zooms"
        else:
            read_rows: set[int] = set()
            read_cols: set[int] = set()
            for n, (fig, (r, c)) in enumerate(zip(comp.figures, current)):
                px, x0 = lay.out_px[n], lay.panel_x[n + 1]
                draw.rectangle((x0 + c * px - 2, lay.top + r * px - 2, x0 + (c + 1) * px + 1,
                                lay.top + (r + 1) * px + 1), outline=theme.current.fill,
                               width=2)
                rows, cols = reads_at(fig, r, c)
                read_rows.update(rows.tolist())
                read_cols.update(cols.tolist())
            px, x0 = lay.in_px, lay.panel_x[0]
            if read_rows and read_cols:
                r0, r1, c0, c1 = min(read_rows), max(read_rows), min(read_cols), max(read_cols)
                draw.rectangle((x0 + c0 * px - 2, lay.top + r0 * px - 2, x0 + (c1 + 1) * px + 1,
                                lay.top + (r1 + 1) * px + 1), outline=theme.window.fill,
                               width=2)
            r, c = current[0]
            where = ("at the same place in the others" if len({f.y.shape for f in comp.figures})
                     == 1 else "as far along in the others")
            note = (f"output pixel ({r}, {c}) of {comp.names[0]} and the pixels {where}; "
                    "on the input, every pixel they read")
        draw.text(lay.note_at, note, font=photo_font(TEXT_PX), fill=theme.ink)
        return np.asarray(image)


def wrap(draw: Any, text: str, font: Any, width: int) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width`` pixels.

    >>> from PIL import Image, ImageDraw
    >>> d = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    >>> wrap(d, "a flat picture stays flat", photo_font(12), 80)
    ['a flat picture', 'stays flat']
    """
    lines: list[str] = []
    for word in text.split(" "):
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


__all__ = ["PhotoComparison", "comparison_frames", "comparison_palette",
           "crop_of", "most_panels", "panel_boxes", "reads_at", "wrap"]
