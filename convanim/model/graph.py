"""A model as the importers hand it over: layers (:class:`Node`) in execution order in a
:class:`Graph`, and the one error type of ``convanim model``.

Every importer (PyTorch, ONNX, Keras) fills these; :func:`convanim.model.table.build_table`
walks them and :mod:`convanim.model.text` prints the result.

>>> Graph(("x",), [Node("x", "input", "input", (), (1, 3, 8, 8), (1, 3, 8, 8))]).nodes[0].kind
'input'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# What a node does to the grid, for the receptive-field walk.
KINDS = ("input", "window", "transposed", "upsample", "adaptive", "pass", "merge", "mix",
         "pad", "unknown")
JSON_FIELDS = ("name", "type", "in_shape", "out_shape", "kernel_size", "stride", "padding",
               "dilation", "groups", "params", "macs", "receptive_field", "jump", "start")


class ModelError(Exception):
    """A model convanim cannot read: one line, ``<where>: <value>: <rule>; <fix>``."""


@dataclass
class Node:
    """One layer (or operation) of a model, in execution order.

    ``kind`` is one of :data:`KINDS`; ``inputs`` the names of the nodes it reads (the
    model's input is the node named in :attr:`Graph.inputs`). ``kernel_size``, ``stride``,
    ``dilation`` are per spatial axis; ``padding`` is ``(before, after)`` per spatial axis.
    ``mode`` is the convanim mode that draws it (``conv``, ``maxpool``, ...), or None.
    ``extra`` holds what some kinds need: ``output_padding``, ``align`` (upsamplers).
    """

    name: str
    type: str
    kind: str
    inputs: tuple[str, ...]
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    kernel_size: tuple[int, ...] | None = None
    stride: tuple[int, ...] | None = None
    padding: tuple[tuple[int, int], ...] | None = None
    dilation: tuple[int, ...] | None = None
    groups: int | None = None
    params: int = 0
    macs: int = 0
    mode: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Graph:
    """The nodes of a model in execution order; ``channels_last`` for Keras's layout."""

    inputs: tuple[str, ...]
    nodes: list[Node]
    channels_last: bool = False
    source: str = "model"

    def spatial(self, shape: Sequence[int]) -> tuple[int, ...]:
        """The spatial sizes of a (batch, ...) shape in this graph's layout.

        >>> Graph(("x",), [], channels_last=True).spatial((1, 7, 5, 3))
        (7, 5)
        """
        return tuple(shape[1:-1]) if self.channels_last else tuple(shape[2:])



def clean(text: str) -> str:
    """Model text as one printable line: control characters (escape codes) become '?'.

    >>> clean("a\\x1b[31mb\\nc")
    'a?[31mb?c'
    """
    return "".join(c if c.isprintable() else "?" for c in str(text))


def macs_of_window(out_shape: Sequence[int], in_channels_per_group: int,
                   kernel: Sequence[int]) -> int:
    """Multiply-adds of a convolution: every output value sums in/groups x kernel products.

    >>> macs_of_window((1, 8, 4, 4), 3, (3, 3))
    3456
    """
    return int(math.prod(out_shape) * in_channels_per_group * math.prod(kernel))


def drawable(mode: str | None, dims: int) -> str | None:
    """``mode`` when convanim draws that layer in ``dims`` dimensions (1 and 2 for every
    mode; 3 for the modes whose op draws volumes), else None (the row is listed, not drawn).

    >>> drawable("conv", 3), drawable("upsample", 3), drawable("maxpool", 2)
    ('conv', None, 'maxpool')
    """
    if mode is None or dims not in (1, 2, 3):
        return None
    if dims == 3:
        from convanim.geometry.ops import get_op

        return mode if get_op(mode).volumes else None
    return mode

