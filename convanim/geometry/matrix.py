"""A convolution as the sparse matrix it is: ``y.ravel() = C @ x.ravel()``.

The matrix is read off the plan's links (output cell, input cell, kernel tap), so it holds
exactly the connections the animations draw. A transposed convolution's matrix is the
transpose of the matrix of the convolution it undoes the shape of: that is the name.
The ``matrix`` view draws it (:mod:`convanim.draw.matrix`); ``convanim.explain`` re-exports it.
"""

from __future__ import annotations

import numpy as np

from convanim.geometry.ops import modes_with
from convanim.geometry.plan import Plan, plan
from convanim.geometry.spec import Spec, SpecError

MAX_MATRIX = 64
"""Most rows or columns drawn: beyond this the entries are too small to read."""


def matrix_links(planned: Plan) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row (output cell), column (input cell) and flat kernel tap of every link, as arrays.

    >>> rows, cols, taps = matrix_links(plan(Spec(i=3, k=2, dims=1)))
    >>> rows.tolist(), cols.tolist(), taps.tolist()
    ([0, 0, 1, 1], [0, 1, 1, 2], [0, 1, 0, 1])
    """
    # The arrays' own shapes: a channel stack's cells and taps carry their channels first,
    # so the matrix has one block per (output channel, input channel) pair.
    out_shape, in_shape, w_shape = planned.y.shape, planned.x.shape, planned.w.shape
    triples = [(int(np.ravel_multi_index(out, out_shape)),
                int(np.ravel_multi_index(src, in_shape)), int(np.ravel_multi_index(tap, w_shape)))
               for frame in planned.frames for out, src, tap in frame.links]
    array = np.array(triples, dtype=np.int64).reshape(-1, 3)
    return array[:, 0], array[:, 1], array[:, 2]


def _linear(spec: Spec) -> None:
    if "matrix" not in spec.op.views:
        able = " or ".join(repr(mode) for mode in modes_with("matrix"))
        raise SpecError(f"mode={spec.mode!r} is not a linear map, so it has no matrix; "
                        f"use mode {able}", "mode")


def conv_matrix(spec: Spec, w: object = None, *, seed: int = 0) -> np.ndarray:
    """The matrix M with ``y.ravel() == M @ x.ravel()`` (shape: output cells x input cells).

    Entries are kernel weights (summed where reflect or circular padding makes two taps read
    the same input cell). For a transposed spec M is the transpose of the matrix of the
    convolution that maps its output size back to its input size. ``w`` defaults to the
    seeded small integers :func:`convanim.geometry.make_values` draws.

    >>> conv_matrix(Spec(i=3, k=2, dims=1), [1, 2]).tolist()
    [[1.0, 2.0, 0.0], [0.0, 1.0, 2.0]]
    >>> conv_matrix(Spec(i=2, k=2, mode="transposed", dims=1), [1, 2]).T.tolist()
    [[1.0, 2.0, 0.0], [0.0, 1.0, 2.0]]
    """
    _linear(spec)
    planned = plan(spec, w=w, seed=seed)
    return matrix_from_plan(planned)


def matrix_from_plan(planned: Plan) -> np.ndarray:
    """:func:`conv_matrix` for an existing plan, with the plan's kernel values.

    >>> matrix_from_plan(plan(Spec(i=3, k=2, dims=1), w=[1, 2])).shape
    (2, 3)
    """
    spec = planned.spec
    _linear(spec)
    rows, cols, taps = matrix_links(planned)
    matrix = np.zeros((planned.y.size, planned.x.size))
    np.add.at(matrix, (rows, cols), planned.w.ravel()[taps])
    return matrix


def check_matrix_size(spec: Spec) -> tuple[int, int]:
    """The matrix's (rows, columns), or a SpecError when it is too big to draw legibly.

    >>> check_matrix_size(Spec(i=4, k=3))
    (4, 16)
    """
    _linear(spec)
    x_shape = spec.op.input_shape(spec)
    y_shape = spec.output_shape
    if len(x_shape) > spec.dims:  # a channel stack: its output has a channel axis too
        y_shape = (int(spec.op.layer_facts(spec)["out_channels"]), *y_shape)
    shape = (int(np.prod(y_shape)), int(np.prod(x_shape)))
    if max(shape) > MAX_MATRIX:
        cells = "x".join(map(str, x_shape if shape[1] > MAX_MATRIX else y_shape))
        raise SpecError(
            f"view='matrix' needs one row per output cell and one column per input cell: "
            f"{shape[0]}x{shape[1]} here, more than {MAX_MATRIX} on a side ({cells} cells); "
            f"use an input_size with at most {MAX_MATRIX} cells in and out, e.g. 4", "input_size")
    return shape
