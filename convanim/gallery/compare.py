"""Is a file on disk the animation its config draws now? Decoded pixels and timing, not bytes.

The fresh animation is rendered through the very code that ``convanim batch`` writes with, into
a scratch file outside the project, and both files are decoded. Comparing decoded frames
rather than the raw drawing matters: GIF keeps at most 256 colours (anti-aliased text has
more, mapped to the nearest entry), rounds delays to centiseconds; WebP merges repeated
frames; MP4 is a lossy 50 fps stream at an even size. Comparing decoded files rather than
bytes lets a new Pillow or ffmpeg encode differently without every figure turning stale.
Lossless formats must match exactly; MP4 within a tolerance that encoder noise stays under
and a changed digit does not.
"""

from __future__ import annotations

import os

import numpy as np

# MP4: the worst 8x8 block's mean absolute difference. x264 at CRF 18 on flat drawings stays
# far below this; one changed digit or a moved outline puts a block above it.
MP4_BLOCK = 8
MP4_TOLERANCE = 12.0


def block_error(a: np.ndarray, b: np.ndarray, block: int = MP4_BLOCK) -> float:
    """The largest mean absolute difference over ``block`` x ``block`` tiles.

    >>> a = np.zeros((16, 16, 3), np.uint8); b = a.copy(); b[:8, :8] = 40
    >>> block_error(a, b)
    40.0
    """
    diff = np.abs(a.astype(np.int16) - b.astype(np.int16)).mean(axis=2)
    h, w = diff.shape
    hb, wb = -(-h // block), -(-w // block)
    padded = np.zeros((hb * block, wb * block))
    padded[:h, :w] = diff
    return float(padded.reshape(hb, block, wb, block).mean(axis=(1, 3)).max())


def loops(path: str | os.PathLike[str]) -> bool | None:
    """Whether an animation file says to loop forever; None where the format cannot say.

    >>> loops("a.mp4") is None
    True
    """
    from convanim.writers import format_for

    if format_for(path) not in ("gif", "webp", "apng"):
        return None
    from PIL import Image

    with Image.open(path) as im:
        return im.info.get("loop") == 0


def _size(frame: np.ndarray) -> str:
    return f"{frame.shape[1]}x{frame.shape[0]}"


def difference(disk: str | os.PathLike[str], fresh: str | os.PathLike[str]) -> str | None:
    """What differs between the animation ``disk`` and the freshly written ``fresh``, or None.

    >>> import tempfile
    >>> from convanim.writers import open_writer
    >>> folder = tempfile.mkdtemp()
    >>> for name, count in (("a.gif", 2), ("b.gif", 3)):
    ...     with open_writer(os.path.join(folder, name)) as w:
    ...         for _ in range(count):
    ...             w.append(np.zeros((4, 4, 3), np.uint8), 100)
    >>> difference(os.path.join(folder, "a.gif"), os.path.join(folder, "b.gif"))
    '2 frames on disk, 3 now'
    """
    from convanim.writers import format_for, read_animation

    lossy = format_for(fresh) == "mp4"
    have, have_ms = read_animation(disk)
    want, want_ms = read_animation(fresh)
    if len(have) != len(want):
        unit = "video frames" if lossy else "frames"
        return f"{len(have)} {unit} on disk, {len(want)} now"
    for index, (old, new) in enumerate(zip(have, want), start=1):
        if old.shape != new.shape:
            return f"frame size {_size(old)} on disk, {_size(new)} now"
        if not np.array_equal(old, new) and not (lossy and block_error(old, new) <= MP4_TOLERANCE):
            return f"frame {index} of {len(want)} has different pixels"
    for index, (old_ms, new_ms) in enumerate(zip(have_ms, want_ms), start=1):
        if old_ms != new_ms:
            return f"frame {index} lasts {old_ms} ms on disk, {new_ms} ms now"
    was, now = loops(disk), loops(fresh)
    if was != now:
        return "loops forever on disk, plays once now" if was else \
            "plays once on disk, loops forever now"
    return None
