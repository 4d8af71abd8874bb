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

from convanim.geometry import INPUT, Plan

if TYPE_CHECKING:
    from convanim.draw.animate import Renderer


def _pair(index: tuple[int, ...]) -> tuple[int, int]:
    # Links of 1-D specs hold 1-tuples (their grids are one row high); a link with no kernel
    # tap (an upsampler's copy) holds (), which no kernel cell in the page matches.
    if not index:
        return (-1, -1)
    return (0, int(index[0])) if len(index) == 1 else (int(index[0]), int(index[1]))


def plan_links(plan: Plan) -> list[int]:
    """Every (output, input, tap) link of every frame, flattened to ``or, oc, ir, ic, kr, kc``.

    >>> from convanim.geometry import Spec, plan
    >>> plan_links(plan(Spec(i=2, k=2)))
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1]
    """
    seen: dict[tuple[int, ...], None] = {}
    if plan.stack is not None:
        # Channel stacks link (channel, row, col) cells across slices the page does not map
        # yet: no hover rather than a wrong one.
        return []
    for frame in plan.frames:
        for out, src, tap in frame.links:
            seen.setdefault(_pair(out) + _pair(src) + _pair(tap), None)
    return [value for link in sorted(seen) for value in link]


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
        rows, cols = np.nonzero(grid.kinds == INPUT)
        src = grid.source[rows, cols]
        keep = (src >= 0).all(axis=1)
        r0, c0 = offsets[name]
        flat = np.stack([src[keep, 0], src[keep, 1], rows[keep] + r0, cols[keep] + c0], axis=1)
        cells[name] = [int(v) for v in flat.ravel()]
    return cells


def player_metadata(renderer: Renderer) -> dict[str, Any]:
    """The JSON the HTML player reads: texts, per-frame captions and grids, cells and links.

    The matrix view draws no cell grid, so it gets the texts alone.

    >>> from convanim.geometry import Spec, plan
    >>> from convanim.draw.animate import Renderer
    >>> sorted(player_metadata(Renderer(plan(Spec(i=3, k=2, view="matrix")))))
    ['alt', 'captions', 'title']
    """
    from convanim.explain import alt_text

    the_plan, scene, layout = renderer.plan, renderer.scene, renderer.layout
    meta: dict[str, Any] = {
        "title": layout.title,
        "alt": alt_text(the_plan.spec),
        "captions": [scene.caption_of(frame) for frame in the_plan.frames],
    }
    if the_plan.spec.view == "matrix" or not layout.panels:
        return meta  # no flat cell boxes (matrix view, perspective style): no hover map
    grids = list(the_plan.grids)
    meta.update({
        "grids": [frame.grid for frame in the_plan.frames],
        "panels": {name: [box.x, box.y, box.rows, box.cols, box.px, box.gap]
                   for name, box in layout.panels.items()},
        "output_shape": [int(n) for n in np.reshape(the_plan.y, (-1, the_plan.y.shape[-1])
                                                    ).shape],
        "target_offset": [int(n) for n in the_plan.target_offset],
        "inputs": input_cells(the_plan, {g: scene.offsets[g] for g in grids}),
        "links": plan_links(the_plan),
    })
    if "kernel" in layout.panels:
        meta["kernel_shape"] = [int(n) for n in scene.w2.shape]
    return meta
