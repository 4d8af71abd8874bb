"""A progress bar for long renders (``click.progressbar``), on interactive terminals only.

Nothing is shown for the first ``after`` seconds (most renders finish well within them), nor
when the stream is not a terminal (CI logs, pipes, files), nor with ``convanim render
--quiet``. The bar is erased at the end, so the command's own output follows on a clean line.

>>> import io
>>> show = Progress("conv i=40", io.StringIO(), after=0.0, enabled=True)
>>> show(800, 1603); show(1603, 1603); show.close()
>>> show.stream.getvalue().splitlines()[0]  # off a terminal click writes its label once
'conv i=40'

"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

import click


class Progress:
    """Callable ``(done, total)`` that drives a ``click.progressbar`` of ``total`` frames.

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
        self._bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            if time.monotonic() - self._start < self.after:
                return
            self._bar = click.progressbar(length=total, label=self.label, file=self.stream,
                                          show_pos=True, show_eta=True, width=30)
            self._bar.__enter__()
        self._bar.update(done - self._bar.pos)

    def close(self) -> None:
        """Erase the bar, if one was drawn.

        >>> import io
        >>> show = Progress("x", io.StringIO(), after=0.0, enabled=True)
        >>> show(1, 2); show.close()
        >>> show.stream.getvalue().endswith("\\r\\x1b[?25h")  # a blank line, cursor shown
        True
        """
        if self._bar is not None:
            width = self._bar.max_width or 0
            self._bar.hidden = True  # click's own finish would leave the bar on screen
            self._bar.__exit__(None, None, None)
            # Blank the line and show the cursor again (click hid it while drawing).
            self.stream.write("\r" + " " * width + "\r\x1b[?25h")
            self.stream.flush()
            self._bar = None
