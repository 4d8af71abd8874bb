"""Overlap maps as figures: one heatmap per layer, one row per spec, the count in each cell.

The only module of :mod:`convanim.explain` that uses matplotlib (Figure and the Agg canvas,
never pyplot, so it is safe in threads and servers). Files are written atomically and
byte-for-byte reproducibly: no dates in SVG or PNG metadata, a fixed SVG id salt.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure

from convanim.explain.describe import shape_text
from convanim.explain.overlap import (
    describe_counts,
    gradient_spec,
    interior_counts,
    uneven_axes,
)
from convanim.geometry import Spec
from convanim.writers import atomic_output

CMAP = "viridis"  # perceptually uniform and readable with the common colour-vision deficiencies
MIN_FIG_IN = 6.0  # room for the titles
MIN_NUMBER_PT = 4.5  # smaller numbers are unreadable: colour alone then, with a colour bar

Rows = Sequence[tuple[Spec, Sequence[np.ndarray]]]


def _as_grid(counts: np.ndarray) -> np.ndarray:
    return counts.reshape(1, -1) if counts.ndim == 1 else counts


def _text_color(rgba: Sequence[float]) -> str:
    # Relative luminance (sRGB weights): dark text on light cells, white on dark ones.
    luminance = 0.2126 * rgba[0] + 0.7152 * rgba[1] + 0.0722 * rgba[2]
    return "#000000" if luminance > 0.45 else "#ffffff"


def panel_inches(cells: int) -> float:
    """Width of a heatmap of ``cells`` columns: larger maps get more room, within reason.

    >>> panel_inches(5), panel_inches(47)
    (2.6, 5.0)
    """
    return float(min(5.0, max(2.6, 0.22 * cells)))


def _panel(fig: Figure, ax: matplotlib.axes.Axes, counts: np.ndarray, title: str,
           note: str, unit: str = "taps") -> None:
    grid = _as_grid(counts)
    rows, cols = grid.shape
    low, high = int(grid.min()), int(grid.max())
    levels = np.arange(low, high + 2) - 0.5
    cmap = matplotlib.colormaps[CMAP].resampled(max(len(levels) - 1, 1))
    norm = BoundaryNorm(levels, cmap.N)
    cell_pt = panel_inches(max(rows, cols)) * 72 / max(rows, cols)
    mesh = ax.pcolormesh(grid, cmap=cmap, norm=norm, edgecolors="#ffffff",
                         linewidth=min(1.0, cell_pt * 0.05))
    ax.set_xlim(0, cols)
    ax.set_ylim(rows, 0)  # row 0 at the top, as in the animations
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    digits = len(str(high))
    size = min(11.0, cell_pt * 0.5, cell_pt * 0.85 / (0.62 * digits))
    if size >= MIN_NUMBER_PT:
        for (r, c), value in np.ndenumerate(grid):
            ax.text(c + 0.5, r + 0.5, str(int(value)), ha="center", va="center",
                    fontsize=size, color=_text_color(cmap(norm(value))))
    else:
        # Each panel has its own scale, so its bar sits under it (not at the row's end,
        # where it would read as the scale of every panel in the row).
        fig.colorbar(mesh, ax=ax, shrink=0.8, location="bottom", pad=0.02,
                     ticks=np.arange(low, high + 1, max(1, (high - low) // 6)))
    ax.set_title(title, fontsize=9)
    spread = describe_counts(grid) if high - low < 6 else f"{low} to {high}"
    ax.set_xlabel(f"{unit} per cell: {spread}{note}", fontsize=8)


def overlap_figure(rows: Rows, gradient: bool = False) -> Figure:
    """One heatmap per layer of each spec's count maps: a row per spec, or, when every spec
    has a single layer, the specs side by side. ``gradient``: the maps are
    :func:`~convanim.explain.overlap.gradient_counts` (paths back to each input cell).

    >>> from convanim.explain.overlap import layered_counts
    >>> spec = Spec(i=3, k=3, s=2, p=1, mode="transposed")
    >>> fig = overlap_figure([(spec, layered_counts(spec, 2))])
    >>> len(fig.axes)
    2
    """
    n_cols = max(len(maps) for _, maps in rows)
    beside = n_cols == 1 and len(rows) > 1
    # Panels: (row, column, spec, layer, counts), laid out on one grid of subfigures.
    panels = [(0 if beside else r, r if beside else c, spec, c + 1, counts)
              for r, (spec, maps) in enumerate(rows) for c, counts in enumerate(maps)]
    n_rows, n_cols = (1, len(rows)) if beside else (len(rows), n_cols)
    widths = [max(panel_inches(max(_as_grid(p[4]).shape)) for p in panels if p[1] == col)
              for col in range(n_cols)]
    heights = [max(max(panel_inches(max(_as_grid(p[4]).shape)) * _as_grid(p[4]).shape[0]
                       / _as_grid(p[4]).shape[1], 0.5) + 1.1 for p in panels if p[0] == row)
               for row in range(n_rows)]
    fig = Figure(figsize=(max(MIN_FIG_IN, 0.4 + sum(w + 0.9 for w in widths)),
                          0.6 + sum(heights)), layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle("Gradient paths back to each input cell\n(dL/dx for dL/dy and W all ones)"
                 if gradient else "Kernel taps reaching each output cell", fontsize=11,
                 fontweight="bold")
    subfigs = fig.subfigures(n_rows, 1 if not beside else n_cols, height_ratios=heights,
                             width_ratios=widths if beside else None, squeeze=False)
    axes: dict[tuple[int, int], matplotlib.axes.Axes] = {}
    for r in range(n_rows):
        if beside:
            for c in range(n_cols):
                axes[r, c] = subfigs[r, c].subplots()
        else:
            row_axes = subfigs[r, 0].subplots(1, n_cols, squeeze=False, width_ratios=widths)[0]
            axes.update({(r, c): ax for c, ax in enumerate(row_axes)})
    for r, c, spec, layer, counts in panels:
        sub = subfigs[r, c] if beside else subfigs[r, 0]
        back = gradient_spec(spec) if gradient else spec  # what carries the gradient back
        even = "even overlap" if not uneven_axes(back) else "uneven overlap: checkerboard"
        label = f"{spec.label}, backward" if gradient else spec.label
        sub.suptitle(f"{label}\n({even})" if beside else f"{label}  ({even})", fontsize=9.5)
        if gradient:  # from the last layer's output back, one layer at a time
            size = (_stack_output(spec, sum(p[2] is spec for p in panels)) if layer == 1 else
                    next(p[4].shape for p in panels if p[2] is spec and p[3] == layer - 1))
        else:
            size = spec.i if layer == 1 else next(p[4].shape for p in panels
                                                   if p[2] is spec and p[3] == layer - 1)
        name = ((f"{layer} layer{'s' if layer > 1 else ''} back: " if gradient else
                 f"layer {layer}: ") if n_cols > 1 and not beside else "")
        inner = (interior_counts(back) if back.is_transposed or not gradient
                 else [int(np.prod(back.k))])
        note = f" (interior: {describe_counts(inner)})" if layer == 1 else ""
        _panel(sub, axes[r, c], counts, f"{name}{shape_text(size)} -> "
               f"{shape_text(counts.shape)}", note, "paths" if gradient else "taps")
    used = {(p[0], p[1]) for p in panels}
    for key, ax in axes.items():
        ax.set_visible(key in used)
    return fig


def _stack_output(spec: Spec, layers: int) -> tuple[int, ...]:
    """The output size of ``layers`` identical layers of ``spec`` stacked."""
    for _ in range(layers - 1):
        spec = spec.replace(i=spec.output_shape)
    return spec.output_shape


def save_overlap(rows: Rows, path: str | os.PathLike[str], dpi: int = 150,
                 gradient: bool = False) -> Path:
    """Draw :func:`overlap_figure` to ``path`` (.png or .svg), atomically and reproducibly.

    >>> import tempfile, os
    >>> from convanim.explain.overlap import layered_counts
    >>> spec = Spec(i=3, k=4, s=2, p=1, mode="transposed")
    >>> out = save_overlap([(spec, layered_counts(spec, 1))], os.path.join(tempfile.mkdtemp(),
    ...     "map.svg"))
    >>> out.read_text().count("<svg") == 1
    True
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ValueError(f"{path.name!r}: write .png or .svg")
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with matplotlib.rc_context({"svg.hashsalt": "convanim", "svg.fonttype": "path"}):
        fig = overlap_figure(rows, gradient)
        with atomic_output(path, "wb") as handle:
            fig.savefig(handle, format=fmt, dpi=dpi, metadata=metadata, facecolor="#ffffff")
    return path
