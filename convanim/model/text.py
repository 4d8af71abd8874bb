"""The model table as text: the terminal table, its Markdown form and the summary line.

>>> from convanim.model.graph import Graph, Node
>>> from convanim.model.table import build_table
>>> g = Graph(("x",), [Node("x", "input", "input", (), (1, 1, 8, 8), (1, 1, 8, 8))])
>>> text_table(build_table(g)).splitlines()[0].split()[:4]
['name', 'type', 'in', 'out']
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from convanim.model.graph import clean
from convanim.model.table import Row, Table, plain_number


def _t(values: Sequence[Any] | None) -> str:
    if values is None:
        return "-"
    return "x".join(str(plain_number(v) if isinstance(v, Fraction) else v) for v in values)


def _pad_text(padding: tuple[tuple[int, int], ...] | None) -> str:
    if padding is None:
        return "-"
    return "x".join(str(a) if a == b else f"{a}/{b}" for a, b in padding)


def _shape(shape: Sequence[int]) -> str:
    return "x".join(map(str, shape))


COLUMNS = ("name", "type", "in", "out", "k", "s", "p", "d", "g", "params", "MACs", "field",
           "jump", "start", "note")


def cells(row: Row) -> list[str]:
    """One row as text cells, in :data:`COLUMNS` order.

    >>> from convanim.model.graph import Graph, Node
    >>> from convanim.model.table import build_table
    >>> table = build_table(Graph(("x",), [
    ...     Node("x", "input", "input", (), (1, 1, 8, 8), (1, 1, 8, 8)),
    ...     Node("c", "Conv2d", "window", ("x",), (1, 1, 8, 8), (1, 4, 8, 8), (3, 3), (1, 1),
    ...          ((1, 1), (1, 1)), (1, 1), 1, 40, 2304, "conv")]))
    >>> cells(table.rows[1])[4:]
    ['3x3', '1x1', '1x1', '1x1', '1', '40', '2,304', '3x3', '1x1', '-1x-1', '']
    """
    n = row.node
    return [n.name, n.type, _shape(n.in_shape), _shape(n.out_shape), _t(n.kernel_size),
            _t(n.stride), _pad_text(n.padding), _t(n.dilation),
            "-" if n.groups is None else str(n.groups), f"{n.params:,}", f"{n.macs:,}",
            _t(row.receptive_field), _t(row.jump), _t(row.start), row.note]


def summary(table: Table) -> str:
    """The lines under the table: totals, the last field and its path.

    >>> from convanim.model.graph import Graph, Node
    >>> from convanim.model.table import build_table
    >>> table = build_table(Graph(("x",), [Node("x", "input", "input", (), (1, 1, 4), (1, 1, 4))]))
    >>> summary(table)
    '1 layers, 0 parameters, 0 multiply-adds; receptive field 1 along the path x'
    """
    last = table.rows[-1]
    steps = [name for name in table.path if table.row(name).node.kind not in ("pass",)]
    arrow = " -> ".join(steps)
    return (f"{len(table.rows)} layers, {table.params:,} parameters, {table.macs:,} "
            f"multiply-adds; receptive field {_t(last.receptive_field)} along the path "
            f"{arrow}")


def text_table(table: Table, width: int = 40) -> str:
    """The terminal table: aligned columns (long names shortened from the left).

    >>> from convanim.model.graph import Graph, Node
    >>> from convanim.model.table import build_table
    >>> table = build_table(Graph(("x",), [Node("x", "input", "input", (), (1, 1, 4), (1, 1, 4))]))
    >>> print(text_table(table))
    name  type   in     out    k  s  p  d  g  params  MACs  field  jump  start  note
    x     input  1x1x4  1x1x4  -  -  -  -  -  0       0     1      1     0      the model's input
    1 layers, 0 parameters, 0 multiply-adds; receptive field 1 along the path x
    """
    def clip(text: str) -> str:
        text = clean(text)
        return text if len(text) <= width else "…" + text[-(width - 1):]

    body = [[clip(c) for c in cells(row)[:-1]] + [clean(row.note)] for row in table.rows]
    sizes = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(COLUMNS)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(COLUMNS, sizes)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, sizes)).rstrip() for r in body]
    return "\n".join([*lines, clean(summary(table))])


def md_escape(text: str) -> str:
    """Text as Markdown text: every character Markdown or HTML could read as markup escaped.

    >>> md_escape("a|b <i>*x*</i>"), md_escape("1. x"), md_escape("-3x-3")
    ('a\\\\|b &lt;i&gt;\\\\*x\\\\*&lt;/i&gt;', '1\\\\. x', '\\\\-3x-3')
    """
    out = []
    for c in clean(text):
        if c in "&<>":
            out.append({"&": "&amp;", "<": "&lt;", ">": "&gt;"}[c])
        elif c in "\\`*_{}[]()#!|~":
            out.append("\\" + c)
        else:
            out.append(c)
    text = "".join(out)
    # A list marker or a numbered item only at the start of a line.
    head = len(text) - len(text.lstrip("0123456789"))
    if text[:1] in ("-", "+", "=") or (text[head:head + 1] in (".", ")") and head):
        text = text[:head] + "\\" + text[head:] if head else "\\" + text
    return text


def markdown_table(table: Table) -> str:
    """The table as GitHub Markdown, every model text escaped.

    >>> from convanim.model.graph import Graph, Node
    >>> from convanim.model.table import build_table
    >>> table = build_table(Graph(("x",), [Node("x", "input", "input", (), (1, 1, 4), (1, 1, 4))]))
    >>> print(markdown_table(table).splitlines()[2][:39])  # "-" escaped: no list item
    | x | input | 1x1x4 | 1x1x4 | \\- | \\- |
    """
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in table.rows:
        lines.append("| " + " | ".join(md_escape(c) for c in cells(row)) + " |")
    return "\n".join([*lines, "", md_escape(summary(table))])
