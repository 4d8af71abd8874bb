"""A volume in the perspective style: its depth slices as stacked planes.

A 3-D plan lays each panel's depth slices side by side (``Plan.slices``); here each slice is
a tilted plane of its own, lifted above the one before, so a volume reads as a stack of
sheets, depth rising up the figure: the input's stack on the left, the output's beside it,
the kernel's beside that. A :class:`SlicedPlane` maps a panel cell to its slice's plane, so
the painter, the projection lines and the outlines need nothing else: a cell is still an
integer translate of one parallelogram.

>>> plane = SlicedPlane((0, 0), (10, -4), (-5, -5), 2, 7, block=4, lift=(0, -40))
>>> plane.corner(0, 4), plane.corner(1, 5)
((0, -40), (5, -49))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from convanim.draw.perspective import Plane

if TYPE_CHECKING:
    from convanim.draw.layout import Slot
    from convanim.draw.scene import Scene
    from convanim.draw.text import Font


@dataclass(frozen=True)
class SlicedPlane(Plane):
    """Panel columns in slices ``block`` apart, slice ``j`` moved by ``j * lift``."""

    block: int = 1
    lift: tuple[int, int] = (0, 0)

    def corner(self, r: float, c: float) -> tuple[float, float]:
        """The grid point between rows and columns, on its slice's plane."""
        j = min(int(c // self.block), self.slices - 1)
        return self._at(r, j, c - j * self.block)

    def _at(self, r: float, j: int, local: float) -> tuple[float, float]:
        """Grid point (row ``r``, column ``local``) of slice ``j``."""
        (ox, oy), (ux, uy), (vx, vy) = self.origin, self.u, self.v
        return (ox + local * ux + r * vx + j * self.lift[0],
                oy + local * uy + r * vy + j * self.lift[1])

    @property
    def slices(self) -> int:
        """How many slices the panel holds.

        >>> SlicedPlane((0, 0), (1, 0), (0, 1), 2, 7, block=4).slices
        2
        """
        return self.cols // self.block + 1

    def outline(self) -> list[tuple[float, float]]:
        """The corners of every slice with the blank column after it (the figure's bounds
        take all of them: the painter draws blank cells too)."""
        out = []
        for j in range(self.slices):
            wide = min(self.block, self.cols - j * self.block)
            out += [self._at(0, j, 0), self._at(0, j, wide), self._at(self.rows, j, wide),
                    self._at(self.rows, j, 0)]
        return out


def _height(rows: int, cols: int, u: tuple[int, int], v: tuple[int, int]) -> int:
    """Pixels one tilted slice of ``rows`` x ``cols`` cells spans vertically."""
    return rows * abs(v[1]) + cols * abs(u[1])


def stacked_planes(scene: Scene, u: tuple[int, int], v: tuple[int, int], room: int = 0
                   ) -> dict[str, Plane]:
    """The grid's, the output's and the kernel's slices as stacked planes, side by side,
    ``room`` pixels kept left of each stack for its slices' labels.

    >>> from convanim.geometry import Spec, plan
    >>> from convanim.draw.scene import Scene
    >>> planes = stacked_planes(Scene(plan(Spec(i=(2, 3, 3), k=2, dims=3))), (20, -8),
    ...                         (-11, -11))
    >>> planes["grid"].slices, planes["target"].slices, planes["kernel"].slices
    (2, 1, 2)
    """
    slices = scene.plan.slices
    assert slices is not None
    gap = max(6, abs(u[1] + v[1]))
    planes: dict[str, Plane] = {}
    blocks = {"grid": slices.block[scene.plan.slide_grid], "target": slices.block["target"],
              "kernel": slices.block["kernel"]}
    right = 0.0
    for name in ("grid", "target", "kernel"):
        if name not in scene.panels:
            continue
        rows, cols = scene.panels[name].shape
        block = blocks[name]
        lift = (0, -(_height(rows, block - 1, u, v) + gap))
        plane = SlicedPlane((0, 0), u, v, rows, cols, block=block, lift=lift)
        xs = [x for x, _ in plane.outline()]
        ys = [y for _, y in plane.outline()]
        # Beside the previous stack, bottoms level.
        dx = 0 if not planes else int(right - min(xs)) + 3 * gap + room
        dy = 0 if not planes else int(max(y for _, y in planes["grid"].outline()) - max(ys))
        plane = plane.shifted(dx, dy)  # type: ignore[assignment]
        right = max(x for x, _ in plane.outline())
        planes[name] = plane
    return planes


def label_room(scene: Scene, font: Font) -> int:
    """Pixels a slice label needs left of its plane (the widest label and a margin)."""
    slices = scene.plan.slices
    assert slices is not None
    names = [*scene.plan.grids, "target"]
    return round(max(font.measure(t) for n in names for t in slices.labels[n])) + 10


def slice_slots(scene: Scene, planes: dict[str, Plane], font: Font, room: int
                ) -> dict[str, Slot]:
    """A slot left of every slice's plane for its label, by the flat layout's slot names
    (``slice_grid_<grid>_<n>``, ``slice_target_<n>``), whose words the scene sets."""
    from convanim.draw.layout import Slot

    slices = scene.plan.slices
    assert slices is not None
    slots = {}

    def add(name: str, plane: Plane, j: int) -> None:
        assert isinstance(plane, SlicedPlane)
        x, y = plane.corner(plane.rows, j * plane.block)  # the slice's leftmost corner
        top = round(y - font.line_height / 2)
        slots[name] = Slot(round(x) - room, round(x) - 4, top + round(font.ascent), 1, font,
                           "muted")

    for gi, name in enumerate(scene.plan.grids):
        first = scene.offsets[name][1] // slices.block[name]
        for n in range(slices.count(name)):
            add(f"slice_grid_{gi}_{n}", planes["grid"], first + n)
    for n in range(slices.count("target")):
        add(f"slice_target_{n}", planes["target"], n)
    return slots


__all__ = ["SlicedPlane", "label_room", "slice_slots", "stacked_planes"]
