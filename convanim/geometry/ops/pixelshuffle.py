"""Pixel shuffle (sub-pixel convolution's rearrangement): ``nn.PixelShuffle(r)``.

An input of ``in_channels = C*r*r`` maps of ``H x W`` becomes ``C`` maps of ``rH x rW``:
output ``(c, r*h + a, r*w + b)`` is input ``(c*r*r + a*r + b, h, w)``. ``x`` is
``(in_channels, H, W)`` and the result ``(C, rH, rW)``, the channel axis kept even when
``C = 1``. The drawing tiles each output channel's ``r*r`` input channels as an ``r x r``
mosaic (tile ``(a, b)`` is channel ``a*r + b``), the tiles apart and each labelled with its
channel, so the shuffle reads as cells moving from their tile into the interleaved map, one
frame per input cell.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convanim.geometry.arithmetic import AxisArithmetic, arithmetic
from convanim.geometry.ops.base import Call, Field, Op
from convanim.geometry.ops.upsample import Upsample
from convanim.geometry.plan import GAP, INPUT, Frame, Grid, Picture, Plan, output_grid
from convanim.geometry.spec import Spec, SpecError


def _channels(value: Any, dims: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(f"in_channels={value!r} must be a whole number >= 1; e.g. "
                        "in_channels: 4", "in_channels")
    return value


IN_CHANNELS = Field("in_channels", None, "int", "Input channels (pixelshuffle: C*scale^2) "
                    "[pixelshuffle: scale^2].", parse=_channels)
"""Declared here until the channels fields land; the name matches theirs."""

SCALE = next(f for f in Upsample.fields if f.name == "scale")


class PixelShuffle(Op):
    """``mode: pixelshuffle``: ``scale`` r and ``in_channels`` C*r*r (default r*r).

    >>> spec = Spec(i=(2, 3), mode="pixelshuffle", scale=2, in_channels=8)
    >>> spec.output_shape, spec.op.input_shape(spec), spec.op.output_channels(spec)
    ((4, 6), (8, 2, 3), 2)
    """

    tiles_channels = True
    in_channels_follow_input = False
    mode = "pixelshuffle"
    title = "pixel shuffle"
    noun = "Pixel shuffle"
    fields = (SCALE, IN_CHANNELS)
    picture = Picture(weighted=False, window="input cell", formula=("move ", ", ", ""))

    def resolve_fields(self, dims: int, values: dict[str, Any]) -> dict[str, Any]:
        """``in_channels`` defaults to ``scale**2`` (one output channel)."""
        if values.get("in_channels") is None:
            values = {**values, "in_channels": values["scale"][0] ** 2}
        return values

    def default_kernel(self, dims: int, fields: dict[str, Any]) -> tuple[int, ...]:
        """No kernel: a 1-cell placeholder keeps the generic sizes defined."""
        return (1,) * dims

    def validate(self, spec: Spec) -> None:
        """2-D, one factor for both axes, ``in_channels`` a multiple of ``scale**2``."""
        if spec.dims != 2:
            raise SpecError("pixelshuffle is 2-D only (PyTorch's PixelShuffle has no 1-D "
                            "form); use dims: 2", "dims")
        r = spec.scale[0]
        if len(set(spec.scale)) > 1:
            raise SpecError(f"scale={spec.scale} must be one factor for both axes for "
                            f"pixelshuffle (PyTorch's upscale_factor); use scale: {r}", "scale")
        if spec.in_channels % (r * r):
            raise SpecError(f"in_channels={spec.in_channels} must be a multiple of scale^2 = "
                            f"{r * r} for pixelshuffle; use in_channels: {r * r}", "in_channels")

    def output_channels(self, spec: Spec) -> int:
        """``in_channels / scale**2``."""
        return spec.in_channels // spec.scale[0] ** 2

    def output_length(self, spec: Spec, axis: int) -> int:
        """``i * scale``."""
        return spec.i[axis] * spec.scale[0]

    def axis_arithmetic(self, spec: Spec, axis: int) -> AxisArithmetic:
        """``o = i*r`` (channels: ``C*r^2 -> C``)."""
        i, r = spec.i[axis], spec.scale[0]
        return AxisArithmetic(axis, "o = i*r", f"{i}*{r}", i * r, 0, (0, 0), 0, i, i)

    def named_parameters(self, spec: Spec) -> list[tuple[str, Any]]:
        """``i``, ``r`` and the channels."""
        return [("i", spec.i), ("r", (spec.scale[0],)),
                (f"{spec.in_channels} channels to {self.output_channels(spec)}", None)]

    def to_dict(self, spec: Spec) -> dict[str, Any]:
        """Mode, dims, input size, scale and in_channels."""
        return {"mode": spec.mode, "dims": spec.dims, "input_size": list(spec.i),
                "scale": spec.scale[0], "in_channels": spec.in_channels}

    def input_shape(self, spec: Spec) -> tuple[int, ...]:
        """``(in_channels, H, W)``."""
        return (spec.in_channels, *spec.i)

    def compute(self, spec: Spec, x: np.ndarray, w: np.ndarray | None,
                b: Any = None) -> np.ndarray:
        """``(C*r*r, H, W) -> (C, rH, rW)``, PyTorch's channel order."""
        r, (h, w_) = spec.scale[0], spec.i
        c = self.output_channels(spec)
        return x.reshape(c, r, r, h, w_).transpose(0, 3, 1, 4, 2).reshape(c, h * r, w_ * r)

    def _tiles(self, spec: Spec, x: np.ndarray) -> np.ndarray:
        """The input as an ``r x r`` mosaic of channels per output channel, stacked down."""
        r, (h, w) = spec.scale[0], spec.i
        c = self.output_channels(spec)
        return x.reshape(c, r, r, h, w).transpose(0, 1, 3, 2, 4).reshape(c * r * h, r * w)

    def tile_origin(self, spec: Spec, channel: int) -> tuple[int, int]:
        """Where input channel ``channel``'s tile starts on the drawn grid: the ``r x r``
        tiles of each output channel, one blank row and column between tiles (and groups).

        >>> spec = Spec(i=3, mode="pixelshuffle", scale=2)
        >>> [spec.op.tile_origin(spec, ch) for ch in range(4)]
        [(0, 0), (0, 4), (4, 0), (4, 4)]
        """
        r, (h, w) = spec.scale[0], spec.i
        oc, a, b = channel // (r * r), (channel // r) % r, channel % r
        return (oc * r + a) * (h + 1), b * (w + 1)

    def _tiled_grid(self, spec: Spec, x: np.ndarray) -> Grid:
        """The channels as separate tiles with blank (GAP) cells between them; each cell's
        source is its (channel, row, col) as the maps stacked down (``channel*H + row,
        col``), the key the player's hover gives a channel cell."""
        r, (h, w) = spec.scale[0], spec.i
        c = self.output_channels(spec)
        shape = (c * r * (h + 1) - 1, r * (w + 1) - 1)
        values = np.zeros(shape)
        kinds = np.full(shape, GAP, np.int8)
        source = np.full((*shape, 2), -1, np.int64)
        rows, cols = np.indices((h, w))
        for ch in range(spec.in_channels):
            r0, c0 = self.tile_origin(spec, ch)
            at = (slice(r0, r0 + h), slice(c0, c0 + w))
            values[at], kinds[at] = x[ch], INPUT
            source[at] = np.stack([ch * h + rows, cols], axis=-1)
        return Grid(values, kinds, source, np.ones(shape, bool), (0, 0))

    def plan(self, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray) -> Plan:
        """``input`` (the channels as separate tiles, labelled), one ``slide`` per input
        cell, ``output``."""
        r, (h, wid) = spec.scale[0], spec.i
        c = self.output_channels(spec)
        arith = arithmetic(spec)
        out2 = y.reshape(c * h * r, wid * r)
        frames = [Frame("input", "channels", f"{spec.in_channels} input channels of "
                        f"{h}×{wid}, tiled {r}×{r} per output channel")]
        for step, (ch, hh, ww) in enumerate(np.ndindex(spec.in_channels, h, wid), start=1):
            oc, a, b = ch // (r * r), (ch // r) % r, ch % r
            r0, c0 = self.tile_origin(spec, ch)
            tile = (r0 + hh, c0 + ww)
            cell = (oc * (h * r + 1) + hh * r + a, ww * r + b)  # a blank row between maps
            value = float(x[ch, hh, ww])
            caption = (f"channel {ch} (tile {a},{b}) goes to offset ({a}, {b}) of every "
                       f"{r}×{r} block of output channel {oc}")
            frames.append(Frame("slide", "channels", caption, step, np.array([tile]),
                                np.zeros((1, 2), dtype=np.int64), np.array([cell]),
                                np.array([value]), value, np.array([value]),
                                np.ones(1, dtype=np.int64), None,
                                (((oc, hh * r + a, ww * r + b), (ch, hh, ww), ()),),
                                formula=(f"y[{oc}, {hh * r + a}, {ww * r + b}] = "
                                         f"x[{ch}, {hh}, {ww}] = ", "", "")))
        frames.append(Frame("output", "channels", f"the {c} output channel"
                            f"{'s' if c > 1 else ''} of {h * r}×{wid * r}: "
                            + "; ".join(a.text for a in arith[:1])))
        labels = tuple(("grid", self.tile_origin(spec, ch)[0] + h, self.tile_origin(spec, ch)[1],
                        wid, f"c={ch}") for ch in range(spec.in_channels))
        if c > 1:  # the output maps apart too, each named under it
            labels += tuple(("target", oc * (h * r + 1) + h * r, 0, wid * r, f"c={oc}")
                            for oc in range(c))
        return Plan(spec, x, w, y, {"channels": self._tiled_grid(spec, x)}, "channels",
                    self._output_grid(spec, out2), (0, 0), tuple(frames), arith,
                    self.picture, labels=labels)

    def _output_grid(self, spec: Spec, out2: np.ndarray) -> Grid:
        """The output maps one under another with a blank (GAP) row between two, where each
        map's label goes; each cell's source is its place on the maps stacked down
        (``channel * H*r + row, col``), the key the player's hover gives an output cell.

        >>> spec = Spec(i=1, mode="pixelshuffle", scale=2, in_channels=8)
        >>> grid = spec.op._output_grid(spec, np.arange(8.0).reshape(4, 2))
        >>> (grid.kinds[:, 0] == GAP).tolist(), grid.source[3].tolist()
        ([False, False, True, False, False], [[2, 0], [2, 1]])
        """
        c = self.output_channels(spec)
        if c == 1:
            return output_grid(out2)
        rows = out2.shape[0] // c  # one map's height, H*r
        shape = (c * (rows + 1) - 1, out2.shape[1])
        values, kinds = np.zeros(shape), np.full(shape, GAP, np.int8)
        source = np.full((*shape, 2), -1, np.int64)
        stacked = np.indices(out2.shape).transpose(1, 2, 0)
        for oc in range(c):
            at, part = slice(oc * (rows + 1), oc * (rows + 1) + rows), slice(oc * rows,
                                                                            (oc + 1) * rows)
            values[at], kinds[at], source[at] = out2[part], INPUT, stacked[part]
        return Grid(values, kinds, source, np.ones(shape, bool), (0, 0))

    def panel_sides(self, spec: Spec) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The tiled channels (blank lines between tiles) and the output maps stacked down
        (a blank line between two)."""
        r, (h, w) = spec.scale[0], spec.i
        c = self.output_channels(spec)
        return (c * r * (h + 1) - 1, r * (w + 1) - 1), (c * (h * r + 1) - 1, w * r)

    def frame_count(self, spec: Spec) -> int:
        """Input, one per input cell (every channel), output."""
        return 2 + spec.in_channels * int(np.prod(spec.i))

    def largest_grid(self, spec: Spec) -> int:
        """The tiled input (as large as the output, times the output channels down)."""
        r = spec.scale[0]
        return max(self.output_channels(spec) * r * (spec.i[0] + 1) - 1, r * (spec.i[1] + 1) - 1)

    def oversize(self, spec: Spec, limit: int) -> tuple[str, str]:
        """Blame ``in_channels`` when the output maps stacked down are what is too tall.

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=3, mode="pixelshuffle", scale=2, in_channels=80)
        >>> spec.op.oversize(spec, 96)
        ('in_channels', 'use at most 48 input channels')
        """
        r = spec.scale[0]
        if max(spec.i) * r > limit or r * (spec.i[1] + 1) - 1 > limit:
            return super().oversize(spec, limit)
        # Each output channel's r tiles down take r*(H+1) rows (a blank line under each).
        most = max(1, (limit + 1) // (r * (spec.i[0] + 1))) * r * r
        return "in_channels", f"use at most {most} input channels"

    def alt_text(self, spec: Spec) -> str:
        """``Pixel shuffle of 4 channels of 3x3 by 2, giving 1 channel of 6x6.``"""
        r, (h, w) = spec.scale[0], spec.i
        c = self.output_channels(spec)
        return (f"{self.noun} of {spec.in_channels} channels of {h}x{w} by {r}, giving {c} "
                f"channel{'s' if c > 1 else ''} of {h * r}x{w * r}.")

    def pytorch(self, spec: Spec) -> tuple[Call, ...]:
        """``nn.PixelShuffle(2)``."""
        return (Call("nn.PixelShuffle", (str(spec.scale[0]),)),)

    def keras(self, spec: Spec) -> Call | str:
        """No Keras layer: ``tf.nn.depth_to_space`` is channels-last, another order."""
        return "Keras has no pixel-shuffle layer (tf.nn.depth_to_space orders channels " \
               "differently)"


OPS = (PixelShuffle(),)
