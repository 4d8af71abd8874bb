"""The public Python API: ``render``, ``animate``, ``Animation``, ``plan`` and ``compute``.

Every call goes through the front door (:func:`convanim.request.from_api`) with the same
types and checks as a flag or a YAML key, so the API refuses exactly what the command line
refuses, in the same words (the flag's name is the keyword's). A refusal is one type,
:class:`~convanim.request.RequestError`, which is also a :class:`~convanim.SpecError`.

>>> import tempfile, os
>>> render({"i": 4, "k": 3}, os.path.join(tempfile.mkdtemp(), "conv.gif")).suffix
'.gif'
>>> render({"i": 4, "k": 3}, "a.gif", width=9000)
Traceback (most recent call last):
...
convanim.request.errors.RequestError: width: width=9000 must be between 160 and 8000; use e.g. \
width=8000
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from convanim.draw.animate import PathLike, Renderer, write_animation, write_plan
from convanim.draw.layout import Layout
from convanim.draw.options import RenderOptions
from convanim.geometry import Plan, Spec, SpecError, compute, plan
from convanim.request.checks import check_kind, one_error
from convanim.request.door import Request
from convanim.request.keywords import from_api
from convanim.writers import confined

__all__ = ["Animation", "animate", "check", "compute", "plan", "render"]

# Animation.frames holds every frame; beyond this it refuses and points at iter_frames().
MAX_HELD_BYTES = 512 * 2**20


def _request(spec: Spec | Mapping[str, Any], x: Any, w: Any, seed: Any,
             options: Mapping[str, Any], paths: Mapping[str, Any]) -> tuple[Request, Plan,
                                                                            RenderOptions]:
    """The checked request, its plan and options; paths are checked as the output's key."""
    for name, value in paths.items():
        if value is not None:
            check_kind("output" if name == "path" else "storyboard", value)
    request = from_api(spec, options, x=x, w=w, seed=seed)
    the_plan = plan(request.spec, request.x, request.w, seed=request.seed)
    return request, the_plan, RenderOptions.from_mapping(dict(request.options))


def check(spec: Spec | Mapping[str, Any], *, x: Any = None, w: Any = None, seed: int = 0,
          **options: Any) -> Request:
    """Check a request as :func:`render` would, without drawing anything.

    Returns the checked :class:`~convanim.request.door.Request` (its spec, options and frame
    count) or raises :class:`~convanim.request.RequestError`, exactly as ``convanim render``
    with the same flags accepts or refuses them.

    >>> check({"i": 5, "k": 3, "s": 2}, fps=4).frames
    6
    >>> check({"i": 5, "k": 3, "mode": "transpose"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convanim.request.errors.RequestError: mode: 'transpose' is not one of ...; did you mean \
'transposed'?
    """
    return from_api(spec, options, x=x, w=w, seed=seed)


def render(spec: Spec | Mapping[str, Any], path: PathLike, *, x: Any = None, w: Any = None,
           seed: int = 0, storyboard: PathLike | None = None, player: PathLike | None = None,
           progress: Callable[[int, int], None] | None = None, **options: Any) -> Path:
    """Render ``spec`` to an animation file (GIF, MP4, WebP, APNG or a folder of PNGs).

    ``spec`` is a :class:`~convanim.Spec` or a mapping of its parameters (short or long
    names; render options may sit in the same mapping). ``x``/``w`` are input and kernel
    values (nested lists); missing ones are small integers drawn from ``seed``. Options are
    the command line's (``theme``, ``fps``, ``width``...: see ``convanim render --help``).
    ``storyboard`` also writes every frame on one page (``.png``, ``.pdf`` or ``.svg``);
    ``player`` also writes the HTML player (``.html``) from the same frames. Files appear
    atomically: complete or not at all. ``progress(done, total)``, if given, is called after
    each frame is written.

    >>> import tempfile, os
    >>> out = render(Spec(i=3, k=3, s=2, p=1, mode="transposed"),
    ...              os.path.join(tempfile.mkdtemp(), "t.gif"), theme="classic", frame_ms=400)
    >>> out.exists()
    True
    """
    with one_error():
        _, the_plan, opts = _request(spec, x, w, seed, options,
                                     {"path": path, "storyboard": storyboard, "player": player})
        folder = Path(path).parent  # held open: swapped for a symlink, it cannot redirect
        with confined(folder if folder.is_dir() else None):
            return write_plan(the_plan, opts, path, storyboard=storyboard, player=player,
                              progress=progress)


class Animation:
    """A rendered animation held in memory; shows itself in Jupyter.

    ``frames`` and ``durations`` are computed on first use. ``save(path)`` writes any format
    :func:`render` can; ``storyboard(path)`` writes the one-page overview. In a notebook it is
    the HTML player (:meth:`player_html`), labelled with the one-sentence alt text.

    >>> anim = animate({"i": 4, "k": 2, "mode": "maxpool"}, cell_px=20)
    >>> len(anim.frames) == len(anim.plan.frames), "data-convanim-player" in anim._repr_html_()
    (True, True)
    """

    def __init__(self, plan: Plan, options: RenderOptions) -> None:
        self.plan, self.options = plan, options
        self._renderer = Renderer(plan, options)
        self.layout: Layout = self._renderer.layout
        self.durations: list[int] = self._renderer.durations()
        self._frames: list[np.ndarray] | None = None

    @property
    def frames(self) -> list[np.ndarray]:
        """Every frame as an RGB uint8 array.

        >>> animate({"i": 3, "k": 2}).frames[0].ndim
        3
        """
        if self._frames is None:
            width, height = self.layout.size
            held = len(self.plan.frames) * width * height * 3
            if held > MAX_HELD_BYTES:
                raise SpecError(
                    f"holding all {len(self.plan.frames):,} frames of {width}x{height} would "
                    f"take {held / 2**20:,.0f} MB, more than the limit "
                    f"{MAX_HELD_BYTES / 2**20:,.0f} MB; iterate iter_frames() or save() the "
                    "animation instead", "max_frames")
            self._frames = list(self.iter_frames())
        return self._frames

    def iter_frames(self) -> Iterator[np.ndarray]:
        """Every frame as an RGB uint8 array, one at a time (memory for one frame only).

        >>> sum(1 for _ in animate({"i": 3, "k": 2}).iter_frames())
        6
        """
        if self._frames is not None:
            yield from self._frames
            return
        for rgb, _ in Renderer(self.plan, self.options).frames():
            yield rgb

    def __len__(self) -> int:
        return len(self.durations)

    def save(self, path: PathLike) -> Path:
        """Write the animation to ``path``; the suffix picks the format (``.pdf``: one page
        per shown frame, ``.pptx``: one slide per shown frame).

        >>> import tempfile, os
        >>> animate({"i": 3, "k": 2}).save(os.path.join(tempfile.mkdtemp(), "a.mp4")).suffix
        '.mp4'
        """
        if Path(path).suffix.lower() == ".pdf":  # slides: one vector page per shown frame
            from convanim.draw.pages import write_pages

            return write_pages(self.plan, self.options, path)
        self._renderer.check_output(path)
        if self._frames is not None:
            return write_animation(iter(zip(self._frames, self.durations)), path, self.options,
                                   self._renderer)
        renderer = Renderer(self.plan, self.options)
        renderer.reuse_buffer = True
        return write_animation(renderer.frames(), path, self.options, renderer)

    def storyboard(self, path: PathLike) -> Path:
        """Write every frame tiled on one page (``.png``, ``.pdf`` or ``.svg``).

        >>> import tempfile, os
        >>> animate({"i": 3, "k": 2}).storyboard(os.path.join(tempfile.mkdtemp(), "s.pdf")).suffix
        '.pdf'
        """
        from convanim.draw.storyboard import write_storyboard

        self._renderer.check_output(storyboard=path)
        return write_storyboard(self.plan, self.options, path)

    def gif_bytes(self) -> bytes:
        """The animation as GIF file bytes.

        >>> animate({"i": 3, "k": 2}).gif_bytes()[:6]
        b'GIF89a'
        """
        import tempfile  # here: importing the API (or the command line) need not load it

        with tempfile.TemporaryDirectory() as tmp:
            path = self.save(os.path.join(tmp, "animation.gif"))
            return path.read_bytes()

    def player_html(self) -> str:
        """The interactive player as one HTML element (what ``-o figure.html`` holds).

        >>> anim = animate({"i": 3, "k": 2})
        >>> 'data-frames="6"' in anim.player_html()
        True
        """
        import tempfile

        from convanim.writers.html import extract_fragment

        with tempfile.TemporaryDirectory() as tmp:
            path = self.save(os.path.join(tmp, "animation.html"))
            return extract_fragment(path.read_text(encoding="utf-8"))

    def _repr_html_(self) -> str:
        return self.player_html()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # The player, a still for renderers that run no script, and a text summary.
        from convanim.notebook import mimebundle

        return mimebundle(self)

    def __repr__(self) -> str:
        from convanim.notebook import summary

        return summary(self)


def animate(spec: Spec | Mapping[str, Any], *, x: Any = None, w: Any = None, seed: int = 0,
            storyboard: PathLike | None = None, **options: Any) -> Animation:
    """Plan and hold an animation in memory (for notebooks and tests); see :func:`render`.

    Arguments are those of :func:`render` without the output path; ``storyboard`` still
    writes the one-page overview right away.

    >>> anim = animate({"i": 5, "k": 3, "p": 1}, theme="dark")
    >>> anim.layout.size == anim.frames[0].shape[1::-1]
    True
    """
    with one_error():
        _, the_plan, opts = _request(spec, x, w, seed, options, {"storyboard": storyboard})
        animation = Animation(the_plan, opts)
        if storyboard is not None:
            animation.storyboard(storyboard)
        return animation
