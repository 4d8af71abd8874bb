"""Chains of layers: each layer's input is the previous layer's output.

A :class:`Chain` is a frozen tuple of specs built from one input size and a list of layer
mappings (any mode, no ``input_size``). :func:`receptive_fields` composes the layers'
receptive-field steps (Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional
Neural Networks", Distill 2019): per axis, with ``r`` the field size, ``j`` the jump (how far
the field moves per output cell) and ``start`` the input index where output cell 0's field
begins (negative when padding reaches out of the input), from ``r = 1, j = 1, start = 0``::

    r_l     = r_(l-1) + (k_l - 1) * j_(l-1)      k_l: the dilated window, d*(k-1) + 1
    j_l     = j_(l-1) * s_l
    start_l = start_(l-1) - p_l * j_(l-1)        p_l: the padding before

Output cell ``n`` of layer ``l`` then sees input cells ``start_l + n*j_l`` to
``start_l + n*j_l + r_l - 1`` (cells outside the input are padding). :func:`path_counts`
traces one output cell back through the layers' exact connectivity instead, for every mode.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from convanim.geometry.spec import Spec, SpecError, per_axis_text


def _size_text(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


class ChainError(SpecError):
    """A layer of a chain breaks a rule; the message starts with ``layers[n]:``.

    ``layer`` is the layer's index and ``param`` the parameter that broke the rule.

    >>> try:
    ...     Chain.build(4, [{"kernel_size": 3}, {"kernel_size": 3}])
    ... except ChainError as err:
    ...     print(err.layer, err)
    1 layers[1]: kernel_size: kernel 3 is larger than the padded input 2: use padding >= 1 or \
kernel_size <= 2 (its input is 2x2, the output of layers[0])
    """

    def __init__(self, layer: int, message: str, param: str | None = None) -> None:
        super().__init__(f"layers[{layer}]: {message}", param)
        self.layer = layer


@dataclass(frozen=True)
class Chain:
    """Layers applied one after another; ``layers[n].i`` is ``layers[n-1].output_shape``.

    ``in_channels`` is the chain's input channels when given (it is handed to the first
    layer whose mode takes ``in_channels``, and each layer's ``out_channels`` to the next).

    >>> chain = Chain.build(8, [{"kernel_size": 3}, {"mode": "maxpool", "kernel_size": 2}])
    >>> [layer.output_shape for layer in chain.layers]
    [(6, 6), (3, 3)]
    """

    layers: tuple[Spec, ...]
    in_channels: int | None = None

    @property
    def i(self) -> tuple[int, ...]:
        """The chain's input size."""
        return self.layers[0].i

    @property
    def dims(self) -> int:
        """1 or 2, as every layer."""
        return self.layers[0].dims

    @property
    def output_shape(self) -> tuple[int, ...]:
        """The last layer's output size."""
        return self.layers[-1].output_shape

    @property
    def label(self) -> str:
        """Every layer's label without its input size, in order.

        >>> Chain.build(7, [{"kernel_size": 3}] * 2).label
        'chain i=7: conv k=3 s=1 p=0 | conv k=3 s=1 p=0'
        """
        def short(spec: Spec) -> str:
            title, _, rest = spec.label.partition("  ")
            return " ".join([title, *(p for p in rest.split(" ") if not p.startswith("i="))])

        layers = " | ".join(short(spec) for spec in self.layers)
        return f"chain i={per_axis_text(self.i)}: {layers}"

    @property
    def sizes(self) -> str:
        """The size after every layer: ``7x7 -> 5x5 -> 3x3``."""
        return " -> ".join(_size_text(shape) for shape in
                           (self.i, *(spec.output_shape for spec in self.layers)))

    def alt_text(self, view: str = "forward") -> str:
        """One sentence for the figure.

        >>> Chain.build(7, [{"kernel_size": 3}] * 2).alt_text("trace")[:40]
        'A chain of 2 layers (7x7 -> 5x5 -> 3x3);'
        """
        count = len(self.layers)
        text = f"A chain of {count} layer{'s' if count > 1 else ''} ({self.sizes})"
        if view == "trace":
            return (text + "; the output cell with the most paths traced back to the input, "
                    "with the number of paths reaching each input cell.")
        return text + ", one frame per layer with a kernel window and the layer's output."

    @classmethod
    def build(cls, i: Any, layers: Sequence[Mapping[str, Any]], *, dims: Any = None,
              in_channels: int | None = None) -> Chain:
        """Build every layer from the previous output; errors name the layer and its input.

        >>> Chain.build(5, [{"kernel_size": 3, "dims": 1}]).output_shape
        (3,)
        """
        if not layers:
            raise SpecError("layers is empty; give at least one layer, e.g. "
                            "layers: [{kernel_size: 3}]", "layers")
        specs: list[Spec] = []
        size: Any = i
        channels = in_channels
        for n, given in enumerate(layers):
            entry = dict(given)
            for key in ("i", "input_size", "input-size"):
                if key in entry:
                    raise ChainError(n, f"{key} is set by the chain (the previous layer's "
                                     "output, or the chain's i for layers[0]); drop it", key)
            if dims is not None:
                entry.setdefault("dims", dims)
            elif specs:
                entry.setdefault("dims", specs[-1].dims)
            if channels is not None and _takes(entry, "in_channels"):
                entry.setdefault("in_channels", channels)
            try:
                spec = Spec.from_dict({"input_size": size, **entry})
            except SpecError as err:
                where = (f"its input is {_size_text(specs[-1].output_shape)}, the output of "
                         f"layers[{n - 1}]" if specs else "its input is the chain's i")
                raise ChainError(n, f"{err.param or 'layer'}: {err} ({where})",
                                 err.param) from None
            if specs and spec.dims != specs[-1].dims:
                raise ChainError(n, f"dims={spec.dims} but layers[{n - 1}] has dims="
                                 f"{specs[-1].dims}; every layer of a chain has the same dims",
                                 "dims")
            if specs:
                _check_channels(n, specs[-1], spec)
            specs.append(spec)
            size = spec.output_shape
            channels = getattr(spec, "out_channels", channels)
        return cls(tuple(specs), in_channels)


def _channels_of(shape: tuple[int, ...], dims: int) -> int:
    return shape[0] if len(shape) > dims else 1


def _check_channels(n: int, before: Spec, spec: Spec) -> None:
    """A layer reads as many channels as the layer before it writes."""
    given = _channels_of(output_array_shape(before), before.dims)
    takes = _channels_of(spec.op.input_shape(spec), spec.dims)
    if given != takes:
        fix = ("drop in_channels (the chain passes the channels on)"
               if getattr(spec, "in_channels", None) is not None
               and spec.op.in_channels_follow_input
               else f"give layers[{n - 1}] out_channels={takes} or change this layer")
        raise ChainError(n, f"in_channels: this layer reads {takes} channel"
                         f"{'s' if takes > 1 else ''} but layers[{n - 1}] writes {given}; "
                         f"{fix}", "in_channels")


def _takes(entry: Mapping[str, Any], field: str) -> bool:
    from convanim.geometry.ops import get_op

    try:
        op = get_op(str(entry.get("mode", "conv")))
    except KeyError:
        return False
    return any(f.name == field for f in op.fields)


@dataclass(frozen=True)
class LayerField:
    """One layer's output size and receptive field per axis, with the formulas as text.

    ``formulas`` maps ``receptive_field``, ``jump`` and ``start`` to one text per axis with
    the numbers filled in, e.g. ``r = 3 + (3-1)*2 = 7``.
    """

    index: int
    label: str
    output_size: tuple[int, ...]
    receptive_field: tuple[int, ...]
    jump: tuple[int, ...]
    start: tuple[int, ...]
    formulas: dict[str, tuple[str, ...]]

    def box(self, cell: Sequence[int]) -> tuple[tuple[int, int], ...]:
        """The input cells (first, last) per axis that output cell ``cell`` sees, padding
        included.

        >>> receptive_fields(Chain.build(7, [{"kernel_size": 3, "padding": 1}]))[0].box((0, 0))
        ((-1, 1), (-1, 1))
        """
        return tuple((st + n * j, st + n * j + r - 1)
                     for n, r, j, st in zip(cell, self.receptive_field, self.jump, self.start))

    def to_json(self) -> dict[str, Any]:
        """Plain values for ``field --json``."""
        return {"layer": self.index, "label": self.label, "output_size": list(self.output_size),
                "receptive_field": list(self.receptive_field), "jump": list(self.jump),
                "start": list(self.start),
                "formulas": {key: list(value) for key, value in self.formulas.items()}}


def receptive_fields(chain: Chain) -> tuple[LayerField, ...]:
    """Every layer's receptive field on the chain's input (Araujo et al. 2019).

    >>> vgg = [{"kernel_size": 3, "padding": 1}] * 2 + [{"mode": "maxpool", "kernel_size": 2}]
    >>> last = receptive_fields(Chain.build(32, vgg))[-1]
    >>> last.receptive_field, last.jump, last.start, last.formulas["receptive_field"][0]
    ((6, 6), (2, 2), (-2, -2), 'r = 5 + (2-1)*1 = 6')
    """
    r = [1] * chain.dims
    j = [1] * chain.dims
    start = [0] * chain.dims
    out: list[LayerField] = []
    for n, spec in enumerate(chain.layers):
        texts: dict[str, list[str]] = {"receptive_field": [], "jump": [], "start": []}
        for axis in range(spec.dims):
            try:
                span, s, pad = spec.op.field_step(spec, axis)
            except SpecError as err:
                raise ChainError(n, str(err), err.param) from None
            r_new = r[axis] + (span - 1) * j[axis]
            k, d = spec.k[axis], spec.d[axis]
            # A dilated window spans d*(k-1) + 1 cells: show the dilation, not only the span.
            grow = f"{d}*({k}-1)" if d > 1 and span == d * (k - 1) + 1 else f"({span}-1)"
            texts["receptive_field"].append(f"r = {r[axis]} + {grow}*{j[axis]} = {r_new}")
            texts["jump"].append(f"j = {j[axis]}*{s} = {j[axis] * s}")
            start_new = start[axis] - pad * j[axis]
            texts["start"].append(f"start = {start[axis]} - {pad}*{j[axis]} = {start_new}"
                                  if pad >= 0 else
                                  f"start = {start[axis]} + {-pad}*{j[axis]} = {start_new}")
            r[axis], j[axis], start[axis] = r_new, j[axis] * s, start_new
        out.append(LayerField(n, spec.label, spec.output_shape, tuple(r), tuple(j),
                              tuple(start), {k: tuple(v) for k, v in texts.items()}))
    return tuple(out)


def field_lines(chain: Chain) -> list[str]:
    """The ``convanim field`` report: per layer its output and field, formulas with numbers.

    >>> print("\\n".join(field_lines(Chain.build(9, [{"kernel_size": 3, "dims": 1}]))))
    input  9
    layers[0] conv  i=9 k=3 s=1 p=0 1-D
      output 7   receptive field 3   jump 1   start 0
      r = 1 + (3-1)*1 = 3   j = 1*1 = 1   start = 0 - 0*1 = 0
    """
    fields = receptive_fields(chain)
    lines = [f"input  {_size_text(chain.i)}"]
    for layer in fields:
        lines.append(f"layers[{layer.index}] {layer.label}")
        lines.append(f"  output {_size_text(layer.output_size)}   receptive field "
                     f"{per_axis_text(layer.receptive_field)}   "
                     f"jump {per_axis_text(layer.jump)}   start {per_axis_text(layer.start)}")
        for axis in range(chain.dims):
            name = "" if chain.dims == 1 else (("depth:  ", "height: ", "width:  ")[
                axis - chain.dims + 3])
            lines.append(f"  {name}" + "   ".join(layer.formulas[key][axis] for key in
                                                  ("receptive_field", "jump", "start")))
    return lines


# -- tracing one output cell back ---------------------------------------------------------


def layer_links(spec: Spec) -> np.ndarray:
    """Every (output cell, input cell) link of one layer, once per kernel tap that makes it,
    as flat indices into the layer's whole output and input arrays (channels first when the
    layer has them): an array of shape (links, 2).

    >>> layer_links(Spec(i=3, k=2, dims=1)).tolist()
    [[0, 0], [0, 1], [1, 1], [1, 2]]
    """
    from convanim.geometry.plan import plan

    the_plan = plan(spec)
    out_shape, in_shape = the_plan.y.shape, the_plan.x.shape
    pairs = [(np.ravel_multi_index(o, out_shape), np.ravel_multi_index(i, in_shape))
             for frame in the_plan.frames for o, i, *_ in frame.links]
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def output_array_shape(spec: Spec) -> tuple[int, ...]:
    """The shape of a layer's whole output array: ``(C_out, *output_shape)`` with channels.

    >>> output_array_shape(Spec.from_dict({"i": 4, "k": 1, "in_channels": 3,
    ...                                    "out_channels": 2}))
    (2, 4, 4)
    """
    from convanim.geometry.compute import compute

    x = np.zeros(spec.op.input_shape(spec))
    w = np.zeros(spec.op.weight_shape(spec)) if spec.op.weighted else None
    return tuple(compute(spec, x, w).shape)


def trace_cell(chain: Chain, cell: Sequence[int] | None = None) -> tuple[int, ...]:
    """The traced cell as an index of the last layer's whole output (channel 0 when the
    output has channels and ``cell`` gives only the position); by default
    :func:`busiest_cell`.

    >>> trace_cell(Chain.build(5, [{"kernel_size": 3}]))
    (1, 1)
    """
    shape = output_array_shape(chain.layers[-1])
    spatial = chain.output_shape
    if cell is None:
        return busiest_cell(chain)
    cell = tuple(int(v) for v in cell)
    if len(shape) > len(spatial) and len(cell) == len(spatial):
        cell = (0, *cell)
    if len(cell) != len(shape) or not all(0 <= v < n for v, n in zip(cell, shape)):
        names = ("channel, " if len(shape) > len(spatial) else "") + (
            "row, col" if len(spatial) == 2 else "position")
        raise SpecError(f"cell={','.join(map(str, cell))} is outside the last layer's "
                        f"output {'x'.join(map(str, shape))}; give {names} with each index "
                        "from 0 to its size - 1", "cell")
    return cell


def busiest_cell(chain: Chain) -> tuple[int, ...]:
    """The output cell reached by the most paths from the whole input (the one whose trace
    shows most), the nearest the centre among equals: for two stacked stride-2 transposed
    convolutions a cell where 4, 2 and 1 paths meet, not a centre reached once.

    >>> twice = [{"mode": "transposed", "kernel_size": 3, "stride": 2}] * 2
    >>> busiest_cell(Chain.build(3, twice))
    (6, 6)
    """
    grid = output_paths(chain)
    shape = grid.shape
    spatial = len(chain.output_shape)
    centre = np.array([(n - 1) / 2 for n in shape[-spatial:]])
    best = max(np.ndindex(*shape), key=lambda at: (
        grid[at], -float(np.abs(np.array(at[-spatial:]) - centre).sum()), -at[0]))
    return tuple(int(v) for v in best)


def output_paths(chain: Chain) -> np.ndarray:
    """How many paths reach each cell of the last layer's whole output from the whole input:
    the chain run on an all-ones input with every weight 1 (a pooling window counts as a
    window of ones). Uneven counts away from the border are the checkerboard of stacked
    strided transposed convolutions (Odena, Dumoulin and Olah, Distill 2016).

    >>> twice = [{"mode": "transposed", "kernel_size": 3, "stride": 2, "dims": 1}] * 2
    >>> output_paths(Chain.build(3, twice)).tolist()
    [1, 1, 2, 1, 3, 2, 3, 1, 3, 2, 3, 1, 2, 1, 1]
    """
    counts = np.ones(int(np.prod(chain.layers[0].op.input_shape(chain.layers[0]))), np.int64)
    for spec in chain.layers:
        links = layer_links(spec)
        above = np.zeros(int(np.prod(output_array_shape(spec))), np.int64)
        np.add.at(above, links[:, 0], counts[links[:, 1]])
        counts = above
    return counts.reshape(output_array_shape(chain.layers[-1]))


def path_counts(chain: Chain, cell: Sequence[int] | None = None) -> list[np.ndarray]:
    """How many paths reach each cell of every grid from one output cell of the last layer.

    Returns one array per grid (whole arrays: channels first when a layer has them), the
    chain's input first and the last output last (a 1 at ``cell``, the centre by default, see
    :func:`trace_cell`); its non-zero cells are the exact receptive field and the counts its
    effective shape: the gradient of the cell when every weight is 1 (PyTorch's autograd
    gives the same numbers; a pooling window counts as a window of ones).

    >>> chain = Chain.build(5, [{"kernel_size": 3, "dims": 1}] * 2)
    >>> path_counts(chain)[0].tolist()
    [1, 2, 3, 2, 1]
    """
    cell = trace_cell(chain, cell)
    counts = np.zeros(output_array_shape(chain.layers[-1]), dtype=np.int64)
    counts[cell] = 1
    grids = [counts]
    for spec in reversed(chain.layers):
        links = layer_links(spec)
        shape = spec.op.input_shape(spec)
        below = np.zeros(int(np.prod(shape)), dtype=np.int64)
        np.add.at(below, links[:, 1], grids[0].ravel()[links[:, 0]])
        grids.insert(0, below.reshape(shape))
    return grids
