"""The public entry points: frames from a plan, files from a spec, animations for notebooks.

>>> import tempfile, os
>>> out = render({"i": 4, "k": 3}, os.path.join(tempfile.mkdtemp(), "conv.gif"))
>>> out.suffix
'.gif'
"""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Iterator, Mapping
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import numpy as np

from convanim.draw.layout import Layout
from convanim.draw.options import OPTION_NAMES, RenderOptions
from convanim.draw.raster import RasterPainter
from convanim.draw.scene import Scene
from convanim.draw.themes import THEMES
from convanim.geometry import Plan, Spec, SpecError, frame_count, plan
from convanim.geometry.spec import LONG_NAMES

HOLD_PHASES = ("input", "insert_zeros", "pad", "crop", "output")
PathLike = str | os.PathLike[str]


class Renderer:
    """One animation's scene, layout and painter; iterate :meth:`frames` once.

    >>> r = Renderer(plan(Spec(i=4, k=3)), RenderOptions(cell_px=20, values=False))
    >>> r.layout.size == next(r.frames())[0].shape[1::-1]
    True
    """

    def __init__(self, plan: Plan, options: RenderOptions | None = None) -> None:
        self.plan = plan
        self.options = options or RenderOptions()
        check_frames(len(plan.frames), self.options)
        self.theme = THEMES[self.options.theme]
        self.scene = Scene(plan, self.options.values)
        self.layout = Layout.build(self.scene, self.options)

    def durations(self) -> list[int]:
        """Milliseconds per frame: ``hold_ms`` for phase frames and the last, else ``frame_ms``.

        >>> Renderer(plan(Spec(i=3, k=2)), RenderOptions(frame_ms=200, hold_ms=900)).durations()
        [900, 200, 200, 200, 200, 900]
        """
        last = len(self.plan.frames) - 1
        return [self.options.hold_ms if f.phase in HOLD_PHASES or i == last
                else self.options.frame_ms for i, f in enumerate(self.plan.frames)]

    def frames(self) -> Iterator[tuple[np.ndarray, int]]:
        """Yield (RGB uint8 H x W x 3, duration ms) for every frame, in order.

        >>> [ms for _, ms in Renderer(plan(Spec(i=3, k=2))).frames()][:2]
        [1500, 500]
        """
        if self.plan.spec.view == "matrix":
            from convanim.draw.matrix import render_matrix_frames

            yield from render_matrix_frames(self.plan, self.options)
            return
        painter = RasterPainter(self.scene, self.layout)
        for index, ms in enumerate(self.durations()):
            yield painter.paint(index), ms


def check_frames(count: int, options: RenderOptions) -> None:
    """Refuse an animation longer than ``options.max_frames`` before any work is done.

    >>> check_frames(5000, RenderOptions(max_frames=100))
    Traceback (most recent call last):
    ...
    convanim.geometry.spec.SpecError: the animation would have 5000 frames but max_frames=100; \
use a smaller input_size or raise max_frames
    """
    if count > options.max_frames:
        raise SpecError(f"the animation would have {count} frames but max_frames="
                        f"{options.max_frames}; use a smaller input_size or raise max_frames",
                        "max_frames")


def render_frames(plan: Plan, options: RenderOptions | None = None
                  ) -> Iterator[tuple[np.ndarray, int]]:
    """Stream the frames of ``plan`` as (RGB uint8 array, duration in ms).

    >>> from convanim.geometry import Spec, plan
    >>> frames = list(render_frames(plan(Spec(i=4, k=3)), RenderOptions(frame_ms=200)))
    >>> len(frames), frames[1][1]
    (6, 200)
    """
    return Renderer(plan, options).frames()


def _split(spec: Spec | Mapping[str, Any], options: dict[str, Any]
           ) -> tuple[Spec, RenderOptions]:
    """A Spec (mappings may also carry render options) and validated options."""
    if isinstance(spec, Spec):
        return spec, RenderOptions.from_mapping(options)
    if not isinstance(spec, Mapping):
        raise SpecError(f"expected a Spec or a mapping of parameters, got {type(spec).__name__};"
                        " pass e.g. {'i': 5, 'k': 3}", "spec")
    from convanim.geometry.ops import FIELDS

    spec_names = set(LONG_NAMES) | set(LONG_NAMES.values()) | {
        name for f in FIELDS for name in (f.name, *f.aliases)}
    for key in spec:
        name = str(key).replace("-", "_")
        if name not in spec_names and name not in OPTION_NAMES:
            close = get_close_matches(name, sorted(spec_names | set(OPTION_NAMES)), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "see Spec and RenderOptions"
            raise SpecError(f"unknown key {key!r}; {hint}", str(key))
    given = {k: v for k, v in spec.items() if k in OPTION_NAMES}
    rest = {k: v for k, v in spec.items() if k not in OPTION_NAMES}
    return Spec.from_dict(rest), RenderOptions.from_mapping({**given, **options})


def _plan(spec: Spec | Mapping[str, Any], x: Any, w: Any, seed: int,
          options: dict[str, Any]) -> tuple[Plan, RenderOptions]:
    spec, opts = _split(spec, options)
    check_frames(frame_count(spec), opts)
    return plan(spec, x, w, seed=seed), opts


def write_animation(frames: Iterator[tuple[np.ndarray, int]], path: PathLike,
                    options: RenderOptions) -> Path:
    """Write (frame, ms) pairs to ``path`` through the atomic writers; format from the suffix.

    >>> import tempfile, os
    >>> frames = Renderer(plan(Spec(i=3, k=2))).frames()
    >>> write_animation(frames, os.path.join(tempfile.mkdtemp(), "a.webp"), RenderOptions()).suffix
    '.webp'
    """
    from convanim.writers import open_writer

    with open_writer(path, loop=options.loop, palette=THEMES[options.theme].palette()) as out:
        for rgb, ms in frames:
            out.append(rgb, ms)
    return Path(path)


def render(spec: Spec | Mapping[str, Any], path: PathLike, *, x: Any = None, w: Any = None,
           seed: int = 0, storyboard: PathLike | None = None, **options: Any) -> Path:
    """Render ``spec`` to an animation file (GIF, MP4, WebP, APNG or a folder of PNGs).

    ``spec`` is a :class:`~convanim.Spec` or a mapping of its parameters (short or long
    names; render options may sit in the same mapping). ``x``/``w`` are input and kernel
    values (nested lists); missing ones are small integers drawn from ``seed``. Options are
    :class:`RenderOptions` fields. ``storyboard`` also writes every frame on one page
    (``.png``, ``.pdf`` or ``.svg``). Files appear atomically: complete or not at all.

    >>> import tempfile, os
    >>> out = render(Spec(i=3, k=3, s=2, p=1, mode="transposed"),
    ...              os.path.join(tempfile.mkdtemp(), "t.gif"), theme="classic", frame_ms=400)
    >>> out.exists()
    True
    """
    the_plan, opts = _plan(spec, x, w, seed, options)
    renderer = Renderer(the_plan, opts)
    out = write_animation(renderer.frames(), path, opts)
    if storyboard is not None:
        from convanim.draw.storyboard import write_storyboard

        write_storyboard(the_plan, opts, storyboard)
    return out


class Animation:
    """A rendered animation held in memory; shows itself in Jupyter.

    ``frames`` and ``durations`` are computed on first use. ``save(path)`` writes any format
    :func:`render` can; ``storyboard(path)`` writes the one-page overview.

    >>> anim = animate({"i": 4, "k": 2, "mode": "maxpool"}, cell_px=20)
    >>> len(anim.frames) == len(anim.plan.frames), anim._repr_html_().startswith("<img")
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
            self._frames = [rgb for rgb, _ in Renderer(self.plan, self.options).frames()]
        return self._frames

    def __len__(self) -> int:
        return len(self.plan.frames)

    def save(self, path: PathLike) -> Path:
        """Write the animation to ``path``; the suffix picks the format.

        >>> import tempfile, os
        >>> animate({"i": 3, "k": 2}).save(os.path.join(tempfile.mkdtemp(), "a.mp4")).suffix
        '.mp4'
        """
        if self._frames is not None:
            return write_animation(iter(zip(self._frames, self.durations)), path, self.options)
        return write_animation(Renderer(self.plan, self.options).frames(), path, self.options)

    def storyboard(self, path: PathLike) -> Path:
        """Write every frame tiled on one page (``.png``, ``.pdf`` or ``.svg``).

        >>> import tempfile, os
        >>> animate({"i": 3, "k": 2}).storyboard(os.path.join(tempfile.mkdtemp(), "s.pdf")).suffix
        '.pdf'
        """
        from convanim.draw.storyboard import write_storyboard

        return write_storyboard(self.plan, self.options, path)

    def gif_bytes(self) -> bytes:
        """The animation as GIF file bytes.

        >>> animate({"i": 3, "k": 2}).gif_bytes()[:6]
        b'GIF89a'
        """
        with tempfile.TemporaryDirectory() as tmp:
            path = self.save(os.path.join(tmp, "animation.gif"))
            return path.read_bytes()

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.gif_bytes()).decode("ascii")
        width, height = self.layout.size
        alt = self.plan.spec.label.replace('"', "'")
        return (f'<img src="data:image/gif;base64,{data}" width="{width}" height="{height}" '
                f'alt="{alt}"/>')

    def _repr_png_(self) -> bytes:
        import io

        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(self.frames[-1]).save(buffer, format="PNG")
        return buffer.getvalue()


def animate(spec: Spec | Mapping[str, Any], *, x: Any = None, w: Any = None, seed: int = 0,
            storyboard: PathLike | None = None, **options: Any) -> Animation:
    """Plan and hold an animation in memory (for notebooks and tests); see :func:`render`.

    Arguments are those of :func:`render` without the output path; ``storyboard`` still
    writes the one-page overview right away.

    >>> anim = animate({"i": 5, "k": 3, "p": 1}, theme="dark")
    >>> anim.layout.size == anim.frames[0].shape[1::-1]
    True
    """
    the_plan, opts = _plan(spec, x, w, seed, options)
    animation = Animation(the_plan, opts)
    if storyboard is not None:
        animation.storyboard(storyboard)
    return animation
