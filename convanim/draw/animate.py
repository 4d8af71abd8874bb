"""Frames from a plan and files from frames: what the public API (:mod:`convanim.api`) and the
command line call once the front door has checked a request.

>>> import tempfile, os
>>> out = render({"i": 4, "k": 3}, os.path.join(tempfile.mkdtemp(), "conv.gif"))
>>> out.suffix
'.gif'
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np

from convanim.budget import check_frame, check_render
from convanim.draw.choose import select_frames
from convanim.draw.layout import Layout
from convanim.draw.options import RenderOptions, slide_ms
from convanim.draw.scene import Scene
from convanim.draw.themes import DERIVED_LOOKS, THEMES
from convanim.draw.themes import rgb as rgb_of
from convanim.geometry import Plan, Spec, SpecError, frame_count, plan

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
        self.reuse_buffer = False
        # The frames shown (all unless options.frames / max_slides pick some), 0-based.
        self.selected = select_frames(plan, self.options.frames, self.options.max_slides)
        # The real size, before a single frame is painted; the estimate was checked earlier.
        check_frame(*self.layout.size, len(plan.frames))

    def check_output(self, path: PathLike | None = None, storyboard: PathLike | None = None
                     ) -> None:
        """Refuse, before drawing, an MP4 too long to encode or a storyboard too large.

        >>> Renderer(plan(Spec(i=3, k=2))).check_output("a.mp4", "s.pdf")
        """
        from convanim.budget import check_storyboard, panel_cells
        from convanim.writers import format_for

        width, height = self.layout.size
        if path is not None and format_for(path) == "pptx":
            from convanim.writers.pptx import MISSING, pptx_available

            if not pptx_available():
                raise SpecError(MISSING, "output")
        if path is not None:
            check_frame(width, height, len(self.plan.frames), format_for(path),
                        sum(self.durations()))
        if storyboard is not None:
            from convanim.draw.storyboard import check_vector

            check_vector(self.plan, Path(storyboard).suffix.lower(), "storyboard")
            check_storyboard(Path(storyboard).suffix.lower(), len(self.plan.frames), width,
                             height, panel_cells(self.plan.spec))

    def durations(self) -> list[int]:
        """Milliseconds per shown frame: ``hold_ms`` for phase frames and the last, else
        ``frame_ms``.

        >>> Renderer(plan(Spec(i=3, k=2)), RenderOptions(frame_ms=200, hold_ms=900)).durations()
        [900, 200, 200, 200, 200, 900]
        """
        last = len(self.plan.frames) - 1
        slide = slide_ms(self.options)
        every = [self.options.hold_ms if f.phase in HOLD_PHASES or i == last
                 else slide for i, f in enumerate(self.plan.frames)]
        return [every[i] for i in self.selected]

    def frames(self) -> Iterator[tuple[np.ndarray, int]]:
        """Yield (RGB uint8 H x W x 3, duration ms) for every shown frame, in order.

        With ``reuse_buffer`` set, every frame is painted into one buffer (each is valid until
        the next is asked for), for consumers that copy what they keep, such as the writers.

        >>> [ms for _, ms in Renderer(plan(Spec(i=3, k=2))).frames()][:2]
        [1500, 1000]
        """
        wanted = dict(zip(self.selected, self.durations()))
        if self.plan.spec.view == "matrix":
            from convanim.draw.matrix import MatrixPainter

            matrix = MatrixPainter(self.plan, self.options)
            for index in self.selected:
                yield _letterbox(matrix.paint(index), self.options, self.theme), wanted[index]
            return
        painter = self.layout.painter(self.scene)
        out = np.empty_like(painter.base) if self.reuse_buffer else None
        # The scene only moves forward, so frames left out are still painted, not yielded.
        for index in range(self.selected[-1] + 1):
            rgb = painter.paint(index, out)
            if index in wanted:
                yield _even(rgb, self.options, self.theme), wanted[index]


def _even(rgb: np.ndarray, options: RenderOptions, theme: Any) -> np.ndarray:
    """A hidpi frame grown to even sides (background on the right and bottom).

    Shown at half its size, an odd side would be a half CSS pixel and the browser would
    resample every pixel; even sides keep one image pixel per device pixel.
    """
    height, width, _ = rgb.shape
    if not options.hidpi or not (height % 2 or width % 2):
        return rgb
    out = np.empty((height + height % 2, width + width % 2, 3), np.uint8)
    out[:] = rgb_of(theme.background)
    out[:height, :width] = rgb
    return out


def _letterbox(rgb: np.ndarray, options: RenderOptions, theme: Any) -> np.ndarray:
    """Centre a frame drawn by its own layout (the matrix view) in the requested box."""
    box = options.box
    if box is None:
        return rgb
    height, width, _ = rgb.shape
    box_w, box_h = box
    if box_w is None and box_h is None:
        aw, ah = options.aspect_ratio
        box_w, box_h = (max(width, -(-height * aw // ah)), max(height, -(-width * ah // aw)))
    box_w, box_h = box_w or width, box_h or height
    if width > box_w or height > box_h:
        raise SpecError(f"the matrix view needs {width}x{height} px, more than the size "
                        f"{box_w}x{box_h}; give a larger size or a smaller cell_px", "size")
    out = np.empty((box_h, box_w, 3), np.uint8)
    out[:] = rgb_of(theme.background)
    y, x = (box_h - height) // 2, (box_w - width) // 2
    out[y:y + height, x:x + width] = rgb
    return out


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


def spec_and_options(spec: Spec | Mapping[str, Any], options: dict[str, Any]
                     ) -> tuple[Spec, RenderOptions]:
    """A Spec (mappings may also carry render options) and validated options.

    The front door (:mod:`convanim.request`) checks a request fully before it gets here;
    this only keeps direct callers of ``draw`` honest, with the spec's and options' own rules.

    >>> spec, opts = spec_and_options({"i": 4, "k": 3, "theme": "dark"}, {})
    >>> spec.i, opts.theme
    ((4, 4), 'dark')
    """
    from convanim.draw.options import OPTION_NAMES

    if isinstance(spec, Spec):
        return spec, RenderOptions.from_mapping(dict(options))
    if not isinstance(spec, Mapping):
        raise SpecError(f"expected a Spec or a mapping of parameters, got {type(spec).__name__};"
                        " pass e.g. {'i': 5, 'k': 3}", "spec")
    given = {k: v for k, v in spec.items() if k in OPTION_NAMES}
    rest = {k: v for k, v in spec.items() if k not in OPTION_NAMES}
    return Spec.from_dict(rest), RenderOptions.from_mapping({**given, **options})


def checked_plan(spec: Spec | Mapping[str, Any], x: Any, w: Any, seed: int,
                 options: dict[str, Any]) -> tuple[Plan, RenderOptions]:
    """The plan and options of a render, its frame count and budget checked first.

    >>> the_plan, opts = checked_plan({"i": 4, "k": 3}, None, None, 0, {"fps": 3})
    >>> len(the_plan.frames), opts.fps
    (6, 3.0)
    """
    spec, opts = spec_and_options(spec, options)
    frames = frame_count(spec)
    check_frames(frames, opts)
    check_render(spec, frames, cell_px=opts.cell_px, width=opts.width, dpi=opts.dpi,
                 values=opts.values, layout=opts.layout)
    return plan(spec, x, w, seed=seed), opts


def write_animation(frames: Iterator[tuple[np.ndarray, int]], path: PathLike,
                    options: RenderOptions, renderer: Renderer | None = None,
                    also: Sequence[PathLike] = (),
                    progress: Callable[[int, int], None] | None = None,
                    total: int = 0, looks: Sequence[str] = (),
                    metadata: dict[str, Any] | None = None) -> Path:
    """Write (frame, ms) pairs to ``path`` through the atomic writers; format from the suffix.

    ``renderer`` (the frames' own) gives the HTML player its captions, cells and links;
    ``metadata`` gives them for frames of several renderers (a chain, a comparison).
    ``also`` lists more files written from the same frames (drawn once): a gallery's player.
    ``progress(done, total)`` is called after every frame. ``looks`` names derived looks
    (a group's ``input@g1``) the frames use besides the renderer's, for the GIF palette.

    >>> import tempfile, os
    >>> frames = Renderer(plan(Spec(i=3, k=2))).frames()
    >>> write_animation(frames, os.path.join(tempfile.mkdtemp(), "a.webp"), RenderOptions()).suffix
    '.webp'
    """
    from convanim.writers import format_for, open_writer

    targets = [path, *also]
    if renderer is not None and any(format_for(t) == "html" for t in targets):
        from convanim.draw.player import player_metadata

        metadata = player_metadata(renderer)
    if renderer is not None and any(format_for(t) == "pptx" for t in targets):
        metadata = deck_metadata(renderer, metadata)
    derived = [*looks, *(renderer.scene.looks if renderer is not None else ())]
    derived = list(dict.fromkeys(name for name in derived
                                 if "@" in name or "+" in name or name in DERIVED_LOOKS))
    with ExitStack() as stack:
        # Each writer publishes its own file atomically when the stack closes cleanly; an
        # error aborts every one still open.
        outs = [stack.enter_context(open_writer(
            target, loop=options.loop, palette=THEMES[options.theme].palette(derived),
            metadata=metadata)) for target in targets]
        gif = next((out for out in outs if out.format == "gif"), None)
        for out in outs:
            if gif is not None and out.format == "html":
                out.follow(gif)  # the player's deltas are the GIF's: map the frames once
            if options.transparent:
                set_transparent = getattr(out, "set_transparent", None)
                if set_transparent is None:  # leaving the block discards the unfinished file
                    raise SpecError(f"transparent=true is for .png/.apng (animated or one "
                                    f"frame), not {Path(out.path).suffix or 'a folder'}; write "
                                    "a .png or leave transparent out", "transparent")
                set_transparent()
            set_tick = getattr(out, "set_tick", None)
            if set_tick is not None:
                # Every duration is a slide or a hold time, so their gcd is an exact video tick.
                set_tick(math.gcd(slide_ms(options) or 1, options.hold_ms))
        for done, (rgb, ms) in enumerate(frames, 1):
            for out in outs:
                out.append(rgb, ms)
            if progress is not None:
                progress(done, total)
    return Path(path)


def deck_metadata(renderer: Renderer, metadata: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
    """What a slide deck needs: the alt text, the shown frames' captions, the slide shape.

    >>> deck_metadata(Renderer(plan(Spec(i=3, k=2)), RenderOptions(frames="key")))["slide"]
    '16:9'
    """
    from convanim.geometry.words import alt_text

    meta = dict(metadata or {})
    scene, options = renderer.scene, renderer.options
    captions = meta.get("captions") or [scene.caption_of(f) for f in renderer.plan.frames]
    meta.update({
        "title": meta.get("title") or renderer.layout.title,
        "alt": meta.get("alt") or alt_text(renderer.plan.spec),
        "deck_captions": [captions[i] for i in renderer.selected],
        "slide": "figure" if options.box is not None else "16:9",
    })
    return meta


def write_plan(the_plan: Plan, opts: RenderOptions, path: PathLike, *,
               storyboard: PathLike | None = None, player: PathLike | None = None,
               progress: Callable[[int, int], None] | None = None) -> Path:
    """Write a checked plan to ``path`` (format from the suffix), and its storyboard and
    player if given; every file appears together or none does.

    >>> import tempfile, os
    >>> write_plan(plan(Spec(i=3, k=2)), RenderOptions(),
    ...            os.path.join(tempfile.mkdtemp(), "a.gif")).suffix
    '.gif'
    """
    from convanim.writers import commit_together

    check_distinct(path, storyboard)
    renderer = Renderer(the_plan, opts)
    renderer.check_output(path, storyboard)
    renderer.reuse_buffer = True  # the writers copy what they keep
    # Every file appears together or none does: an error or an interrupt while drawing the
    # storyboard must not leave a new animation beside an old storyboard.
    with commit_together():
        out = write_animation(renderer.frames(), path, opts, renderer,
                              also=() if player is None else (player,), progress=progress,
                              total=len(the_plan.frames))
        if storyboard is not None:
            from convanim.draw.storyboard import write_storyboard

            write_storyboard(the_plan, opts, storyboard)
    return out


def render(spec: Spec | Mapping[str, Any], path: PathLike, *, x: Any = None, w: Any = None,
           seed: int = 0, storyboard: PathLike | None = None, player: PathLike | None = None,
           progress: Callable[[int, int], None] | None = None, **options: Any) -> Path:
    """Render ``spec`` to an animation file: :func:`write_plan` for a spec and options.

    This is drawing's own entry (the gallery's workers, comparisons); users call
    :func:`convanim.render`, which checks the request at the front door first.

    >>> import tempfile, os
    >>> out = render(Spec(i=3, k=3, s=2, p=1, mode="transposed"),
    ...              os.path.join(tempfile.mkdtemp(), "t.gif"), theme="classic", frame_ms=400)
    >>> out.exists()
    True
    """
    check_distinct(path, storyboard)
    the_plan, opts = checked_plan(spec, x, w, seed, options)
    return write_plan(the_plan, opts, path, storyboard=storyboard, player=player,
                      progress=progress)


def check_distinct(path: PathLike, storyboard: PathLike | None) -> None:
    """Refuse an animation and a storyboard aimed at one file (one would overwrite the other).

    >>> check_distinct("a.png", "./a.png")
    Traceback (most recent call last):
    ...
    convanim.geometry.spec.SpecError: storyboard='./a.png' is the animation's own path a.png; \
give the storyboard another name
    """
    if storyboard is None:
        return

    def key(p: PathLike) -> str:
        return os.path.normcase(os.path.realpath(os.fspath(p))).rstrip(os.sep)

    if key(path) == key(storyboard):
        raise SpecError(f"storyboard={os.fspath(storyboard)!r} is the animation's own path "
                        f"{os.fspath(path)}; give the storyboard another name", "storyboard")
