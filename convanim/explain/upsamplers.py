"""Weight-free and sub-pixel upsamplers that reach an exact multiple, for ``convanim solve``.

When ``--to`` is a whole multiple ``r`` of ``--from``, nearest and bilinear upsampling by
``r`` (and, in 2-D, a pixel shuffle by ``r`` after a convolution to ``C*r*r`` channels) give
the same size as the transposed convolutions ``solve`` lists, without their checkerboard.

>>> [u["mode"] + ":" + u["method"] for u in upsamplers(16, 32, dims=2)]
['upsample:nearest', 'upsample:bilinear', 'pixelshuffle:']
>>> upsamplers(16, 30)
[]
"""

from __future__ import annotations

from typing import Any

from convanim.explain.code import keras_code, keras_reason, pytorch_code
from convanim.geometry import Spec
from convanim.geometry.ops import get_op


def upsamplers(size_from: int, size_to: int, dims: int = 2) -> list[dict[str, Any]]:
    """The upsampling layers mapping ``size_from`` to ``size_to`` (empty unless an exact
    multiple above 1), each as mode, method, scale, label and PyTorch/Keras code.

    >>> [(u["mode"], u["method"]) for u in upsamplers(16, 32)]
    [('upsample', 'nearest'), ('upsample', 'bilinear'), ('pixelshuffle', '')]
    >>> upsamplers(16, 24)
    []
    """
    if size_from < 1 or size_to <= size_from or size_to % size_from or dims == 3:
        return []  # (convanim's upsamplers draw 1-D and 2-D)
    r = size_to // size_from
    specs = [Spec(i=size_from, mode="upsample", method=m, scale=r, dims=dims)
             for m in ("nearest", "bilinear")]
    if dims == 2:
        specs.append(Spec(i=size_from, mode="pixelshuffle", scale=r))
    return [{"mode": spec.mode, "method": getattr(spec, "method", ""), "scale": r,
             "label": spec.label,
             "pytorch": pytorch_code(spec), "keras": keras_code(spec),
             "keras_reason": keras_reason(spec)} for spec in specs]


def upsampler_lines(size_from: int, size_to: int, dims: int = 2) -> list[str]:
    """The text ``solve`` prints under its table (nothing when no upsampler fits).

    >>> upsampler_lines(16, 32, dims=1)[0]
    'Or upsample by 2 (no checkerboard; follow with a stride-1 conv to learn):'
    """
    found = upsamplers(size_from, size_to, dims)
    if not found:
        return []
    lines = [f"Or upsample by {found[0]['scale']} (no checkerboard; follow with a stride-1 "
             "conv to learn):"]
    for item in found:
        # A layer whose in_channels also sets its output (C*r^2) needs a conv to make them.
        follows = get_op(item["mode"]).in_channels_follow_input
        note = "" if follows else "  # after a conv to C*r^2 channels"
        lines.append(f"  {item['pytorch']}{note}")
    return lines
