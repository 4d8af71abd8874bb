"""Words in frames: panel titles and legend entries, read from the plan.

A mixin of :class:`~convanim.draw.scene.Scene`, kept apart so the scene module is only about
cell states.

>>> from convanim.geometry import Spec, plan
>>> from convanim.draw.scene import Scene
>>> Scene(plan(Spec(i=5, k=3, p=1))).grid_title("padded").startswith("Padded input 7")
True
"""

from __future__ import annotations

import numpy as np

from convanim.draw.formula import shape_text
from convanim.draw.slices import slice_texts, slice_title
from convanim.geometry import CROP, INPUT, PAD, ZERO, Plan

KIND_LOOKS = {INPUT: "input", PAD: "padding", ZERO: "zero"}
GRID_NAMES = {"input": "Input", "zeros": "Zeros inserted", "padded": "Padded input"}
LABELS = {
    "input": "input", "padding": "padding", "zero": "inserted zero",
    "unreached": "never reached", "window": "kernel window", "chosen": "maximum",
    "pending": "not yet written", "current": "being written", "done": "written",
    "crop": "will be cropped", "cropped": "cropped",
}


class Labels:
    """Titles and legend of a scene (needs ``plan``, ``panels``, ``offsets``, ``scatter``...)."""

    plan: Plan
    panels: dict
    offsets: dict[str, tuple[int, int]]
    scatter: bool
    w2: np.ndarray
    overlaps: list[int]
    _most: int

    def _final_counts(self) -> list[int]:
        """The overlap levels (1, 2, 3, 4+) the finished canvas shows, from the plan's counts."""
        counts = np.zeros(self.plan.target.shape, np.int64)
        for frame in self.plan.frames:
            if frame.phase == "slide":
                counts[frame.cells[:, 0], frame.cells[:, 1]] = frame.counts
        inside = counts[self.plan.target.kinds != CROP]
        self._most = int(inside.max(initial=0))
        return sorted({min(int(n), 4) for n in inside if n})

    # -- looks and placement ------------------------------------------------------------

    def legend(self) -> list[tuple[str, str]]:
        """(look name, label) for every look the animation shows, in reading order.

        >>> from convanim.geometry import Spec, plan
        >>> from convanim.draw.scene import Scene
        >>> scene = Scene(plan(Spec(i=4, k=3, p=1)))
        >>> [look for look, _ in scene.legend()][:3]
        ['input', 'padding', 'window+input']
        """
        plan, items = self.plan, []
        kinds = set()
        for grid in plan.grids.values():
            kinds |= set(grid.kinds.ravel().tolist())  # np.unique would import numpy.ma
        items += [(KIND_LOOKS[k], LABELS[KIND_LOOKS[k]]) for k in (INPUT, PAD, ZERO) if k in kinds]
        groups = getattr(self, "groups", 1)
        if groups > 1 and plan.stack is not None and items[0][0] == "input":
            paired: list[tuple[str, str]] = []
            for look, label in self._group_items(plan.stack[0], groups):
                paired.append((look, label))
                if "kernel" in self.panels:
                    # The filters are drawn in their group's own tint and mark: each
                    # group's entry is followed by its filters', so the pairs read together.
                    tint = look.split("@g")[1]
                    paired.append((f"kernel@g{tint}", f"its filters ({label.split(':')[0]})"))
            items[:1] = paired
        if plan.spec.op.tiles_channels and items and items[0][0] == "input":
            items[:1] = self._shuffle_items()
        # The channels of the other groups (pooling: the other channels) are greyed out
        # while sliding, in the look of cells never reached: the legend says both.
        dimmed = plan.stack is not None and plan.stack[2] > 1
        if not all(grid.reached.all() for grid in plan.grids.values()):
            items.append(("unreached", LABELS["unreached"] + (
                ", or not read in this step" if dimmed else "")))
        elif groups > 1:
            items.append(("unreached", "other groups: not seen"))
        elif dimmed:
            items.append(("unreached", "other channels: not read in this step"))
        # The window is see-through: its swatch is the tint it gives the input under it.
        items.append(("window+input" if INPUT in kinds else "window", plan.picture.window))
        if plan.bias_cells and "kernel" in self.panels:
            items.append(("bias", "bias b: added to the sum"))
        if any(frame.chosen is not None for frame in plan.frames):
            items.append(("chosen", LABELS["chosen"]))
        items += [("pending", LABELS["pending"]), ("current", LABELS["current"])]
        if self.scatter:
            more = "+" if self._most > 4 else ""
            # Written cells keep the "written" colour of every other figure, deeper where
            # more taps overlap (the theme's overlap ramp starts at it).
            items += [(f"overlap{n}", f"written, {n}{more if n == 4 else ''} "
                       f"tap{'s' if n > 1 else ''}") for n in self.overlaps]
            if (plan.target.kinds == CROP).any():
                items += [("crop", LABELS["crop"]), ("cropped", LABELS["cropped"])]
        else:
            items.append(("done", LABELS["done"]))
        words = plan.words or {}  # a plan that names its roles itself (the backward view)
        return [(look, words.get(f"legend:{look}", label)) for look, label in items]

    def _shuffle_items(self) -> list[tuple[str, str]]:
        """Pixel shuffle's legend: each input channel's tint and where its cells go (the
        output cells keep the tint).

        >>> from convanim.geometry import Spec, plan
        >>> from convanim.draw.scene import Scene
        >>> Scene(plan(Spec(i=3, mode="pixelshuffle"))).legend()[1]
        ('input@g1', 'c=1: offset (0, 1)')
        >>> Scene(plan(Spec(i=3, mode="pixelshuffle", in_channels=8))).legend()[1]
        ('input@g1', 'c=1, 5: offset (0, 1)')
        """
        from convanim.draw.scene import group_tint

        r = self.plan.spec.scale[0]
        rr = r * r
        by_tint: dict[int, list[int]] = {}
        # Channel ch goes to offset (ch % r² // r, ch % r) of output channel ch // r²: every
        # input channel is named, so c=4 of an 8-channel input is in the legend beside c=0.
        for ch in range(max(rr, int(getattr(self.plan.spec, "in_channels", rr) or rr))):
            by_tint.setdefault(int(group_tint(ch % rr)), []).append(ch)
        items = []
        for t, chs in by_tint.items():
            offsets = {(ch % rr // r, ch % r) for ch in chs}
            names = "c=" + ", ".join(map(str, chs))
            if len(offsets) == 1:
                (a, b), = offsets
                names += f": offset ({a}, {b})"
            items.append((f"input@g{t}", names))
        return items

    @staticmethod
    def _group_items(channels: int, groups: int) -> list[tuple[str, str]]:
        """Legend entries for a grouped convolution's tints (four at most; they repeat).

        >>> Labels._group_items(4, 2)
        [('input@g0', 'group 0: c=0-1'), ('input@g1', 'group 1: c=2-3')]
        >>> Labels._group_items(6, 6)[1]
        ('input@g1', 'c=1, 4: each its own filter')
        """
        from convanim.draw.scene import group_tint

        per, tints = channels // groups, group_tint(np.arange(groups)).tolist()
        items = []
        for tint in sorted(set(tints)):
            members = [g for g, t in enumerate(tints) if t == tint]
            names = ", ".join(str(g) for g in members[:3]) + (", ..." if len(members) > 3
                                                               else "")
            if groups == channels:  # depthwise: a group is one channel
                label = f"c={names}: " + ("its own filter" if len(members) == 1
                                          else "each its own filter")
            elif len(members) == 1:
                g = members[0]
                label = f"group {g}: c={g * per}-{g * per + per - 1}"
            else:
                label = f"groups {names}"
            items.append((f"input@g{tint}", label))
        return items

    # -- frames -------------------------------------------------------------------------

    def _shape(self, shape: tuple[int, int]) -> str:
        return shape_text(shape if self.plan.spec.dims == 2 else (shape[1],))

    def target_title(self, final: bool) -> str:
        """The target panel's title, before (``final=False``) or after the crop.

        >>> from convanim.geometry import Spec, plan
        >>> from convanim.draw.scene import Scene
        >>> scene = Scene(plan(Spec(i=3, k=3, s=2, p=1, mode="transposed", view="scatter")))
        >>> scene.target_title(False).startswith("Output before crop")
        True
        """
        if self.plan.words and "target" in self.plan.words:
            return self.plan.words["target"]
        worded = dict(self.plan.titles).get("target_title")
        if worded:
            return worded
        stack = self.plan.stack
        if self.plan.slices is not None:  # a volume: its depth slices side by side
            return slice_title(self.plan, "target", "Output") + (
                f" × {stack[1]} channels" if stack is not None else "")
        if stack is not None:
            # Each map is labelled under it (slice_labels): the title says how many.
            return f"Output {shape_text(self.plan.y.shape[1:])} × {stack[1]} channels"
        dims = self.plan.spec.dims
        shape = shape_text(self.plan.y.shape[-dims:])
        if self.plan.y.ndim > dims:  # a channel axis first (pixel shuffle)
            shape = f"{self.plan.y.shape[0]} × {shape}"
        if self.scatter and not final and (self.plan.target.kinds == CROP).any():
            return f"Output before crop {self._shape(self.plan.target.shape)}"
        return f"Output {shape}"

    def grid_title(self, name: str) -> str:
        """The grid panel's title while it shows grid ``name``, e.g. ``Padded input 7x7``.

        >>> from convanim.geometry import Spec, plan
        >>> from convanim.draw.scene import Scene
        >>> scene = Scene(plan(Spec(i=4, k=3, p=1)))
        >>> scene.grid_title("padded").startswith("Padded input 6")
        True
        """
        grid = self.plan.grids[name]
        spec = self.plan.spec
        if self.plan.words and f"grid:{name}" in self.plan.words:
            return self.plan.words[f"grid:{name}"]
        worded = dict(self.plan.titles).get("grid_title")
        if worded:  # several maps in one grid: the op words the title
            return worded
        if spec.op.tiles_channels:  # the channels as tiles, each its own tint
            r = spec.scale[0]
            return f"{spec.in_channels} channels {self._shape(spec.i)}, tiled {r}{chr(215)}{r}"
        title = GRID_NAMES.get(name, name.capitalize())
        if name == "padded" and not (grid.kinds == PAD).any():
            title = "Cropped input"
        stack = self.plan.stack
        if self.plan.slices is not None:  # a volume: its depth slices side by side
            return slice_title(self.plan, name, title) + (
                f" × {stack[0]} channels" if stack is not None else "")
        if stack is not None:  # the slices side by side, each one block wide
            one = (grid.shape[0], (grid.shape[1] - (stack[0] - 1) * stack[3]))
            return f"{title} {self._shape(one)} × {stack[0]} channels"
        return f"{title} {self._shape(grid.shape)}"

    def titles(self) -> dict[str, list[str]]:
        """Every title each panel can show (layouts reserve room for the widest).

        >>> from convanim.geometry import Spec, plan
        >>> from convanim.draw.scene import Scene
        >>> scene = Scene(plan(Spec(i=4, k=3, p=1)))
        >>> len(scene.titles()["grid_title"])
        2
        """
        return {"grid_title": [self.grid_title(n) for n in self.offsets],
                "target_title": [self.target_title(False), self.target_title(True)],
                "kernel_title": [self.kernel_title(), self.kernel_title(given=True)]
                if "kernel" in self.panels else []}

    def slice_labels(self) -> dict[str, str]:
        """A channel stack's per-slice labels, by the layout slot that draws each: input
        slices and output maps ``c=0, c=1, ...``; filters ``W0, W1, ...`` with their bias;
        and the words under maps side by side in one grid (``block_0``.., ``Plan.labels``).

        >>> from convanim.geometry import Spec, plan
        >>> from convanim.draw.scene import Scene
        >>> Scene(plan(Spec(i=4, k=3, in_channels=2, out_channels=2, bias=True))
        ...       ).slice_labels()["slice_kernel_1"]
        'W1'
        """
        stack = self.plan.stack
        blocks = {f"block_{n}": text for n, (*_, text) in enumerate(self.plan.labels)}
        if self.plan.slices is not None and stack is None:  # a volume: d=0, ... per slice
            return {**slice_texts(self.plan), **blocks}
        if stack is None:
            return blocks
        from convanim.draw.formula import fmt

        cin, cout = stack[:2]
        if self.plan.slices is not None:  # a stack of volumes: c=0 d=0, ... per slice
            out = slice_texts(self.plan)
        else:
            out = {f"slice_grid_{n}": f"c={n}" for n in range(cin)}
            out.update({f"slice_target_{n}": f"c={n}" for n in range(cout)})
        if getattr(self, "weighted", False):
            # A bias drawn as a cell of its own (bias_cells) needs no words beside W.
            b = None if self.plan.bias_cells else self.plan.b
            out.update({f"slice_kernel_{n}": f"W{n}" + (f" b={fmt(b[n])}" if b is not None
                                                        else "") for n in range(cout)})
        out.update({f"bias_plus_{n}": "+" for n in range(len(self.plan.bias_cells))})
        return {**out, **blocks}

    def kernel_title(self, given: bool = False) -> str:
        """The kernel panel's title, e.g. ``Kernel 3x3``; ``given``: the kernel as stored,
        before a transposed gather turns it.

        >>> from convanim.geometry import Spec, plan
        >>> from convanim.draw.scene import Scene
        >>> scene = Scene(plan(Spec(i=4, k=3, p=1)))
        >>> scene.kernel_title().startswith("Kernel 3")
        True
        """
        if self.plan.words and "kernel" in self.plan.words:
            return self.plan.words["kernel"]
        stack = self.plan.stack
        if stack is not None:
            shape = "×".join(map(str, self.plan.w.shape))
            bias = " + bias" if self.plan.bias_cells else ""
            cin, _, groups = stack[:3]
            where = ("one row per output channel" if groups == 1 else
                     "one per channel, in channel order" if groups == cin else
                     "groups side by side, in channel order")
            if self.plan.slices is not None:  # each slice's depth slices side by side
                where += (", depth slices left to right" if groups == cin else
                          ", each input channel's depth slices left to right")
            return (f"Filters {shape}{bias}: {where}" if self.weighted
                    else f"Kernel {shape}")
        if self.plan.slices is not None:  # a volume: its depth slices side by side
            return slice_title(self.plan, "kernel", "Kernel")
        note = " as given" if given else getattr(self, "kernel_note", "")
        return f"Kernel {self._shape(self.w2.shape)}{note}"
