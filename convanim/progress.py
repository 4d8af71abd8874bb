"""A one-line progress display for long renders, on interactive terminals only.

Nothing is shown for the first ``after`` seconds (most renders finish well within them), nor
when the stream is not a terminal (CI logs, pipes, files), nor with ``convanim render
--quiet``. The line is rewritten in place at most ten times a second and erased at the end,
so the command's own output follows on a clean line.

>>> import io
>>> show = Progress("conv i=40", io.StringIO(), after=0.0, enabled=True)
>>> show(800, 1603); show(1603, 1603); show.close()
>>> "800/1603 frames" in show.stream.getvalue()
True
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Callable ``(done, total)`` that draws ``label: done/total frames (p%), ~s left``.

    >>> import io
    >>> Progress("x", io.StringIO()).enabled  # a StringIO is not a terminal
    False
    """

    def __init__(self, label: str, stream: TextIO | None = None, *, after: float = 2.0,
                 enabled: bool | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.after = after
        self._start = time.monotonic()
        self._last = -1.0
        self._width = 0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        elapsed = now - self._start
        if elapsed < self.after or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        left = elapsed * (total - done) / done if done else 0.0
        line = (f"{self.label}: {done}/{total} frames ({100 * done // max(total, 1)}%), "
                f"~{left:.0f} s left")
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)

    def close(self) -> None:
        """Erase the line, if one was drawn."""
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0
