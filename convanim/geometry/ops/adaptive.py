"""Adaptive pooling: ``nn.AdaptiveAvgPool2d(output_size)``, ``nn.AdaptiveMaxPool2d``.

The output size is given and every output cell has its own window. Along one axis, output
``j`` of ``o`` over an input of ``n`` reads input cells ``floor(j*n/o)`` up to, not
including, ``ceil((j+1)*n/o)`` (PyTorch's ``start_index``/``end_index``); so windows differ
in size and may overlap when ``o`` does not divide ``n``. Each slide frame lights one output
cell's window and states its bounds with the numbers filled in.

>>> from convanim.geometry import Spec
>>> bounds(5, 3)
[(0, 2), (1, 4), (3, 5)]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convanim.geometry.arithmetic import AxisArithmetic, arithmetic
from convanim.geometry.ops.base import Call, Field, Op
from convanim.geometry.ops.channels import IN_CHANNELS, Channels
from convanim.geometry.ops.window import plain, value_text
from convanim.geometry.plan import Frame, Picture, Plan, input_grid, output_grid, user_index
from convanim.geometry.spec import Spec, SpecError, parse_per_axis, per_axis_text


def _output_size(value: Any, dims: int) -> tuple[int, ...]:
    size = parse_per_axis(value, dims, "output_size")
    if min(size) < 1:
        raise SpecError(f"output_size={per_axis_text(size)} has an empty axis: PyTorch returns "
                        "an empty tensor, nothing to draw; use output_size >= 1, "
                        "e.g. output_size: 2",
                        "output_size")
    return size


OUTPUT_SIZE = Field("output_size", 1, "size", "Adaptive pooling: the output size, 2 or 2,3; "
                    "each output cell gets its own window [1: global pooling].",
                    parse=_output_size)


def bounds(n: int, o: int) -> list[tuple[int, int]]:
    """Per output cell of one axis: ``(floor(j*n/o), ceil((j+1)*n/o))``, the end excluded.

    >>> bounds(4, 6)  # more outputs than inputs: windows repeat cells
    [(0, 1), (0, 2), (1, 2), (2, 3), (2, 4), (3, 4)]
    """
    return [(j * n // o, -(-(j + 1) * n // o)) for j in range(o)]


class Adaptive(Op):
    """What adaptive average and max pooling share (one map; :class:`Channels` stacks them)."""

    takes = ()
    fields = (OUTPUT_SIZE, IN_CHANNELS)
    window_noun = "window"
    field_refusal = ("has windows of different sizes, not one box per step of a stride; "
                     "use mode 'maxpool' or 'avgpool' for a receptive field")
    torch_name = ""
    keras_name = ""
    reducer = ""

    def default_kernel(self, dims: int, fields: dict[str, Any]) -> tuple[int, ...]:
        """No kernel: a 1-cell placeholder keeps the generic sizes defined."""
        return (1,) * dims

    def output_length(self, spec: Spec, axis: int) -> int:
        """``output_size``, as given."""
        return spec.output_size[axis]

    def axis_arithmetic(self, spec: Spec, axis: int) -> AxisArithmetic:
        """``o = output_size``: the size is the parameter."""
        i, o = spec.i[axis], spec.output_size[axis]
        return AxisArithmetic(axis, "o = output_size", str(o), o, 0, (0, 0), 0, i, i)

    def named_parameters(self, spec: Spec) -> list[tuple[str, Any]]:
        """``i`` and ``o``."""
        items: list[tuple[str, Any]] = [("i", spec.i), ("o", spec.output_size)]
        if spec.dims == 1:
            items.append(("1-D", None))
        return items

    def to_dict(self, spec: Spec) -> dict[str, Any]:
        """Mode, dims, input size, output size (and in_channels when more than one)."""
        out = {"mode": spec.mode, "dims": spec.dims, "input_size": plain(spec.i),
               "output_size": plain(spec.output_size)}
        if spec.in_channels != 1:
            out["in_channels"] = spec.in_channels
        return out

    def windows(self, spec: Spec) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        """Per output cell, row-major: the row and column bounds (a 1-D spec has rows 0..1)."""
        rows = bounds(spec.i[0], spec.output_size[0]) if spec.dims == 2 else [(0, 1)]
        cols = bounds(spec.i[-1], spec.output_size[-1])
        return [(r, c) for r in rows for c in cols]

    def pool(self, seen: np.ndarray) -> float:
        """One window's value."""
        raise NotImplementedError

    def compute(self, spec: Spec, x: np.ndarray, w: np.ndarray | None,
                b: Any = None) -> np.ndarray:
        """Each output cell pools its own window."""
        x2 = x.reshape(1, -1) if spec.dims == 1 else x
        out = [self.pool(x2[r0:r1, c0:c1]) for (r0, r1), (c0, c1) in self.windows(spec)]
        return np.array(out, dtype=float).reshape(spec.output_shape)

    def reduce_at(self, spec: Spec, cell: tuple[int, int], seen: np.ndarray,
                  weights: np.ndarray) -> tuple[np.ndarray, float, int | None]:
        """The values seen, the pooled value and the chosen cell (max: the first largest)."""
        return seen, self.pool(seen), None

    def caption(self, spec: Spec, cell: tuple[int, int]) -> str:
        """``output (1, 2): rows floor(1·5/3) = 1 to ceil(2·5/3) = 4, ...`` (end excluded)."""
        parts = []
        for name, axis, j in (("rows", 0, cell[0]), ("cols", 1, cell[1]))[2 - spec.dims:]:
            n, o = spec.i[axis - (2 - spec.dims)], spec.output_size[axis - (2 - spec.dims)]
            start, end = bounds(n, o)[j]
            parts.append(f"{name if spec.dims == 2 else 'cells'} floor({j}·{n}/{o}) = {start}"
                         f" to ceil({j + 1}·{n}/{o}) = {end}")
        where = f"({cell[0]}, {cell[1]})" if spec.dims == 2 else str(cell[1])
        return f"{self.reducer} of output {where}: " + ", ".join(parts) + " (end excluded)"

    def plan(self, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray) -> Plan:
        """``input``, one ``slide`` per output cell lighting its own window, ``output``."""
        x2 = x.reshape(1, -1) if spec.dims == 1 else x
        grid = input_grid(x2)
        arith = arithmetic(spec)
        shape = "×".join(map(str, spec.i)) if spec.dims == 2 else f"length {spec.i[0]}"
        frames = [Frame("input", "input", f"the {shape} input")]
        oh, ow = (1, *spec.output_size) if spec.dims == 1 else spec.output_size
        for step, ((r0, r1), (c0, c1)) in enumerate(self.windows(spec), start=1):
            r, c = divmod(step - 1, ow)
            rows, cols = np.meshgrid(np.arange(r0, r1), np.arange(c0, c1), indexing="ij")
            window = np.stack([rows.ravel(), cols.ravel()], axis=1)
            seen = x2[window[:, 0], window[:, 1]]
            out = user_index(spec, (r, c))
            links = tuple((out, user_index(spec, cell), ()) for cell in window)
            products, value, chosen = self.reduce_at(spec, (r, c), seen, np.ones(len(seen)))
            frames.append(Frame("slide", "input", self.caption(spec, (r, c)), step, window,
                                window - (r0, c0), np.array([[r, c]]), products, value,
                                np.array([value]), np.array([len(links)]), chosen, links))
        out_shape = "×".join(map(str, spec.output_size)) if spec.dims == 2 else \
            f"length {spec.output_size[0]}"
        frames.append(Frame("output", "input", f"the {out_shape} output: output_size = "
                            f"{per_axis_text(spec.output_size)}, windows from floor(j·i/o) to "
                            "ceil((j+1)·i/o)"))
        return Plan(spec, x, w, y, {"input": grid}, "input",
                    output_grid(np.reshape(y, (oh, ow))), (0, 0), tuple(frames), arith,
                    self.picture)

    def frame_count(self, spec: Spec) -> int:
        """Input, one per output cell, output."""
        return 2 + int(np.prod(spec.output_size))

    def largest_grid(self, spec: Spec) -> int:
        """The input and the output."""
        return max(*spec.i, *spec.output_size)

    def oversize(self, spec: Spec, limit: int) -> tuple[str, str]:
        """Blame the output size when the input fits."""
        if max(spec.i) > limit:
            return super().oversize(spec, limit)
        return "output_size", "use a smaller output_size"

    def alt_text(self, spec: Spec) -> str:
        """``Adaptive average pooling of a 5x7 input to 3x3, each output its own window.``"""
        size = "x".join(map(str, spec.i)) if spec.dims == 2 else f"length-{spec.i[0]}"
        out = "x".join(map(str, spec.output_size)) if spec.dims == 2 else \
            f"length {spec.output_size[0]}"
        return (f"{self.noun} of a {size} input to {out}, each output cell pooling its own "
                "window from floor(j*i/o) to ceil((j+1)*i/o).")

    def pytorch(self, spec: Spec) -> tuple[Call, ...]:
        """``nn.AdaptiveAvgPool2d((2, 3))``."""
        size = spec.output_size
        text = str(size[0]) if len(set(size)) == 1 else "(" + ", ".join(map(str, size)) + ")"
        return (Call(f"nn.{self.torch_name}{spec.dims}d", (text,)),)

    def keras(self, spec: Spec) -> Call | str:
        """Keras 3's adaptive layer with the same bins."""
        return Call(f"layers.{self.keras_name}{spec.dims}D",
                    (f"output_size={value_text(spec.output_size)}",))


class AdaptiveAvgPool(Channels, Adaptive):
    """``mode: adaptive_avgpool``.

    >>> from convanim.geometry import compute
    >>> compute(Spec(i=5, mode="adaptive_avgpool", output_size=3, dims=1), [1, 2, 3, 4, 6])
    array([1.5, 3. , 5. ])
    """

    mode = "adaptive_avgpool"
    aliases = ("adaptive_avg_pool",)
    title = "adaptive avg pool"
    noun = "Adaptive average pooling"
    reducer = "mean"
    torch_name = "AdaptiveAvgPool"
    keras_name = "AdaptiveAveragePooling"
    picture = Picture(weighted=False, window="adaptive window", formula=("mean(", ", ", ")"))

    def pool(self, seen: np.ndarray) -> float:
        """The mean of the window."""
        return float(np.sum(seen) / np.size(seen))


class AdaptiveMaxPool(Channels, Adaptive):
    """``mode: adaptive_maxpool``."""

    mode = "adaptive_maxpool"
    aliases = ("adaptive_max_pool",)
    title = "adaptive max pool"
    noun = "Adaptive max pooling"
    reducer = "max"
    torch_name = "AdaptiveMaxPool"
    keras_name = "AdaptiveMaxPooling"
    picture = Picture(weighted=False, window="adaptive window", formula=("max(", ", ", ")"))

    def pool(self, seen: np.ndarray) -> float:
        """The largest value in the window."""
        return float(np.max(seen))

    def reduce_at(self, spec: Spec, cell: tuple[int, int], seen: np.ndarray,
                  weights: np.ndarray) -> tuple[np.ndarray, float, int | None]:
        """The values seen, their maximum and the first cell holding it."""
        chosen = int(np.argmax(seen))
        return seen, float(seen[chosen]), chosen


OPS = (AdaptiveAvgPool(), AdaptiveMaxPool())
