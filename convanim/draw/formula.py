"""Words and numbers in frames: cell values, shapes, and formulas that shorten to fit.

>>> Formula("max(", ["1", "3"], ", ", ") = 3").text()
'max(1, 3) = 3'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

# Typographic signs, spelled as escapes so the source stays plain ASCII.
TIMES, ELLIPSIS, INFINITY = "\u00d7", "\u2026", "\u221e"


@lru_cache(maxsize=4096)
def fmt(value: float) -> str:
    """A cell value as short text: ``3``, ``1.5``, ``0.33``, minus infinity, ``0``.

    Cached: a frame formats dozens of values and a figure reuses a few hundred; a numpy
    float hashes and compares like the Python float it holds, and -0.0 and 0.0 share "0".

    >>> fmt(3.0), fmt(1 / 3), fmt(-0.0), fmt(-np.inf) == "-" + INFINITY, fmt(0.001)
    ('3', '0.33', '0', True, '0.001')
    """
    if np.isinf(value):
        return INFINITY if value > 0 else "-" + INFINITY
    text = f"{value:.2f}".rstrip("0").rstrip(".") if value != round(value) else str(int(value))
    if text in ("-0", "0", "") and value != 0:
        # Smaller than two decimals show: its own digits, never a false "0".
        return f"{value:.2g}"
    return "0" if text in ("-0", "") else text


def shape_text(shape: tuple[int, ...]) -> str:
    """``5x5`` (with a multiplication sign) for 2-D shapes, ``(length 7)`` for 1-D ones.

    >>> shape_text((7,)), shape_text((5, 4)) == "5" + TIMES + "4"
    ('(length 7)', True)
    """
    return f"(length {shape[-1]})" if len(shape) == 1 else f"{shape[0]}{TIMES}{shape[1]}"


@dataclass
class Formula:
    """``prefix + joiner.join(terms) + suffix``; ``fit`` shortens it to a width.

    ``zeros`` flags terms over padding or inserted zeros, which a long formula may drop.

    >>> Formula("mean(", ["1", "2"], ", ", ") = 1.5").text()
    'mean(1, 2) = 1.5'
    """

    prefix: str
    terms: list[str]
    joiner: str
    suffix: str
    zeros: list[bool] = field(default_factory=list)

    def text(self, keep: int | None = None, drop_zeros: bool = False) -> str:
        """The formula; ``drop_zeros`` folds zero terms into a count, ``keep`` elides the middle.

        >>> f = Formula("", ["0*2", "3*4", "5*6", "1*1"], " + ", " = 43", [True] + [False] * 3)
        >>> f.text(drop_zeros=True)
        '3*4 + 5*6 + 1*1 + (1 zero cell) = 43'
        >>> f.text(keep=2).replace(ELLIPSIS, "...")
        '0*2 + ... + 1*1 = 43'
        """
        terms, extra = self.terms, []
        if drop_zeros and any(self.zeros):
            terms = [t for t, z in zip(self.terms, self.zeros) if not z]
            n = sum(self.zeros)
            extra = [f"({n} zero cell{'s' if n > 1 else ''})"]
        if keep is not None and keep < len(terms):
            terms = [*terms[: max(keep - 1, 1)], ELLIPSIS, terms[-1]]
        return self.prefix + self.joiner.join(terms + extra) + self.suffix

    def fit(self, measure: Callable[[str], float], width: float) -> str:
        """The longest form of the formula whose ``measure`` is at most ``width``.

        >>> zeros = [True] * 3 + [False] * 2
        >>> f = Formula("", ["0*2", "0*1", "0*3", "3*4", "1*1"], " + ", " = 13", zeros)
        >>> f.fit(len, 40)
        '0*2 + 0*1 + 0*3 + 3*4 + 1*1 = 13'
        >>> f.fit(len, 31)
        '3*4 + 1*1 + (3 zero cells) = 13'
        >>> f.fit(len, 5)  # nothing fits: the shortest form
        '3*4 + 1*1 + (3 zero cells) = 13'
        """
        drop = any(self.zeros)

        def tries() -> Iterator[str]:  # longest first, made one at a time: most fit at once
            yield self.text()
            if drop:
                yield self.text(drop_zeros=True)
            for k in range(len(self.terms) - 1, 1, -1):
                yield self.text(keep=k, drop_zeros=drop)

        for text in tries():
            if measure(text) <= width:
                return text
        return min(tries(), key=measure)
