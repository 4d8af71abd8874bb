"""The backward view of a channel stack (``in_channels``, ``out_channels``, ``groups``).

The output's gradient ``dL/dy`` has one map per output channel ``o``; it flows back in the
backward view's two parts (:mod:`convanim.geometry.ops.backward`), channel by channel:

1. ``dL/dx[c]`` sums, over the output channels ``o`` that read input channel ``c`` (those of
   its group), the transposed operation of ``dL/dy[o]`` with the weight slice ``W[o, c]``
   (rotated 180° for a convolution; a transposed layer's is a plain convolution). One frame
   per cell of ``dL/dx``: the window lit on every ``dL/dy[o]`` it sums, the slices
   ``W[o, c]`` lit in the kernel panel, the caption giving each channel's part and the sum.
2. ``dL/dW[slot]`` (``slot`` in PyTorch's layout: conv ``[o, c]``, transposed ``[c, o]``) is
   input channel ``c`` correlated with ``dL/dy[o]``, one frame per weight, as the
   single-map view draws it; the bias's gradient ``dL/db[o]``, the sum of ``dL/dy[o]``, is
   stated in the last frame.

The maps stand side by side, each labelled: ``dL/dy`` (``o=0, o=1, ...``) and the input
(``c=0, ...``) in the grid panel, ``dL/dx`` (``c=...``) above ``dL/dW`` (one slice per
``[o, c]``) in the written panel, ``W`` above the second operand of part 2 in the kernel
panel. Every place comes from :class:`Sheet`, found from the spec alone, so the resource
budget (:func:`frame_count`, :func:`largest_grid`) is the plan's own arithmetic.

>>> from convanim.geometry import Spec, plan
>>> p = plan(Spec(i=3, k=2, in_channels=2, out_channels=2, view="backward"))
>>> len(p.frames) == frame_count(p.spec), p.frames[2].caption[:40]
(True, 'dL/dx[c=0] at (0,0): dL/dy[0] with W[0,0')
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from convanim.geometry.compute import Axes2, axes2
from convanim.geometry.ops.backward import (
    PART_A,
    PART_B,
    PICTURE,
    gradients,
    input_gradient_spec,
    output_gradient,
    part_b_grid,
    part_b_sides,
    weight_pairs,
)
from convanim.geometry.plan import (
    GAP,
    INPUT,
    Frame,
    Grid,
    Plan,
    Slices,
    input_grid,
    size_words,
)
from convanim.geometry.spec import Spec, per_axis_text

Cell = tuple[int, ...]


@dataclass(frozen=True)
class Sheet:
    """Where every map of a channel backward figure sits, from the spec alone.

    ``block_a``: columns from one ``dL/dy`` slice to the next in part 1's grids;
    ``block_b``/``count_b``: the same for part 2's grid (the padded input, or a transposed
    layer's ``dL/dy``); ``target``/``kernel``: the written and the kernel panel's sides;
    ``dw_row``: the first row of the ``dL/dW`` slices; ``operand_row``: the first row of
    part 2's second operand in the kernel panel.

    >>> s = Sheet.of(Spec(i=4, k=3, p=1, in_channels=2, out_channels=2, view="backward"))
    >>> s.block_a, s.block_b, s.target, s.kernel
    (7, 7, (13, 9), (13, 9))
    """

    spec: Spec
    derived: Spec
    dropped: int
    ax: Axes2
    grid_a: tuple[int, int]
    block_a: int
    grid_b: tuple[int, int]
    block_b: int
    count_b: int
    slots: tuple[int, int]
    operand: tuple[int, int]
    count_op: int
    dw_row: int
    operand_row: int
    target: tuple[int, int]
    kernel: tuple[int, int]

    @classmethod
    def of(cls, spec: Spec) -> Sheet:
        """The sheet of ``spec`` (a backward channel stack)."""
        derived, dropped = input_gradient_spec(spec)
        ax, dax = axes2(spec), axes2(derived)
        sides = derived.op.panel_sides(derived)[0]
        sides = (1, sides[0]) if spec.dims == 1 else sides
        # Part 1's grids, and all of dL/dy (the input grid keeps cells part 1 leaves out).
        grid_a = (max(sides[0], ax.o[0], dax.i[0]), max(sides[1], ax.o[1], dax.i[1]))
        grid_b = part_b_sides(spec)
        grid_b = (1, grid_b[0]) if spec.dims == 1 else grid_b
        cin, cout = spec.in_channels, spec.out_channels
        transposed = spec.op.transposed
        a_count, b_count = (cin, cout // spec.groups) if transposed else \
            (cout, cin // spec.groups)
        operand = ax.i if transposed else ax.o
        count_op = cin if transposed else cout
        (ih, iw), (kh, kw) = ax.i, ax.k
        dw_row = ih + 1
        # A blank last row in both panels holds the labels of the maps above it (the title
        # of a panel may sit right under it).
        target = (dw_row + a_count * (kh + 1),
                  max(cin * (iw + 1) - 1, b_count * (kw + 1) - 1))
        operand_row = a_count * (kh + 1)
        kernel = (operand_row + operand[0] + 1,
                  max(b_count * (kw + 1) - 1, count_op * (operand[1] + 1) - 1))
        return cls(spec, derived, dropped, ax, grid_a, grid_a[1] + 1, grid_b, grid_b[1] + 1,
                   cin if not transposed else cout, (a_count, b_count), operand, count_op,
                   dw_row, operand_row, target, kernel)

    def dx_cell(self, c: int, r: int, col: int) -> tuple[int, int]:
        """Where the written panel draws ``dL/dx[c]``'s cell ``(r, col)``."""
        return r, c * (self.ax.i[1] + 1) + col

    def slice_cell(self, slot: tuple[int, int], tap: tuple[int, int], first: int
                   ) -> tuple[int, int]:
        """Where weight ``tap`` of slice ``slot`` sits, slices from row ``first`` on."""
        kh, kw = self.ax.k
        return first + slot[0] * (kh + 1) + tap[0], slot[1] * (kw + 1) + tap[1]

    def operand_cell(self, n: int, r: int, col: int) -> tuple[int, int]:
        """Where the kernel panel draws map ``n`` of part 2's second operand."""
        return self.operand_row + r, n * (self.operand[1] + 1) + col

    def grid_sides(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """Part 1's and part 2's grids, slices side by side."""
        cout = self.spec.out_channels
        return ((self.grid_a[0], (cout - 1) * self.block_a + self.grid_a[1]),
                (self.grid_b[0], (self.count_b - 1) * self.block_b + self.grid_b[1]))


def frame_count(spec: Spec) -> int:
    """Part 1's frames with one slide per cell of every ``dL/dx[c]``, part 2's phase frame,
    one per weight of every slice, and the last frame.

    >>> frame_count(Spec(i=4, k=3, s=2, p=1, in_channels=2, out_channels=3, view="backward"))
    91
    """
    derived, _ = input_gradient_spec(spec)
    cells = int(np.prod(spec.i))
    part_a = derived.op.frame_count(derived) - 1 - cells + spec.in_channels * cells
    weights = spec.out_channels * (spec.in_channels // spec.groups) * int(np.prod(spec.k))
    return part_a + 1 + weights + 1


def largest_grid(spec: Spec) -> int:
    """The most cells along one side of any panel the figure draws.

    >>> largest_grid(Spec(i=4, k=3, p=1, in_channels=2, out_channels=2, view="backward"))
    13
    """
    sheet = Sheet.of(spec)
    a, b = sheet.grid_sides()
    return max(*a, *b, *sheet.target, *sheet.kernel)


def panel_sides(spec: Spec) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The grid panel (part 1's and part 2's grids overlaid) and the written panel.

    >>> panel_sides(Spec(i=4, k=3, p=1, in_channels=2, out_channels=2, view="backward"))
    ((6, 13), (13, 9))
    """
    a, b = Sheet.of(spec).grid_sides()
    return (max(a[0], b[0]), max(a[1], b[1])), Sheet.of(spec).target


# -- the plan -----------------------------------------------------------------------------


def _side_by_side(grids: list[Grid], block: int, shape: tuple[int, int]) -> Grid:
    """Grids placed ``block`` columns apart in a grid of ``shape``'s slices (GAP between);
    the first one's origin."""
    rows, width = shape[0], (len(grids) - 1) * block + shape[1]
    values = np.zeros((rows, width))
    kinds = np.full((rows, width), GAP, np.int8)
    source = np.full((rows, width, 2), -1, np.int64)
    reached = np.ones((rows, width), bool)
    for n, g in enumerate(grids):
        h, w = g.shape
        at = (slice(0, h), slice(n * block, n * block + w))
        values[at], kinds[at], source[at], reached[at] = g.values, g.kinds, g.source, g.reached
    return Grid(values, kinds, source, reached, grids[0].origin)


def _user(dims: int, r: int, c: int) -> Cell:
    return (int(c),) if dims == 1 else (int(r), int(c))


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.3g}"


def _slot_text(slot: tuple[int, int]) -> str:
    return f"[{slot[0]},{slot[1]}]"


def channel_backward_plan(spec: Spec, x: np.ndarray, w: np.ndarray, y: np.ndarray,
                          b: np.ndarray | None = None) -> Plan:
    """The backward plan of a channel stack: part 1 per cell of every ``dL/dx[c]``, part 2
    per weight of every slice ``W[slot]``.

    >>> from convanim.geometry import Spec, plan
    >>> p = plan(Spec(i=3, k=2, in_channels=2, out_channels=2, groups=2, view="backward"))
    >>> [f.phase for f in p.frames].count("slide"), p.words["target"]
    (26, 'dL/dx 3×3 × 2 channels | dL/dW 2×1×2×2')
    """
    sheet = Sheet.of(spec)
    ax, transposed = sheet.ax, spec.op.transposed
    cin, cout = spec.in_channels, spec.out_channels
    dy = output_gradient(spec, x, w)
    dx, dw = gradients(spec, x, w, dy)
    pairs = weight_pairs(spec)
    derived = sheet.derived
    dax = axes2(derived)
    kh, kw = ax.k
    x2, dy2 = x.reshape(cin, *ax.i), dy.reshape(cout, *ax.o)
    w2 = w.reshape(*w.shape[:2], kh, kw)
    # Part 1: the derived single-map plan on each dL/dy[o], its grids side by side.
    parts = [derived.op.plan(derived, dy2[o][: dax.i[0], : dax.i[1]].reshape(derived.i),
                             np.ones(derived.k), np.zeros(derived.output_shape))
             for o in range(cout)]
    first = parts[0]
    grids = {name: _side_by_side([p.grids[name] for p in parts], sheet.block_a, sheet.grid_a)
             for name in first.grids}
    grids["input"] = _side_by_side([input_grid(dy2[o]) for o in range(cout)], sheet.block_a,
                                   sheet.grid_a)
    b_grid = _side_by_side([part_b_grid(spec, ax, x2[n] if not transposed else x2[0],
                                        dy2[n] if transposed else dy2[0])
                            for n in range(sheet.count_b)], sheet.block_b, sheet.grid_b)
    grids["forward"] = replace(b_grid, origin=grids[first.slide_grid].origin)
    target, kernel = _panels(sheet, x2, dy2, w2, dx.reshape(cin, *ax.i), dw.reshape(w2.shape))
    frames = _part_a(sheet, first, grids, pairs, w2, dx.reshape(cin, *ax.i))
    frames += _part_b(sheet, b_grid, pairs, x2, dy2, dw.reshape(w2.shape), len(frames))
    bias = ""
    if getattr(spec, "bias", False):
        sums = [_num(float(v)) for v in dy2.reshape(cout, -1).sum(axis=1)]
        bias = ("; dL/db[o] = the sum of dL/dy[o]: " +
                ", ".join(f"dL/db[{o}] = {v}" for o, v in enumerate(sums)))
    frames.append(Frame("output", "forward", (
        f"the gradients: dL/dx {size_words(spec.i)} × {cin} channels and dL/dW "
        f"{'×'.join(map(str, w.shape))}, the numbers torch.autograd.grad gives{bias}")))
    words = _words(sheet, w.shape)
    slices = _slices(sheet, grids)
    hover = _hover(sheet, frames, grids)
    return Plan(spec, x, w, y, grids, first.slide_grid, target, (0, 0), tuple(frames),
                first.arithmetic, PICTURE, b=b, kernel=kernel, words=words, hover=hover,
                labels=_labels(sheet, pairs), slices=slices)


def _panels(sheet: Sheet, x2: np.ndarray, dy2: np.ndarray, w2: np.ndarray, dx: np.ndarray,
            dw: np.ndarray) -> tuple[Grid, np.ndarray]:
    """The written panel (``dL/dx`` maps, then the ``dL/dW`` slices) and the kernel panel
    (``W``'s slices as part 1 reads them, then part 2's second operand), NaN between."""
    spec, ax = sheet.spec, sheet.ax
    values = np.zeros(sheet.target)
    kinds = np.full(sheet.target, GAP, np.int8)
    source = np.full((*sheet.target, 2), -1, np.int64)
    for c in range(spec.in_channels):
        for r, col in np.ndindex(*ax.i):
            at = sheet.dx_cell(c, r, col)
            values[at], kinds[at], source[at] = dx[c, r, col], INPUT, (r, col)
    kernel = np.full(sheet.kernel, np.nan)
    rotate = not spec.op.transposed  # a convolution's part 1 reads W rotated 180°
    for slot in np.ndindex(*dw.shape[:2]):
        for tap in np.ndindex(*ax.k):
            at = sheet.slice_cell(slot, tap, sheet.dw_row)
            values[at], kinds[at], source[at] = dw[(*slot, *tap)], INPUT, tap
            shown = (ax.k[0] - 1 - tap[0], ax.k[1] - 1 - tap[1]) if rotate else tap
            kernel[sheet.slice_cell(slot, shown, 0)] = w2[(*slot, *tap)]
    operand = x2 if spec.op.transposed else dy2
    for n in range(sheet.count_op):
        for r, col in np.ndindex(*sheet.operand):
            kernel[sheet.operand_cell(n, r, col)] = operand[n, r, col]
    return Grid(values, kinds, source, np.ones(sheet.target, bool), (0, 0)), kernel


def _part_a(sheet: Sheet, first: Plan, grids: dict[str, Grid],
            pairs: list[tuple[int, int, tuple[int, int]]], w2: np.ndarray, dx: np.ndarray
            ) -> list[Frame]:
    """Part 1's frames: the derived plan's phases, then one slide per ``dL/dx[c]`` cell
    summing its group's output channels; links ``((c, *x), (o, *y), (*slot, *tap))``."""
    spec, ax, dims = sheet.spec, sheet.ax, sheet.spec.dims
    transposed = spec.op.transposed
    op_name = "conv" if transposed else "conv_transpose"
    frames: list[Frame] = []
    groups = spec.groups
    reads = ("every output channel o" if groups == 1 else
             "the output channels o of its group" if groups < spec.in_channels else
             "its own output channel(s)")
    weight = "W[c,o]" if transposed else "W[o,c]"  # PyTorch's two layouts
    for f in first.frames:
        if f.phase == "input":
            caption = (f"backward through {spec.in_channels} → {spec.out_channels} channels"
                       + (f" in {groups} groups" if groups > 1 else "") + ": the output's "
                       f"gradient dL/dy (example values, as if from a loss) flows back. Part "
                       f"1: dL/dx[c] = the sum over {reads} of {op_name}(dL/dy[o], {weight})")
            if sheet.dropped:
                caption += (f"; the last {sheet.dropped} row(s)/column(s) of each dL/dy are "
                            "output_padding that no input reached: their gradient goes nowhere")
            frames.append(Frame("input", "input", caption))
        elif f.phase == "insert_zeros":
            frames.append(replace(f, grid="zeros", caption=(
                f"dL/dx: insert s-1 = {per_axis_text(tuple(s - 1 for s in spec.s))} zero(s) "
                f"between the cells of every dL/dy[o] (the forward stride "
                f"{per_axis_text(spec.s)})")))
        elif f.phase == "pad":
            frames.append(replace(f, caption="dL/dx: " + f.caption.split(". ", 1)[-1]
                                  + ", every dL/dy[o]"))
    slides = [f for f in first.frames if f.phase == "slide"]
    by_c: dict[int, list[tuple[int, tuple[int, int]]]] = {}
    for o, c, slot in pairs:
        by_c.setdefault(c, []).append((o, slot))
    step = 0
    for c in range(spec.in_channels):
        for f in slides:
            step += 1
            r, col = (int(v) for v in f.cells[0])
            windows, taps, products, links, parts = [], [], [], [], []
            for o, slot in by_c[c]:
                cells = f.window + np.array([0, o * sheet.block_a])
                grid = grids[f.grid]
                seen = grid.values[cells[:, 0], cells[:, 1]]
                weights = w2[slot][f.taps[:, 0], f.taps[:, 1]]
                shown = f.taps if transposed else np.stack(
                    [ax.k[0] - 1 - f.taps[:, 0], ax.k[1] - 1 - f.taps[:, 1]], axis=1)
                windows.append(cells)
                taps.append(np.array([sheet.slice_cell(slot, (int(a), int(b_)), 0)
                                      for a, b_ in shown]).reshape(-1, 2))
                products.append(seen * weights)
                parts.append((o, slot, float((seen * weights).sum())))
                for x_cell, y_cell, tap in f.links:
                    links.append(((c, *x_cell), (o, *y_cell), (*slot, *tap)))
            total = float(dx[c, r, col])
            where = f"({r},{col})" if dims == 2 else f"({col})"
            rotated = "" if transposed else " rotated 180°"
            if len(parts) == 1:
                o, slot, _ = parts[0]
                caption = (f"dL/dx[c={c}] at {where}: dL/dy[{o}] with W{_slot_text(slot)}"
                           f"{rotated} gives {_num(total)} (o={o} is the only output "
                           f"channel reading c={c})")
            else:
                terms = " + ".join(f"{_num(v)}" if v >= 0 else f"({_num(v)})"
                                   for _, _, v in parts)
                feeds = ", ".join(f"dL/dy[{o}] with W{_slot_text(slot)}"
                                  for o, slot, _ in parts)
                caption = (f"dL/dx[c={c}] at {where}: {feeds}{rotated}: {terms} = "
                           f"{_num(total)}")
            frames.append(Frame("slide", f.grid, caption, step, np.concatenate(windows),
                                np.concatenate(taps), np.array([sheet.dx_cell(c, r, col)]),
                                np.concatenate(products), total, np.array([total]),
                                np.array([len(links)]), None, tuple(links)))
    return frames


def _part_b(sheet: Sheet, grid: Grid, pairs: list[tuple[int, int, tuple[int, int]]],
            x2: np.ndarray, dy2: np.ndarray, dw: np.ndarray, step: int) -> list[Frame]:
    """Part 2: its phase frame, then one frame per weight of every slice, the window spread
    by the stride over its channel of the grid, the second operand lit in the kernel panel;
    links ``((*slot, *tap), (c, *x), (o, *y))``."""
    spec, ax, dims = sheet.spec, sheet.ax, sheet.spec.dims
    transposed = spec.op.transposed
    frames = [Frame("input", "forward", (
        "Part 2: dL/dW[o,c] = input channel x[c] correlated with dL/dy[o]: each weight of the "
        "slice met one cell of x[c] at every position of output channel o; its gradient sums "
        "those cells times dL/dy[o] there" if not transposed else
        "Part 2: dL/dW[c,o]: each weight of the slice carried every cell of input channel "
        "x[c] to one cell of output channel o; its gradient sums dL/dy[o] there times that "
        "input (zeros where the output was cropped)"))]
    positions = np.argwhere(np.ones(ax.i if transposed else ax.o, bool))
    steps = np.array(ax.s)
    for o, c, slot in pairs:
        on, other = (o, c) if transposed else (c, o)  # grid channel, operand map
        second = x2[c] if transposed else dy2[o]
        for a, b in np.ndindex(*ax.k):
            step += 1
            window = positions * steps + np.array([a * ax.d[0], b * ax.d[1]])
            inside = ((window >= 0) & (window < np.array(sheet.grid_b))).all(axis=1)
            window, pos = window[inside], positions[inside]
            cells = window + np.array([0, on * sheet.block_b])
            seen = grid.values[cells[:, 0], cells[:, 1]]
            products = seen * second[pos[:, 0], pos[:, 1]]
            src = grid.source[cells[:, 0], cells[:, 1]]
            links = []
            for (sr, sc), (pr, pc) in zip(src, pos):
                if sr < 0:
                    continue
                grid_cell, other_cell = _user(dims, sr, sc), _user(dims, pr, pc)
                x_cell, y_cell = (other_cell, grid_cell) if transposed else \
                    (grid_cell, other_cell)
                links.append(((*slot, *_user(dims, a, b)), (c, *x_cell), (o, *y_cell)))
            taps = np.array([sheet.operand_cell(other, int(pr), int(pc)) for pr, pc in pos]
                            ).reshape(-1, 2)
            where = f"({a},{b})" if dims == 2 else f"({b})"
            name = f"dL/dW{_slot_text(slot)}{where}"
            caption = (f"{name}: dL/dy[{o}] where weight {where} landed from each cell of "
                       f"x[{c}], times that input, summed" if transposed else
                       f"{name}: x[{c}] under weight {where} at every position (stride "
                       f"{per_axis_text(spec.s)}), times dL/dy[{o}] there, summed")
            value = float(dw[(*slot, a, b)])
            frames.append(Frame("slide", "forward", caption, step, cells, taps,
                                np.array([sheet.slice_cell(slot, (a, b), sheet.dw_row)]),
                                products, value, np.array([value]), np.array([len(links)]),
                                None, tuple(links)))
    return frames


def _words(sheet: Sheet, w_shape: tuple[int, ...]) -> dict[str, str]:
    """Titles and legend labels in the gradients' names."""
    spec = sheet.spec
    shape = size_words
    cin, cout = spec.in_channels, spec.out_channels
    derived = sheet.derived
    zeros = shape(tuple((i - 1) * s + 1 for i, s in zip(derived.i, derived.s)))
    layout = "×".join(map(str, w_shape))
    words = {
        "grid:input": f"dL/dy {shape(spec.output_shape)} × {cout} channels: the output's "
                      "gradient",
        "grid:zeros": f"dL/dy, zeros inserted {zeros} × {cout}",
        "target": f"dL/dx {shape(spec.i)} × {cin} channels | dL/dW {layout}",
        "legend:pending": "gradient not yet summed",
        "legend:current": "being summed",
        "legend:done": "gradient summed",
    }
    padded = shape(tuple(n for n in (sheet.grid_a if spec.dims == 2 else sheet.grid_a[1:])))
    if spec.op.transposed:
        words.update({
            "grid:padded": f"dL/dy padded {padded} × {cout}",
            "grid:forward": f"dL/dy {shape(part_b_sides(spec))} × {cout}, cropped border "
                            "as zeros",
            "kernel": f"W {layout} | input x {shape(spec.i)} × {cin}",
            "legend:input": "dL/dy, read by the window",
            "legend:padding": "cropped in the forward pass: gradient 0",
        })
    else:
        pads = any(v for p in spec.p for v in p)
        words.update({
            "grid:padded": f"dL/dy padded {padded} × {cout}",
            "grid:forward": (f"input x padded {shape(part_b_sides(spec))} × {cin} as in the "
                             "forward pass" if pads else f"input x {shape(spec.i)} × {cin}"),
            "kernel": f"W {layout}, each slice rotated 180° | dL/dy {shape(spec.output_shape)}"
                      f" × {cout}",
            "legend:input": "read by the window: dL/dy (part 1), x (part 2)",
            "legend:padding": "padding (zeros)",
        })
    return words


def _slices(sheet: Sheet, grids: dict[str, Grid]) -> Slices:
    """Each grid's maps side by side with a label under each (``o=..`` for ``dL/dy``,
    ``c=..`` for the input); the panels' own labels are :func:`_labels`."""
    spec = sheet.spec
    cout = spec.out_channels
    shapes: dict[str, tuple[int, ...]] = {}
    block: dict[str, int] = {}
    labels: dict[str, tuple[str, ...]] = {}
    for name, grid in grids.items():
        if name == "forward":
            count, step = sheet.count_b, sheet.block_b
            letter = "o" if spec.op.transposed else "c"
        else:
            count, step, letter = cout, sheet.block_a, "o"
        cols = grid.shape[1] - (count - 1) * step
        shapes[name], block[name] = (count, grid.shape[0], cols), step
        labels[name] = tuple(f"{letter}={n}" for n in range(count))
    shapes["target"], block["target"], labels["target"] = (0, *sheet.target), 1, ()
    return Slices(shapes, block, labels)


def _labels(sheet: Sheet, pairs: list[tuple[int, int, tuple[int, int]]]
            ) -> tuple[tuple[str, int, int, int, str], ...]:
    """Words under each map of the written and the kernel panel: ``dL/dx``'s ``c=..``,
    each slice's ``dW[o,c]``/``W[o,c]`` and the second operand's channels."""
    spec, ax = sheet.spec, sheet.ax
    (ih, iw), (kh, kw) = ax.i, ax.k
    out = [("target", ih, c * (iw + 1), iw, f"dL/dx c={c}") for c in range(spec.in_channels)]
    for _, _, slot in pairs:
        r, col = sheet.slice_cell(slot, (0, 0), sheet.dw_row)
        out.append(("target", r + kh, col, kw, f"dW{_slot_text(slot)}"))
        r, col = sheet.slice_cell(slot, (0, 0), 0)
        out.append(("kernel", r + kh, col, kw, f"W{_slot_text(slot)}"))
    name = "x c=" if spec.op.transposed else "dL/dy o="
    for n in range(sheet.count_op):
        r, col = sheet.operand_cell(n, 0, 0)
        out.append(("kernel", r + sheet.operand[0], col, sheet.operand[1], f"{name}{n}"))
    return tuple(out)


def _hover(sheet: Sheet, frames: list[Frame], grids: dict[str, Grid]) -> dict[str, Any]:
    """The player's keys, five numbers each: ``(part, a, b, row, col)``, ``a, b`` the
    channel (and 0) of a map's cell or the slot of a weight; hovering ``dL/dx`` lights the
    ``dL/dy`` cells and weights feeding it, hovering ``dL/dW`` the cells it sums."""
    spec, ax = sheet.spec, sheet.ax
    transposed = spec.op.transposed

    def cell(cell: Cell) -> tuple[int, int]:
        return (0, cell[0]) if spec.dims == 1 else (cell[0], cell[1])

    def key(part: int, a: int, b: int, at: Cell) -> tuple[int, ...]:
        return (part, a, b, *cell(at))

    links: dict[tuple[int, ...], None] = {}
    part = PART_A
    for f in frames:
        if f.phase == "input" and f.grid == "forward":
            part = PART_B
        for first, second, third in f.links:
            if part == PART_A:  # ((c, *x), (o, *y), (*slot, *tap))
                links.setdefault((*key(PART_A, first[0], 0, first[1:]),
                                  *key(PART_A, second[0], 0, second[1:]),
                                  *key(PART_A, third[0], third[1], third[2:])), None)
            else:  # ((*slot, *tap), (c, *x), (o, *y)): the grid's cell, the operand's
                on, other = (third, second) if transposed else (second, third)
                links.setdefault((*key(PART_B, first[0], first[1], first[2:]),
                                  *key(PART_B, on[0], 0, on[1:]),
                                  *key(PART_B, other[0], 0, other[1:])), None)
    outputs: list[int] = []
    taps: list[int] = []
    for c in range(spec.in_channels):
        for r, col in np.ndindex(*ax.i):
            outputs += [PART_A, c, 0, r, col, *sheet.dx_cell(c, r, col)]
    rotate = not transposed
    for slot in {s for _, _, s in weight_pairs(spec)}:
        for tap in np.ndindex(*ax.k):
            outputs += [PART_B, *slot, *tap, *sheet.slice_cell(slot, tap, sheet.dw_row)]
            shown = (ax.k[0] - 1 - tap[0], ax.k[1] - 1 - tap[1]) if rotate else tap
            taps += [PART_A, *slot, *tap, *sheet.slice_cell(slot, shown, 0)]
    for n in range(sheet.count_op):
        for r, col in np.ndindex(*sheet.operand):
            taps += [PART_B, n, 0, r, col, *sheet.operand_cell(n, r, col)]
    inputs = {}
    for name, grid in grids.items():
        part_of, step = (PART_B, sheet.block_b) if name == "forward" else \
            (PART_A, sheet.block_a)
        rows, cols = np.nonzero(grid.kinds == INPUT)
        src = grid.source[rows, cols]
        inputs[name] = [int(v) for r, c, (sr, sc) in zip(rows, cols, src)
                        for v in (part_of, c // step, 0, sr, sc, r, c)]
    return {"key_dims": [5, 5, 5], "outputs": [int(v) for v in outputs],
            "taps": [int(v) for v in taps], "inputs": inputs,
            "links": [int(v) for link in sorted(links) for v in link]}
