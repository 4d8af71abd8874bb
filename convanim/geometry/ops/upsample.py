"""Upsampling without weights: ``nn.Upsample`` / ``F.interpolate``, Keras ``UpSampling2D``.

With an integer ``scale`` per axis:

- ``method: nearest`` copies input cell ``(r, c)`` into the ``scale``-sized block of output
  cells: output cell ``o`` holds input cell ``floor(o / s)``, PyTorch's
  ``F.interpolate(mode="nearest")``. One frame per input cell fills its block.
- ``method: bed_of_nails`` puts input cell ``(r, c)`` at ``(s*r, s*c)`` and zeros in the rest
  of its block. One frame per input cell.
- ``method: bilinear`` (``linear`` in 1-D) is ``F.interpolate(mode="bilinear",
  align_corners=...)``: each output cell is a weighted sum of up to four input cells (two in
  1-D). One frame per output cell shows its sources and their weights (see
  :mod:`convanim.geometry.ops.interpolate`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from convanim.geometry.arithmetic import AxisArithmetic, arithmetic
from convanim.geometry.compute import axes2
from convanim.geometry.ops.base import Call, Field, Op
from convanim.geometry.ops.interpolate import bilinear, bilinear_frames
from convanim.geometry.ops.window import plain, value_text
from convanim.geometry.plan import Frame, Picture, Plan, input_grid, output_grid, shared_captions
from convanim.geometry.spec import Spec, SpecError, parse_choice, parse_per_axis, per_axis_text

METHODS = ("nearest", "bilinear", "bed_of_nails")
METHOD_NAMES = (*METHODS, "bed-of-nails", "linear")
"""What ``method`` accepts: the methods, ``bed-of-nails`` and ``linear`` (PyTorch's 1-D name
for bilinear; YAML and the API only, to keep the flag's help short)."""
_CANONICAL = {"linear": "bilinear", "bed-of-nails": "bed_of_nails"}


def _scale(value: Any, dims: int) -> tuple[int, ...]:
    scale = parse_per_axis(value, dims, "scale")
    if min(scale) < 1:
        raise SpecError(f"scale={per_axis_text(scale)} must be at least 1; use a whole scale >= 1, "
                        "e.g. scale: 2", "scale")
    return scale


def _method(value: Any, dims: int) -> str:
    name = parse_choice(value, METHOD_NAMES, "method")
    return _CANONICAL.get(name, name)


def _flag(value: Any, dims: int) -> bool:
    if not isinstance(value, bool):
        raise SpecError(f"align_corners={value!r} must be true or false; e.g. "
                        "align_corners: true", "align_corners")
    return value


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
    nouns: ClassVar[dict[str, str]] = {
        "nearest": "Nearest upsampling", "bilinear": "Bilinear upsampling",
        "bed_of_nails": "Bed-of-nails upsampling"}
    fields = (
        Field("method", "nearest", "choice", "Upsample: nearest, bilinear (linear in 1-D) "
              "or bed_of_nails [nearest].", aliases=("interpolation",),
              choices=METHOD_NAMES[:-1], parse=_method),
        Field("scale", 2, "size", "Upsample: whole factor per axis, 2 or 2,3 [2].",
              aliases=("scale_factor",), parse=_scale),
        Field("align_corners", False, "bool", "Upsample bilinear: corner cells line up, "
              "as PyTorch's align_corners [false].", parse=_flag),
    )
    picture = Picture(weighted=False, window="input cell", formula=("copy ", ", ", ""))
    field_refusal = ("copies each input cell into a scale block: an output cell sees one input "
                     "cell and moves 1/scale of a cell per step, so no receptive-field box with "
                     "a whole jump exists; trace one cell with `convanim render CONFIG --view "
                     "trace`")

    def sparse_output(self, spec: Spec) -> bool:
        """Bed of nails puts each value at its block's corner, zeros elsewhere."""
        return spec.method == "bed_of_nails"

    pictures: ClassVar[dict[str, Picture]] = {
        "bed_of_nails": Picture(weighted=False, window="input cell",
                                formula=("nail ", ", ", "")),
        "bilinear": Picture(weighted=False, window="source cells", formula=("", " + ", "")),
    }

    def validate(self, spec: Spec) -> None:
        """``align_corners`` only for bilinear (PyTorch refuses it for the others)."""
        if spec.align_corners and spec.method != "bilinear":
            raise SpecError(f"align_corners=true only applies to method 'bilinear', not "
                            f"{spec.method!r}; drop it or use method: bilinear",
                            "align_corners")

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
        if spec.align_corners:
            items.append(("align_corners", None))
        if spec.dims == 1:
            items.append(("1-D", None))
        return items

    def to_dict(self, spec: Spec) -> dict[str, Any]:
        """Mode, dims, input size, method and scale."""
        out = {"mode": spec.mode, "dims": spec.dims, "input_size": plain(spec.i),
               "method": spec.method, "scale": plain(spec.scale)}
        if spec.align_corners:
            out["align_corners"] = True
        return out

    # -- numbers and frames ---------------------------------------------------------------

    def compute(self, spec: Spec, x: np.ndarray, w: np.ndarray | None,
                b: Any = None) -> np.ndarray:
        """Nearest: each input cell repeated ``scale`` times along each axis; bed of nails:
        each at the corner of its block, zeros elsewhere; bilinear: weighted sums."""
        if spec.method == "bilinear":
            return bilinear(x, spec.scale, spec.align_corners)
        if spec.method == "bed_of_nails":
            out = np.zeros(spec.output_shape)
            out[tuple(slice(None, None, s) for s in spec.scale)] = x
            return out
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
        """``input``, one ``slide`` per input cell filling its block (bilinear: per output
        cell reading its sources), ``output``."""
        ax = axes2(spec)
        x2, y2 = x.reshape(ax.i), y.reshape(ax.o)
        arith = arithmetic(spec)
        captions = shared_captions(spec, arith)
        frames = [Frame("input", "input", captions["input"])]
        if spec.method == "bilinear":
            frames += bilinear_frames(spec, x2, y2)
        else:
            frames += self._block_frames(spec, x2)
        frames.append(Frame("output", "input", captions["output"]))
        picture = self.pictures.get(spec.method, self.picture)
        return Plan(spec, x, w, y, {"input": input_grid(x2)}, "input",
                    output_grid(y2), (0, 0), tuple(frames), arith, picture)

    def _block_frames(self, spec: Spec, x2: np.ndarray) -> list[Frame]:
        """Nearest and bed of nails: one frame per input cell writing its block."""
        scale = "×".join(map(str, spec.scale)) if spec.dims == 2 else str(spec.scale[0])
        block = f"{scale} block" if spec.dims == 2 else f"{scale} cells"
        nails = spec.method == "bed_of_nails"
        caption = (f"bed of nails: each input cell at the corner of its {block}, zeros "
                   "elsewhere" if nails else f"nearest: copy each input cell into its {block}")
        user = (lambda r, c: (c,)) if spec.dims == 1 else (lambda r, c: (r, c))
        frames = []
        for step, (r, c) in enumerate(np.ndindex(*x2.shape), start=1):
            cells = self._block(spec, r, c)
            value = float(x2[r, c])
            n = len(cells)
            sums = np.full(n, value)
            # Bed of nails: only the corner depends on the input; the zeros link to nothing.
            linked = cells[:1] if nails else cells
            if nails:
                sums[1:] = 0.0
            links = tuple((user(int(a), int(b)), user(r, c), ()) for a, b in linked)
            frames.append(Frame("slide", "input", caption, step, np.array([[r, c]]),
                                np.zeros((1, 2), dtype=np.int64), cells, np.array([value]),
                                value, sums, np.ones(n, dtype=np.int64), None, links,
                                formula=_block_formula(spec, cells, (r, c), nails)))
        return frames

    def frame_count(self, spec: Spec) -> int:
        """Input, one per input cell (bilinear: per output cell), output."""
        cells = spec.output_shape if spec.method == "bilinear" else spec.i
        return 2 + int(np.prod(cells))

    def largest_grid(self, spec: Spec) -> int:
        """The output is the largest grid."""
        return max(*spec.i, *spec.output_shape)

    # -- words and code -------------------------------------------------------------------

    def alt_text(self, spec: Spec) -> str:
        """``Nearest upsampling of a 3x3 input by scale 2, giving a 6x6 output.``"""
        noun = self.nouns[spec.method] + (" (align_corners)" if spec.align_corners else "")
        def size(shape: tuple[int, ...]) -> str:
            return "x".join(map(str, shape)) if spec.dims == 2 else f"length-{shape[0]}"

        scale = " and ".join(map(str, spec.scale)) if len(set(spec.scale)) > 1 else str(
            spec.scale[0])
        return (f"{noun} of a {size(spec.i)} input by scale {scale}, giving a "
                f"{size(spec.output_shape)} output.")

    def pytorch(self, spec: Spec) -> tuple[Call, ...]:
        """``nn.Upsample(scale_factor=2, mode="nearest")``; bed of nails as a transposed
        convolution whose one weight is 1 at the kernel's corner."""
        scale = value_text(spec.scale)
        if spec.method == "bed_of_nails":
            corner = ", ".join(["0"] * spec.dims)
            return (Call(f"nn.ConvTranspose{spec.dims}d",
                         ("1", "1", f"kernel_size={scale}", f"stride={scale}", "bias=False"),
                         f"weight = 1 at [0, 0, {corner}], 0 elsewhere; no gradient"),)
        mode = "linear" if spec.method == "bilinear" and spec.dims == 1 else spec.method
        args = [f"scale_factor={scale}", f'mode="{mode}"']
        if spec.method == "bilinear":
            args.append(f"align_corners={spec.align_corners}")
        return (Call("nn.Upsample", tuple(args)),)

    def keras(self, spec: Spec) -> Call | str:
        """``layers.UpSampling2D(size=2, interpolation="nearest")`` (1-D: ``UpSampling1D``)."""
        if spec.method == "bed_of_nails":
            return "Keras has no bed-of-nails layer"
        if spec.align_corners:
            return "Keras' UpSampling2D has no align_corners (it is align_corners=False)"
        if spec.dims == 1:
            if spec.method == "bilinear":
                return "Keras' UpSampling1D only repeats (nearest)"
            return Call("layers.UpSampling1D", (f"size={spec.scale[0]}",))
        return Call("layers.UpSampling2D", (f"size={value_text(spec.scale)}",
                                            f'interpolation="{spec.method}"'))


OPS = (Upsample(),)


def _block_formula(spec: Spec, cells: np.ndarray, source: tuple[int, int], nails: bool
                   ) -> tuple[str, str, str]:
    """Where one block frame's value comes from and goes, in PyTorch's indexing:
    ``y[0:2, 0:2] = x[0, 0] = `` (nearest) or ``y[0, 0] = x[0, 0] = `` and the zeros
    (bed of nails); the value follows.

    >>> cells = np.array([[2, 4], [2, 5], [3, 4], [3, 5]])
    >>> _block_formula(Spec(i=3, mode="upsample"), cells, (1, 2), False)[0]
    'y[2:4, 4:6] = x[1, 2] = '
    """
    (r0, c0), (r1, c1) = cells.min(axis=0), cells.max(axis=0) + 1
    src = f"x[{source[1]}]" if spec.dims == 1 else f"x[{source[0]}, {source[1]}]"
    if nails:
        where = f"y[{c0}]" if spec.dims == 1 else f"y[{r0}, {c0}]"
        rest = len(cells) - 1
        return f"{where} = {src} = ", "", f"; the other {rest} cell{'s' if rest > 1 else ''} 0"
    cols = f"{c0}:{c1}"
    where = f"y[{cols}]" if spec.dims == 1 else f"y[{r0}:{r1}, {cols}]"
    return f"{where} = {src} = ", "", ""
