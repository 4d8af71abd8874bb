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

from convanim.draw.animate import write_animation
from convanim.draw.figure import DEFAULT_PX, Part, sequence, stream
from convanim.draw.options import RenderOptions
from convanim.draw.scene import Scene
from convanim.geometry import compute, make_values, plan
from convanim.geometry.chain import (
    Chain,
    ChainError,
    output_paths,
    path_counts,
    receptive_fields,
    trace_cell,
)
from convanim.geometry.compute import MAX_VALUE
from convanim.geometry.plan import GAP, INPUT, Frame, Grid, Picture, Plan
from convanim.geometry.spec import SpecError

TRACE_PICTURE = Picture(weighted=False, window="paths from the traced cell (number in cell)",
                        formula=("paths: ", " + ", ""))


def path_levels(counts: np.ndarray) -> dict[int, int]:
    """Each non-zero path count's shade, 1 (the written colour) to 4 (the deepest): the
    counts in order, spread over the four shades when there are more than four.

    >>> path_levels(np.array([4, 6, 9])), path_levels(np.array([1, 2, 3, 4, 6, 9]))
    ({4: 1, 6: 2, 9: 3}, {1: 1, 2: 2, 3: 2, 4: 3, 6: 3, 9: 4})
    """
    found = sorted({int(n) for n in np.ravel(counts).tolist() if n > 0})
    if len(found) <= 4:
        return {n: i + 1 for i, n in enumerate(found)}
    return {n: 1 + round(i * 3 / (len(found) - 1)) for i, n in enumerate(found)}


class TraceScene(Scene):
    """A traced layer's scene: path counts in the window's see-through tint, the traced output
    cells in their own colour (not "being written"), a legend and titles in those words; the
    whole-input frame shades output cells by their path counts (:func:`path_levels`).

    >>> scene = TraceScene(trace_plans(Chain.build(5, [{"kernel_size": 3}]))[0])
    >>> [label for _, label in scene.legend()][:2]
    ['0 paths: does not reach the traced cell', 'reaches it: the number of paths']
    """

    def code(self, name: str) -> int:
        """The theme look for ``name``; the traced cells are ``chosen``, not ``current``."""
        return super().code("chosen" if name == "current" else name)

    def legend(self) -> list[tuple[str, str]]:
        """The roles the frame draws, each named once, swatches in the drawn tints."""
        frame = self.plan.frames[0]
        if frame.phase == "output":  # the whole input's paths to every output cell
            items = [("input", "input cell: one path starts here")]
            if (self.plan.y == 0).any():
                items.append(("pending", "0 paths: no input reaches it"))
            by_level: dict[int, list[int]] = {}
            for n, level in path_levels(self.plan.y).items():
                by_level.setdefault(level, []).append(n)
            for level, counts in sorted(by_level.items()):
                many = "" if counts == [1] else "s"
                text = str(counts[0]) if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"
                items.append((f"overlap{level}", f"{text} path{many} from the whole input"))
            return items
        # The window is see-through: the swatch is the tint the counted input cells get.
        # Only the roles drawn are named (a field as large as the input leaves no 0 cell).
        grid, target = self.plan.grids["input"], self.plan.target
        unreached = bool(((grid.values == 0) & (grid.kinds != GAP)).any())
        untraced = int((target.kinds != GAP).sum()) > len(frame.cells)
        return [*([("input", "0 paths: does not reach the traced cell")] if unreached else []),
                *([("window+input", "reaches it: the number of paths")]
                  if len(frame.window) else []),
                ("chosen", "the traced output cell"),
                *([("pending", "other output cells")] if untraced else [])]

    def _done_codes(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray | int:
        """The whole-input frame shades every output cell by its number of paths (the
        written colour for the fewest, deeper for more: :func:`path_levels`), so a
        checkerboard shows."""
        if self.plan.frames[0].phase != "output":
            return super()._done_codes(rows, cols)
        counts = self.plan.target.values[rows, cols]
        levels = path_levels(self.plan.y)
        return np.vectorize(lambda n: self.code(f"overlap{levels[int(n)]}") if n >= 1
                            else self.code("pending"))(counts)

    def titles(self) -> dict[str, list[str]]:
        """Both panels' titles with the channels named."""
        return {"grid_title": [self.grid_title("input")],
                "target_title": [self.target_title(False)], "kernel_title": []}

    def _named(self, head: str, values: np.ndarray) -> str:
        dims = self.plan.spec.dims
        shape = "×".join(map(str, values.shape[-dims:])) if dims == 2 else \
            f"length {values.shape[-1]}"
        if values.ndim > dims and values.shape[0] > 1:
            return f"{head} {shape} × {values.shape[0]} channels (c=0 left)"
        return f"{head} {shape}"

    def grid_title(self, name: str) -> str:
        """The layer's input, its channels named."""
        return self._named("Input", self.plan.x)

    def target_title(self, final: bool) -> str:
        """The layer's output, its channels named."""
        return self._named("Output", self.plan.y)


def _layer_word(n: int, count: int) -> str:
    return f"Layer {n + 1} of {count}"


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
    try:
        fields: tuple[Any, ...] | None = receptive_fields(chain)
    except SpecError:
        fields = None
    for n, spec in enumerate(chain.layers):
        try:
            x_n, w_n = make_values(spec, values, None, seed=seed + n)
        except SpecError:
            if n == 0:
                raise
            top = float(np.max(np.abs(values)))
            raise ChainError(n, f"its input, the output of layers[{n - 1}], reaches {top:.3g}: "
                             f"the values grow layer by layer past {MAX_VALUE:g}, beyond which "
                             "sums of products are no longer exact; use fewer layers or "
                             "smaller input values",
                             "layers") from None
        layer_plan = plan(spec, x_n, w_n)
        frames = layer_plan.frames
        if not slides:
            slide = [f for f in frames if f.phase == "slide"]
            if slide:
                # The window nearest the middle that reads the most non-zero values (the
                # middle window of a strided transposed layer may sit on inserted zeros).
                centre = len(slide) // 2
                middle = max(slide, key=lambda f: (int(np.count_nonzero(f.products)),
                                                   -abs(f.step - 1 - centre)))
                middle = replace(middle, step=0, caption=middle.caption
                                 + f" (position {middle.step} of {len(slide)})")
                frames = (middle, frames[-1])
            else:
                frames = frames[-1:]
        sentence = field_sentence(fields, n)
        if sentence:  # the layer's finished output: what one of its cells sees
            frames = (*frames[:-1], replace(frames[-1], caption=f"{frames[-1].caption}; "
                                            f"{sentence}"))
        plans.append(replace(layer_plan, frames=frames))
        values = compute(spec, x_n, w_n)
    return plans


def _slices(values: np.ndarray, dims: int) -> np.ndarray:
    """A whole array as (channels, rows, cols), a 1-D layer's slices one row tall."""
    if values.ndim == dims:
        values = values[None]
    return values[:, None, :] if dims == 1 else values


def _display(values: np.ndarray, dims: int) -> Grid:
    """The slices of a whole array side by side, one blank column between two (GAP)."""
    stack = _slices(values, dims).astype(float)
    channels, rows, cols = stack.shape
    width = channels * (cols + 1) - 1
    shown = np.zeros((rows, width))
    kinds = np.full((rows, width), GAP, np.int8)
    source = np.full((rows, width, 2), -1, np.int64)
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    for n in range(channels):
        at = slice(n * (cols + 1), n * (cols + 1) + cols)
        shown[:, at], kinds[:, at] = stack[n], INPUT
        source[:, at] = np.stack([r, c], axis=-1)
    return Grid(shown, kinds, source, np.ones((rows, width), bool), (0, 0))


def _lit(grid: Grid) -> np.ndarray:
    return np.argwhere((grid.values > 0) & (grid.kinds != GAP))


def trace_plans(chain: Chain, cell: Sequence[int] | None = None) -> list[Plan]:
    """One one-frame plan per layer, from the last back to the first: the cells of the
    layer's input that reach the traced output cell, with their path counts as values;
    then :func:`whole_plan`, every output cell's paths from the whole input. Channels are
    drawn as slices side by side.

    >>> chain = Chain.build(5, [{"kernel_size": 3}] * 2)
    >>> [p.frames[0].window.shape[0] for p in trace_plans(chain)]
    [9, 25, 0]
    """
    cell = trace_cell(chain, cell)
    counts = path_counts(chain, cell)
    try:
        fields = receptive_fields(chain)
    except SpecError:
        fields = None
    where = ",".join(map(str, cell))
    plans = []
    count = len(chain.layers)
    for n in reversed(range(count)):
        spec = chain.layers[n]
        below, above = _display(counts[n], spec.dims), _display(counts[n + 1], spec.dims)
        window, cells = _lit(below), _lit(above)
        grid_name = "the chain's input" if n == 0 else f"layer {n}'s output"
        if len(window):
            caption = (f"traced back: {len(window)} cells of {grid_name} reach output cell "
                       f"({where})")
        else:
            caption = (f"traced back: no cell of {grid_name} reaches output cell ({where}); "
                       "it is always 0" + (", plus the bias" if getattr(spec, "bias", False)
                                            else ""))
        if n == 0 and len(window):
            caption = _field_caption(fields, cell, counts[0], where, spec.dims)
        frame = Frame("slide", "input", caption, step=0, window=window,
                      taps=np.zeros((len(window), 2), np.int64), cells=cells,
                      products=below.values[tuple(window.T)] if len(window) else np.zeros(0),
                      value=float(counts[n].sum()),
                      sums=above.values[tuple(cells.T)])
        plans.append(Plan(spec, counts[n].astype(float), np.ones(spec.k),
                          counts[n + 1].astype(float), {"input": below}, "input",
                          replace(above, kinds=np.where(above.kinds == GAP, GAP, INPUT)
                                  .astype(np.int8)),
                          (0, 0), (frame,), (), TRACE_PICTURE))
    plans.append(whole_plan(chain))
    return plans


def whole_plan(chain: Chain) -> Plan:
    """The trace's last frame: every cell of the chain's input (one path each) and, in every
    output cell, the number of paths reaching it from the whole input (:func:`output_paths`);
    the caption says whether the counts are even away from the border or uneven (the
    checkerboard of stacked strided transposed convolutions).

    >>> twice = [{"mode": "transposed", "kernel_size": 3, "stride": 2}] * 2
    >>> whole_plan(Chain.build(3, twice)).frames[0].caption.endswith("a checkerboard")
    True
    """
    spec = chain.layers[-1]
    first = chain.layers[0]
    ones = np.ones(first.op.input_shape(first), np.int64)
    totals = output_paths(chain)
    below, above = _display(ones, spec.dims), _display(totals, spec.dims)
    inner = _slices(totals, spec.dims)[:, 1:-1, 1:-1] if spec.dims == 2 else \
        _slices(totals, spec.dims)[:, :, 1:-1]
    found = sorted({int(v) for v in inner.ravel().tolist()})
    if inner.size > 1 and len(found) > 1:
        verdict = (f"uneven, {', '.join(map(str, found[:-1]))} or {found[-1]} paths side by "
                   "side: a checkerboard")
    elif inner.size > 1:
        verdict = f"even: {found[0]} path{'s' if found[0] > 1 else ''} to every cell away from " \
            "the border"
    else:  # one cell or none away from the border: nothing to call even or uneven
        every = sorted({int(v) for v in totals.ravel().tolist()})
        verdict = (f"{every[0]} to {every[-1]} paths" if len(every) > 1
                   else f"{every[0]} path{'s' if every[0] != 1 else ''} each")
    caption = f"paths from the whole input to every output cell: {verdict}"
    frame = Frame("output", "input", caption, value=float(totals.sum()))
    return Plan(spec, ones.astype(float), np.ones(spec.k), totals.astype(float),
                {"input": below}, "input", above, (0, 0), (frame,), (), TRACE_PICTURE)


def _field_caption(fields: Any, cell: tuple[int, ...], reached: np.ndarray, where: str,
                   dims: int) -> str:
    spatial = _slices(reached, dims).sum(axis=0)
    hit = np.argwhere(spatial > 0)[:, (1 if dims == 1 else 0):]
    most = int(reached.max())
    lo, hi = hit.min(axis=0), hit.max(axis=0)
    sees = "×".join(str(int(b - a + 1)) for a, b in zip(lo, hi))
    text = (f"output cell ({where}) sees {sees} input cells, reached by up to {most} "
            f"path{'s' if most > 1 else ''}")
    if fields is None:
        return text + " (the layers move by fractions of a cell: no whole-cell step)"
    last = fields[-1]
    return f"{text}; one step along the output moves {_cells(last.jump)}"


def _cells(sizes: Sequence[int]) -> str:
    """``(2, 2)`` -> ``2 input cells``, ``(5, 3)`` -> ``5×3 input cells``, ``(1,)`` -> ``1
    input cell``."""
    if len(set(sizes)) == 1:
        return f"{sizes[0]} input cell{'s' if sizes[0] != 1 else ''}"
    return "×".join(map(str, sizes)) + " input cells"


def field_sentence(fields: Sequence[Any] | None, n: int) -> str:
    """Layer ``n``'s receptive field in plain words, or "" when the chain has none.

    >>> fields = receptive_fields(Chain.build(7, [{"kernel_size": 3}] * 2))
    >>> field_sentence(fields, 1)
    'each output cell sees 5×5 input cells of the chain; one step moves 1 input cell'
    """
    if fields is None:
        return ""
    field = fields[n]
    size = ("×".join(map(str, field.receptive_field)) if len(field.receptive_field) > 1
            else str(field.receptive_field[0]))
    return (f"each output cell sees {size} input cells of the chain; one step moves "
            f"{_cells(field.jump)}")


def _titles(chain: Chain, view: str, options: RenderOptions) -> list[str | None]:
    count = len(chain.layers)
    order = range(count - 1, -1, -1) if view == "trace" else range(count)
    titles = [options.title if options.title is not None else
              f"{_layer_word(n, count)}: {chain.layers[n].label}" for n in order]
    if view == "trace":
        titles.append(options.title if options.title is not None else
                      f"All {count} layer{'s' if count > 1 else ''}: "
                      + chain.sizes.replace("x", "×").replace(" -> ", " → "))
    return titles


def chain_parts(chain: Chain, options: RenderOptions, *, view: str = "forward",
                cell: Sequence[int] | None = None, seed: int = 0, x: Any = None,
                slides: bool = False) -> tuple[list[Part], tuple[int, int]]:
    """The chain's parts (one per layer, in showing order) on one canvas, and its size.

    >>> parts, size = chain_parts(Chain.build(5, [{"kernel_size": 3}] * 2),
    ...                           RenderOptions(size="400x300"), view="trace")
    >>> size, len(parts)
    ((400, 300), 3)
    """
    plans = (trace_plans(chain, cell) if view == "trace"
             else forward_plans(chain, seed, x, slides))
    return sequence(plans, _titles(chain, view, options), options,
                    TraceScene if view == "trace" else Scene)


def chain_frames(chain: Chain, options: RenderOptions, *, view: str = "forward",
                 cell: Sequence[int] | None = None, seed: int = 0, x: Any = None,
                 slides: bool = False) -> Iterator[tuple[np.ndarray, int]]:
    """Every frame of a chain's animation with its duration in ms, one at a time (each
    frame is valid until the next is asked for; copy what you keep).

    >>> chain = Chain.build(5, [{"kernel_size": 3}] * 2)
    >>> sum(1 for _ in chain_frames(chain, RenderOptions(cell_px=16), view="trace"))
    3
    """
    parts, size = chain_parts(chain, options, view=view, cell=cell, seed=seed, x=x,
                              slides=slides)
    return stream(parts, size, options, "own" if slides else "hold")


def check_chain(chain: Chain, options: RenderOptions, path: str | PathLike[str] | None, *,
                view: str = "forward", slides: bool = False) -> None:
    """The budget of the whole figure from arithmetic alone, before any plan is made: the
    canvas (the largest layer, or the requested size) and every frame of every layer.

    >>> check_chain(Chain.build(5, [{"kernel_size": 3}] * 2), RenderOptions(), "a.gif")
    """
    from convanim.budget import EARLY_SLACK, check_frame, frame_size
    from convanim.geometry import frame_count
    from convanim.writers import format_for

    px = options.cell_px or (None if options.box or options.width else DEFAULT_PX)
    sizes = [frame_size(spec, cell_px=px, width=options.width, dpi=options.dpi,
                        values=options.values, layout=options.layout)
             for spec in chain.layers]
    width, height = max(w for w, _ in sizes), max(h for _, h in sizes)
    box = options.box
    if box is not None:
        width, height = box[0] or width, box[1] or height
    if slides and view != "trace":
        counts = [frame_count(spec) for spec in chain.layers]
        frames = sum(counts)
        # Slides show for frame_ms; the input, padding and output frames (about 3) hold.
        ms = sum(max(n - 3, 0) * options.frame_ms + min(n, 3) * options.hold_ms
                 for n in counts)
    else:
        frames = len(chain.layers) + 1 if view == "trace" else 2 * len(chain.layers)
        ms = frames * options.hold_ms
    fmt = format_for(path) if path is not None else "gif"
    check_frame(width, height, frames, fmt, ms, EARLY_SLACK)
    from convanim.geometry.ops.volume import check_stack_style

    for spec in chain.layers:
        check_stack_style(spec, options.style)


def render_chain(chain: Chain, path: str | PathLike[str], options: RenderOptions,
                 player: str | PathLike[str] | None = None, **kwargs: Any) -> Path:
    """Write a chain's animation to ``path`` (any animation format, atomically); ``player``
    also writes the HTML player from the same frames (its frames and captions; no hover).
    The whole figure's budget is checked first (estimate, then the real canvas); frames are
    streamed to the writers.

    >>> import tempfile, os
    >>> chain = Chain.build(5, [{"kernel_size": 3}] * 2)
    >>> render_chain(chain, os.path.join(tempfile.mkdtemp(), "c.gif"), RenderOptions()).suffix
    '.gif'
    """
    from convanim.budget import check_frame
    from convanim.writers import format_for

    view, slides = kwargs.get("view", "forward"), kwargs.get("slides", False)
    check_chain(chain, options, path, view=view, slides=slides)
    parts, size = chain_parts(chain, options, **kwargs)
    durations = [ms for part in parts for ms in
                 (part.renderer.durations() if slides else
                  [options.hold_ms] * len(part.renderer.selected))]
    check_frame(*size, len(durations), format_for(path), sum(durations))
    looks = [name for part in parts for name in part.renderer.scene.looks]
    return write_animation(stream(parts, size, options, "own" if slides else "hold"), path,
                           options, also=() if player is None else (player,), looks=looks,
                           metadata=chain_metadata(chain, parts, options, view))


def chain_metadata(chain: Chain, parts: Sequence[Part], options: RenderOptions,
                   view: str = "forward") -> dict[str, Any]:
    """The player's and deck's texts for a chain: its title, alt sentence and every written
    frame's caption, each layer's title before its own caption (the frames draw both).

    >>> chain = Chain.build(5, [{"kernel_size": 3}] * 2)
    >>> parts, _ = chain_parts(chain, RenderOptions(), view="trace")
    >>> meta = chain_metadata(chain, parts, RenderOptions(), "trace")
    >>> len(meta["captions"]), meta["captions"][0].startswith("Layer 2 of 2")
    (3, True)
    """
    from convanim.draw.player import figure_metadata

    captions = []
    for part in parts:
        renderer = part.renderer
        head = renderer.layout.title
        for index in renderer.selected:
            caption = renderer.scene.caption_of(renderer.plan.frames[index])
            captions.append(f"{head}: {caption}" if head else caption)
    return figure_metadata(options.title or f"chain: {chain.sizes}", chain.alt_text(view),
                           captions, options.theme, options.hidpi)
