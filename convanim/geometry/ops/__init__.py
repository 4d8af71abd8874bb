"""The registry: every mode name (and alias) mapped to the one :class:`Op` that knows it.

Adding a mode is one module under ``convanim/geometry/ops/`` and one line in :data:`_MODULES`
(see ``docs/adding-an-operation.md``).

>>> get_op("conv").title, get_op("maxpool").noun
('conv', 'Max pooling')
>>> MODES[:4]
('conv', 'transposed', 'maxpool', 'avgpool')
"""

from __future__ import annotations

from importlib import import_module

from convanim.geometry.ops.base import BASE_FIELDS, Call, Field, Op
from convanim.geometry.plan import Picture

_MODULES = (
    "convanim.geometry.ops.conv",
    "convanim.geometry.ops.transposed",
    "convanim.geometry.ops.pooling",
    "convanim.geometry.ops.upsample",
    "convanim.geometry.ops.unpool",
    "convanim.geometry.ops.pixelshuffle",
    "convanim.geometry.ops.pixelunshuffle",
    "convanim.geometry.ops.adaptive",
    "convanim.geometry.ops.unfold",
)
"""One line per operation family; each module lists its ops in ``OPS``."""

_BY_NAME: dict[str, Op] = {}
_ORDER: list[Op] = []


def register(op: Op) -> Op:
    """Make ``op`` (and its aliases) known by name; returns it.

    >>> get_op("transposed") is register(get_op("transposed"))
    True
    """
    for name in (op.mode, *op.aliases):
        known = _BY_NAME.get(name)
        if known is not None and known is not op:
            raise ValueError(f"mode name {name!r} is taken by {known!r}")
        _BY_NAME[name] = op
    if op not in _ORDER:
        _ORDER.append(op)
    return op


for _module in _MODULES:
    for _op in import_module(_module).OPS:
        register(_op)

MODES: tuple[str, ...] = tuple(op.mode for op in _ORDER)
"""Every mode name, in the order help texts list them."""

FIELDS: tuple[Field, ...] = tuple({f.name: f for op in _ORDER for f in op.fields}.values())
"""Every op-specific spec field (one entry per name, first declaration wins)."""


def get_op(mode: str) -> Op:
    """The op for a mode name or alias (case and surrounding spaces ignored).

    >>> get_op(" MaxPool ").mode
    'maxpool'
    """
    op = _BY_NAME.get(mode.strip().lower()) if isinstance(mode, str) else None
    if op is None:
        raise KeyError(mode)
    return op


def mode_names() -> tuple[str, ...]:
    """Every name ``mode`` accepts: the modes, then their aliases.

    >>> "conv" in mode_names()
    True
    """
    return (*MODES, *(name for name in _BY_NAME if name not in MODES))


def ops() -> tuple[Op, ...]:
    """Every registered op, in order.

    >>> [op.mode for op in ops()][:4]
    ['conv', 'transposed', 'maxpool', 'avgpool']
    """
    return tuple(_ORDER)


def modes_with(view: str) -> tuple[str, ...]:
    """The modes that can be drawn in ``view``.

    >>> modes_with("scatter")
    ('transposed',)
    """
    return tuple(op.mode for op in _ORDER if view in op.views)


def modes_taking(field: str) -> tuple[str, ...]:
    """The modes that take base field ``field`` (one of :data:`BASE_FIELDS`).

    >>> modes_taking("output_padding")
    ('transposed',)
    """
    return tuple(op.mode for op in _ORDER if field in op.takes)


def modes_with_field(name: str) -> tuple[str, ...]:
    """The modes that declare the op-specific field ``name``.

    >>> modes_with_field("scale")
    ('upsample', 'pixelshuffle', 'pixelunshuffle')
    """
    return tuple(op.mode for op in _ORDER if any(f.name == name for f in op.fields))


__all__ = [
    "BASE_FIELDS",
    "FIELDS",
    "MODES",
    "Call",
    "Field",
    "Op",
    "Picture",
    "get_op",
    "mode_names",
    "modes_taking",
    "modes_with",
    "modes_with_field",
    "ops",
    "register",
]
