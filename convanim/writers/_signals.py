"""How a run ends on a signal, and what it has published by then.

SIGINT, SIGTERM and SIGHUP become :class:`Interrupted` (a KeyboardInterrupt), so every cleanup
path written for Ctrl-C also covers a ``kill``; a signal that arrives during an import waits
until the import is over. This module also keeps the list of outputs already published, so the
interrupt's one line can say what was written. It sits below the rest of the writers' file
handling (it imports none of it): the temp files and the error messages both read from here.

>>> Interrupted(2).exit_code
130
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

# Outputs this process has published (in order), so an interrupt that comes after a commit
# reports what was written instead of claiming nothing was.
PUBLISHED: list[str] = []


def interrupted_message(name: str | None) -> str:
    """The one line for an interrupt, honest about outputs already published.

    >>> PUBLISHED.clear(); interrupted_message("SIGTERM")
    'interrupted by SIGTERM; no file was written or changed'
    """
    by = f" by {name}" if name else ""
    if not PUBLISHED:
        return f"interrupted{by}; no file was written or changed"
    shown = ", ".join(PUBLISHED[:3]) + (f" and {len(PUBLISHED) - 3} more"
                                         if len(PUBLISHED) > 3 else "")
    verb = "is" if len(PUBLISHED) == 1 else "are"
    return f"interrupted{by} after writing {shown}, which {verb} complete"


# The signals that end a run cleanly: each raises Interrupted (a KeyboardInterrupt) once
# handle_ending_signals() is installed, so every cleanup path written for Ctrl-C covers them.
ENDING_SIGNALS = {signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP")
                                                    else [])}


class Interrupted(KeyboardInterrupt):
    """A run ended by a signal; ``exit_code`` is 128 + the signal number, as shells report it.

    >>> Interrupted(15).exit_code, Interrupted(15).name
    (143, 'SIGTERM')
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.exit_code = 128 + signum
        self.name = signal.Signals(signum).name


def _importing(frame: Any) -> bool:
    """True while ``frame`` runs inside an import (a module's top level being executed)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


# A signal that arrived during an import, raised as soon as the import is over.
_PENDING: list[int] = []
RETRY_SECONDS = 0.02


def _raise_interrupted(signum: int, frame: Any) -> None:
    if _importing(frame):
        # An exception inside an import can leave an extension module half-initialised
        # ("ImportError: initialization failed", or a fatal error at exit): finish it first.
        if not _PENDING:
            _PENDING.append(signum)
            signal.signal(signal.SIGALRM, _raise_pending)
            signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
        return
    raise Interrupted(signum)


def _raise_pending(_: int, frame: Any) -> None:
    if _importing(frame):
        signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
        return
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    raise Interrupted(_PENDING.pop())


def handle_ending_signals() -> None:
    """Make SIGINT, SIGTERM and SIGHUP end this process cleanly: temp files go, nothing is
    replaced; one that arrives during an import waits until the import is over.

    Only from the main thread (Python delivers signals there).

    >>> handle_ending_signals(); signal.getsignal(signal.SIGTERM).__name__
    '_raise_interrupted'
    >>> for s in ENDING_SIGNALS: _ = signal.signal(s, signal.default_int_handler
    ...                                            if s == signal.SIGINT else signal.SIG_DFL)
    """
    for signum in ENDING_SIGNALS:
        signal.signal(signum, _raise_interrupted)


def exit_code_for(err: BaseException) -> int:
    """The exit status for an interrupt: 128 + its signal, 130 for a plain Ctrl-C.

    >>> exit_code_for(KeyboardInterrupt()), exit_code_for(Interrupted(1))
    (130, 129)
    """
    return err.exit_code if isinstance(err, Interrupted) else 128 + signal.SIGINT


@contextlib.contextmanager
def hold_interrupts() -> Iterator[None]:
    """Delay ending signals across a few steps that must not be split by an interrupt.

    A signal sent inside the block is delivered when it ends (only the main thread receives
    signals, so elsewhere the block holds nothing back).

    >>> with hold_interrupts():
    ...     signal.pthread_sigmask(signal.SIG_BLOCK, []) >= ENDING_SIGNALS
    True
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, ENDING_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
