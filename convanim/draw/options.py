"""How an animation is drawn and timed, validated up front with messages that name the fix.

>>> RenderOptions(fps=4).frame_ms
250
>>> try:
...     RenderOptions(theme="drak")
... except SpecError as err:
...     err.param
'theme'
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field, fields
from typing import Any

from convanim.draw.themes import THEMES
from convanim.geometry import SpecError

LAYOUTS = ("auto", "side", "stacked", "minimal")
STYLES = ("flat", "perspective")
DEFAULT_FRAME_MS = 500
# Slides that show numbers change an equation each frame: by default they stay up this long
# (conv_arithmetic shows 1000 ms slides without any text). Explicit timing wins.
READ_MS = 1000
# Browsers stretch GIF delays under 20 ms to 100 ms, so shorter frames would play slower.
MIN_MS, MAX_MS = 20, 60_000
MIN_WIDTH, MAX_WIDTH = 160, 8000
MIN_CELL, MAX_CELL = 2, 200
MIN_BOX = 64


def _whole(name: str, value: Any, low: int, high: int, fix: str) -> int:
    """An int option: ints, whole floats and digit strings (from flags or YAML) are accepted."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise SpecError(f"{name}={value!r} is not a whole number; {fix}", name)
    if not low <= value <= high:
        raise SpecError(f"{name}={value} is outside {low}..{high}; {fix}", name)
    return int(value)


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SpecError(f"{name}={value!r} is not true or false; write {name}=true or false",
                        name)
    return value


def _choice(name: str, value: Any, allowed: tuple[str, ...] | list[str]) -> str:
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in allowed:
        from difflib import get_close_matches  # here: only a refusal needs it (~1 ms)

        close = get_close_matches(str(text), list(allowed), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "use one of " + ", ".join(allowed)
        raise SpecError(f"{name}={value!r} is not one of {', '.join(allowed)}; {hint}", name)
    return text


@dataclass(frozen=True)
class RenderOptions:
    """Drawing and timing options; every field is checked when the object is made.

    ``frame_ms`` is how long each slide frame shows (or give ``fps``); without either, slides
    that show numbers (an equation) stay up at least ``read_ms`` (1000). ``hold_ms`` how long
    the input, zero-insertion, padding, crop and final frames show. Give ``width`` (pixels of
    the whole image) or ``cell_px`` (pixels per cell), not both; with neither, cells are sized
    so that a typical animation is about 450 px wide. ``layout`` puts the output beside
    (``side``) or below (``stacked``) the input; ``auto`` stacks 1-D specs only. ``title``
    defaults to the spec's label (``""`` for none). ``max_frames`` refuses larger animations.
    ``style`` is ``flat`` (grids side by side) or ``perspective`` (the output plane above the
    input plane, projection lines between them: the conv_arithmetic look).

    >>> RenderOptions(cell_px=24, theme="print").cell_px
    24
    """

    values: bool = True
    frame_ms: int | None = None
    hold_ms: int = 1500
    loop: bool = True
    width: int | None = None
    cell_px: int | None = None
    dpi: int = 100
    theme: str = "light"
    layout: str = "auto"
    title: str | None = None
    max_frames: int = 5_000  # the table's default (convanim.request.table)
    fps: float | None = None
    size: str | None = None
    height: int | None = None
    aspect: str | None = None
    frames: str | None = None
    max_slides: int | None = None
    columns: int | None = None
    transparent: bool = False
    style: str = "flat"
    read_ms: int | None = None
    # Twice the pixels (the dpi doubled); the HTML player shows them at the 1x size.
    hidpi: bool = False
    # Set once the dpi is doubled, so a copy (dataclasses.replace) does not double it again.
    hidpi_done: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.read_ms is None:  # resolved once, so dataclasses.replace keeps the choice
            set_(self, "read_ms", READ_MS if self.frame_ms is None and self.fps is None else 0)
        set_(self, "read_ms", _whole("read_ms", self.read_ms, 0, MAX_MS,
                                     f"use 0..{MAX_MS} ms, e.g. 1000"))
        set_(self, "values", _flag("values", self.values))
        set_(self, "loop", _flag("loop", self.loop))
        set_(self, "transparent", _flag("transparent", self.transparent))
        timing = f"use {MIN_MS}..{MAX_MS} ms, e.g. 500"
        if self.fps is not None:
            fps = self.fps
            if isinstance(fps, str):
                try:
                    fps = float(fps)
                except ValueError:
                    fps = self.fps
            if isinstance(fps, bool) or not isinstance(fps, numbers.Real) or not (
                    math.isfinite(fps) and 1000 / MAX_MS <= fps <= 1000 / MIN_MS):
                raise SpecError(f"fps={self.fps!r} is not a number of frames per second in "
                                f"{1000 / MAX_MS:g}..{1000 / MIN_MS:g}; use e.g. fps=2", "fps")
            from_fps = round(1000 / fps)
            if self.frame_ms is not None and _whole("frame_ms", self.frame_ms, MIN_MS, MAX_MS,
                                                    timing) != from_fps:
                raise SpecError(f"fps={self.fps!r} means frame_ms={from_fps} but frame_ms="
                                f"{self.frame_ms!r} is also given; give only one of them", "fps")
            set_(self, "fps", float(fps))
            set_(self, "frame_ms", from_fps)
        elif self.frame_ms is None:
            set_(self, "frame_ms", DEFAULT_FRAME_MS)
        set_(self, "frame_ms", _whole("frame_ms", self.frame_ms, MIN_MS, MAX_MS, timing))
        set_(self, "hold_ms", _whole("hold_ms", self.hold_ms, MIN_MS, MAX_MS,
                                     f"use {MIN_MS}..{MAX_MS} ms, e.g. 1500"))
        if self.width is not None and self.cell_px is not None:
            raise SpecError(f"width={self.width!r} and cell_px={self.cell_px!r} are both given "
                            "but each fixes the size; give only one of them", "width")
        if self.width is not None:
            set_(self, "width", _whole("width", self.width, MIN_WIDTH, MAX_WIDTH,
                                       "give the image width in pixels, e.g. 480"))
        if self.cell_px is not None:
            set_(self, "cell_px", _whole("cell_px", self.cell_px, MIN_CELL, MAX_CELL,
                                         "give pixels per cell, e.g. 32"))
        set_(self, "hidpi", _flag("hidpi", self.hidpi))
        set_(self, "dpi", _whole("dpi", self.dpi, 50, 600, "use e.g. dpi=100"))
        if self.hidpi and not self.hidpi_done:
            if self.dpi > 300:
                raise SpecError(f"dpi={self.dpi} with hidpi would be {2 * self.dpi}, more than "
                                "600; use dpi<=300 or drop hidpi", "dpi")
            set_(self, "dpi", 2 * self.dpi)
            set_(self, "hidpi_done", True)
        set_(self, "theme", _choice("theme", self.theme, sorted(THEMES)))
        set_(self, "layout", _choice("layout", self.layout, LAYOUTS))
        set_(self, "style", _choice("style", self.style, STYLES))
        if self.title is not None and not isinstance(self.title, str):
            raise SpecError(f"title={self.title!r} is not text; write title=\"My title\" or "
                            "leave it out for the spec's label", "title")
        if self.title is not None and "\n" in self.title:
            raise SpecError("title has a line break but must be one line; remove the break",
                            "title")
        self._check_box()
        if self.frames is not None:
            from convanim.draw.choose import check_frames_text

            set_(self, "frames", check_frames_text(self.frames))
        if self.max_slides is not None:
            set_(self, "max_slides", _whole("max_slides", self.max_slides, 1, 100_000,
                                            "keep e.g. max_slides=8 window positions"))
        if self.columns is not None:
            set_(self, "columns", _whole("columns", self.columns, 1, 100,
                                         "give the storyboard's tiles per row, e.g. 4"))
        if self.title is not None:
            from convanim.draw.text import drawable

            set_(self, "title", drawable(self.title, THEMES[self.theme].font))
        set_(self, "max_frames", _whole("max_frames", self.max_frames, 1, 10_000_000,
                                        "raise it or use a smaller input"))

    def _check_box(self) -> None:
        set_ = object.__setattr__
        if self.size is not None:
            text = str(self.size).strip().lower().replace(" ", "")
            parts = text.split("x")
            if len(parts) != 2 or not all(p.isdigit() for p in parts):
                raise SpecError(f"size={self.size!r} is not WIDTHxHEIGHT; write e.g. "
                                "size=1920x1080", "size")
            for name, value in zip(("width", "height"), parts):
                _whole("size", int(value), MIN_BOX, MAX_WIDTH,
                       f"give the {name} in pixels, e.g. size=1920x1080")
            clash = [n for n in ("width", "height", "cell_px", "aspect")
                     if getattr(self, n) is not None]
            if clash:
                raise SpecError(f"size={self.size!r} and {clash[0]}= are both given but size "
                                "fixes the whole image; give only one of them", "size")
            set_(self, "size", "x".join(parts))
        if self.height is not None:
            set_(self, "height", _whole("height", self.height, MIN_BOX, MAX_WIDTH,
                                        "give the image height in pixels, e.g. 1080"))
            if self.cell_px is not None:
                raise SpecError(f"height={self.height!r} and cell_px={self.cell_px!r} are both "
                                "given but each fixes the size; give only one of them", "height")
        if self.aspect is not None:
            text = str(self.aspect).strip().replace("/", ":")
            parts = text.split(":")
            if len(parts) != 2 or not all(p.isdigit() and 0 < int(p) <= 100 for p in parts):
                raise SpecError(f"aspect={self.aspect!r} is not W:H; write e.g. aspect=16:9",
                                "aspect")
            if self.width is not None and self.height is not None:
                raise SpecError("aspect, width and height are all given; give two of them",
                                "aspect")
            set_(self, "aspect", ":".join(parts))

    @property
    def aspect_ratio(self) -> tuple[int, int]:
        """The ``aspect`` as (width, height) parts.

        >>> RenderOptions(aspect="16:9").aspect_ratio
        (16, 9)
        """
        w, h = (self.aspect or "1:1").split(":")
        return int(w), int(h)

    @property
    def box(self) -> tuple[int | None, int | None] | None:
        """The box the figure must fit, (width, height) with None for a free side; None when
        the image is simply as large as its content.

        >>> RenderOptions(size="640x360").box, RenderOptions(width=800, aspect="16:9").box
        ((640, 360), (800, 450))
        """
        if self.size is not None:
            w, h = self.size.split("x")
            return int(w), int(h)
        if self.aspect is not None:
            aw, ah = self.aspect_ratio
            if self.width is not None:
                return self.width, round(self.width * ah / aw)
            if self.height is not None:
                return round(self.height * aw / ah), self.height
            return None, None
        if self.height is not None:
            return self.width, self.height
        return None

    @classmethod
    def from_mapping(cls, mapping: dict[str, Any]) -> RenderOptions:
        """Options from keyword arguments, rejecting unknown names with a suggestion.

        >>> RenderOptions.from_mapping({"theme": "dark"}).theme
        'dark'
        """
        names = [f.name for f in fields(cls) if f.repr]  # hidpi_done is bookkeeping
        for key in mapping:
            if key not in names:
                from difflib import get_close_matches

                close = get_close_matches(str(key), names, n=1)
                hint = f"did you mean {close[0]!r}?" if close else "use " + ", ".join(names)
                raise SpecError(f"unknown render option {key!r}; {hint}", str(key))
        return cls(**mapping)


def slide_ms(options: RenderOptions) -> int:
    """How long a slide frame stays up: ``frame_ms``, or without explicit timing at least
    ``read_ms`` when its numbers and equation are shown (time to read them).

    >>> slide_ms(RenderOptions()), slide_ms(RenderOptions(values=False))
    (1000, 500)
    >>> slide_ms(RenderOptions(frame_ms=300))
    300
    """
    frame_ms = int(options.frame_ms or 0)
    if options.values and options.layout != "minimal":
        return max(frame_ms, int(options.read_ms or 0))
    return frame_ms


OPTION_NAMES = tuple(f.name for f in fields(RenderOptions) if f.repr)
"""Every render option's name, in the order of :class:`RenderOptions`'s fields."""
