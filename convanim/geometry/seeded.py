"""Seeded small integers: exactly ``np.random.default_rng(seed).integers(...)``, cheaper.

Importing ``numpy.random`` costs ~10 ms of every render's start-up, while a default render
draws 13 numbers. So small draws go through this pure-Python copy of the same algorithms,
which gives the very same numbers (tests compare it with numpy for many seeds and shapes):

- ``SeedSequence(entropy)`` with the default pool of four 32-bit words, ``generate_state``;
- ``PCG64`` (128-bit LCG, XSL-RR output), seeded as numpy seeds it from the sequence;
- ``Generator.integers(low, high)`` with ``int64`` results: Lemire's bounded method on
  32-bit draws (numpy's path for ranges below 2**32), each 64-bit output split low half first.

Large draws (more than :data:`PYTHON_LIMIT` numbers) use numpy itself, where its speed wins.

>>> [a.tolist() for a in integers(0, [(0, 5, (2, 3)), (1, 4, (2,))])]
[[[4, 3, 2], [1, 1, 0]], [1, 1]]
"""

from __future__ import annotations

from collections.abc import Sequence
from math import prod

import numpy as np

# Above this many numbers in one call, numpy.random's import pays for itself (pure Python
# draws ~0.7 us a number; the import costs ~10 ms).
PYTHON_LIMIT = 8192

M32, M64, M128 = 2**32 - 1, 2**64 - 1, 2**128 - 1
# numpy/random/bit_generator.pyx (SeedSequence) constants.
INIT_A, MULT_A, INIT_B, MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
MIX_MULT_L, MIX_MULT_R, XSHIFT = 0xCA01F9DD, 0x4973F715, 16
POOL_SIZE = 4
# PCG_DEFAULT_MULTIPLIER_128 (numpy/random/src/pcg64/pcg64.h).
PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645

Draw = tuple[int, int, tuple[int, ...]]


def _words(entropy: int | Sequence[int]) -> list[int]:
    """The 32-bit words numpy's SeedSequence makes of a non-negative int or a list of them."""
    if not isinstance(entropy, int):
        return [word for value in entropy for word in _words(value)]
    words = [entropy & M32]
    entropy >>= 32
    while entropy:
        words.append(entropy & M32)
        entropy >>= 32
    return words


def _pool(entropy: int | Sequence[int]) -> list[int]:
    """SeedSequence.mix_entropy: the entropy hashed into a pool of four words."""
    words = _words(entropy)
    const = INIT_A

    def hashmix(value: int) -> int:
        nonlocal const
        value ^= const
        const = (const * MULT_A) & M32
        value = (value * const) & M32
        return value ^ (value >> XSHIFT)

    def mix(x: int, y: int) -> int:
        result = (MIX_MULT_L * x - MIX_MULT_R * y) & M32
        return result ^ (result >> XSHIFT)

    pool = [hashmix(words[i] if i < len(words) else 0) for i in range(POOL_SIZE)]
    for src in range(POOL_SIZE):
        for dst in range(POOL_SIZE):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for src in range(POOL_SIZE, len(words)):
        for dst in range(POOL_SIZE):
            pool[dst] = mix(pool[dst], hashmix(words[src]))
    return pool


def _state_words(pool: list[int], count: int) -> list[int]:
    """SeedSequence.generate_state(count, np.uint64)."""
    const, out = INIT_B, []
    for i in range(2 * count):
        value = pool[i % POOL_SIZE] ^ const
        const = (const * MULT_B) & M32
        value = (value * const) & M32
        out.append(value ^ (value >> XSHIFT))
    return [out[2 * i] | out[2 * i + 1] << 32 for i in range(count)]  # little-endian pairs


class _PCG64:
    """numpy's PCG64 bit generator, seeded from a SeedSequence pool."""

    def __init__(self, entropy: int | Sequence[int]) -> None:
        s0, s1, i0, i1 = _state_words(_pool(entropy), 4)
        self.inc = ((i0 << 64 | i1) << 1 | 1) & M128
        self.state = 0
        self._step()
        self.state = (self.state + (s0 << 64 | s1)) & M128
        self._step()
        self._half: int | None = None  # the high 32 bits of the last 64-bit output

    def _step(self) -> None:
        self.state = (self.state * PCG_MULT + self.inc) & M128

    def next64(self) -> int:
        self._step()
        state = self.state
        value, rot = ((state >> 64) ^ state) & M64, state >> 122
        return ((value >> rot) | (value << (64 - rot))) & M64

    def next32(self) -> int:
        if self._half is not None:
            half, self._half = self._half, None
            return half
        value = self.next64()
        self._half = value >> 32
        return value & M32

    def bounded(self, span: int) -> int:
        """Lemire's method for a number in 0..span (span < 2**32 - 1), as numpy draws it."""
        excl = span + 1
        m = self.next32() * excl
        if (m & M32) < excl:
            threshold = (M32 - span) % excl
            while (m & M32) < threshold:
                m = self.next32() * excl
        return m >> 32


def integers(seed: int | Sequence[int], draws: Sequence[Draw]) -> list[np.ndarray]:
    """``rng = np.random.default_rng(seed)`` then ``rng.integers(low, high, shape)`` (int64)
    for each ``(low, high, shape)`` in turn, with ``0 <= low < high <= low + 2**31``.

    >>> integers([0, 1], [(0, 3, (4,))])[0].tolist()
    [1, 2, 2, 1]
    """
    if sum(prod(shape) for _, _, shape in draws) > PYTHON_LIMIT:
        rng = np.random.default_rng(seed)
        return [rng.integers(low, high, size=shape) for low, high, shape in draws]
    gen, out = _PCG64(seed), []
    for low, high, shape in draws:
        span = high - 1 - low  # numpy draws nothing for a single possible value
        values = [low + gen.bounded(span) if span else low for _ in range(prod(shape))]
        out.append(np.array(values, np.int64).reshape(shape))
    return out
