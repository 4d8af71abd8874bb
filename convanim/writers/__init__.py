"""Write animations (GIF, MP4, WebP, APNG, a folder of PNGs) atomically and with bounded memory.

>>> import numpy as np, tempfile, os
>>> from convanim.writers import open_writer, read_animation
>>> out = os.path.join(tempfile.mkdtemp(), "conv.gif")
>>> with open_writer(out, loop=True, palette=[(255, 255, 255), (30, 30, 30)]) as w:
...     for i in range(3):
...         rgb = np.full((30, 40, 3), 255, np.uint8)
...         rgb[10:20, 10 * i : 10 * i + 10] = 30
...         w.append(rgb, 100)
>>> len(read_animation(out)[0])
3
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from convanim.writers._base import SUFFIXES, AnimationWriter, Color, format_for
from convanim.writers._files import (
    Interrupted,
    WriteError,
    atomic_directory,
    atomic_output,
    commit_together,
    exit_code_for,
    handle_ending_signals,
    remove_leftovers,
)
from convanim.writers.apng import ApngWriter
from convanim.writers.frames import FramesWriter
from convanim.writers.gif import GifWriter
from convanim.writers.mp4 import Mp4Writer
from convanim.writers.read import read_animation
from convanim.writers.webp import WebpWriter

WRITERS: dict[str, type[AnimationWriter]] = {
    "gif": GifWriter,
    "mp4": Mp4Writer,
    "webp": WebpWriter,
    "apng": ApngWriter,
    "frames": FramesWriter,
}


def open_writer(
    path: str | os.PathLike[str],
    *,
    loop: bool = True,
    palette: Sequence[Color] | None = None,
) -> AnimationWriter:
    """Open a streaming writer for ``path``; the format follows the suffix (see ``format_for``).

    The temp file (or directory) is created right away, so a bad path raises
    :class:`WriteError` before any frame is drawn. ``loop=False`` plays once where the format
    can say so (GIF omits the NETSCAPE block, WebP/APNG store a play count of 1; MP4 has no
    loop flag: the page's ``<video loop>`` decides). ``palette`` lists the theme colours; GIF
    puts them first in its fixed palette so they are reproduced exactly.

    >>> import numpy as np, tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "a.webp")
    >>> with open_writer(out, loop=False) as w:
    ...     w.append(np.zeros((8, 8, 3), np.uint8), 40)
    ...     w.append(np.ones((8, 8, 3), np.uint8), 40)
    >>> os.path.exists(out)
    True
    """
    return WRITERS[format_for(path)](path, loop=loop, palette=palette)


__all__ = [
    "SUFFIXES",
    "AnimationWriter",
    "Interrupted",
    "WriteError",
    "atomic_directory",
    "atomic_output",
    "commit_together",
    "exit_code_for",
    "format_for",
    "handle_ending_signals",
    "open_writer",
    "read_animation",
    "remove_leftovers",
]
