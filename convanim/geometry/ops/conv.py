"""Convolution (``nn.Conv1d``/``nn.Conv2d``, Keras ``Conv1D``/``Conv2D``), one channel.

A kernel slides over the padded input; each output cell is the sum of the products of the
window's values and the kernel's weights. PyTorch's ``padding_mode`` fills the padding.
"""

from __future__ import annotations

import numpy as np

from convanim.geometry.ops.base import Call
from convanim.geometry.ops.channels import CONV_FIELDS, Channels
from convanim.geometry.ops.window import Windowed, value_text
from convanim.geometry.spec import Spec


class Conv(Channels, Windowed):
    """``mode: conv``.

    >>> from convanim.geometry import Spec
    >>> Conv().pytorch(Spec(i=5, k=3, s=2))[0].name
    'nn.Conv2d'
    """

    mode = "conv"
    title = "conv"
    noun = "Convolution"
    views = ("gather", "matrix")
    solvable = True
    weighted = True
    own_padding_mode = True
    fields = CONV_FIELDS

    def combine(self, taps: list[np.ndarray], w2: np.ndarray | None) -> np.ndarray:
        """The weighted sum over taps."""
        assert w2 is not None
        # Tap by tap: stacking every tap's view would hold kernel-size copies of the output.
        total = np.zeros(taps[0].shape)
        for weight, tap in zip(w2.ravel(), taps):
            total += weight * tap
        return total

    def reduce(self, seen: np.ndarray, weights: np.ndarray
               ) -> tuple[np.ndarray, float, int | None]:
        """Products with the weights, and their sum."""
        products = seen * weights
        return products, float(products.sum()), None

    def torch_layer(self, spec: Spec) -> tuple[str, list[str]]:
        """``nn.Conv2d(C_in, C_out, kernel_size=..., stride=..., groups=...)``."""
        counts, extra = self.torch_channels(spec)
        args = [*counts, f"kernel_size={value_text(spec.k)}"]
        if any(s != 1 for s in spec.s):
            args.append(f"stride={value_text(spec.s)}")
        return f"nn.Conv{spec.dims}d", args + extra

    def keras_paddings(self, spec: Spec) -> list[str]:
        """``valid``, ``same`` and, in 1-D, ``causal``."""
        depthwise = spec.in_channels > 1 and spec.groups == spec.in_channels
        # Keras' DepthwiseConv1D refuses padding="causal" (its Conv1D takes it).
        return ["valid", "same", "causal"] if spec.dims == 1 and not depthwise else \
            ["valid", "same"]

    def keras_refusal(self, spec: Spec) -> str | None:
        """Keras convolutions take dilation only with stride 1."""
        if any(d != 1 for d in spec.d) and any(s != 1 for s in spec.s):
            return "Keras allows dilation_rate > 1 only with strides 1"
        return None

    def keras_layer(self, spec: Spec, padding: str) -> Call:
        """``layers.Conv2D(C_out, k, strides=..., groups=...)``; a depthwise layer (groups =
        in_channels, out_channels a multiple) as ``layers.DepthwiseConv2D``."""
        strides = [f"strides={value_text(spec.s)}"] if any(s != 1 for s in spec.s) else []
        cin, cout, groups = spec.in_channels, spec.out_channels, spec.groups
        if cin > 1 and groups == cin:
            args = [value_text(spec.k), *strides]
            if cout > cin:
                args.append(f"depth_multiplier={cout // cin}")
            if not spec.bias:
                args.append("use_bias=False")
            return Call(f"layers.DepthwiseConv{spec.dims}D", tuple(args))
        extra = self.keras_channels(spec)
        return Call(f"layers.Conv{spec.dims}D", (str(cout), value_text(spec.k), *strides,
                                                   *extra))


OPS = (Conv(),)
