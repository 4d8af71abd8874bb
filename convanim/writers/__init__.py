"""Write animations (GIF, MP4, WebP, APNG, an HTML player, a .pptx deck, PNG frames) atomically.

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

import importlib
import os
from collections.abc import Mapping, Sequence
from typing import Any

from convanim.writers._atomic import atomic_directory, atomic_output, commit_together
from convanim.writers._base import SUFFIXES, AnimationWriter, Color, format_for
from convanim.writers._errors import WriteError, describe_os_error, describe_unnamed_os_error
from convanim.writers._held import confined
from convanim.writers._signals import (
    ENDING_SIGNALS,
    PUBLISHED,
    Interrupted,
    exit_code_for,
    handle_ending_signals,
    interrupted_message,
)
from convanim.writers._temps import remove_leftovers

# format -> (module, class). A render imports only the writer it uses: the others cost
# start-up time (MP4 finds ffmpeg, APNG and WebP pull in more of Pillow).
WRITERS: dict[str, tuple[str, str]] = {
    "gif": ("gif", "GifWriter"),
    "mp4": ("mp4", "Mp4Writer"),
    "webp": ("webp", "WebpWriter"),
    "apng": ("apng", "ApngWriter"),
    "frames": ("frames", "FramesWriter"),
    "html": ("html", "HtmlWriter"),
    "pptx": ("pptx", "PptxWriter"),
}
_LAZY = {name: module for module, name in WRITERS.values()} | {"read_animation": "read"}


def writer_class(fmt: str) -> type[AnimationWriter]:
    """The writer class for a format name of :data:`SUFFIXES` or ``"frames"``.

    >>> writer_class("gif").__name__
    'GifWriter'
    """
    module, name = WRITERS[fmt]
    return getattr(importlib.import_module(f"convanim.writers.{module}"), name)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"convanim.writers.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_writer(
    path: str | os.PathLike[str],
    *,
    loop: bool = True,
    palette: Sequence[Color] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> AnimationWriter:
    """Open a streaming writer for ``path``; the format follows the suffix (see ``format_for``).

    The temp file (or directory) is created right away, so a bad path raises
    :class:`WriteError` before any frame is drawn. ``loop=False`` plays once where the format
    can say so (GIF omits the NETSCAPE block, WebP/APNG store a play count of 1; MP4 has no
    loop flag: the page's ``<video loop>`` decides). ``palette`` lists the theme colours; GIF
    puts them first in its fixed palette so they are reproduced exactly. ``metadata`` is for
    the HTML player (captions, cells, links; see ``convanim.draw.player``); other formats
    ignore it.

    >>> import numpy as np, tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "a.webp")
    >>> with open_writer(out, loop=False) as w:
    ...     w.append(np.zeros((8, 8, 3), np.uint8), 40)
    ...     w.append(np.ones((8, 8, 3), np.uint8), 40)
    >>> os.path.exists(out)
    True
    """
    fmt = format_for(path)
    if fmt in ("html", "pptx"):
        return writer_class(fmt)(path, loop=loop, palette=palette, metadata=metadata)
    return writer_class(fmt)(path, loop=loop, palette=palette)


__all__ = [
    "ENDING_SIGNALS",
    "PUBLISHED",
    "SUFFIXES",
    "AnimationWriter",
    "Interrupted",
    "WriteError",
    "atomic_directory",
    "atomic_output",
    "commit_together",
    "confined",
    "describe_os_error",
    "describe_unnamed_os_error",
    "exit_code_for",
    "format_for",
    "handle_ending_signals",
    "interrupted_message",
    "open_writer",
    "read_animation",
    "remove_leftovers",
    "writer_class",
]
