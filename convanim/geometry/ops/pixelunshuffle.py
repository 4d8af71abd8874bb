"""Pixel unshuffle, the inverse of pixel shuffle: ``nn.PixelUnshuffle(r)``.

``in_channels = C`` maps of ``rH x rW`` become ``C*r*r`` maps of ``H x W``: output
``(c*r*r + a*r + b, h, w)`` is input ``(c, r*h + a, r*w + b)``, so each ``r x r`` block of a
map is spread over ``r*r`` channels, offset ``(a, b)`` to channel ``a*r + b``. ``x`` is
``(C, rH, rW)`` and the result ``(C*r*r, H, W)``. The drawing stacks the input maps down and
the output channels down in their order (so each drawn cell is the tensor's own, and the
player's hover finds it), one frame per input cell moving it to its channel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convanim.geometry.arithmetic import AxisArithmetic, arithmetic
from convanim.geometry.ops.base import Call, Op
from convanim.geometry.ops.channels import IN_CHANNELS
from convanim.geometry.ops.upsample import Upsample
from convanim.geometry.plan import Frame, Picture, Plan, input_grid, output_grid
from convanim.geometry.spec import Spec, SpecError

SCALE = next(f for f in Upsample.fields if f.name == "scale")


class PixelUnshuffle(Op):
    """``mode: pixelunshuffle``: ``scale`` r and ``in_channels`` C (default 1).

    >>> spec = Spec(i=(4, 6), mode="pixelunshuffle", scale=2)
    >>> spec.output_shape, spec.op.input_shape(spec), spec.op.output_channels(spec)
    ((2, 3), (1, 4, 6), 4)
    """

    mode = "pixelunshuffle"
    aliases = ("pixel_unshuffle",)
    title = "pixel unshuffle"
    noun = "Pixel unshuffle"
    fields = (SCALE, IN_CHANNELS)
    picture = Picture(weighted=False, window="input cell", formula=("move ", ", ", ""))

    def default_kernel(self, dims: int, fields: dict[str, Any]) -> tuple[int, ...]:
        """No kernel: a 1-cell placeholder keeps the generic sizes defined."""
        return (1,) * dims

    def validate(self, spec: Spec) -> None:
        """2-D, one factor for both axes, each side a multiple of it."""
        if spec.dims != 2:
            raise SpecError("pixelunshuffle is 2-D only (PyTorch's PixelUnshuffle has no 1-D "
                            "form); use dims: 2", "dims")
        r = spec.scale[0]
        if len(set(spec.scale)) > 1:
            raise SpecError(f"scale={spec.scale} must be one factor for both axes for "
                            f"pixelunshuffle (PyTorch's downscale_factor); use scale: {r}",
                            "scale")
        for name, n in zip(("height", "width"), spec.i):
            if n % r:
                raise SpecError(f"input_size {name} {n} is not a multiple of scale={r} "
                                "(PixelUnshuffle cuts the map into r x r blocks); use "
                                f"input_size {n - n % r or r} or {n + r - n % r}",
                                "input_size")

    def output_channels(self, spec: Spec) -> int:
        """``in_channels * scale**2``."""
        return spec.in_channels * spec.scale[0] ** 2

    def output_length(self, spec: Spec, axis: int) -> int:
        """``i / scale``."""
        return spec.i[axis] // spec.scale[0]

    def axis_arithmetic(self, spec: Spec, axis: int) -> AxisArithmetic:
        """``o = i/r`` (channels: ``C -> C*r^2``)."""
        i, r = spec.i[axis], spec.scale[0]
        return AxisArithmetic(axis, "o = i/r", f"{i}/{r}", i // r, 0, (0, 0), 0, i, i)

    def named_parameters(self, spec: Spec) -> list[tuple[str, Any]]:
        """``i``, ``r`` and the channels."""
        return [("i", spec.i), ("r", (spec.scale[0],)),
                (f"{spec.in_channels}->{self.output_channels(spec)}ch", None)]

    def to_dict(self, spec: Spec) -> dict[str, Any]:
        """Mode, dims, input size, scale and in_channels."""
        return {"mode": spec.mode, "dims": spec.dims, "input_size": list(spec.i),
                "scale": spec.scale[0], "in_channels": spec.in_channels}

    def input_shape(self, spec: Spec) -> tuple[int, ...]:
        """``(in_channels, rH, rW)``."""
        return (spec.in_channels, *spec.i)

    def compute(self, spec: Spec, x: np.ndarray, w: np.ndarray | None,
                b: Any = None) -> np.ndarray:
        """``(C, rH, rW) -> (C*r*r, H, W)``, PyTorch's channel order."""
        r, (h, w_) = spec.scale[0], spec.output_shape
        c = spec.in_channels
        return x.reshape(c, h, r, w_, r).transpose(0, 2, 4, 1, 3).reshape(c * r * r, h, w_)

    def plan(self, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray) -> Plan:
        """``input`` (the maps stacked down), one ``slide`` per input cell, ``output``."""
        r, (rh, rw) = spec.scale[0], spec.i
        h, wid = spec.output_shape
        c = spec.in_channels
        arith = arithmetic(spec)
        grid = "input" if c == 1 else "stacked maps"
        frames = [Frame("input", grid, f"{c} input map{'s' if c > 1 else ''} of {rh}×{rw}"
                        f", cut into {r}×{r} blocks")]
        for step, (ch, yy, xx) in enumerate(np.ndindex(c, rh, rw), start=1):
            a, b, hh, ww = yy % r, xx % r, yy // r, xx // r
            oc = ch * r * r + a * r + b
            tile = (oc * h + hh, ww)
            value = float(x[ch, yy, xx])
            caption = (f"offset ({a}, {b}) of each {r}×{r} block goes to channel "
                       f"{ch * r * r} + {a}·{r} + {b} = {oc}")
            frames.append(Frame("slide", grid, caption, step, np.array([[ch * rh + yy, xx]]),
                                np.zeros((1, 2), dtype=np.int64), np.array([tile]),
                                np.array([value]), value, np.array([value]),
                                np.ones(1, dtype=np.int64), None,
                                (((oc, hh, ww), (ch, yy, xx), ()),)))
        frames.append(Frame("output", grid, f"the {self.output_channels(spec)} output "
                            f"channels of {h}×{wid}, stacked down: "
                            + "; ".join(a.text for a in arith[:1])))
        return Plan(spec, x, w, y, {grid: input_grid(x.reshape(c * rh, rw))}, grid,
                    output_grid(y.reshape(-1, wid)), (0, 0), tuple(frames), arith,
                    self.picture)

    def frame_count(self, spec: Spec) -> int:
        """Input, one per input cell (every map), output."""
        return 2 + spec.in_channels * int(np.prod(spec.i))

    def largest_grid(self, spec: Spec) -> int:
        """The input maps stacked down and the output channels stacked down (r times taller
        than the input: r*r maps of 1/r the height)."""
        return max(spec.in_channels * spec.i[0] * spec.scale[0], spec.i[1])

    def oversize(self, spec: Spec, limit: int) -> tuple[str, str]:
        """Blame ``in_channels`` when one map fits and the maps stacked down do not.

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=8, mode="pixelunshuffle", scale=2, in_channels=20)
        >>> spec.op.oversize(spec, 96)
        ('in_channels', 'use at most 6 input channels')
        """
        if max(spec.i[0] * spec.scale[0], spec.i[1]) > limit:
            return super().oversize(spec, limit)
        most = max(1, limit // (spec.i[0] * spec.scale[0]))
        return "in_channels", f"use at most {most} input channels"

    def alt_text(self, spec: Spec) -> str:
        """``Pixel unshuffle of 1 channel of 4x4 by 2, giving 4 channels of 2x2.``"""
        r, (h, w) = spec.scale[0], spec.output_shape
        c = spec.in_channels
        return (f"{self.noun} of {c} channel{'s' if c > 1 else ''} of {h * r}x{w * r} by {r}, "
                f"giving {self.output_channels(spec)} channels of {h}x{w}.")

    def pytorch(self, spec: Spec) -> tuple[Call, ...]:
        """``nn.PixelUnshuffle(2)``."""
        return (Call("nn.PixelUnshuffle", (str(spec.scale[0]),)),)

    def keras(self, spec: Spec) -> Call | str:
        """No Keras layer: ``tf.nn.space_to_depth`` is channels-last, another order."""
        return "Keras has no pixel-unshuffle layer (tf.nn.space_to_depth orders channels " \
               "differently)"


OPS = (PixelUnshuffle(),)
