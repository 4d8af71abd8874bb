"""Volumes: ``dims=3`` for conv, transposed conv and pooling (PyTorch's ``Conv3d``,
``ConvTranspose3d``, ``MaxPool3d``, ``AvgPool3d``).

:class:`Volume` is a mixin put between :class:`~convanim.geometry.ops.channels.Channels` and an
op's sliding-window class (``class Conv(Channels, Volume, Windowed)``): for a 3-D spec it
answers ``compute`` (numpy over three axes, the input ``(D, H, W)`` or ``(C, D, H, W)``),
``plan``, ``frame_count``, ``largest_grid`` and ``oversize``; every other spec goes to the op
unchanged. The rules (``validate``), the sizes (``output_length``, ``axis_arithmetic``), the
links per axis and the code (``pytorch``, ``keras``) are the op's own, already per axis.

A volume is drawn as its depth slices side by side on each 2-D panel, the way a channel
stack is: slice ``j`` of a grid starts ``block`` columns after slice ``j - 1`` and the
columns between are ``GAP`` cells, drawn blank. The plan's :class:`~convanim.geometry.plan.Slices`
names each slice (``d=0``, ``pad``, ``zeros``) for the labels under it. A frame's window holds
its cells in every slice it covers; its ``links`` are ``((d, h, w), (d, h, w), (a, b, c))``
triples in the user's coordinates, and a grid's ``source`` keys an input cell ``(d, h, w)``
as ``(d*H + h, w)``, as for maps stacked down.

With channels, :class:`~convanim.geometry.ops.channels.Channels` lays one such plan per input
channel side by side (two blank columns between channels), as it does for 2-D maps; the
``Slices`` then list every channel's slices (``channels``), links lead with the channel and
the weights are keyed in PyTorch's layout, ``(o, i, a, b, c)``.

>>> from convanim.geometry import Spec, plan
>>> spec = Spec(i=(2, 3, 3), k=2, dims=3)
>>> spec.output_shape
(1, 2, 2)
>>> p = plan(spec)
>>> [f.phase for f in p.frames], p.grids["input"].shape
(['input', 'slide', 'slide', 'slide', 'slide', 'output'], (3, 7))
>>> p.frames[1].links[:2]
(((0, 0, 0), (0, 0, 0), (0, 0, 0)), ((0, 0, 0), (0, 0, 1), (0, 0, 1)))
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from convanim.geometry.arithmetic import arithmetic
from convanim.geometry.compute import NP_PAD_MODES
from convanim.geometry.ops import pool_options as opts
from convanim.geometry.plan import (
    GAP,
    INPUT,
    PAD,
    ZERO,
    Frame,
    Grid,
    Plan,
    Slices,
    padded_axis,
)
from convanim.geometry.spec import Spec, SpecError, per_axis_text

Axis = tuple[np.ndarray, np.ndarray]
"""One axis of a grid: the input index each cell holds (-1: none) and its kind."""


def shape_text(shape: tuple[int, ...]) -> str:
    """``2×3×3``: a volume's depth, height and width.

    >>> shape_text((2, 3, 4))
    '2×3×4'
    """
    return "×".join(map(str, shape))


def _sizes(spec: Spec) -> str:
    return f"{shape_text(spec.i)} (depth × height × width)"


def window_words(spec: Spec, op: Any) -> str:
    """``2×3×3 kernel`` or ``2×2×2 max window``, with its dilation when there is one.

    >>> from convanim.geometry import Spec
    >>> window_words(Spec(i=4, k=2, mode="maxpool", dims=3), Spec(i=4, k=2, mode="maxpool",
    ...              dims=3).op)
    '2×2×2 max window'
    """
    noun = f"{op.reducer} window" if getattr(op, "reducer", "") else "kernel"
    text = f"{shape_text(spec.k)} {noun}"
    if any(d != 1 for d in spec.d):
        text += f" dilated by {per_axis_text(spec.d)}"
    return text


# -- numbers ----------------------------------------------------------------------------------


def _taps(spec: Spec, padded: np.ndarray, starts: tuple[int, ...] | None = None
          ) -> list[tuple[tuple[int, ...], np.ndarray]]:
    """What each kernel tap sees at every output position, tap by tap (views, no copies)."""
    out = spec.output_shape
    views = []
    for tap in np.ndindex(*spec.k):
        index = tuple(slice(t * d, t * d + (o - 1) * s + 1, s)
                      for t, d, o, s in zip(tap, spec.d, out, spec.s))
        views.append((tap, padded[index]))
    return views


def volume_compute(op: Any, spec: Spec, x: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """One map's output over three axes, exactly as PyTorch's 3-D layer gives it.

    >>> from convanim.geometry import Spec
    >>> spec = Spec(i=2, k=2, dims=3)
    >>> volume_compute(spec.op, spec, np.ones((2, 2, 2)), np.arange(8.0).reshape(2, 2, 2))
    array([[[28.]]])
    """
    x = np.asarray(x, dtype=float).reshape(spec.i)
    if op.transposed:
        assert w is not None
        return _scatter(spec, x, np.asarray(w, dtype=float).reshape(spec.k))
    fill = op.pad_value(spec)
    mode = NP_PAD_MODES[spec.padding_mode]
    padded = (np.pad(x, spec.p, mode="constant", constant_values=fill) if mode == "constant"
              else np.pad(x, spec.p, mode=mode))
    # A ceil_mode window may hang past the edge: those cells hold the pad value (a max never
    # picks -inf; an average's divisor leaves them out).
    past = [(0, max((o - 1) * s + d * (k - 1) + 1 - n, 0)) for o, s, d, k, n
            in zip(spec.output_shape, spec.s, spec.d, spec.k, padded.shape)]
    padded = np.pad(padded, past, constant_values=fill)
    views = _taps(spec, padded)
    if op.weighted:
        assert w is not None
        kernel = np.asarray(w, dtype=float).reshape(spec.k)
        total = np.zeros(spec.output_shape)
        for tap, view in views:  # tap by tap: never kernel-size copies of the output
            total += kernel[tap] * view
        return total
    if getattr(op, "reducer", "") == "max":
        return functools.reduce(np.maximum, (view for _, view in views))
    total = np.zeros(spec.output_shape)
    for _, view in views:
        total += view
    return total / opts.divisors(spec)


def _scatter(spec: Spec, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Transposed: ``w[tap] * x`` added at the stride onto a canvas, then the padding cropped."""
    out = spec.output_shape
    canvas_shape = tuple(max((i - 1) * s + d * (k - 1) + 1, before + o) for i, s, d, k,
                         (before, _), o in zip(spec.i, spec.s, spec.d, spec.k, spec.p, out))
    canvas = np.zeros(canvas_shape)
    for tap in np.ndindex(*spec.k):
        index = tuple(slice(t * d, t * d + (i - 1) * s + 1, s)
                      for t, d, i, s in zip(tap, spec.d, spec.i, spec.s))
        canvas[index] += w[tap] * x
    return canvas[tuple(slice(before, before + o) for (before, _), o in zip(spec.p, out))]


# -- grids ------------------------------------------------------------------------------------


def _input_axis(n: int) -> Axis:
    return np.arange(n), np.zeros(n, dtype=np.int8)


def _padded_axis(spec: Spec, axis: int) -> Axis:
    """The padded input along one axis (a padding mode copies cells from inside)."""
    return padded_axis(spec.i[axis], *spec.p[axis], spec.padding_mode)


def _zeros_axis(spec: Spec, axis: int, before: int, after: int) -> Axis:
    """``s-1`` zeros between cells, then padded (a negative padding crops)."""
    n, s = spec.i[axis], spec.s[axis]
    inner = (n - 1) * s + 1
    z = np.arange(-before, inner + after)
    inside = (z >= 0) & (z < inner)
    src = np.where(inside & (z % s == 0), z // s, -1)
    kind = np.where(inside, np.where(z % s == 0, INPUT, ZERO), PAD).astype(np.int8)
    return src, kind


class Volume3:
    """A grid over three axes (values, kinds, input index per cell) and its drawn form."""

    def __init__(self, axes: list[Axis], x: np.ndarray, pad_value: float,
                 reach: tuple[int, ...] | None = None) -> None:
        (s0, k0), (s1, k1), (s2, k2) = axes
        kinds = np.maximum.outer(np.maximum.outer(k0, k1), k2).astype(np.int8)
        pad = (k0 == PAD)[:, None, None] | (k1 == PAD)[None, :, None] | (k2 == PAD)[None, None, :]
        kinds[pad] = PAD  # padding wins over an inserted zero on another axis
        source = np.stack(np.meshgrid(s0, s1, s2, indexing="ij"), axis=-1)
        missing = (source < 0).any(axis=-1)
        source[missing] = -1
        values = np.where(missing, 0.0, x[np.maximum(source[..., 0], 0),
                                           np.maximum(source[..., 1], 0),
                                           np.maximum(source[..., 2], 0)])
        values[missing & (kinds == PAD)] = pad_value
        self.values, self.kinds, self.source = values, kinds, source
        self.depth = (s0, k0)
        # Where the input's cell (0, 0, 0) sits: after the padding on each axis.
        self.origin = tuple(int(np.argmax((src == 0) & (kind == INPUT))) for src, kind in axes)
        reached = np.zeros(kinds.shape, dtype=bool)
        if reach is None:
            reached[:] = True
        else:
            reached[: reach[0], : reach[1], : reach[2]] = True
        self.reached = reached

    @property
    def shape(self) -> tuple[int, int, int]:
        """(depth, rows, cols)."""
        return self.kinds.shape  # type: ignore[return-value]

    def drawn(self, block: int, rows_in: int, origin: tuple[int, ...]) -> Grid:
        """The slices side by side, ``block`` columns apart, GAP columns between;
        ``source`` keys input cell ``(d, h, w)`` as ``(d*rows_in + h, w)``."""
        depth, rows, cols = self.shape
        width = (depth - 1) * block + cols
        values = np.zeros((rows, width))
        kinds = np.full((rows, width), GAP, np.int8)
        source = np.full((rows, width, 2), -1, np.int64)
        reached = np.ones((rows, width), bool)
        for j in range(depth):
            at = slice(j * block, j * block + cols)
            values[:, at], kinds[:, at], reached[:, at] = (self.values[j], self.kinds[j],
                                                           self.reached[j])
            src = self.source[j]
            ok = (src >= 0).all(axis=-1)
            source[:, at, 0] = np.where(ok, src[..., 0] * rows_in + src[..., 1], -1)
            source[:, at, 1] = np.where(ok, src[..., 2], -1)
        return Grid(values, kinds, source, reached, (origin[1], origin[0] * block + origin[2]))

    def labels(self) -> tuple[str, ...]:
        """Each slice's name under it: ``d=2`` (input depth 2), ``pad``, ``zeros``; a padding
        mode's slice names the input slice it copies (``pad d=1``)."""
        out = []
        for src, kind in zip(*self.depth):
            if kind == ZERO:
                out.append("zeros")
            elif kind == PAD:
                out.append("pad" if src < 0 else f"pad d={src}")
            else:
                out.append(f"d={src}")
        return tuple(out)


def drawn_kernel(w: np.ndarray) -> np.ndarray:
    """A ``(kd, kh, kw)`` kernel as its panel draws it: depth slices side by side, a NaN
    column (drawn blank) between two.

    >>> drawn_kernel(np.arange(8.0).reshape(2, 2, 2))[0].tolist()
    [0.0, 1.0, nan, 4.0, 5.0]
    """
    kd, kh, kw = np.shape(w)
    panel = np.full((kh, kd * (kw + 1) - 1), np.nan)
    for j in range(kd):
        panel[:, j * (kw + 1): j * (kw + 1) + kw] = w[j]
    return panel


def output_volume(y: np.ndarray) -> Grid:
    """An output volume ``(d, h, w)`` as its panel draws it: depth slices side by side, one
    blank column between, every cell of kind input.

    >>> output_volume(np.ones((2, 2, 3))).shape
    (2, 7)
    """
    _, oh, ow = y.shape
    drawn = Volume3([_input_axis(n) for n in y.shape], y, 0.0).drawn(ow + 1, oh, (0, 0, 0))
    return Grid(drawn.values, drawn.kinds, drawn.source, drawn.reached, (0, 0))


# -- the plan ---------------------------------------------------------------------------------


def _grids(op: Any, spec: Spec, x: np.ndarray) -> tuple[list[tuple[str, str, Volume3]],
                                                          np.ndarray, np.ndarray, str]:
    """The grids in the order shown (name, caption of its phase, grid), the window's offsets
    per tap, its stride, and the slide caption."""
    arith = arithmetic(spec)
    first = ("input", f"the {_sizes(spec)} input, its {spec.i[0]} depth slices side by side",
             Volume3([_input_axis(n) for n in spec.i], x, 0.0))
    taps = np.array(list(np.ndindex(*spec.k)), dtype=np.int64).reshape(-1, 3)
    if op.transposed:
        shown = [first]
        eq = [a.equivalent_padding for a in arith]
        if max(spec.s) > 1:
            zeros = tuple(s - 1 for s in spec.s)
            noun, between = ("zero", "a whole slice") if max(zeros) == 1 else ("zeros", "slices")
            shown.append(("zeros", f"insert s-1 = {per_axis_text(zeros)} {noun} between input "
                          f"cells: {between} of zeros between depth slices" if zeros[0] else
                          f"insert s-1 = {per_axis_text(zeros)} {noun} between input cells",
                          Volume3([_zeros_axis(spec, a, 0, 0) for a in range(3)], x, 0.0)))
        if any(v != 0 for pair in eq for v in pair):
            rule = "k-p-1" if all(d == 1 for d in spec.d) else "d*(k-1)-p"
            shown.append(("padded", f"pad each axis with {rule}: {_pads(tuple(eq))}",
                          Volume3([_zeros_axis(spec, a, *eq[a]) for a in range(3)], x, 0.0)))
        n = len(shown)
        shown = [shown[0]] + [(name, f"{m}. {caption}", grid)
                              for m, (name, caption, grid) in enumerate(shown[1:], start=1)]
        offsets = (np.array(spec.k) - 1 - taps) * np.array(spec.d)  # rotated in all three axes
        caption = (f"{n}. slide the {window_words(spec, op)}, rotated 180° in all three axes, "
                   "with stride 1")
        return shown, offsets, np.ones(3, dtype=np.int64), caption
    shown = [first]
    if any(v for pair in spec.p for v in pair):
        reach = tuple((o - 1) * s + d * (k - 1) + 1 for o, s, d, k
                      in zip(spec.output_shape, spec.s, spec.d, spec.k))
        rule = op.pad_rule(spec) if hasattr(op, "pad_rule") else "p"
        shown.append(("padded", f"pad each axis with {rule}: {_pads(spec.p)}",
                      Volume3([_padded_axis(spec, a) for a in range(3)], x, op.pad_value(spec),
                              reach)))
    verb = f"slide a {window_words(spec, op)}" if getattr(op, "reducer", "") else \
        f"slide the {window_words(spec, op)}"
    caption = f"{verb} with stride {per_axis_text(spec.s)}"
    return shown, taps * np.array(spec.d), np.array(spec.s), caption


def _pads(pads: tuple[tuple[int, int], ...]) -> str:
    """``depth 1, height 1, width 0``, or per side ``depth 1/0``."""
    names = ("depth", "height", "width")
    return ", ".join(f"{n} {b}" if b == a else f"{n} {b}/{a}" for n, (b, a) in zip(names, pads))


def volume_plan(op: Any, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray) -> Plan:
    """Every frame of a 3-D figure: the grids' phases, one slide per output cell in
    (depth, row, col) order, the output."""
    x = np.asarray(x, dtype=float).reshape(spec.i)
    y = np.asarray(y, dtype=float).reshape(spec.output_shape)
    shown, offsets, stride, slide_caption = _grids(op, spec, x)
    block = max(g.shape[2] for _, _, g in shown) + 1
    rows_in = spec.i[1]
    slide_name, _, slide = shown[-1]
    grids = {name: grid.drawn(block, rows_in, grid.origin) for name, _, grid in shown}
    frames = [Frame(name if name == "input" else ("insert_zeros" if name == "zeros" else "pad"),
                    name, caption) for name, caption, _ in shown]
    weighted = op.weighted
    kernel = np.asarray(w, dtype=float).reshape(spec.k) if weighted else None
    kd, _, kw = spec.k
    panel_taps = np.empty((0, 2), np.int64)
    taps = np.array(list(np.ndindex(*spec.k)), dtype=np.int64).reshape(-1, 3)
    if weighted:
        panel_taps = np.stack([taps[:, 1], taps[:, 0] * (kw + 1) + taps[:, 2]], axis=1)
    divisors = None
    if not weighted and getattr(op, "reducer", "") != "max" and not opts.is_plain(spec):
        divisors = opts.divisors(spec)
    names = slide.labels()
    od_, _, ow = spec.output_shape
    out_block = ow + 1
    bounds = np.array(slide.shape)
    for step, cell in enumerate(np.ndindex(*spec.output_shape), start=1):
        window = offsets + stride * np.array(cell)
        keep = (window < bounds).all(axis=1)  # ceil_mode: cells past the edge do not exist
        window, on = window[keep], taps[keep]
        seen = slide.values[window[:, 0], window[:, 1], window[:, 2]]
        src = slide.source[window[:, 0], window[:, 1], window[:, 2]]
        links = tuple((cell, tuple(int(v) for v in s), tuple(int(v) for v in t))
                      for s, t in zip(src, on) if s[0] >= 0)
        chosen = None
        formula = None
        if weighted:
            assert kernel is not None
            products = seen * kernel[on[:, 0], on[:, 1], on[:, 2]]
            value = float(products.sum())
        elif getattr(op, "reducer", "") == "max":
            chosen = int(np.argmax(seen))
            products, value = seen, float(seen[chosen])
        else:
            divisor = int(np.prod(spec.k)) if divisors is None else int(divisors[cell])
            products, value = seen, float(seen.sum() / divisor)
            if divisors is not None:
                formula = ("(", " + ", f") / {divisor}")
        covered = sorted(set(window[:, 0].tolist()))
        which = ", ".join(names[j] for j in covered)
        caption = f"{slide_caption}; output d={cell[0]} reads slices {which}"
        if len(window) < len(taps):
            caption += f"; past the edge (ceil_mode): {len(window)} of {len(taps)} cells"
        if divisors is not None:
            div = int(divisors[cell])
            caption += f"; divide by {div}" + (
                " (divisor_override)" if spec.divisor_override is not None
                else "" if spec.count_include_pad else
                f" input cell{'s' if div != 1 else ''} (padding not counted)")
        drawn = np.stack([window[:, 1], window[:, 0] * block + window[:, 2]], axis=1)
        frames.append(Frame("slide", slide_name, caption, step, drawn,
                            panel_taps[keep] if weighted else np.stack(
                                [on[:, 1], on[:, 0] * (kw + 1) + on[:, 2]], axis=1),
                            np.array([[cell[1], cell[0] * out_block + cell[2]]]), products,
                            value, np.array([value]), np.array([len(links)]), chosen, links,
                            formula=formula))
    texts: dict[str, list[str]] = {}
    for name, a in zip(("depth", "height", "width"), arithmetic(spec)):
        texts.setdefault(a.text, []).append(name)
    outs = "; ".join(f"{' and '.join(names)} {text}" for text, names in texts.items())
    frames.append(Frame("output", slide_name,
                        f"the {shape_text(spec.output_shape)} output, {od_} depth "
                        f"slice{'s' if od_ != 1 else ''}: {outs}"))
    target = output_volume(y)
    panel = drawn_kernel(kernel) if kernel is not None else None
    slices = Slices(
        shapes={**{name: g.shape for name, _, g in shown}, "target": spec.output_shape,
                "kernel": spec.k},
        block={**{name: block for name, _, _ in shown}, "target": out_block, "kernel": kw + 1},
        labels={**{name: g.labels() for name, _, g in shown},
                "target": tuple(f"d={j}" for j in range(od_)),
                "kernel": tuple(f"d={j}" for j in range(kd))},
        kernel_note="as stored, read rotated 180°" if op.transposed else "")
    return Plan(spec, x, w, y, grids, slide_name, target, (0, 0), tuple(frames),
                arithmetic(spec), op.picture, kernel=panel, slices=slices)


# -- the mixin --------------------------------------------------------------------------------


class Volume:
    """Mixin: ``dims=3`` for a sliding-window op (see the module's docstring)."""

    volumes = True

    def validate(self, spec: Spec) -> None:
        """A volume shows the gather view; then the op's own rules, per axis."""
        if spec.dims == 3 and spec.view != "gather":
            raise SpecError(f"view={spec.view!r} is drawn for dims 1 and 2; a 3-D volume shows "
                            "the gather view (its depth slices side by side): drop view or use "
                            "dims=2", "view")
        super().validate(spec)  # type: ignore[misc]

    def compute(self, spec: Spec, x: np.ndarray, w: np.ndarray | None,
                b: Any = None) -> np.ndarray:
        """Over three axes for a 3-D spec (one map), else the op's own."""
        if spec.dims != 3:
            return super().compute(spec, x, w, b)  # type: ignore[misc]
        return volume_compute(self, spec, x, w)

    def plan(self, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray) -> Plan:
        """The depth slices side by side for a 3-D spec, else the op's own plan."""
        if spec.dims != 3:
            return super().plan(spec, x, w, y)  # type: ignore[misc]
        return volume_plan(self, spec, x, w, y)

    def frame_count(self, spec: Spec) -> int:
        """Input, the phases shown (zeros, padding), one slide per output cell, output."""
        if spec.dims != 3:
            return super().frame_count(spec)  # type: ignore[misc]
        slides = math.prod(spec.output_shape)
        if self.transposed:  # type: ignore[attr-defined]
            eq = [a.equivalent_padding for a in arithmetic(spec)]
            return 2 + slides + int(max(spec.s) > 1) + int(any(v for p in eq for v in p))
        return 2 + slides + int(any(v for pair in spec.p for v in pair))

    def volume_sides(self, spec: Spec) -> tuple[int, int]:
        """The most rows and the most columns of any panel (the slices side by side, one
        slice spacing for every grid), by arithmetic: exactly what :func:`volume_plan` draws.
        """
        (rows, cols), out = self.volume_panels(spec)
        return max(rows, out[0]), max(cols, out[1])

    def panel_sides(self, spec: Spec) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """A volume's grid and output panels as drawn (rows, cols: the slices side by side),
        for the budget's estimate; other specs: the op's.

        >>> spec = Spec(i=3, k=2, p=1, dims=3)
        >>> spec.op.panel_sides(spec)
        ((5, 29), (4, 19))
        """
        if spec.dims != 3:
            return super().panel_sides(spec)  # type: ignore[misc]
        return self.volume_panels(spec)

    def volume_panels(self, spec: Spec) -> tuple[tuple[int, int], tuple[int, int]]:
        """(rows, columns) of the widest input-side grid and of the output, as drawn (the
        slices side by side, one slice spacing for every grid)."""
        shapes = [tuple(spec.i)]
        if self.transposed:  # type: ignore[attr-defined]
            eq = [a.equivalent_padding for a in arithmetic(spec)]
            inner = [(i - 1) * s + 1 for i, s in zip(spec.i, spec.s)]
            if max(spec.s) > 1:
                shapes.append(tuple(inner))
            if any(v for pair in eq for v in pair):
                shapes.append(tuple(n + sum(p) for n, p in zip(inner, eq)))
        elif any(v for pair in spec.p for v in pair):
            shapes.append(tuple(i + sum(p) for i, p in zip(spec.i, spec.p)))
        block = max(w for _, _, w in shapes) + 1
        o = spec.output_shape
        grid = (max(h for _, h, _ in shapes), max((d - 1) * block + w for d, _, w in shapes))
        return grid, (o[1], (o[0] - 1) * (o[2] + 1) + o[2])

    def largest_grid(self, spec: Spec) -> int:
        """The most cells along one side of any panel (the slices laid side by side)."""
        if spec.dims != 3:
            return super().largest_grid(spec)  # type: ignore[misc]
        return max(self.volume_sides(spec))

    def oversize(self, spec: Spec, limit: int) -> tuple[str, str]:
        """Name the depth: its slices side by side make the row too long."""
        if spec.dims != 3:
            return super().oversize(spec, limit)  # type: ignore[misc]
        return "input_size", ("a 3-D figure draws its depth slices side by side: use a "
                              "smaller input_size (fewer or smaller slices)")


def check_drawable(spec: Spec, style: str, output: str | None) -> None:
    """Refuse, before any work, what a 3-D figure is not drawn as, in one line with a fix.

    >>> check_drawable(Spec(i=3, k=2, dims=3), "perspective", "a.gif")
    >>> check_drawable(Spec(i=3, k=2, dims=3), "perspective", "a.html")
    Traceback (most recent call last):
    ...
    convanim.geometry.spec.SpecError: an .html player hovers a 3-D volume in the flat style; \
its stacked perspective planes are for .gif, .mp4, .webp or .png: use style=flat for the player
    """
    if spec.dims != 3:
        return
    check_stack_style(spec, style)
    if style == "perspective" and output is not None and str(output).lower().endswith(
            (".html", ".htm")):
        raise SpecError("an .html player hovers a 3-D volume in the flat style; its stacked "
                        "perspective planes are for .gif, .mp4, .webp or .png: use style=flat "
                        "for the player", "style")


def check_stack_style(spec: Spec, style: str) -> None:
    """Refuse a 3-D channel stack in the perspective style (every door: one layer, a chain's
    layers, a comparison's panels): its planes stack one volume's depth slices, and several
    channels' slices in one tower read as one deep volume.

    >>> check_stack_style(Spec(i=3, k=2, dims=3, in_channels=2), "flat")
    >>> check_stack_style(Spec(i=3, k=2, dims=3, in_channels=2), "perspective")
    Traceback (most recent call last):
    ...
    convanim.geometry.spec.SpecError: style='perspective' stacks the depth slices of one \
volume; a 3-D figure with in_channels=2 is drawn in the flat style (each channel's depth \
slices side by side): use style=flat or drop in_channels and out_channels
    """
    if spec.dims != 3 or style != "perspective":
        return
    cin, cout = getattr(spec, "in_channels", 1), getattr(spec, "out_channels", 1)
    if cin > 1 or cout > 1:
        name, count = ("in_channels", cin) if cin > 1 else ("out_channels", cout)
        raise SpecError(f"style='perspective' stacks the depth slices of one volume; a 3-D "
                        f"figure with {name}={count} is drawn in the flat style (each "
                        "channel's depth slices side by side): use style=flat or drop "
                        "in_channels and out_channels", "style")


__all__ = ["Volume", "Volume3", "check_drawable", "check_stack_style", "drawn_kernel",
           "output_volume", "shape_text", "volume_compute",
           "volume_plan", "window_words"]
