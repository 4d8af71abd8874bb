"""Decode every format we write back into RGB frames and durations (for tests and --check)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from PIL import Image

from convanim.writers._base import format_for
from convanim.writers.frames import DURATIONS, FRAME_NAME


def _read_pillow(path: str) -> tuple[list[np.ndarray], list[int]]:
    frames: list[np.ndarray] = []
    durations: list[int] = []
    with Image.open(path) as im:
        for index in range(getattr(im, "n_frames", 1)):
            im.seek(index)
            # WebP only fills in a frame's duration once its pixels are decoded.
            im.load()
            frames.append(np.asarray(im.convert("RGB")))
            durations.append(round(im.info.get("duration", 0)))
    return frames, durations


def _read_mp4(path: str) -> tuple[list[np.ndarray], list[int]]:
    reader = imageio_ffmpeg.read_frames(path)
    meta = next(reader)
    width, height = meta["size"]
    tick = round(1000 / meta["fps"])
    frames = [np.frombuffer(raw, np.uint8).reshape(height, width, 3).copy() for raw in reader]
    return frames, [tick] * len(frames)


def _read_frames_dir(path: str) -> tuple[list[np.ndarray], list[int]]:
    folder = Path(path)
    names = sorted(
        (n for n in os.listdir(folder) if FRAME_NAME.fullmatch(n)),
        key=lambda n: int(n[6:-4]),
    )
    frames = []
    for name in names:
        with Image.open(folder / name) as im:
            frames.append(np.asarray(im.convert("RGB")))
    meta = json.loads((folder / DURATIONS).read_text())
    return frames, [int(ms) for ms in meta["durations_ms"]]


def read_animation(path: str | os.PathLike[str]) -> tuple[list[np.ndarray], list[int]]:
    """Decode an animation we wrote into ``(frames, durations_ms)``.

    Frames are ``(H, W, 3)`` uint8 arrays as a viewer shows them (GIF/APNG sub-rectangles are
    composited). Notes per format: MP4 gives one frame per 20 ms video frame, at the padded
    even size; WebP may have merged identical neighbouring frames; a one-frame WebP or PNG
    has no stored duration and reads back as 0 ms. Everything is held in memory at once.

    >>> import numpy as np, tempfile, os
    >>> from convanim.writers import open_writer
    >>> out = os.path.join(tempfile.mkdtemp(), "a.gif")
    >>> with open_writer(out) as w:
    ...     w.append(np.full((4, 6, 3), 200, np.uint8), 120)
    >>> frames, durations = read_animation(out)
    >>> frames[0].shape, durations
    ((4, 6, 3), [120])
    """
    text = os.fspath(path)
    kind = format_for(text)
    if kind == "frames":
        return _read_frames_dir(text)
    if kind == "mp4":
        return _read_mp4(text)
    if kind == "html":
        from convanim.writers.html import read_player

        frames, durations, _ = read_player(text)
        return frames, durations
    return _read_pillow(text)
