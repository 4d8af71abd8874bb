"""The frozen description of one animated operation, validated against PyTorch's rules.

Every size is per axis. ``dims`` is 1 (a sequence, as in ``Conv1d``), 2 (an image) or 3 (a
volume, depth x height x width, as in ``Conv3d``; conv, transposed and pooling). Padding is
resolved to ``(before, after)`` per axis as soon as a spec is built, so every later stage sees
plain integers and never re-derives a padding name.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from convanim.geometry.ops.base import Op

VIEWS = ("gather", "scatter", "matrix", "backward")
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
PADDING_NAMES = ("valid", "same", "full", "half")

Pair = tuple[int, int]
_INT = re.compile(r"-?[0-9]+")  # ASCII only: str.isdigit() accepts '²', which int() refuses


class SpecError(ValueError):
    """A parameter breaks a rule; the message names the parameter, the value, the rule and a fix.

    ``param`` holds the offending parameter's name (``"kernel_size"``, ``"padding"``, ...) so that
    the command line can point at the flag or YAML key that set it.

    >>> try:
    ...     Spec(i=4, k=6)
    ... except SpecError as err:
    ...     err.param
    'kernel_size'
    """

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


# The long names users see in messages, keyed by the spec's short field names.
LONG_NAMES = {
    "i": "input_size",
    "k": "kernel_size",
    "s": "stride",
    "p": "padding",
    "d": "dilation",
    "output_padding": "output_padding",
    "mode": "mode",
    "view": "view",
    "padding_mode": "padding_mode",
    "dims": "dims",
}


def per_axis_text(values: tuple[Any, ...]) -> str:
    """Show a per-axis value the way a user would have written it: ``3`` or ``(3, 2)``.

    >>> per_axis_text((3, 3)), per_axis_text((3, 2))
    ('3', '(3, 2)')
    """
    if len(set(values)) == 1:
        return str(values[0])
    return "(" + ", ".join(str(v) for v in values) + ")"


# Every size, stride, padding and dilation is bounded before any arithmetic or numpy sees
# it: far beyond anything drawable (96 cells) or explainable, far below int64 overflow.
MAX_NUMBER = 10_000_000
MAX_NESTING = 4  # ((top, bottom), (left, right)) is the deepest a parameter goes


def _whole(value: Any, param: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and value.is_integer() and math.isfinite(value):
            value = int(value)
        else:
            raise SpecError(
                f"{param}={_short(value)} is not a whole number; write it like 3 or 3,2", param
            )
    if abs(value) > MAX_NUMBER:
        raise SpecError(f"{param}={_short(value)} is too large: sizes, strides, paddings and "
                        f"dilations are at most {MAX_NUMBER:,}; use a smaller {param}", param)
    return int(value)


def _short(value: Any) -> str:
    """A value for a message, cut short (a 5000-digit number is not worth printing whole)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**30:
        return f"a {len(str(abs(value)))}-digit number"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _parse_text(value: Any, param: str = "size") -> Any:
    """Accept ``"3"`` and ``"3,2"`` (command-line and YAML strings) as well as numbers."""
    if isinstance(value, str):
        parts = [part.strip() for part in value.replace("x", ",").split(",")]
        for part in parts:
            if _INT.fullmatch(part) and len(part.lstrip("-")) > len(str(MAX_NUMBER)):
                raise SpecError(f"{param} has a {len(part.lstrip('-'))}-digit number; sizes, "
                                f"strides, paddings and dilations are at most {MAX_NUMBER:,}",
                                param)
        if all(_INT.fullmatch(part) for part in parts):
            ints = [int(part) for part in parts]
            return ints[0] if len(ints) == 1 else ints
    return value


def _depth(value: Any, limit: int = MAX_NESTING) -> int:
    """How deeply lists nest in ``value``, counting no further than ``limit`` + 1."""
    if not isinstance(value, (list, tuple)) or limit < 0:
        return 0
    return 1 + max((_depth(v, limit - 1) for v in value), default=0)


def parse_per_axis(value: Any, dims: int, param: str) -> tuple[int, ...]:
    """One whole number per axis from ``3``, ``"3,2"`` or ``[3, 2]``; a SpecError otherwise.

    >>> parse_per_axis("3,2", 2, "stride"), parse_per_axis(3, 2, "stride")
    ((3, 2), (3, 3))
    """
    value = _parse_text(value, param)
    if _depth(value) > 1:
        raise SpecError(f"{param} nests lists; give one number, or one per axis like 3,2",
                        param)
    if isinstance(value, (list, tuple)):
        if len(value) != dims:
            shape = {1: "one number", 2: "one number or two (height, width)",
                     3: "one number or three (depth, height, width)"}[dims]
            raise SpecError(
                f"{param}={_show(value)} has {len(value)} entries but dims={dims}: give {shape}",
                param,
            )
        return tuple(_whole(v, param) for v in value)
    return (_whole(value, param),) * dims


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    return repr(value) if isinstance(value, str) else str(value)


def _padding(value: Any, dims: int) -> tuple[Pair, ...] | str:
    """Normalize padding to per-axis ``(before, after)`` pairs, or return a padding name."""
    value = _parse_text(value, "padding")
    if _depth(value) > 2:
        raise SpecError("padding nests lists more than two deep; write p, (ph, pw) or "
                        "((top, bottom), (left, right))", "padding")
    if isinstance(value, str):
        name = value.strip().lower()
        if name not in PADDING_NAMES:
            raise SpecError(
                f"padding={value!r} is not a padding name; use a number or one of "
                + ", ".join(PADDING_NAMES),
                "padding",
            )
        return name
    if not isinstance(value, (list, tuple)):
        p = _whole(value, "padding")
        return ((p, p),) * dims
    if dims == 1:
        # A 1-D padding has no height/width, so a pair can only mean (left, right).
        flat = value[0] if len(value) == 1 and isinstance(value[0], (list, tuple)) else value
        if len(flat) == 1:
            p = _whole(flat[0], "padding")
            return ((p, p),)
        if len(flat) == 2 and not any(isinstance(v, (list, tuple)) for v in flat):
            return ((_whole(flat[0], "padding"), _whole(flat[1], "padding")),)
    elif len(value) == dims:
        axes = []
        for v in value:
            if isinstance(v, (list, tuple)):
                if len(v) != 2:
                    break
                axes.append((_whole(v[0], "padding"), _whole(v[1], "padding")))
            else:
                p = _whole(v, "padding")
                axes.append((p, p))
        else:
            return tuple(axes)
    shape = {1: "p, (left, right)", 2: "p, (ph, pw) or ((top, bottom), (left, right))",
             3: "p, (pd, ph, pw) or ((front, back), (top, bottom), (left, right))"}[dims]
    raise SpecError(f"padding={_show(value)} has the wrong shape for dims={dims}: write {shape}",
                    "padding")


@dataclass(frozen=True, init=False)
class Spec:
    """One operation (convolution, transposed convolution, pooling, upsampling), sizes per axis.

    ``spec.op`` is the operation's object (:mod:`convanim.geometry.ops`), which holds its
    rules, sizes, frames and code. Fields only one operation takes are keyword arguments
    too (``Spec(i=3, mode="upsample", scale=2)``), read back as attributes (``spec.scale``).

    Build it with keyword arguments: an int means the same on every axis, a pair means
    (height, width). ``p`` may also be per side ``((top, bottom), (left, right))`` or a name:
    ``valid``, ``same`` (TensorFlow/Keras), ``full`` or ``half``. ``s`` defaults to 1, or to the
    kernel size for pooling, as in PyTorch.

    >>> spec = Spec(i=3, k=3, s=2, p=1, mode="transposed")
    >>> spec.output_shape
    (5, 5)
    >>> Spec(i=5, k=3, s=2, p="same").p
    ((1, 1), (1, 1))
    """

    dims: int
    mode: str
    view: str
    padding_mode: str
    i: tuple[int, ...]
    k: tuple[int, ...]
    s: tuple[int, ...]
    p: tuple[Pair, ...]
    d: tuple[int, ...]
    output_padding: tuple[int, ...]
    padding_name: str | None
    extra: tuple[tuple[str, Any], ...]

    def __init__(
        self,
        i: Any,
        k: Any = None,
        s: Any = None,
        p: Any = 0,
        d: Any = 1,
        output_padding: Any = 0,
        mode: str = "conv",
        view: str = "gather",
        padding_mode: str = "zeros",
        dims: Any = 2,
        **extra: Any,
    ) -> None:
        dims = _parse_text(dims)
        if isinstance(dims, bool) or dims not in (1, 2, 3):
            raise SpecError(f"dims={dims!r} is not supported: use 1 (sequence), 2 (image) or 3 "
                            "(volume)", "dims")
        op = _mode(mode)
        if dims == 3 and not op.volumes:
            from convanim.geometry.ops import MODES, get_op

            takes = ", ".join(repr(m) for m in MODES if get_op(m).volumes)
            raise SpecError(f"dims=3 is not supported for mode {op.mode!r}; 3-D volumes are "
                            f"drawn for {takes}: use dims 1 or 2", "dims")
        mode = op.mode
        view = parse_choice(view, VIEWS, "view")
        padding_mode = parse_choice(padding_mode, PADDING_MODES, "padding_mode")
        set_ = object.__setattr__
        set_(self, "dims", int(dims))
        set_(self, "mode", mode)
        set_(self, "view", view)
        set_(self, "padding_mode", padding_mode)
        set_(self, "extra", _fields(op, extra, self.dims))
        if k is None:
            k = op.default_kernel(self.dims, dict(self.extra))
            if k is None:
                raise SpecError("kernel_size is missing; give it, e.g. kernel_size: 3",
                                "kernel_size")
        for name, raw in (("i", i), ("k", k), ("d", d), ("output_padding", output_padding)):
            set_(self, name, parse_per_axis(raw, self.dims, LONG_NAMES[name]))
        stride = op.default_stride(self.k) if s is None else parse_per_axis(s, self.dims, "stride")
        set_(self, "s", stride)
        padding = _padding(p, self.dims)
        set_(self, "padding_name", padding if isinstance(padding, str) else None)
        from convanim.geometry.rules import check_sizes, resolve_padding, validate

        check_sizes(self)
        pads, extra = resolve_padding(self, padding)
        set_(self, "p", pads)
        if extra is not None:
            set_(self, "output_padding", extra)
        validate(self)

    # -- construction helpers ---------------------------------------------------------------

    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any]) -> Spec:
        """Build a spec from a mapping that uses the short or the long parameter names.

        >>> Spec.from_dict({"input_size": "5", "kernel_size": 3, "mode": "maxpool"}).s
        (3, 3)
        """
        from convanim.geometry.ops import FIELDS

        shorts = {long: short for short, long in LONG_NAMES.items()}
        fields = {alias: f.name for f in FIELDS for alias in (f.name, *f.aliases)}
        longs = {**LONG_NAMES, **{f.name: f.name for f in FIELDS}}
        kwargs: dict[str, Any] = {}
        for key, value in mapping.items():
            name = str(key).replace("-", "_")
            name = fields.get(name, shorts.get(name, name))
            if name not in longs:
                from difflib import get_close_matches

                options = sorted(set(longs) | set(LONG_NAMES.values()))
                close = get_close_matches(name, options, n=1)
                hint = f"did you mean {close[0]!r}?" if close else "use " + ", ".join(options)
                raise SpecError(f"unknown spec key {key!r}; {hint}", str(key))
            if name in kwargs:
                raise SpecError(f"{longs[name]} is given twice; keep one", longs[name])
            kwargs[name] = value
        if "i" not in kwargs:
            raise SpecError("input_size is missing; give it, e.g. input_size: 3", "input_size")
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain values with long names, ready for YAML; ``Spec.from_dict`` inverts it.

        >>> Spec(i=5, k=3, p="same").to_dict()["padding"]
        'same'
        """
        return self.op.to_dict(self)

    def replace(self, **changes: Any) -> Spec:
        """A copy with some parameters changed, validated again.

        >>> Spec(i=5, k=3).replace(s=2).output_shape
        (2, 2)
        """
        current: dict[str, Any] = {
            "i": self.i, "k": self.k, "s": self.s, "d": self.d, "mode": self.mode,
            "view": self.view, "padding_mode": self.padding_mode, "dims": self.dims,
            "p": self.padding_name or self.p,
            "output_padding": self.given_output_padding, **dict(self.extra),
        }
        current.update(changes)
        return Spec(**current)

    # -- derived sizes ----------------------------------------------------------------------

    @property
    def given_output_padding(self) -> tuple[int, ...]:
        """The output_padding the user gave: zeros where ``same`` implies it instead.

        >>> Spec(i=3, k=1, s=2, p="same", mode="transposed").output_padding
        (1, 1)
        >>> Spec(i=3, k=1, s=2, p="same", mode="transposed").given_output_padding
        (0, 0)
        >>> Spec(i=1, k=2, d=2, p="valid", output_padding=1, mode="transposed").given_output_padding
        (1, 1)
        """
        if self.padding_name == "same":
            return (0,) * self.dims
        return self.output_padding

    @property
    def effective_kernel(self) -> tuple[int, ...]:
        """Cells one dilated kernel spans per axis: ``d*(k-1) + 1``.

        >>> Spec(i=7, k=3, d=2).effective_kernel
        (5, 5)
        """
        return tuple(d * (k - 1) + 1 for k, d in zip(self.k, self.d))

    @property
    def output_shape(self) -> tuple[int, ...]:
        """The output size per axis, exactly as PyTorch computes it.

        >>> Spec(i=3, k=3, s=2, p=1, output_padding=1, mode="transposed").output_shape
        (6, 6)
        """
        from convanim.geometry.rules import output_length

        return tuple(output_length(self, axis) for axis in range(self.dims))

    @property
    def is_transposed(self) -> bool:
        """True for a transposed convolution (an equivalent direct convolution exists)."""
        return self.op.transposed

    @property
    def op(self) -> Op:
        """The operation that knows this spec's mode: its rules, frames, code and words.

        >>> Spec(i=4, k=2, mode="maxpool").op.noun
        'Max pooling'
        """
        from convanim.geometry.ops import get_op

        return get_op(self.mode)

    def __getattr__(self, name: str) -> Any:
        # Op-specific fields (``spec.scale``) live in ``extra``; only missing names get here.
        if not name.startswith("_"):
            try:
                extra = object.__getattribute__(self, "extra")
            except AttributeError:
                extra = ()
            for key, value in extra:
                if key == name:
                    return value
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def named_parameters(self) -> list[tuple[str, Any]]:
        """The parameters a title or file name should mention, in order, each with its value.

        ``i``, ``k``, ``s`` and ``p`` always; ``d``, ``op``, the view, the padding mode and
        ``1-D`` only when they differ from the default. Values are per-axis tuples, a padding
        name, per-side padding pairs, or None for a bare flag.

        >>> Spec(i=7, k=3, d=2, dims=1).named_parameters()
        [('i', (7,)), ('k', (3,)), ('s', (1,)), ('p', (0,)), ('d', (2,)), ('1-D', None)]
        """
        return self.op.named_parameters(self)

    @property
    def label(self) -> str:
        """A short title such as ``transposed conv  i=3 k=3 s=2 p=1``.

        >>> Spec(i=5, k=3, s=2, p=1).label
        'conv  i=5 k=3 s=2 p=1'
        """
        parts = []
        for key, value in self.named_parameters():
            if key == self.view and key != "backward":
                continue  # the picture itself shows the view (not that it runs backward)
            if value is None:
                parts.append(key)
            elif isinstance(value, str):
                parts.append(f"{key}={value}")
            elif isinstance(value[0], tuple):
                parts.append(f"{key}=" + _show(value).replace(" ", ""))
            else:
                parts.append(f"{key}={per_axis_text(value)}")
        return self.op.title + "  " + " ".join(parts)

    def __repr__(self) -> str:
        body = ", ".join(f"{key}={value!r}" for key, value in self.to_dict().items())
        return f"Spec({body})"


def parse_choice(value: Any, allowed: tuple[str, ...], param: str) -> str:
    """One of ``allowed`` (case and spaces ignored), or a SpecError with a did-you-mean.

    >>> parse_choice(" Nearest", ("nearest", "bilinear"), "method")
    'nearest'
    """
    text = str(value).strip().lower() if isinstance(value, str) else value
    if text not in allowed:
        from difflib import get_close_matches

        close = get_close_matches(str(text), allowed, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "use one of " + ", ".join(allowed)
        raise SpecError(f"{param}={value!r} is not one of {', '.join(allowed)}; {hint}", param)
    return text


def _mode(value: Any) -> Op:
    from convanim.geometry.ops import MODES, get_op

    try:
        return get_op(value)
    except KeyError:
        parse_choice(value, MODES, "mode")
        raise


def _fields(op: Op, given: dict[str, Any], dims: int) -> tuple[tuple[str, Any], ...]:
    """The op's own fields, normalized, with defaults for those not given."""
    from convanim.geometry.ops import FIELDS, modes_with_field

    names = {alias: f.name for f in FIELDS for alias in (f.name, *f.aliases)}
    values: dict[str, Any] = {}
    own = {f.name for f in op.fields}
    for key, value in given.items():
        name = names.get(key)
        if name is None:
            raise SpecError(f"unknown spec key {key!r}; use one of "
                            + ", ".join(sorted({*LONG_NAMES, *names})), key)
        if name not in own:
            shown = value if isinstance(value, str) else _show(value)
            raise SpecError(f"{name}={shown} only applies to mode "
                            + " or ".join(repr(m) for m in modes_with_field(name))
                            + f", not {op.mode!r}; drop it", name)
        if name in values:
            raise SpecError(f"{name} is given twice; keep one", name)
        values[name] = value
    read = {f.name: f.read(values.get(f.name), dims) for f in op.fields}
    return tuple(op.resolve_fields(dims, read).items())


def __getattr__(name: str) -> Any:
    # MODES comes from the registry, which imports this module: looked up on first use.
    if name == "MODES":
        from convanim.geometry.ops import MODES

        return MODES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
