"""Convolution (``nn.Conv1d``/``nn.Conv2d``, Keras ``Conv1D``/``Conv2D``), one channel.

A kernel slides over the padded input; each output cell is the sum of the products of the
window's values and the kernel's weights. PyTorch's ``padding_mode`` fills the padding.
With ``flip`` the kernel is first rotated by 180 degrees (true convolution, as in signal
processing, rather than deep learning's cross-correlation): the figure slides the rotated
kernel, and the values equal ``conv2d`` with the flipped weight.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from convanim.geometry.ops.backward import Backward
from convanim.geometry.ops.base import Call, Field
from convanim.geometry.ops.channels import CONV_FIELDS, Channels
from convanim.geometry.ops.pool_options import flag
from convanim.geometry.ops.volume import Volume
from convanim.geometry.ops.window import Windowed, value_text
from convanim.geometry.plan import Plan
from convanim.geometry.spec import Spec

FLIP = Field("flip", False, "bool", "Conv: rotate the kernel 180° before sliding (true "
             "convolution, as in signal processing) [no].", parse=flag("flip"))


def flipped(spec: Spec, w: np.ndarray) -> np.ndarray:
    """``w`` with its kernel axes (the last ``dims``) reversed: rotated by 180 degrees.

    >>> flipped(Spec(i=3, k=2), np.array([[1, 2], [3, 4]])).tolist()
    [[4, 3], [2, 1]]
    """
    return np.flip(w, axis=tuple(range(w.ndim - spec.dims, w.ndim))).copy()


class Conv(Backward, Channels, Volume, Windowed):
    """``mode: conv``.

    >>> from convanim.geometry import Spec
    >>> Conv().pytorch(Spec(i=5, k=3, s=2))[0].name
    'nn.Conv2d'
    """

    mode = "conv"
    title = "conv"
    noun = "Convolution"
    views = ("gather", "matrix", "backward")
    solvable = True
    weighted = True
    own_padding_mode = True
    fields = (*CONV_FIELDS, FLIP)

    def compute(self, spec: Spec, x: np.ndarray, w: np.ndarray | None,
                b: Any = None) -> np.ndarray:
        """The (cross-correlating) convolution, of the rotated kernel with ``flip``."""
        if getattr(spec, "flip", False) and w is not None:
            w = flipped(spec, w)
        return super().compute(spec, x, w, b)

    def plan(self, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray,
             b: np.ndarray | None = None) -> Plan:
        """With ``flip``: the plan of the rotated kernel (the kernel panel shows it, taps
        index it as ``conv2d`` with the flipped weight does), the rotation in the captions."""
        if not getattr(spec, "flip", False):
            return super().plan(spec, x, w, y, b)
        base = super().plan(spec, x, flipped(spec, w), y, b)
        note = {"input": "; the kernel is rotated 180° first (true convolution)",
                "slide": " (kernel rotated 180°: true convolution)"}
        frames = tuple(replace(f, caption=f.caption + note[f.phase]) if f.phase in note
                       else f for f in base.frames)
        return replace(base, frames=frames)

    def named_parameters(self, spec: Spec) -> list[tuple[str, Any]]:
        """The window's and channels' parameters, then ``flip``."""
        items = super().named_parameters(spec)
        return [*items, ("flip", None)] if getattr(spec, "flip", False) else items

    def pytorch(self, spec: Spec) -> tuple[Call, ...]:
        """The layer; with ``flip`` a comment says to load the kernel rotated."""
        calls = super().pytorch(spec)
        if not getattr(spec, "flip", False):
            return calls
        last = calls[-1]
        dims = ", ".join(str(-a) for a in range(spec.dims, 0, -1))
        return (*calls[:-1], Call(last.name, last.args, f"true convolution: load the kernel "
                                  f"rotated, weight = w.flip({dims})"))

    def keras(self, spec: Spec) -> Call | str:
        """The layer; with ``flip`` a comment says to load the kernel rotated."""
        call = super().keras(spec)
        if isinstance(call, str) or not getattr(spec, "flip", False):
            return call
        axes = tuple(range(spec.dims))
        return Call(call.name, call.args, f"true convolution: load the kernel rotated, "
                    f"np.flip(kernel, axis={axes})")

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
        if cin > 1 and groups == cin and spec.dims < 3:  # Keras has no DepthwiseConv3D
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
