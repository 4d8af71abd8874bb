"""Explanations beyond the animation: shapes and formulas, a solver, overlap maps, matrices.

Pure logic (numpy only); the overlap figure is drawn by :mod:`convanim.explain.draw`.

>>> from convanim.explain import alt_text
>>> from convanim import Spec
>>> alt_text(Spec(i=5, k=3, s=2, p=1))
'Convolution of a 5x5 input with a 3x3 kernel, stride 2, padding 1, giving a 3x3 output.'
"""

from convanim.explain.code import keras_code, keras_reason, pytorch_code
from convanim.explain.describe import ShapeReport, alt_text, explain_shape, shape_text
from convanim.explain.overlap import (
    describe_counts,
    interior_counts,
    layered_counts,
    link_counts,
    overlap_counts,
    phase_taps,
    taps_per_phase,
    uneven_axes,
)
from convanim.explain.solve import Bounds, Solution, default_mode, solve
from convanim.geometry.matrix import (
    MAX_MATRIX,
    check_matrix_size,
    conv_matrix,
    matrix_from_plan,
    matrix_links,
)
from convanim.mplcache import use_private_cache  # noqa: F401  (matplotlib's folders)

__all__ = [
    "MAX_MATRIX", "Bounds", "ShapeReport", "Solution", "alt_text", "check_matrix_size",
    "conv_matrix", "default_mode", "describe_counts", "explain_shape", "interior_counts",
    "keras_code", "keras_reason", "layered_counts", "link_counts", "matrix_from_plan",
    "matrix_links", "overlap_counts", "phase_taps", "pytorch_code", "shape_text", "solve",
    "taps_per_phase", "uneven_axes",
]
