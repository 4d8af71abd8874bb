"""A folder of numbered PNGs (frame_0000.png, ...) plus durations.json, swapped in as a whole.

Frames go into a temp directory beside the target as they arrive (nothing is kept in memory);
on success it replaces the target directory, see :class:`~convanim.writers._files.TempDir`.
An existing target is only replaced when it is empty or holds nothing but our own frame files,
so ``-o some/dir/`` can never wipe a folder of unrelated files.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

from convanim.writers._base import AnimationWriter
from convanim.writers._files import TempDir, WriteError
from convanim.writers.apng import png_bytes

DURATIONS = "durations.json"
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


def _foreign_entry(directory: Path) -> str | None:
    """The name of an entry that is not ours, or None when replacing ``directory`` is safe."""
    if not directory.is_dir():
        return None
    for entry in sorted(os.listdir(directory)):
        if entry != DURATIONS and not FRAME_NAME.fullmatch(entry):
            return entry
    return None


class FramesWriter(AnimationWriter):
    """What ``open_writer`` returns for a directory path."""

    format = "frames"

    def _open(self) -> None:
        stranger = _foreign_entry(Path(self.path))
        if stranger is not None:
            raise WriteError(
                f"cannot write {self.path}: the directory already holds other files "
                f"(e.g. {stranger}) that writing frames would delete; "
                "choose a new or empty directory"
            )
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
        _fsync_all([self._dir.path / name for name in names])
        self._dir.commit()

    def _discard(self) -> None:
        self._dir.discard()
