"""PyTorch's rules for valid parameters, and the padding names resolved into numbers.

Each check raises :class:`SpecError` with one sentence: the parameter, its value, the rule, and
a change that would fix it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from convanim.geometry.spec import SpecError, _fmt

if TYPE_CHECKING:
    from convanim.geometry.spec import Pair, Spec

AXES = {1: ("",), 2: (" (height)", " (width)")}


def _axis(spec: Spec, axis: int) -> str:
    # Name the axis only when the two axes differ, so square specs read naturally.
    fields = (spec.i, spec.k, spec.s, spec.d, spec.output_padding, getattr(spec, "p", ()))
    if spec.dims == 1 or all(len(set(values)) <= 1 for values in fields):
        return ""
    return AXES[spec.dims][axis]


def check_sizes(spec: Spec) -> None:
    """Check the positive sizes every mode needs (before padding names are resolved)."""
    for name, long in (("i", "input_size"), ("k", "kernel_size"), ("s", "stride"),
                       ("d", "dilation")):
        values = getattr(spec, name)
        for axis, value in enumerate(values):
            if value < 1:
                raise SpecError(
                    f"{long}={_fmt(values)} must be at least 1{_axis(spec, axis)}; "
                    f"use {long} >= 1", long)
    for axis, op in enumerate(spec.output_padding):
        if op < 0:
            raise SpecError(f"output_padding={_fmt(spec.output_padding)} is negative"
                            f"{_axis(spec, axis)}; use 0 or more", "output_padding")


def resolve_padding(spec: Spec, padding: tuple[Pair, ...] | str
                    ) -> tuple[tuple[Pair, ...], tuple[int, ...] | None]:
    """Turn a padding name into per-side numbers; also return output_padding that `same` implies.

    ``same`` follows TensorFlow/Keras: a convolution gives ``ceil(i/s)`` cells, a transposed one
    ``i*s``, and an odd total goes on the bottom/right side.
    """
    if not isinstance(padding, str):
        return padding, None
    name = padding
    if name in ("same", "valid", "full", "half") and spec.mode == "avgpool" and name != "valid":
        raise SpecError(
            f"padding={name!r} does not fit mode 'avgpool': PyTorch's avg pool counts padding "
            "cells in the mean, unlike Keras; give padding as a number", "padding")
    if name == "same" and spec.mode == "transposed" and any(spec.output_padding):
        raise SpecError(
            f"output_padding={_fmt(spec.output_padding)} cannot be combined with padding='same', "
            "which fixes the output at i*s; drop output_padding or give padding as numbers",
            "output_padding")
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
        elif spec.mode == "transposed":
            total, op = max(span - s, 0), max(s - span, 0)
        else:
            total, op = max((-(-i // s) - 1) * s + span - i, 0), 0
        pads.append((total // 2, total - total // 2))
        extra.append(op)
    if spec.mode == "transposed" and name == "same":
        return tuple(pads), tuple(extra)
    return tuple(pads), None


def output_length(spec: Spec, axis: int) -> int:
    """Output cells along one axis (may be < 1 for an invalid spec; `validate` rejects that)."""
    i, k, s, d = spec.i[axis], spec.k[axis], spec.s[axis], spec.d[axis]
    before, after = spec.p[axis]
    span = d * (k - 1) + 1
    if spec.mode == "transposed":
        return (i - 1) * s - before - after + span + spec.output_padding[axis]
    return (i + before + after - span) // s + 1


def validate(spec: Spec) -> None:
    """Enforce every rule PyTorch enforces for this mode, plus the ones it leaves implicit."""
    name = f" ({spec.padding_name!r})" if spec.padding_name else ""
    for axis in range(spec.dims):
        before, after = spec.p[axis]
        if min(before, after) < 0:
            raise SpecError(f"padding={min(before, after)} is negative{_axis(spec, axis)}; "
                            "use padding >= 0", "padding")
    if spec.view == "scatter" and spec.mode != "transposed":
        raise SpecError(f"view='scatter' is for mode 'transposed', not {spec.mode!r}; "
                        "use view='gather' or mode='transposed'", "view")
    if spec.view == "matrix" and spec.mode not in ("conv", "transposed"):
        raise SpecError(f"view='matrix' shows a linear map, which {spec.mode!r} is not; "
                        "use mode 'conv' or 'transposed'", "view")
    if spec.mode != "transposed" and any(spec.output_padding):
        raise SpecError(f"output_padding={_fmt(spec.output_padding)} only applies to mode "
                        f"'transposed', not {spec.mode!r}; drop it", "output_padding")
    if spec.mode == "transposed":
        _validate_transposed(spec, name)
    else:
        _validate_sliding(spec, name)


def _validate_transposed(spec: Spec, name: str) -> None:
    if spec.padding_mode != "zeros":
        raise SpecError(f"padding_mode={spec.padding_mode!r} is not supported for mode "
                        "'transposed' (PyTorch allows only 'zeros'); use padding_mode='zeros'",
                        "padding_mode")
    for axis in range(spec.dims):
        op, s, d = spec.output_padding[axis], spec.s[axis], spec.d[axis]
        if op >= max(s, d):
            raise SpecError(
                f"output_padding={_fmt(spec.output_padding)} must be smaller than stride "
                f"{s} or dilation {d}{_axis(spec, axis)}; use output_padding <= {max(s, d) - 1}",
                "output_padding")
        out = output_length(spec, axis)
        if out < 1:
            before, after = spec.p[axis]
            uncropped = out + before + after
            raise SpecError(
                f"padding={_fmt(spec.p[axis])}{name} crops {before + after} cells from the "
                f"{uncropped}-cell result and leaves no output{_axis(spec, axis)}; "
                f"use padding <= {(uncropped - 1) // 2}", "padding")


def _validate_sliding(spec: Spec, name: str) -> None:
    pooling = spec.mode in ("maxpool", "avgpool")
    if spec.mode == "avgpool" and any(d != 1 for d in spec.d):
        raise SpecError(f"dilation={_fmt(spec.d)} is not supported for mode 'avgpool' "
                        "(PyTorch's avg_pool2d has none); use dilation=1 or mode='maxpool'",
                        "dilation")
    for axis in range(spec.dims):
        i, k, d = spec.i[axis], spec.k[axis], spec.d[axis]
        before, after = spec.p[axis]
        where = _axis(spec, axis)
        if pooling and max(before, after) > k // 2:
            raise SpecError(
                f"padding={_fmt(spec.p[axis])}{name} is more than half the kernel {k}{where}; "
                f"pooling allows padding <= {k // 2}: use a smaller padding or a larger kernel",
                "padding")
        if spec.padding_mode == "reflect" and max(before, after) >= i:
            raise SpecError(
                f"padding={max(before, after)} with padding_mode='reflect' must be smaller "
                f"than the input {i}{where}; use padding <= {i - 1} or padding_mode='replicate'",
                "padding")
        if spec.padding_mode == "circular" and max(before, after) > i:
            raise SpecError(
                f"padding={max(before, after)} with padding_mode='circular' wraps more than "
                f"once around the input {i}{where}; use padding <= {i}", "padding")
        span = d * (k - 1) + 1
        padded = i + before + after
        if span > padded:
            what = (f"kernel {k} dilated by {d} spans {span} cells but the padded input is "
                    f"{padded}" if d > 1
                    else f"kernel {k} is larger than the padded input {padded}")
            need = -(-(span - i) // 2)
            fixes = [f"padding >= {need}" if not pooling or need <= k // 2 else None,
                     f"kernel_size <= {(padded - 1) // d + 1}" if d == 1 else None,
                     f"dilation <= {(padded - 1) // (k - 1)}" if d > 1 else None]
            fix = " or ".join(f for f in fixes if f)
            raise SpecError(f"{what}{where}: use {fix}",
                            "kernel_size")
