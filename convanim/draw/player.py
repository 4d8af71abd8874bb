"""What the HTML player needs besides the pixels: captions, cell geometry and the plan's links.

Everything here is read from the plan's frames and the layout's boxes, so the player's hover
highlighting shows exactly the links the geometry computed, for every operation alike.

>>> from convanim.geometry import Spec, plan
>>> from convanim.draw.animate import Renderer
>>> meta = player_metadata(Renderer(plan(Spec(i=3, k=2))))
>>> meta["output_shape"], len(meta["links"]) // 6, meta["captions"][1].endswith("(1/4)")
([2, 2], 16, True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from convanim.geometry import Plan
from convanim.geometry.ops.channels import filter_cell
from convanim.geometry.plan import GAP, hover_cells

if TYPE_CHECKING:
    from convanim.draw.animate import Renderer


def _pair(index: tuple[int, ...]) -> tuple[int, int]:
    # Links of 1-D specs hold 1-tuples (their grids are one row high); a link with no kernel
    # tap (an upsampler's copy) holds (), which no kernel cell in the page matches.
    if not index:
        return (-1, -1)
    return (0, int(index[0])) if len(index) == 1 else (int(index[0]), int(index[1]))


def _flat(index: tuple[int, ...], values: np.ndarray) -> tuple[int, int]:
    """A (channel, row, col) index of maps drawn stacked down, as its (row, col) on the
    stack (pixel unshuffle, unfold, fold); shorter indices as :func:`_pair`."""
    if len(index) == 3:
        return (int(index[0]) * int(np.shape(values)[-2]) + int(index[1]), int(index[2]))
    return _pair(index)


def plan_links(plan: Plan) -> list[int]:
    """Every (output, input, tap) link of every frame, flattened to ``or, oc, ir, ic, kr, kc``.

    >>> from convanim.geometry import Spec, plan
    >>> plan_links(plan(Spec(i=2, k=2)))
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1]
    """
    seen: dict[tuple[int, ...], None] = {}
    dims = plan.spec.dims
    for frame in plan.frames:
        for out, src, tap in frame.links:
            if plan.stack is None and len(out) > dims and len(frame.links) == 1:
                # Channels drawn as one grid without a stack (pixel shuffle's tiles): the
                # page keys cells by where they are drawn, which the frame itself holds.
                seen.setdefault(_drawn_key(plan, frame), None)
                continue
            seen.setdefault(link_key(plan, out, src, tap), None)
    return [value for link in sorted(seen) for value in link]


def _drawn_key(plan: Plan, frame: Any) -> tuple[int, ...]:
    """A one-link frame's link as drawn: the sources of its output cell on the target panel
    and of its grid cell, which the output and input maps key by (maps drawn apart are
    keyed by their place stacked down)."""
    (orow, ocol), (wr, wc) = frame.cells[0], frame.window[0]
    kr, kc = plan.target.source[orow, ocol]
    sr, sc = plan.grids[frame.grid].source[wr, wc]
    return (int(kr), int(kc), int(sr), int(sc), -1, -1)


def apart_outputs(plan: Plan) -> dict[str, Any]:
    """Output maps drawn apart in one panel (blank rows between them, pixel shuffle's
    channels): each output cell's key (its place on the maps stacked down) and where it is
    drawn, for the page to list, as ``stack_cells`` lists a channel stack's.

    >>> from convanim.geometry import Spec, plan
    >>> p = plan(Spec(i=1, mode="pixelshuffle", scale=2, in_channels=8))
    >>> apart_outputs(p)["outputs"][-8:]  # the last two cells: key (3, c), drawn at (4, c)
    [3, 0, 4, 0, 3, 1, 4, 1]
    """
    target = plan.target
    r0, c0 = plan.target_offset
    rows, cols = np.nonzero(target.kinds != GAP)
    keys = target.source[rows, cols]
    return {"key_dims": [2, 2, 2],
            "outputs": [int(v) for (kr, kc), r, c in zip(keys, rows, cols)
                        for v in (kr, kc, r + r0, c + c0)]}


def link_key(plan: Plan, out: tuple, src: tuple, tap: tuple) -> tuple[int, ...]:
    """A link as the page keys it: (row, col) pairs, or for a channel stack (channel, row,
    col) cells and the weight's 4-number index in PyTorch's layout (pooling: 0, 0, tap).

    >>> from convanim.geometry import Spec, plan
    >>> p = plan(Spec(i=3, k=3, in_channels=2, out_channels=2))
    >>> link_key(p, (1, 0, 0), (0, 2, 1), (1, 0, 2, 1))
    (1, 0, 0, 0, 2, 1, 1, 0, 2, 1)
    """
    if plan.stack is None:
        return _flat(out, plan.y) + _flat(src, plan.x) + _pair(tap)
    weight = ((int(tap[0]), int(tap[1]), *_pair(tap[2:])) if plan.picture.weighted
              else (0, 0, *_pair(tap)))
    return (int(out[0]), *_pair(out[1:]), int(src[0]), *_pair(src[1:]), *weight)


def stack_cells(plan: Plan) -> dict[str, Any]:
    """A channel stack's hover map: key sizes, output cells and filter weights by panel cell.

    Output (map, row, col) sits in map ``map``'s block of the target panel; weight
    (a, b, row, col) of output map ``o`` read from input channel ``c`` sits in filter ``o``'s
    row of slices, in the slice of ``c`` within its group, as the plan draws the filters.

    >>> from convanim.geometry import Spec, plan
    >>> p = plan(Spec(i=3, k=3, in_channels=2, out_channels=2))
    >>> cells = stack_cells(p)
    >>> cells["key_dims"], cells["outputs"][-5:], cells["taps"][-6:]
    ([3, 3, 4], [1, 0, 0, 0, 2], [1, 1, 2, 2, 6, 6])
    """
    cout, out_block = plan.stack[1], plan.stack[4]  # type: ignore[index]
    r0, c0 = plan.target_offset
    maps = np.reshape(plan.y, (cout, -1, np.shape(plan.y)[-1]))
    outputs = [v for o, r, c in np.ndindex(*maps.shape)
               for v in (o, r, c, r + r0, o * out_block + c + c0)]
    cells: dict[str, Any] = {"key_dims": [3, 3, 4], "outputs": outputs}
    if plan.picture.weighted and plan.kernel is not None:
        kernel = (plan.spec.k[0] if plan.spec.dims == 2 else 1, plan.spec.k[-1])
        taps = {}
        for frame in plan.frames:
            for out, src, tap in frame.links:
                at = _pair(tap[2:])
                taps[(int(tap[0]), int(tap[1]), *at)] = filter_cell(
                    plan.stack, kernel, int(out[0]), int(src[0]), at, bool(plan.bias_cells))
        cells["taps"] = [v for key in sorted(taps) for v in (*key, *taps[key])]
    return cells


def input_cells(plan: Plan, offsets: dict[str, tuple[int, int]]) -> dict[str, list[int]]:
    """Per grid, where each real input cell sits in the grid panel: ``ir, ic, pr, pc, ...``.

    >>> from convanim.geometry import Spec, plan
    >>> input_cells(plan(Spec(i=2, k=1)), {"input": (0, 0)})
    {'input': [0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1]}
    """
    cells = {}
    for name, grid in plan.grids.items():
        if name not in offsets:
            continue
        rows, cols, src = hover_cells(grid)
        r0, c0 = offsets[name]
        parts = [src[:, 0], src[:, 1], rows + r0, cols + c0]
        if plan.stack is not None:  # slices side by side: the channel leads the key
            parts.insert(0, cols // plan.stack[3])
        flat = np.stack(parts, axis=1)
        cells[name] = [int(v) for v in flat.ravel()]
    return cells


def own_keys(plan: Plan, offsets: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """The hover map of a plan that keys its cells itself, its grids' cells moved to where
    the grid panel draws them.

    >>> from convanim.geometry import Spec, plan
    >>> p = plan(Spec(i=2, k=1, view="backward"))
    >>> own_keys(p, {name: (0, 1) for name in p.grids})["inputs"]["input"][:5]
    [0, 0, 0, 0, 1]
    """
    hover = dict(plan.hover or {})
    n = hover["key_dims"][1]
    inputs = {}
    for name, flat in hover["inputs"].items():
        r0, c0 = offsets[name]
        moved = list(flat)
        moved[n::n + 2] = [v + r0 for v in flat[n::n + 2]]
        moved[n + 1::n + 2] = [v + c0 for v in flat[n + 1::n + 2]]
        inputs[name] = moved
    return hover | {"inputs": inputs}


def player_metadata(renderer: Renderer) -> dict[str, Any]:
    """The JSON the HTML player reads: texts, per-frame captions and grids, cells and links.

    The matrix view draws no cell grid, so it gets the texts alone.

    >>> from convanim.geometry import Spec, plan
    >>> from convanim.draw.animate import Renderer
    >>> sorted(player_metadata(Renderer(plan(Spec(i=3, k=2, view="matrix")))))
    ['alt', 'caption_drawn', 'captions', 'chrome', 'title']
    """
    from convanim.draw.themes import luminance
    from convanim.geometry.words import alt_text

    the_plan, scene, layout = renderer.plan, renderer.scene, renderer.layout
    meta: dict[str, Any] = {
        "title": layout.title,
        "alt": alt_text(the_plan.spec),
        # One per frame shown (the page indexes them by the frame it shows).
        "captions": [scene.caption_of(the_plan.frames[i]) for i in renderer.selected],
        # The frames (shared with the GIF) draw the caption: the page keeps its text for
        # screen readers only, so a reader sees it once.
        "caption_drawn": "caption" in getattr(layout, "slots", {})
        or the_plan.spec.view == "matrix",
        # The player's caption, counter and controls take the figure's colours.
        "chrome": {"ink": renderer.theme.ink, "background": renderer.theme.background,
                   "dark": luminance(renderer.theme.background) < 0.4},
    }
    if renderer.options.hidpi:
        meta["scale"] = 2  # image pixels per CSS pixel
    boxes: dict[str, list[int]] = {
        name: [box.x, box.y, box.rows, box.cols, box.px, box.gap]
        for name, box in layout.panels.items()}
    if not boxes:  # the perspective style: each panel a tilted plane of parallelograms
        boxes = {name: [*plane.origin, *plane.u, *plane.v, plane.rows, plane.cols]
                 for name, plane in getattr(layout, "planes", {}).items()}
    if the_plan.spec.view == "matrix" or not boxes:
        return meta  # the matrix view draws no cell grid: no hover map
    grids = list(the_plan.grids)
    meta.update({
        "grids": [the_plan.frames[i].grid for i in renderer.selected],
        "panels": boxes,
        "output_shape": [int(n) for n in np.reshape(the_plan.y, (-1, the_plan.y.shape[-1])
                                                    ).shape],
        "target_offset": [int(n) for n in the_plan.target_offset],
        "inputs": input_cells(the_plan, {g: scene.offsets[g] for g in grids}),
        "links": plan_links(the_plan),
    })
    if the_plan.hover is not None:  # the plan keys its cells itself (the backward view)
        return meta | own_keys(the_plan, scene.offsets)
    if the_plan.slices is not None:  # a volume: (d, h, w) keys, slices side by side
        from convanim.draw.slices import volume_cells

        meta.update(volume_cells(the_plan, {g: scene.offsets[g] for g in grids}))
        if "kernel" not in boxes or not the_plan.picture.weighted:
            meta.pop("taps", None)
    elif the_plan.stack is not None:
        meta.update(stack_cells(the_plan))
        if "kernel" not in boxes:
            meta.pop("taps", None)
    elif (the_plan.target.kinds == GAP).any() and the_plan.spec.view != "scatter":
        meta.update(apart_outputs(the_plan))
    elif "kernel" in boxes:
        meta["kernel_shape"] = [int(n) for n in scene.w2.shape]
    return meta


def figure_metadata(title: str, alt: str, captions: list[str], theme: str,
                    hidpi: bool = False) -> dict[str, Any]:
    """The player's JSON for a figure of several parts (a chain, a comparison): its title,
    alt sentence and one caption per written frame. The frames draw their captions, so the
    page keeps the text for screen readers and a reader sees each caption once; no hover
    map (the parts are several plans).

    >>> meta = figure_metadata("t", "A chain.", ["a", "b"], "light")
    >>> meta["captions"], meta["caption_drawn"], meta["chrome"]["dark"]
    (['a', 'b'], True, False)
    """
    from convanim.draw.themes import THEMES, luminance

    colours = THEMES[theme]
    meta: dict[str, Any] = {
        "title": title, "alt": alt, "captions": list(captions), "caption_drawn": True,
        "chrome": {"ink": colours.ink, "background": colours.background,
                   "dark": luminance(colours.background) < 0.4}}
    if hidpi:
        meta["scale"] = 2
    return meta
