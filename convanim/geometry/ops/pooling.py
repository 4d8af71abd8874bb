"""Max and average pooling (``nn.MaxPool2d``/``nn.AvgPool2d``, Keras ``MaxPooling2D``...).

A window slides over the padded input with a stride that defaults to its size; each output
cell is the window's maximum (padding holds -inf, as in PyTorch) or mean (padding counts as
zeros in the mean, PyTorch's ``count_include_pad``). Padding is at most half the window.
``ceil_mode``, ``count_include_pad=False`` and ``divisor_override`` (see
:mod:`convanim.geometry.ops.pool_options`) make their own slide frames: a window hanging past
the edge holds only the cells that exist, and an average states its divisor.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from convanim.geometry.arithmetic import AxisArithmetic, arithmetic, sliding_arithmetic
from convanim.geometry.compute import axes2, pad_input, window_taps
from convanim.geometry.links import same_links
from convanim.geometry.ops import pool_options as opts
from convanim.geometry.ops.base import Call
from convanim.geometry.ops.channels import POOL_FIELDS, Channels
from convanim.geometry.ops.volume import Volume
from convanim.geometry.ops.window import Windowed, kernel_text, value_text
from convanim.geometry.plan import (
    Frame,
    Picture,
    Plan,
    input_grid,
    output_grid,
    padded_grid,
    shared_captions,
    sides_text,
    tap_grid,
    user_index,
)
from convanim.geometry.spec import Spec, SpecError, per_axis_text


class PoolWindow(Windowed):
    """The single-map window of a pooling with PyTorch's options (under :class:`Channels`
    in the method order, so a channel stack applies it to each map)."""

    def output_length(self, spec: Spec, axis: int) -> int:
        """The floor formula, or with ``ceil_mode`` the ceiling less a window starting in
        the right padding."""
        if not getattr(spec, "ceil_mode", False):
            return super().output_length(spec, axis)
        before, after = spec.p[axis]
        return opts.ceil_length(spec.i[axis], before, after,
                                spec.d[axis] * (spec.k[axis] - 1) + 1, spec.s[axis])

    def window_count(self, spec: Spec, axis: int) -> int:
        """With ``ceil_mode``, its length: it may fit a window the floor formula does not."""
        if not getattr(spec, "ceil_mode", False):
            return super().window_count(spec, axis)
        return PoolWindow.output_length(self, spec, axis)

    def axis_arithmetic(self, spec: Spec, axis: int) -> AxisArithmetic:
        """``o = ceil((i + 2p - k) / s) + 1`` (``- 1`` when the last window was dropped)."""
        base = sliding_arithmetic(spec, axis)
        if not getattr(spec, "ceil_mode", False) or spec.s[axis] == 1:
            return base
        formula = base.formula.replace("floor(", "ceil(")
        numbers = base.numbers.replace("floor(", "ceil(")
        if opts.dropped(spec, axis):
            formula, numbers = formula + " - 1", numbers + " - 1"
        return AxisArithmetic(axis, formula, numbers, base.output, 0, base.equivalent_padding,
                              max(base.unreached, 0), base.inserted, base.padded)

    def axis_links(self, spec: Spec, axis: int) -> np.ndarray:
        """The window's links; with ``ceil_mode`` taps past the edge read nothing."""
        if not getattr(spec, "ceil_mode", False):
            return super().axis_links(spec, axis)
        return opts.axis_links(spec, axis)

    def validate(self, spec: Spec) -> None:
        """The options' rules, then the sliding-window ones."""
        opts.check(spec)
        super().validate(spec)

    def finish(self, spec: Spec, taps: list[np.ndarray]) -> np.ndarray:
        """The output from what every tap sees (cells past the edge hold the pad value)."""
        raise NotImplementedError

    def compute(self, spec: Spec, x: np.ndarray, w: np.ndarray | None,
                b: Any = None) -> np.ndarray:
        """The first release's pooling, or the options' windows and divisors."""
        if opts.is_plain(spec):
            return super().compute(spec, x, w, b)
        ax = axes2(spec)
        padded = pad_input(spec, x.reshape(ax.i))
        past = [(0, max((o - 1) * s + span - n, 0)) for o, s, span, n
                in zip(ax.o, ax.s, ax.span, padded.shape)]
        padded = np.pad(padded, past, constant_values=self.pad_value(spec))
        return self.finish(spec, window_taps(spec, padded)).reshape(spec.output_shape)

    def reduce_at(self, spec: Spec, cell: tuple[int, int], seen: np.ndarray,
                  weights: np.ndarray) -> tuple[np.ndarray, float, int | None]:
        """:meth:`reduce` for output cell ``cell`` (row, col) of one map."""
        return self.reduce(seen, weights)

    def frame_formula(self, spec: Spec, cell: tuple[int, int]) -> tuple[str, str, str] | None:
        """The formula of one slide frame when it is not the picture's."""
        return None

    def window_caption(self, spec: Spec, cell: tuple[int, int], cells: int) -> str:
        """The slide caption, saying when the window hangs past the edge."""
        text = self.slide_text(spec)
        total = int(np.prod(spec.k))
        if cells < total:
            text += f"; past the edge (ceil_mode): {cells} of {total} cells"
        return text

    def plan(self, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray) -> Plan:
        """``input``, ``pad``, one ``slide`` per output cell with its own window, ``output``."""
        if opts.is_plain(spec):
            return super().plan(spec, x, w, y)
        ax = axes2(spec)
        x2 = x.reshape(ax.i)
        arith = arithmetic(spec)
        captions = shared_captions(spec, arith)
        grids = {"input": input_grid(x2)}
        frames = [Frame("input", "input", captions["input"])]
        slide_grid, slide_on = "input", padded_grid(spec, ax, x2)
        if any(v for pair in ax.p for v in pair):
            frames.append(Frame("pad", "padded",
                                sides_text(spec, spec.p, "pad", self.pad_rule(spec))))
            slide_grid = "padded"
        grids[slide_grid] = slide_on
        taps = tap_grid(ax)
        offsets = taps * np.array(ax.d)
        rows, cols = slide_on.shape
        for step, (r, c) in enumerate(np.ndindex(*ax.o), start=1):
            window = offsets + np.array(ax.s) * (r, c)
            keep = (window[:, 0] < rows) & (window[:, 1] < cols)
            window, on = window[keep], taps[keep]
            seen = slide_on.values[window[:, 0], window[:, 1]]
            src = slide_on.source[window[:, 0], window[:, 1]]
            out = user_index(spec, (r, c))
            links = tuple((out, user_index(spec, s), user_index(spec, t)) for s, t in zip(src, on)
                          if s[0] >= 0)
            products, value, chosen = self.reduce_at(spec, (r, c), seen, np.ones(len(seen)))
            frames.append(Frame("slide", slide_grid,
                                self.window_caption(spec, (r, c), len(window)), step, window,
                                on, np.array([[r, c]]), products, value, np.array([value]),
                                np.array([len(links)]), chosen, links,
                                formula=self.frame_formula(spec, (r, c))))
        frames.append(Frame("output", slide_grid, captions["output"]))
        return Plan(spec, x, w, y, grids, slide_grid, output_grid(y.reshape(ax.o)), (0, 0),
                    tuple(frames), arith, self.picture)


class Pooling(Channels, Volume, PoolWindow):
    """What max and average pooling share: no weights, stride = window size by default."""

    pooling = True
    solvable = True
    fields = POOL_FIELDS
    window_noun = "window"
    reducer = ""
    """``max`` or ``average``: the caption's word for the window."""

    def default_stride(self, k: tuple[int, ...]) -> tuple[int, ...]:
        """The window size, as in PyTorch."""
        return k

    def slide_text(self, spec: Spec) -> str:
        """``slide a 2x2 max window with stride 2``."""
        window = kernel_text(spec).replace("kernel", self.reducer + " window")
        return f"slide a {window} with stride {per_axis_text(spec.s)}"

    def keras_refusal(self, spec: Spec) -> str | None:
        """Keras pooling has no dilation."""
        if any(d != 1 for d in spec.d):
            return "Keras pooling has no dilation"
        return None

    def torch_layer(self, spec: Spec) -> tuple[str, list[str]]:
        """``nn.MaxPool2d(kernel_size=..., stride=...)``, stride only when not the size."""
        args = [f"kernel_size={value_text(spec.k)}"]
        if spec.s != spec.k:
            args.append(f"stride={value_text(spec.s)}")
        return f"nn.{self.torch_name}{spec.dims}d", args

    def pytorch(self, spec: Spec) -> tuple[Call, ...]:
        """The layer with its options after padding and dilation, in PyTorch's order."""
        calls = super().pytorch(spec)
        extra = [f"{name}={value}" for name, value, default in (
            ("ceil_mode", getattr(spec, "ceil_mode", False), False),
            ("count_include_pad", getattr(spec, "count_include_pad", True), True),
            ("divisor_override", getattr(spec, "divisor_override", None), None))
            if value != default]
        last = calls[-1]
        return (*calls[:-1], Call(last.name, (*last.args, *extra), last.comment))

    def named_parameters(self, spec: Spec) -> list[tuple[str, Any]]:
        """The window's parameters, then the options that differ from PyTorch's defaults."""
        items = super().named_parameters(spec)
        if getattr(spec, "ceil_mode", False):
            items.append(("ceil_mode", None))
        if not getattr(spec, "count_include_pad", True):
            items.append(("count_include_pad", "False"))
        if getattr(spec, "divisor_override", None) is not None:
            items.append(("divisor", str(spec.divisor_override)))
        return items

    def keras_spec(self, spec: Spec, name: str) -> Spec:
        """Keras' layer with padding ``name``: none of PyTorch's options."""
        return spec.replace(p=name, output_padding=0, **{
            f.name: f.default for f in self.fields if f.name in opts.OPTION_NAMES})

    torch_name = ""
    keras_name_prefix = ""

    def keras_layer(self, spec: Spec, padding: str) -> Call:
        """``layers.MaxPooling2D(pool_size=..., strides=...)``."""
        args = [f"pool_size={value_text(spec.k)}"]
        if spec.s != spec.k:
            args.append(f"strides={value_text(spec.s)}")
        return Call(f"layers.{self.keras_name_prefix}{spec.dims}D", tuple(args))


class MaxPool(Pooling):
    """``mode: maxpool``.

    >>> from convanim.geometry import Spec
    >>> MaxPool().keras(Spec(i=8, k=2, mode="maxpool")).name
    'layers.MaxPooling2D'
    """

    mode = "maxpool"
    value_range = (0, 10)
    title = "max pool"
    noun = "Max pooling"
    reducer = "max"
    torch_name = "MaxPool"
    keras_name_prefix = "MaxPooling"
    fields = (*POOL_FIELDS, opts.CEIL_MODE)  # ceil_mode last (max-unpooling drops it)
    picture = Picture(weighted=False, window="pooling window", formula=("max(", ", ", ")"))

    def example_maxima(self, spec: Spec, y: np.ndarray) -> np.ndarray | None:
        """Every output cell is a window's maximum."""
        return y

    def pad_value(self, spec: Spec) -> float:
        """-inf: a max never picks padding."""
        return -np.inf

    def combine(self, taps: list[np.ndarray], w2: np.ndarray | None) -> np.ndarray:
        """The largest value each window sees."""
        return functools.reduce(np.maximum, taps)  # tap by tap, never a stack of views

    def reduce(self, seen: np.ndarray, weights: np.ndarray
               ) -> tuple[np.ndarray, float, int | None]:
        """The values seen, the maximum and which tap holds it (the first, as PyTorch)."""
        chosen = int(np.argmax(seen))
        return seen, float(seen[chosen]), chosen

    def finish(self, spec: Spec, taps: list[np.ndarray]) -> np.ndarray:
        """The largest value each window sees (cells past the edge hold -inf)."""
        return np.max(taps, axis=0)


class AvgPool(Pooling):
    """``mode: avgpool``: padding counts in the mean, so padding names other than ``valid``
    (whose Keras meaning leaves padding out) and dilation are refused.

    >>> from convanim.geometry import Spec
    >>> AvgPool().keras(Spec(i=4, k=2, p=1, mode="avgpool"))
    'Keras leaves padding out of the average; PyTorch counts it'
    """

    mode = "avgpool"
    dilates = False
    title = "avg pool"
    noun = "Average pooling"
    reducer = "average"
    torch_name = "AvgPool"
    keras_name_prefix = "AveragePooling"
    picture = Picture(weighted=False, window="pooling window", formula=("mean(", ", ", ")"))
    fields = (*POOL_FIELDS, opts.CEIL_MODE, opts.COUNT_INCLUDE_PAD, opts.DIVISOR_OVERRIDE)

    def check_padding_name(self, spec: Spec, name: str) -> None:
        """Only ``valid``: the other names are Keras', which averages without the padding."""
        if name != "valid":
            raise SpecError(
                f"padding={name!r} does not fit mode 'avgpool': PyTorch's avg pool counts "
                "padding cells in the mean, unlike Keras; give padding as a number", "padding")

    def validate(self, spec: Spec) -> None:
        """No dilation (``avg_pool2d`` has none), then the sliding-window rules."""
        if any(d != 1 for d in spec.d):
            raise SpecError(f"dilation={per_axis_text(spec.d)} is not supported for mode 'avgpool' "
                            "(PyTorch's avg_pool2d has none); use dilation=1 or "
                            "mode='maxpool'", "dilation")
        if spec.dims == 3 and any(i < k for i, k in zip(spec.i, spec.k)):
            raise SpecError(f"input_size={per_axis_text(spec.i)} is smaller than the kernel "
                            f"{per_axis_text(spec.k)} on some axis; PyTorch's avg_pool3d needs the "
                            "input (before padding) at least the kernel size on every axis: "
                            "use a smaller kernel_size or a larger input_size", "input_size")
        super().validate(spec)

    def combine(self, taps: list[np.ndarray], w2: np.ndarray | None) -> np.ndarray:
        """The mean over the window, padding included."""
        total = np.zeros(taps[0].shape)
        for tap in taps:
            total += tap
        return total / len(taps)

    def reduce(self, seen: np.ndarray, weights: np.ndarray
               ) -> tuple[np.ndarray, float, int | None]:
        """The values seen and their mean."""
        return seen, float(seen.sum() / len(seen)), None

    def finish(self, spec: Spec, taps: list[np.ndarray]) -> np.ndarray:
        """Each window's sum over its divisor (cells past the edge hold 0)."""
        return np.sum(taps, axis=0) / opts.divisors(spec).reshape(axes2(spec).o)

    def reduce_at(self, spec: Spec, cell: tuple[int, int], seen: np.ndarray,
                  weights: np.ndarray) -> tuple[np.ndarray, float, int | None]:
        """The values seen and their sum over the cell's divisor."""
        if opts.is_plain(spec):
            return self.reduce(seen, weights)
        return seen, float(seen.sum() / self._divisor(spec, cell)), None

    def _divisor(self, spec: Spec, cell: tuple[int, int]) -> int:
        return int(opts.divisors(spec).reshape(axes2(spec).o)[cell])

    def frame_formula(self, spec: Spec, cell: tuple[int, int]) -> tuple[str, str, str] | None:
        """``(a + b + c) / 3``: the divisor in the sum."""
        if opts.is_plain(spec):
            return None
        return ("(", " + ", f") / {self._divisor(spec, cell)}")

    def window_caption(self, spec: Spec, cell: tuple[int, int], cells: int) -> str:
        """The slide caption, then why the divisor is what it is."""
        text = super().window_caption(spec, cell, cells)
        div = self._divisor(spec, cell)
        if spec.divisor_override is not None:
            return f"{text}; divide by {div} (divisor_override)"
        if not spec.count_include_pad:
            return f"{text}; divide by {div} input cells (padding not counted)"
        return f"{text}; divide by {div} cells"

    def keras(self, spec: Spec) -> Call | str:
        """Keras' ``valid``/``same`` leave padding out of the mean: they fit a layer that
        does too (``count_include_pad=False``, or no padding at all), windows and all."""
        if spec.divisor_override is not None:
            return "Keras has no divisor_override"
        padded = any(v for pair in spec.p for v in pair)
        if not padded or not spec.count_include_pad:
            for name in ("valid", "same"):
                # The windows of Keras' padding name (max pooling's resolve it alike).
                try:
                    alt = Spec(i=spec.i, k=spec.k, s=spec.s, p=name, mode="maxpool",
                               dims=spec.dims)
                except SpecError:
                    continue
                if alt is not None and alt.output_shape == spec.output_shape and same_links(
                        spec, alt, with_taps=False):
                    call = self.keras_layer(spec, name)
                    return Call(call.name, (*call.args, f'padding="{name}"'))
            return ("no Keras padding name gives these windows (Keras has no ceil_mode)"
                    if spec.ceil_mode else "Keras' padding names pad other cells than this layer")
        return super().keras(spec)

    def keras_paddings(self, spec: Spec) -> list[str]:
        """Only ``valid``: Keras' ``same`` leaves the padding out of the mean."""
        return ["valid"]

    def keras_padding_reason(self, spec: Spec) -> str | None:
        """Why a padded average has no Keras form."""
        return "Keras leaves padding out of the average; PyTorch counts it"


OPS = (MaxPool(), AvgPool())
