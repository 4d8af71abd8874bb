"""The output-size arithmetic as data, so every surface prints the same formula with numbers.

A transposed convolution also carries its equivalent direct convolution: ``s-1`` zeros inserted
between input cells, ``d*(k-1) - p`` padding on each side (negative means crop), then a
stride-1 convolution with the kernel rotated by 180 degrees.
"""

from __future__ import annotations

from dataclasses import dataclass

from convanim.geometry.rules import output_length
from convanim.geometry.spec import Spec


@dataclass(frozen=True)
class AxisArithmetic:
    """How one axis's output size comes about.

    ``formula`` is symbolic (``o = (i-1)*s + k - 2p``), ``numbers`` the same with the values
    filled in (``(3-1)*2 + 3 - 2*1``), ``output`` the result. For a transposed spec,
    ``zeros`` (``s-1``) and ``equivalent_padding`` (``d*(k-1) - p`` per side, plus any
    output_padding after) describe the equivalent direct convolution. ``unreached`` counts the
    cells at the far end of the padded input that no stride ever reaches. ``inserted`` is the
    input's length after zero insertion (the input itself for a convolution) and ``padded``
    the length of the grid the kernel slides over.
    """

    axis: int
    formula: str
    numbers: str
    output: int
    zeros: int
    equivalent_padding: tuple[int, int]
    unreached: int
    inserted: int
    padded: int

    @property
    def text(self) -> str:
        """``o = (3-1)*2 + 3 - 2*1 = 5``: the formula with numbers and the result (``o = 4``
        when there is nothing to work out)."""
        if self.numbers.strip() == str(self.output):
            return f"o = {self.output}"
        return f"o = {self.numbers} = {self.output}"


def padding_terms(before: int, after: int) -> tuple[str, str]:
    """The padding's term in a size formula, as symbols and as numbers.

    >>> padding_terms(1, 1), padding_terms(1, 0)
    (('2p', '2*1'), ('(p_before + p_after)', '(1 + 0)'))
    """
    if before == after:
        return "2p", f"2*{before}"
    return "(p_before + p_after)", f"({before} + {after})"


def axis_arithmetic(spec: Spec, axis: int) -> AxisArithmetic:
    """The arithmetic of one axis, as the spec's op states it.

    >>> axis_arithmetic(Spec(i=3, k=3, s=2, p=1, mode="transposed"), 0).text
    'o = (3-1)*2 + 3 - 2*1 = 5'
    >>> axis_arithmetic(Spec(i=5, k=3, s=2, p=1), 0).text
    'o = floor((5 + 2*1 - 3) / 2) + 1 = 3'
    """
    return spec.op.axis_arithmetic(spec, axis)


def kernel_terms(spec: Spec, axis: int) -> tuple[str, str]:
    """The span of the (dilated) kernel as a formula term and with numbers: ``k`` and ``3``.

    >>> kernel_terms(Spec(i=5, k=3), 0), kernel_terms(Spec(i=7, k=3, d=2), 0)
    (('k', '3'), ('d*(k-1) + 1', '2*(3-1) + 1'))
    """
    k, d = spec.k[axis], spec.d[axis]
    return ("k", f"{k}") if d == 1 else ("d*(k-1) + 1", f"{d}*({k}-1) + 1")


def sliding_arithmetic(spec: Spec, axis: int) -> AxisArithmetic:
    """A window sliding over the padded input: ``o = floor((i + 2p - k) / s) + 1``.

    >>> sliding_arithmetic(Spec(i=7, k=3, d=2, dims=1), 0).numbers
    '7 + 2*0 - 2*(3-1) - 1 + 1'
    """
    i, k, s, d = spec.i[axis], spec.k[axis], spec.s[axis], spec.d[axis]
    before, after = spec.p[axis]
    out = output_length(spec, axis)
    span = d * (k - 1) + 1
    psym, pnum = padding_terms(before, after)
    ksym, knum = kernel_terms(spec, axis)
    inner_sym, inner_num = f"i + {psym} - {ksym}", f"{i} + {pnum} - {knum}"
    if d != 1:
        inner_sym, inner_num = f"i + {psym} - d*(k-1) - 1", f"{i} + {pnum} - {d}*({k}-1) - 1"
    if s == 1:
        formula, numbers = f"o = {inner_sym} + 1", f"{inner_num} + 1"
    else:
        formula, numbers = f"o = floor(({inner_sym}) / s) + 1", f"floor(({inner_num}) / {s}) + 1"
    unreached = i + before + after - ((out - 1) * s + span)
    return AxisArithmetic(axis, formula, numbers, out, 0, (before, after), unreached, i,
                          i + before + after)


def arithmetic(spec: Spec) -> tuple[AxisArithmetic, ...]:
    """The arithmetic of every axis, height first.

    >>> [a.output for a in arithmetic(Spec(i=(4, 6), k=3))]
    [2, 4]
    """
    return tuple(axis_arithmetic(spec, axis) for axis in range(spec.dims))
