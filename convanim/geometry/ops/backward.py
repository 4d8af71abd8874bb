"""The backward pass of conv and transposed conv (``view: backward``), as one animation.

The output's gradient ``dL/dy`` (a seeded teaching example: small signed integers, never 0)
flows back in two parts:

1. ``dL/dx``, the input's gradient: each input cell gathers the output-gradient cells it
   influenced, each times the weight that linked them. For a convolution that is the
   transposed convolution of ``dL/dy`` with the same kernel (zeros inserted at the stride,
   padded by ``d*(k-1) - p``, the kernel rotated 180°), drawn as the transposed view draws
   it; for a transposed convolution it is a plain convolution with the same kernel.
2. ``dL/dW``, the weights' gradient: weight ``t`` met, at every output position, one input
   cell; its gradient sums that cell times the position's gradient. The figure lights one
   weight's cell at a time: the input (padded as in the forward pass) seen through a window
   spread by the stride, under ``dL/dy`` (a transposed convolution: ``dL/dy`` seen through
   the input's cells).

Both gradients come from the forward links ``(output, input, tap)``
(:meth:`~convanim.geometry.ops.base.Op.axis_links`): ``dx[i] += w[t] * dy[o]`` and
``dW[t] += x[i] * dy[o]`` for each link, so they equal ``torch.autograd.grad`` exactly.
Part 1's frames link ``(input cell, output cell, tap)``, part 2's ``(tap, input cell,
output cell)``: each the forward links in another order.

>>> from convanim.geometry import Spec, plan
>>> p = plan(Spec(i=4, k=3, s=2, p=1, view="backward"))
>>> [f.phase for f in p.frames][:4], len(p.frames)
(['input', 'insert_zeros', 'pad', 'slide'], 30)
"""

from __future__ import annotations

import zlib
from dataclasses import replace
from typing import Any

import numpy as np

from convanim.geometry.compute import Axes2, axes2
from convanim.geometry.ops.channels import single, stacked
from convanim.geometry.plan import (
    GAP,
    INPUT,
    PAD,
    Frame,
    Grid,
    Picture,
    Plan,
    input_grid,
    padded_grid,
    size_words,
    zeros_grid,
)
from convanim.geometry.spec import Spec, SpecError, per_axis_text

PICTURE = Picture(window="window: the cells one gradient sums")
PART_A, PART_B = 0, 1
"""The first number of every hover key: the input's gradient, the weights' gradient."""


def check(spec: Spec) -> None:
    """Refuse what the backward view does not draw, in one line with a fix.

    >>> check(Spec(i=5, k=3, p=1, padding_mode="reflect", view="backward"))
    Traceback (most recent call last):
    ...
    convanim.geometry.spec.SpecError: view='backward' draws zero padding; \
padding_mode='reflect' sends border gradients back into the input cells it copied: use \
padding_mode='zeros'
    """
    if spec.view != "backward":
        return
    if spec.padding_mode != "zeros":
        raise SpecError(f"view='backward' draws zero padding; padding_mode="
                        f"{spec.padding_mode!r} sends border gradients back into the input "
                        "cells it copied: use padding_mode='zeros'", "padding_mode")
    if getattr(spec, "flip", False):
        raise SpecError("view='backward' draws the cross-correlation's gradients; drop flip "
                        "(a flipped kernel's gradient is the same one, flipped)", "flip")


# -- numbers ------------------------------------------------------------------------------


def output_gradient(spec: Spec, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The example output gradient ``dL/dy``: integers -3..3 but never 0, both signs, drawn
    from a seed made of ``x`` and ``w`` (so ``--seed`` and given values change it too).

    >>> dy = output_gradient(Spec(i=4, k=3), np.ones((4, 4)), np.ones((3, 3)))
    >>> dy.shape, bool((dy != 0).all()), bool((dy > 0).any() and (dy < 0).any())
    ((2, 2), True, True)
    """
    seed = zlib.crc32(np.ascontiguousarray(x, float).tobytes()
                      + np.ascontiguousarray(w, float).tobytes())
    rng = np.random.default_rng(seed)
    shape = output_gradient_shape(spec)
    dy = rng.integers(1, 4, size=shape) * rng.choice(np.array([-1, 1]), size=shape)
    if dy.size > 1 and len(set(np.sign(dy).ravel().tolist())) == 1:
        dy.flat[0] = -dy.flat[0]  # a gradient of one sign would hide the signs' role
    return dy.astype(float)


def output_gradient_shape(spec: Spec) -> tuple[int, ...]:
    """``dL/dy``'s shape: the output's, with the channel axis first for a channel stack.

    >>> output_gradient_shape(Spec(i=4, k=3, out_channels=2)), output_gradient_shape(Spec(i=4, k=3))
    ((2, 2, 2), (2, 2))
    """
    if stacked(spec):
        return (spec.out_channels, *spec.output_shape)
    return spec.output_shape


def weight_pairs(spec: Spec) -> list[tuple[int, int, tuple[int, int]]]:
    """``(o, c, slot)`` for every weight slice, in PyTorch's layout order: output channel
    ``o`` reads input channel ``c`` through ``W[slot]`` (conv ``W[o, c - first c of the
    group]``, transposed ``W[c, o - first o of the group]``); one ``(0, 0, (0, 0))`` for a
    single map.

    >>> weight_pairs(Spec(i=4, k=3, in_channels=4, out_channels=2, groups=2))
    [(0, 0, (0, 0)), (0, 1, (0, 1)), (1, 2, (1, 0)), (1, 3, (1, 1))]
    """
    cin, cout = getattr(spec, "in_channels", 1), getattr(spec, "out_channels", 1)
    groups = getattr(spec, "groups", 1)
    per_in, per_out = cin // groups, cout // groups
    found = []
    for o in range(cout):
        group = o // per_out
        for c in range(group * per_in, (group + 1) * per_in):
            slot = ((c, o - group * per_out) if spec.op.transposed
                    else (o, c - group * per_in))
            found.append((o, c, slot))
    return sorted(found, key=lambda t: t[2])


def forward_links(spec: Spec) -> np.ndarray:
    """The forward links as rows ``(output..., input..., tap...)``, ``dims`` numbers each.

    >>> forward_links(Spec(i=3, k=2, dims=1)).tolist()
    [[0, 0, 0], [0, 1, 1], [1, 1, 0], [1, 2, 1]]
    """
    axes = [spec.op.axis_links(spec, a) for a in range(spec.dims)]
    if spec.dims == 1:
        return axes[0]
    first, second = axes
    a, b = np.repeat(first, len(second), axis=0), np.tile(second, (len(first), 1))
    return np.stack([a[:, 0], b[:, 0], a[:, 1], b[:, 1], a[:, 2], b[:, 2]], axis=1)


def gradients(spec: Spec, x: np.ndarray, w: np.ndarray, dy: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """``(dL/dx, dL/dW)`` for the output gradient ``dy``, link by link.

    >>> dx, dw = gradients(Spec(i=3, k=2, dims=1), np.array([1., 2, 3]), np.array([1., 10]),
    ...                    np.array([1., -1]))
    >>> dx.tolist(), dw.tolist()
    ([1.0, 9.0, -10.0], [-1.0, -1.0])

    A channel stack (``x`` as ``(C_in, *i)``, ``w`` in PyTorch's layout, ``dy`` as
    ``(C_out, *o)``) sums each weight slice's single-map gradients: ``dL/dx[c]`` over the
    output channels reading ``c``, ``dL/dW[slot]`` from its one pair of maps.
    """
    if stacked(spec):
        one = single(spec)
        dx, dw = np.zeros((spec.in_channels, *spec.i)), np.zeros(np.shape(w))
        for o, c, slot in weight_pairs(spec):
            gx, gw = gradients(one, x[c], w[slot], dy[o])
            dx[c] += gx
            dw[slot] += gw
        return dx, dw
    links = forward_links(spec)
    n = spec.dims
    o, i, t = (tuple(links[:, k * n: (k + 1) * n].T) for k in range(3))
    x, w, dy = (np.asarray(v, float).reshape(shape)
                for v, shape in ((x, spec.i), (w, spec.k), (dy, spec.output_shape)))
    dx, dw = np.zeros(spec.i), np.zeros(spec.k)
    np.add.at(dx, i, w[t] * dy[o])
    np.add.at(dw, t, x[i] * dy[o])
    return dx, dw


# -- the derived operation of part 1 ------------------------------------------------------


def input_gradient_spec(spec: Spec) -> tuple[Spec, int]:
    """The operation whose forward pass is part 1, and how many trailing ``dL/dy`` cells
    it leaves out (per axis the most, for the caption).

    A convolution's is a transposed convolution of ``dL/dy`` back to the input's size
    (``output_padding`` takes up what the stride left over); a transposed convolution's is a
    convolution of ``dL/dy`` padded by what the forward pass cropped (its output_padding
    cells, which no input reaches, left out).

    >>> input_gradient_spec(Spec(i=5, k=3, s=2, p=1))[0].label
    'transposed conv  i=3 k=3 s=2 p=1'
    >>> derived, dropped = input_gradient_spec(Spec(i=3, k=3, s=2, mode="transposed",
    ...                                             output_padding=1))
    >>> derived.label, dropped
    ('conv  i=7 k=3 s=2 p=0', 1)
    """
    if not spec.op.transposed:
        extra = tuple(i + b + a - span - (o - 1) * s for i, (b, a), span, o, s
                      in zip(spec.i, spec.p, _spans(spec), spec.output_shape, spec.s))
        return Spec(i=spec.output_shape, k=spec.k, s=spec.s, p=spec.p, d=spec.d,
                    output_padding=extra, mode="transposed", dims=spec.dims), 0
    pads, sizes, dropped = [], [], 0
    for o, (b, a), op in zip(spec.output_shape, spec.p, spec.output_padding):
        after = a - op
        pads.append((b, max(after, 0)))
        sizes.append(o + min(after, 0))
        dropped = max(dropped, -min(after, 0))
    return Spec(i=tuple(sizes), k=spec.k, s=spec.s, p=tuple(pads), d=spec.d, mode="conv",
                dims=spec.dims), dropped


def _spans(spec: Spec) -> tuple[int, ...]:
    return tuple(d * (k - 1) + 1 for k, d in zip(spec.k, spec.d))


# -- the plan -----------------------------------------------------------------------------


def _two(a: np.ndarray, b: np.ndarray, fill: float) -> tuple[np.ndarray, int]:
    """Two 2-D blocks side by side, one column of ``fill`` between; the second's column."""
    rows = max(a.shape[0], b.shape[0])
    out = np.full((rows, a.shape[1] + 1 + b.shape[1]), fill, float)
    out[: a.shape[0], : a.shape[1]] = a
    out[: b.shape[0], a.shape[1] + 1:] = b
    return out, a.shape[1] + 1


def _target(dx2: np.ndarray, dw2: np.ndarray) -> tuple[Grid, int]:
    """The written panel: ``dL/dx`` and ``dL/dW`` side by side (GAP between and below)."""
    values, at = _two(dx2, dw2, 0.0)
    kinds = np.full(values.shape, GAP, np.int8)
    kinds[: dx2.shape[0], : dx2.shape[1]] = INPUT
    kinds[: dw2.shape[0], at:] = INPUT
    source = np.full((*values.shape, 2), -1, np.int64)
    for (r0, c0), block in (((0, 0), dx2), ((0, at), dw2)):
        r, c = np.indices(block.shape)
        source[r0 + r, c0 + c] = np.stack([r, c], axis=-1)
    return Grid(values, kinds, source, np.ones(values.shape, bool), (0, 0)), at


def _user(dims: int, cell: Any) -> tuple[int, ...]:
    return (int(cell[1]),) if dims == 1 else (int(cell[0]), int(cell[1]))


def _part_a(spec: Spec, dy: np.ndarray, w: np.ndarray, dx: np.ndarray
            ) -> tuple[Spec, Plan, int]:
    """Part 1's own plan: the derived op's (on ``dL/dy`` cropped as it reads it)."""
    derived, dropped = input_gradient_spec(spec)
    ax = axes2(spec)
    shown = dy.reshape(ax.o)[: axes2(derived).i[0], : axes2(derived).i[1]]
    return derived, derived.op.plan(derived, shown.reshape(derived.i), w, dx), dropped


def _rotated_taps(taps: np.ndarray, k: tuple[int, int]) -> np.ndarray:
    return np.stack([k[0] - 1 - taps[:, 0], k[1] - 1 - taps[:, 1]], axis=1)


def backward_plan(spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray,
                  b: np.ndarray | None = None) -> Plan:
    """The backward view's plan: part 1 (``dL/dx``), part 2 (``dL/dW``), the gradients; a
    channel stack's is :func:`~convanim.geometry.ops.backward_channels.channel_backward_plan`.

    >>> p = plan_of(Spec(i=3, k=2, dims=1, view="backward"))
    >>> [f.phase for f in p.frames]
    ['input', 'pad', 'slide', 'slide', 'slide', 'input', 'slide', 'slide', 'output']
    """
    if stacked(spec):
        from convanim.geometry.ops.backward_channels import channel_backward_plan

        return channel_backward_plan(spec, x, w, y, b)
    ax = axes2(spec)
    transposed = spec.op.transposed
    dy = output_gradient(spec, x, w)
    dx, dw = gradients(spec, x, w, dy)
    x2, w2, dy2 = x.reshape(ax.i), w.reshape(ax.k), dy.reshape(ax.o)
    derived, part, dropped = _part_a(spec, dy, w, dx)
    target, dw_at = _target(dx.reshape(ax.i), dw.reshape(ax.k))
    shown_w = w2 if transposed else w2[::-1, ::-1]  # as part 1's window reads it
    second = x2 if transposed else dy2
    kernel, second_at = _two(shown_w, second, np.nan)
    grids: dict[str, Grid] = dict(part.grids)
    frames: list[Frame] = []
    grids["input"] = input_grid(dy2)  # all of dL/dy, also cells part 1 leaves out
    words = _words(spec, derived, transposed)
    op_name = "conv" if transposed else "conv_transpose"
    noun = ("convolution" if transposed else "transposed convolution")
    for f in part.frames:
        if f.phase == "input":
            caption = (f"backward: the output's gradient dL/dy (example values, as if from "
                       f"a loss) flows back. Part 1: dL/dx = {op_name}(dL/dy, W), the "
                       f"{noun} of dL/dy with the same kernel W")
            if dropped:
                caption += (f"; its last {dropped} row(s)/column(s) are output_padding "
                            "that no input reached: their gradient goes nowhere")
            frames.append(Frame("input", "input", caption))
        elif f.phase == "insert_zeros":
            frames.append(replace(f, grid="zeros", caption=(
                f"dL/dx: insert s-1 = {per_axis_text(tuple(s - 1 for s in spec.s))} zero(s) "
                f"between dL/dy cells (the forward stride {per_axis_text(spec.s)})")))
        elif f.phase == "pad":
            frames.append(replace(f, caption="dL/dx: " + f.caption.split(
                ". ", 1)[-1] + ("" if transposed else
                                " (the forward window's reach, less its padding)")))
        elif f.phase == "slide":
            frames.append(_part_a_frame(spec, f, transposed, ax))
    slides_a = sum(f.phase == "slide" for f in frames)
    b_grid = part_b_grid(spec, ax, x2, dy2)
    frames.append(Frame("input", "forward", (
        "Part 2: dL/dW = the input x correlated with dL/dy: each weight met one input cell "
        "at every position; its gradient sums those cells times their outputs' gradients")
        if not transposed else (
        "Part 2: dL/dW: each weight carried every input cell x to one cell of the output; "
        "its gradient sums dL/dy there times that input (zeros where the output was "
        "cropped)")))
    frames += _part_b_frames(spec, ax, b_grid, x2, dy2, dw, dw_at, second_at, transposed,
                             slides_a)
    bias = ""
    if getattr(spec, "bias", False):
        bias = f"; dL/db = sum of dL/dy = {_num(float(dy.sum()))}"
    frames.append(Frame("output", "forward", (
        f"the gradients: dL/dx {size_words(spec.i)} (left) and dL/dW {size_words(spec.k)} "
        f"(right), the numbers torch.autograd.grad gives{bias}")))
    grids["forward"] = replace(b_grid, origin=grids[part.slide_grid].origin)  # top left
    hover = _hover(spec, frames, grids, dw_at, second_at, transposed)
    return Plan(spec, x, w, y, grids, part.slide_grid, target,
                (0, 0), tuple(frames), part.arithmetic, PICTURE, kernel=kernel, words=words,
                hover=hover)


def plan_of(spec: Spec) -> Plan:
    """The backward plan of ``spec`` with seeded values (as :func:`convanim.plan` makes it).

    >>> plan_of(Spec(i=3, k=2, view="backward")).words["target"]
    'dL/dx 3×3 | dL/dW 2×2'
    """
    from convanim.geometry.plan import plan as make

    return make(spec)


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.3g}"


def _part_a_frame(spec: Spec, f: Frame, transposed: bool, ax: Axes2) -> Frame:
    """A slide of part 1 with the kernel panel's taps (the rotated W for a convolution) and
    links ``(input cell, output cell, tap)`` keyed in the user's coordinates."""
    taps = f.taps if transposed else _rotated_taps(f.taps, ax.k)
    caption = ("dL/dx: each input cell sums the output-gradient cells its kernel reached "
               f"(stride {per_axis_text(spec.s)}), times those weights" if transposed else
               "dL/dx: each input cell gathers the output-gradient cells it influenced, "
               "times the weights that linked them (W rotated 180°, stride 1)")
    return replace(f, caption=caption, taps=taps)


def part_b_grid(spec: Spec, ax: Axes2, x2: np.ndarray, dy2: np.ndarray) -> Grid:
    """What part 2's window moves over: the padded input (a convolution) or ``dL/dy`` with
    the cells the forward pass cropped put back as zeros (a transposed convolution).

    >>> spec = Spec(i=3, k=2, p=1)
    >>> part_b_grid(spec, axes2(spec), np.ones((3, 3)), np.ones((4, 4))).shape
    (5, 5)
    """
    if not spec.op.transposed:
        return padded_grid(spec, ax, x2) if any(v for p in ax.p for v in p) \
            else input_grid(x2)
    pads = [(b, (i - 1) * s + span - b - o) for (b, _), i, s, span, o
            in zip(ax.p, ax.i, ax.s, ax.span, ax.o)]
    one = Axes2(ax.o, ax.k, (1, 1), ax.d, ax.p, (0, 0), ax.o)
    grid = zeros_grid(one, dy2, pads)
    return replace(grid, kinds=np.where(grid.kinds == INPUT, INPUT, PAD).astype(np.int8))


def _part_b_frames(spec: Spec, ax: Axes2, grid: Grid, x2: np.ndarray, dy2: np.ndarray,
                   dw: np.ndarray, dw_at: int, second_at: int, transposed: bool,
                   step: int) -> list[Frame]:
    """One frame per weight: the window spread by the stride, the second operand lit in the
    kernel panel, the weight's gradient written; links ``(tap, input cell, output cell)``."""
    dims = spec.dims
    dw2 = dw.reshape(ax.k)
    # Positions the weight meets: every output cell (conv), every input cell (transposed).
    positions = np.argwhere(np.ones(ax.i if transposed else ax.o, bool))
    second = x2 if transposed else dy2
    frames = []
    for a, b in np.ndindex(*ax.k):
        step += 1
        window = positions * np.array(ax.s) + np.array([a * ax.d[0], b * ax.d[1]])
        inside = ((window >= 0) & (window < np.array(grid.shape))).all(axis=1)
        window, pos = window[inside], positions[inside]
        seen = grid.values[window[:, 0], window[:, 1]]
        operand = second[pos[:, 0], pos[:, 1]]
        products = seen * operand
        src = grid.source[window[:, 0], window[:, 1]]
        links = []
        for (sr, sc), (pr, pc) in zip(src, pos):
            if sr < 0:
                continue
            tap = _user(dims, (a, b))
            grid_cell, other = _user(dims, (sr, sc)), _user(dims, (pr, pc))
            x_cell, y_cell = (other, grid_cell) if transposed else (grid_cell, other)
            links.append((tap, x_cell, y_cell))
        where = f"({a},{b})" if dims == 2 else f"({b})"
        caption = (f"dL/dW{where}: dL/dy where weight {where} landed from each input cell, "
                   "times that input, summed" if transposed else
                   f"dL/dW{where}: the input under weight {where} at every position (stride "
                   f"{per_axis_text(spec.s)}), times dL/dy there, summed")
        value = float(dw2[a, b])
        frames.append(Frame("slide", "forward", caption, step, window,
                            pos + np.array([0, second_at]), np.array([[a, dw_at + b]]),
                            products, value, np.array([value]), np.array([len(links)]),
                            None, tuple(links)))
    return frames


def _words(spec: Spec, derived: Spec, transposed: bool) -> dict[str, str]:
    """Titles and legend labels in the gradients' names."""
    shape = size_words
    zeros = shape(tuple((i - 1) * s + 1 for i, s in zip(derived.i, derived.s)))
    words = {
        "grid:input": f"dL/dy {shape(spec.output_shape)}: the output's gradient",
        "grid:zeros": f"dL/dy, zeros inserted {zeros}",
        "target": f"dL/dx {shape(spec.i)} | dL/dW {shape(spec.k)}",
        "legend:pending": "gradient not yet summed",
        "legend:current": "being summed",
        "legend:done": "gradient summed",
    }
    if transposed:
        padded = tuple(i + b + a_ for i, (b, a_) in zip(derived.i, derived.p))
        words.update({
            "grid:padded": f"dL/dy padded {shape(padded)}",
            "grid:forward": f"dL/dy {shape(part_b_sides(spec))}, cropped border as zeros",
            "kernel": f"W {shape(spec.k)} | input x {shape(spec.i)}",
            "legend:input": "dL/dy, read by the window",
            "legend:padding": "cropped in the forward pass: gradient 0",
        })
    else:
        padded = tuple(o + sp - 1 for o, sp in zip(spec.i, _spans(spec)))
        words.update({
            "grid:padded": f"dL/dy padded {shape(padded)}",
            "grid:forward": (f"input x padded {shape(part_b_sides(spec))} as in the forward "
                             "pass" if any(v for p in spec.p for v in p)
                             else f"input x {shape(spec.i)}"),
            "kernel": f"W {shape(spec.k)} rotated 180° | dL/dy {shape(spec.output_shape)}",
            "legend:input": "read by the window: dL/dy (part 1), x (part 2)",
            "legend:padding": "padding (zeros)",
        })
    return words


def _hover(spec: Spec, frames: list[Frame], grids: dict[str, Grid], dw_at: int,
           second_at: int, transposed: bool) -> dict[str, Any]:
    """The player's keys: ``(part, row, col)`` for output cells, grid cells and kernel
    cells, so hovering ``dL/dx`` lights ``dL/dy`` and ``W``, hovering ``dL/dW`` lights the
    grid's cells and the other operand (a cell of part 1 never lights one of part 2)."""
    dims = spec.dims

    def key(part: int, cell: tuple[int, ...]) -> tuple[int, int, int]:
        return (part, 0, cell[0]) if dims == 1 else (part, cell[0], cell[1])

    links: dict[tuple[int, ...], None] = {}
    part = PART_A
    for f in frames:
        if f.phase == "input" and f.grid == "forward":
            part = PART_B
        for a, b, c in f.links:
            if part == PART_A:  # (input cell, output cell, tap): dx lights dy and W
                links.setdefault((*key(PART_A, a), *key(PART_A, b), *key(PART_A, c)), None)
            else:  # (tap, input, output): dW lights the grid's cell and the other operand
                grid_cell, other = (c, b) if transposed else (b, c)
                links.setdefault((*key(PART_B, a), *key(PART_B, grid_cell),
                                  *key(PART_B, other)), None)
    ax = axes2(spec)
    outputs = [v for r, c in np.ndindex(*ax.i) for v in (PART_A, r, c, r, c)]
    outputs += [v for r, c in np.ndindex(*ax.k) for v in (PART_B, r, c, r, dw_at + c)]
    kh, kw = ax.k
    taps = [v for r, c in np.ndindex(*ax.k)
            for v in (PART_A, r, c, *((r, c) if transposed else (kh - 1 - r, kw - 1 - c)))]
    other = ax.i if transposed else ax.o
    taps += [v for r, c in np.ndindex(*other) for v in (PART_B, r, c, r, second_at + c)]
    inputs = {}
    for name, grid in grids.items():
        part_of = PART_B if name == "forward" else PART_A
        rows, cols = np.nonzero(grid.kinds == INPUT)
        src = grid.source[rows, cols]
        inputs[name] = [int(v) for r, c, (sr, sc) in zip(rows, cols, src)
                        for v in (part_of, sr, sc, r, c)]
    return {"key_dims": [3, 3, 3], "outputs": [int(v) for v in outputs],
            "taps": [int(v) for v in taps], "inputs": inputs,
            "links": [v for link in sorted(links) for v in link]}


def frame_count(spec: Spec) -> int:
    """Part 1's frames (its derived op's, without its output frame), part 2's phase frame,
    one per weight, and the last frame.

    >>> frame_count(Spec(i=4, k=3, s=2, p=1, view="backward"))
    30
    """
    if stacked(spec):
        from convanim.geometry.ops import backward_channels

        return backward_channels.frame_count(spec)
    derived, _ = input_gradient_spec(spec)
    return derived.op.frame_count(derived) - 1 + 1 + int(np.prod(spec.k)) + 1


def largest_grid(spec: Spec) -> int:
    """Part 1's grids, part 2's, and the two panels of two blocks side by side.

    >>> largest_grid(Spec(i=4, k=3, s=2, p=1, view="backward"))
    8
    """
    if stacked(spec):
        from convanim.geometry.ops import backward_channels

        return backward_channels.largest_grid(spec)
    derived, _ = input_gradient_spec(spec)
    sides = [derived.op.largest_grid(derived)]
    sides += [a + 1 + b for a, b in zip(spec.i, spec.k)]
    sides += [max(spec.i[n], spec.output_shape[n]) + 1 + spec.k[n] for n in range(spec.dims)]
    sides += list(part_b_sides(spec))
    return max(sides)


def part_b_sides(spec: Spec) -> tuple[int, ...]:
    """The sides of the grid part 2's window moves over (:func:`part_b_grid`).

    >>> part_b_sides(Spec(i=4, k=3, s=2, p=1)), part_b_sides(Spec(i=3, k=3, s=2, mode="transposed"))
    ((6, 6), (7, 7))
    """
    if spec.op.transposed:
        return tuple((i - 1) * s + sp for i, s, sp in zip(spec.i, spec.s, _spans(spec)))
    return tuple(i + b + a for i, (b, a) in zip(spec.i, spec.p))


def panel_sides(spec: Spec) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The grid panel (part 1's and part 2's grids overlaid) and the written panel.

    >>> panel_sides(Spec(i=4, k=3, s=2, p=1, view="backward"))
    ((6, 6), (4, 8))
    """
    if stacked(spec):
        from convanim.geometry.ops import backward_channels

        return backward_channels.panel_sides(spec)
    derived, _ = input_gradient_spec(spec)
    grid_a, _ = derived.op.panel_sides(derived)
    grid = tuple(max(a, b) for a, b in zip(grid_a, part_b_sides(spec)))
    target = tuple(max(i, k) for i, k in zip(spec.i, spec.k))
    return grid, (*target[:-1], spec.i[-1] + 1 + spec.k[-1])


def alt_sentence(spec: Spec) -> str:
    """One sentence for the backward figure (its ``alt`` text).

    >>> alt_sentence(Spec(i=4, k=3, s=2, p=1, view="backward"))[:60]
    'The backward pass of a convolution of a 4x4 input with a 3x3'
    """
    def size(shape: tuple[int, ...]) -> str:
        return "x".join(map(str, shape)) if spec.dims == 2 else f"length-{shape[0]}"

    noun = spec.op.noun[0].lower() + spec.op.noun[1:]
    pad = (per_axis_text(tuple(b for b, _ in spec.p)) if all(b == a for b, a in spec.p)
           else str(tuple(tuple(pair) for pair in spec.p)))
    back = "a convolution" if spec.op.transposed else "a transposed convolution"
    if stacked(spec):
        groups = f" in {spec.groups} groups" if spec.groups > 1 else ""
        noun += (f" from {spec.in_channels} to {spec.out_channels} channel"
                 f"{'s' if spec.out_channels > 1 else ''}{groups}")
    dx, dw = size(spec.i), size(spec.k)
    if stacked(spec):
        dx = f"{spec.in_channels} maps of {dx}"
        dw = "x".join(map(str, spec.op.weight_shape(spec)))
    return (f"The backward pass of a {noun} of a {size(spec.i)} input with a {size(spec.k)} "
            f"kernel, stride {per_axis_text(spec.s)}, padding {pad}, giving a "
            f"{size(spec.output_shape)} output: an example output gradient flows back as "
            f"{back} with the same kernel to the input's gradient ({dx}), then "
            "as the input correlated with the output's gradient to the kernel's gradient "
            f"({dw}).")


def _channels_to_blame(spec: Spec, limit: int) -> tuple[str, str]:
    """The channel count to lower when one map fits and the figure does not, and to what:
    the larger count alone if that is enough, else both.

    >>> _channels_to_blame(Spec(i=5, k=3, in_channels=16, out_channels=16,
    ...                         view="backward"), 96)
    ('out_channels', 'the backward view draws every channel side by side: use at most 12')
    """
    def fits(**counts: int) -> bool:
        return largest_grid(spec.replace(groups=1, **counts)) <= limit

    words = "the backward view draws every channel side by side: use at most"
    names = sorted(("in_channels", "out_channels"), key=lambda n: -getattr(spec, n))
    for name in names:
        most = next((n for n in range(getattr(spec, name) - 1, 0, -1) if fits(**{name: n})),
                    0)
        if most:
            return name, f"{words} {most}"
    both = next((n for n in range(max(spec.in_channels, spec.out_channels) - 1, 0, -1)
                 if fits(in_channels=n, out_channels=n)), 1)
    return names[0], f"{words} {both} in_channels and out_channels"


class Backward:
    """Mixin put first in an op's bases (conv, transposed): ``view: backward`` asks this
    module, every other view the op.

    >>> from convanim.geometry.ops import get_op
    >>> isinstance(get_op("conv"), Backward), "backward" in get_op("transposed").views
    (True, True)
    """

    def validate(self, spec: Spec) -> None:
        """The op's rules, then the backward view's."""
        super().validate(spec)  # type: ignore[misc]
        check(spec)

    def plan(self, spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray,
             b: np.ndarray | None = None) -> Plan:
        """The backward plan, or the op's own."""
        if spec.view == "backward":
            return backward_plan(spec, x, w, y, b)
        return super().plan(spec, x, w, y, b)  # type: ignore[misc]

    def frame_count(self, spec: Spec) -> int:
        """The backward plan's frames, or the op's."""
        if spec.view == "backward":
            return frame_count(spec)
        return super().frame_count(spec)  # type: ignore[misc]

    def largest_grid(self, spec: Spec) -> int:
        """The backward plan's largest grid, or the op's."""
        if spec.view == "backward":
            return largest_grid(spec)
        return super().largest_grid(spec)  # type: ignore[misc]

    def oversize(self, spec: Spec, limit: int) -> tuple[str, str]:
        """A backward figure too big to read: its size is to blame, or with a channel stack
        whose one map fits, the channel count.

        >>> spec = Spec(i=96, k=3, view="backward")
        >>> spec.op.oversize(spec, 96)[0]
        'input_size'
        >>> spec = Spec(i=5, k=3, in_channels=30, view="backward")
        >>> spec.op.oversize(spec, 96)
        ('in_channels', 'the backward view draws every channel side by side: use at most 16')
        """
        if spec.view == "backward":
            if stacked(spec) and largest_grid(single(spec)) <= limit:
                return _channels_to_blame(spec, limit)
            return "input_size", ("the backward view draws dL/dx and dL/dW side by side: use a "
                                  "smaller input_size")
        return super().oversize(spec, limit)  # type: ignore[misc]

    def panel_sides(self, spec: Spec) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The backward plan's panels, or the op's."""
        if spec.view == "backward":
            return panel_sides(spec)
        return super().panel_sides(spec)  # type: ignore[misc]

    def alt_text(self, spec: Spec) -> str | None:
        """The backward figure in one sentence; None (the sliding sentence) for the rest."""
        if spec.view != "backward":
            return super().alt_text(spec)  # type: ignore[misc]
        return alt_sentence(spec)

    def extra_dict(self, spec: Spec) -> dict[str, Any]:
        """The op's keys, with ``view: backward`` (a conv's keys leave the view out)."""
        out: dict[str, Any] = super().extra_dict(spec)  # type: ignore[misc]
        return {"view": "backward", **out} if spec.view == "backward" else out
