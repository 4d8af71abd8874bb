"""Transposed convolution (``nn.ConvTranspose2d``, Keras ``Conv2DTranspose``), one channel.

Each input cell scatters ``value * kernel`` into the output at the stride; overlaps sum and
``padding`` crops the border. The gather view shows the equivalent direct convolution: ``s-1``
zeros inserted between input cells, ``d*(k-1) - p`` padding on each side (negative crops),
then a stride-1 convolution with the kernel rotated by 180 degrees.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convanim.geometry.arithmetic import (
    AxisArithmetic,
    arithmetic,
    kernel_terms,
    padding_terms,
)
from convanim.geometry.compute import axes2, transposed_canvas_shape
from convanim.geometry.ops.backward import Backward
from convanim.geometry.ops.base import BASE_FIELDS, Call
from convanim.geometry.ops.channels import CONV_FIELDS, Channels
from convanim.geometry.ops.volume import Volume
from convanim.geometry.ops.window import (
    Windowed,
    flat_pads,
    kernel_text,
    padding_label,
    plain,
    value_text,
)
from convanim.geometry.plan import (
    CROP,
    Frame,
    Picture,
    Plan,
    canvas_grid,
    input_grid,
    output_grid,
    scatter_frames,
    shared_captions,
    sides_text,
    slide_frames,
    tap_grid,
    zeros_grid,
)
from convanim.geometry.rules import axis_suffix
from convanim.geometry.spec import Spec, SpecError, per_axis_text

SCATTER = Picture(scatter=True, window="input cell")


class Transposed(Windowed):
    """``mode: transposed``.

    >>> from convanim.geometry import Spec
    >>> Transposed().output_length(Spec(i=3, k=3, s=2, p=1, mode="transposed"), 0)
    5
    """

    mode = "transposed"
    title = "transposed conv"
    noun = "Transposed convolution"
    takes = BASE_FIELDS
    views = ("gather", "scatter", "matrix", "backward")
    solvable = True
    transposed = True
    weighted = True
    pad_verb = "crop"
    same_sets_output_padding = True

    # -- receptive field ------------------------------------------------------------------

    def field_step(self, spec: Spec, axis: int) -> tuple[int, int, int]:
        """Stride 1: the equivalent direct convolution's box, ``(d*(k-1) + 1, 1,
        d*(k-1) - p_before)``; a larger stride gives output cells a jump of 1/s over the input
        (neighbours see different counts of inputs, the checkerboard), which no box states.

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=4, k=3, p=1, mode="transposed")
        >>> spec.op.field_step(spec, 0)
        (3, 1, 1)
        """
        s = spec.s[axis]
        if s != 1:
            raise SpecError(
                f"stride={per_axis_text(spec.s)} of a transposed convolution moves 1/{s} of an "
                "input cell per output cell, so neighbouring output cells see different numbers "
                "of input cells and no receptive-field box with a whole jump exists; use stride "
                "1, or trace one cell with `convanim render CONFIG --view trace`", "stride")
        span = spec.effective_kernel[axis]
        super().field_step(spec, axis)  # the padding-mode rule
        return span, 1, span - 1 - spec.p[axis][0]

    # -- spec ---------------------------------------------------------------------------

    def same_padding(self, i: int, s: int, span: int) -> tuple[int, int]:
        """Keras' ``same``: ``i*s`` output cells, any shortfall as output_padding."""
        return max(span - s, 0), max(s - span, 0)

    def check_padding_name(self, spec: Spec, name: str) -> None:
        """``same`` fixes the output at ``i*s``, so it leaves no room for output_padding."""
        if name == "same" and any(spec.output_padding):
            raise SpecError(
                f"output_padding={per_axis_text(spec.output_padding)} cannot be combined with "
                "padding='same', which fixes the output at i*s; drop output_padding or give "
                "padding as numbers", "output_padding")

    def output_length(self, spec: Spec, axis: int) -> int:
        """``(i-1)*s - p_before - p_after + d*(k-1) + 1 + output_padding``."""
        i, k, s, d = spec.i[axis], spec.k[axis], spec.s[axis], spec.d[axis]
        before, after = spec.p[axis]
        return (i - 1) * s - before - after + d * (k - 1) + 1 + spec.output_padding[axis]

    def axis_links(self, spec: Spec, axis: int) -> np.ndarray:
        """Input ``x`` goes through tap ``t`` to output ``x*s - p_before + t*d`` when that
        lands inside the output."""
        n, k, s, d = spec.i[axis], spec.k[axis], spec.s[axis], spec.d[axis]
        x, t = np.meshgrid(np.arange(n), np.arange(k), indexing="ij")
        o = x * s - spec.p[axis][0] + t * d
        keep = (o >= 0) & (o < spec.output_shape[axis])
        return np.stack([o[keep], x[keep], t[keep]], axis=1)

    def axis_arithmetic(self, spec: Spec, axis: int) -> AxisArithmetic:
        """``o = (i-1)*s + k - 2p [+ output_padding]`` and the equivalent direct convolution."""
        i, k, s, d = spec.i[axis], spec.k[axis], spec.s[axis], spec.d[axis]
        before, after = spec.p[axis]
        op = spec.output_padding[axis]
        span = d * (k - 1) + 1
        psym, pnum = padding_terms(before, after)
        ksym, knum = kernel_terms(spec, axis)
        formula = f"o = (i-1)*s + {ksym} - {psym}"
        numbers = f"({i}-1)*{s} + {knum} - {pnum}"
        if op:
            formula += " + output_padding"
            numbers += f" + {op}"
        equivalent = (span - 1 - before, span - 1 - after + op)
        inserted = (i - 1) * s + 1
        return AxisArithmetic(axis, formula, numbers, self.output_length(spec, axis), s - 1,
                              equivalent, 0, inserted, inserted + sum(equivalent))

    def validate(self, spec: Spec) -> None:
        """Zero padding only; output_padding below stride or dilation; some output left."""
        name = padding_label(spec)
        if spec.padding_mode != "zeros":
            raise SpecError(f"padding_mode={spec.padding_mode!r} is not supported for mode "
                            "'transposed' (PyTorch allows only 'zeros'); use "
                            "padding_mode='zeros'", "padding_mode")
        for axis in range(spec.dims):
            op, s, d = spec.output_padding[axis], spec.s[axis], spec.d[axis]
            if op >= max(s, d):
                raise SpecError(
                    f"output_padding={per_axis_text(spec.output_padding)} must be smaller than "
                    f"stride {s} or dilation {d}{axis_suffix(spec, axis)}; use output_padding <= "
                    f"{max(s, d) - 1}", "output_padding")
            out = self.output_length(spec, axis)
            if out < 1:
                before, after = spec.p[axis]
                uncropped = out + before + after
                raise SpecError(
                    f"padding={per_axis_text(spec.p[axis])}{name} crops {before + after} cells "
                    f"from the {uncropped}-cell result and leaves no output"
                    f"{axis_suffix(spec, axis)}; "
                    f"use padding <= {(uncropped - 1) // 2}", "padding")

    def extra_dict(self, spec: Spec) -> dict[str, Any]:
        """The view, and output_padding when given."""
        out: dict[str, Any] = {"view": spec.view, **super().extra_dict(spec)}
        if any(spec.given_output_padding):
            out["output_padding"] = plain(spec.given_output_padding)
        return out

    # -- numbers and frames ---------------------------------------------------------------

    def compute(self, spec: Spec, x: np.ndarray, w: np.ndarray | None,
                b: Any = None) -> np.ndarray:
        """Scatter ``w[a, b] * x`` at the stride onto a canvas, then crop the padding."""
        assert w is not None
        ax = axes2(spec)
        x2, w2 = x.reshape(ax.i), w.reshape(ax.k)
        (oh, ow), (sh, sw), (dh, dw) = ax.o, ax.s, ax.d
        (pt, _), (pl, _) = ax.p
        rows, cols = transposed_canvas_shape(ax)
        canvas = np.zeros((rows, cols))
        for a in range(ax.k[0]):
            for b_ in range(ax.k[1]):
                canvas[a * dh: a * dh + (ax.i[0] - 1) * sh + 1: sh,
                       b_ * dw: b_ * dw + (ax.i[1] - 1) * sw + 1: sw] += w2[a, b_] * x2
        return canvas[pt: pt + oh, pl: pl + ow].reshape(spec.output_shape)

    def reduce(self, seen: np.ndarray, weights: np.ndarray
               ) -> tuple[np.ndarray, float, int | None]:
        """Products with the (rotated) kernel's weights, and their sum."""
        products = seen * weights
        return products, float(products.sum()), None

    def plan(self, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray) -> Plan:
        """Gather view: ``insert_zeros``, ``pad``, stride-1 slides; scatter: one per input."""
        ax = axes2(spec)
        x2, w2 = x.reshape(ax.i), w.reshape(ax.k)
        arith = arithmetic(spec)
        captions = shared_captions(spec, arith)
        grids = {"input": input_grid(x2)}
        frames = [Frame("input", "input", captions["input"])]
        slide_grid = "input"
        if spec.view == "scatter":
            target = canvas_grid(ax)
            offset = target.origin
            frames += scatter_frames(spec, ax, x2, w2, target, (
                f"each input cell times the {kernel_text(spec)} is added into the output at "
                f"stride {per_axis_text(spec.s)}; overlaps sum"), slide_grid)
            picture = SCATTER
        else:
            target, offset = output_grid(y.reshape(ax.o)), (0, 0)
            eq = [(span - 1 - b, span - 1 - a + op)
                  for span, (b, a), op in zip(ax.span, ax.p, ax.op)]
            if max(ax.s) > 1:
                zeros = tuple(s - 1 for s in spec.s)
                noun = "zero" if max(zeros) == 1 else "zeros"
                grids["zeros"] = zeros_grid(ax, x2, [(0, 0), (0, 0)])
                frames.append(Frame("insert_zeros", "zeros", f"insert s-1 = "
                                    f"{per_axis_text(zeros)} {noun} between input cells"))
                slide_grid = "zeros"
            if any(v != 0 for pair in eq for v in pair):
                rule = "k-p-1" if all(d == 1 for d in spec.d) else "d*(k-1)-p"
                if any(spec.output_padding):
                    rule += " + output_padding at the end"
                grids["padded"] = zeros_grid(ax, x2, eq)
                frames.append(Frame("pad", "padded", sides_text(
                    spec, tuple(a.equivalent_padding for a in arith), "pad", rule)))
                slide_grid = "padded"
            slide_on = zeros_grid(ax, x2, eq)
            grids[slide_grid] = slide_on
            # Number the steps of the equivalent convolution by the phases actually shown.
            frames[1:] = [Frame(f.phase, f.grid, f"{n}. {f.caption}")
                          for n, f in enumerate(frames[1:], start=1)]
            caption = f"{len(frames)}. slide the {kernel_text(spec)}, rotated 180°, with stride 1"
            taps = tap_grid(ax)
            offsets = (np.array(ax.k) - 1 - taps) * np.array(ax.d)  # the kernel rotated 180°
            frames += slide_frames(spec, ax, slide_on, w2, caption, slide_grid, offsets,
                                    np.array([1, 1]), self.reduce)
            picture = Picture()
        if (target.kinds == CROP).any():
            crop = sides_text(spec, spec.p, "crop", "p").replace("crop each side with",
                                                                   "crop each side by")
            frames.append(Frame("crop", slide_grid, crop))
        frames.append(Frame("output", slide_grid, captions["output"]))
        return Plan(spec, x, w, y, grids, slide_grid, target, offset, tuple(frames), arith,
                    picture)

    def frame_count(self, spec: Spec) -> int:
        """Scatter: input, one per input cell, crop, output; gather: as the phases shown."""
        ax = axes2(spec)
        if spec.view == "scatter":
            canvas = transposed_canvas_shape(ax)
            return 2 + ax.i[0] * ax.i[1] + int(canvas != tuple(ax.o))
        count = 2 + ax.o[0] * ax.o[1] + int(max(ax.s) > 1)
        return count + int(any(span - 1 - b != 0 or span - 1 - a + op != 0
                               for span, (b, a), op in zip(ax.span, ax.p, ax.op)))

    def panel_sides(self, spec: Spec) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Gather: the zero-inserted, padded input and the output; scatter: the input and
        the uncropped canvas."""
        out = spec.output_shape
        spans = [d * (k - 1) + 1 for k, d in zip(spec.k, spec.d)]
        gather = [o + sp - 1 for o, sp in zip(out, spans)]
        inserted = [(i - 1) * s + 1 for i, s in zip(spec.i, spec.s)]
        canvas = [(i - 1) * s + sp for i, s, sp in zip(spec.i, spec.s, spans)]
        if spec.view == "scatter":
            return (tuple(max(i, ins) for i, ins in zip(spec.i, inserted)),
                    tuple(max(o, c) for o, c in zip(out, canvas)))
        return tuple(max(g, ins) for g, ins in zip(gather, inserted)), tuple(out)

    def largest_grid(self, spec: Spec) -> int:
        """The gather grid, the zero-inserted input and the scatter canvas too."""
        ax = axes2(spec)
        sides = [*ax.i, *ax.o]
        sides += [o + span - 1 for o, span in zip(ax.o, ax.span)]  # the gather grid
        sides += [(i - 1) * s + 1 for i, s in zip(ax.i, ax.s)]  # zeros inserted
        sides += list(transposed_canvas_shape(ax))  # the scatter canvas
        return max(sides)

    # -- code -----------------------------------------------------------------------------

    def pytorch(self, spec: Spec) -> tuple[Call, ...]:
        """``nn.ConvTranspose2d``; asymmetric padding becomes a cropping ``nn.ZeroPad2d``."""
        dims = f"{spec.dims}d"
        counts, extra_kw = self.torch_channels(spec)  # type: ignore[attr-defined]
        args = [*counts, f"kernel_size={value_text(spec.k)}"]
        if any(s != 1 for s in spec.s):
            args.append(f"stride={value_text(spec.s)}")
        pad = tuple(before for before, _ in spec.p)
        extra = tuple(before - after + op
                      for (before, after), op in zip(spec.p, spec.output_padding))
        exact = all(0 <= e < max(s, d) for e, s, d in zip(extra, spec.s, spec.d))
        if exact and any(pad):
            args.append(f"padding={value_text(pad)}")
        if exact and any(extra):
            args.append(f"output_padding={value_text(extra)}")
        if any(d != 1 for d in spec.d):
            args.append(f"dilation={value_text(spec.d)}")
        crop = tuple((-before, op - after)
                     for (before, after), op in zip(spec.p, spec.output_padding))
        layer = Call(f"nn.ConvTranspose{dims}", tuple(args + extra_kw))
        if exact:
            return (layer,)
        side = "(left, right)" if spec.dims == 1 else "(left, right, top, bottom)"
        if getattr(spec, "bias", False) and any(v > 0 for pair in crop for v in pair):
            # Zeros padded onto the output would lack the bias: pad the input instead (each
            # extra input cell of zeros lengthens the output by the stride, bias included),
            # then crop what is too much.
            grow = tuple(tuple(-(-max(v, 0) // st) for v in pair)
                         for pair, st in zip(crop, spec.s))
            crop = tuple((v - n * st for v, n in zip(pair, more))
                         for pair, more, st in zip(crop, grow, spec.s))
            crop = tuple(tuple(pair) for pair in crop)
            return (Call(f"nn.ZeroPad{dims}", (flat_pads(grow),),
                         f"input {side}: output cells beyond it hold the bias alone"),
                    layer, Call(f"nn.ZeroPad{dims}", (flat_pads(crop),), f"crops {side}"))
        return (layer, Call(f"nn.ZeroPad{dims}", (flat_pads(crop),), f"crops {side}"))

    def keras_spec(self, spec: Spec, name: str) -> Spec:
        """Keras' transposed ``valid`` still gives at least ``i*s`` cells: the rest is zeros."""
        if name == "valid":
            extra = tuple(max(s - (d * (k - 1) + 1), 0)
                          for k, s, d in zip(spec.k, spec.s, spec.d))
            return spec.replace(p=0, output_padding=extra)
        return super().keras_spec(spec, name)

    def keras_refusal(self, spec: Spec) -> str | None:
        """Keras convolutions take dilation only with stride 1; its transposed ones no groups."""
        if any(d != 1 for d in spec.d) and any(s != 1 for s in spec.s):
            return "Keras allows dilation_rate > 1 only with strides 1"
        if getattr(spec, "groups", 1) > 1:
            return "Keras' Conv2DTranspose has no groups"
        return None

    def keras_layer(self, spec: Spec, padding: str) -> Call:
        """``layers.Conv2DTranspose(C_out, k, strides=...)``."""
        args = [str(getattr(spec, "out_channels", 1)), value_text(spec.k)]
        if any(s != 1 for s in spec.s):
            args.append(f"strides={value_text(spec.s)}")
        extra = self.keras_channels(spec) if hasattr(self, "keras_channels") else []
        return Call(f"layers.Conv{spec.dims}DTranspose", tuple(args + extra))


class ChannelTransposed(Backward, Channels, Volume, Transposed):
    """``mode: transposed`` with channels, filters and groups around the one-map behaviour."""

    fields = CONV_FIELDS


OPS = (ChannelTransposed(),)
