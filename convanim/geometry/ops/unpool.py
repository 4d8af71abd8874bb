"""Max-unpooling (``nn.MaxPool2d(return_indices=True)`` then ``nn.MaxUnpool2d``).

``mode: maxunpool`` with the pooling's ``kernel_size`` and ``stride`` (default: the kernel):
max pooling picks each window's largest cell (the first in row-major order on ties, as
PyTorch does) and remembers where it is; unpooling puts each maximum back at that index of
a map of the input's size, zeros elsewhere. The animation runs both stages: one frame per
window marks its winner, then the pooled map, then one frame per pooled cell placing its
maximum back.
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
    Frame,
    Picture,
    Plan,
    input_grid,
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


class MaxUnpool(MaxPool):
    """``mode: maxunpool``: kernel and stride of the max pooling; the output is the input's
    size.

    >>> spec = Spec(i=(4, 6), k=2, mode="maxunpool")
    >>> spec.output_shape, spec.label
    ((4, 6), 'max unpool  i=(4, 6) k=2 s=2')
    """

    mode = "maxunpool"
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
        """``input``, a ``slide`` per window (its winner chosen), ``pooled``, a ``slide`` per
        pooled cell putting its maximum back, ``output``."""
        ax = axes2(spec)
        x2 = x.reshape(ax.i)
        arith = self.arithmetic(spec)
        captions = shared_captions(spec, arith)
        found = winners(spec, x)
        pooled_shape2 = (found[-1][0][0] + 1, found[-1][0][1] + 1)
        pooled = np.array([x2[cell] for _, cell in found]).reshape(pooled_shape2)
        pooled_grid = output_grid(pooled)
        pooled_grid.source[...] = np.array([cell for _, cell in found]).reshape(
            (*pooled_shape2, 2))
        taps = tap_grid(ax)
        user = (lambda r, c: (c,)) if spec.dims == 1 else (lambda r, c: (r, c))
        where = (lambda r, c: f"{c}") if spec.dims == 1 else (lambda r, c: f"({r}, {c})")
        window_text = "×".join(map(str, spec.k))
        frames = [Frame("input", "input", captions["input"])]
        for step, (cell, win) in enumerate(found, start=1):
            window = taps + np.array(ax.s) * cell
            seen = x2[window[:, 0], window[:, 1]]
            chosen = int(np.argmax(seen))
            caption = (f"max pool ({window_text} window, stride {per_axis_text(spec.s)}): "
                       f"the max is at {where(*win)}; remember that index")
            frames.append(Frame("slide", "input", caption, step, window, taps, EMPTY, seen,
                                float(seen[chosen]), np.zeros(0),
                                np.zeros(0, dtype=np.int64), chosen))
        frames.append(Frame("pooled", "pooled",
                            f"the {size_words(pooled_shape(spec))} pooled map; each max "
                            "remembers its index"))
        linked: set[tuple[int, int]] = set()
        for step, (cell, win) in enumerate(found, start=len(found) + 1):
            value = float(x2[win])
            links = () if win in linked else ((user(*win), user(*win), ()),)
            linked.add(win)
            frames.append(Frame(
                "slide", "pooled", "unpool: put each max back at its index, zeros elsewhere",
                step, np.array([cell]), np.zeros((1, 2), dtype=np.int64), np.array([win]),
                np.array([value]), value, np.array([value]), np.ones(1, dtype=np.int64), 0,
                links, formula=(f"pooled[{where(*cell).strip('()')}] remembers index "
                                f"{where(*win)}: y[{where(*win).strip('()')}] ← ", "", "")))
        frames.append(Frame("output", "pooled", captions["output"] + ", zeros elsewhere"))
        return Plan(spec, x, w, y, {"input": input_grid(x2), "pooled": pooled_grid}, "input",
                    output_grid(y.reshape(ax.i)), (0, 0), tuple(frames), arith,
                    self.picture)

    def arithmetic(self, spec: Spec) -> tuple[AxisArithmetic, ...]:
        """Every axis's arithmetic."""
        return tuple(self.axis_arithmetic(spec, axis) for axis in range(spec.dims))

    def frame_count(self, spec: Spec) -> int:
        """Input, a frame per window, pooled, a frame per pooled cell, output."""
        return 3 + 2 * int(np.prod(pooled_shape(spec)))

    def largest_grid(self, spec: Spec) -> int:
        """The input (and the output, of the same size)."""
        return max(spec.i)

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
