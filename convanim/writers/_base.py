"""What every animation writer shares: format lookup, frame checks, timing, the context manager."""

from __future__ import annotations

import os
from collections.abc import Sequence
from types import TracebackType
from typing import ClassVar

import numpy as np

from convanim.writers._errors import WriteError, describe_os_error

SUFFIXES: dict[str, str] = {
    ".gif": "gif",
    ".mp4": "mp4",
    ".webp": "webp",
    ".png": "apng",
    ".apng": "apng",
    ".html": "html",
    ".htm": "html",
    ".pptx": "pptx",
}

Color = tuple[int, int, int]


def format_for(path: str | os.PathLike[str]) -> str:
    """Return the format name for ``path``: a value of :data:`SUFFIXES` or ``"frames"``.

    A path ending in ``/``, an existing directory or a name without a suffix means a folder of
    numbered PNG frames. The suffix is matched case-insensitively.

    >>> format_for("out/conv.GIF"), format_for("out/frames/"), format_for("out/run1")
    ('gif', 'frames', 'frames')
    """
    text = os.fspath(path)
    if not text:
        raise WriteError("cannot write an output with an empty path; give an -o path")
    if text.endswith(("/", os.sep)) or os.path.isdir(text):
        return "frames"
    suffix = os.path.splitext(text)[1].lower()
    if not suffix:
        return "frames"
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    known = ", ".join(SUFFIXES)
    raise WriteError(
        f"cannot write {text}: unknown output type {suffix!r}; use one of {known}, "
        "or a directory path ending in / for numbered PNG frames"
    )


def check_palette(palette: Sequence[Sequence[int]] | None) -> list[Color]:
    """Validate theme colours and drop repeats, keeping the first occurrence's order.

    >>> check_palette([(255, 255, 255), (0, 0, 0), (255, 255, 255)])
    [(255, 255, 255), (0, 0, 0)]
    """
    seen: dict[Color, None] = {}
    for entry in palette or ():
        color = tuple(int(c) for c in entry)
        if len(color) != 3 or not all(0 <= c <= 255 for c in color):
            raise ValueError(f"palette entries must be (r, g, b) with 0..255 values, got {entry!r}")
        seen.setdefault((color[0], color[1], color[2]), None)
    return list(seen)


def changed_box(prev: np.ndarray, cur: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box ``(x0, y0, x1, y1)`` of the pixels that differ, or None if none do.

    >>> a = np.zeros((4, 5, 3), np.uint8)
    >>> b = a.copy()
    >>> b[1, 2, 0] = b[2, 3, 1] = 9
    >>> changed_box(a, b), changed_box(a, a)
    ((2, 1, 4, 3), None)
    """
    height, width, _ = cur.shape
    # 2-D (rows x bytes) reductions are ~15x faster in numpy than any(axis=(1, 2)) on 3-D.
    diff = prev.reshape(height, -1) != cur.reshape(height, -1)
    rows = np.flatnonzero(diff.any(axis=1))
    if rows.size == 0:
        return None
    y0, y1 = int(rows[0]), int(rows[-1]) + 1
    # Columns only need searching inside the changed rows, which are few when little moves.
    cols = np.flatnonzero(diff[y0:y1].any(axis=0).reshape(width, 3).any(axis=1))
    return int(cols[0]), y0, int(cols[-1]) + 1, y1


class Ticks:
    """Turn per-frame milliseconds into whole ticks of a format's clock without drifting.

    Each frame's end time is rounded to the tick grid and the frame gets the ticks up to it, so
    rounding errors never accumulate: 33 ms frames on a 10 ms grid give 3, 4, 3, 3, 4, 3 ...

    >>> ticks = Ticks(10)
    >>> [ticks.next(33) for _ in range(6)]
    [3, 4, 3, 3, 4, 3]
    """

    def __init__(self, tick_ms: int, min_ticks: int = 0, max_ticks: int | None = None) -> None:
        self.tick_ms, self.min_ticks, self.max_ticks = tick_ms, min_ticks, max_ticks
        self.target_ms = 0
        self.ticks = 0

    def next(self, ms: int) -> int:
        """The number of ticks for the next frame, lasting ``ms`` milliseconds.

        ``min_ticks`` and ``max_ticks`` clamp each frame (a GIF frame cannot last 0 ticks):

        >>> ticks = Ticks(10, min_ticks=2)
        >>> ticks.next(5), ticks.next(40)
        (2, 3)
        """
        self.target_ms += ms
        wanted = (self.target_ms + self.tick_ms // 2) // self.tick_ms - self.ticks
        n = max(self.min_ticks, wanted)
        if self.max_ticks is not None:
            n = min(n, self.max_ticks)
        self.ticks += n
        return n


class AnimationWriter:
    """Streams frames into one animation file; returned by ``open_writer``.

    Use it as a context manager: a clean exit publishes the file atomically, an exception
    (including KeyboardInterrupt) discards everything and leaves any older file untouched.
    Without ``with``, call :meth:`close` to publish or :meth:`abort` to discard.
    """

    format: ClassVar[str] = ""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        loop: bool = True,
        palette: Sequence[Color] | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self.loop = bool(loop)
        self.palette = check_palette(palette)
        self.frame_count = 0
        self.size: tuple[int, int] | None = None  # (width, height) once the first frame arrives
        self._done = False
        self._open()

    # Format hooks. OSErrors raised by them are translated into WriteError by the callers.
    def _open(self) -> None:
        raise NotImplementedError

    def _append(self, rgb: np.ndarray, ms: int) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        raise NotImplementedError

    def _discard(self) -> None:
        raise NotImplementedError

    def append(self, rgb: np.ndarray, ms: int) -> None:
        """Add one frame shown for ``ms`` milliseconds (an int >= 10).

        ``rgb`` is an ``(H, W, 3)`` uint8 array with the same size for every frame. The writer
        copies what it needs, so the caller may reuse the buffer.

        >>> import numpy as np, tempfile, os
        >>> out = os.path.join(tempfile.mkdtemp(), "a.gif")
        >>> from convanim.writers import open_writer
        >>> with open_writer(out) as w:
        ...     w.append(np.zeros((4, 6, 3), np.uint8), 100)
        >>> w.frame_count
        1
        """
        if self._done:
            raise ValueError(f"the writer for {self.path} is already closed")
        if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim != 3:
            raise ValueError("frames must be numpy uint8 arrays of shape (height, width, 3)")
        height, width, channels = rgb.shape
        if channels != 3 or height == 0 or width == 0:
            raise ValueError(f"frames must have shape (height, width, 3), got {rgb.shape}")
        if isinstance(ms, bool) or not isinstance(ms, (int, np.integer)) or ms < 10:
            raise ValueError(f"frame durations must be integer milliseconds >= 10, got {ms!r}")
        if self.size is None:
            self.size = (width, height)
        elif self.size != (width, height):
            raise ValueError(
                f"frame {self.frame_count} is {width}x{height} but the first frame was "
                f"{self.size[0]}x{self.size[1]}; every frame must have the same size"
            )
        try:
            self._append(np.ascontiguousarray(rgb), int(ms))
        except OSError as err:
            raise describe_os_error(self.path, err) from err
        self.frame_count += 1

    def close(self) -> None:
        """Finish encoding and atomically publish the file; on any failure discard it instead.

        >>> import numpy as np, tempfile, os
        >>> from convanim.writers import open_writer
        >>> w = open_writer(os.path.join(tempfile.mkdtemp(), "a.png"))
        >>> w.append(np.zeros((4, 6, 3), np.uint8), 100)
        >>> w.close()
        """
        if self._done:
            return
        if self.frame_count == 0:
            self.abort()
            raise ValueError(f"no frames were appended, so {self.path} was not written")
        try:
            self._finish()
        except OSError as err:
            self.abort()
            raise describe_os_error(self.path, err) from err
        except BaseException:
            self.abort()
            raise
        self._done = True

    def abort(self) -> None:
        """Discard everything written so far; an older file at the path stays as it was.

        >>> import numpy as np, tempfile, os
        >>> from convanim.writers import open_writer
        >>> out = os.path.join(tempfile.mkdtemp(), "a.gif")
        >>> w = open_writer(out)
        >>> w.abort()
        >>> os.path.exists(out)
        False
        """
        self._done = True
        self._discard()

    def __enter__(self) -> AnimationWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
