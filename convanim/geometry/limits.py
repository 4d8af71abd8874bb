"""The geometry core's own budget: what ``plan`` and ``compute`` may hold, counted first.

The drawing budget (:mod:`convanim.budget`) bounds frames and pixels; the public API's
:func:`~convanim.geometry.plan` and :func:`~convanim.geometry.compute` are doors of their own,
so they check here, by arithmetic on the spec alone, before allocating anything: a plan holds
a few kilobytes per frame, and compute holds the input, the padded input (or the transposed
canvas) and the output, one float per cell per channel.

>>> from convanim.geometry import Spec
>>> check_plan(Spec(i=5, k=3))
>>> check_plan(Spec(i=3000, k=3))
Traceback (most recent call last):
...
convanim.geometry.spec.SpecError: plan() of i=3000 k=3 s=1 p=0 would make 8,988,006 \
frames, more than the limit 60,000; use a smaller input_size (at most about 245 for this \
layer)
"""

from __future__ import annotations

import math

from convanim.geometry.spec import Spec, SpecError

MAX_PLAN_FRAMES = 60_000  # ~3 KB and ~0.1 ms each: ~200 MB and a few seconds at most;
# more than the pixel budget lets any render draw (6e9 pixels over frames of >= 110,000)
MAX_COMPUTE_CELLS = 40_000_000  # floats held by compute (input, padded, output): ~1 GB peak


def _label(spec: Spec) -> str:
    parts = spec.label.split("  ")
    return parts[1] if len(parts) > 1 else spec.label


def _fitting_side(spec: Spec, count: float, limit: float) -> int:
    """About the largest input side that keeps ``count`` (growing as side**dims) in budget."""
    side = max(spec.i)
    return max(1, int(side * (limit / count) ** (1 / spec.dims)))


def check_plan(spec: Spec) -> None:
    """Refuse, before any work, a plan with more than :data:`MAX_PLAN_FRAMES` frames.

    >>> check_plan(Spec(i=5, k=3))
    >>> try:
    ...     check_plan(Spec(i=4000, k=1))
    ... except SpecError as err:
    ...     print(str(err)[:58])
    plan() of i=4000 k=1 s=1 p=0 would make 16,000,002 frames,
    """
    from convanim.geometry.plan import frame_count

    frames = frame_count(spec)
    if frames > MAX_PLAN_FRAMES:
        raise SpecError(f"plan() of {_label(spec)} would make {frames:,} frames, more than the "
                        f"limit {MAX_PLAN_FRAMES:,}; use a smaller input_size (at most about "
                        f"{_fitting_side(spec, frames, MAX_PLAN_FRAMES)} for this layer)",
                        "input_size")


def compute_cells(spec: Spec) -> int:
    """Floats compute holds at its peak: input, padded input or canvas, and output.

    >>> compute_cells(Spec(i=4, k=3))
    36
    """
    op = spec.op
    cells_in = math.prod(op.input_shape(spec))
    out = math.prod(spec.output_shape)
    channels = max(1, cells_in // max(1, math.prod(spec.i)))
    if spec.is_transposed:
        middle = math.prod((i - 1) * s + d * (k - 1) + 1 + sum(p)
                           for i, s, d, k, p in zip(spec.i, spec.s, spec.d, spec.k, spec.p))
    else:
        middle = math.prod(i + sum(p) for i, p in zip(spec.i, spec.p))
    out_channels = max(1, getattr(spec, "out_channels", 1) or 1)
    return cells_in + channels * middle + out_channels * out


def check_compute(spec: Spec) -> None:
    """Refuse, before allocating, a compute() past :data:`MAX_COMPUTE_CELLS` floats.

    >>> check_compute(Spec(i=5, k=3))
    >>> try:
    ...     check_compute(Spec(i=100_000, k=1))
    ... except SpecError as err:
    ...     print(str(err)[:59])
    compute() of i=100000 k=1 s=1 p=0 would hold 30,000,000,000
    """
    cells = compute_cells(spec)
    if cells > MAX_COMPUTE_CELLS:
        raise SpecError(f"compute() of {_label(spec)} would hold {cells:,} numbers, more than "
                        f"the limit {MAX_COMPUTE_CELLS:,}; use a smaller input_size (at most "
                        f"about {_fitting_side(spec, cells, MAX_COMPUTE_CELLS)} for this "
                        "layer)", "input_size")
