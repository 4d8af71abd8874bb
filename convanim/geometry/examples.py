"""Example values that teach: which seeded draws a figure shows.

The values come from a seeded generator (:mod:`convanim.geometry.seeded`); this module only
decides which draw to keep, whatever the generator: the first draw that is not degenerate,
trying the seed itself, then ``[seed, 2, 1]``, ``[seed, 2, 2]``, ... A draw is degenerate
when a row or column of an input channel or of a dense output map is all zeros (a newcomer
sees nothing happen there), or when a max-pooling figure's maxima are nearly all the same (every
output 4 teaches nothing about picking a maximum). Max modes draw inputs from a wider range
(0..9) so their maxima can differ.

>>> from convanim.geometry.spec import Spec
>>> degenerate(Spec(i=3, k=2), np.array([[0, 0, 0], [1, 2, 3], [4, 1, 2]]), np.ones((2, 2)))
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from convanim.geometry.spec import Spec

ATTEMPTS = 48  # draws tried before keeping the first one (deterministic either way)
MAX_CHECKED = 4096  # larger inputs are not screened: the check would cost more than it helps


def input_range(spec: Spec) -> tuple[int, int]:
    """The half-open range of seeded input integers for ``spec``'s mode.

    >>> input_range(Spec(i=4, k=2, mode="maxpool")), input_range(Spec(i=4, k=3))
    ((0, 10), (0, 5))
    """
    return spec.op.value_range


def _maps(a: np.ndarray) -> np.ndarray:
    """Any array as a stack of 2-D maps (a 1-D signal is one row)."""
    a = np.asarray(a, float)
    if a.ndim == 1:
        return a.reshape(1, 1, -1)
    return a.reshape(-1, *a.shape[-2:])


def _zero_line(a: np.ndarray) -> bool:
    """Whether a map of ``a`` has a row, or (2-D maps) a column, of zeros only."""
    maps = _maps(a)
    if not maps.size:
        return False
    zero = maps == 0
    rows = zero.all(axis=2).any()
    cols = maps.shape[1] > 1 and zero.all(axis=1).any()
    return bool(rows or cols)


def degenerate(spec: Spec, x: np.ndarray, w: np.ndarray | None,
               compute: Callable[..., np.ndarray] | None = None) -> bool:
    """Whether ``x`` (and the output it gives) would make a poor example for ``spec``.

    >>> from convanim.geometry.compute import compute
    >>> spec = Spec(i=4, k=2, mode="maxpool")
    >>> degenerate(spec, np.full((4, 4), 4.0) + np.eye(4), None, compute)
    True
    >>> degenerate(spec, np.arange(16.0).reshape(4, 4) + 1, None, compute)
    False
    """
    if _zero_line(x):
        return True
    if compute is None:
        return False
    y = np.asarray(compute(spec, x, w), float)
    # Unpooling and bed of nails put zeros between the values on purpose.
    if not spec.op.sparse_output(spec) and _zero_line(y):
        return True
    pooled = spec.op.example_maxima(spec, y)
    if pooled is not None:
        wanted = min(3, pooled.size)
        return len(set(np.ravel(pooled).tolist())) < wanted
    return False


def choose(spec: Spec, draw: Callable[[object], tuple[np.ndarray, np.ndarray]], seed: int,
           compute: Callable[..., np.ndarray], fixed_w: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """The first non-degenerate ``draw(entropy)`` for ``seed`` (else the seed's own draw).

    ``draw`` maps a generator seed (an int or a list of ints) to ``(x, w)``; ``fixed_w``
    replaces the drawn kernel when the user gave one.

    >>> from convanim.geometry.compute import compute
    >>> calls = []
    >>> def draw(entropy):
    ...     calls.append(entropy)
    ...     return np.zeros((2, 2)) if len(calls) == 1 else np.ones((2, 2)), np.ones((1, 1))
    >>> x, _ = choose(Spec(i=2, k=1), draw, 0, compute)
    >>> calls, x.tolist()
    ([0, [0, 2, 1]], [[1.0, 1.0], [1.0, 1.0]])
    """
    first = draw(seed)
    for attempt in range(ATTEMPTS):
        x, w = first if attempt == 0 else draw([seed, 2, attempt])
        if fixed_w is not None:
            w = fixed_w
        if x.size > MAX_CHECKED or not degenerate(spec, x, w, compute):
            return x, w
    x, w = first
    return x, (fixed_w if fixed_w is not None else w)
