"""Draw convolution plans as small, exact animations (GIF, MP4, WebP, APNG) and storyboards.

>>> import tempfile, os
>>> from convanim.draw import animate, render
>>> path = render({"i": 5, "k": 3, "s": 2, "p": 1}, os.path.join(tempfile.mkdtemp(), "c.gif"))
>>> path.name
'c.gif'
>>> anim = animate({"i": 3, "k": 3, "s": 2, "p": 1, "mode": "transposed"}, values=False)
>>> len(anim.frames)
29
"""

from convanim.draw.animate import Animation, Renderer, animate, render, render_frames
from convanim.draw.layout import Layout
from convanim.draw.options import RenderOptions
from convanim.draw.scene import Scene
from convanim.draw.themes import THEMES, Look, Theme
from convanim.mplcache import use_private_cache  # noqa: F401  (matplotlib's folders)

__all__ = [
    "THEMES", "Animation", "Layout", "Look", "RenderOptions", "Renderer", "Scene", "Theme",
    "animate", "render", "render_frames", "write_still", "write_storyboard",
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
