"""Where panels and legend entries go: grouping, spans and flowing rows (pure arithmetic).

Side by side, the grid and the target are columns and the kernel goes under the shorter one;
stacked, the grid is one row and the target with the kernel the next.

>>> groups, gap = arrange({"grid": (7, 7), "target": (5, 5)}, {"grid_title": 90,
...                       "target_title": 70}, 32, 24, 16, stacked=False)
>>> span(groups, gap, stacked=False)
424
"""

from __future__ import annotations

from dataclasses import dataclass

from convanim.draw.text import Font


@dataclass(frozen=True)
class LegendItem:
    """One legend entry: a swatch square (x0, y0, x1, y1) and its label.

    >>> LegendItem("padding", "padding", (0, 0, 12, 12), 16, 10).label
    'padding'
    """

    look: str
    label: str
    swatch: tuple[int, int, int, int]
    text_x: int
    baseline: int


# A panel in a group: (name, width, height including its title line).
Member = tuple[str, int, int]
MEMBER_GAP = 8  # between panels of one group


def arrange(shapes: dict[str, tuple[int, int]], titles: dict[str, float], px: int, kp: int,
            lab_h: int, stacked: bool) -> tuple[list[list[Member]], int]:
    """Group the panels: side by side columns, or stacked rows; and the gap between groups.

    Side by side, the kernel goes under whichever of the two maps is shorter.

    >>> shapes = {"grid": (3, 3), "target": (7, 7), "kernel": (3, 3)}
    >>> titles = {"grid_title": 60, "target_title": 90, "kernel_title": 60}
    >>> [[m[0] for m in g] for g in arrange(shapes, titles, 32, 24, 16, stacked=False)[0]]
    [['grid', 'kernel'], ['target']]
    """
    def member(name: str) -> Member:
        rows, cols = shapes[name]
        size = kp if name == "kernel" else px
        return name, max(cols * size, round(titles[f"{name}_title"])), lab_h + rows * size

    grid, target = member("grid"), member("target")
    kernel = [member("kernel")] if "kernel" in shapes else []
    if stacked:
        return [[grid], [target, *kernel]], max(20, px)
    if grid[2] < target[2]:
        return [[grid, *kernel], [target]], max(28, round(px * 1.25))
    return [[grid], [target, *kernel]], max(28, round(px * 1.25))


def span(groups: list[list[Member]], gap: int, stacked: bool) -> int:
    """Content width of the arranged groups.

    >>> span([[("grid", 100, 50)], [("target", 80, 40)]], 30, stacked=False)
    210
    """
    if stacked:
        return max(sum(w for _, w, _ in g) + MEMBER_GAP * 2 * (len(g) - 1) for g in groups)
    return sum(max(w for _, w, _ in g) for g in groups) + gap * (len(groups) - 1)


def place(groups: list[list[Member]], gap: int, stacked: bool, left: int, top: int,
          width: int) -> tuple[dict[str, tuple[int, int, bool]], int]:
    """Each panel's (x centre, top, title below?) and the bottom; groups share one top line.

    Stacked, the lower row's titles go under their panels, so the link from the window
    above to the written cell never crosses text.

    >>> place([[("grid", 100, 50)], [("target", 80, 40)]], 30, False, 10, 5, 300)
    ({'grid': (60, 5, False), 'target': (180, 5, False)}, 55)
    """
    out, bottom = {}, top
    if stacked:
        for index, group in enumerate(groups):
            row_w = sum(w for _, w, _ in group) + MEMBER_GAP * 2 * (len(group) - 1)
            x = (width - row_w) // 2
            for name, w, _ in group:
                out[name] = (x + w // 2, top, index > 0)
                x += w + MEMBER_GAP * 2
            top += max(h for _, _, h in group) + gap
        return out, top - gap
    x = left
    for group in groups:
        col_w, y = max(w for _, w, _ in group), top
        for name, _, h in group:
            out[name] = (x + col_w // 2, y, False)
            y += h + MEMBER_GAP
        bottom = max(bottom, y - MEMBER_GAP)
        x += col_w + gap
    return out, bottom


def flow_legend(items: list[tuple[str, str]], font: Font, m: int, width: int, y: int
                ) -> tuple[list[LegendItem], int]:
    """Flow legend entries into centred rows; returns the entries and the y below them.

    >>> from convanim.draw.text import get_font
    >>> entries, bottom = flow_legend([("input", "input"), ("padding", "padding")],
    ...                               get_font(7, 100), 10, 400, 0)
    >>> [e.look for e in entries], entries[0].swatch[1] == entries[1].swatch[1]
    (['input', 'padding'], True)
    """
    size = round(font.size_px) + 2
    space, pad = round(font.size_px * 1.2), max(3, round(font.size_px * 0.4))
    rows: list[list[tuple[str, str, int]]] = [[]]
    used = 0
    for look, label in items:
        w = size + pad + round(font.measure(label))
        if rows[-1] and used + space + w > width - 2 * m:
            rows.append([])
            used = 0
        used += (space if rows[-1] else 0) + w
        rows[-1].append((look, label, w))
    out, line = [], max(font.line_height, size + 4)
    for row in rows:
        total = sum(w for *_, w in row) + space * (len(row) - 1)
        x = (width - total) // 2
        for look, label, w in row:
            top = y + (line - size) // 2
            baseline = top + (size + round(font.cap_height)) // 2
            out.append(LegendItem(look, label, (x, top, x + size, top + size), x + size + pad,
                                  baseline))
            x += w + space
        y += line
    return out, y
