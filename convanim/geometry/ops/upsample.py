"""Upsampling without weights: ``nn.Upsample`` / ``F.interpolate``, Keras ``UpSampling2D``.

``method: nearest`` with an integer ``scale`` per axis copies input cell ``(r, c)`` into the
``scale``-sized block of output cells ``(r*s_h .. r*s_h + s_h - 1, ...)``: output cell ``o``
holds input cell ``floor(o / s)``, exactly PyTorch's ``F.interpolate(mode="nearest")``.
The animation takes one input cell per frame and fills its block.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convanim.geometry.arithmetic import AxisArithmetic, arithmetic
from convanim.geometry.compute import axes2
from convanim.geometry.ops.base import Call, Field, Op
from convanim.geometry.ops.window import plain, value_text
from convanim.geometry.plan import Frame, Picture, Plan, _captions, _input_grid, _output_grid
from convanim.geometry.spec import Spec, SpecError, _choice, _fmt, _per_axis

METHODS = ("nearest",)


def _scale(value: Any, dims: int) -> tuple[int, ...]:
    scale = _per_axis(value, dims, "scale")
    if min(scale) < 1:
        raise SpecError(f"scale={_fmt(scale)} must be at least 1; use a whole scale >= 1, "
                        "e.g. scale: 2", "scale")
    return scale


def _method(value: Any, dims: int) -> str:
    return _choice(value, METHODS, "method")


def scale2(spec: Spec) -> tuple[int, int]:
    """The scale per axis with a 1-D spec promoted to height 1, as :func:`axes2` does.

    >>> scale2(Spec(i=3, mode="upsample", scale=2, dims=1))
    (1, 2)
    """
    scale = spec.scale
    return (scale[0], scale[1]) if spec.dims == 2 else (1, scale[0])


class Upsample(Op):
    """``mode: upsample``: ``method`` and ``scale`` (alias ``scale_factor``), no kernel.

    >>> spec = Spec(i=(2, 3), mode="upsample", scale=(2, 1))
    >>> spec.output_shape, spec.label
    ((4, 3), 'upsample  i=(2, 3) scale=(2, 1) nearest')
    """

    mode = "upsample"
    title = "upsample"
    noun = "Nearest upsampling"
    fields = (
        Field("method", "nearest", "choice", "Upsample: how new cells are filled [nearest].",
              choices=METHODS, parse=_method),
        Field("scale", 2, "size", "Upsample: whole factor per axis, 2 or 2,3 [2].",
              aliases=("scale_factor",), parse=_scale),
    )
    picture = Picture(weighted=False, window="input cell", formula=("copy ", ", ", ""))
    field_refusal = ("copies each input cell into a scale block: an output cell sees one input "
                     "cell and moves 1/scale of a cell per step, so no receptive-field box with "
                     "a whole jump exists; trace one cell with `convanim render CONFIG --view "
                     "trace`")

    def default_kernel(self, dims: int, fields: dict[str, Any]) -> tuple[int, ...]:
        """No kernel: a 1-cell placeholder keeps the generic sizes defined."""
        return (1,) * dims

    def output_length(self, spec: Spec, axis: int) -> int:
        """``i * scale``."""
        return spec.i[axis] * spec.scale[axis]

    def axis_arithmetic(self, spec: Spec, axis: int) -> AxisArithmetic:
        """``o = i*scale``."""
        i, scale = spec.i[axis], spec.scale[axis]
        return AxisArithmetic(axis, "o = i*scale", f"{i}*{scale}", i * scale, 0, (0, 0), 0,
                              i, i)

    def named_parameters(self, spec: Spec) -> list[tuple[str, Any]]:
        """``i``, ``scale`` and the method (``1-D`` for a sequence)."""
        items: list[tuple[str, Any]] = [("i", spec.i), ("scale", spec.scale),
                                        (spec.method, None)]
        if spec.dims == 1:
            items.append(("1-D", None))
        return items

    def to_dict(self, spec: Spec) -> dict[str, Any]:
        """Mode, dims, input size, method and scale."""
        return {"mode": spec.mode, "dims": spec.dims, "input_size": plain(spec.i),
                "method": spec.method, "scale": plain(spec.scale)}

    # -- numbers and frames ---------------------------------------------------------------

    def compute(self, spec: Spec, x: np.ndarray, w: np.ndarray | None,
                b: Any = None) -> np.ndarray:
        """Each input cell repeated ``scale`` times along each axis."""
        out = x
        for axis, scale in enumerate(spec.scale):
            out = np.repeat(out, scale, axis=axis)
        return out

    def _block(self, spec: Spec, r: int, c: int) -> np.ndarray:
        sh, sw = scale2(spec)
        rows, cols = np.meshgrid(np.arange(r * sh, (r + 1) * sh), np.arange(c * sw, (c + 1) * sw),
                                 indexing="ij")
        return np.stack([rows.ravel(), cols.ravel()], axis=1)

    def plan(self, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray) -> Plan:
        """``input``, one ``slide`` per input cell filling its block, ``output``."""
        ax = axes2(spec)
        x2 = x.reshape(ax.i)
        arith = arithmetic(spec)
        captions = _captions(spec, arith)
        scale = "×".join(map(str, spec.scale)) if spec.dims == 2 else str(spec.scale[0])
        block = f"{scale} block" if spec.dims == 2 else f"{scale} cells"
        caption = f"{spec.method}: copy each input cell into its {block}"
        frames = [Frame("input", "input", captions["input"])]
        user = (lambda r, c: (c,)) if spec.dims == 1 else (lambda r, c: (r, c))
        for step, (r, c) in enumerate(np.ndindex(*ax.i), start=1):
            cells = self._block(spec, r, c)
            value = float(x2[r, c])
            n = len(cells)
            links = tuple((user(int(a), int(b)), user(r, c), ()) for a, b in cells)
            frames.append(Frame("slide", "input", caption, step, np.array([[r, c]]),
                                np.zeros((1, 2), dtype=np.int64), cells, np.array([value]),
                                value, np.full(n, value), np.ones(n, dtype=np.int64), None,
                                links))
        frames.append(Frame("output", "input", captions["output"]))
        return Plan(spec, x, w, y, {"input": _input_grid(x2)}, "input",
                    _output_grid(y.reshape(ax.o)), (0, 0), tuple(frames), arith, self.picture)

    def frame_count(self, spec: Spec) -> int:
        """Input, one per input cell, output."""
        return 2 + int(np.prod(spec.i))

    def largest_grid(self, spec: Spec) -> int:
        """The output is the largest grid."""
        return max(*spec.i, *spec.output_shape)

    # -- words and code -------------------------------------------------------------------

    def alt_text(self, spec: Spec) -> str:
        """``Nearest upsampling of a 3x3 input by scale 2, giving a 6x6 output.``"""
        def size(shape: tuple[int, ...]) -> str:
            return "x".join(map(str, shape)) if spec.dims == 2 else f"length-{shape[0]}"

        scale = " and ".join(map(str, spec.scale)) if len(set(spec.scale)) > 1 else str(
            spec.scale[0])
        return (f"{self.noun} of a {size(spec.i)} input by scale {scale}, giving a "
                f"{size(spec.output_shape)} output.")

    def pytorch(self, spec: Spec) -> tuple[Call, ...]:
        """``nn.Upsample(scale_factor=2, mode="nearest")``."""
        return (Call("nn.Upsample", (f"scale_factor={value_text(spec.scale)}",
                                     f'mode="{spec.method}"')),)

    def keras(self, spec: Spec) -> Call | str:
        """``layers.UpSampling2D(size=2, interpolation="nearest")`` (1-D: ``UpSampling1D``)."""
        if spec.dims == 1:
            return Call("layers.UpSampling1D", (f"size={spec.scale[0]}",))
        return Call("layers.UpSampling2D", (f"size={value_text(spec.scale)}",
                                            f'interpolation="{spec.method}"'))


OPS = (Upsample(),)
