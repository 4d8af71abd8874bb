"""What every cell, title and caption shows at each frame, read from the plan alone.

The scene never computes geometry: window cells, taps, written cells, sums and counts all come
from the plan's frames; the scene only remembers what earlier frames wrote (finished outputs,
running scatter sums) and which cells changed, so painters redraw only those.

>>> from convanim.geometry import Spec, plan
>>> scene = Scene(plan(Spec(i=4, k=3)), values=True)
>>> [scene.advance(i).texts["grid_title"] for i in range(1)]
['Input 4\u00d74']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from convanim.draw.formula import ELLIPSIS, INFINITY, TIMES, Formula, fmt, shape_text
from convanim.draw.labels import KIND_LOOKS, Labels
from convanim.draw.legible import cell_fmt, uniform_fmt
from convanim.draw.slices import grid_texts
from convanim.geometry import CROP, INPUT, Frame, Grid, Plan
from convanim.geometry.plan import GAP

__all__ = ["ELLIPSIS", "INFINITY", "TIMES", "Formula", "Panel", "Scene", "fmt", "shape_text"]

@dataclass
class Panel:
    """Per-cell state of one panel: look code, centre text, small bottom-right and top-left.

    >>> Panel((2, 3)).look.shape
    (2, 3)
    """

    shape: tuple[int, int]
    look: np.ndarray = field(init=False)
    main: np.ndarray = field(init=False)
    sub: np.ndarray = field(init=False)
    corner: np.ndarray = field(init=False)
    dirty: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.look = np.zeros(self.shape, np.int16)
        self.main, self.sub, self.corner = (np.full(self.shape, "", object) for _ in range(3))
        self.dirty = np.ones(self.shape, bool)

    def set(self, rows: np.ndarray, cols: np.ndarray, look: object, main: object = "",
            sub: object = "", corner: object = "") -> None:
        """Assign cells (arrays broadcast) and mark the ones that changed.

        >>> panel = Panel((2, 2))
        >>> panel.dirty[:] = False
        >>> panel.set(np.array([0]), np.array([1]), 3, "7")
        >>> panel.dirty.tolist(), panel.main[0, 1]
        ([[False, True], [False, False]], '7')
        """
        old = (self.look[rows, cols], self.main[rows, cols], self.sub[rows, cols],
               self.corner[rows, cols])
        changed = ((old[0] != look) | (old[1] != main) | (old[2] != sub) | (old[3] != corner))
        self.dirty[rows, cols] |= changed
        self.look[rows, cols], self.main[rows, cols] = look, main
        self.sub[rows, cols], self.corner[rows, cols] = sub, corner


def group_tint(group: np.ndarray | int) -> np.ndarray:
    """The tint a group's cells are drawn in: 0 for group 0, then 1, 2, 3, 1, 2, 3, ...

    Themes have three group hues; past four groups they repeat, so neighbours still differ.

    >>> group_tint(np.arange(6)).tolist()
    [0, 1, 2, 3, 1, 2]
    """
    return np.where(np.asarray(group) > 0, (np.asarray(group) - 1) % 3 + 1, 0)


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values of a 1-D array: ``np.unique`` without its import of
    ``numpy.ma`` (milliseconds of start-up for a render that needs nothing else of it).

    >>> distinct(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    ordered = np.sort(np.ravel(values))
    keep = np.ones(len(ordered), bool)
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def unique_cells(cells: np.ndarray) -> np.ndarray:
    """The distinct (row, col) rows of non-negative ``cells``, sorted by row then column
    (``np.unique(cells, axis=0)``, from one 1-D pass over row * width + col).

    >>> unique_cells(np.array([[1, 2], [0, 5], [1, 2]])).tolist()
    [[0, 5], [1, 2]]
    """
    if not len(cells):
        return cells.reshape(0, 2)
    width = int(cells[:, 1].max()) + 1
    flat = distinct(cells[:, 0].astype(np.int64) * width + cells[:, 1])
    return np.stack([flat // width, flat % width], axis=1).astype(cells.dtype)


class Scene(Labels):
    """Cell states frame by frame; ``advance(i)`` must be called with 0, 1, 2, ... in order.

    Panels: ``grid`` (the map the kernel slides over, sized for the largest grid shown),
    ``target`` (the output or the scatter canvas) and ``kernel`` (weights, when values are
    shown for a convolution). ``looks`` maps look codes to theme look names (0 is blank).

    >>> from convanim.geometry import Spec, plan
    >>> sorted(Scene(plan(Spec(i=4, k=3))).panels)
    ['grid', 'kernel', 'target']
    """

    def __init__(self, plan: Plan, values: bool = True) -> None:
        self.plan, self.values = plan, values
        self.scatter = plan.picture.scatter
        self.weighted = plan.picture.weighted
        self.looks: list[str] = ["blank"]
        self.offsets = self._place()
        rows = max(o[0] + plan.grids[n].shape[0] for n, o in self.offsets.items())
        cols = max(o[1] + plan.grids[n].shape[1] for n, o in self.offsets.items())
        self.panels = {"grid": Panel((rows, cols)), "target": Panel(plan.target.shape)}
        self.w2 = (plan.kernel if plan.kernel is not None
                   else plan.w.reshape(plan.w.shape if plan.w.ndim == 2 else (1, -1)))
        if values and self.weighted:
            self.panels["kernel"] = Panel(self.w2.shape)
        self.kernel_shown, self.kernel_note = _kernel_as_read(plan, self.w2)
        # One number format in the output: "2.00" beside "1.67", not "2". An output that
        # only copies input values (max pooling, unpooling, nearest) shows them as the input
        # does ("3" beside "3", not "3.00").
        written = np.concatenate([np.ravel(plan.target.values)] + [
            np.ravel(f.sums) for f in plan.frames if f.phase == "slide"])
        self.target_fmt = (cell_fmt if _copies(written, plan) else uniform_fmt(written))
        self.slides = sum(f.phase == "slide" for f in plan.frames)
        self.texts: dict[str, object] = dict.fromkeys(
            ("grid_title", "target_title", "kernel_title", "caption", "formula"), "")
        self.texts.update(self.slice_labels())  # a channel stack's c=0.. and W0.. labels
        self.dirty_texts: set[str] = set(self.texts)
        self.outlines: list[tuple[str, np.ndarray]] = []
        self.link: tuple[tuple[str, np.ndarray], tuple[str, np.ndarray]] | None = None
        # A stack's window cells, one array per input slice it reads, in stack order.
        self.link_sources: list[np.ndarray] = []
        self.index = -1
        self._sums = np.zeros(plan.target.shape)
        self._counts = np.zeros(plan.target.shape, np.int64)
        self._touched: list[tuple[str, np.ndarray]] = []
        self._grid_name = ""
        self._lit_kernel: np.ndarray | None = None
        self._bases: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        self.overlaps = self._final_counts() if self.scatter else []
        stack = plan.stack
        # A grouped convolution colours each group's input channels and filters alike.
        self.groups = stack[2] if stack is not None and self.weighted else 1
        for tint in (sorted(set(group_tint(np.arange(self.groups)).tolist()))
                     if self.groups > 1 else ()):
            self.code(f"input@g{tint}")  # registered up front: the GIF palette lists them
            if "kernel" in self.panels:
                self.code(f"kernel@g{tint}")

    def code(self, name: str) -> int:
        """The look code for a theme look name, registering it on first use.

        >>> from convanim.geometry import Spec, plan
        >>> scene = Scene(plan(Spec(i=4, k=3, p=1)))
        >>> scene.looks[scene.code("window")]
        'window'
        """
        if name not in self.looks:
            self.looks.append(name)
        return self.looks.index(name)

    def _place(self) -> dict[str, tuple[int, int]]:
        """Where each grid's cell (0, 0) sits in the grid panel, so cells line up across phases.

        Grids with the same cell spacing align by ``origin`` (where the input's (0, 0) sits);
        the plain input of a strided transposed conv is centred over the zero-inserted grid.
        """
        grids, slide = self.plan.grids, self.plan.grids[self.plan.slide_grid]
        offsets = {}
        for name, grid in grids.items():
            offsets[name] = (slide.origin[0] - grid.origin[0], slide.origin[1] - grid.origin[1])
        if "zeros" in grids and "input" in grids and self.plan.slices is None:
            # (A volume's input stays on whole slices: aligned by origin, as padding is.)
            zr, zc = offsets["zeros"]
            (ir, ic), (gr, gc) = grids["input"].shape, grids["zeros"].shape
            offsets["input"] = (zr + (gr - ir) // 2, zc + (gc - ic) // 2)
        low_r = min(o[0] for o in offsets.values())
        low_c = min(o[1] for o in offsets.values())
        return {n: (o[0] - low_r, o[1] - low_c) for n, o in offsets.items()}

    def advance(self, index: int) -> Scene:
        """Apply frame ``index`` (after the previous one) and return the scene.

        >>> from convanim.geometry import Spec, plan
        >>> scene = Scene(plan(Spec(i=4, k=3, p=1)))
        >>> scene.advance(0).advance(1).texts["caption"]
        'pad each side with p = 1'
        """
        if index != self.index + 1:
            raise ValueError(f"frames must be advanced in order: expected {self.index + 1}")
        self.index = index
        frame = self.plan.frames[index]
        for panel in self.panels.values():
            panel.dirty[:] = False
        self.dirty_texts = set(self.texts) if index == 0 else set()
        if index == 0:
            self._static()
        self._restore_touched()
        if frame.grid != self._grid_name:
            self._show_grid(frame.grid)
        self.outlines, self.link = [], None
        self.link_sources = []
        if frame.phase == "slide":
            self._slide(frame)
        else:
            self._phase(frame)
        self._text("caption", self.caption_of(frame))
        return self

    def caption_of(self, frame: Frame) -> str:
        """The caption drawn for ``frame``: a slide's also counts the steps.

        >>> from convanim.geometry import Spec, plan
        >>> the_plan = plan(Spec(i=3, k=2))
        >>> Scene(the_plan).caption_of(the_plan.frames[2]).endswith("stride 1  (2/4)")
        True
        """
        # One multiplication sign in a figure: the arithmetic's ``*`` is drawn as a times.
        caption = frame.caption.replace("*", TIMES)
        if frame.phase == "slide" and frame.step:  # step 0: the caption counts itself
            return caption + f"  ({frame.step}/{self.slides})"
        return caption

    def _text(self, slot: str, value: object) -> None:
        if self.texts[slot] != value:
            self.texts[slot] = value
            self.dirty_texts.add(slot)

    def _static(self) -> None:
        target = self.plan.target
        rows, cols = np.indices(target.shape)
        looks = np.where(target.kinds == CROP, self.code("crop"), self.code("pending"))
        looks[target.kinds == GAP] = 0
        self.panels["target"].set(rows, cols, looks)
        if "kernel" in self.panels:
            kr, kc = np.indices(self.w2.shape)
            # The kernel as the window reads it (rotated for a transposed gather), so the tap
            # tags on the window match the drawn kernel cell for cell; NaN marks the gaps
            # between a channel stack's kernel slices, drawn blank.
            # A rotated kernel first shows as given; the first slide turns it (_turn_kernel).
            shown = self.w2 if self.kernel_note else self.kernel_shown
            gap = np.isnan(shown)
            main = np.array(["" if np.isnan(v) else cell_fmt(v) for v in shown.ravel()],
                            object).reshape(shown.shape)
            self._kernel_codes = np.where(gap, 0, self.code("kernel"))
            if self.groups > 1:
                stack = self.plan.stack
                assert stack is not None and self.plan.filters is not None
                # Each filter in its group's tint (the owner map says whose a cell is).
                tints = group_tint(np.maximum(self.plan.filters, 0) * self.groups // stack[1])
                for tint in distinct(tints):
                    self._kernel_codes[~gap & (tints == tint)] = self.code(f"kernel@g{tint}")
            for cell in self.plan.bias_cells:  # each filter's bias, a cell of its own
                self._kernel_codes[cell] = self.code("bias")
            self.panels["kernel"].set(kr, kc, self._kernel_codes, main)
            self._text("kernel_title", self.kernel_title(given=bool(self.kernel_note)))
        self._text("target_title", self.target_title(final=False))

    def _grid_base(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Panel cells covered by grid ``name`` with their looks and value texts (cached)."""
        found = self._bases.get(name)
        if found is None:
            found = self._bases[name] = self._make_base(name)
        return found

    def _make_base(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        grid: Grid = self.plan.grids[name]
        r0, c0 = self.offsets[name]
        rows, cols = np.indices(grid.shape)
        codes = np.zeros(grid.shape, np.int16)
        for kind, look in KIND_LOOKS.items():
            codes[grid.kinds == kind] = self.code(look)
        if self.groups > 1:
            stack = self.plan.stack
            assert stack is not None
            tints = group_tint(cols // stack[3] // (stack[0] // self.groups))
            for tint in distinct(tints):
                codes[(grid.kinds == INPUT) & (tints == tint)] = self.code(f"input@g{tint}")
        if self.plan.spec.op.tiles_channels:  # each input channel its own tint
            tints = self._shuffle_tint(grid.source[..., 0], cols, True)
            for tint in distinct(tints[grid.kinds == INPUT]):
                codes[(grid.kinds == INPUT) & (tints == tint)] = self.code(f"input@g{tint}")
        codes[~grid.reached] = self.code("unreached")
        main = np.full(grid.shape, "", object)
        if self.values:
            main = np.array([cell_fmt(v) for v in grid.values.ravel()], object).reshape(grid.shape)
        # Cells a frame fills in (a pooled map forming) wait as not yet written; _slide
        # writes them into this base, so they stay written in later frames.
        filled = [f.fills for f in self.plan.frames if f.grid == name and len(f.fills)]
        if filled:
            cells = np.concatenate(filled)
            codes[cells[:, 0], cells[:, 1]] = self.code("pending")
            main[cells[:, 0], cells[:, 1]] = ""
        main[codes == 0] = ""
        return rows + r0, cols + c0, codes, main

    def _fill(self, frame: Frame) -> None:
        """Write the grid cells ``frame`` fills: being written now, written from now on."""
        r0, c0 = self.offsets[frame.grid]
        fr, fc = frame.fills[:, 0], frame.fills[:, 1]
        _, _, codes, main = self._grid_base(frame.grid)
        codes[fr, fc] = self.code("done")
        grid = self.plan.grids[frame.grid]
        if self.values:
            main[fr, fc] = [cell_fmt(v) for v in grid.values[fr, fc].tolist()]
        cells = frame.fills + np.array([r0, c0])
        self.panels["grid"].set(cells[:, 0], cells[:, 1], self.code("current"),
                                main[fr, fc].copy())
        self._touched.append(("grid", cells))
        self.outlines.append(("grid", cells))

    def _show_grid(self, name: str) -> None:
        panel = self.panels["grid"]
        rows, cols = np.indices(panel.shape)
        panel.set(rows, cols, 0)
        r, c, codes, main = self._grid_base(name)
        panel.set(r, c, codes, main)
        self._grid_name = name
        self._text("grid_title", self.grid_title(name))
        if self.plan.slices is not None:  # a volume: this grid's slice labels, others blank
            for slot, text in grid_texts(self.plan, name).items():
                self._text(slot, text)

    def _restore_touched(self) -> None:
        """Put back the base look of cells the previous frame highlighted."""
        for panel_name, cells in self._touched:
            if panel_name == "grid":
                _, _, codes, main = self._grid_base(self._grid_name)
                r0, c0 = self.offsets[self._grid_name]
                gr, gc = cells[:, 0] - r0, cells[:, 1] - c0
                self.panels["grid"].set(cells[:, 0], cells[:, 1], codes[gr, gc], main[gr, gc])
            else:
                self._settle_target(cells)
        self._touched = []

    def _settle_target(self, cells: np.ndarray) -> None:
        """Target cells written earlier: finished look, value, overlap count."""
        r, c = cells[:, 0], cells[:, 1]
        panel, kinds = self.panels["target"], self.plan.target.kinds[r, c]
        sums = [self.target_fmt(v) for v in self._sums[r, c]] if self.values else [""] * len(r)
        if not self.scatter:
            panel.set(r, c, self._done_codes(r, c), np.array(sums, object))
            return
        counts = self._counts[r, c]
        codes = [self.code("crop") if k == CROP else
                 (self.code(f"overlap{min(n, 4)}") if n else self.code("pending"))
                 for k, n in zip(kinds, counts)]
        panel.set(r, c, np.array(codes), np.array(sums, object))

    def _shuffle_tint(self, rows: np.ndarray, cols: np.ndarray, tiled: bool) -> np.ndarray:
        """Pixel shuffle: the tint of the input channel a cell belongs to (``tiled``: the
        tile cells' source rows, ``channel * H + row``) or came from (an output cell at
        ``rows, cols``), so where each goes shows."""
        spec = self.plan.spec
        r = spec.scale[0]
        h = spec.i[0]
        channel = (np.asarray(rows) // h % (r * r) if tiled
                   else np.asarray(rows) % r * r + np.asarray(cols) % r)
        return group_tint(channel)

    def _done_codes(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray | int:
        """The look of written output cells: ``done``; pixel shuffle's in its channel's tint."""
        if not self.plan.spec.op.tiles_channels:
            return self.code("done")
        # Where the drawn cell sits on the output maps stacked down (the maps are drawn apart).
        at = self.plan.target.source[np.asarray(rows), np.asarray(cols)]
        tints = self._shuffle_tint(at[..., 0], at[..., 1], False)
        return np.array([self.code(f"done@g{t}") for t in np.ravel(tints).tolist()]
                        ).reshape(np.shape(tints))

    def _window_cells(self, frame: Frame) -> np.ndarray:
        r0, c0 = self.offsets[frame.grid]
        return frame.window + np.array([r0, c0])

    def _turn_kernel(self) -> None:
        """Show the kernel as the window reads it (rotated 180 degrees for a transposed
        gather) from the first slide on; before, it shows as given."""
        kernel = self.panels["kernel"]
        shown = self.kernel_shown
        main = np.array(["" if np.isnan(v) else cell_fmt(v) for v in shown.ravel()],
                        object).reshape(shown.shape)
        kr, kc = np.indices(shown.shape)
        kernel.set(kr, kc, self._kernel_codes, main)
        self._text("kernel_title", self.kernel_title())

    def _slide(self, frame: Frame) -> None:
        if self.kernel_note and "kernel" in self.panels and (
                self.texts["kernel_title"] != self.kernel_title()):
            self._turn_kernel()
        grid = self.plan.grids[frame.grid]
        window = self._window_cells(frame)
        wr, wc = window[:, 0], window[:, 1]
        # See-through: each cell keeps its own look (input, padding, zero, a group's tint)
        # under the window's tint.
        _, _, codes, _ = self._grid_base(frame.grid)
        base = codes[frame.window[:, 0], frame.window[:, 1]]
        looks = [self.code("window+" + self.looks[b]) if b else self.code("window")
                 for b in base.tolist()]
        if frame.chosen is not None:
            looks[frame.chosen] = self.code("chosen")
        main = [cell_fmt(v) for v in grid.values[frame.window[:, 0], frame.window[:, 1]].tolist()]
        sub = [""] * len(wr)
        if self.weighted and not self.scatter and self.plan.kernel is None:
            # (A stack's lit filter sits beside the slices at full size: no x-w notes.)
            sub = [TIMES + fmt(v) for v in self.w2[frame.taps[:, 0], frame.taps[:, 1]].tolist()]
        if len(frame.weights):
            sub = [TIMES + fmt(v) for v in frame.weights]
        if not self.values:
            main, sub = [""] * len(wr), [""] * len(wr)
        self.panels["grid"].set(wr, wc, np.array(looks), np.array(main, object),
                                np.array(sub, object))
        cells = frame.cells
        tr, tc = cells[:, 0], cells[:, 1]
        self._sums[tr, tc] = frame.sums
        if self.scatter:
            self._counts[tr, tc] = frame.counts
        texts = [self.target_fmt(v) for v in frame.sums] if self.values else [""] * len(tr)
        sub = ["+" + fmt(p) for p in frame.products] if self.scatter and self.values else ""
        self.panels["target"].set(tr, tc, self.code("current"), np.array(texts, object),
                                  np.array(sub, object) if sub else "")
        self._touched = [("grid", window), ("target", cells)]
        self.outlines = [("grid", window), ("target", cells)]
        stack = self.plan.stack
        if stack is not None and stack[2] > 1:
            self._dim_other_groups(frame, grid, stack[3])
        if self.plan.kernel is not None and "kernel" in self.panels:
            # A stack's filters sit in one panel: light up the one this frame applies.
            # It stays lit while the filter is the same, so consecutive frames repaint nothing.
            taps = unique_cells(frame.taps)
            if self.plan.bias_cells and self.plan.filters is not None and len(taps):
                # The filter's bias joins its sum: it lights up with the filter.
                owner = int(self.plan.filters[taps[0, 0], taps[0, 1]])
                taps = np.vstack([taps, self.plan.bias_cells[owner]])
            kernel = self.panels["kernel"]
            lit = self._lit_kernel
            if lit is None or not np.array_equal(lit, taps):
                if lit is not None:
                    kernel.set(lit[:, 0], lit[:, 1], self._kernel_codes[lit[:, 0], lit[:, 1]],
                               kernel.main[lit[:, 0], lit[:, 1]].copy())
                # See-through like the grid's window: the filter keeps its (group) tint.
                base = self._kernel_codes[taps[:, 0], taps[:, 1]]
                lit_codes = np.array([self.code("window+" + self.looks[b]) for b in base.tolist()])
                kernel.set(taps[:, 0], taps[:, 1], lit_codes,
                           kernel.main[taps[:, 0], taps[:, 1]].copy())
                self._lit_kernel = taps
            self.outlines.append(("kernel", taps))
        near = window
        if self.plan.stack is not None:
            # The flat layout links from the slice nearest the output maps (the last); the
            # perspective style picks its own from the slices the window reads, in order.
            block = frame.window[:, 1] // self.plan.stack[3]
            self.link_sources = [window[block == b] for b in distinct(block)]
            near = self.link_sources[-1]
        self.link = (("grid", near), ("target", cells))
        if not len(cells) or not len(window):
            # A frame that only reads (max-unpooling's pooling stage), or a traced cell that
            # no input reaches: nothing to link.
            lit = [(name, at) for name, at in (("grid", window), ("target", cells)) if len(at)]
            self._touched, self.outlines, self.link = list(lit), list(lit), None
        if len(frame.fills):
            self._fill(frame)
        self._text("formula", self._formula(frame, grid) if self.values else "")

    def _dim_other_groups(self, frame: Frame, grid: Grid, block: int) -> None:
        """Grey out the input channels outside this filter's group: it never sees them."""
        seen = distinct(frame.window[:, 1] // block)
        cols = np.arange(grid.shape[1])
        other = ~np.isin(cols // block, seen)
        rows, cs = np.nonzero((grid.kinds != GAP) & other[None, :])
        if not len(rows):
            return
        r0, c0 = self.offsets[frame.grid]
        cells = np.stack([rows + r0, cs + c0], axis=1)
        panel = self.panels["grid"]
        panel.set(cells[:, 0], cells[:, 1], self.code("unreached"),
                  panel.main[cells[:, 0], cells[:, 1]].copy())
        self._touched.append(("grid", cells))

    def _formula(self, frame: Frame, grid: Grid) -> Formula:
        value = frame.value if frame.value is not None else 0.0
        value = fmt(value) if self.target_fmt is cell_fmt else self.target_fmt(value)
        cells = frame.window[:, 0], frame.window[:, 1]
        seen = [fmt(v) for v in grid.values[cells].tolist()]
        head, sep, tail = frame.formula or self.plan.picture.formula
        if len(frame.weights):
            terms = [f"{v}{TIMES}{fmt(u)}" for v, u in zip(seen, frame.weights)]
            return Formula(head, terms, sep, f"{tail} = {value}")
        if not self.weighted:
            if frame.formula is not None and (frame.value is None or (
                    len(seen) == 1 and seen[0] == value)):
                # A copy (unfold), or a frame that moves one value, says where from and to
                # ("y[0:2, 0:2] = x[0, 0] = 4"); "copy 4 = 4" would say nothing.
                return Formula(head, seen, sep, tail)
            return Formula(head, seen, sep, f"{tail} = {value}")
        if self.scatter:
            return Formula(f"{value} {TIMES} kernel adds ", [fmt(p) for p in frame.products], ", ",
                           f" to {len(frame.products)} cells")
        weights = self.w2[frame.taps[:, 0], frame.taps[:, 1]].tolist()
        terms = [f"{v}{TIMES}{fmt(u)}" for v, u in zip(seen, weights)]
        # Padding and inserted zeros add nothing; a long formula may leave them out.
        zeros = (grid.kinds[cells] != INPUT) & (grid.values[cells] == 0)
        # Terms in the window's reading order (left to right, top to bottom), as one reads
        # the grid, whatever order the kernel's taps come in.
        order = np.lexsort((frame.window[:, 1], frame.window[:, 0]))
        return Formula(head, [terms[i] for i in order], sep, f"{tail} = {value}",
                       zeros[order].tolist())

    def _phase(self, frame: Frame) -> None:
        self._text("formula", "")
        lit, self._lit_kernel = self._lit_kernel, None
        if lit is not None:
            kernel = self.panels["kernel"]
            kernel.set(lit[:, 0], lit[:, 1], self._kernel_codes[lit[:, 0], lit[:, 1]],
                       kernel.main[lit[:, 0], lit[:, 1]].copy())
        target, panel = self.plan.target, self.panels["target"]
        if frame.phase not in ("crop", "output"):
            return
        rows, cols = np.indices(target.shape)
        if not self.scatter:
            # The gaps stay as they are (blank): repainting them would wipe the words a
            # plan sets in them (the backward view's labels under its maps).
            cells = target.kinds != GAP
            rows, cols = rows[cells], cols[cells]
            main = (np.array([self.target_fmt(v) for v in target.values[cells].tolist()],
                             object) if self.values else "")
            panel.set(rows, cols, self._done_codes(rows, cols), main)
        else:
            self._settle_target(np.stack([rows.ravel(), cols.ravel()], axis=1))
            crop = target.kinds == CROP
            if crop.any():
                main = panel.main[crop].copy()
                panel.set(rows[crop], cols[crop], self.code("cropped"), main)
        self._text("target_title", self.target_title(final=True))


def _kernel_as_read(plan: Plan, w2: np.ndarray) -> tuple[np.ndarray, str]:
    """The kernel laid out as the sliding window meets its taps, and a title note.

    A gather over inserted zeros meets the kernel rotated 180 degrees; a convolution meets it
    as stored (note ``""``).

    >>> from convanim.geometry import Spec, plan
    >>> p = plan(Spec(i=3, k=2, s=2, mode="transposed"))
    >>> shown, note = _kernel_as_read(p, p.w.reshape(p.w.shape))
    >>> note, bool((shown == p.w[::-1, ::-1]).all())
    (', rotated 180°', True)
    """
    first = next((f for f in plan.frames if f.phase == "slide" and len(f.taps) == w2.size
                  and len(f.window) == len(f.taps)), None)
    if first is None or w2.ndim != 2 or plan.stack is not None or plan.slices is not None:
        return w2, ""  # a stack's filters, a volume's kernel: drawn as stored, slice by slice
    shown = np.empty_like(w2)
    # Sorted sets, not np.unique: that would import numpy.ma for every render's start-up.
    rows = np.array(sorted(set(first.window[:, 0].tolist())))
    cols = np.array(sorted(set(first.window[:, 1].tolist())))
    if len(rows) != w2.shape[0] or len(cols) != w2.shape[1]:
        return w2, ""
    for (r, c), (a, b) in zip(first.window, first.taps):
        shown[np.searchsorted(rows, r), np.searchsorted(cols, c)] = w2[a, b]
    if np.array_equal(shown, w2):
        return w2, ""
    rotated = np.array_equal(shown, w2[::-1, ::-1])
    return shown, ", rotated 180°" if rotated else ", as the window reads it"


def _copies(written: np.ndarray, plan: Plan) -> bool:
    """Whether every value ``written`` to the output is zero or a value of an input grid.

    >>> from convanim.geometry import Spec, plan
    >>> p = plan(Spec(i=2, k=2, mode="maxunpool"), x=[[1.5, 0.25], [3, 2]])
    >>> _copies(np.ravel(p.target.values), p)
    True
    """
    seen = {0.0}
    for grid in plan.grids.values():
        seen.update(np.ravel(grid.values)[np.isfinite(np.ravel(grid.values))].tolist())
    finite = written[np.isfinite(written)]
    return bool(finite.size) and all(v in seen for v in finite.tolist())

