"""Several animations side by side in one synchronized figure (``convanim compare``).

Each panel is rendered by the ordinary :class:`~convanim.draw.animate.Renderer`; the figure
shows frame ``t`` of every panel at once, a panel that has run out holding its last frame,
each combined frame lasting as long as the longest of its panels' frames. Panels of different
heights are centred on the theme's background.

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

from convanim.draw.animate import PathLike, Renderer, _split, check_frames, write_animation
from convanim.draw.options import RenderOptions
from convanim.draw.themes import THEMES, rgb
from convanim.geometry import Spec, SpecError, frame_count, plan

PANEL_KEYS = ("x", "w", "seed")
"""Per-panel keys besides the spec's: input values, kernel values and the values' seed."""

MAX_PANELS = 6


def compare_frames(renderers: Sequence[Renderer], gap: int = 12
                   ) -> Iterator[tuple[np.ndarray, int]]:
    """Yield (RGB frame, ms) of the panels side by side, advancing together.

    >>> from convanim.geometry import Spec, plan
    >>> a, b = Renderer(plan(Spec(i=3, k=2))), Renderer(plan(Spec(i=4, k=2)))
    >>> frames = list(compare_frames([a, b]))
    >>> len(frames) == max(len(a.plan.frames), len(b.plan.frames))
    True
    """
    if not renderers:
        raise SpecError("compare needs at least one panel; give two or more", "panels")
    background = np.array(rgb(THEMES[renderers[0].options.theme].background), np.uint8)
    streams = [r.frames() for r in renderers]
    durations = [r.durations() for r in renderers]
    length = max(len(d) for d in durations)
    last: list[np.ndarray | None] = [None] * len(renderers)
    for t in range(length):
        for j, stream in enumerate(streams):
            if t < len(durations[j]):
                last[j] = next(stream)[0]
        panels = [p for p in last if p is not None]
        height = max(p.shape[0] for p in panels)
        width = sum(p.shape[1] for p in panels) + gap * (len(panels) - 1)
        canvas = np.empty((height, width, 3), np.uint8)
        canvas[:] = background
        left = 0
        for p in panels:
            top = (height - p.shape[0]) // 2
            canvas[top: top + p.shape[0], left: left + p.shape[1]] = p
            left += p.shape[1] + gap
        ms = max(d[min(t, len(d) - 1)] if t < len(d) else 0 for d in durations)
        yield canvas, ms


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
        spec, panel_opts = _split(panel if isinstance(panel, Spec) else extra, options)
        items.append((spec, values["x"], values["w"], values["seed"] or 0, panel_opts))
    return write_compare(items, path)


Panel = tuple[Spec, Any, Any, int, RenderOptions]
"""One panel as the gallery holds it: spec, input values, kernel values, seed, options."""


def write_compare(items: Sequence[Panel], path: PathLike, player: PathLike | None = None
                  ) -> Path:
    """Write the panels' synchronized figure to ``path`` (atomically, format by suffix); the
    first panel's options choose the theme and the loop. ``player`` also writes the HTML
    player from the same frames (no hover: the panels are several plans)."""
    renderers = []
    for spec, x, w, seed, opts in items:
        check_frames(frame_count(spec), opts)
        renderers.append(Renderer(plan(spec, x, w, seed=seed), opts))
    return write_animation(compare_frames(renderers), path, items[0][4],
                           also=() if player is None else (player,),
                           looks=[n for r in renderers for n in r.scene.looks])
