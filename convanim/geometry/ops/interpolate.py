"""Bilinear (1-D: linear) interpolation weights as PyTorch's ``upsample_bilinear2d`` makes them.

Per axis, output cell ``o`` reads input cells ``i0`` and ``i1 = min(i0 + 1, n - 1)`` with
weights ``1 - l`` and ``l``, where the source position is ``o * (n - 1) / (O - 1)`` with
``align_corners`` and ``max((o + 0.5) / s - 0.5, 0)`` without; ``i0`` is its floor and ``l``
the rest (clamped to [0, 1]), computed
exactly (as fractions) and rounded once. An axis of scale 1 copies. A 2-D cell is the product of its
two axes' weights: up to four sources.
"""

from __future__ import annotations

import numpy as np

from convanim.geometry.plan import Frame
from convanim.geometry.spec import Spec


def axis_weights(n: int, scale: int, align_corners: bool
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(i0, i1, w0, w1)`` per output cell of one axis of length ``n`` upsampled ``scale``
    times.

    >>> i0, i1, w0, w1 = axis_weights(2, 2, False)
    >>> i0.tolist(), i1.tolist(), w0.tolist(), w1.tolist()
    ([0, 0, 0, 1], [1, 1, 1, 1], [1.0, 0.75, 0.25, 0.75], [0.0, 0.25, 0.75, 0.25])
    """
    out = n * scale
    if out == n:
        index = np.arange(n)
        return index, index.copy(), np.ones(n), np.zeros(n)
    from fractions import Fraction  # here: only resampling figures need it (~1 ms to import)

    # Exact rational source positions: a weight is zero exactly when the mathematics says so
    # (PyTorch's float arithmetic can leave ~1e-16 there; its values agree to rounding).
    if align_corners:
        ratio = Fraction(n - 1, out - 1) if out > 1 else Fraction(0)
        src = [ratio * o for o in range(out)]
    else:
        src = [max(Fraction(2 * o + 1, 2 * scale) - Fraction(1, 2), Fraction(0))
               for o in range(out)]
    i0 = np.array([min(int(v), n - 1) for v in src], dtype=np.int64)
    rest = [min(max(v - int(a), Fraction(0)), Fraction(1)) for v, a in zip(src, i0.tolist())]
    w1 = np.array([float(v) for v in rest])
    w0 = np.array([float(1 - v) for v in rest])
    i1 = i0 + (i0 < n - 1)
    return i0, i1, w0, w1


def bilinear(x: np.ndarray, scale: tuple[int, ...], align_corners: bool) -> np.ndarray:
    """The interpolated array (1-D or 2-D), summed in PyTorch's order (width, then height).

    >>> bilinear(np.array([0.0, 4.0]), (2,), False).tolist()
    [0.0, 1.0, 3.0, 4.0]
    """
    if x.ndim == 1:
        i0, i1, w0, w1 = axis_weights(x.shape[0], scale[0], align_corners)
        return x[i0] * w0 + x[i1] * w1
    h0, h1, a0, a1 = axis_weights(x.shape[0], scale[0], align_corners)
    c0, c1, b0, b1 = axis_weights(x.shape[1], scale[1], align_corners)
    top = x[h0][:, c0] * b0 + x[h0][:, c1] * b1
    bottom = x[h1][:, c0] * b0 + x[h1][:, c1] * b1
    return top * a0[:, None] + bottom * a1[:, None]


def _merged(i0: int, i1: int, w0: float, w1: float) -> list[tuple[int, float]]:
    """One axis's sources with nonzero weight, a repeated source's weights added."""
    found: dict[int, float] = {}
    for index, weight in ((i0, w0), (i1, w1)):
        if weight != 0.0:
            found[index] = found.get(index, 0.0) + weight
    return list(found.items())


def source_weights(spec: Spec, cell: tuple[int, int]) -> list[tuple[tuple[int, int], float]]:
    """The (row, col) input cells output ``cell`` (row, col; 1-D: row 0) reads, with weights.

    >>> source_weights(Spec(i=2, mode="upsample", method="bilinear", dims=1), (0, 1))
    [((0, 0), 0.75), ((0, 1), 0.25)]
    """
    scale = spec.scale if spec.dims == 2 else (1, spec.scale[0])
    n = spec.i if spec.dims == 2 else (1, spec.i[0])
    axes = []
    for axis in range(2):
        i0, i1, w0, w1 = axis_weights(n[axis], scale[axis], spec.align_corners)
        o = cell[axis]
        axes.append(_merged(int(i0[o]), int(i1[o]), float(w0[o]), float(w1[o])))
    return [((r, c), wr * wc) for r, wr in axes[0] for c, wc in axes[1]]


def bilinear_frames(spec: Spec, x2: np.ndarray, y2: np.ndarray) -> list[Frame]:
    """One slide frame per output cell: its sources as the window, their weights, the sum.

    >>> from convanim.geometry.spec import Spec
    >>> from convanim.geometry.compute import compute
    >>> spec = Spec(i=2, mode="upsample", method="bilinear")
    >>> x2 = np.array([[0.0, 4.0], [8.0, 12.0]])
    >>> frames = bilinear_frames(spec, x2, compute(spec, x2, None))
    >>> len(frames), frames[5].value, len(frames[5].window)  # output (1, 1): 4 input cells
    (16, 3.0, 4)
    """
    corners = " (align_corners)" if spec.align_corners else ""
    name = "bilinear" if spec.dims == 2 else "linear"
    caption = f"{name}{corners}: each output cell is a weighted sum of its nearest input cells"
    user = (lambda r, c: (c,)) if spec.dims == 1 else (lambda r, c: (r, c))
    frames = []
    for step, (r, c) in enumerate(np.ndindex(*y2.shape), start=1):
        sources = source_weights(spec, (r, c))
        window = np.array([cell for cell, _ in sources], dtype=np.int64).reshape(-1, 2)
        weights = np.array([weight for _, weight in sources])
        values = x2[window[:, 0], window[:, 1]]
        value = float(y2[r, c])
        links = tuple((user(r, c), user(*cell), ()) for cell, _ in sources)
        frames.append(Frame("slide", "input", caption, step, window,
                            np.zeros((len(window), 2), dtype=np.int64), np.array([[r, c]]),
                            weights * values, value, np.array([value]),
                            np.array([len(window)]), None, links, weights))
    return frames
