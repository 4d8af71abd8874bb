"""Channels, filters and groups: the fields and the behaviour conv, transposed and pooling share.

A spec with ``in_channels`` or ``out_channels`` above 1 works on a stack of maps: ``x`` is
``(C_in, *i)``, the weights are in PyTorch's layout (conv ``(C_out, C_in/groups, *k)``,
transposed ``(C_in, C_out/groups, *k)``), ``b`` is ``(C_out,)`` and the output
``(C_out, *o)``. Pooling keeps each channel (``in_channels`` only). Both counts 1 keep the
single-map shapes of the first release exactly.

The fields are declared once here (other ops that need channels, like ``pixelshuffle``,
import them). :class:`Channels` is a mixin put before an op's class: it answers the
shape, value and plan questions for channel specs and hands single-map specs to the op.

The frames follow CS231n's order: per output map, then output positions; each frame shows the
filter's slices over the input channels of its group, the per-channel partial sums, the sum
across channels plus the bias, written into that output map.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from convanim.geometry.ops.base import Field
from convanim.geometry.plan import GAP, INPUT, Frame, Grid, Picture, Plan, Slices
from convanim.geometry.spec import Spec, SpecError


def _count(name: str) -> Any:
    def parse(value: Any, dims: int) -> int:
        text = value.strip() if isinstance(value, str) else value
        if isinstance(text, str) and text.isascii() and text.isdigit():
            text = int(text)
        if isinstance(text, bool) or not isinstance(text, (int, np.integer)) or text < 1:
            raise SpecError(f"{name}={value!r} is not a whole number >= 1; write e.g. "
                            f"{name}=3", name)
        return int(text)
    return parse


def _groups(value: Any, dims: int) -> int | str:
    if isinstance(value, str) and value.strip().lower() == "depthwise":
        return "depthwise"
    try:
        return _count("groups")(value, dims)
    except SpecError:
        raise SpecError(f"groups={value!r} is not a whole number >= 1 or 'depthwise'; write "
                        "e.g. groups=2 or groups=depthwise", "groups") from None


def _multiplier(value: Any, dims: int) -> int | None:
    return None if value is None else _count("depth_multiplier")(value, dims)


def _bias(value: Any, dims: int) -> bool:
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "off", "0"):
        return False
    if not isinstance(value, (bool, np.bool_)):
        raise SpecError(f"bias={value!r} is not true or false; write bias: true", "bias")
    return bool(value)


IN_CHANNELS = Field("in_channels", 1, "int", "Input channels (C_in) [1].", parse=_count(
    "in_channels"))
OUT_CHANNELS = Field("out_channels", 1, "int", "Conv: output channels, one filter each [1].",
                     parse=_count("out_channels"))
GROUPS = Field("groups", 1, "count", "Conv: channel groups, a number or 'depthwise' (= "
               "in_channels); both channel counts must divide by it [1].", parse=_groups)
DEPTH_MULTIPLIER = Field("depth_multiplier", None, "int", "Conv: Keras' depthwise multiplier m: "
                         "groups = in_channels, out_channels = in_channels*m.",
                         parse=_multiplier)
BIAS = Field("bias", False, "bool", "Conv: add a bias per output channel [no].", parse=_bias)

CONV_FIELDS = (IN_CHANNELS, OUT_CHANNELS, GROUPS, DEPTH_MULTIPLIER, BIAS)
"""What conv and transposed conv take."""
POOL_FIELDS = (IN_CHANNELS,)
"""What pooling takes: it keeps each channel."""


def resolve(values: dict[str, Any]) -> dict[str, Any]:
    """``groups: depthwise`` and ``depth_multiplier`` as plain counts.

    >>> resolve({"in_channels": 3, "out_channels": 1, "groups": 1, "depth_multiplier": 2})
    {'in_channels': 3, 'out_channels': 6, 'groups': 3, 'depth_multiplier': None}
    """
    values = dict(values)
    multiplier = values.get("depth_multiplier")
    if multiplier is not None:
        if values.get("out_channels", 1) != 1 or values.get("groups", 1) not in (1, "depthwise"):
            raise SpecError(f"depth_multiplier={multiplier} sets out_channels and groups "
                            "itself; drop out_channels and groups", "depth_multiplier")
        values["out_channels"] = values["in_channels"] * multiplier
        values["groups"] = values["in_channels"]
        values["depth_multiplier"] = None
    if values.get("groups") == "depthwise":
        values["groups"] = values["in_channels"]
        if values.get("out_channels") == 1:
            values["out_channels"] = values["in_channels"]
    return values


def check(spec: Spec) -> None:
    """PyTorch's rules: both channel counts divisible by ``groups``."""
    groups = getattr(spec, "groups", 1)
    for name in ("in_channels", "out_channels"):
        count = getattr(spec, name, 1)
        if count % groups:
            raise SpecError(f"{name}={count} is not divisible by groups={groups}; PyTorch needs "
                            f"both channel counts divisible by groups: use groups dividing "
                            f"{count} or {name}={(count // groups + 1) * groups}", name)


def stacked(spec: Spec) -> bool:
    """Whether the spec works on a stack of channels (either count above 1).

    >>> stacked(Spec(i=5, k=3)), stacked(Spec(i=5, k=3, in_channels=3))
    (False, True)
    """
    return getattr(spec, "in_channels", 1) > 1 or getattr(spec, "out_channels", 1) > 1


def single(spec: Spec) -> Spec:
    """The same geometry on one map."""
    fields = {f: 1 for f in ("in_channels", "out_channels", "groups") if hasattr(spec, f)}
    if hasattr(spec, "bias"):
        fields["bias"] = False
    return spec.replace(**fields)


class Channels:
    """Mixin for a windowed op: the channel stack around the op's single-map behaviour."""

    draws_stack = True

    def resolve_fields(self, dims: int, values: dict[str, Any]) -> dict[str, Any]:
        """``groups: depthwise`` and ``depth_multiplier`` resolved."""
        return resolve(super().resolve_fields(dims, values))  # type: ignore[misc]

    def validate(self, spec: Spec) -> None:
        """Divisibility by groups; the scatter view shows one map."""
        check(spec)
        if stacked(spec) and spec.view == "scatter":
            raise SpecError(f"view={spec.view!r} shows one map; with in_channels="
                            f"{getattr(spec, 'in_channels', 1)} use view='gather' or 'matrix'",
                            "view")
        super().validate(spec)  # type: ignore[misc]

    def named_parameters(self, spec: Spec) -> list[tuple[str, Any]]:
        """The op's parameters, then the channels (``cin=3 cout=2``), groups and bias."""
        items = super().named_parameters(spec)  # type: ignore[misc]
        cin, cout, groups = self._counts(spec)
        weighted = self.weighted  # type: ignore[attr-defined]
        if stacked(spec):
            items.append(("cin", str(cin)))
            if weighted:
                items.append(("cout", str(cout)))
        if weighted and groups > 1:
            items.append(("depthwise", None) if groups == cin and cout % cin == 0
                         else ("g", str(groups)))
        if getattr(spec, "bias", False):
            items.append(("bias", None))
        return items

    def layer_facts(self, spec: Spec) -> dict[str, Any]:
        """Shapes, parameter count and multiply-adds of the layer, for ``shape``.

        >>> from convanim.geometry.ops import get_op
        >>> get_op("conv").layer_facts(Spec(i=5, k=3, p=1, s=2, in_channels=3, out_channels=2,
        ...                                 bias=True))["parameters"]
        56
        """
        cin, cout, groups = self._counts(spec)
        weighted = self.weighted  # type: ignore[attr-defined]
        out_shape = (cout, *spec.output_shape) if stacked(spec) else spec.output_shape
        facts: dict[str, Any] = {"input": list(self.input_shape(spec)), "output": list(out_shape),
                                 "in_channels": cin, "out_channels": cout}
        if not weighted:
            return facts | {"weight": None, "bias": None, "parameters": 0,
                            "multiply_adds": 0}
        weight = (self.weight_shape(spec) if stacked(spec)
                  else ((cin, cout // groups, *spec.k) if self.transposed  # type: ignore[attr-defined]
                        else (cout, cin // groups, *spec.k)))
        bias = [cout] if getattr(spec, "bias", False) else None
        taps = int(np.prod(weight[1:]))
        if self.transposed:  # type: ignore[attr-defined]
            macs = cin * int(np.prod(spec.i)) * taps  # every input cell scatters its filters
        else:
            macs = cout * int(np.prod(spec.output_shape)) * taps
        return facts | {"groups": groups, "weight": list(weight), "bias": bias,
                        "parameters": int(np.prod(weight)) + (cout if bias else 0),
                        "multiply_adds": macs}

    def torch_channels(self, spec: Spec) -> tuple[list[str], list[str]]:
        """The channel counts a PyTorch layer starts with and its ``groups``/``bias`` keywords
        (``bias=False`` when the figure has none: PyTorch's default is a bias, which would
        add parameters the figure does not have)."""
        cin, cout, groups = self._counts(spec)
        extra = [f"groups={groups}"] if groups > 1 else []
        if not getattr(spec, "bias", False):
            extra.append("bias=False")
        return [str(cin), str(cout)], extra

    def keras_channels(self, spec: Spec) -> list[str]:
        """Keras' ``groups``/``use_bias`` keywords for a channel stack."""
        extra = [f"groups={spec.groups}"] if spec.groups > 1 else []
        if not getattr(spec, "bias", False):
            extra.append("use_bias=False")  # Keras' default is a bias too
        return extra

    def _counts(self, spec: Spec) -> tuple[int, int, int]:
        cin = spec.in_channels
        if self.weighted:  # type: ignore[attr-defined]
            return cin, spec.out_channels, spec.groups
        return cin, cin, cin

    def input_shape(self, spec: Spec) -> tuple[int, ...]:
        """``(C_in, *i)`` for a stack, else the input size."""
        return (spec.in_channels, *spec.i) if stacked(spec) else spec.i

    def weight_shape(self, spec: Spec) -> tuple[int, ...]:
        """PyTorch's layout for a stack: conv ``(C_out, C_in/g, *k)``, transposed
        ``(C_in, C_out/g, *k)``; pooling and single maps: the kernel size."""
        if not stacked(spec) or not self.weighted:  # type: ignore[attr-defined]
            return spec.k
        cin, cout, g = self._counts(spec)
        if self.transposed:  # type: ignore[attr-defined]
            return (cin, cout // g, *spec.k)
        return (cout, cin // g, *spec.k)

    def bias_shape(self, spec: Spec) -> tuple[int, ...] | None:
        """``(C_out,)`` when the spec has a bias."""
        return (getattr(spec, "out_channels", 1),) if getattr(spec, "bias", False) else None

    def _pairs(self, spec: Spec, co: int) -> list[tuple[int, tuple[int, int]]]:
        """The input channels output map ``co`` reads, each with its weight slice's index."""
        cin, cout, g = self._counts(spec)
        per_in, per_out = cin // g, cout // g
        group = co // per_out
        if not self.weighted:  # type: ignore[attr-defined]
            return [(co, (0, 0))]
        if self.transposed:  # type: ignore[attr-defined]
            return [(ci, (ci, co - group * per_out))
                    for ci in range(group * per_in, (group + 1) * per_in)]
        return [(ci, (co, ci - group * per_in))
                for ci in range(group * per_in, (group + 1) * per_in)]

    def compute(self, spec: Spec, x: np.ndarray, w: np.ndarray | None,
                b: Any = None) -> np.ndarray:
        """Each output map: the sum over its group's input channels, plus its bias."""
        bias = None if b is None else np.asarray(b, dtype=float).reshape(-1)
        if not stacked(spec):
            y = super().compute(spec, x, w, None)  # type: ignore[misc]
            return y + bias[0] if bias is not None else y
        one = single(spec)
        _, cout, _ = self._counts(spec)
        y = np.zeros((cout, *spec.output_shape))
        for co in range(cout):
            for ci, slot in self._pairs(spec, co):
                y[co] += super().compute(  # type: ignore[misc]
                    one, x[ci], None if w is None else w[slot], None)
            if bias is not None:
                y[co] += bias[co]
        return y

    def frame_count(self, spec: Spec) -> int:
        """The single map's frames with one slide per output cell of every output map."""
        one = single(spec)
        count = super().frame_count(one)  # type: ignore[misc]
        if not stacked(spec):
            return count
        slides = int(np.prod(spec.output_shape))
        return count - slides + self._counts(spec)[1] * slides

    def largest_grid(self, spec: Spec) -> int:
        """The stack laid side by side: every slice plus a gap column."""
        one = single(spec)
        side = super().largest_grid(one)  # type: ignore[misc]
        if not stacked(spec):
            return side
        if spec.dims == 3:
            return max(self.stack_sides(spec))
        cin, cout, _ = self._counts(spec)
        return max(cin, cout) * (side + 1) - 1

    def stack_sides(self, spec: Spec) -> tuple[int, int]:
        """The most rows and columns of any panel of a stack of volumes, by arithmetic:
        each channel's depth slices side by side, two blank columns between channels, and the
        filters' slices in their panel (exactly what :func:`_stack_plan` draws).

        >>> from convanim.geometry import Spec, plan
        >>> spec = Spec(i=3, k=2, dims=3, in_channels=2, out_channels=3)
        >>> p = plan(spec)
        >>> spec.op.stack_sides(spec) == tuple(max(s) for s in zip(
        ...     p.grids["input"].shape, p.target.shape, p.kernel.shape))
        True
        """
        sides = self.stack_panels(spec)
        return max(r for r, _ in sides), max(c for _, c in sides)

    def stack_panels(self, spec: Spec) -> list[tuple[int, int]]:
        """(rows, cols) of a stack of volumes' grid panel, output panel and (weighted) filter
        panel, by arithmetic."""
        one = single(spec)
        (rows, cols), (out_rows, out_cols) = self.volume_panels(one)  # type: ignore[attr-defined]
        cin, cout, groups = self._counts(spec)
        block = cols + 2
        sides = [(rows, (cin - 1) * block + cols), (out_rows, (cout - 1) * (out_cols + 2)
                                                     + out_cols)]
        if self.weighted:  # type: ignore[attr-defined]
            kd, kh, kw = spec.k
            sides.append(filter_panel_shape((cin, cout, groups, block),
                                            (kh, kd * (kw + 1)),
                                            bool(getattr(spec, "bias", False))))
        return sides

    def panel_sides(self, spec: Spec) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """A stack of volumes' grid and output panels as drawn (rows, cols), else the op's.

        >>> spec = Spec(i=3, k=2, dims=3, in_channels=2, out_channels=3)
        >>> spec.op.panel_sides(spec)
        ((3, 24), (2, 19))
        """
        if spec.dims == 3 and stacked(spec):
            grid, target, *_ = self.stack_panels(spec)
            return grid, target
        return super().panel_sides(spec)  # type: ignore[misc]

    def oversize(self, spec: Spec, limit: int) -> tuple[str, str]:
        """Blame the channel count when one map fits and the row of maps does not.

        >>> from convanim.geometry import Spec
        >>> spec = Spec(i=5, k=3, in_channels=40, out_channels=2)
        >>> spec.op.oversize(spec, 96)
        ('in_channels', 'use at most 16 channels')
        """
        side = super().largest_grid(single(spec))  # type: ignore[misc]
        if side > limit:
            return super().oversize(spec, limit)  # type: ignore[misc]
        cin, cout, _ = self._counts(spec)
        name = "in_channels" if cin >= cout or not self.weighted else "out_channels"  # type: ignore[attr-defined]
        if spec.dims == 3:  # a volume's channels stand two blank columns apart
            most = max(1, (limit - side) // (side + 2) + 1)
            if most == 1:
                return name, ("each channel's depth slices stand side by side and one "
                              "channel fills the row: draw one channel or use a smaller "
                              "input_size")
            return name, (f"use at most {most} channels (each channel's depth slices stand "
                          "side by side)")
        return name, f"use at most {(limit + 1) // (side + 1)} channels"

    def plan(self, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray,
             b: np.ndarray | None = None) -> Plan:
        """One map's plan per input channel, laid side by side; frames per output map."""
        if not stacked(spec):
            base = super().plan(spec, x, w, y)  # type: ignore[misc]
            if b is None:
                return base
            return _with_bias(base, float(np.asarray(b).reshape(-1)[0]))
        return _stack_plan(self, spec, x, w, y, b)


def _with_bias(base: Plan, bias: float) -> Plan:
    frames = tuple(_replace(f, value=f.value + bias, sums=f.sums + bias,
                            caption=f"{f.caption}, + bias {_num(bias)}")
                   if f.phase == "slide" and f.value is not None else f for f in base.frames)
    return _replace(base, frames=frames, b=np.array([bias]))


def _replace(obj: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(obj, **changes)


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.3g}"


def filter_cell(stack: tuple[int, ...], kernel: tuple[int, int], out_channel: int,
                in_channel: int, tap: tuple[int, int], bias: bool = False) -> tuple[int, int]:
    """Where a stack's filter panel draws weight ``tap`` of the slice that output map
    ``out_channel`` applies to ``in_channel`` (``stack``: C_in, C_out, groups and the input
    slices' block width, as ``Plan.stack``).

    One group: one row per filter, its slices side by side, one empty row/column between.
    Several groups (grouped, depthwise): each slice stands right under the input channel it
    reads (slices one input block apart), a group's filters one row each, so the panel is
    as wide as the input and each group's filters sit under its own channels. ``bias``
    leaves room right of each filter for the ``+`` and its bias cell (:func:`bias_cell`).

    >>> filter_cell((4, 2, 2, 6, 5), (3, 3), 1, 3, (2, 0))  # 4 -> 2 in 2 groups
    (2, 18)
    >>> filter_cell((3, 2, 1, 6), (3, 3), 1, 2, (0, 0))  # one group: one row per filter
    (4, 8)
    """
    cout, groups = stack[1:3]
    kh, kw = kernel
    row = out_channel % (cout // groups) * (kh + 1) + tap[0]
    return row, in_channel * _slice_step(stack, kw, bias) + tap[1]


def _slice_step(stack: tuple[int, ...], kw: int, bias: bool) -> int:
    """Columns from one filter slice to the next: the kernel and a blank column in one
    group; the input's block (room for the ``+``, the bias and a label kept) in several."""
    if stack[2] == 1:
        return kw + 1
    return max(stack[3], kw + 2 + 2 * bias)


def bias_cell(stack: tuple[int, ...], kernel: tuple[int, int], out_channel: int
              ) -> tuple[int, int]:
    """Where the filter panel draws output map ``out_channel``'s bias: right of its
    filter's last slice, after a blank column (where the ``+`` goes), on its middle row.

    >>> bias_cell((3, 2, 1, 6), (3, 3), 1)
    (5, 12)
    """
    cin, cout, groups = stack[:3]
    kh, kw = kernel
    last = (out_channel // (cout // groups) + 1) * (cin // groups) - 1  # its last slice
    r, c = filter_cell(stack, kernel, out_channel, last, (0, 0), True)
    return r + (kh - 1) // 2, c + kw + 1


def filter_panel_shape(stack: tuple[int, ...], kernel: tuple[int, int], bias: bool = False
                       ) -> tuple[int, int]:
    """Rows and columns of a stack's filter panel (see :func:`filter_cell`); with several
    groups as wide as the input slices, so the two line up.

    >>> filter_panel_shape((4, 4, 2, 5), (3, 3)), filter_panel_shape((3, 2, 1, 6), (3, 3), True)
    ((7, 19), (7, 13))
    """
    cin, cout, groups = stack[:3]
    kh, kw = kernel
    step = _slice_step(stack, kw, bias)
    rows = cout // groups * (kh + 1) - 1
    if groups == 1:
        return rows, cin * step - 1 + 2 * bias
    return rows, cin * step - 1


def _side_by_side(grids: list[Grid], block: int) -> Grid:
    """Grids of one shape placed ``block`` columns apart; the columns between are GAP."""
    rows, cols = grids[0].shape
    width = (len(grids) - 1) * block + cols
    values = np.zeros((rows, width))
    kinds = np.full((rows, width), GAP, np.int8)
    source = np.full((rows, width, 2), -1, np.int64)
    reached = np.ones((rows, width), bool)
    for n, g in enumerate(grids):
        at = slice(n * block, n * block + cols)
        values[:, at], kinds[:, at], source[:, at] = g.values, g.kinds, g.source
        reached[:, at] = g.reached
    return Grid(values, kinds, source, reached, grids[0].origin)


def _stack_plan(op: Any, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray,
                b: np.ndarray | None) -> Plan:
    one = single(spec)
    sup = super(Channels, op)
    cin, cout, groups = op._counts(spec)
    k_one = np.ones(one.k)
    # Values on the grids come from each channel's own plan; products are made below.
    plans = [sup.plan(one, x[c], k_one, np.zeros(one.output_shape)) for c in range(cin)]
    first = plans[0]
    # A volume's channels stand two blank columns apart (its depth slices one), so each
    # channel's slices read as one group.
    volume = one.dims == 3
    block = max(g.shape[1] for g in first.grids.values()) + 1 + volume
    grids = {name: _side_by_side([p.grids[name] for p in plans], block) for name in first.grids}
    from convanim.geometry.ops.volume import drawn_kernel, output_volume
    from convanim.geometry.plan import output_grid

    if volume:
        outs = [output_volume(m) for m in y.reshape(cout, *one.output_shape)]
    else:
        outs = [output_grid(m) for m in y.reshape(cout, *first.target.shape)]
    ow = outs[0].shape[1] + volume  # the output block, less its blank column
    target = _side_by_side(outs, ow + 1)
    weighted = op.weighted
    # A volume's filter slice is its depth slices side by side and a blank column after
    # them, so two input channels' slices stand two columns apart, their depth slices one.
    kh, kw = (one.k if one.dims == 2 else (1, one.k[0]) if one.dims == 1
              else (one.k[1], one.k[0] * (one.k[2] + 1)))

    def drawn(slot: tuple[int, int]) -> np.ndarray:
        """One filter slice as its panel draws it (a volume's depth slices side by side)."""
        if volume:
            return np.pad(drawn_kernel(w[slot]), ((0, 0), (0, 1)), constant_values=np.nan)
        return w[slot].reshape(kh, kw)

    bias = np.zeros(cout) if b is None else np.asarray(b, float).reshape(-1)
    # A bias is a cell of its own right of its filter's slices (after a blank column), so
    # the figure shows it joining the sum, as CS231n's does.
    with_bias = weighted and b is not None
    counts = (cin, cout, groups, block)
    panel = np.full(filter_panel_shape(counts, (kh, kw), with_bias), np.nan)
    owner = np.full(panel.shape, -1, np.int64)
    bias_cells: tuple[tuple[int, int], ...] = ()
    if with_bias:
        bias_cells = tuple(bias_cell(counts, (kh, kw), co) for co in range(cout))
    if weighted:
        for co in range(cout):
            for ci, slot in op._pairs(spec, co):
                r, c = filter_cell(counts, (kh, kw), co, ci, (0, 0), with_bias)
                panel[r: r + kh, c: c + kw] = drawn(slot)
                owner[r: r + kh, c: c + kw] = np.where(np.isnan(drawn(slot)), -1, co)
            if with_bias:
                panel[bias_cells[co]], owner[bias_cells[co]] = bias[co], co
    slides = [f for f in first.frames if f.phase == "slide"]
    place = {id(f): n for n, f in enumerate(first.frames)}  # each channel's plan alike
    frames: list[Frame] = []
    head = first.frames[: first.frames.index(slides[0])]
    tail = first.frames[first.frames.index(slides[-1]) + 1:]
    stack = f"{cin} channels"
    for f in head:
        frames.append(_replace(f, caption=f"{f.caption} ({stack})" if f.phase == "input"
                               else f"{f.caption}, every channel"))
    step = 0
    for co in range(cout):
        pairs = op._pairs(spec, co)
        group = co * groups // cout
        for f in slides:
            at = place[id(f)]
            step += 1
            window, taps, products, links = [], [], [], []
            partial = []
            chosen = None
            for ci, slot in pairs:
                grid = grids[f.grid]
                cells = f.window + np.array([0, ci * block])
                seen = grid.values[cells[:, 0], cells[:, 1]]
                weights = (drawn(slot)[f.taps[:, 0], f.taps[:, 1]]
                           if weighted else np.ones(len(seen)))
                if volume and not weighted:  # the channel's own volume plan pooled it
                    own = plans[ci].frames[at]
                    prods, value, pick = own.products, float(own.value), own.chosen
                elif volume:
                    prods = seen * weights
                    value, pick = float(prods.sum()), None
                else:
                    prods, value, pick = (op.reduce_at(one, tuple(f.cells[0]), seen, weights)
                                          if hasattr(op, "reduce_at")
                                          else op.reduce(seen, weights))
                partial.append(value)
                if pick is not None:
                    chosen = pick
                window.append(cells)
                taps.append(f.taps + np.array(filter_cell(counts, (kh, kw), co, ci, (0, 0),
                                                          with_bias)))
                products.append(prods)
                for out, src, tap in f.links:
                    links.append(((co, *out), (ci, *src),
                                  (*slot, *tap) if weighted else tap))
            total = float(sum(partial)) + float(bias[co])
            r, c = f.cells[0]
            cells_out = np.array([[r, co * (ow + 1) + c]])
            if weighted:
                sums = " + ".join(_num(v) for v in partial)
                chans = ", ".join(f"c={ci}" for ci, _ in pairs)
                if groups == cin > 1:  # depthwise: each channel its own kernel
                    head = f"filter {co}: channel c={pairs[0][0]}'s own kernel"
                else:
                    head = (f"filter {co}" + (f" (group {group})" if groups > 1 else "")
                            + f" over {chans}")
                if volume:
                    head += volume_words(first, f, co, len(pairs))
                if b is not None:
                    caption = f"{head}: {sums} + bias {_num(bias[co])} = {_num(total)}"
                elif len(partial) == 1:  # one number is its own sum: no "41 = 41"
                    caption = f"{head} gives {_num(total)}"
                else:
                    caption = f"{head}: {sums} = {_num(total)}"
            elif volume:
                caption = f"channel c={co}: {plans[co].frames[at].caption}"
            else:
                caption = f"{f.caption} on channel c={co}"
            frames.append(Frame("slide", f.grid, caption, step, np.concatenate(window),
                                np.concatenate(taps), cells_out, np.concatenate(products),
                                total, np.array([total]), np.array([len(links)]), chosen,
                                tuple(links), formula=f.formula))
    for f in tail:
        frames.append(f)
    picture = first.picture
    if weighted and b is not None:
        picture = Picture(picture.weighted, picture.scatter, picture.window,
                          (picture.formula[0], picture.formula[1], picture.formula[2] + " + b"))
    slices = None
    if first.slices is not None:  # a volume: every channel's depth slices, channel by channel
        one_slices = first.slices
        counts = {**{name: cin for name in grids}, "target": cout}
        steps = {**{name: block for name in grids}, "target": ow + 1}
        slices = Slices(one_slices.shapes, one_slices.block,
                        {**one_slices.labels, **{
                            name: one_slices.labels[name] * n for name, n in counts.items()}},
                        one_slices.kernel_note,
                        {name: (n, steps[name]) for name, n in counts.items()})
    return Plan(spec, x, w, y, grids, first.slide_grid, target, first.target_offset,
                tuple(frames), first.arithmetic, picture, b=b, kernel=panel if weighted
                else None, stack=(cin, cout, groups, block, ow + 1), bias_cells=bias_cells,
                filters=owner if weighted else None, slices=slices)


def volume_words(one: Plan, frame: Frame, co: int, channels: int) -> str:
    """Which depth slices of each of its ``channels`` a volume's window reads and the output
    cell it writes: `` (depth slices d=0, d=1 of each) into output c=1 d=0``."""
    assert one.slices is not None
    names = one.slices.labels[frame.grid]
    covered = sorted(set((frame.window[:, 1] // one.slices.block[frame.grid]).tolist()))
    depth = int(frame.cells[0][1]) // one.slices.block["target"]
    each = " of each" if channels > 1 else ""
    return (f" (depth slices {', '.join(names[j] for j in covered)}{each}) into output "
            f"c={co} d={depth}")


__all__ = ["BIAS", "CONV_FIELDS", "DEPTH_MULTIPLIER", "GAP", "GROUPS", "INPUT", "IN_CHANNELS",
           "OUT_CHANNELS", "POOL_FIELDS", "Channels", "bias_cell", "filter_cell",
           "filter_panel_shape", "single", "stacked"]
