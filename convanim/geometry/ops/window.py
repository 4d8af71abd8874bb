"""What conv, transposed conv and pooling share: a kernel window, padding, stride, dilation.

:class:`Windowed` holds the behaviour that is the same for every sliding-window mode (padding
names, the sliding plan, the PyTorch padding layers, the search for a Keras padding name); the
mode modules override the hooks where they differ.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convanim.geometry.arithmetic import AxisArithmetic, arithmetic, sliding_arithmetic
from convanim.geometry.compute import NP_PAD_MODES, axes2, pad_input, window_taps
from convanim.geometry.links import same_links
from convanim.geometry.ops.base import BASE_FIELDS, Call, Op
from convanim.geometry.plan import (
    Frame,
    Picture,
    Plan,
    input_grid,
    output_grid,
    padded_grid,
    shared_captions,
    sides_text,
    slide_frames,
    tap_grid,
)
from convanim.geometry.rules import axis_suffix
from convanim.geometry.spec import Pair, Spec, SpecError, per_axis_text

TORCH_PADS = {"zeros": "ZeroPad", "reflect": "ReflectionPad", "replicate": "ReplicationPad",
              "circular": "CircularPad"}


def value_text(values: tuple[int, ...]) -> str:
    """A per-axis value as code: ``3`` or ``(3, 2)``.

    >>> value_text((3, 3)), value_text((3, 2))
    ('3', '(3, 2)')
    """
    return str(values[0]) if len(set(values)) == 1 else "(" + ", ".join(map(str, values)) + ")"


def flat_pads(pairs: tuple[tuple[int, int], ...]) -> str:
    """Pads as ``nn.ZeroPad2d`` lists them: the last axis first, ``(left, right, top, bottom)``.

    >>> flat_pads(((1, 2), (3, 4)))
    '(3, 4, 1, 2)'
    """
    values = [v for before, after in reversed(pairs) for v in (before, after)]
    return "(" + ", ".join(map(str, values)) + ")"


def padding_label(spec: Spec) -> str:
    """``(one name)`` for a named padding, to follow a padding value in messages.

    >>> padding_label(Spec(i=5, k=3, p="same")), padding_label(Spec(i=5, k=3, p=1))
    (" ('same')", '')
    """
    return f" ({spec.padding_name!r})" if spec.padding_name else ""


def plain(values: tuple[Any, ...]) -> Any:
    """One number when every axis agrees, else a list (for YAML and JSON).

    >>> plain((2, 2)), plain((2, 3))
    (2, [2, 3])
    """
    return values[0] if len(set(values)) == 1 else list(values)


class Windowed(Op):
    """A kernel window moving over a (padded) input: the shared part of conv and pooling."""

    takes = tuple(f for f in BASE_FIELDS if f != "output_padding")
    pooling = False
    """Pooling's extra rule: padding at most half the kernel."""
    picture = Picture()
    pad_verb = "pad"
    same_sets_output_padding = False

    # -- spec ---------------------------------------------------------------------------

    def same_padding(self, i: int, s: int, span: int) -> tuple[int, int]:
        """Total padding and implied output_padding of ``same`` on one axis (Keras' rule)."""
        return max((-(-i // s) - 1) * s + span - i, 0), 0

    def check_padding_name(self, spec: Spec, name: str) -> None:
        """Refuse a padding name this mode cannot take (before it is resolved)."""

    def resolve_padding(self, spec: Spec, name: str
                        ) -> tuple[tuple[Pair, ...], tuple[int, ...] | None]:
        """``same`` follows TensorFlow/Keras (the odd cell after); ``full``, ``half``, ``valid``."""
        self.check_padding_name(spec, name)
        pads: list[Pair] = []
        extra: list[int] = []
        for i, k, s, d in zip(spec.i, spec.k, spec.s, spec.d):
            span = d * (k - 1) + 1
            if name == "valid":
                total, op = 0, 0
            elif name == "full":
                pads.append((span - 1, span - 1))
                extra.append(0)
                continue
            elif name == "half":
                pads.append(((span - 1) // 2, (span - 1) // 2))
                extra.append(0)
                continue
            else:
                total, op = self.same_padding(i, s, span)
            pads.append((total // 2, total - total // 2))
            extra.append(op)
        if self.same_sets_output_padding and name == "same":
            return tuple(pads), tuple(extra)
        return tuple(pads), None

    def output_length(self, spec: Spec, axis: int) -> int:
        """``floor((i + p_before + p_after - span) / s) + 1``."""
        i, k, s, d = spec.i[axis], spec.k[axis], spec.s[axis], spec.d[axis]
        before, after = spec.p[axis]
        return (i + before + after - (d * (k - 1) + 1)) // s + 1

    def window_count(self, spec: Spec, axis: int) -> int:
        """Window positions along one axis: the floor formula (pooling's ``ceil_mode`` may
        add one; an op whose output is not the grid of windows keeps this)."""
        return Windowed.output_length(self, spec, axis)

    def axis_arithmetic(self, spec: Spec, axis: int) -> AxisArithmetic:
        """The sliding-window formula."""
        return sliding_arithmetic(spec, axis)

    def axis_links(self, spec: Spec, axis: int) -> np.ndarray:
        """Output ``o`` reads padded cell ``o*s + t*d``, input ``src[o*s + t*d]``; ``src`` is
        numpy's pad of the indices for the padding mode, -1 for zeros."""
        n, k, s, d = spec.i[axis], spec.k[axis], spec.s[axis], spec.d[axis]
        before, after = spec.p[axis]
        if spec.padding_mode == "zeros":
            src = np.concatenate([np.full(before, -1), np.arange(n), np.full(after, -1)])
        else:
            src = np.pad(np.arange(n), (before, after), mode=NP_PAD_MODES[spec.padding_mode])
        o, t = np.meshgrid(np.arange(spec.output_shape[axis]), np.arange(k), indexing="ij")
        x = src[o * s + t * d]
        keep = x >= 0
        return np.stack([o[keep], x[keep], t[keep]], axis=1)

    def validate(self, spec: Spec) -> None:
        """The rules of a window sliding over the padded input (conv and pooling)."""
        name = padding_label(spec)
        pooling = self.pooling
        for axis in range(spec.dims):
            i, k, d = spec.i[axis], spec.k[axis], spec.d[axis]
            before, after = spec.p[axis]
            where = axis_suffix(spec, axis)
            if pooling and max(before, after) > k // 2:
                raise SpecError(
                    f"padding={per_axis_text(spec.p[axis])}{name} is more than half the kernel {k}"
                    f"{where}; pooling allows padding <= {k // 2}: use a smaller padding or a "
                    "larger kernel", "padding")
            if spec.padding_mode == "reflect" and max(before, after) >= i:
                raise SpecError(
                    f"padding={max(before, after)} with padding_mode='reflect' must be smaller "
                    f"than the input {i}{where}; use padding <= {i - 1} or "
                    "padding_mode='replicate'", "padding")
            if spec.padding_mode == "circular" and max(before, after) > i:
                raise SpecError(
                    f"padding={max(before, after)} with padding_mode='circular' wraps more than "
                    f"once around the input {i}{where}; use padding <= {i}", "padding")
            span = d * (k - 1) + 1
            padded = i + before + after
            if span > padded and self.window_count(spec, axis) < 1:  # ceil_mode may fit
                what = (f"kernel {k} dilated by {d} spans {span} cells but the padded input is "
                        f"{padded}" if d > 1
                        else f"kernel {k} is larger than the padded input {padded}")
                need = -(-(span - i) // 2)
                fixes = [f"padding >= {need}" if not pooling or need <= k // 2 else None,
                         f"kernel_size <= {(padded - 1) // d + 1}" if d == 1 else None,
                         f"dilation <= {(padded - 1) // (k - 1)}" if d > 1 else None]
                fix = " or ".join(f for f in fixes if f)
                raise SpecError(f"{what}{where}: use {fix}", "kernel_size")

    def named_parameters(self, spec: Spec) -> list[tuple[str, Any]]:
        """``i``, ``k``, ``s``, ``p``, then what differs from the defaults."""
        if spec.padding_name:
            padding: Any = spec.padding_name
        elif all(b == a for b, a in spec.p):
            padding = tuple(b for b, _ in spec.p)
        else:
            padding = spec.p
        items: list[tuple[str, Any]] = [("i", spec.i), ("k", spec.k), ("s", spec.s),
                                        ("p", padding)]
        if any(d != 1 for d in spec.d):
            items.append(("d", spec.d))
        if any(spec.given_output_padding):
            items.append(("op", spec.given_output_padding))
        if spec.view != "gather":
            items.append((spec.view, None))
        if spec.padding_mode != "zeros":
            items.append((spec.padding_mode, None))
        if spec.dims != 2:
            items.append((f"{spec.dims}-D", None))
        return items

    def extra_dict(self, spec: Spec) -> dict[str, Any]:
        """Keys this mode adds to ``to_dict`` after ``dilation``: its own fields when they
        differ from their defaults."""
        return {f.name: plain(value) if isinstance(value, tuple) else value
                for f in self.fields
                if (value := getattr(spec, f.name)) != f.read(None, spec.dims)}

    def to_dict(self, spec: Spec) -> dict[str, Any]:
        """Mode, dims, sizes, padding, dilation, the mode's own keys, a non-zero padding mode."""
        out: dict[str, Any] = {"mode": spec.mode, "dims": spec.dims,
                               "input_size": plain(spec.i), "kernel_size": plain(spec.k),
                               "stride": plain(spec.s)}
        if spec.padding_name is not None:
            out["padding"] = spec.padding_name
        elif all(b == a for b, a in spec.p):
            out["padding"] = plain(tuple(b for b, _ in spec.p))
        else:
            out["padding"] = [list(pair) for pair in spec.p]
        out["dilation"] = plain(spec.d)
        out.update(self.extra_dict(spec))
        if spec.padding_mode != "zeros":
            out["padding_mode"] = spec.padding_mode
        return out

    # -- receptive field ------------------------------------------------------------------

    def field_step(self, spec: Spec, axis: int) -> tuple[int, int, int]:
        """``(d*(k-1) + 1, s, p_before)``: the dilated window, its stride and the padding
        before; other padding modes than zeros feed padding from inside the input, so their
        border cells see no box and are refused.

        >>> from convanim.geometry import Spec
        >>> Spec(i=9, k=3, d=2, s=2, p=1).op.field_step(Spec(i=9, k=3, d=2, s=2, p=1), 0)
        (5, 2, 1)
        """
        if spec.padding_mode != "zeros":
            raise SpecError(
                f"padding_mode={spec.padding_mode!r} fills padding with input cells, so border "
                "cells see no single box; use padding_mode='zeros' for the receptive field",
                "padding_mode")
        return spec.effective_kernel[axis], spec.s[axis], spec.p[axis][0]

    # -- numbers and frames ---------------------------------------------------------------

    def combine(self, taps: list[np.ndarray], w2: np.ndarray | None) -> np.ndarray:
        """The output from what every tap sees at every position."""
        raise NotImplementedError

    def reduce(self, seen: np.ndarray, weights: np.ndarray
               ) -> tuple[np.ndarray, float, int | None]:
        """One frame's products, the value written and the chosen tap (or None)."""
        raise NotImplementedError

    def compute(self, spec: Spec, x: np.ndarray, w: np.ndarray | None,
                b: Any = None) -> np.ndarray:
        """Every tap's view of the padded input, combined."""
        ax = axes2(spec)
        w2 = None if w is None else w.reshape(ax.k)
        taps = window_taps(spec, pad_input(spec, x.reshape(ax.i)))
        return self.combine(taps, w2).reshape(spec.output_shape)

    def slide_text(self, spec: Spec) -> str:
        """The caption of the slide frames."""
        return f"slide the {kernel_text(spec)} with stride {per_axis_text(spec.s)}"

    def pad_rule(self, spec: Spec) -> str:
        """What padding cells hold, for the pad caption: ``p``, ``p (-inf)``, ``p (reflect)``."""
        if spec.padding_mode != "zeros":
            return f"p ({spec.padding_mode})"
        return "p (-inf)" if self.pad_value(spec) == -np.inf else "p"

    def plan(self, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray) -> Plan:
        """``input``, ``pad`` when padded, one ``slide`` per output cell, ``output``."""
        ax = axes2(spec)
        x2, w2 = x.reshape(ax.i), w.reshape(ax.k)
        arith = arithmetic(spec)
        captions = shared_captions(spec, arith)
        grids = {"input": input_grid(x2)}
        frames = [Frame("input", "input", captions["input"])]
        target = output_grid(y.reshape(ax.o))
        slide_grid = "input"
        slide_on = padded_grid(spec, ax, x2)
        if any(v for pair in ax.p for v in pair):
            grids["padded"] = slide_on
            frames.append(Frame("pad", "padded",
                                sides_text(spec, spec.p, "pad", self.pad_rule(spec))))
            slide_grid = "padded"
        grids[slide_grid] = slide_on
        frames += slide_frames(spec, ax, slide_on, w2, self.slide_text(spec), slide_grid,
                                tap_grid(ax) * np.array(ax.d), np.array(ax.s), self.reduce)
        frames.append(Frame("output", slide_grid, captions["output"]))
        return Plan(spec, x, w, y, grids, slide_grid, target, (0, 0), tuple(frames), arith,
                    self.picture)

    def frame_count(self, spec: Spec) -> int:
        """Input, pad when padded, one per output cell, output."""
        ax = axes2(spec)
        return 2 + ax.o[0] * ax.o[1] + int(any(v for pair in ax.p for v in pair))

    def largest_grid(self, spec: Spec) -> int:
        """The input, the output and the padded input."""
        ax = axes2(spec)
        return max([*ax.i, *ax.o, *(i + b + a for i, (b, a) in zip(ax.i, ax.p))])

    # -- code -----------------------------------------------------------------------------

    def torch_layer(self, spec: Spec) -> tuple[str, list[str]]:
        """The PyTorch class and its size arguments (before padding and dilation)."""
        raise NotImplementedError

    own_padding_mode = False
    """Whether the PyTorch layer takes ``padding_mode`` itself (conv) or needs a pad layer."""

    def pytorch(self, spec: Spec) -> tuple[Call, ...]:
        """The layer, after an explicit pad layer when its own padding cannot say it."""
        dims = f"{spec.dims}d"
        symmetric = all(before == after for before, after in spec.p)
        pad = tuple(before for before, _ in spec.p)
        padded = any(v for pair in spec.p for v in pair)
        explicit = padded and (not symmetric or (not self.own_padding_mode
                                                 and spec.padding_mode != "zeros"))
        name, args = self.torch_layer(spec)
        if padded and not explicit:
            args.append(f"padding={value_text(pad)}")
        if any(d != 1 for d in spec.d):
            args.append(f"dilation={value_text(spec.d)}")
        if self.own_padding_mode and padded and not explicit and spec.padding_mode != "zeros":
            args.append(f'padding_mode="{spec.padding_mode}"')
        if not explicit:
            return (Call(name, tuple(args)),)
        side = ("(left, right)", "(left, right, top, bottom)",
                "(left, right, top, bottom, front, back)")[spec.dims - 1]
        if spec.padding_mode == "zeros" and self.pad_value(spec) == -np.inf:
            pad_layer = Call(f"nn.ConstantPad{dims}", (flat_pads(spec.p), 'float("-inf")'), side)
        else:
            pad_layer = Call(f"nn.{TORCH_PADS[spec.padding_mode]}{dims}", (flat_pads(spec.p),),
                             side)
        return (pad_layer, Call(name, tuple(args)))

    def keras_paddings(self, spec: Spec) -> list[str]:
        """The Keras padding names to try, in order."""
        return ["valid", "same"]

    def keras_spec(self, spec: Spec, name: str) -> Spec:
        """The spec Keras builds with padding ``name`` (may raise SpecError)."""
        if name == "causal":
            span = tuple(d * (k - 1) for k, d in zip(spec.k, spec.d))
            return spec.replace(p=[(v, 0) for v in span] if spec.dims == 1 else span)
        return spec.replace(p=name, output_padding=0)

    def keras_refusal(self, spec: Spec) -> str | None:
        """A reason Keras cannot build this layer at all, before trying padding names."""
        return None

    def keras_padding_reason(self, spec: Spec) -> str | None:
        """Why no padding name fits, when the mode knows better than the shape comparison."""
        return None

    def keras_layer(self, spec: Spec, padding: str) -> Call:
        """The Keras layer with padding name ``padding``."""
        raise NotImplementedError

    def _keras_alt(self, spec: Spec, name: str) -> Spec | None:
        try:
            return self.keras_spec(spec, name)
        except SpecError:
            return None


    def keras_name(self, spec: Spec) -> str | None:
        """The Keras padding name that builds exactly this layer, if one does."""
        for name in self.keras_paddings(spec):
            alt = self._keras_alt(spec, name)
            # Equal links (through equal taps, when weighted), equal layers: padding only adds
            # zeros (or -inf, which a max never picks). By arithmetic, so free for big inputs.
            if alt is not None and alt.output_shape == spec.output_shape and same_links(
                    spec, alt, with_taps=self.weighted):
                return name
        return None

    def keras(self, spec: Spec) -> Call | str:
        """The Keras layer, or why none builds exactly this spec."""
        if spec.padding_mode != "zeros" and any(v for pair in spec.p for v in pair):
            return f"Keras pads with zeros only, not {spec.padding_mode!r}"
        refusal = self.keras_refusal(spec)
        if refusal:
            return refusal
        name = self.keras_name(spec)
        if name is not None:
            call = self.keras_layer(spec, name)
            args = [*call.args, f'padding="{name}"']
            if any(d != 1 for d in spec.d):
                args.append(f"dilation_rate={value_text(spec.d)}")
            return Call(call.name, tuple(args))
        reason = self.keras_padding_reason(spec)
        if reason:
            return reason
        target = "x".join(map(str, spec.output_shape))
        shapes = []
        for name in ("same", "valid"):
            alt = self._keras_alt(spec, name)
            if alt is not None and alt.output_shape == spec.output_shape:
                # Same size, other cells: Keras puts the odd padding cell after, never before.
                verb = self.pad_verb
                return (f'padding "{name}" gives {target} too, but {verb}s {_befores(alt)} '
                        f"before where this layer {verb}s {_befores(spec)}")
            shown = "x".join(map(str, alt.output_shape)) if alt else "an invalid layer"
            shapes.append(f'"{name}" gives {shown}')
        return f"padding {' and '.join(shapes)}, not {target}"


def _befores(spec: Spec) -> str:
    return value_text(tuple(before for before, _ in spec.p))


def kernel_text(spec: Spec) -> str:
    """``3x3 kernel`` or ``size-3 kernel``, with its dilation when there is one.

    >>> kernel_text(Spec(i=5, k=3, d=2)), kernel_text(Spec(i=7, k=3, dims=1))
    ('3×3 kernel dilated by 2', 'size-3 kernel')
    """
    text = f"{'×'.join(map(str, spec.k))} kernel" if spec.dims == 2 else f"size-{spec.k[0]} kernel"
    if any(d != 1 for d in spec.d):
        text += f" dilated by {per_axis_text(spec.d)}"
    return text
