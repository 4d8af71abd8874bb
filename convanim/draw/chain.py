"""Animations of a chain of layers, drawn by the generic renderer one layer at a time.

Two views of a :class:`~convanim.geometry.chain.Chain`:

- ``forward``: the values flow through the layers; per layer one summary frame (a kernel
  window in the middle of its output, then the finished output), or with ``slides`` every
  frame of every layer's own animation;
- ``trace``: one output cell of the last layer traced back to the input, layer by layer: each
  frame shows a layer's input with every cell that reaches the traced cells highlighted and
  the number of paths written in it (the effective receptive field's shape), the layer's
  output with the traced cells and their counts, and the receptive field in the caption.

Each frame is a plain :class:`~convanim.geometry.plan.Plan` frame, so the scene, layout and
writers are the single-layer ones; frames of layers of different sizes are centred on one
canvas.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from convanim.draw.animate import Renderer, write_animation
from convanim.draw.options import RenderOptions
from convanim.geometry import compute, make_values, plan
from convanim.geometry.chain import Chain, path_counts, receptive_fields
from convanim.geometry.plan import (
    Frame,
    Picture,
    Plan,
    _input_grid,
    _output_grid,
)
from convanim.geometry.spec import SpecError

TRACE_PICTURE = Picture(weighted=False, window="cells that reach it",
                        formula=("paths: ", " + ", ""))


def _two_d(values: np.ndarray) -> np.ndarray:
    return values.reshape(values.shape if values.ndim == 2 else (1, -1))


def forward_plans(chain: Chain, seed: int = 0, x: Any = None, slides: bool = False
                  ) -> list[Plan]:
    """One plan per layer, the values flowing from each output into the next layer.

    Without ``slides`` each plan keeps two frames: the kernel window at the middle output
    cell and the finished output.

    >>> chain = Chain.build(6, [{"kernel_size": 3}, {"mode": "maxpool", "kernel_size": 2}])
    >>> [len(p.frames) for p in forward_plans(chain)]
    [2, 2]
    """
    plans = []
    values = x
    for n, spec in enumerate(chain.layers):
        x_n, w_n = make_values(spec, values, None, seed=seed + n)
        layer_plan = plan(spec, x_n, w_n)
        head = f"layers[{n}] of {len(chain.layers)}: "
        frames = layer_plan.frames
        if not slides:
            slide = [f for f in frames if f.phase == "slide"]
            if slide:
                middle = slide[len(slide) // 2]
                middle = replace(middle, step=0, caption=middle.caption
                                 + f" (position {middle.step} of {len(slide)})")
                frames = (middle, frames[-1])
            else:
                frames = frames[-1:]
        frames = tuple(replace(f, caption=head + f.caption) for f in frames)
        plans.append(replace(layer_plan, frames=frames))
        values = compute(spec, x_n, w_n)
    return plans


def trace_plans(chain: Chain, cell: Sequence[int] | None = None) -> list[Plan]:
    """One one-frame plan per layer, from the last back to the first: the cells of the
    layer's input that reach the traced output cell, with their path counts as values.

    >>> chain = Chain.build(5, [{"kernel_size": 3}] * 2)
    >>> [p.frames[0].window.shape[0] for p in trace_plans(chain)]
    [9, 25]
    """
    last = chain.output_shape
    cell = tuple(n // 2 for n in last) if cell is None else tuple(cell)
    for axis, (v, n) in enumerate(zip(cell, last)):
        if not 0 <= v < n:
            raise SpecError(f"cell={','.join(map(str, cell))} is outside the last layer's "
                            f"output {'x'.join(map(str, last))}; give a cell with 0 <= "
                            f"{'rc'[axis] if len(last) == 2 else 'c'} < {n}", "cell")
    counts = path_counts(chain, cell)
    try:
        fields = receptive_fields(chain)
    except SpecError:
        fields = None
    where = ",".join(map(str, cell))
    plans = []
    for n in reversed(range(len(chain.layers))):
        spec = chain.layers[n]
        below, above = _two_d(counts[n]), _two_d(counts[n + 1])
        window = np.argwhere(below > 0)
        cells = np.argwhere(above > 0)
        reach = f"{len(window)} of its {below.size} input cells reach output cell ({where})"
        caption = f"layers[{n}]: {reach}"
        if n == 0:
            caption = _field_caption(chain, fields, cell, counts[0], where)
        caption += f"  (step {len(chain.layers) - n} of {len(chain.layers)})"
        frame = Frame("slide", "input", caption, step=0, window=window,
                      taps=np.zeros((len(window), 2), np.int64), cells=cells,
                      products=below[tuple(window.T)].astype(float),
                      value=float(below.sum()), sums=above[tuple(cells.T)].astype(float))
        x2 = below.astype(float)
        grids = {"input": _input_grid(x2)}
        plans.append(Plan(spec, counts[n].astype(float), np.ones(spec.k),
                          counts[n + 1].astype(float), grids, "input",
                          _output_grid(above.astype(float)), (0, 0), (frame,),
                          (), TRACE_PICTURE))
    return plans


def _field_caption(chain: Chain, fields: Any, cell: tuple[int, ...], reached: np.ndarray,
                   where: str) -> str:
    hit = np.argwhere(reached > 0)
    spans = " x ".join(f"{lo}..{hi}" for lo, hi in zip(hit.min(axis=0), hit.max(axis=0)))
    most = int(reached.max())
    text = (f"output cell ({where}) sees input cells {spans}, {most} path"
            f"{'s' if most > 1 else ''} at most")
    if fields is None:
        return text + " (no receptive-field box: a layer has a fractional jump)"
    last = fields[-1]
    box = " x ".join(f"{lo}..{hi}" for lo, hi in last.box(cell))
    r, j, st = ("x".join(map(str, v)) for v in (last.receptive_field, last.jump, last.start))
    return f"{text}; field {box}: r={r} jump={j} start={st}"


def _canvas(frames: list[tuple[np.ndarray, int]]) -> Iterator[tuple[np.ndarray, int]]:
    """Centre frames of different sizes on one canvas of the background colour."""
    rows = max(rgb.shape[0] for rgb, _ in frames)
    cols = max(rgb.shape[1] for rgb, _ in frames)
    for rgb, ms in frames:
        if rgb.shape[:2] == (rows, cols):
            yield rgb, ms
            continue
        out = np.empty((rows, cols, 3), np.uint8)
        out[:] = rgb[0, 0]
        r0, c0 = (rows - rgb.shape[0]) // 2, (cols - rgb.shape[1]) // 2
        out[r0:r0 + rgb.shape[0], c0:c0 + rgb.shape[1]] = rgb
        yield out, ms


def chain_frames(chain: Chain, options: RenderOptions, *, view: str = "forward",
                 cell: Sequence[int] | None = None, seed: int = 0, x: Any = None,
                 slides: bool = False) -> list[tuple[np.ndarray, int]]:
    """Every frame of a chain's animation, each with its duration in ms.

    >>> chain = Chain.build(5, [{"kernel_size": 3}] * 2)
    >>> len(chain_frames(chain, RenderOptions(cell_px=16), view="trace"))
    2
    """
    plans = (trace_plans(chain, cell) if view == "trace"
             else forward_plans(chain, seed, x, slides))
    # One cell size for every layer, so grids keep their scale from frame to frame.
    if options.cell_px is None and options.width is None:
        options = replace(options, cell_px=28)
    frames: list[tuple[np.ndarray, int]] = []
    order = range(len(plans) - 1, -1, -1) if view == "trace" else range(len(plans))
    for n, layer_plan in zip(order, plans):
        title = options.title or f"layers[{n}]  {layer_plan.spec.label}"
        renderer = Renderer(layer_plan, replace(options, title=title))
        frames += [(rgb, options.hold_ms) for rgb, _ in renderer.frames()]
    return list(_canvas(frames))


def render_chain(chain: Chain, path: str | PathLike[str], options: RenderOptions,
                 player: str | PathLike[str] | None = None, **kwargs: Any) -> Path:
    """Write a chain's animation to ``path`` (any animation format, atomically); ``player``
    also writes the HTML player from the same frames (its frames and captions; no hover).

    >>> import tempfile, os
    >>> chain = Chain.build(5, [{"kernel_size": 3}] * 2)
    >>> render_chain(chain, os.path.join(tempfile.mkdtemp(), "c.gif"), RenderOptions()).suffix
    '.gif'
    """
    return write_animation(iter(chain_frames(chain, options, **kwargs)), path, options,
                           also=() if player is None else (player,))
