"""A model as a graph of layers, and its per-layer table: shapes, parameters, multiply-adds and
the exact receptive field, jump and start per axis.

Every importer (PyTorch, ONNX, Keras) turns a model into :class:`Node` objects in execution
order; :func:`build_table` walks them once. The receptive field is not the chain formula
alone: for every node and every spatial axis it keeps, per output cell, the first and last
input cell it depends on (``lo``/``hi``, in input coordinates, padding counted as cells out of
the input). A window layer (convolution, pooling) maps output cell ``o`` to the input cells
``o*s - p ... o*s - p + d*(k-1)``; a transposed convolution and an upsampler read the cells
that reach ``o``; a merge (addition, concatenation) takes the union over its inputs. So branches
and skip connections are exact, and the field reported is the largest over the paths, with
the path (the input that gave the largest field at every merge) named. On a plain chain the
numbers equal Araujo, Norris and Sim's ``r = r' + (k-1)*j'``, ``j = j'*s``,
``start = start' - p*j'``.

>>> g = Graph(("input",), [Node("input", "input", "input", (), (1, 1, 8, 8), (1, 1, 8, 8)),
...     Node("c", "Conv2d", "window", ("input",), (1, 1, 8, 8), (1, 1, 8, 8), (3, 3), (1, 1),
...          ((1, 1), (1, 1)), (1, 1), 1, 10, 576)])
>>> row = build_table(g).rows[-1]
>>> row.receptive_field, row.to_json()["jump"], row.start
((3, 3), [1, 1], (-1, -1))
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

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


@dataclass
class Row:
    """One row of the table: the node, its field per axis and the input it was reached by."""

    node: Node
    receptive_field: tuple[int, ...] | None
    jump: tuple[Fraction, ...] | None
    start: tuple[int, ...] | None
    via: str | None = None
    note: str = ""
    lo: tuple[np.ndarray, ...] = ()
    hi: tuple[np.ndarray, ...] = ()

    def box(self, cell: Sequence[int]) -> tuple[tuple[int, int], ...] | None:
        """The first and last input cell, per axis, that output cell ``cell`` depends on
        (padding counted: they may lie outside the input), or None when no input cell
        reaches it. A node without spatial axes has one cell, ``(0,) * dims``."""
        cell = tuple(cell) if len(cell) == len(self.lo) else (0,) * len(self.lo)
        if not all(np.isfinite(lo[n]) and np.isfinite(hi[n])
                   for lo, hi, n in zip(self.lo, self.hi, cell)):
            return None  # no input reaches it (a gap of a transposed convolution)
        return tuple((int(lo[n]), int(hi[n])) for lo, hi, n in zip(self.lo, self.hi, cell))

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` fields, exactly :data:`JSON_FIELDS`."""
        n = self.node
        pads = None if n.padding is None else [
            a if a == b else [a, b] for a, b in n.padding]
        return {
            "name": n.name, "type": n.type, "in_shape": list(n.in_shape),
            "out_shape": list(n.out_shape),
            "kernel_size": None if n.kernel_size is None else list(n.kernel_size),
            "stride": None if n.stride is None else list(n.stride), "padding": pads,
            "dilation": None if n.dilation is None else list(n.dilation), "groups": n.groups,
            "params": n.params, "macs": n.macs,
            "receptive_field": None if self.receptive_field is None else
            list(self.receptive_field),
            "jump": None if self.jump is None else [_num(j) for j in self.jump],
            "start": None if self.start is None else list(self.start)}


def _num(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


@dataclass
class Table:
    """The rows in execution order, the input size and the main path (names)."""

    rows: list[Row]
    input_shape: tuple[int, ...]
    path: list[str]
    source: str = "model"
    channels_last: bool = False

    @property
    def params(self) -> int:
        """Parameters in all."""
        return sum(row.node.params for row in self.rows)

    @property
    def macs(self) -> int:
        """Multiply-adds in all."""
        return sum(row.node.macs for row in self.rows)

    def to_json(self) -> str:
        """The ``--json`` document: input shape, layers, the main path, totals."""
        return json.dumps({"source": self.source, "input_shape": list(self.input_shape),
                           "layers": [row.to_json() for row in self.rows],
                           "path": self.path, "params": self.params, "macs": self.macs},
                          indent=2)

    def path_layers(self) -> list[Row]:
        """The main path's rows that change the grid and convanim can draw, up to the first
        one it cannot (an adaptive pool, an uneven padding)."""
        out = []
        for name in self.path:
            row = self.row(name)
            if row.node.kind in ("input", "pass", "merge"):
                continue
            spec = spec_of(row.node)
            if spec is None or not self._draws(row.node, spec):
                break
            out.append(row)
        return out

    def chain(self, input_size: Sequence[int] | int | None = None) -> Any:
        """The main path as a :class:`~convanim.geometry.chain.Chain` (its grid-changing
        layers convanim can draw), on the model's input size or ``input_size``."""
        from convanim.geometry.chain import Chain

        layers = [spec_of(row.node) for row in self.path_layers()]
        if not layers:
            raise ModelError("model: its main path has no layer convanim can draw")
        size = input_size if input_size is not None else self._spatial_input()
        return Chain.build(size, layers, dims=len(self.rows[0].receptive_field or (1,)))

    def _draws(self, node: Node, spec: dict[str, Any]) -> bool:
        """Whether convanim's layer gives the model's output size (e.g. no ceil_mode)."""
        from convanim.geometry import Spec, SpecError

        dims = len(self.rows[0].receptive_field or (1,))
        def grid(shape: Sequence[int]) -> tuple[int, ...]:
            return tuple(shape[1:1 + dims]) if self.channels_last else tuple(shape[-dims:])
        try:
            made = Spec.from_dict({**spec, "input_size": list(grid(node.in_shape)),
                                   "dims": dims})
        except SpecError:
            return False
        return tuple(made.output_shape) == grid(node.out_shape)

    def _spatial_input(self) -> tuple[int, ...]:
        dims = len(self.rows[0].receptive_field or (1,))
        shape = self.input_shape
        return tuple(shape[1:1 + dims]) if self.channels_last else tuple(shape[-dims:])

    def row(self, name: str) -> Row:
        """The row of the node called ``name``."""
        for row in self.rows:
            if row.node.name == name:
                return row
        raise KeyError(name)


class _Field:
    """Per spatial axis, the first and last input cell each output cell depends on."""

    def __init__(self, lo: list[np.ndarray], hi: list[np.ndarray], jump: list[Fraction]):
        self.lo, self.hi, self.jump = lo, hi, jump

    def at(self, axis: int, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """lo/hi at output indices, extended by the jump past the edges (padding cells)."""
        lo, hi = self.lo[axis], self.hi[axis]
        n = len(lo)
        if n == 1:
            step = float(self.jump[axis])
            return lo[0] + idx * step, hi[0] + idx * step
        inside = np.clip(idx, 0, n - 1)
        nominal = float(self.jump[axis])
        first = lo[1] - lo[0] if np.isfinite(lo[:2]).all() else nominal
        last = lo[-1] - lo[-2] if np.isfinite(lo[-2:]).all() else nominal
        left = np.minimum(idx, 0) * first
        right = np.maximum(idx - (n - 1), 0) * last
        return lo[inside] + left + right, hi[inside] + left + right


def _axes_count(graph: Graph, shape: Sequence[int]) -> int:
    return len(graph.spatial(shape))


def _step(node: Node, prev: _Field, axis: int, n_in: int, n_out: int
          ) -> tuple[np.ndarray, np.ndarray, Fraction]:
    o = np.arange(n_out)
    j = prev.jump[axis]
    if node.kind == "window":
        k, s, d = node.kernel_size[axis], node.stride[axis], node.dilation[axis]
        first = o * s - node.padding[axis][0]
        # Every tap, not the first and last alone: after a transposed convolution with
        # stride > kernel some cells depend on no input (lo = inf, hi = -inf).
        lo = np.full(n_out, np.inf)
        hi = np.full(n_out, -np.inf)
        for t in range(k):
            a, b = prev.at(axis, first + t * d)
            lo, hi = np.minimum(lo, a), np.maximum(hi, b)
        return lo, hi, j * s
    if node.kind == "pad":
        lo, hi = prev.at(axis, o - node.padding[axis][0])
        return lo, hi, j
    if node.kind == "transposed":
        k, s, d = node.kernel_size[axis], node.stride[axis], node.dilation[axis]
        lo = np.full(n_out, np.inf)
        hi = np.full(n_out, -np.inf)
        for t in range(k):
            src = o + node.padding[axis][0] - t * d
            ok = (src % s == 0) & (src >= 0) & (src // s < n_in)
            a, b = prev.at(axis, np.where(ok, src // s, 0))
            lo = np.where(ok, np.minimum(lo, a), lo)
            hi = np.where(ok, np.maximum(hi, b), hi)
        return lo, hi, j / s
    if node.kind == "upsample":
        how = node.extra.get("interpolation", "nearest")
        if how == "nearest":
            src = np.floor(o * n_in / n_out).astype(np.int64)
            lo, hi = prev.at(axis, np.minimum(src, n_in - 1))
            return lo, hi, j * Fraction(n_in, n_out)
        align = node.extra.get("align_corners", False)
        if align:
            pos = o * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
        else:
            pos = np.maximum((o + 0.5) * n_in / n_out - 0.5, 0.0)
        low = np.minimum(np.floor(pos).astype(np.int64), n_in - 1)
        frac = pos - low
        high = np.where((frac > 1e-12) & (low + 1 < n_in), low + 1, low)
        lo, _ = prev.at(axis, low)
        _, hi = prev.at(axis, high)
        return lo, hi, j * Fraction(n_in, n_out)
    if node.kind == "adaptive":
        first = (o * n_in) // n_out
        last = -((-(o + 1) * n_in) // n_out) - 1
        lo, _ = prev.at(axis, first)
        _, hi = prev.at(axis, last)
        return lo, hi, j * Fraction(n_in, n_out)
    raise ValueError(node.kind)


def build_table(graph: Graph) -> Table:
    """Walk the nodes once: every row's receptive field, jump and start per spatial axis.

    A node whose output has no spatial axes (after flattening, a linear layer) sees the
    union of its inputs' fields; a node convanim cannot place on the grid is assumed to see
    everything its inputs see, and says so in its note.
    """
    fields: dict[str, _Field] = {}
    via: dict[str, str | None] = {}
    rows: list[Row] = []
    first = next(n for n in graph.nodes if n.name in graph.inputs)
    in_axes = graph.spatial(first.out_shape)
    dims = len(in_axes)
    for node in graph.nodes:
        note = ""
        if node.kind == "input":
            fields[node.name] = _Field([np.arange(n, dtype=float) for n in in_axes],
                                       [np.arange(n, dtype=float) for n in in_axes],
                                       [Fraction(1)] * dims)
            via[node.name] = None
            rows.append(_row(node, fields[node.name], None, "the model's input"))
            continue
        sources = [s for s in node.inputs if s in fields]
        out_axes = graph.spatial(node.out_shape) if len(node.out_shape) >= 2 else ()
        if not sources:
            # A constant or a parameter read as a tensor: no field.
            rows.append(Row(node, None, None, None, None, "reads no input"))
            continue
        spatial_kept = len(out_axes) == dims and (
            node.kind in ("window", "transposed", "upsample", "adaptive", "pad")
            or all(_spatial_of(graph, fields[s]) in ((1,) * dims, out_axes) for s in sources))
        best = max(sources, key=lambda s: _largest(fields[s]))
        if not spatial_kept or node.kind in ("mix", "unknown"):
            lo = [np.array([min(fields[s].lo[a].min() for s in sources)]) for a in range(dims)]
            hi = [np.array([max(fields[s].hi[a].max() for s in sources)]) for a in range(dims)]
            # One cell now stands for the whole grid: its jump is the grid's span.
            jump = [max(fields[s].jump[a] * len(fields[s].lo[a]) for s in sources)
                    for a in range(dims)]
            if len(out_axes) == dims:
                lo = [np.repeat(x, n) for x, n in zip(lo, out_axes)]
                hi = [np.repeat(x, n) for x, n in zip(hi, out_axes)]
            new = _Field(lo, hi, jump)
            note = ("not placed on the grid: assumed to see all its input" if
                    node.kind == "unknown" else "sees its whole input")
        elif node.kind in ("window", "transposed", "upsample", "adaptive", "pad"):
            prev = fields[node.inputs[0]]
            in_sp = graph.spatial(node.in_shape)
            parts = [_step(node, prev, a, in_sp[a], out_axes[a]) for a in range(dims)]
            new = _Field([p[0] for p in parts], [p[1] for p in parts], [p[2] for p in parts])
            best = node.inputs[0]
        else:  # pass-through and merges: the union over the inputs, cell by cell
            lo, hi = [], []
            for a in range(dims):
                los = [np.broadcast_to(fields[s].lo[a], (out_axes[a],)) for s in sources]
                his = [np.broadcast_to(fields[s].hi[a], (out_axes[a],)) for s in sources]
                lo.append(np.minimum.reduce(los))
                hi.append(np.maximum.reduce(his))
            jump = [min((fields[s].jump[a] for s in sources
                         if len(fields[s].lo[a]) == out_axes[a]),
                        default=fields[best].jump[a]) for a in range(dims)]
            new = _Field(lo, hi, jump)
            if node.kind == "merge" and len(sources) > 1:
                note = f"largest field via {best}"
            elif node.kind == "pass":
                note = "keeps the grid"
        if node.mode is None and node.kind in ("window", "transposed", "upsample", "adaptive",
                                               "pad"):
            note = (note + "; " if note else "") + "convanim cannot draw it"
        fields[node.name] = new
        via[node.name] = best
        rows.append(_row(node, new, best, note))
    last = graph.nodes[-1].name
    path = [last]
    while via.get(path[-1]) is not None:
        path.append(via[path[-1]])  # type: ignore[arg-type]
    return Table(rows, tuple(first.out_shape), path[::-1], graph.source, graph.channels_last)


def spec_of(node: Node) -> dict[str, Any] | None:
    """The convanim layer mapping (without ``input_size``) that draws ``node``, or None.

    >>> spec_of(Node("c", "Conv2d", "window", (), (1, 1, 8, 8), (1, 1, 8, 8), (3, 3), (1, 1),
    ...              ((1, 1), (1, 1)), (1, 1), 1, 0, 0, "conv"))
    {'mode': 'conv', 'kernel_size': [3, 3], 'stride': [1, 1], 'padding': [1, 1], 'dilation': [1, 1]}
    """
    if node.mode is None:
        return None
    if node.mode == "upsample":
        scale = node.extra.get("scale")
        if not scale:
            return None
        method = node.extra.get("interpolation", "nearest")
        out = {"mode": "upsample", "scale": int(scale), "method": method}
        if method == "bilinear":
            out["align_corners"] = bool(node.extra.get("align_corners"))
        return out
    if node.padding is None or any(a != b for a, b in node.padding):
        return None
    spec: dict[str, Any] = {"mode": node.mode, "kernel_size": list(node.kernel_size or ()),
                            "stride": list(node.stride or ()),
                            "padding": [a for a, _ in node.padding],
                            "dilation": list(node.dilation or ())}
    if node.mode == "avgpool" and any(d != 1 for d in spec["dilation"]):
        return None
    if node.mode == "avgpool":
        del spec["dilation"]
    if node.extra.get("output_padding") and any(node.extra["output_padding"]):
        spec["output_padding"] = list(node.extra["output_padding"])
    return spec


def _spatial_of(graph: Graph, fld: _Field) -> tuple[int, ...]:
    return tuple(len(x) for x in fld.lo)


def _largest(fld: _Field) -> float:
    sizes = [np.nanmax(np.where(np.isfinite(h - lo), h - lo + 1, 0)) for lo, h in
             zip(fld.lo, fld.hi)]
    return float(np.prod(sizes))


def _row(node: Node, fld: _Field, best: str | None, note: str) -> Row:
    r, st = [], []
    for lo, hi in zip(fld.lo, fld.hi):
        ok = np.isfinite(lo) & np.isfinite(hi)
        r.append(int(np.max(hi[ok] - lo[ok])) + 1 if ok.any() else 0)
        st.append(int(lo[0]) if np.isfinite(lo[0]) else 0)
    return Row(node, tuple(r), tuple(fld.jump), tuple(st), best, note, tuple(fld.lo),
               tuple(fld.hi))


# -- text ---------------------------------------------------------------------------------

def _t(values: Sequence[Any] | None) -> str:
    if values is None:
        return "-"
    return "x".join(str(_num(v) if isinstance(v, Fraction) else v) for v in values)


def _pad_text(padding: tuple[tuple[int, int], ...] | None) -> str:
    if padding is None:
        return "-"
    return "x".join(str(a) if a == b else f"{a}/{b}" for a, b in padding)


def _shape(shape: Sequence[int]) -> str:
    return "x".join(map(str, shape))


COLUMNS = ("name", "type", "in", "out", "k", "s", "p", "d", "g", "params", "MACs", "field",
           "jump", "start", "note")


def cells(row: Row) -> list[str]:
    """One row as text cells, in :data:`COLUMNS` order."""
    n = row.node
    return [n.name, n.type, _shape(n.in_shape), _shape(n.out_shape), _t(n.kernel_size),
            _t(n.stride), _pad_text(n.padding), _t(n.dilation),
            "-" if n.groups is None else str(n.groups), f"{n.params:,}", f"{n.macs:,}",
            _t(row.receptive_field), _t(row.jump), _t(row.start), row.note]


def summary(table: Table) -> str:
    """The lines under the table: totals, the last field and its path."""
    last = table.rows[-1]
    steps = [name for name in table.path if table.row(name).node.kind not in ("pass",)]
    arrow = " -> ".join(steps)
    return (f"{len(table.rows)} layers, {table.params:,} parameters, {table.macs:,} "
            f"multiply-adds; receptive field {_t(last.receptive_field)} along the path "
            f"{arrow}")


def text_table(table: Table, width: int = 40) -> str:
    """The terminal table: aligned columns (long names shortened from the left)."""
    def clip(text: str) -> str:
        text = clean(text)
        return text if len(text) <= width else "…" + text[-(width - 1):]

    body = [[clip(c) for c in cells(row)[:-1]] + [clean(row.note)] for row in table.rows]
    sizes = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(COLUMNS)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(COLUMNS, sizes)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, sizes)).rstrip() for r in body]
    return "\n".join([*lines, clean(summary(table))])


def clean(text: str) -> str:
    """Model text as one printable line: control characters (escape codes) become '?'.

    >>> clean("a\\x1b[31mb\\nc")
    'a?[31mb?c'
    """
    return "".join(c if c.isprintable() else "?" for c in str(text))


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
    """The table as GitHub Markdown, every model text escaped."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in table.rows:
        lines.append("| " + " | ".join(md_escape(c) for c in cells(row)) + " |")
    return "\n".join([*lines, "", md_escape(summary(table))])


def macs_of_window(out_shape: Sequence[int], in_channels_per_group: int,
                   kernel: Sequence[int]) -> int:
    """Multiply-adds of a convolution: every output value sums in/groups x kernel products.

    >>> macs_of_window((1, 8, 4, 4), 3, (3, 3))
    3456
    """
    return int(math.prod(out_shape) * in_channels_per_group * math.prod(kernel))
