"""Seeded small integers from numpy's own generator (``np.random.default_rng``).

numpy documents the stream of ``PCG64`` for a given seed as stable across releases, so the
gallery and the worked examples keep their numbers. (A pure-Python copy of PCG64 and
SeedSequence used to stand here to spare the ~10 ms import of ``numpy.random``; one library
call is less code to trust.)

>>> [a.tolist() for a in integers(0, [(0, 5, (2, 3)), (1, 4, (2,))])]
[[[4, 3, 2], [1, 1, 0]], [1, 1]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Draw = tuple[int, int, tuple[int, ...]]


def integers(seed: int | Sequence[int], draws: Sequence[Draw]) -> list[np.ndarray]:
    """``rng = np.random.default_rng(seed)`` then ``rng.integers(low, high, shape)`` (int64)
    for each ``(low, high, shape)`` in turn.

    >>> integers([0, 1], [(0, 3, (4,))])[0].tolist()
    [1, 2, 2, 1]
    """
    rng = np.random.default_rng(seed)
    return [rng.integers(low, high, size=shape) for low, high, shape in draws]
