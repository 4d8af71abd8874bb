"""PyTorch's rules for valid parameters, and the padding names resolved into numbers.

Each check raises :class:`SpecError` with one sentence: the parameter, its value, the rule, and
a change that would fix it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from convanim.geometry.spec import SpecError, per_axis_text

if TYPE_CHECKING:
    from convanim.geometry.spec import Pair, Spec

AXES = {1: ("",), 2: (" (height)", " (width)"), 3: (" (depth)", " (height)", " (width)")}


def axis_suffix(spec: Spec, axis: int) -> str:
    """`` (width)`` after a message about one axis, or nothing when both axes agree.

    >>> from convanim.geometry.spec import Spec
    >>> axis_suffix(Spec(i=5, k=3), 1), axis_suffix(Spec(i=(5, 4), k=3), 1)
    ('', ' (width)')
    """
    # Name the axis only when the two axes differ, so square specs read naturally.
    fields = (spec.i, spec.k, spec.s, spec.d, spec.output_padding, getattr(spec, "p", ()))
    if spec.dims == 1 or all(len(set(values)) <= 1 for values in fields):
        return ""
    return AXES[spec.dims][axis]


def check_sizes(spec: Spec) -> None:
    """Check the positive sizes every mode needs (before padding names are resolved).

    >>> from convanim.geometry.spec import Spec, SpecError
    >>> try:
    ...     Spec(i=5, k=0)
    ... except SpecError as err:
    ...     print(err)
    kernel_size=0 must be at least 1; use kernel_size >= 1
    """
    for name, long in (("i", "input_size"), ("k", "kernel_size"), ("s", "stride"),
                       ("d", "dilation")):
        values = getattr(spec, name)
        for axis, value in enumerate(values):
            if value < 1:
                raise SpecError(
                    f"{long}={per_axis_text(values)} must be at least 1{axis_suffix(spec, axis)}; "
                    f"use {long} >= 1", long)
    for axis, op in enumerate(spec.output_padding):
        if op < 0:
            raise SpecError(f"output_padding={per_axis_text(spec.output_padding)} is negative"
                            f"{axis_suffix(spec, axis)}; use 0 or more", "output_padding")


def resolve_padding(spec: Spec, padding: tuple[Pair, ...] | str
                    ) -> tuple[tuple[Pair, ...], tuple[int, ...] | None]:
    """Turn a padding name into per-side numbers; also return output_padding that `same` implies.

    The spec's op resolves the name (``same`` follows TensorFlow/Keras).
    """
    if not isinstance(padding, str):
        return padding, None
    return spec.op.resolve_padding(spec, padding)


def output_length(spec: Spec, axis: int) -> int:
    """Output cells along one axis (may be < 1 for an invalid spec; `validate` rejects that).

    >>> from convanim.geometry.spec import Spec
    >>> output_length(Spec(i=5, k=3, s=2), 0)
    2
    """
    return spec.op.output_length(spec, axis)


def _modes(names: tuple[str, ...]) -> str:
    quoted = [repr(name) for name in names]
    if len(quoted) <= 2:
        return "mode " + " or ".join(quoted)
    return "modes " + ", ".join(quoted)


def _unused_fields(spec: Spec) -> None:
    """Refuse a value, other than the default, for a field the spec's mode does not take."""
    from convanim.geometry.ops import modes_taking

    op = spec.op
    defaults = {"kernel_size": (spec.k, op.default_kernel(spec.dims, {}) or spec.k),
                "stride": (spec.s, op.default_stride(spec.k)),
                "padding": (spec.p if spec.padding_name is None else spec.padding_name,
                            ((0, 0),) * spec.dims),
                "dilation": (spec.d, (1,) * spec.dims),
                "output_padding": (spec.output_padding, (0,) * spec.dims),
                "padding_mode": (spec.padding_mode, "zeros")}
    for name, (value, default) in defaults.items():
        if name in op.takes or value == default:
            continue
        shown = value if isinstance(value, str) else per_axis_text(value)
        raise SpecError(f"{name}={shown} only applies to {_modes(modes_taking(name))}, "
                        f"not {spec.mode!r}; drop it", name)


def validate(spec: Spec) -> None:
    """Enforce every rule PyTorch enforces for this mode, plus the ones it leaves implicit.

    >>> from convanim.geometry.spec import Spec, SpecError
    >>> try:
    ...     Spec(i=2, k=5)
    ... except SpecError as err:
    ...     print(str(err)[:50])
    kernel 5 is larger than the padded input 2: use pa
    """
    from convanim.geometry.ops import modes_with

    for axis in range(spec.dims):
        before, after = spec.p[axis]
        if min(before, after) < 0:
            raise SpecError(f"padding={min(before, after)} is negative{axis_suffix(spec, axis)}; "
                            "use padding >= 0", "padding")
    if spec.view not in spec.op.views:
        able = modes_with(spec.view)
        if spec.view == "matrix":
            raise SpecError(f"view='matrix' draws a convolution as y = C x, not {spec.mode!r}; "
                            f"use {_modes(able)}", "view")
        raise SpecError(f"view={spec.view!r} is for {_modes(able)}, not {spec.mode!r}; "
                        f"use view='gather' or mode={able[0]!r}", "view")
    _unused_fields(spec)
    spec.op.validate(spec)
