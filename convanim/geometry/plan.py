"""The plan: every frame of an animation as plain data, computed once and drawn by the renderer.

Each mode's op (``convanim.geometry.ops``) builds its plan from the grids, frames and helpers
here; the renderer reads frames and the plan's :class:`Picture`, never the mode. Phases of
the sliding-window modes, in order: ``input``; for a transposed convolution in the gather
view ``insert_zeros`` and ``pad``; for a padded convolution or pooling ``pad``; then one
``slide`` frame per kernel position (row-major over the output, or over the input for the
scatter view, which ends with ``crop`` when the padding trims the border); and ``output``.

Coordinates on grids are (row, col) even for 1-D specs (height 1). ``Frame.links`` are
``(out_index, in_index, tap_index)`` triples in the caller's own coordinates: 1-tuples for 1-D
specs, (row, col) for 2-D.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from convanim.geometry.arithmetic import AxisArithmetic
from convanim.geometry.compute import (
    NP_PAD_MODES,
    Axes2,
    compute,
    make_bias,
    make_values,
    require_spec,
    transposed_canvas_shape,
)
from convanim.geometry.limits import check_plan
from convanim.geometry.spec import Spec, per_axis_text

INPUT, PAD, ZERO, CROP, GAP = 0, 1, 2, 3, 4
"""Cell kinds: a real input (or output) cell, padding, an inserted zero, a cropped cell, and
the empty column between two slices of a channel stack (drawn blank)."""

Link = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]
EMPTY = np.zeros((0, 2), dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Grid:
    """One grid as drawn: values, the kind of each cell, and where each cell's value comes from.

    ``source[r, c]`` is the (row, col) of the input cell whose value the cell holds, or (-1, -1)
    for zero padding and inserted zeros. ``reached`` is False for the cells at the far edge that
    no stride ever reaches. ``origin`` is where the input's cell (0, 0) sits on this grid.
    """

    values: np.ndarray
    kinds: np.ndarray
    source: np.ndarray
    reached: np.ndarray
    origin: tuple[int, int]

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return self.kinds.shape  # type: ignore[return-value]


@dataclass(frozen=True, eq=False)
class Frame:
    """One frame of the animation.

    For ``slide`` frames of conv, pooling and the gather view, ``window[j]`` is the grid cell
    under kernel tap ``taps[j]`` (original kernel coordinates) and ``cells`` the one output cell
    written. For the scatter view, ``window`` is the one input cell and ``cells[j]`` the target
    cell that tap ``taps[j]`` adds into. ``products[j]`` is tap j's contribution (for pooling,
    the value it sees), ``value`` what is written (the sum, max or mean; the input value for
    scatter), and ``sums``/``counts`` the target cells' running values and tap counts afterwards.
    """

    phase: str
    grid: str
    caption: str
    step: int = 0
    window: np.ndarray = field(default_factory=lambda: EMPTY)
    taps: np.ndarray = field(default_factory=lambda: EMPTY)
    cells: np.ndarray = field(default_factory=lambda: EMPTY)
    products: np.ndarray = field(default_factory=lambda: np.zeros(0))
    value: float | None = None
    sums: np.ndarray = field(default_factory=lambda: np.zeros(0))
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    chosen: int | None = None
    links: tuple[Link, ...] = ()
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Per-window-cell weights of an interpolation (bilinear): drawn as ``x*w`` under the
    cells and in the formula, in place of kernel taps; empty for every other frame."""
    formula: tuple[str, str, str] | None = None
    """This frame's formula head, separator and tail, overriding the picture's (a second
    stage of a two-stage animation, such as max-unpooling's placing of the maxima)."""
    fills: np.ndarray = field(default_factory=lambda: EMPTY)
    """Cells of this frame's grid that the frame writes (max-unpooling's pooled map and
    indices forming beside the input): drawn as not yet written until then, written after."""


@dataclass(frozen=True)
class Picture:
    """What the generic renderer needs to know about a plan beyond its frames.

    ``weighted``: the kernel's values take part (a kernel panel, ``x*w`` under window cells).
    ``scatter``: slide frames add products into many target cells (overlap counts).
    ``window``: the legend label of the highlighted cells. ``formula``: the head, separator
    and tail of the formula a gather frame shows (``max(``, ``, ``, ``)``); for a weighted
    picture the terms are ``x*w`` products.

    >>> Picture().formula
    ('', ' + ', '')
    """

    weighted: bool = True
    scatter: bool = False
    window: str = "kernel window"
    formula: tuple[str, str, str] = ("", " + ", "")


@dataclass(frozen=True, eq=False)
class Slices:
    """A volume's depth slices laid side by side on the 2-D panels (``dims=3``).

    Keyed by a grid's name, ``"target"`` and ``"kernel"``: ``shapes`` the volume's (depth,
    rows, cols), ``block`` the columns from one slice's first column to the next one's, and
    ``labels`` the words under each slice (``d=0``, ``pad``, ``zeros``).

    >>> Slices({"target": (2, 3, 3)}, {"target": 4}, {"target": ("d=0", "d=1")}).count("target")
    2
    """

    shapes: dict[str, tuple[int, ...]]
    block: dict[str, int]
    labels: dict[str, tuple[str, ...]]
    kernel_note: str = ""
    """How the window reads the kernel when not as drawn (``read rotated 180°``)."""
    channels: dict[str, tuple[int, int]] = field(default_factory=dict)
    """A channel stack of volumes: per panel content, (channels, columns from one channel's
    first slice to the next one's); ``labels`` then list every channel's slices in turn."""

    def count(self, name: str) -> int:
        """How many slices the panel content ``name`` has."""
        return len(self.labels[name])

    def column(self, name: str, n: int) -> int:
        """The first column of slice ``n`` of ``name`` (channel by channel in a stack).

        >>> Slices({"t": (2, 3, 3)}, {"t": 4}, {"t": ("a",) * 4}, channels={"t": (2, 9)}
        ...        ).column("t", 3)
        13
        """
        depth = self.shapes[name][0]
        step = self.channels.get(name, (1, 0))[1]
        return n // depth * step + n % depth * self.block[name]


@dataclass(frozen=True, eq=False)
class Plan:
    """Everything the renderer needs: the spec, the numbers, the grids, the frames.

    ``grids`` maps a name (``input``, ``zeros``, ``padded``) to a :class:`Grid`; ``slide_grid``
    names the one the kernel moves over. ``target`` is the grid written: the output, or for the
    scatter view the uncropped canvas, whose cell (r, c) is output cell (r, c) - ``target_offset``.
    """

    spec: Spec
    x: np.ndarray
    w: np.ndarray
    y: np.ndarray
    grids: dict[str, Grid]
    slide_grid: str
    target: Grid
    target_offset: tuple[int, int]
    frames: tuple[Frame, ...]
    arithmetic: tuple[AxisArithmetic, ...]
    picture: Picture = Picture()
    b: np.ndarray | None = None
    """The bias per output channel, when the spec has one."""
    kernel: np.ndarray | None = None
    """The kernel panel as drawn when it is not ``w`` itself (a channel stack's filters side
    by side, NaN between slices); frames' ``taps`` index it."""
    stack: tuple[int, ...] | None = None
    """For a channel stack: (C_in, C_out, groups, input block width, output block width)."""
    words: dict[str, str] | None = None
    """Panel titles and legend labels the plan states itself (the backward view's two
    parts): ``grid:<grid name>``, ``target``, ``kernel``, ``legend:<look>``."""
    hover: dict[str, Any] | None = None
    """The player's hover map when the plan keys its cells itself: ``key_dims``,
    ``outputs``/``taps`` (key, then the panel cell), ``inputs`` per grid (key, then the
    cell on that grid) and the flat ``links``."""
    bias_cells: tuple[tuple[int, int], ...] = ()
    """Where the kernel panel draws each output channel's bias (a stack with a bias), in
    output channel order; empty without a bias."""
    filters: np.ndarray | None = None
    """For a stack's filter panel: per cell, the output channel whose filter (or bias) it
    draws, -1 in the gaps; the renderer tints, lights and labels filters by it."""
    labels: tuple[tuple[str, int, int, int, str], ...] = ()
    """Words under the maps side by side in one panel (besides a stack's ``c=0..``):
    ``(panel, rows, first column, columns, text)``, the text under that block's last row."""
    titles: tuple[tuple[str, str], ...] = ()
    """Panel titles the op words itself (``("grid_title", "Max pooling 4×4 → 2×2")``), for a
    panel whose grid holds several maps."""
    slices: Slices | None = None
    """For a volume (``dims=3``): its depth slices side by side on each panel."""

    def __len__(self) -> int:
        return len(self.frames)


# -- grids ----------------------------------------------------------------------------------


def _grid(ax_src: list[np.ndarray], ax_kind: list[np.ndarray], x2: np.ndarray,
          pad_value: float, reach: tuple[int, int], origin: tuple[int, int]) -> Grid:
    """Combine two per-axis maps (source index or -1, kind) into a 2-D grid."""
    rows, cols = ax_src
    kind_r, kind_c = ax_kind
    kinds = np.maximum.outer(kind_r, kind_c).astype(np.int8)  # PAD(1) < ZERO(2): fix below
    pad_any = (kind_r[:, None] == PAD) | (kind_c[None, :] == PAD)
    kinds[pad_any] = PAD
    source = np.stack(np.broadcast_arrays(rows[:, None], cols[None, :]), axis=-1).copy()
    missing = (source < 0).any(axis=-1)
    source[missing] = -1
    values = np.where(missing, 0.0, x2[np.maximum(source[..., 0], 0),
                                        np.maximum(source[..., 1], 0)])
    values[missing & (kinds == PAD)] = pad_value
    reached = np.zeros(kinds.shape, dtype=bool)
    reached[: reach[0], : reach[1]] = True
    return Grid(values, kinds, source, reached, origin)


def input_grid(x2: np.ndarray) -> Grid:
    """The input as it is: every cell its own source, all of kind ``INPUT``.

    >>> input_grid(np.arange(6.0).reshape(2, 3)).shape
    (2, 3)
    """
    maps = [np.arange(n) for n in x2.shape]
    kinds = [np.zeros(n, dtype=np.int8) for n in x2.shape]
    return _grid(maps, kinds, x2, 0.0, x2.shape, (0, 0))


def padded_axis(n: int, before: int, after: int, padding_mode: str
                ) -> tuple[np.ndarray, np.ndarray]:
    """One axis of ``n`` input cells inside its padding: each cell's source index (-1 for a
    zero; the copied cell for reflect, replicate, circular) and its kind.

    >>> [a.tolist() for a in padded_axis(3, 1, 1, "zeros")]
    [[-1, 0, 1, 2, -1], [1, 0, 0, 0, 1]]
    >>> padded_axis(3, 1, 1, "reflect")[0].tolist()
    [1, 0, 1, 2, 1]
    """
    if padding_mode == "zeros":
        src = np.concatenate([np.full(before, -1), np.arange(n), np.full(after, -1)])
    else:
        src = np.pad(np.arange(n), (before, after), mode=NP_PAD_MODES[padding_mode])
    kind = np.full(n + before + after, PAD, dtype=np.int8)
    kind[before: before + n] = INPUT
    return src, kind


def hover_cells(grid: Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells of ``grid`` a reader can hover, as rows, columns and their sources: input
    cells, and padding that copies one (reflect, replicate, circular), which stands for it.

    >>> from convanim.geometry.compute import axes2
    >>> spec = Spec(i=2, k=2, p=1)
    >>> rows, cols, src = hover_cells(padded_grid(spec, axes2(spec), np.ones((2, 2))))
    >>> rows.tolist(), src.tolist()
    ([1, 1, 2, 2], [[0, 0], [0, 1], [1, 0], [1, 1]])
    """
    rows, cols = np.nonzero((grid.kinds == INPUT) | (grid.kinds == PAD))
    src = grid.source[rows, cols]
    keep = (src >= 0).all(axis=1)
    return rows[keep], cols[keep], src[keep]


def padded_grid(spec: Spec, ax: Axes2, x2: np.ndarray) -> Grid:
    """The input inside its padding (zeros, or cells copied by the padding mode).

    >>> from convanim.geometry.compute import axes2
    >>> spec = Spec(i=3, k=2, p=1)
    >>> padded_grid(spec, axes2(spec), np.ones((3, 3))).kinds[:2].tolist()  # 1 is PAD
    [[1, 1, 1, 1, 1], [1, 0, 0, 0, 1]]
    """
    maps, kinds, reach = [], [], []
    for axis in range(2):
        src, kind = padded_axis(ax.i[axis], *ax.p[axis], spec.padding_mode)
        maps.append(src)
        kinds.append(kind)
        reach.append((ax.o[axis] - 1) * ax.s[axis] + ax.span[axis])
    pad_value = spec.op.pad_value(spec)
    return _grid(maps, kinds, x2, pad_value, (reach[0], reach[1]), (ax.p[0][0], ax.p[1][0]))


def zeros_grid(ax: Axes2, x2: np.ndarray, pads: list[tuple[int, int]]) -> Grid:
    """The input with s-1 zeros between cells, then padded (negative padding crops).

    >>> from convanim.geometry.compute import axes2
    >>> ax = axes2(Spec(i=2, k=3, s=2, p=1, mode="transposed"))
    >>> zeros_grid(ax, np.ones((2, 2)), [(1, 1), (1, 1)]).kinds[1].tolist()  # 2 is ZERO
    [1, 0, 2, 0, 1]
    """
    maps, kinds = [], []
    for axis in range(2):
        before, after = pads[axis]
        s, n = ax.s[axis], ax.i[axis]
        inner = (n - 1) * s + 1
        z = np.arange(-before, inner + after)
        inside = (z >= 0) & (z < inner)
        src = np.where(inside & (z % s == 0), z // s, -1)
        kind = np.where(inside, np.where(z % s == 0, INPUT, ZERO), PAD).astype(np.int8)
        maps.append(src)
        kinds.append(kind)
    shape = (len(maps[0]), len(maps[1]))
    return _grid(maps, kinds, x2, 0.0, shape, (pads[0][0], pads[1][0]))


def output_grid(y2: np.ndarray) -> Grid:
    """The output: every cell its own source, all of kind ``INPUT``.

    >>> output_grid(np.zeros((2, 3))).source[1, 2].tolist()
    [1, 2]
    """
    rows, cols = y2.shape
    source = np.stack(np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij"), axis=-1)
    return Grid(y2, np.zeros(y2.shape, dtype=np.int8), source, np.ones(y2.shape, bool), (0, 0))


def canvas_grid(ax: Axes2) -> Grid:
    """The scatter view's canvas: the uncropped result, its border marked ``CROP``.

    >>> from convanim.geometry.compute import axes2
    >>> canvas_grid(axes2(Spec(i=2, k=3, s=2, p=1, mode="transposed"))).shape
    (5, 5)
    """
    rows, cols = transposed_canvas_shape(ax)
    (top, _), (left, _) = ax.p
    kinds = np.full((rows, cols), CROP, dtype=np.int8)
    kinds[top: top + ax.o[0], left: left + ax.o[1]] = INPUT
    source = np.stack(np.meshgrid(np.arange(rows) - top, np.arange(cols) - left,
                                  indexing="ij"), axis=-1)
    source[kinds == CROP] = -1
    return Grid(np.zeros((rows, cols)), kinds, source, np.ones((rows, cols), bool), (top, left))


# -- captions -------------------------------------------------------------------------------


def size_words(shape: tuple[int, ...]) -> str:
    """A grid's size in a caption.

    >>> size_words((5, 4)), size_words((7,))
    ('5×4', 'length 7')
    """
    return "×".join(map(str, shape)) if len(shape) == 2 else f"length {shape[0]}"


def sides_text(spec: Spec, pads: tuple[tuple[int, int], ...], verb: str, rule: str) -> str:
    """How much each side is padded (or cropped, when negative), for a caption.

    >>> sides_text(Spec(i=3, k=2), ((1, 1), (1, 1)), "pad", "p")
    'pad each side with p = 1'
    >>> sides_text(Spec(i=3, k=2), ((1, 0), (0, 1)), "pad", "p")
    'pad top/left (1, 0), bottom/right (0, 1) (p)'
    """
    befores = tuple(b for b, _ in pads)
    afters = tuple(a for _, a in pads)
    if befores == afters:
        amount = per_axis_text(befores)
        if min(befores) < 0 and max(befores) <= 0:
            return f"crop each side by {rule} = {amount[1:] if amount[0] == '-' else amount}"
        return f"{verb} each side with {rule} = {amount}"
    first, last = ("left", "right") if spec.dims == 1 else ("top/left", "bottom/right")
    return f"{verb} {first} {per_axis_text(befores)}, {last} {per_axis_text(afters)} ({rule})"


def shared_captions(spec: Spec, arith: tuple[AxisArithmetic, ...]) -> dict[str, str]:
    """The captions every mode shares: the input and the output with its size formula.

    >>> spec = Spec(i=3, k=2, p=1)
    >>> shared_captions(spec, (spec.op.axis_arithmetic(spec, 0),) * 2)["output"]
    'the 4×4 output: o = 3 + 2*1 - 2 + 1 = 4'
    """
    out = "; ".join(a.text for a in (arith if spec.dims == 2 and arith[0].text != arith[1].text
                                     else arith[:1]))
    return {
        "input": f"the {size_words(spec.i)} input",
        "output": f"the {size_words(spec.output_shape)} output: {out}",
    }


# -- frames ---------------------------------------------------------------------------------


def user_index(spec: Spec, index: tuple[int, int]) -> tuple[int, ...]:
    """A (row, col) grid index in the caller's coordinates: ``(col,)`` for a 1-D spec.

    >>> user_index(Spec(i=5, k=3, dims=1), (0, 3)), user_index(Spec(i=5, k=3), (1, 2))
    ((3,), (1, 2))
    """
    return (int(index[1]),) if spec.dims == 1 else (int(index[0]), int(index[1]))


def tap_grid(ax: Axes2) -> np.ndarray:
    """Every kernel tap as a (row, col) pair, row-major.

    >>> from convanim.geometry.compute import axes2
    >>> tap_grid(axes2(Spec(i=3, k=2))).tolist()
    [[0, 0], [0, 1], [1, 0], [1, 1]]
    """
    a, b = np.meshgrid(np.arange(ax.k[0]), np.arange(ax.k[1]), indexing="ij")
    return np.stack([a.ravel(), b.ravel()], axis=1)


Reduce = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, float, "int | None"]]
"""What a gather frame makes of the values under its window and the kernel's weights:
``(products, value written, index of the chosen tap or None)``."""


def slide_frames(spec: Spec, ax: Axes2, grid: Grid, w2: np.ndarray, caption: str,
                 grid_name: str, offsets: np.ndarray, stride: np.ndarray,
                 reduce: Reduce) -> list[Frame]:
    """Gather frames: one per output cell, row-major, the window at ``offsets + stride*cell``.

    >>> from convanim.geometry.compute import axes2
    >>> spec = Spec(i=3, k=2, p=1)
    >>> ax = axes2(spec)
    >>> grid = padded_grid(spec, ax, np.ones((3, 3)))
    >>> def add(v, w): return v * w, float((v * w).sum()), None
    >>> frames = slide_frames(spec, ax, grid, np.ones((2, 2)), "", "padded", tap_grid(ax),
    ...                       np.array([1, 1]), add)
    >>> len(frames), frames[0].value, frames[0].links  # one real input cell under the corner
    (16, 1.0, (((0, 0), (0, 0), (1, 1)),))
    """
    taps = tap_grid(ax)
    weights = w2[taps[:, 0], taps[:, 1]]
    user_taps = [user_index(spec, t) for t in taps]
    frames = []
    for step, (r, c) in enumerate(np.ndindex(*ax.o), start=1):
        window = offsets + stride * (r, c)
        seen = grid.values[window[:, 0], window[:, 1]]
        src = grid.source[window[:, 0], window[:, 1]]
        out = user_index(spec, (r, c))
        links = tuple((out, user_index(spec, s), t) for s, t, ok
                      in zip(src, user_taps, src[:, 0] >= 0) if ok)
        products, value, chosen = reduce(seen, weights)
        frames.append(Frame("slide", grid_name, caption, step, window, taps, np.array([[r, c]]),
                            products, value, np.array([value]),
                            np.array([len(links)]), chosen, links))
    return frames


def scatter_frames(spec: Spec, ax: Axes2, x2: np.ndarray, w2: np.ndarray, target: Grid,
                   caption: str, grid_name: str) -> list[Frame]:
    """Scatter frames: one per input cell, each adding input * kernel into the canvas.

    >>> from convanim.geometry.compute import axes2
    >>> spec = Spec(i=2, k=3, s=2, p=1, mode="transposed")
    >>> ax = axes2(spec)
    >>> frames = scatter_frames(spec, ax, np.ones((2, 2)), np.ones((3, 3)), canvas_grid(ax),
    ...                         "", "canvas")
    >>> len(frames), frames[0].links[0]  # the first input cell reaches output (0, 0) by tap (1, 1)
    (4, ((0, 0), (0, 0), (1, 1)))
    """
    taps = tap_grid(ax)
    offsets = taps * np.array(ax.d)
    weights = w2[taps[:, 0], taps[:, 1]]
    user_taps = [user_index(spec, t) for t in taps]
    canvas = np.zeros(target.shape)
    counts = np.zeros(target.shape, dtype=np.int64)
    frames = []
    for step, (r, c) in enumerate(np.ndindex(*ax.i), start=1):
        cells = offsets + np.array(ax.s) * (r, c)
        products = x2[r, c] * weights
        canvas[cells[:, 0], cells[:, 1]] += products
        counts[cells[:, 0], cells[:, 1]] += 1
        inside = target.kinds[cells[:, 0], cells[:, 1]] != CROP
        out_cells = target.source[cells[:, 0], cells[:, 1]]
        src = user_index(spec, (r, c))
        links = tuple((user_index(spec, o), src, t) for o, t, ok
                      in zip(out_cells, user_taps, inside) if ok)
        frames.append(Frame("slide", grid_name, caption, step, np.array([[r, c]]), taps, cells,
                            products, float(x2[r, c]), canvas[cells[:, 0], cells[:, 1]].copy(),
                            counts[cells[:, 0], cells[:, 1]].copy(), None, links))
    return frames


def plan(spec: Spec, x: Any = None, w: Any = None, *, seed: int = 0) -> Plan:
    """Plan every frame of the animation for ``spec`` (its op decides the frames).

    ``x`` and ``w`` are nested lists (or arrays) of input and kernel values; missing ones are
    drawn as small integers from ``seed``.

    >>> p = plan(Spec(i=3, k=3, s=2, p=1, mode="transposed"))
    >>> [f.phase for f in p.frames][:4], len(p.frames)
    (['input', 'insert_zeros', 'pad', 'slide'], 29)
    """
    require_spec(spec, "plan")
    check_plan(spec)
    x, w = make_values(spec, x, w, seed)
    b = make_bias(spec, seed)
    y = compute(spec, x, w, b)
    if b is None:
        return spec.op.plan(spec, x, w, y)
    return spec.op.plan(spec, x, w, y, b)


def frame_count(spec: Spec) -> int:
    """How many frames :func:`plan` makes, found without planning (for resource limits).

    >>> frame_count(Spec(i=3, k=3, s=2, p=1, mode="transposed"))
    29
    """
    return spec.op.frame_count(spec)


def largest_grid(spec: Spec) -> int:
    """The most cells along one side of any grid the animation draws (for legibility limits).

    >>> largest_grid(Spec(i=3, k=3, s=2, p=1, mode="transposed"))  # the padded 7x7 grid
    7
    """
    return spec.op.largest_grid(spec)
