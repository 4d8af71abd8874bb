"""A volume's depth slices on the flat panels: their titles and the labels under each slice.

A 3-D plan (:class:`~convanim.geometry.plan.Slices`) lays each grid's depth slices side by
side; this module gives the words: panel titles that name the volume's shape
(``Padded input 5×6×6``), and a label under every slice (``d=0``, ``pad``, ``zeros``) by the
layout slot that draws it. Each grid has its own row of slots (its slices sit where the
scene places that grid); only the grid on show has words in its slots, so a phase that
changes the grid changes the labels with it. Nothing here knows a mode: it reads the plan.

>>> from convanim.geometry import Spec, plan
>>> p = plan(Spec(i=(2, 3, 3), k=2, p=1, dims=3))
>>> slice_title(p, "padded", "Padded input")
'Padded input 4×5×5'
>>> sorted(grid_texts(p, "input").items())[:2]
[('slice_grid_0_0', 'd=0'), ('slice_grid_0_1', 'd=1')]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from convanim.geometry import Plan
from convanim.geometry.plan import hover_cells

if TYPE_CHECKING:
    from convanim.draw.layout import Box, Slot
    from convanim.draw.scene import Scene
    from convanim.draw.text import Font


def shape_words(shape: tuple[int, ...]) -> str:
    """``2×3×3``: depth, height, width.

    >>> shape_words((2, 3, 3))
    '2×3×3'
    """
    return "×".join(map(str, shape))


def slice_title(plan: Plan, name: str, title: str) -> str:
    """A panel's title with the volume's shape: ``name`` is a grid, ``target`` or ``kernel``.

    >>> from convanim.geometry import Spec, plan
    >>> slice_title(plan(Spec(i=3, k=2, dims=3)), "kernel", "Kernel")
    'Kernel 2×2×2, depth slices d=0, d=1 left to right'
    """
    assert plan.slices is not None
    text = f"{title} {shape_words(plan.slices.shapes[name])}"
    if name == "kernel":
        labels = plan.slices.labels["kernel"]
        shown = ", ".join(labels) if len(labels) <= 4 else f"{labels[0]} to {labels[-1]}"
        note = f" {plan.slices.kernel_note}" if plan.slices.kernel_note else ""
        text += f"{note}, depth slices {shown} left to right"
    return text


def _grid_index(plan: Plan, name: str) -> int:
    return list(plan.grids).index(name)


def grid_texts(plan: Plan, shown: str | None) -> dict[str, str]:
    """Every grid's slice labels by slot: the words of the grid ``shown``, ``""`` for the
    others (and for all when ``shown`` is None)."""
    assert plan.slices is not None
    out = {}
    for name in plan.grids:
        gi = _grid_index(plan, name)
        for n, label in enumerate(plan.slices.labels[name]):
            out[f"slice_grid_{gi}_{n}"] = label if name == shown else ""
        for c in range(plan.slices.channels.get(name, (0, 0))[0]):  # a stack's c=0, c=1, ...
            out[f"slice_chan_grid_{gi}_{c}"] = f"c={c}" if name == shown else ""
    return out


def slice_texts(plan: Plan) -> dict[str, str]:
    """The labels before any frame: the output's ``d=0, d=1, ...``; the grid's are set as
    each grid is shown (:func:`grid_texts`).

    >>> from convanim.geometry import Spec, plan
    >>> slice_texts(plan(Spec(i=3, k=2, dims=3)))["slice_target_1"]
    'd=1'
    """
    assert plan.slices is not None
    out = grid_texts(plan, None)
    out.update({f"slice_target_{n}": label
                for n, label in enumerate(plan.slices.labels["target"])})
    out.update({f"slice_chan_target_{c}": f"c={c}"
                for c in range(plan.slices.channels.get("target", (0, 0))[0])})
    return out


def slice_slots(scene: Scene, panels: dict[str, Box], font: Font | None, lab_h: int,
                stacked: bool) -> dict[str, Slot]:
    """A slot under every slice of every grid (where the scene places that grid) and of the
    output, one line below its panel.

    >>> from convanim.geometry import Spec, plan
    >>> from convanim.draw.layout import Layout
    >>> from convanim.draw.options import RenderOptions
    >>> from convanim.draw.scene import Scene
    >>> lay = Layout.build(Scene(plan(Spec(i=(2, 3, 3), k=2, dims=3))), RenderOptions())
    >>> sorted(n for n in lay.slots if n.startswith("slice_"))
    ['slice_grid_0_0', 'slice_grid_0_1', 'slice_target_0']
    """
    from convanim.draw.layout import Slot

    plan = scene.plan
    assert font is not None and plan.slices is not None
    slices = plan.slices
    slots: dict[str, Any] = {}

    def add(name: str, box: Box, col0: int, content: str, prefix: str) -> None:
        top = box.y + box.height + 2
        if stacked and name != "grid":
            top += lab_h  # the lower row's title sits under its panel
        cols = slices.shapes[content][2]
        for n in range(slices.count(content)):  # a stack's channels one after the other
            x0 = box.x + (col0 + slices.column(content, n)) * box.px
            slots[f"{prefix}{n}"] = Slot(x0 - 20, x0 + cols * box.px + 20,
                                         top + round(font.ascent), 1, font, "muted")
        # A stack of volumes: each channel's name on a second line, under its slices.
        depth = slices.shapes[content][0]
        for c in range(slices.channels.get(content, (0, 0))[0]):
            x0 = box.x + (col0 + slices.column(content, c * depth)) * box.px
            x1 = box.x + (col0 + slices.column(content, c * depth + depth - 1) + cols) * box.px
            slots[prefix.replace("slice_", "slice_chan_") + str(c)] = Slot(
                x0, x1, top + font.line_height + round(font.ascent), 1, font, "ink")

    for name in plan.grids:
        add("grid", panels["grid"], scene.offsets[name][1], name,
            f"slice_grid_{_grid_index(plan, name)}_")
    add("target", panels["target"], 0, "target", "slice_target_")
    return slots


def volume_cells(plan: Plan, offsets: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """The HTML player's hover map of a volume: keys of three numbers, ``(d, h, w)`` for
    input and output cells and ``(a, b, c)`` for kernel taps, each listed with the (row, col)
    of the panel cell that draws it (the slices side by side).

    >>> from convanim.geometry import Spec, plan
    >>> p = plan(Spec(i=(2, 2, 2), k=(2, 1, 1), dims=3))
    >>> cells = volume_cells(p, {"input": (0, 0)})
    >>> cells["key_dims"], cells["links"][:9], cells["inputs"]["input"][-5:]
    ([3, 3, 3], [0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 4])
    """
    import numpy as np


    assert plan.slices is not None
    seen: dict[tuple[tuple[int, ...], ...], None] = {}
    for frame in plan.frames:
        for out, src, tap in frame.links:
            seen.setdefault((out, src, tap), None)
    slices, stack = plan.slices, plan.stack
    kw1 = slices.block["kernel"]
    depth, _, _ = slices.shapes["target"]
    maps = slices.channels.get("target", (1, 0))[0]
    # A stack of volumes keys every cell by its channel first: (c, d, h, w).
    lead = (lambda c: (c,)) if stack is not None else (lambda c: ())
    outputs = [v for co, od, oh, ow in np.ndindex(maps, *slices.shapes["target"])
               for v in (*lead(co), od, oh, ow, oh,
                         slices.column("target", co * depth + od) + ow)]
    if stack is None:
        taps = [v for a, b, c in np.ndindex(*slices.shapes["kernel"])
                for v in (a, b, c, b, a * kw1 + c)]
    else:  # each weight (o, i, a, b, c) where the filter panel draws it
        from convanim.geometry.ops.channels import filter_cell

        kd, kh, _ = slices.shapes["kernel"]
        drawn = {}
        for out, src, tap in (key for f in plan.frames for key in f.links):
            if len(tap) == 5:
                drawn[tuple(int(v) for v in tap)] = filter_cell(
                    stack, (kh, kd * kw1), int(out[0]), int(src[0]),
                    (int(tap[3]), int(tap[2]) * kw1 + int(tap[4])), bool(plan.bias_cells))
        taps = [v for key in sorted(drawn) for v in (*key, *drawn[key])]
    rows_in = plan.spec.i[1]
    inputs = {}
    for name, grid in plan.grids.items():
        if name not in offsets:
            continue
        rows, cols, src = hover_cells(grid)
        r0, c0 = offsets[name]
        parts = [src[:, 0] // rows_in, src[:, 0] % rows_in, src[:, 1], rows + r0, cols + c0]
        if stack is not None:  # the channels side by side, ``stack[3]`` columns apart
            parts.insert(0, cols // stack[3])
        inputs[name] = [int(v) for v in np.stack(parts, axis=1).ravel()]
    first = next(iter(seen), ((0,) * 3,) * 3)
    return {"key_dims": [len(part) for part in first],
            "cell_words": "(c, d, h, w)" if stack is not None else "(d, h, w)",
            "links": [int(v) for key in sorted(seen) for part in key for v in part],
            "outputs": [int(v) for v in outputs], "taps": [int(v) for v in taps],
            "inputs": inputs}


__all__ = ["grid_texts", "shape_words", "slice_slots", "slice_texts", "slice_title",
           "volume_cells"]
