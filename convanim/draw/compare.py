"""Several animations side by side in one synchronized figure (``convanim compare``).

Each panel is rendered by the ordinary :class:`~convanim.draw.animate.Renderer`; the figure
shows frame ``t`` of every panel at once, a panel that has run out holding its last frame,
each combined frame lasting as long as the longest of its panels' frames. Panels of different
heights are centred on the theme's background. ``compare`` and the gallery make it a whole
figure: one cell size for every panel, titles at one height, a caption saying what to compare,
and ``size``/``height``/``aspect``/``width`` fixing the whole image (:mod:`convanim.draw.figure`).

>>> import tempfile, os
>>> out = compare([{"i": 3, "mode": "upsample"}, {"i": 3, "mode": "upsample",
...                "method": "bilinear"}], os.path.join(tempfile.mkdtemp(), "c.gif"))
>>> out.suffix
'.gif'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from convanim.draw.animate import (
    PathLike,
    Renderer,
    check_frames,
    spec_and_options,
    write_animation,
)
from convanim.draw.figure import DEFAULT_PX, Canvas, Part, header_height, row
from convanim.draw.options import RenderOptions
from convanim.geometry import Plan, Spec, SpecError, frame_count, plan

PANEL_KEYS = ("x", "w", "seed")
"""Per-panel keys besides the spec's: input values, kernel values and the values' seed."""

MAX_PANELS = 6
GAP = 12  # pixels between two panels


def compare_frames(renderers: Sequence[Renderer], gap: int = GAP
                   ) -> Iterator[tuple[np.ndarray, int]]:
    """Yield (RGB frame, ms) of the panels side by side, advancing together, each panel
    centred vertically (the renderers' own layouts; :func:`write_compare` gives them one).

    >>> from convanim.geometry import Spec, plan
    >>> a, b = Renderer(plan(Spec(i=3, k=2))), Renderer(plan(Spec(i=4, k=2)))
    >>> frames = list(compare_frames([a, b]))
    >>> len(frames) == max(len(a.plan.frames), len(b.plan.frames))
    True
    """
    if not renderers:
        raise SpecError("compare needs at least one panel; give two or more", "panels")
    sizes = [r.layout.size for r in renderers]
    height = max(h for _, h in sizes)
    parts, left = [], 0
    for r, (w, h) in zip(renderers, sizes):
        parts.append(Part(r, left, (height - h) // 2))
        left += w + gap
    for rgb, ms in _together(parts, (left - gap, height), renderers[0].options, ""):
        yield rgb.copy(), ms


def _together(parts: Sequence[Part], size: tuple[int, int], options: RenderOptions,
              caption: str, top: int = 0, scale: float = 1.0
              ) -> Iterator[tuple[np.ndarray, int]]:
    """Frame t of every part at once on one canvas (reused: copy what you keep); a part that
    has run out holds its last frame; each frame lasts as long as the longest of its parts'."""
    canvas = Canvas(size, options, caption, top, scale)
    streams = [p.renderer.frames() for p in parts]
    durations = [p.renderer.durations() for p in parts]
    for t in range(max(len(d) for d in durations)):
        for part, frames, d in zip(parts, streams, durations):
            if t < len(d):
                canvas.paste(next(frames)[0], part.x, part.y)
        yield canvas.rgb, max(d[t] for d in durations if t < len(d))


def _shape(shape: Sequence[int]) -> str:
    return "×".join(map(str, shape)) if len(shape) > 1 else f"length-{shape[0]}"


def reads_per_cell(the_plan: Plan) -> np.ndarray:
    """How many (input cell, tap) links make each output cell, from the plan's frames.

    >>> from convanim.geometry import Spec, plan
    >>> reads_per_cell(plan(Spec(i=3, k=2, s=2, mode="transposed"))).tolist()[0]
    [1, 1, 1, 1, 1, 1]
    """
    counts = np.zeros(np.shape(the_plan.y), np.int64)
    for frame in the_plan.frames:
        for out, _, _ in frame.links:
            counts[out] += 1
    return counts


def _uneven(counts: np.ndarray, dims: int) -> bool:
    """Whether cells away from the border get different numbers of taps (a checkerboard)."""
    inner = counts[(Ellipsis, *([slice(1, -1)] * dims))]
    return inner.size > 1 and len(set(inner.ravel().tolist())) > 1


def _what_it_does(the_plan: Plan) -> str:
    """What a panel's operation does to make one output cell, in plain words, from the
    plan's links and picture (no mode names)."""
    if the_plan.spec.view == "backward":  # two parts, each its own grids: no one output
        return "carries the output's gradient back: dL/dx, then dL/dW"
    counts = reads_per_cell(the_plan)
    made = sorted({int(n) for n in counts.ravel().tolist() if n})
    most = made[-1] if made else 0
    picture = the_plan.picture
    if picture.weighted and picture.scatter:
        taps = ", ".join(map(str, made[:-1])) + (" or " if len(made) > 1 else "") + str(most)
        text = f"sums {taps} tap{'s' if most > 1 else ''} per output cell"
        pattern = "a checkerboard" if the_plan.spec.dims == 2 else "stripes"
        return text + (f" (uneven: {pattern})" if _uneven(counts, the_plan.spec.dims) else "")
    if picture.weighted:
        return f"sums up to {most} products per output cell"
    if most <= 1:
        return "copies one input cell into each output cell"
    head = picture.formula[0].strip()
    if head.endswith("("):
        return f"takes the {head[:-1]} of up to {most} cells"
    if any(len(frame.weights) for frame in the_plan.frames):
        return f"blends up to {most} input cells"
    return f"reads up to {most} input cells per output cell"


def _names(specs: Sequence[Spec]) -> list[str]:
    """Each panel's short name: its operation, and the words of its label that set it apart
    from panels of the same operation (``nearest``, ``bilinear``)."""
    names = []
    for spec in specs:
        same = [s for s in specs if s.op.title == spec.op.title]
        words = [w for w in spec.label.split() if "=" not in w and w not in spec.op.title.split()
                 and not all(w in s.label.split() for s in same)]
        names.append(" ".join(words) if words and len(same) > 1 else spec.op.title)
    return names


def what_to_compare(plans: Sequence[Plan]) -> str:
    """The figure's caption: what the panels share and what each does to make a cell, read
    from the plans (sizes and links), never from a list of presets.

    >>> from convanim.geometry import Spec, plan
    >>> text = what_to_compare([plan(Spec(i=3, mode="upsample")), plan(Spec(i=3,
    ...       mode="upsample", method="bilinear")), plan(Spec(i=3, k=3, s=2, p=1,
    ...       output_padding=1, mode="transposed", view="scatter"))])
    >>> for part in text.split("; "): print(part)
    Same 6×6 output from a 3×3 input: nearest copies one input cell into each output cell
    bilinear blends up to 4 input cells
    transposed conv sums 1, 2 or 4 taps per output cell (uneven: a checkerboard).
    """
    specs = [p.spec for p in plans]
    outputs = {spec.output_shape for spec in specs}
    inputs = {spec.i for spec in specs}
    if len(outputs) == 1:
        head = f"Same {_shape(specs[0].output_shape)} output"
        head += f" from a {_shape(specs[0].i)} input" if len(inputs) == 1 else ""
    elif len(inputs) == 1:
        head = (f"Same {_shape(specs[0].i)} input, outputs "
                + ", ".join(_shape(s.output_shape) for s in specs))
    else:
        head = f"{len(specs)} layers side by side"
    return head + ": " + "; ".join(f"{name} {_what_it_does(p)}" for name, p in
                                  zip(_names(specs), plans)) + "."


def compare(panels: Sequence[Spec | Mapping[str, Any]], path: PathLike, **options: Any
            ) -> Path:
    """Render ``panels`` (specs or mappings of spec keys, render options and ``x``/``w``/
    ``seed``) into one animation at ``path``; ``options`` apply to every panel."""
    if not 1 <= len(panels) <= MAX_PANELS:
        raise SpecError(f"compare got {len(panels)} panels but takes 1 to {MAX_PANELS}; "
                        "split the comparison into several figures", "panels")
    items = []
    for panel in panels:
        extra = dict(panel) if isinstance(panel, Mapping) else {}
        values = {key: extra.pop(key, None) for key in PANEL_KEYS}
        spec, panel_opts = spec_and_options(panel if isinstance(panel, Spec) else extra, options)
        items.append((spec, values["x"], values["w"], values["seed"] or 0, panel_opts))
    return write_compare(items, path)


Panel = tuple[Spec, Any, Any, int, RenderOptions]
"""One panel as the gallery holds it: spec, input values, kernel values, seed, options."""


def write_compare(items: Sequence[Panel], path: PathLike, player: PathLike | None = None
                  ) -> Path:
    """Write the panels' synchronized figure to ``path`` (atomically, format by suffix); the
    first panel's options choose the theme, the loop and the figure's size. ``player`` also
    writes the HTML player from the same frames (no hover: the panels are several plans).
    The whole figure's budget is checked first (arithmetic, then the real canvas)."""
    from convanim.budget import EARLY_SLACK, check_frame, frame_size
    from convanim.writers import format_for

    options = items[0][4]
    fmt = format_for(path)
    from convanim.geometry.ops.volume import check_stack_style

    for spec, *_, opts in items:
        check_stack_style(spec, opts.style)
        if spec.view == "matrix":
            raise SpecError("view=matrix draws a figure of its own that compare cannot line up "
                            "with other panels; give the panels view gather or scatter, or "
                            "render the matrix view alone", "view")
    estimates = [frame_size(spec, cell_px=opts.cell_px or (None if opts.box or opts.width
                                                           else DEFAULT_PX),
                            dpi=opts.dpi, values=opts.values, layout=opts.layout)
                 for spec, *_, opts in items]
    longest = max(frame_count(spec) for spec, *_ in items)
    est_w = sum(w for w, _ in estimates) + GAP * (len(items) - 1)
    est_h = max(h for _, h in estimates)
    box = options.box
    if box is not None:
        est_w, est_h = box[0] or est_w, box[1] or est_h
    check_frame(est_w, est_h, longest, fmt, longest * options.hold_ms, EARLY_SLACK)
    plans = []
    for spec, x, w, seed, opts in items:
        check_frames(frame_count(spec), opts)
        plans.append(plan(spec, x, w, seed=seed))
    caption = what_to_compare(plans)
    titles = [opts.title for *_, opts in items]
    header = header_height(caption, options, est_w)
    parts, size = row(plans, titles, options, GAP, header)
    # The caption grows with the panels' text (a large size scales every element together)
    # and wraps to the figure's real width: lay out again until its height is the one kept,
    # so no line of it is ever cut off.
    for _ in range(3):
        scale = max(1.0, parts[0].renderer.layout.cell_px / (32 * options.dpi / 100))
        need = header_height(caption, options, size[0], scale)
        if need == header:
            break
        header = need
        parts, size = row(plans, titles, options, GAP, header)
    durations = [p.renderer.durations() for p in parts]
    total = sum(max(d[t] for d in durations if t < len(d))
                for t in range(max(len(d) for d in durations)))
    check_frame(*size, max(len(d) for d in durations), fmt, total)
    frames = _together(parts, size, options, caption, parts[0].y - header, scale)
    return write_animation(frames, path, options, also=() if player is None else (player,),
                           looks=[n for p in parts for n in p.renderer.scene.looks],
                           metadata=compare_metadata(parts, caption, options))


def compare_metadata(parts: Sequence[Part], caption: str, options: RenderOptions
                     ) -> dict[str, Any]:
    """The player's and deck's texts for a comparison: one caption per combined frame, the
    figure's own caption then each panel's title and caption at that frame (a panel that has
    run out holds its last), as the frames draw them.

    >>> from convanim.geometry import Spec, plan
    >>> parts = [Part(Renderer(plan(Spec(i=3, mode="upsample"))), 0, 0)]
    >>> compare_metadata(parts, "Look.", RenderOptions())["captions"][0][:24]
    'Look. upsample  i=3 scal'
    """
    from convanim.draw.player import figure_metadata
    from convanim.geometry.words import alt_text

    texts = []
    for part in parts:
        r = part.renderer
        texts.append([f"{r.layout.title}: {r.scene.caption_of(r.plan.frames[i])}"
                      for i in r.selected])
    captions = [" ".join([caption, *("; ".join(t[min(n, len(t) - 1)] for t in texts),)])
                for n in range(max(len(t) for t in texts))]
    alt = "Side by side: " + " ".join(alt_text(p.renderer.plan.spec) for p in parts)
    return figure_metadata(options.title or caption, alt, captions, options.theme,
                           options.hidpi)
