"""What an operation is: the one object per mode that holds everything specific to it.

An :class:`Op` answers every question the rest of convanim asks about a mode: which spec
fields it takes (and extra ones it declares as :class:`Field`), its rules, its output size and
formula, its values, its plan of frames, its PyTorch and Keras code (as :class:`Call` data that
``explain`` renders) and its words. Nothing outside ``convanim.geometry.ops`` branches on the
mode name; it asks ``spec.op`` (or :func:`convanim.geometry.ops.get_op`) instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from convanim.geometry.arithmetic import AxisArithmetic
    from convanim.geometry.plan import Plan
    from convanim.geometry.spec import Pair, Spec

BASE_FIELDS = ("kernel_size", "stride", "padding", "dilation", "output_padding", "padding_mode")
"""The spec fields every mode shares the slot for; an op lists the ones it takes in ``takes``."""


@dataclass(frozen=True)
class Field:
    """An op-specific spec field: its name (flag ``--name``, YAML key), default and kind.

    ``kind`` says how the command line and YAML read it: ``size`` (a number per axis, like
    ``3`` or ``3,2``), ``choice`` (one of ``choices``), ``int``, ``count`` (a whole number or
    a name its ``parse`` knows, like ``groups: depthwise``) or ``bool``. ``parse`` turns a
    given value into the normalized one the spec stores (``parse(value, dims)``; it raises
    :class:`~convanim.geometry.spec.SpecError` naming the field); ``aliases`` are other names
    users may write (``scale_factor`` for ``scale``).

    >>> Field("method", "nearest", "choice", "How to fill new cells.", choices=("nearest",)).name
    'method'
    """

    name: str
    default: Any
    kind: str
    help: str
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    parse: Callable[[Any, int], Any] | None = None

    def read(self, value: Any, dims: int) -> Any:
        """The normalized value (the default when ``value`` is None)."""
        value = self.default if value is None else value
        if self.parse is not None:
            return self.parse(value, dims)
        return value


@dataclass(frozen=True)
class Call:
    """One framework layer as data: ``name(args...)`` with an optional trailing comment.

    ``explain`` renders a tuple of calls: one call as it is, several as ``nn.Sequential``.

    >>> Call("nn.Conv2d", ("1", "1", "kernel_size=3")).name
    'nn.Conv2d'
    """

    name: str
    args: tuple[str, ...] = ()
    comment: str = ""


class Op:
    """One mode. Subclass it in one module under ``convanim/geometry/ops/`` and register it.

    Class attributes say what the mode is; methods answer for a built spec. The defaults
    here are those of an operation without a kernel window; :class:`~convanim.geometry.ops.
    window.Windowed` supplies the shared sliding-window behaviour of conv, transposed and
    pooling.
    """

    mode: str = ""
    """The name users write (``--mode``, YAML ``mode:``)."""
    aliases: tuple[str, ...] = ()
    """Other names accepted for the mode."""
    title: str = ""
    """The label's first words, e.g. ``transposed conv``."""
    noun: str = ""
    """The sentence subject in words, e.g. ``Transposed convolution``."""
    window_noun: str = "kernel"
    takes: tuple[str, ...] = ()
    """Which of :data:`BASE_FIELDS` the mode takes; others must keep their defaults."""
    fields: tuple[Field, ...] = ()
    """Extra spec fields only this mode takes (read with ``spec.<name>``)."""
    views: tuple[str, ...] = ("gather",)
    """Views it can be drawn in; ``matrix`` means it is a linear map with kernel taps."""
    solvable: bool = False
    """Whether ``convanim solve`` searches its (kernel, stride, padding) settings."""
    transposed: bool = False
    """Whether it is a transposed convolution (equivalent direct conv, checkerboards)."""
    weighted: bool = False
    """Whether ``compute`` needs kernel values ``w``."""
    draws_stack: bool = False
    """Channels drawn as maps side by side (the legibility limit on their count applies)."""
    volumes: bool = False
    """Whether it takes ``dims=3`` (a volume drawn as depth slices: :mod:`.volume`)."""
    tiles_channels: bool = False
    """Input channels drawn as tiles of one grid, each in its own tint, and each output cell
    in the tint of the channel it came from (pixel shuffle)."""
    in_channels_follow_input: bool = True
    """Whether ``in_channels`` only repeats the input's channel count, so that a chain (which
    passes the channels on) needs none; False when it also sets the output (pixel shuffle's
    ``C*r*r`` picks ``C``)."""
    dilates: bool = True
    """Whether its window can be dilated when it takes ``dilation`` (average pooling cannot:
    PyTorch's ``avg_pool2d`` has no dilation)."""
    value_range: tuple[int, int] = (0, 5)
    """The half-open range of the seeded example inputs (max modes draw from a wider one, so
    that their maxima can differ)."""

    # -- spec ---------------------------------------------------------------------------

    def resolve_fields(self, dims: int, values: dict[str, Any]) -> dict[str, Any]:
        """The op's fields after each was read alone: resolve the ones that depend on others
        (``groups: depthwise`` from ``in_channels``, say). Raise SpecError to refuse.

        >>> from convanim.geometry.ops import get_op
        >>> get_op("pixelshuffle").resolve_fields(2, {"scale": (2, 2), "in_channels": None})
        {'scale': (2, 2), 'in_channels': 4}
        """
        return values

    def default_stride(self, k: tuple[int, ...]) -> tuple[int, ...]:
        """The stride when none is given.

        >>> from convanim.geometry.ops import get_op
        >>> get_op("conv").default_stride((3, 3)), get_op("maxpool").default_stride((3, 3))
        ((1, 1), (3, 3))
        """
        return (1,) * len(k)

    def default_kernel(self, dims: int, fields: dict[str, Any]) -> tuple[int, ...] | None:
        """The kernel size when none is given, or None when the mode needs one.

        >>> from convanim.geometry.ops import get_op
        >>> get_op("conv").default_kernel(2, {}), get_op("upsample").default_kernel(2, {})
        (None, (1, 1))
        """
        return None

    def resolve_padding(self, spec: Spec, name: str
                        ) -> tuple[tuple[Pair, ...], tuple[int, ...] | None]:
        """Turn a padding name into numbers (and any output_padding it implies).

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=5, k=3, p="same")
        >>> spec.op.resolve_padding(spec, "same")
        (((1, 1), (1, 1)), None)
        """
        from convanim.geometry.spec import SpecError

        raise SpecError(f"padding={name!r} does not apply to mode {self.mode!r}; drop it",
                        "padding")

    def validate(self, spec: Spec) -> None:
        """Raise a :class:`SpecError` for the first rule ``spec`` breaks.

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=5, k=3)
        >>> spec.op.validate(spec)
        """

    def output_length(self, spec: Spec, axis: int) -> int:
        """Output cells along one axis.

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=5, k=3, s=2)
        >>> spec.op.output_length(spec, 0)
        2
        """
        raise NotImplementedError

    def axis_arithmetic(self, spec: Spec, axis: int) -> AxisArithmetic:
        """How one axis's output size comes about, with the formula in text.

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=5, k=3, s=2)
        >>> spec.op.axis_arithmetic(spec, 0).text
        'o = floor((5 + 2*0 - 3) / 2) + 1 = 2'
        """
        raise NotImplementedError

    def axis_links(self, spec: Spec, axis: int) -> np.ndarray:
        """The ``(output, input, tap)`` links of one axis, one row each, for a separable op
        (the full links are the product of the axes'); see :mod:`convanim.geometry.links`.

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=3, k=2, dims=1)
        >>> spec.op.axis_links(spec, 0).tolist()
        [[0, 0, 0], [0, 1, 1], [1, 1, 0], [1, 2, 1]]
        """
        raise NotImplementedError

    def named_parameters(self, spec: Spec) -> list[tuple[str, Any]]:
        """The parameters a title or file name mentions (see ``Spec.named_parameters``).

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=5, k=3, s=2)
        >>> spec.op.named_parameters(spec)
        [('i', (5, 5)), ('k', (3, 3)), ('s', (2, 2)), ('p', (0, 0))]
        """
        raise NotImplementedError

    def to_dict(self, spec: Spec) -> dict[str, Any]:
        """The spec as plain values with long names (``Spec.to_dict``).

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=(5, 4), k=3, s=2)
        >>> d = spec.op.to_dict(spec)
        >>> d["mode"], d["input_size"], d["stride"]
        ('conv', [5, 4], 2)
        """
        raise NotImplementedError

    # -- numbers and frames ---------------------------------------------------------------

    def pad_value(self, spec: Spec) -> float:
        """What a constant padding cell holds (max pooling: -inf).

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=5, k=3, mode="maxpool")
        >>> spec.op.pad_value(spec), Spec(i=5, k=3).op.pad_value(Spec(i=5, k=3))
        (-inf, 0.0)
        """
        return 0.0

    def input_shape(self, spec: Spec) -> tuple[int, ...]:
        """The shape of ``x``: the input size (a channels op would put ``C_in`` first).

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=5, k=3, in_channels=3, out_channels=2)
        >>> spec.op.input_shape(spec)
        (3, 5, 5)
        """
        return spec.i

    def report_input_shape(self, spec: Spec) -> tuple[int, ...]:
        """The input's spatial shape as ``shape`` reports it (fold: its patch matrix).

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=5, k=3)
        >>> spec.op.report_input_shape(spec)
        (5, 5)
        """
        return spec.i

    def weight_shape(self, spec: Spec) -> tuple[int, ...]:
        """The shape of ``w`` (drawn for every mode, used when ``weighted``).

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=5, k=3, in_channels=3, out_channels=2)
        >>> spec.op.weight_shape(spec)
        (2, 3, 3, 3)
        """
        return spec.k

    def compute(self, spec: Spec, x: np.ndarray, w: np.ndarray | None,
                b: Any = None) -> np.ndarray:
        """The output for ``x`` (shape :meth:`input_shape`, checked) and ``w`` (shape
        :meth:`weight_shape`, None when not ``weighted``); ``b`` is a bias or None.

        >>> from convanim.geometry import Spec
        >>> import numpy as np
        >>> spec = Spec(i=3, k=2, dims=1)
        >>> spec.op.compute(spec, np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0])).tolist()
        [3.0, 5.0]
        """
        raise NotImplementedError

    def plan(self, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray) -> Plan:
        """Every frame of the animation, for values already drawn and computed.

        >>> from convanim.geometry import Spec
        >>> import numpy as np
        >>> spec = Spec(i=3, k=2, dims=1)
        >>> x, w = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0])
        >>> len(spec.op.plan(spec, x, w, spec.op.compute(spec, x, w)).frames)
        4
        """
        raise NotImplementedError

    def frame_count(self, spec: Spec) -> int:
        """How many frames :meth:`plan` makes, without planning.

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=3, k=2, dims=1)
        >>> spec.op.frame_count(spec)
        4
        """
        raise NotImplementedError

    def largest_grid(self, spec: Spec) -> int:
        """The most cells along one side of any grid the animation draws.

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=5, k=3, p=1)
        >>> spec.op.largest_grid(spec)
        7
        """
        raise NotImplementedError

    def oversize(self, spec: Spec, limit: int) -> tuple[str, str]:
        """For a largest grid over ``limit`` cells: the parameter to blame and the fix.

        >>> from convanim.geometry import Spec
        >>> Spec(i=99, k=3).op.oversize(Spec(i=99, k=3), 96)
        ('input_size', 'use a smaller input_size')
        """
        return "input_size", "use a smaller input_size"

    def panel_sides(self, spec: Spec) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Per axis, the cells of the grid the window moves over and of the grid written,
        without planning (the resource budget's frame estimate): by default the input
        with its padding and the output.

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=5, k=3, p=1)
        >>> spec.op.panel_sides(spec)
        ((7, 7), (5, 5))
        """
        pads = getattr(spec, "p", None) or ((0, 0),) * spec.dims
        return (tuple(i + b + a for i, (b, a) in zip(spec.i, pads)), tuple(spec.output_shape))

    # -- receptive field ------------------------------------------------------------------

    field_refusal: str = ("has no receptive-field step: its output cells do not each see one "
                          "box of its input")
    """Why :meth:`field_step` refuses, after the mode's name (ops without a box say why)."""

    def field_step(self, spec: Spec, axis: int) -> tuple[int, int, int]:
        """One axis's receptive-field step: ``(span, stride, pad_before)``.

        Output cell ``n`` of a layer with a step reads input cells ``n*stride - pad_before``
        to ``n*stride - pad_before + span - 1`` (Araujo et al., Distill 2019); the chain
        arithmetic in :mod:`convanim.geometry.chain` composes the steps. An op without one
        box per output cell raises :class:`~convanim.geometry.spec.SpecError` saying why.

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=5, k=3, s=2, p=1)
        >>> spec.op.field_step(spec, 0)
        (3, 2, 1)
        """
        from convanim.geometry.spec import SpecError

        raise SpecError(f"mode {self.mode!r} {self.field_refusal}", "mode")

    # -- example values (convanim.geometry.examples) -----------------------------------------

    def sparse_output(self, spec: Spec) -> bool:
        """Whether the output puts zeros between its values on purpose (unpooling, bed of
        nails), so that an all-zero output row does not make a poor example.

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=4, mode="upsample", method="bed_of_nails")
        >>> spec.op.sparse_output(spec), Spec(i=4, k=2).op.sparse_output(Spec(i=4, k=2))
        (True, False)
        """
        return False

    def example_maxima(self, spec: Spec, y: np.ndarray) -> np.ndarray | None:
        """The maxima the figure shows being picked (a good example has varied ones), or None
        when the op picks no maxima.

        >>> from convanim.geometry import Spec
        >>> import numpy as np
        >>> spec = Spec(i=4, k=2, mode="maxunpool")
        >>> spec.op.example_maxima(spec, np.array([[0.0, 7.0], [3.0, 0.0]])).tolist()
        [7.0, 3.0]
        """
        return None

    # -- words and code -------------------------------------------------------------------

    def alt_text(self, spec: Spec) -> str | None:
        """One sentence describing the figure, or None for the sliding-window sentence.

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=4, mode="pixelshuffle", scale=2)
        >>> spec.op.alt_text(spec)
        'Pixel shuffle of 4 channels of 4x4 by 2, giving 1 channel of 8x8.'
        >>> Spec(i=4, k=3).op.alt_text(Spec(i=4, k=3)) is None
        True
        """
        return None

    def pytorch(self, spec: Spec) -> tuple[Call, ...]:
        """The PyTorch module: one call, or several for an ``nn.Sequential``.

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=5, k=3, s=2)
        >>> [call.name for call in spec.op.pytorch(spec)]
        ['nn.Conv2d']
        """
        raise NotImplementedError

    def keras(self, spec: Spec) -> Call | str:
        """The Keras layer, or the reason none is exact.

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=5, k=3, s=2)
        >>> spec.op.keras(spec).name
        'layers.Conv2D'
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<op {self.mode}>"
