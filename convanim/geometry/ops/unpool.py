"""Max-unpooling (``nn.MaxPool2d(return_indices=True)`` then ``nn.MaxUnpool2d``).

``mode: maxunpool`` with the pooling's ``kernel_size`` and ``stride`` (default: the kernel):
max pooling picks each window's largest cell (the first in row-major order on ties, as
PyTorch does) and remembers where it is; unpooling puts each maximum back at that index of
a map of the input's size, zeros elsewhere. The animation runs both stages on one grid
holding the input, the pooled map and the indices side by side (PyTorch's two results): one
frame per window marks its winner and fills in its pooled value and flat index, then one
frame per pooled cell reads its value and index and places the value back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convanim.geometry.arithmetic import AxisArithmetic, sliding_arithmetic
from convanim.geometry.compute import axes2
from convanim.geometry.ops.base import Call
from convanim.geometry.ops.pooling import MaxPool
from convanim.geometry.ops.window import plain, value_text
from convanim.geometry.plan import (
    EMPTY,
    GAP,
    INPUT,
    Frame,
    Grid,
    Picture,
    Plan,
    output_grid,
    shared_captions,
    size_words,
    tap_grid,
)
from convanim.geometry.spec import Spec, SpecError, per_axis_text


def pooled_shape(spec: Spec) -> tuple[int, ...]:
    """The max pooling's output size: ``floor((i - k) / s) + 1`` per axis.

    >>> pooled_shape(Spec(i=(5, 4), k=2, mode="maxunpool"))
    (2, 2)
    """
    return tuple((i - k) // s + 1 for i, k, s in zip(spec.i, spec.k, spec.s))


def winners(spec: Spec, x: np.ndarray) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Per pooled cell (row-major, 2-D coordinates): ``(pooled cell, winning input cell)``;
    the first maximum of the window in row-major order wins, as in PyTorch.

    >>> winners(Spec(i=2, k=2, mode="maxunpool"), np.array([[1.0, 3.0], [3.0, 0.0]]))
    [((0, 0), (0, 1))]
    """
    ax = axes2(spec)
    x2 = x.reshape(ax.i)
    pooled = (ax.i[0] - ax.k[0]) // ax.s[0] + 1, (ax.i[1] - ax.k[1]) // ax.s[1] + 1
    taps = tap_grid(ax)
    found = []
    for r, c in np.ndindex(*pooled):
        window = taps + np.array(ax.s) * (r, c)
        best = int(np.argmax(x2[window[:, 0], window[:, 1]]))
        found.append(((r, c), (int(window[best, 0]), int(window[best, 1]))))
    return found


def number(value: float) -> str:
    """A value as a caption writes it: whole numbers without decimals.

    >>> number(8.0), number(2.5)
    ('8', '2.5')
    """
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def pooling_width(spec: Spec) -> int:
    """Columns of the pooling grid: input, a blank column, pooled map, a blank, indices.

    >>> pooling_width(Spec(i=(4, 6), k=2, mode="maxunpool"))
    14
    """
    pooled = pooled_shape(spec)[-1]
    return spec.i[-1] + 2 + 2 * pooled


def pooling_grid(spec: Spec, x2: np.ndarray,
                 found: list[tuple[tuple[int, int], tuple[int, int]]]
                 ) -> tuple[Grid, tuple[int, int]]:
    """The input, the pooled map and the flat indices (as PyTorch's ``return_indices``
    gives them: ``row * width + col`` in the input) side by side in one grid, a blank
    column between; and the first columns of the pooled map and of the indices.

    The pooled and index cells take their source from the input cell that won, so a link
    or hover from them leads back there.

    >>> spec = Spec(i=(2, 4), k=2, mode="maxunpool")
    >>> x2 = np.array([[1.0, 3, 0, 0], [2, 0, 0, 5]])
    >>> grid, cols = pooling_grid(spec, x2, winners(spec, x2))
    >>> grid.values[0].tolist(), cols
    ([1.0, 3.0, 0.0, 0.0, 0.0, 3.0, 5.0, 0.0, 1.0, 7.0], (5, 8))
    """
    rows, width = x2.shape
    last = found[-1][0]
    pooled_cols = last[1] + 1
    pool_col, index_col = width + 1, width + 2 + pooled_cols
    shape = (rows, index_col + pooled_cols)
    values = np.zeros(shape)
    kinds = np.full(shape, GAP, dtype=np.int8)
    source = np.full((*shape, 2), -1, dtype=np.int64)
    values[:, :width], kinds[:, :width] = x2, INPUT
    source[:, :width] = np.stack(np.indices(x2.shape), axis=-1)
    for (r, c), (wr, wc) in found:
        for col, value in ((pool_col + c, x2[wr, wc]), (index_col + c, wr * width + wc)):
            values[r, col], kinds[r, col], source[r, col] = value, INPUT, (wr, wc)
    reached = np.ones(shape, bool)
    ax = axes2(spec)
    reach = [(n - 1) * s + k for n, s, k in zip((last[0] + 1, pooled_cols), ax.s, ax.k)]
    reached[reach[0]:, :width] = False
    reached[:, reach[1]:width] = False
    return Grid(values, kinds, source, reached, (0, 0)), (pool_col, index_col)


class MaxUnpool(MaxPool):
    """``mode: maxunpool``: kernel and stride of the max pooling; the output is the input's
    size.

    >>> spec = Spec(i=(4, 6), k=2, mode="maxunpool")
    >>> spec.output_shape, spec.label
    ((4, 6), 'max unpool  i=(4, 6) k=2 s=2')
    """

    mode = "maxunpool"
    volumes = False  # its own plan and code are 1-D and 2-D
    title = "max unpool"
    noun = "Max-unpooling"
    takes = ("kernel_size", "stride")
    fields = MaxPool.fields[:-1]  # the pooling's channels, not its ceil_mode
    views = ("gather",)
    solvable = False
    picture = Picture(weighted=False, window="pooling window", formula=("max(", ", ", ")"))

    def sparse_output(self, spec: Spec) -> bool:
        """Each maximum goes back to its place, zeros elsewhere."""
        return True

    def example_maxima(self, spec: Spec, y: np.ndarray) -> np.ndarray | None:
        """The maxima put back (the zeros between them are no maxima)."""
        return y[y != 0]

    def validate(self, spec: Spec) -> None:
        """One channel only: the two-stage plan (winners, pooled map, placing) draws one map,
        so more channels are refused here, before any work, instead of failing in compute."""
        channels = getattr(spec, "in_channels", 1)
        if channels != 1:
            raise SpecError(f"in_channels={channels} does not fit mode 'maxunpool': it draws "
                            "one map; drop in_channels (each channel unpools on its own)",
                            "in_channels")
        super().validate(spec)

    def output_length(self, spec: Spec, axis: int) -> int:
        """The input's length: unpooling undoes the pooling's size."""
        return spec.i[axis]

    def axis_arithmetic(self, spec: Spec, axis: int) -> AxisArithmetic:
        """``o = i`` (the pooling gives ``floor((i - k) / s) + 1``, unpooling goes back)."""
        pool = sliding_arithmetic(spec, axis)
        i = spec.i[axis]
        return AxisArithmetic(axis, f"o = i (pooled: {pool.formula[4:]})", f"{i}", i, 0,
                              (0, 0), pool.unreached, i, i)

    def named_parameters(self, spec: Spec) -> list[tuple[str, Any]]:
        """``i``, ``k``, ``s`` (``1-D`` for a sequence)."""
        items: list[tuple[str, Any]] = [("i", spec.i), ("k", spec.k), ("s", spec.s)]
        if spec.dims == 1:
            items.append(("1-D", None))
        return items

    def to_dict(self, spec: Spec) -> dict[str, Any]:
        """Mode, dims, input size, kernel size and stride."""
        return {"mode": spec.mode, "dims": spec.dims, "input_size": plain(spec.i),
                "kernel_size": plain(spec.k), "stride": plain(spec.s)}

    def compute(self, spec: Spec, x: np.ndarray, w: np.ndarray | None,
                b: Any = None) -> np.ndarray:
        """Zeros, with each window's winning cell keeping its value."""
        x2 = x.reshape(axes2(spec).i)
        out = np.zeros_like(x2)
        for _, (r, c) in winners(spec, x):
            out[r, c] = x2[r, c]
        return out.reshape(x.shape)

    def plan(self, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray) -> Plan:
        """``input``, a ``slide`` per window (its winner chosen, the pooled value and its
        index filled in beside the input), ``pooled``, a ``slide`` per pooled cell putting
        its maximum back at its index, ``output``.

        One grid, ``pooling``, holds the input, the pooled map and the indices side by side
        (what ``max_pool2d(return_indices=True)`` returns), so both stages read it.
        """
        ax = axes2(spec)
        x2 = x.reshape(ax.i)
        arith = self.arithmetic(spec)
        captions = shared_captions(spec, arith)
        found = winners(spec, x)
        grid, (pool_col, index_col) = pooling_grid(spec, x2, found)
        taps = tap_grid(ax)
        width = ax.i[1]
        user = (lambda r, c: (c,)) if spec.dims == 1 else (lambda r, c: (r, c))
        where = (lambda r, c: f"{c}") if spec.dims == 1 else (lambda r, c: f"({r}, {c})")
        at = (lambda r, c: f"{c}") if spec.dims == 1 else (lambda r, c: f"{r}, {c}")
        flat = ((lambda r, c: f"{c}") if spec.dims == 1
                else (lambda r, c: f"{r}×{width} + {c} = {r * width + c}"))
        window_text = "×".join(map(str, spec.k))
        frames = [Frame("input", "pooling", captions["input"] + ", then max pooling with a "
                        f"{window_text} window, stride {per_axis_text(spec.s)}")]
        for step, (cell, win) in enumerate(found, start=1):
            window = taps + np.array(ax.s) * cell
            seen = x2[window[:, 0], window[:, 1]]
            chosen = int(np.argmax(seen))
            caption = (f"the window's max {number(seen[chosen])} sits at {where(*win)}: "
                       f"pooled[{at(*cell)}] = {number(seen[chosen])}, index {flat(*win)}")
            fills = np.array([[cell[0], pool_col + cell[1]], [cell[0], index_col + cell[1]]])
            frames.append(Frame("slide", "pooling", caption, step, window, taps, EMPTY, seen,
                                float(seen[chosen]), np.zeros(0),
                                np.zeros(0, dtype=np.int64), chosen, fills=fills))
        index_words = "its position" if spec.dims == 1 else f"row×{width} + col"
        frames.append(Frame(
            "pooled", "pooling",
            f"max_pool returns the {size_words(pooled_shape(spec))} pooled map and each max's "
            f"index in the input ({index_words})"))
        linked: set[tuple[int, int]] = set()
        for step, (cell, win) in enumerate(found, start=len(found) + 1):
            value = float(x2[win])
            links = () if win in linked else ((user(*win), user(*win), ()),)
            linked.add(win)
            read = np.array([[cell[0], pool_col + cell[1]], [cell[0], index_col + cell[1]]])
            tail = (f" → y[{at(*win)}]" if spec.dims == 1
                    else f" = {where(*win)} → y[{at(*win)}]")
            frames.append(Frame(
                "slide", "pooling", "max_unpool: each max goes back to its index, zeros "
                "elsewhere", step, read, np.zeros((2, 2), dtype=np.int64), np.array([win]),
                np.array([value]), value, np.array([value]), np.ones(1, dtype=np.int64), 0,
                links, formula=("unpool: ", " at index ", tail)))
        # "o = 4" would say nothing: the output is the input's size, the maxima back in place.
        frames.append(Frame("output", "pooling",
                            f"the {size_words(spec.i)} output, the input's size: each max "
                            "back where it was, zeros elsewhere"))
        rows, cols = pooled_shape(spec) if spec.dims == 2 else (1, *pooled_shape(spec))
        labels = (("grid", ax.i[0], 0, width, "input x"),
                  ("grid", rows, pool_col, cols, "pooled"),
                  ("grid", rows, index_col, cols, "indices"))
        title = (f"Max pooling {size_words(spec.i)} → {size_words(pooled_shape(spec))}"
                 if spec.dims == 2 else
                 f"Max pooling {spec.i[0]} → {pooled_shape(spec)[0]} cells")
        return Plan(spec, x, w, y, {"pooling": grid}, "pooling",
                    output_grid(y.reshape(ax.i)), (0, 0), tuple(frames), arith,
                    self.picture, labels=labels, titles=(("grid_title", title),))

    def arithmetic(self, spec: Spec) -> tuple[AxisArithmetic, ...]:
        """Every axis's arithmetic."""
        return tuple(self.axis_arithmetic(spec, axis) for axis in range(spec.dims))

    def frame_count(self, spec: Spec) -> int:
        """Input, a frame per window, pooled, a frame per pooled cell, output."""
        return 3 + 2 * int(np.prod(pooled_shape(spec)))

    def largest_grid(self, spec: Spec) -> int:
        """The pooling grid's width: the input, the pooled map and the indices in a row.

        >>> MaxUnpool().largest_grid(Spec(i=4, k=2, mode="maxunpool"))
        10
        """
        return max(spec.i[0], pooling_width(spec)) if spec.dims == 2 else pooling_width(spec)

    def oversize(self, spec: Spec, limit: int) -> tuple[str, str]:
        """The pooling grid (input, pooled map and indices in a row) is what grows: blame
        the input's width, with the widest that fits.

        >>> spec = Spec(i=60, k=2, mode="maxunpool")
        >>> name, fix = spec.op.oversize(spec, 96)
        >>> name, fix.split(" across")[0]
        ('input_size', 'use an input_size of at most 47')
        """
        k, s = spec.k[-1], spec.s[-1]
        widest = max((n for n in range(k, limit + 1)
                      if n + 2 + 2 * ((n - k) // s + 1) <= limit), default=k)
        return "input_size", (f"use an input_size of at most {widest} across (the input, "
                              "pooled map and indices stand in one row)")

    def panel_sides(self, spec: Spec) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The pooling grid (input, pooled map and indices side by side) and the output."""
        if spec.dims == 1:
            return (pooling_width(spec),), tuple(spec.i)
        return (spec.i[0], pooling_width(spec)), tuple(spec.i)

    def alt_text(self, spec: Spec) -> str:
        """``Max-unpooling of a 4x4 input with a 2x2 window and stride 2: ...``."""
        def size(shape: tuple[int, ...]) -> str:
            return "x".join(map(str, shape)) if spec.dims == 2 else f"length-{shape[0]}"

        return (f"{self.noun} of a {size(spec.i)} input with a {size(spec.k)} window and "
                f"stride {per_axis_text(spec.s)}: max pooling to {size(pooled_shape(spec))} keeps "
                "each maximum's index, unpooling puts it back there with zeros elsewhere.")

    def pytorch(self, spec: Spec) -> tuple[Call, ...]:
        """``nn.MaxPool2d(..., return_indices=True)``, with the ``nn.MaxUnpool2d`` call that
        follows it as the comment (an ``nn.Sequential`` cannot pass the indices on)."""
        args = [f"kernel_size={value_text(spec.k)}"]
        if spec.s != spec.k:
            args.append(f"stride={value_text(spec.s)}")
        unpool = f"nn.MaxUnpool{spec.dims}d({', '.join(args)})"
        return (Call(f"nn.MaxPool{spec.dims}d", (*args, "return_indices=True"),
                     f"y, indices = pool(x); then {unpool}(y, indices, "
                     f"output_size=x.shape[-{spec.dims}:])"),)

    def keras(self, spec: Spec) -> Call | str:
        """Keras has no unpooling layer."""
        return "Keras has no max-unpooling layer"


OPS = (MaxUnpool(),)
