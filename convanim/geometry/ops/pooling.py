"""Max and average pooling (``nn.MaxPool2d``/``nn.AvgPool2d``, Keras ``MaxPooling2D``...).

A window slides over the padded input with a stride that defaults to its size; each output
cell is the window's maximum (padding holds -inf, as in PyTorch) or mean (padding counts as
zeros in the mean, PyTorch's ``count_include_pad``). Padding is at most half the window.
"""

from __future__ import annotations

import functools

import numpy as np

from convanim.geometry.ops.base import Call
from convanim.geometry.ops.channels import POOL_FIELDS, Channels
from convanim.geometry.ops.window import Windowed, kernel_text, value_text
from convanim.geometry.plan import Picture
from convanim.geometry.spec import Spec, SpecError, _fmt


class Pooling(Channels, Windowed):
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
        return f"slide a {window} with stride {_fmt(spec.s)}"

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
    title = "max pool"
    noun = "Max pooling"
    reducer = "max"
    torch_name = "MaxPool"
    keras_name_prefix = "MaxPooling"
    picture = Picture(weighted=False, window="pooling window", formula=("max(", ", ", ")"))

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


class AvgPool(Pooling):
    """``mode: avgpool``: padding counts in the mean, so padding names other than ``valid``
    (whose Keras meaning leaves padding out) and dilation are refused.

    >>> from convanim.geometry import Spec
    >>> AvgPool().keras(Spec(i=4, k=2, p=1, mode="avgpool"))
    'Keras leaves padding out of the average; PyTorch counts it'
    """

    mode = "avgpool"
    title = "avg pool"
    noun = "Average pooling"
    reducer = "average"
    torch_name = "AvgPool"
    keras_name_prefix = "AveragePooling"
    picture = Picture(weighted=False, window="pooling window", formula=("mean(", ", ", ")"))

    def check_padding_name(self, spec: Spec, name: str) -> None:
        """Only ``valid``: the other names are Keras', which averages without the padding."""
        if name != "valid":
            raise SpecError(
                f"padding={name!r} does not fit mode 'avgpool': PyTorch's avg pool counts "
                "padding cells in the mean, unlike Keras; give padding as a number", "padding")

    def validate(self, spec: Spec) -> None:
        """No dilation (``avg_pool2d`` has none), then the sliding-window rules."""
        if any(d != 1 for d in spec.d):
            raise SpecError(f"dilation={_fmt(spec.d)} is not supported for mode 'avgpool' "
                            "(PyTorch's avg_pool2d has none); use dilation=1 or "
                            "mode='maxpool'", "dilation")
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

    def keras_paddings(self, spec: Spec) -> list[str]:
        """Only ``valid``: Keras' ``same`` leaves the padding out of the mean."""
        return ["valid"]

    def keras_padding_reason(self, spec: Spec) -> str | None:
        """Why a padded average has no Keras form."""
        return "Keras leaves padding out of the average; PyTorch counts it"


OPS = (MaxPool(), AvgPool())
