"""Which input cell each output cell reads, per axis, by arithmetic instead of planning frames.

A plan holds one frame per output (or input) cell; for ``shape -i 1000`` that is a million
frames. The links of a convolution are separable: output ``(o0, o1)`` reads input
``(x0, x1)`` through tap ``(t0, t1)`` exactly when each axis links ``o_a, x_a, t_a``. So the
set of links is the product of the per-axis sets, and the taps reaching an output cell are
the product of per-axis counts: each is O(output x kernel) per axis.

Each separable op says how one axis links (``Op.axis_links``: a sliding window, a transposed
convolution); the tests check the products against the plan's frames.
"""

from __future__ import annotations

import numpy as np

from convanim.geometry.spec import Spec


def axis_links(spec: Spec, axis: int) -> np.ndarray:
    """The ``(output, input, tap)`` links of one axis, one row each (the op's own rule).

    >>> axis_links(Spec(i=3, k=2, dims=1), 0).tolist()
    [[0, 0, 0], [0, 1, 1], [1, 1, 0], [1, 2, 1]]
    """
    return spec.op.axis_links(spec, axis)


def _axis_rows(spec: Spec, axis: int, with_taps: bool) -> np.ndarray:
    """One axis's links, sorted and distinct, so two sets compare as arrays (no Python tuples).

    Without taps a row may repeat: two taps of one window can read the same input cell
    (replicate or reflect padding), and the set holds it once.

    >>> _axis_rows(Spec(i=1, k=2, p=((0, 1),), padding_mode="replicate", dims=1), 0, False)
    array([[0, 0]])
    """
    rows = axis_links(spec, axis)
    rows = rows if with_taps else rows[:, :2]
    rows = rows[np.lexsort(rows.T[::-1])]
    keep = np.ones(len(rows), bool)
    keep[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    return rows[keep]


MAX_AXIS_LINKS = 2_000_000  # rows of one axis's links held at once (~50 MB with the sort)


def _axis_size(spec: Spec) -> int:
    """The most links one axis can have: (input or output cells) x kernel taps."""
    return max(max(i, o) * k for i, o, k in zip(spec.i, spec.output_shape, spec.k))


def _same_by_numbers(a: Spec, b: Spec, with_taps: bool) -> bool:
    """``same_links`` for axes too long to list, from the numbers that define the links.

    An axis's links depend only on the op, the input, kernel, stride and dilation, the padding
    before and the output length. Equal numbers link alike. With taps, a different padding
    before shifts the input cell of every (output, tap) pair, so a non-empty axis (and one
    this long is never empty) cannot link alike; without taps a shift could, in principle, be
    absorbed by another tap, and this says "not the same" (the caller then names no padding).

    >>> _same_by_numbers(Spec(i=10**7, k=3, p=1), Spec(i=10**7, k=3, p=(1, 1)), True)
    True
    """
    def numbers(spec: Spec) -> tuple[object, ...]:
        return (spec.mode, spec.padding_mode, spec.i, spec.k, spec.s, spec.d,
                tuple(before for before, _ in spec.p), spec.output_shape)

    return numbers(a) == numbers(b)


def same_links(a: Spec, b: Spec, with_taps: bool = True) -> bool:
    """True when ``a`` and ``b`` link the same output cells to the same inputs (and taps).

    >>> same_links(Spec(i=5, k=3, p=(1, 1)), Spec(i=5, k=3, p=((1, 1), (1, 2))))
    False
    >>> same_links(Spec(i=6, k=3, s=2, p=((1, 1), (1, 1))), Spec(i=6, k=3, s=2, p=((1, 0), (1, 0))))
    True
    """
    if a.dims != b.dims:
        return False
    if max(_axis_size(a), _axis_size(b)) > MAX_AXIS_LINKS:
        return _same_by_numbers(a, b, with_taps)
    rows_a = [_axis_rows(a, axis, with_taps) for axis in range(a.dims)]
    rows_b = [_axis_rows(b, axis, with_taps) for axis in range(b.dims)]
    empty_a, empty_b = any(not len(r) for r in rows_a), any(not len(r) for r in rows_b)
    if empty_a or empty_b:
        # A product with an empty factor is empty, whatever the other axes hold.
        return empty_a and empty_b
    return all(np.array_equal(x, y) for x, y in zip(rows_a, rows_b))


def tap_counts(spec: Spec) -> np.ndarray:
    """Links per output cell (shape ``spec.output_shape``): the outer product of the axes'.

    >>> tap_counts(Spec(i=2, k=3, s=2, mode="transposed", dims=1)).tolist()
    [1, 1, 2, 1, 1]
    """
    per_axis = [np.bincount(axis_links(spec, axis)[:, 0], minlength=spec.output_shape[axis])
                for axis in range(spec.dims)]
    counts = per_axis[0].astype(np.int64)
    for more in per_axis[1:]:
        counts = np.multiply.outer(counts, more)
    return counts


def inputs_read(spec: Spec) -> int:
    """How many input cells at least one output reads.

    >>> inputs_read(Spec(i=7, k=3, s=3, dims=1))
    6
    """
    total = 1
    for axis in range(spec.dims):
        total *= len(np.unique(axis_links(spec, axis)[:, 1]))
    return total
