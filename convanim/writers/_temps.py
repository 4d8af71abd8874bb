"""Temp files and folders beside an output: made, recorded, and swept when a run is killed.

Every output is first written to a temp entry in the target's own folder (a rename within a
folder is atomic; across file systems it is not). Its name carries the writing process's id,
``.NAME.convanim-PID-RANDOM.tmp``, so a later run can tell a dead run's leftovers (swept)
from a live run's work in progress (kept). Each entry is recorded in :data:`LIVE` in the same
step that makes it, with ending signals held back, so an interrupt can always remove it.

The entries are made with ``os.open(O_CREAT | O_EXCL | O_NOFOLLOW)`` and ``os.mkdir`` under a
random name rather than with :mod:`tempfile`: the guarantees are the same (a new entry or an
error, never an existing file or a symlink's target), and the default render then never
imports :mod:`tempfile` and :mod:`shutil` (about 3 ms of every start-up).

>>> import tempfile
>>> fd, name = reserve_file("a.gif", Path(tempfile.mkdtemp()) / "a.gif")
>>> bool(TEMP_NAME.fullmatch(os.path.basename(name))), name in LIVE
(True, True)
>>> os.close(fd); remove(name); name in LIVE, os.path.exists(name)
(False, False)
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from convanim.writers._errors import describe_os_error
from convanim.writers._held import PROC_FD
from convanim.writers._signals import hold_interrupts

# Temp paths this process created and has neither committed nor removed. Creating one and
# recording it happen with Ctrl-C held back, so an interrupted process can always sweep them.
LIVE: set[str] = set()

TAG = "convanim-"
TEMP_NAME = re.compile(r"\..+\.convanim-(\d+)-[A-Za-z0-9_]+\.tmp")
# What a leftover folder of ours may hold: frames, their timing and the manifest.
OWN_FILES = re.compile(r"frame_\d{4,}\.png|durations\.json|\.convanim-frames\.json")
STALE_SECONDS = 10.0  # younger leftovers may belong to a process that is just starting
ABANDONED_SECONDS = 24 * 3600.0  # older than any render the budget allows, whoever made it

# As tempfile.mkstemp opens its files: new only (O_EXCL, which also refuses a symlink in the
# name's place), not inherited by child processes.
_FILE_FLAGS = (os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
# Random names to try before giving up: with 48 random bits a clash is already unheard of,
# so running out means something else is wrong (and says so as an OSError).
_ATTEMPTS = 100

_Made = TypeVar("_Made")


def remove(path: str) -> None:
    """Delete a temp file or folder of ours and forget it; never raises.

    Used from finalizers and cleanup paths, which must not fail on a file already gone.

    >>> remove("/nonexistent/.a.convanim-1-x.tmp")
    """
    LIVE.discard(path)
    with contextlib.suppress(OSError):
        if os.path.isdir(path) and not os.path.islink(path):
            # Already imported by reserve_folder(), so cleanup never runs an import (which
            # could fail at exit, or be interrupted).
            import shutil

            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)


def remove_leftovers() -> None:
    """Remove every temp file or folder this process still holds (after an interrupt).

    >>> import tempfile
    >>> name = reserve_folder("d", Path(tempfile.mkdtemp()) / "d")
    >>> remove_leftovers(); os.path.exists(name), name in LIVE
    (False, False)
    """
    for path in list(LIVE):
        remove(path)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True


def sweep_stale(directory: str | os.PathLike[str], ours: re.Pattern[str] = OWN_FILES) -> int:
    """Remove temp files and folders that a killed convanim run left in ``directory``.

    Only entries named like our temp files count, and only when the process that made them is
    gone (and they are older than a few seconds) or they are older than a day. A leftover
    folder loses only files named like ours (``ours``, e.g. frame files) and then goes if
    it is empty. Returns how many entries were removed.

    >>> import tempfile
    >>> sweep_stale(tempfile.mkdtemp())
    0
    """
    removed = 0
    now = time.time()
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    for name in names:
        match = TEMP_NAME.fullmatch(name)
        if match is None:
            continue
        path = os.path.join(directory, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        age = now - info.st_mtime
        if not (age > ABANDONED_SECONDS or (age > STALE_SECONDS
                                             and not _alive(int(match.group(1))))):
            continue
        with contextlib.suppress(OSError):
            if stat.S_ISDIR(info.st_mode):
                for inner in os.listdir(path):
                    if ours.fullmatch(inner):
                        os.unlink(os.path.join(path, inner))
                os.rmdir(path)
            else:
                os.unlink(path)
            removed += 1
    return removed


def _reserve(shown: str, target: Path, make: Callable[[str], _Made]) -> tuple[_Made, str]:
    """Make a temp entry beside ``target`` with ``make(name)`` and record it in one step."""
    sweep_stale(target.parent)
    # A long name (up to the file system's 255 bytes) must still leave room for ours.
    base = target.name if len(os.fsencode(target.name)) <= 120 else target.name[:30]
    prefix = os.path.join(target.parent, f".{base}.{TAG}{os.getpid()}-")
    with hold_interrupts():
        for _ in range(_ATTEMPTS):
            name = f"{prefix}{os.urandom(6).hex()}.tmp"
            try:
                made = make(name)
            except FileExistsError:
                continue
            except OSError as err:
                raise describe_os_error(shown, err) from err
            break
        else:
            err = FileExistsError(f"no free temp name beside {target.name} "
                                  f"after {_ATTEMPTS} tries")
            raise describe_os_error(shown, err) from err
        LIVE.add(name)
        if str(target.parent).startswith(PROC_FD):
            # Inside a held folder (confined()): its handle may be closed before an
            # interrupt's cleanup runs, so the temp is also known by the folder's real path
            # (resolved now; the random name is ours alone).
            with contextlib.suppress(OSError):
                LIVE.add(os.path.join(os.path.realpath(target.parent), os.path.basename(name)))
    return made, name


def reserve_file(shown: str, target: Path) -> tuple[int, str]:
    """A new private (0600) temp file beside ``target``, opened for reading and writing.

    Returns its descriptor and path; ``shown`` is the output as the user named it, for the
    :class:`~convanim.writers._errors.WriteError` a failure becomes.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> fd, name = reserve_file("x.gif", Path(folder) / "x.gif")
    >>> os.path.dirname(name) == folder, os.path.basename(name).startswith(".x.gif.convanim-")
    (True, True)
    >>> oct(os.stat(name).st_mode & 0o777); os.close(fd); remove(name)
    '0o600'
    """
    return _reserve(shown, target, lambda name: os.open(name, _FILE_FLAGS, 0o600))


def reserve_folder(shown: str, target: Path) -> str:
    """A new private (0700) temp folder beside ``target``; returns its path.

    >>> import tempfile
    >>> name = reserve_folder("frames", Path(tempfile.mkdtemp()) / "frames")
    >>> oct(os.stat(name).st_mode & 0o777), os.listdir(name)
    ('0o700', [])
    >>> remove(name)
    """
    # remove() needs shutil for a folder: load it now, while an import is harmless.
    import shutil  # noqa: F401

    return _reserve(shown, target, lambda name: os.mkdir(name, 0o700))[1]


def unreserve(path: str) -> None:
    """Give back a temp folder that was made but not filled: removed only while empty.

    >>> import tempfile
    >>> name = reserve_folder("d", Path(tempfile.mkdtemp()) / "d")
    >>> unreserve(name); os.path.exists(name), name in LIVE
    (False, False)
    """
    with contextlib.suppress(OSError):
        os.rmdir(path)
    LIVE.discard(path)
