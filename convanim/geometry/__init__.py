"""The pure core: specs, output sizes, values and the plan of frames (numpy only)."""

from convanim.geometry.arithmetic import AxisArithmetic, arithmetic
from convanim.geometry.compute import compute, make_values
from convanim.geometry.ops import MODES, Op, get_op
from convanim.geometry.plan import (
    CROP,
    INPUT,
    PAD,
    ZERO,
    Frame,
    Grid,
    Plan,
    frame_count,
    largest_grid,
    plan,
)
from convanim.geometry.spec import Spec, SpecError

__all__ = [
    "CROP", "INPUT", "MODES", "PAD", "ZERO", "AxisArithmetic", "Frame", "Grid", "Op", "Plan",
    "Spec", "SpecError", "arithmetic", "compute", "frame_count", "get_op", "largest_grid",
    "make_values", "plan",
]
