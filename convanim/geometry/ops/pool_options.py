"""PyTorch's pooling options: ``ceil_mode``, ``count_include_pad`` and ``divisor_override``.

``ceil_mode`` rounds the output size up, so the last window may hang past the padded input;
PyTorch drops it when it would *start* in the right padding (``(o-1)*s >= i + p``). A
window that hangs over the edge holds only the cells that exist (it is drawn as such, and a
max or mean sees only them). The average's divisor is, per PyTorch's ``avg_pool2d``:
``divisor_override`` when given, else the window's cells inside the padded input
(``count_include_pad=True``) or inside the input itself (``False``).

>>> ceil_length(5, 0, 0, 2, 2), floor_length(5, 0, 0, 2, 2)
(3, 2)
>>> ceil_length(4, 1, 1, 2, 2)  # a 4th window would start in the right padding
3
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convanim.geometry.ops.base import Field
from convanim.geometry.spec import Spec, SpecError


def flag(name: str) -> Any:
    """A ``Field`` parser for a true/false field named ``name`` (``yes``/``no`` too).

    >>> flag("ceil_mode")("yes", 2)
    True
    """
    def parse(value: Any, dims: int) -> bool:
        if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1"):
            return True
        if isinstance(value, str) and value.strip().lower() in ("false", "no", "off", "0"):
            return False
        if not isinstance(value, (bool, np.bool_)):
            raise SpecError(f"{name}={value!r} is not true or false; write {name}: true", name)
        return bool(value)
    return parse


def _divisor(value: Any, dims: int) -> int | None:
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and text.lstrip("-").isascii() and text.lstrip("-").isdigit():
        text = int(text)
    if isinstance(text, bool) or not isinstance(text, (int, np.integer)) or text == 0:
        raise SpecError(f"divisor_override={value!r} is not a non-zero whole number (PyTorch "
                        "divides by it); write e.g. divisor_override: 4", "divisor_override")
    return int(text)


CEIL_MODE = Field("ceil_mode", False, "bool", "Pooling: round the output size up; the last "
                  "window may hang past the edge but never starts in the right padding [no].",
                  parse=flag("ceil_mode"))
COUNT_INCLUDE_PAD = Field("count_include_pad", True, "bool", "Avgpool: count padding cells in "
                          "the mean's divisor [yes].", parse=flag("count_include_pad"))
DIVISOR_OVERRIDE = Field("divisor_override", None, "int", "Avgpool (2-D, 3-D): divide every "
                         "window's sum by this number instead [none].", parse=_divisor)

OPTION_NAMES = ("ceil_mode", "count_include_pad", "divisor_override")


def floor_length(i: int, before: int, after: int, span: int, s: int) -> int:
    """``floor((i + p_before + p_after - span) / s) + 1``.

    >>> floor_length(5, 0, 0, 2, 2)
    2
    """
    return (i + before + after - span) // s + 1


def ceil_length(i: int, before: int, after: int, span: int, s: int) -> int:
    """``ceil((i + p_before + p_after - span) / s) + 1``, less one when that last window
    would start in the right padding (PyTorch's ``pooling_output_shape``).

    >>> ceil_length(5, 0, 0, 2, 2), ceil_length(5, 1, 1, 2, 2)
    (3, 3)
    """
    out = (i + before + after - span + s - 1) // s + 1
    if (out - 1) * s >= i + before:
        out -= 1
    return out


def dropped(spec: Spec, axis: int) -> bool:
    """Whether PyTorch's rule dropped a last window starting in the right padding.

    >>> dropped(Spec(i=5, k=2, mode="maxpool", ceil_mode=True), 0)
    False
    >>> dropped(Spec(i=5, k=3, s=3, p=1, mode="maxpool", ceil_mode=True), 0)  # at 6 of 5+1
    True
    """
    i, s = spec.i[axis], spec.s[axis]
    before, after = spec.p[axis]
    span = spec.d[axis] * (spec.k[axis] - 1) + 1
    return ceil_length(i, before, after, span, s) < (i + before + after - span + s - 1) // s + 1


def is_plain(spec: Spec) -> bool:
    """Whether the spec uses none of the options (the first release's pooling).

    >>> is_plain(Spec(i=5, k=2, mode="avgpool"))
    True
    >>> is_plain(Spec(i=5, k=2, mode="avgpool", ceil_mode=True))
    False
    """
    return (not getattr(spec, "ceil_mode", False) and getattr(spec, "count_include_pad", True)
            and getattr(spec, "divisor_override", None) is None)


def axis_divisors(spec: Spec, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Per output cell of one axis: the window's cells inside the padded input, and inside
    the input (``avg_pool2d``'s ``pool_size`` and its ``count_include_pad=False`` count).

    >>> spec = Spec(i=5, k=2, s=2, p=1, mode="avgpool", ceil_mode=True, dims=1)
    >>> [a.tolist() for a in axis_divisors(spec, 0)]
    [[2, 2, 2], [1, 2, 2]]
    """
    i, k, s = spec.i[axis], spec.k[axis], spec.s[axis]
    before, after = spec.p[axis]
    start = np.arange(spec.output_shape[axis]) * s - before
    end = np.minimum(start + k, i + after)
    return end - start, np.minimum(end, i) - np.maximum(start, 0)


def divisors(spec: Spec) -> np.ndarray:
    """The divisor of every output cell of an average pooling (shape ``output_shape``).

    >>> divisors(Spec(i=3, k=2, s=2, p=1, mode="avgpool", count_include_pad=False)).tolist()
    [[1, 2], [2, 4]]
    """
    if spec.divisor_override is not None:
        return np.full(spec.output_shape, spec.divisor_override)
    pick = 0 if spec.count_include_pad else 1
    out = np.ones((), dtype=np.int64)
    for axis in range(spec.dims):
        out = np.multiply.outer(out, axis_divisors(spec, axis)[pick])
    return out


def check(spec: Spec) -> None:
    """The options' own rules, before the sliding-window ones."""
    if is_plain(spec):
        return
    used = next(f"{name}={value}" for name, value, default in (
        ("ceil_mode", getattr(spec, "ceil_mode", False), False),
        ("count_include_pad", getattr(spec, "count_include_pad", True), True),
        ("divisor_override", getattr(spec, "divisor_override", None), None))
        if value != default)
    if spec.padding_mode != "zeros":
        raise SpecError(f"{used} needs padding_mode='zeros' (PyTorch's pooling pads inside "
                        "the layer only with its own padding); drop padding_mode", "padding_mode")
    if any(b != a for b, a in spec.p):
        raise SpecError(f"{used} needs the same padding on both sides of each axis (PyTorch's "
                        f"pooling padding is one number per axis), not {spec.p}; use "
                        "e.g. padding=1", "padding")
    if getattr(spec, "divisor_override", None) is not None and spec.dims == 1:
        raise SpecError("divisor_override is 2-D and 3-D only (PyTorch's avg_pool1d has none); "
                        "drop it or use dims: 2", "divisor_override")


def axis_src(spec: Spec, axis: int) -> np.ndarray:
    """Input index of every padded cell along one axis, -1 for padding and for the cells a
    ceil_mode window hangs over past the edge (enough of them for the last window).

    >>> axis_src(Spec(i=3, k=2, p=1, mode="maxpool"), 0).tolist()
    [-1, 0, 1, 2, -1]
    """
    n = spec.i[axis]
    before, after = spec.p[axis]
    src = np.concatenate([np.full(before, -1), np.arange(n), np.full(after, -1)])
    span = spec.d[axis] * (spec.k[axis] - 1) + 1
    reach = (spec.output_shape[axis] - 1) * spec.s[axis] + span
    return np.concatenate([src, np.full(max(reach - len(src), 0), -1)])


def axis_links(spec: Spec, axis: int) -> np.ndarray:
    """The sliding window's ``(output, input, tap)`` rows; taps past the edge read nothing.

    >>> axis_links(Spec(i=4, k=2, mode="maxpool"), 0).tolist()
    [[0, 0, 0], [0, 1, 1], [1, 2, 0], [1, 3, 1]]
    """
    k, s, d = spec.k[axis], spec.s[axis], spec.d[axis]
    src = axis_src(spec, axis)
    o, t = np.meshgrid(np.arange(spec.output_shape[axis]), np.arange(k), indexing="ij")
    x = src[o * s + t * d]
    keep = x >= 0
    return np.stack([o[keep], x[keep], t[keep]], axis=1)


def inside(spec: Spec, axis: int) -> np.ndarray:
    """Per output cell and tap of one axis: whether the tap lies on the padded input.

    >>> inside(Spec(i=5, k=2, mode="maxpool", ceil_mode=True), 0).tolist()
    [[True, True], [True, True], [True, False]]
    """
    k, s, d = spec.k[axis], spec.s[axis], spec.d[axis]
    padded = spec.i[axis] + sum(spec.p[axis])
    o, t = np.meshgrid(np.arange(spec.output_shape[axis]), np.arange(k), indexing="ij")
    return o * s + t * d < padded
