"""Unfold (im2col) and fold (col2im): ``nn.Unfold``/``nn.Fold(kernel_size, dilation,
padding, stride)``.

Every position of a kernel window over the zero-padded input becomes one column of the patch
matrix: ``x`` of ``(C, H, W)`` (one map: ``(H, W)``) gives ``(C*kh*kw, L)``, ``L`` the
number of window positions, row ``c*kh*kw + a*kw + b`` holding what tap ``(a, b)`` of the
window sees in channel ``c``. A convolution is then one matrix product: the kernel as a row
times this matrix. The figure puts the patch matrix beside the input and fills it column
by column as the window slides (maps stacked down, one below the other, for several
channels).

Fold reads the same spec backwards: a ``(C*kh*kw, L)`` matrix is added back, column by
column, into the padded ``input_size`` image (``nn.Fold``'s ``output_size``), where windows
overlap the values sum; the padding is cropped at the end.

>>> from convanim.geometry import Spec, compute
>>> compute(Spec(i=3, k=2, mode="unfold"), [[1, 2, 3], [4, 5, 6], [7, 8, 9]]).tolist()[0]
[1.0, 2.0, 4.0, 5.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convanim.geometry.arithmetic import AxisArithmetic, arithmetic, sliding_arithmetic
from convanim.geometry.compute import Axes2
from convanim.geometry.ops.base import Call, Op
from convanim.geometry.ops.channels import IN_CHANNELS
from convanim.geometry.ops.window import Windowed, value_text
from convanim.geometry.plan import (
    CROP,
    INPUT,
    Frame,
    Grid,
    Picture,
    Plan,
    input_grid,
    output_grid,
    padded_grid,
    sides_text,
    tap_grid,
)
from convanim.geometry.spec import Spec, SpecError, per_axis_text


class Unfold(Windowed):
    """``mode: unfold`` (alias ``im2col``).

    >>> spec = Spec(i=(3, 4), k=2, mode="unfold", in_channels=2)
    >>> spec.output_shape, spec.op.input_shape(spec)
    ((8, 6), (2, 3, 4))
    """

    mode = "unfold"
    aliases = ("im2col",)
    title = "unfold"
    noun = "Unfold (im2col)"
    takes = ("kernel_size", "stride", "padding", "dilation")
    fields = (IN_CHANNELS,)
    picture = Picture(weighted=False, window="kernel window", formula=("", ", ", ""))
    field_step = Op.field_step
    field_refusal = ("gives a patch matrix, not a map the next layer's windows slide over; "
                     "draw the convolution instead (mode 'conv')")

    # -- spec ---------------------------------------------------------------------------

    def validate(self, spec: Spec) -> None:
        """2-D, zeros padding the same on both sides (PyTorch's), then the window rules."""
        if spec.dims != 2:
            raise SpecError("unfold is 2-D only (PyTorch's nn.Unfold takes images); use "
                            "dims: 2", "dims")
        if any(b != a for b, a in spec.p):
            raise SpecError(f"padding={spec.p} differs between sides; nn.Unfold pads both "
                            "sides of an axis equally: use e.g. padding=1", "padding")
        super().validate(spec)

    def blocks(self, spec: Spec) -> tuple[int, int]:
        """Window positions per axis (rows, columns of the window grid)."""
        return (Windowed.output_length(self, spec, 0), Windowed.output_length(self, spec, 1))

    def output_length(self, spec: Spec, axis: int) -> int:
        """Rows ``C*kh*kw`` (axis 0) and columns ``L`` (axis 1) of the patch matrix."""
        if axis == 0:
            return spec.in_channels * int(np.prod(spec.k))
        bh, bw = self.blocks(spec)
        return bh * bw if min(bh, bw) >= 1 else min(bh, bw)

    def axis_arithmetic(self, spec: Spec, axis: int) -> AxisArithmetic:
        """``rows = C*kh*kw`` and ``L = (windows down)*(windows across)``."""
        if axis == 0:
            kh, kw = spec.k
            rows = self.output_length(spec, 0)
            return AxisArithmetic(0, "rows = C*kh*kw", f"{spec.in_channels}*{kh}*{kw}",
                                  rows, 0, (0, 0), 0, spec.i[0], spec.i[0])
        one = spec.replace(mode="conv", in_channels=1)
        down, across = (sliding_arithmetic(one, a) for a in (0, 1))
        return AxisArithmetic(1, f"L = ({down.formula[4:]}) * ({across.formula[4:]})",
                              f"({down.numbers}) * ({across.numbers})",
                              self.output_length(spec, 1), 0, spec.p[1], 0, spec.i[1],
                              spec.i[1] + sum(spec.p[1]))

    def named_parameters(self, spec: Spec) -> list[tuple[str, Any]]:
        """The window's parameters and the channels."""
        items = super().named_parameters(spec)
        if spec.in_channels > 1:
            items.append(("cin", str(spec.in_channels)))
        return items

    def input_shape(self, spec: Spec) -> tuple[int, ...]:
        """``(C, H, W)``, or ``(H, W)`` for one map."""
        return (spec.in_channels, *spec.i) if spec.in_channels > 1 else spec.i

    def axis_links(self, spec: Spec, axis: int) -> np.ndarray:
        """Unfold is not separable into the output's axes (a row mixes channel and tap)."""
        raise NotImplementedError("unfold's links come from its plan")

    # -- numbers and frames ---------------------------------------------------------------

    def _padded(self, spec: Spec, x: np.ndarray) -> np.ndarray:
        maps = np.reshape(x, (spec.in_channels, *spec.i))
        return np.pad(maps, ((0, 0), *spec.p))

    def compute(self, spec: Spec, x: np.ndarray, w: np.ndarray | None,
                b: Any = None) -> np.ndarray:
        """The patch matrix ``(C*kh*kw, L)``, columns in row-major window order."""
        padded = self._padded(spec, x)
        (bh, bw), (sh, sw), (dh, dw) = self.blocks(spec), spec.s, spec.d
        rows = [padded[c, a * dh: a * dh + (bh - 1) * sh + 1: sh,
                       t * dw: t * dw + (bw - 1) * sw + 1: sw].ravel()
                for c in range(spec.in_channels) for a in range(spec.k[0])
                for t in range(spec.k[1])]
        return np.array(rows, dtype=float).reshape(spec.output_shape)

    def _axes(self, spec: Spec) -> Axes2:
        return Axes2(spec.i, spec.k, spec.s, spec.d, spec.p, (0, 0),  # type: ignore[arg-type]
                     self.blocks(spec))

    def _stacked(self, spec: Spec, grids: list[Grid], rows: int) -> Grid:
        """One grid per channel, stacked down; sources keep to the stacked input's rows."""
        sources = []
        for c, g in enumerate(grids):
            src = g.source.copy()
            src[..., 0] = np.where(src[..., 0] >= 0, src[..., 0] + c * rows, -1)
            sources.append(src)
        return Grid(np.concatenate([g.values for g in grids]),
                    np.concatenate([g.kinds for g in grids]), np.concatenate(sources),
                    np.concatenate([g.reached for g in grids]), grids[0].origin)

    def plan(self, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray) -> Plan:
        """``input``, ``pad`` when padded, one ``slide`` per window position filling one
        column of the patch matrix, ``output``."""
        cin, (h, wid), ax = spec.in_channels, spec.i, self._axes(spec)
        maps = np.reshape(x, (cin, h, wid))
        arith = arithmetic(spec)
        grids = {"input": input_grid(maps.reshape(cin * h, wid))}
        many = f" ({cin} maps stacked down)" if cin > 1 else ""
        frames = [Frame("input", "input", f"the {h}×{wid} input{many}")]
        slide_grid = "input"
        if any(v for pair in spec.p for v in pair):
            slide_grid = "padded"
            grids["padded"] = self._stacked(spec, [padded_grid(spec, ax, m) for m in maps], h)
            frames.append(Frame("pad", "padded", sides_text(spec, spec.p, "pad", "zeros")))
        grid = grids[slide_grid]
        block_rows = grid.shape[0] // cin
        taps = tap_grid(ax)
        per = len(taps)
        bh, bw = ax.o
        for col, (r, c) in enumerate(np.ndindex(bh, bw)):
            offsets = taps * np.array(spec.d) + np.array(spec.s) * (r, c)
            window = np.concatenate([offsets + np.array([ch * block_rows, 0])
                                     for ch in range(cin)])
            seen = grid.values[window[:, 0], window[:, 1]]
            src = grid.source[window[:, 0], window[:, 1]]
            cells = np.stack([np.arange(cin * per), np.full(cin * per, col)], axis=1)
            links = []
            for row, (sr, sc) in enumerate(src):
                if sr < 0 or grid.kinds[window[row, 0], window[row, 1]] != INPUT:
                    continue
                at = (int(sr) // h, int(sr) % h, int(sc)) if cin > 1 else (int(sr), int(sc))
                links.append(((row, col), at, ()))
            caption = ("each window position becomes the next column, read row by row"
                       + (", channel by channel" if cin > 1 else ""))
            frames.append(Frame("slide", slide_grid, caption, col + 1, window,
                                np.tile(taps, (cin, 1)), cells, seen, None, seen.copy(),
                                np.ones(len(cells), dtype=np.int64), None, tuple(links),
                                formula=(f"column {col} = (", ", ", ")")))
        frames.append(Frame("output", slide_grid, f"the {y.shape[0]}×{y.shape[1]} patch "
                            f"matrix: one row per (channel, tap), one column per window; "
                            + "; ".join(a.text for a in arith)))
        return Plan(spec, x, w, y, grids, slide_grid, output_grid(np.reshape(y, y.shape)),
                    (0, 0), tuple(frames), arith, self.picture)

    def frame_count(self, spec: Spec) -> int:
        """Input, pad when padded, one per window position, output."""
        return 2 + self.output_length(spec, 1) + int(any(v for pr in spec.p for v in pr))

    def largest_grid(self, spec: Spec) -> int:
        """The (padded) input maps stacked down and the patch matrix."""
        padded = [n + b + a for n, (b, a) in zip(spec.i, spec.p)]
        return max(spec.in_channels * padded[0], padded[1], *spec.output_shape)

    def oversize(self, spec: Spec, limit: int) -> tuple[str, str]:
        """The patch matrix grows with the window count: blame the input size."""
        return "input_size", "use a smaller input_size or a larger stride"

    def panel_sides(self, spec: Spec) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The padded maps stacked down, and the patch matrix."""
        padded = [n + b + a for n, (b, a) in zip(spec.i, spec.p)]
        return (spec.in_channels * padded[0], padded[1]), tuple(spec.output_shape)

    def alt_text(self, spec: Spec) -> str:
        """``Unfold (im2col) of a 4x4 input with a 2x2 window, ... into a 4x9 patch matrix.``"""
        size = "x".join(map(str, spec.i))
        rows, cols = spec.output_shape
        return (f"{self.noun} of a {size} input with a {'x'.join(map(str, spec.k))} window, "
                f"stride {per_axis_text(spec.s)}, "
                f"padding {per_axis_text(tuple(b for b, _ in spec.p))}: each window position "
                f"becomes one column of a {rows}x{cols} patch matrix.")

    # -- code -----------------------------------------------------------------------------

    def pytorch(self, spec: Spec) -> tuple[Call, ...]:
        """``nn.Unfold(kernel_size=..., dilation=..., padding=..., stride=...)``."""
        args = [f"kernel_size={value_text(spec.k)}"]
        if any(d != 1 for d in spec.d):
            args.append(f"dilation={value_text(spec.d)}")
        if any(b for b, _ in spec.p):
            args.append(f"padding={value_text(tuple(b for b, _ in spec.p))}")
        if any(s != 1 for s in spec.s):
            args.append(f"stride={value_text(spec.s)}")
        return (Call("nn.Unfold", tuple(args)),)

    def keras(self, spec: Spec) -> Call | str:
        """No Keras layer unfolds in PyTorch's order."""
        return ("Keras has no unfold layer (keras.ops.image.extract_patches puts channels "
                "last, another order)")


class Fold(Unfold):
    """``mode: fold`` (alias ``col2im``): ``input_size`` is the image folded into.

    >>> from convanim.geometry import compute
    >>> spec = Spec(i=3, k=2, mode="fold")
    >>> spec.op.input_shape(spec), spec.output_shape
    ((4, 4), (3, 3))
    >>> compute(spec, np.ones((4, 4))).tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """

    mode = "fold"
    aliases = ("col2im",)
    title = "fold"
    noun = "Fold (col2im)"
    picture = Picture(weighted=False, scatter=True, window="matrix column",
                      formula=("", ", ", ""))

    def output_length(self, spec: Spec, axis: int) -> int:
        """The image: ``input_size``."""
        return spec.i[axis]

    def axis_arithmetic(self, spec: Spec, axis: int) -> AxisArithmetic:
        """``o = output_size``: fold's image is given (the input's columns must fit it)."""
        i = spec.i[axis]
        return AxisArithmetic(axis, "o = output_size", str(i), i, 0, spec.p[axis], 0, i,
                              i + sum(spec.p[axis]))

    def input_shape(self, spec: Spec) -> tuple[int, ...]:
        """The patch matrix ``(C*kh*kw, L)``."""
        bh, bw = self.blocks(spec)
        return (spec.in_channels * int(np.prod(spec.k)), bh * bw)

    def report_input_shape(self, spec: Spec) -> tuple[int, ...]:
        """The patch matrix."""
        return self.input_shape(spec)

    def compute(self, spec: Spec, x: np.ndarray, w: np.ndarray | None,
                b: Any = None) -> np.ndarray:
        """Each column added into its window of the padded image; the padding cropped."""
        (ph, _), (pw, _) = spec.p
        canvas = self._canvas(spec)
        for col in range(x.shape[1]):
            rows, cells = self._targets(spec, col)
            np.add.at(canvas, (rows, cells[:, 0], cells[:, 1]), x[:, col])
        h, w_ = spec.i
        out = canvas[:, ph: ph + h, pw: pw + w_]
        return out if spec.in_channels > 1 else out[0]

    def _canvas(self, spec: Spec) -> np.ndarray:
        return np.zeros((spec.in_channels, *(n + b + a for n, (b, a) in zip(spec.i, spec.p))))

    def _targets(self, spec: Spec, col: int) -> tuple[np.ndarray, np.ndarray]:
        """For column ``col``: each row's channel and padded (row, col) cell."""
        r, c = divmod(col, self.blocks(spec)[1])
        taps = tap_grid(self._axes(spec))
        cells = taps * np.array(spec.d) + np.array(spec.s) * (r, c)
        per = len(taps)
        return (np.repeat(np.arange(spec.in_channels), per),
                np.tile(cells, (spec.in_channels, 1)))

    def plan(self, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray) -> Plan:
        """``input`` (the matrix), one ``slide`` per column adding it into the padded
        image (maps stacked down), ``crop`` when padded, ``output``."""
        cin, (h, wid) = spec.in_channels, spec.i
        (ph, pa), (pw, pb) = spec.p
        rows_per = h + ph + pa
        canvas_shape = (cin * rows_per, wid + pw + pb)
        kinds = np.full(canvas_shape, CROP, dtype=np.int8)
        source = np.full((*canvas_shape, 2), -1, dtype=np.int64)
        for ch in range(cin):
            top = ch * rows_per + ph
            kinds[top: top + h, pw: pw + wid] = INPUT
            rr, cc = np.meshgrid(np.arange(h), np.arange(wid), indexing="ij")
            source[top: top + h, pw: pw + wid] = np.stack([rr + ch * h, cc], axis=-1)
        target = Grid(np.zeros(canvas_shape), kinds, source, np.ones(canvas_shape, bool),
                      (ph, pw))
        arith = arithmetic(spec)
        rows, cols = x.shape
        frames = [Frame("input", "input", f"the {rows}×{cols} patch matrix: one row per "
                        "(channel, tap), one column per window")]
        sums = np.zeros(canvas_shape)
        counts = np.zeros(canvas_shape, dtype=np.int64)
        for col in range(cols):
            chans, cells = self._targets(spec, col)
            at = cells + np.stack([chans * rows_per, np.zeros_like(chans)], axis=1)
            sums[at[:, 0], at[:, 1]] += x[:, col]
            counts[at[:, 0], at[:, 1]] += 1
            window = np.stack([np.arange(rows), np.full(rows, col)], axis=1)
            links = []
            for row, (tr, tc) in enumerate(at):
                if kinds[tr, tc] == CROP:
                    continue
                sr, sc = source[tr, tc]
                out = (int(sr) // h, int(sr) % h, int(sc)) if cin > 1 else (int(sr), int(sc))
                links.append((out, (row, col), ()))
            frames.append(Frame("slide", "input", "each column is added into its window of "
                                "the image; where windows overlap the values sum",
                                col + 1, window, window, at, x[:, col].copy(), None,
                                sums[at[:, 0], at[:, 1]].copy(),
                                counts[at[:, 0], at[:, 1]].copy(), None, tuple(links),
                                formula=(f"column {col} adds (", ", ", ")")))
        if (kinds == CROP).any():
            crop = sides_text(spec, spec.p, "crop", "p").replace("crop each side with",
                                                                   "crop each side by")
            frames.append(Frame("crop", "input", crop))
        frames.append(Frame("output", "input", f"the {h}×{wid} image"
                            + (f" × {cin}" if cin > 1 else "") + ": each cell the sum of "
                            "the matrix entries folded onto it"))
        return Plan(spec, x, w, y, {"input": input_grid(x)}, "input", target, (ph, pw),
                    tuple(frames), arith, self.picture,
                    hover=_fold_hover(frames, target, x.shape, h, cin))

    def frame_count(self, spec: Spec) -> int:
        """Input, one per column, crop when padded, output."""
        bh, bw = self.blocks(spec)
        return 2 + bh * bw + int(any(v for pr in spec.p for v in pr))

    def largest_grid(self, spec: Spec) -> int:
        """The matrix and the padded images stacked down."""
        padded = [n + b + a for n, (b, a) in zip(spec.i, spec.p)]
        return max(spec.in_channels * padded[0], padded[1], *self.input_shape(spec))

    def panel_sides(self, spec: Spec) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The matrix, and the padded images stacked down."""
        padded = [n + b + a for n, (b, a) in zip(spec.i, spec.p)]
        return self.input_shape(spec), (spec.in_channels * padded[0], padded[1])

    def alt_text(self, spec: Spec) -> str:
        """``Fold (col2im) of a 4x9 patch matrix into a 4x4 image ...``."""
        rows, cols = self.input_shape(spec)
        return (f"{self.noun} of a {rows}x{cols} patch matrix into a "
                f"{'x'.join(map(str, spec.i))} image with a {'x'.join(map(str, spec.k))} "
                f"window, stride {per_axis_text(spec.s)}: each column is added into its window, "
                "overlaps summed.")

    def pytorch(self, spec: Spec) -> tuple[Call, ...]:
        """``nn.Fold(output_size=..., kernel_size=..., ...)``."""
        args = Unfold.pytorch(self, spec)[0].args
        return (Call("nn.Fold", (f"output_size={value_text(spec.i)}", *args)),)

    def keras(self, spec: Spec) -> Call | str:
        """No Keras layer folds."""
        return "Keras has no fold (col2im) layer"


def _fold_hover(frames: list[Frame], target: Grid, matrix: tuple[int, int],
                height: int, channels: int) -> dict[str, Any]:
    """Fold's hover map: each output cell keyed as its links name it, at the canvas cell
    that draws it (the maps stacked down, each with its own padding rows, which a key's
    flat row would not count), and each matrix cell at its place.

    >>> from convanim.geometry import plan
    >>> p = plan(Spec(i=2, k=2, p=1, mode="fold", in_channels=2))
    >>> p.hover["outputs"][-5:]  # channel 1, row 1, col 1: below channel 0's 4 rows
    [1, 1, 1, 6, 2]
    """
    seen: dict[tuple[int, ...], None] = {}
    for frame in frames:
        for out, (row, col), _ in frame.links:
            seen.setdefault((*out, row, col, -1, -1), None)
    outputs: list[int] = []
    for r, c in zip(*np.nonzero(target.kinds == INPUT)):
        sr, sc = (int(v) for v in target.source[r, c])  # the row counts the maps above
        key = (sr // height, sr % height, sc) if channels > 1 else (sr, sc)
        outputs += [*key, int(r), int(c)]
    inputs = [v for r, c in np.ndindex(*matrix) for v in (r, c, r, c)]
    return {"key_dims": [3 if channels > 1 else 2, 2, 2], "outputs": outputs, "taps": [],
            "inputs": {"input": inputs}, "links": [v for link in sorted(seen) for v in link]}


OPS = (Unfold(), Fold())
