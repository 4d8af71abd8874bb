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
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from convanim.geometry.ops import get_op
from convanim.model.graph import Graph, ModelError, Node


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
        reaches it. A node without spatial axes has one cell, ``(0,) * dims``.

        >>> table = build_table(Graph(("x",), [
        ...     Node("x", "input", "input", (), (1, 1, 8, 8), (1, 1, 8, 8)),
        ...     Node("c", "Conv2d", "window", ("x",), (1, 1, 8, 8), (1, 4, 4, 4), (3, 3), (2, 2),
        ...          ((1, 1), (1, 1)), (1, 1), 1, 40, 576, "conv")]))
        >>> table.rows[1].box((1, 1))
        ((1, 3), (1, 3))
        """
        cell = tuple(cell) if len(cell) == len(self.lo) else (0,) * len(self.lo)
        if not all(np.isfinite(lo[n]) and np.isfinite(hi[n])
                   for lo, hi, n in zip(self.lo, self.hi, cell)):
            return None  # no input reaches it (a gap of a transposed convolution)
        return tuple((int(lo[n]), int(hi[n])) for lo, hi, n in zip(self.lo, self.hi, cell))

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` fields, exactly :data:`~convanim.model.graph.JSON_FIELDS`.

        >>> from convanim.model.graph import JSON_FIELDS
        >>> table = build_table(Graph(("x",), [
        ...     Node("x", "input", "input", (), (1, 1, 8, 8), (1, 1, 8, 8)),
        ...     Node("c", "Conv2d", "window", ("x",), (1, 1, 8, 8), (1, 4, 4, 4), (3, 3), (2, 2),
        ...          ((1, 1), (1, 1)), (1, 1), 1, 40, 576, "conv")]))
        >>> fields = table.rows[1].to_json()
        >>> tuple(fields) == tuple(JSON_FIELDS), fields["receptive_field"], fields["jump"]
        (True, [3, 3], [2, 2])
        """
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
            "jump": None if self.jump is None else [plain_number(j) for j in self.jump],
            "start": None if self.start is None else list(self.start)}



def plain_number(value: Fraction) -> int | float:
    """A jump as JSON and text show it: whole numbers as ints, others as floats.

    >>> plain_number(Fraction(4, 2)), plain_number(Fraction(1, 2))
    (2, 0.5)
    """
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
        """Parameters in all.

        >>> table = build_table(Graph(("x",), [
        ...     Node("x", "input", "input", (), (1, 1, 8, 8), (1, 1, 8, 8)),
        ...     Node("c", "Conv2d", "window", ("x",), (1, 1, 8, 8), (1, 4, 4, 4), (3, 3), (2, 2),
        ...          ((1, 1), (1, 1)), (1, 1), 1, 40, 576, "conv")]))
        >>> table.params, table.macs
        (40, 576)
        """
        return sum(row.node.params for row in self.rows)

    @property
    def macs(self) -> int:
        """Multiply-adds in all: each layer's output cells times the products per cell.

        >>> build_table(Graph(("x",), [
        ...     Node("x", "input", "input", (), (1, 1, 4, 4), (1, 1, 4, 4)),
        ...     Node("c", "Conv2d", "window", ("x",), (1, 1, 4, 4), (1, 1, 2, 2), (3, 3), (1, 1),
        ...          ((0, 0), (0, 0)), (1, 1), 1, 10, 36, "conv")])).macs
        36
        """
        return sum(row.node.macs for row in self.rows)

    def to_json(self) -> str:
        """The ``--json`` document: input shape, layers, the main path, totals.

        >>> import json
        >>> table = build_table(Graph(("x",), [
        ...     Node("x", "input", "input", (), (1, 1, 4, 4), (1, 1, 4, 4)),
        ...     Node("c", "Conv2d", "window", ("x",), (1, 1, 4, 4), (1, 1, 2, 2), (3, 3), (1, 1),
        ...          ((0, 0), (0, 0)), (1, 1), 1, 10, 36, "conv")]))
        >>> document = json.loads(table.to_json())
        >>> document["input_shape"], document["path"], document["params"], document["macs"]
        ([1, 1, 4, 4], ['x', 'c'], 10, 36)
        """
        return json.dumps({"source": self.source, "input_shape": list(self.input_shape),
                           "layers": [row.to_json() for row in self.rows],
                           "path": self.path, "params": self.params, "macs": self.macs},
                          indent=2)

    def path_layers(self) -> list[Row]:
        """The main path's rows that change the grid and convanim can draw, up to the first
        one it cannot (an adaptive pool, an uneven padding).

        >>> table = build_table(Graph(("x",), [
        ...     Node("x", "input", "input", (), (1, 1, 8, 8), (1, 1, 8, 8)),
        ...     Node("c", "Conv2d", "window", ("x",), (1, 1, 8, 8), (1, 4, 4, 4), (3, 3), (2, 2),
        ...          ((1, 1), (1, 1)), (1, 1), 1, 40, 576, "conv")]))
        >>> [row.node.name for row in table.path_layers()]
        ['c']
        """
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
        layers convanim can draw), on the model's input size or ``input_size``.

        >>> table = build_table(Graph(("x",), [
        ...     Node("x", "input", "input", (), (1, 1, 8, 8), (1, 1, 8, 8)),
        ...     Node("c", "Conv2d", "window", ("x",), (1, 1, 8, 8), (1, 4, 4, 4), (3, 3), (2, 2),
        ...          ((1, 1), (1, 1)), (1, 1), 1, 40, 576, "conv")]))
        >>> table.chain().output_shape, table.chain(16).output_shape
        ((4, 4), (8, 8))
        """
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
        """The row of the node called ``name``.

        >>> table = build_table(Graph(("x",), [
        ...     Node("x", "input", "input", (), (1, 1, 8, 8), (1, 1, 8, 8)),
        ...     Node("c", "Conv2d", "window", ("x",), (1, 1, 8, 8), (1, 4, 4, 4), (3, 3), (2, 2),
        ...          ((1, 1), (1, 1)), (1, 1), 1, 40, 576, "conv")]))
        >>> table.row("c").node.type
        'Conv2d'
        """
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

    >>> table = build_table(Graph(("x",), [
    ...     Node("x", "input", "input", (), (1, 1, 8, 8), (1, 1, 8, 8)),
    ...     Node("c", "Conv2d", "window", ("x",), (1, 1, 8, 8), (1, 4, 4, 4), (3, 3), (2, 2),
    ...          ((1, 1), (1, 1)), (1, 1), 1, 40, 576, "conv")]))
    >>> [(row.node.name, row.receptive_field, row.start) for row in table.rows]
    [('x', (1, 1), (0, 0)), ('c', (3, 3), (-1, -1))]
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
    if not get_op(node.mode).dilates:
        if any(d != 1 for d in spec["dilation"]):
            return None
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
