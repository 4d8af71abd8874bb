"""The resource budget: what a render will cost, checked before any work, as plain arithmetic.

Every command and the Python API ask :func:`check_render` before drawing a frame; the
renderer checks again with the real layout (:func:`check_frame`) before painting one. The
limits keep the peak memory of any accepted render under :data:`MEMORY_BOUND_MB` and its time
to a few minutes at most:

- one frame at most :data:`MAX_FRAME_PIXELS` pixels (about 30 bytes of working memory each),
- frames x pixels at most :data:`MAX_PIXEL_FRAMES` (the drawing and encoding time),
- an MP4 re-encodes every frame once per 20 ms video frame: at most :data:`MAX_VIDEO_PIXELS`,
  and its encoder holds dozens of frames: at most :data:`MAX_MP4_FRAME_PIXELS` each,
- a storyboard at most :data:`MAX_TILES` tiles, a PNG page at most :data:`MAX_PAGE_PIXELS`,
  a PDF/SVG page at most :data:`MAX_VECTOR_CELLS` cells drawn.

A refusal is a :class:`~convanim.geometry.SpecError` naming the figure, the limit and a way
out. Nothing here imports matplotlib; the frame size is estimated from the panel arithmetic
(within about 25 % of the real layout, see the tests).

>>> from convanim.geometry import Spec
>>> check_render(Spec(i=5, k=3), frames=11).frame_pixels < MAX_FRAME_PIXELS
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from convanim.geometry import Spec, SpecError

MEMORY_BOUND_MB = 1024
MAX_FRAME_PIXELS = 16_000_000  # e.g. 4000 x 4000
MAX_PIXEL_FRAMES = 6_000_000_000  # about two minutes of drawing and GIF encoding
MAX_VIDEO_PIXELS = 12_000_000_000  # MP4: pixels x 20 ms video frames, ~1 minute of x264
MAX_MP4_FRAME_PIXELS = 2_500_000  # x264's look-ahead holds dozens of frames: >1 GB at 4 Mpx
MAX_TILES = 400
MAX_PAGE_PIXELS = 100_000_000
MAX_VECTOR_CELLS = 40_000  # cells drawn on a PDF/SVG page, ~30 s of matplotlib
VIDEO_FRAME_MS = 20  # the MP4 writer's 50 fps clock
EARLY_SLACK = 2.5  # how far the arithmetic estimate may overshoot the real layout

# Layout constants, mirrored from convanim.draw (the layout tests keep them honest).
DEFAULT_WIDTH, MIN_WIDTH, MAX_DEFAULT_CELL = 480, 360, 32
TEXT_PT = {"title": 10.0, "caption": 8.5, "label": 8.5, "formula": 8.5, "legend": 7.0}
LINE = 1.17  # DejaVu Sans line height per em


@dataclass(frozen=True)
class Cost:
    """What a render will take: frame size, frame count and pixels drawn in all."""

    width: int
    height: int
    frames: int

    @property
    def frame_pixels(self) -> int:
        """Pixels of one frame.

        >>> Cost(width=40, height=30, frames=10).frame_pixels
        1200
        """
        return self.width * self.height

    @property
    def pixel_frames(self) -> int:
        """Pixels of every frame together.

        >>> Cost(width=40, height=30, frames=10).pixel_frames
        12000
        """
        return self.frame_pixels * self.frames


def _sides(spec: Spec) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """(rows, cols) of the grid, the target and the kernel panels, 1-D as one row."""
    def two(values: tuple[int, ...]) -> tuple[int, int]:
        return (1, values[0]) if len(values) == 1 else (values[0], values[1])

    grid, target = spec.op.panel_sides(spec)
    return two(tuple(grid)), two(tuple(target)), two(spec.k)


def _text_px(name: str, dpi: int, px: int) -> float:
    return TEXT_PT[name] * max(1.0, px / MAX_DEFAULT_CELL) * dpi / 72 * LINE


def _content(spec: Spec, px: int, dpi: int, stacked: bool, kernel: bool) -> tuple[int, int]:
    """Content width and height (without margins) for cells of ``px`` pixels."""
    grid, target, kern = _sides(spec)
    kp = max(2, round(px * 0.75))
    lab = _text_px("label", dpi, px) + 2
    panels = [(grid[1] * px, grid[0] * px + lab), (target[1] * px, target[0] * px + lab)]
    kpanel = (kern[1] * kp, kern[0] * kp + lab) if kernel else (0, 0)
    if stacked:
        width = max(panels[0][0], panels[1][0] + (kpanel[0] + 16 if kernel else 0))
        height = panels[0][1] + max(panels[1][1], kpanel[1]) + max(20, px)
    else:
        gap = max(28, round(px * 1.25))
        short, tall = sorted(panels, key=lambda p: p[1])
        width = max(short[0], kpanel[0]) + tall[0] + gap if kernel else short[0] + tall[0] + gap
        height = max(tall[1], short[1] + (kpanel[1] + 8 if kernel else 0))
    return width, height


def frame_size(spec: Spec, *, cell_px: int | None = None, width: int | None = None,
               dpi: int = 100, values: bool = True, layout: str = "auto") -> tuple[int, int]:
    """The estimated (width, height) of a frame, from the panel sizes alone.

    >>> frame_size(Spec(i=5, k=3))
    (360, 305)
    """
    stacked = layout == "stacked" or (layout == "auto" and spec.dims == 1)
    kernel = values and spec.op.weighted

    def total(px: int) -> int:
        margin = round(10 * dpi / 100 * max(1.0, px / MAX_DEFAULT_CELL))
        return _content(spec, px, dpi, stacked, kernel)[0] + 2 * margin

    if cell_px is not None:
        px = cell_px
    else:
        limit = width if width is not None else DEFAULT_WIDTH
        low = 2 if width is not None else (18 if values else 4)
        top = 200 if width is not None else MAX_DEFAULT_CELL
        px = low
        while px < top and total(px + 1) <= limit:
            px += 1
    margin = round(10 * dpi / 100 * max(1.0, px / MAX_DEFAULT_CELL))
    content_w, content_h = _content(spec, px, dpi, stacked, kernel)
    w = width if width is not None else max(content_w + 2 * margin, MIN_WIDTH)
    text = sum(_text_px(name, dpi, px) for name in ("title", "caption", "legend")) + 16
    if values:
        text += _text_px("formula", dpi, px) + 6
    return w, round(content_h + text + 2 * margin)


def _refuse(figure: str, limit: str, fix: str, param: str) -> SpecError:
    return SpecError(f"{figure}, more than the limit {limit}; {fix}", param)


def check_frame(width: int, height: int, frames: int, fmt: str = "gif",
                durations_ms: int | None = None, slack: float = 1.0) -> Cost:
    """Refuse a frame size, or frames x size, beyond the budget; the measured layout's check.

    ``durations_ms`` is the animation's total play time (for MP4, which encodes a video frame
    every 20 ms). ``slack`` > 1 refuses only sizes that far over a limit (for estimates).

    >>> check_frame(5000, 4000, 10)
    Traceback (most recent call last):
    ...
    convanim.geometry.spec.SpecError: a frame would be 5000x4000 = 20,000,000 pixels, more \
than the limit 16,000,000; use a smaller cell_px, width or dpi (or a smaller input_size)
    """
    cost = Cost(width, height, frames)
    about = "about " if slack > 1 else ""
    if cost.frame_pixels > MAX_FRAME_PIXELS * slack:
        raise _refuse(f"a frame would be {about}{width}x{height} = {cost.frame_pixels:,} pixels",
                      f"{MAX_FRAME_PIXELS:,}",
                      "use a smaller cell_px, width or dpi (or a smaller input_size)", "cell_px")
    if cost.pixel_frames > MAX_PIXEL_FRAMES * slack:
        raise _refuse(f"{frames:,} frames of {about}{width}x{height} would be "
                      f"{cost.pixel_frames:,} pixels to draw", f"{MAX_PIXEL_FRAMES:,}",
                      "use a smaller input_size or cell_px/width", "input_size")
    if fmt == "mp4" and cost.frame_pixels > MAX_MP4_FRAME_PIXELS * slack:
        raise _refuse(f"an MP4 frame would be {about}{width}x{height} = "
                      f"{cost.frame_pixels:,} pixels", f"{MAX_MP4_FRAME_PIXELS:,} for MP4",
                      "write a .gif or .webp, or use a smaller cell_px, width or dpi",
                      "cell_px")
    if fmt == "mp4" and durations_ms is not None:
        video = cost.frame_pixels * math.ceil(durations_ms / VIDEO_FRAME_MS)
        if video > MAX_VIDEO_PIXELS * slack:
            raise _refuse(f"the MP4 would encode {durations_ms / 1000:,.0f} s of "
                          f"{about}{width}x{height} video ({video:,} pixels, about "
                          f"{video / 2e8:,.0f} s of encoding)", f"{MAX_VIDEO_PIXELS:,}",
                          "write a .gif, raise fps, or use a smaller input_size", "output")
    return cost


def check_storyboard(suffix: str, frames: int, width: int, height: int, cells: int,
                     slack: float = 1.0) -> None:
    """Refuse a storyboard with too many tiles, too many pixels or too many vector cells.

    >>> check_storyboard(".png", 401, 100, 100, 10)
    Traceback (most recent call last):
    ...
    convanim.geometry.spec.SpecError: the storyboard would tile 401 frames, more than the \
limit 400; use a smaller input_size or no storyboard
    """
    if frames > MAX_TILES:
        raise _refuse(f"the storyboard would tile {frames:,} frames", f"{MAX_TILES}",
                      "use a smaller input_size or no storyboard", "storyboard")
    if suffix == ".png" and frames * width * height > MAX_PAGE_PIXELS * slack:
        raise _refuse(f"the storyboard page would be {frames * width * height:,} pixels "
                      f"({frames} tiles of {width}x{height})", f"{MAX_PAGE_PIXELS:,}",
                      "use a smaller cell_px or width, or a .pdf/.svg storyboard", "storyboard")
    if suffix in (".pdf", ".svg") and frames * cells > MAX_VECTOR_CELLS:
        raise _refuse(f"the {suffix[1:].upper()} storyboard would draw {frames * cells:,} "
                      f"cells ({frames} tiles of {cells})", f"{MAX_VECTOR_CELLS:,}",
                      "use a .png storyboard or a smaller input_size", "storyboard")


def panel_cells(spec: Spec) -> int:
    """Cells drawn in one frame (grid, target and kernel panels).

    >>> panel_cells(Spec(i=5, k=3))
    43
    """
    return sum(r * c for r, c in _sides(spec))


def check_render(spec: Spec, frames: int, *, cell_px: int | None = None,
                 width: int | None = None, dpi: int = 100, values: bool = True,
                 layout: str = "auto", fmt: str = "gif", durations_ms: int | None = None,
                 storyboard: str | None = None, slack: float = EARLY_SLACK) -> Cost:
    """The whole budget for one render, from arithmetic only: before any work.

    The frame size is an estimate, so by default only figures :data:`EARLY_SLACK` times over
    a limit are refused here; the renderer checks the real layout against the exact limits
    before it paints a frame.

    >>> check_render(Spec(i=96, k=96), 3, cell_px=200)
    Traceback (most recent call last):
    ...
    convanim.geometry.spec.SpecError: a frame would be about 33974x19780 = 672,005,720 pixels, \
more than the limit 16,000,000; use a smaller cell_px, width or dpi (or a smaller input_size)
    """
    w, h = frame_size(spec, cell_px=cell_px, width=width, dpi=dpi, values=values,
                      layout=layout)
    cost = check_frame(w, h, frames, fmt, durations_ms, slack)
    if storyboard is not None:
        suffix = "." + storyboard.lower().rsplit(".", 1)[-1]
        check_storyboard(suffix, frames, w, h, panel_cells(spec), slack)
    return cost
