"""The marks and scales of the photo figures: colour scales with zero at mid-grey, the font,
number format, and the legend row of swatches (shared by :mod:`convanim.draw.photo` and
:mod:`convanim.draw.photo_compare`).

>>> colourize(np.array([[0.0]]), (-1.0, 1.0))[0, 0].tolist(), fmt(-2.0)
([128, 128, 128], '−2')
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from convanim.draw.themes import Theme, rgb

NEGATIVE = (33, 102, 172)  # blue
ZERO = (128, 128, 128)  # mid-grey
POSITIVE = (179, 88, 6)  # orange-brown; blue/orange stay apart for deuteranopia/protanopia
STEPS = 32  # per half of the diverging scale (65 colours), and 64 greys
RGB_COLOURS = 96
MARGIN = 16
TITLE_PX = 16
TEXT_PX = 13
SMALL_PX = 12
KEY_ROW = SMALL_PX + 8  # one row of the legend


# --- colour scales -----------------------------------------------------------------------


@cache
def grey_ramp() -> np.ndarray:
    """The 64 greys of a never-negative output, black to white.

    >>> grey_ramp().shape
    (64, 3)
    """
    levels = np.linspace(0, 255, 2 * STEPS).round().astype(np.uint8)
    return np.repeat(levels[:, None], 3, axis=1)


@cache
def diverging_ramp() -> np.ndarray:
    """The 65 colours of a signed output: blue, mid-grey at the centre, orange.

    >>> diverging_ramp()[32].tolist()
    [128, 128, 128]
    """
    t = np.linspace(0, 1, STEPS + 1)[:, None]
    low = np.asarray(NEGATIVE) * (1 - t) + np.asarray(ZERO) * t
    high = np.asarray(ZERO) * (1 - t) + np.asarray(POSITIVE) * t
    return np.vstack([low, high[1:]]).round().astype(np.uint8)


def pending_colour(theme: Theme) -> tuple[int, int, int]:
    """Output pixels not computed yet: the background tinted with the input colour."""
    a, b = np.asarray(rgb(theme.background)), np.asarray(rgb(theme.input.fill))
    return tuple(int(v) for v in ((a + b) / 2).round())  # type: ignore[return-value]


def scale_limits(y: np.ndarray) -> tuple[float, float]:
    """The colour scale's ends: ±(largest magnitude) for a signed output, else 0..max.

    >>> scale_limits(np.array([-3.0, 1.0])), scale_limits(np.array([2.0, 5.0]))
    ((-3.0, 3.0), (0.0, 5.0))
    """
    if (y < 0).any():
        m = float(np.abs(y).max())
        return -m, m
    top = float(y.max())
    return 0.0, top if top > 0 else 1.0


def colourize(values: np.ndarray, limits: tuple[float, float]) -> np.ndarray:
    """Values -> RGB on the figure's scale (diverging when ``limits`` are signed).

    >>> colourize(np.array([[0.0]]), (-1.0, 1.0))[0, 0].tolist()
    [128, 128, 128]
    """
    low, high = limits
    t = np.clip((values - low) / (high - low), 0, 1)
    if low < 0:
        return diverging_ramp()[np.rint(t * 2 * STEPS).astype(int)]
    return grey_ramp()[np.rint(t * (2 * STEPS - 1)).astype(int)]


def rgb_display(x: np.ndarray, top: float) -> tuple[np.ndarray, np.ndarray]:
    """A (3, H, W) picture quantized to at most 96 colours: (H, W, 3) pixels and the colours."""
    from PIL import Image

    pixels = np.clip(x.transpose(1, 2, 0) * (255.0 / top), 0, 255).round().astype(np.uint8)
    quant = Image.fromarray(pixels).quantize(RGB_COLOURS, method=Image.Quantize.MEDIANCUT)
    colours = np.asarray(quant.getpalette()[: 3 * RGB_COLOURS], np.uint8).reshape(-1, 3)
    index = np.asarray(quant)
    return colours[index], colours[: index.max() + 1]


# --- text --------------------------------------------------------------------------------


@cache
def photo_font(px: int, bold: bool = False) -> Any:
    """DejaVu Sans (matplotlib's copy, the font of every other figure) at ``px`` pixels."""
    from PIL import ImageFont

    found = importlib.util.find_spec("matplotlib")
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    if found is not None and found.submodule_search_locations:
        path = Path(found.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf" / name
        if path.is_file():
            return ImageFont.truetype(str(path), px)
    return ImageFont.load_default(px)


def fmt(value: float) -> str:
    """A number as the figure prints it: whole numbers plain, else 3 significant digits.

    >>> fmt(12.0), fmt(-0.5), fmt(1 / 3), fmt(-1234.0), fmt(0.0)
    ('12', '−0.5', '0.333', '−1234', '0')
    """
    text = str(int(value)) if value == int(value) and abs(value) < 1e6 else f"{value:.3g}"
    return text.replace("-", "−")


def key_rows(keys: list[tuple[str, Any, str]], width: int) -> list[list[tuple[str, Any, str]]]:
    """The legend's marks broken into rows no wider than ``width`` pixels (never clipped).

    >>> keys = [("fill", (0, 0, 0), "not computed yet"), ("box", (9, 9, 9), "the window")]
    >>> len(key_rows(keys, 600)), len(key_rows(keys, 150))
    (1, 2)
    """
    font = photo_font(SMALL_PX)
    rows: list[list[tuple[str, Any, str]]] = [[]]
    x = 0
    for key in keys:
        span = 16 + int(font.getlength(key[2])) + 18
        if rows[-1] and x + span - 18 > width:
            rows.append([])
            x = 0
        rows[-1].append(key)
        x += span
    return rows


def key_legend(draw: Any, at: tuple[int, int], rows: list[list[tuple[str, Any, str]]],
               ink: Any) -> None:
    """Rows (from :func:`key_rows`) naming every mark in use: a filled square, an outlined
    box or a hatched square in the exact colour, then its words.

    >>> from PIL import Image, ImageDraw
    >>> d = ImageDraw.Draw(Image.new("RGB", (400, 20)))
    >>> key_legend(d, (0, 2), [[("fill", (1, 2, 3), "done"), ("box", (9, 9, 9), "window")]],
    ...            (0, 0, 0))
    """
    font = photo_font(SMALL_PX)
    for n, row in enumerate(rows):
        x, y = at[0], at[1] + n * KEY_ROW
        for kind, colour, words in row:
            box = (x, y + 1, x + 11, y + 12)
            if kind == "fill":
                draw.rectangle(box, fill=colour)
            elif kind == "hatch":
                for k in range(0, 12, 4):
                    draw.line((x + k, y + 12, x + 11, y + 1 + k), fill=colour)
                    draw.line((x, y + 12 - k, x + 11 - k, y + 1), fill=colour)
            else:
                draw.rectangle(box, outline=colour, width=2)
            x += 16
            draw.text((x, y), words, font=font, fill=ink)
            x += int(draw.textlength(words, font=font)) + 18


def contrast(fill: tuple[int, ...]) -> tuple[int, int, int]:
    """Black or white text, whichever reads on ``fill`` (by its luma).

    >>> contrast((250, 250, 200)), contrast((20, 40, 90))
    ((0, 0, 0), (255, 255, 255))
    """
    lum = 0.2126 * fill[0] + 0.7152 * fill[1] + 0.0722 * fill[2]
    return (0, 0, 0) if lum > 140 else (255, 255, 255)


def centred(draw: Any, box: tuple[int, int, int, int], text: str, colour: Any) -> None:
    """``text`` centred in ``box``, at 13 px or smaller down to 10 px so it never clips."""
    width = box[2] - box[0] - 4
    size = TEXT_PX
    while size > 10 and draw.textlength(text, font=photo_font(size)) > width:
        size -= 1
    font = photo_font(size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    cx = (box[0] + box[2]) / 2 - (left + right) / 2
    cy = (box[1] + box[3]) / 2 - (top + bottom) / 2
    draw.text((cx, cy), text, font=font, fill=colour)
