"""Draw convolution plans as small, exact animations (GIF, MP4, WebP, APNG) and storyboards.

>>> import tempfile, os
>>> from convanim.draw import render
>>> path = render({"i": 5, "k": 3, "s": 2, "p": 1}, os.path.join(tempfile.mkdtemp(), "c.gif"))
>>> path.name
'c.gif'

The public API (:mod:`convanim.api`) checks a request at the front door, then calls
:func:`write_plan` or :class:`Renderer`; nothing here imports anything above drawing.
"""

from convanim.draw.animate import Renderer, render, render_frames, write_plan
from convanim.draw.layout import Layout
from convanim.draw.options import RenderOptions
from convanim.draw.scene import Scene
from convanim.draw.themes import THEMES, Look, Theme
from convanim.mplcache import use_private_cache  # noqa: F401  (matplotlib's folders)

__all__ = [
    "THEMES", "Layout", "Look", "RenderOptions", "Renderer", "Scene", "Theme",
    "render", "render_frames", "write_plan", "write_still", "write_storyboard",
]


def __getattr__(name: str) -> object:
    # The storyboard needs matplotlib's figure machinery (~0.3 s to import), which a plain
    # animation never touches; load it on first use.
    if name == "write_storyboard":
        from convanim.draw.storyboard import write_storyboard

        return write_storyboard
    if name == "write_still":
        from convanim.draw.storyboard import write_still

        return write_still
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
