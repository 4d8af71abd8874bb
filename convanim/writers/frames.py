"""A folder of numbered PNGs (frame_0000.png, ...) plus durations.json, swapped in as a whole.

Frames go into a temp directory beside the target as they arrive (nothing is kept in memory);
on success it replaces the target directory, see :class:`~convanim.writers._atomic.TempDir`.
Every folder written here carries a manifest, ``.convanim-frames.json``, listing its files.
An existing target is replaced only when it is empty or holds nothing but the files its
manifest lists (or, for folders written before manifests, nothing but frames and
durations.json), and only those files are deleted. The check runs once up front (to fail
before any drawing) and again on the folder itself after it was renamed aside at the end, so
a file another program adds meanwhile is never deleted: the old folder goes back instead.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

from convanim.writers._atomic import TempDir
from convanim.writers._base import AnimationWriter
from convanim.writers._errors import WriteError
from convanim.writers.apng import png_bytes

DURATIONS = "durations.json"
MANIFEST = ".convanim-frames.json"
FRAME_NAME = re.compile(r"frame_\d{4,}\.png")


def frame_name(index: int) -> str:
    """The file name of frame ``index`` (numbers grow past 4 digits when needed).

    >>> frame_name(7), frame_name(12345)
    ('frame_0007.png', 'frame_12345.png')
    """
    return f"frame_{index:04d}.png"


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)


def _fsync_all(paths: list[Path]) -> None:
    # Syncing each file right after writing it costs ~3 ms (a journal commit each); syncing
    # them all just before the rename costs ~0.2 ms each, as one commit covers most of them.
    # Either way no crash can publish a directory of empty files.
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def ownership(directory: Path) -> tuple[list[str], str | None]:
    """Which entries of ``directory`` convanim wrote, and why replacing it is unsafe (or None).

    >>> import tempfile
    >>> ownership(Path(tempfile.mkdtemp()))
    ([], None)
    """
    try:
        entries = sorted(os.listdir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return [], None  # nothing to replace; creating the folder reports any path problem
    listed: set[str] | None = None
    if MANIFEST in entries:
        try:
            meta = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            listed = {str(name) for name in meta["files"]} | {MANIFEST}
        except (OSError, ValueError, KeyError, TypeError):
            listed = None
        if listed is None:
            return [], (f"its {MANIFEST} is unreadable, so which files are convanim's is "
                        "unknown; choose a new or empty directory")
    elif entries and DURATIONS not in entries:
        listed = set()  # frame-like names alone do not prove convanim wrote them
    else:
        listed = {name for name in entries if name == DURATIONS or FRAME_NAME.fullmatch(name)}
    strangers = [name for name in entries if name not in listed]
    if strangers:
        return [], (f"the directory holds files convanim did not write (e.g. {strangers[0]}) "
                    "that replacing it would delete; choose a new or empty directory")
    return entries, None


class FramesWriter(AnimationWriter):
    """What ``open_writer`` returns for a directory path."""

    format = "frames"

    def _open(self) -> None:
        _, problem = ownership(Path(self.path))
        if problem is not None:
            raise WriteError(f"cannot write {self.path}: {problem}")
        self._dir = TempDir(self.path)
        self._durations: list[int] = []

    def _append(self, rgb: np.ndarray, ms: int) -> None:
        _write(self._dir.path / frame_name(self.frame_count), png_bytes(rgb))
        self._durations.append(ms)

    def _finish(self) -> None:
        meta = {"durations_ms": self._durations, "loop": self.loop}
        text = json.dumps(meta, indent=1, sort_keys=True) + "\n"
        _write(self._dir.path / DURATIONS, text.encode())
        names = [frame_name(i) for i in range(self.frame_count)] + [DURATIONS]
        manifest = {"written_by": "convanim", "files": names}
        _write(self._dir.path / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())
        _fsync_all([self._dir.path / name for name in [*names, MANIFEST]])
        self._dir.commit(owned=ownership)

    def _discard(self) -> None:
        self._dir.discard()
