"""Find every layer setting that maps one size to another, best first.

The search tries every (kernel, stride, padding, output_padding, dilation) within the bounds
and keeps those the geometry engine accepts with the wanted output, so a result is exactly
what ``Spec`` (and PyTorch) computes. Bounds: padding 0..d*(k-1) (more would make output
cells that see nothing but padding, or for a transposed convolution crop whole kernels away),
output_padding 0..max(stride, dilation)-1 for transposed, 0 otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from convanim.explain.code import pytorch_code
from convanim.explain.overlap import uneven_axes
from convanim.geometry import Spec, SpecError
from convanim.geometry.ops import get_op, ops

MODES = tuple(op.mode for op in ops() if op.solvable)
"""The modes whose (kernel, stride, padding) settings the solver searches."""


@dataclass(frozen=True)
class Bounds:
    """The search box; ``kernel``/``stride``/``padding``/``dilation`` pin one value each.

    >>> Bounds(max_kernel=3).kernels()
    range(1, 4)
    """

    max_kernel: int = 7
    max_stride: int = 4
    max_dilation: int = 1
    kernel: int | None = None
    stride: int | None = None
    padding: int | None = None
    dilation: int | None = None

    def kernels(self) -> range:
        """Kernel sizes to try: 1 up to ``max_kernel``, or the pinned ``kernel`` alone.

        >>> Bounds(max_kernel=3).kernels(), Bounds(kernel=5).kernels()
        (range(1, 4), range(5, 6))
        """
        return _pinned(self.kernel, self.max_kernel)

    def strides(self) -> range:
        """Strides to try: 1 up to ``max_stride``, or the pinned ``stride`` alone.

        >>> list(Bounds(max_stride=3).strides())
        [1, 2, 3]
        """
        return _pinned(self.stride, self.max_stride)

    def dilations(self) -> range:
        """Dilations to try: 1 up to ``max_dilation`` (1 unless asked), or the pinned one.

        >>> list(Bounds().dilations()), list(Bounds(max_dilation=2).dilations())
        ([1], [1, 2])
        """
        return _pinned(self.dilation, self.max_dilation)

    def paddings(self, span: int) -> range:
        """Paddings to try for a kernel spanning ``span`` cells: 0 to ``span - 1``.

        >>> list(Bounds().paddings(3)), list(Bounds(padding=1).paddings(3))
        ([0, 1, 2], [1])
        """
        if self.padding is not None:
            return range(self.padding, self.padding + 1)
        return range(span)


def _pinned(value: int | None, top: int) -> range:
    return range(value, value + 1) if value is not None else range(1, top + 1)


@dataclass(frozen=True)
class Solution:
    """One setting that works, with what ranks it.

    ``even`` is False when a transposed convolution overlaps unevenly (checkerboard);
    ``unread`` counts input cells no window ever reads (strided conv and pooling).
    """

    spec: Spec
    even: bool
    unread: int
    key: tuple[Any, ...] = field(repr=False)

    @property
    def params(self) -> dict[str, int]:
        """kernel_size, stride, padding, output_padding and dilation as plain ints.

        >>> solve(28, 14, bounds=Bounds(kernel=2))[0].params
        {'kernel_size': 2, 'stride': 2, 'padding': 0, 'output_padding': 0, 'dilation': 1}
        """
        spec = self.spec
        values = {"kernel_size": spec.k[0], "stride": spec.s[0], "padding": spec.p[0][0],
                  "output_padding": spec.output_padding[0], "dilation": spec.d[0]}
        if getattr(spec, "ceil_mode", False):
            values["ceil_mode"] = True
        return values

    def to_json(self, dims: int = 2) -> dict[str, Any]:
        """JSON-ready data; ``dims`` picks the PyTorch class (Conv1d or Conv2d).

        >>> solve(16, 32, "transposed")[0].to_json()["pytorch"]
        'nn.ConvTranspose2d(1, 1, kernel_size=4, stride=2, padding=1, bias=False)'
        """
        return {**self.params, "output": self.spec.output_shape[0],
                "checkerboard_free": self.even, "unread_input_cells": self.unread,
                "pytorch": pytorch_code(self.layer(dims))}

    def layer(self, dims: int = 2) -> Spec:
        """The same setting on every axis of a ``dims``-dimensional input.

        >>> solve(16, 32)[0].layer(2).output_shape
        (32, 32)
        """
        values = self.params
        extra = {"ceil_mode": True} if values.get("ceil_mode") else {}
        return Spec(i=self.spec.i[0], k=values["kernel_size"], s=values["stride"],
                    p=values["padding"], output_padding=values["output_padding"],
                    d=values["dilation"], mode=self.spec.mode, dims=dims, **extra)


def default_mode(size_from: int, size_to: int) -> str:
    """Transposed to grow, conv to keep or shrink.

    >>> default_mode(16, 32), default_mode(28, 14)
    ('transposed', 'conv')
    """
    return "transposed" if size_to > size_from else "conv"


def candidates(size_from: int, mode: str, bounds: Bounds) -> Iterator[Spec]:
    """Every valid 1-D spec within ``bounds`` (the brute force the search is made of).

    >>> sum(1 for _ in candidates(4, "maxpool", Bounds(max_kernel=2, max_stride=2)))
    6
    """
    extra = "output_padding" in get_op(mode).takes
    ceil = any(f.name == "ceil_mode" for f in get_op(mode).fields)
    for k in bounds.kernels():
        for s in bounds.strides():
            for d in bounds.dilations():
                extras = range(max(s, d)) if extra else range(1)
                for p in bounds.paddings(d * (k - 1) + 1):
                    for op in extras:
                        floor = None
                        try:
                            floor = Spec(i=size_from, k=k, s=s, p=p, d=d, output_padding=op,
                                         mode=mode, dims=1)
                            yield floor
                        except SpecError:
                            pass
                        if not ceil:
                            continue
                        # PyTorch's ceil_mode: one more window where the floor leaves cells
                        try:
                            up = Spec(i=size_from, k=k, s=s, p=p, d=d, mode=mode, dims=1,
                                      ceil_mode=True)
                        except SpecError:
                            continue
                        if floor is None or up.output_shape != floor.output_shape:
                            yield up


def _unread(spec: Spec) -> int:
    from convanim.geometry.links import inputs_read

    return spec.i[0] - inputs_read(spec)


def rank_key(spec: Spec, even: bool, unread: int) -> tuple[Any, ...]:
    """How results sort: smaller is better.

    Transposed: checkerboard-free first, then kernels larger than the stride (each output
    cell blends neighbouring inputs; kernel = stride just pastes copies of the kernel), then
    no output_padding, dilation 1, smaller kernel, smaller padding, smaller stride. Conv and
    pooling: reading every input cell first, then without ceil_mode, then the same from
    dilation on.

    >>> rank_key(Spec(i=16, k=4, s=2, p=1, mode="transposed", dims=1), True, 0)
    (False, False, False, False, 4, 1, 2)
    """
    k, s, p, d, op = spec.k[0], spec.s[0], spec.p[0][0], spec.d[0], spec.output_padding[0]
    if spec.is_transposed:
        return (not even, k <= s and s > 1, op != 0, d != 1, k, p, s)
    return (unread > 0, False, bool(getattr(spec, "ceil_mode", False)), d != 1, k, p, s)


MAX_CANDIDATES = 250_000  # the command line's largest box; ~10 s of specs at worst


def check_search(bounds: Bounds, extras: bool) -> None:
    """Refuse, before trying any, a search box with more than :data:`MAX_CANDIDATES` specs.

    >>> check_search(Bounds(max_kernel=500, max_stride=50), True)
    Traceback (most recent call last):
    ...
    convanim.geometry.spec.SpecError: solve() would try up to 625,000,000 settings, more \
than the limit 250,000; use smaller max_kernel, max_stride or max_dilation, or pin kernel, \
stride or padding
    """
    kernels, strides, dilations = bounds.kernels(), bounds.strides(), bounds.dilations()
    paddings = 1 if bounds.padding is not None else dilations[-1] * (kernels[-1] - 1) + 1
    per = max(strides[-1], dilations[-1]) if extras else 1
    count = len(kernels) * len(strides) * len(dilations) * paddings * per
    if count > MAX_CANDIDATES:
        raise SpecError(f"solve() would try up to {count:,} settings, more than the limit "
                        f"{MAX_CANDIDATES:,}; use smaller max_kernel, max_stride or "
                        "max_dilation, or pin kernel, stride or padding", "max_kernel")


def solve(size_from: int, size_to: int, mode: str | None = None,
          bounds: Bounds | None = None) -> list[Solution]:
    """Every setting within ``bounds`` that maps ``size_from`` cells to ``size_to``, best first.

    >>> [s.params["kernel_size"] for s in solve(16, 32)][:3]
    [4, 6, 2]
    >>> solve(28, 14, bounds=Bounds(kernel=3))[0].params
    {'kernel_size': 3, 'stride': 2, 'padding': 1, 'output_padding': 0, 'dilation': 1}
    """
    mode = mode or default_mode(size_from, size_to)
    if mode not in MODES:
        raise SpecError(f"mode={mode!r} is not one of {', '.join(MODES)}", "mode")
    for name, value in (("from", size_from), ("to", size_to)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SpecError(f"{name}={value!r} must be a whole number >= 1", name)
    bounds = bounds or Bounds()
    check_search(bounds, "output_padding" in get_op(mode).takes)
    found = []
    for spec in candidates(size_from, mode, bounds):
        if spec.output_shape[0] != size_to:
            continue
        even = not uneven_axes(spec)
        unread = 0 if spec.is_transposed else _unread(spec)
        found.append(Solution(spec, even, unread, rank_key(spec, even, unread)))
    return sorted(found, key=lambda solution: solution.key)


def best_even(size_from: int, size_to: int, stride: int, dilation: int,
              max_kernel: int) -> Solution | None:
    """The first checkerboard-free transposed setting :func:`solve` would rank, found per
    kernel size by arithmetic instead of trying every padding and output_padding.

    ``solve`` with a pinned stride tries kernels x paddings x output_paddings (a million specs
    for stride 64); here the output size fixes ``2*padding - output_padding`` for each kernel,
    so each kernel costs one or two specs and the answer is the same.

    >>> best_even(16, 32, 2, 1, 6).params
    {'kernel_size': 4, 'stride': 2, 'padding': 1, 'output_padding': 0, 'dilation': 1}
    """
    s, d = stride, dilation
    best: Solution | None = None
    for k in range(1, max_kernel + 1):
        # taps_per_phase(k, s, d) is flat exactly when s == 1, or d is coprime to s (tap t
        # lands on phase t*d mod s, a cycle through all s phases) and k covers whole cycles.
        if not (s == 1 or (math.gcd(d, s) == 1 and k % s == 0)):
            continue
        span = d * (k - 1) + 1
        gap = (size_from - 1) * s + span - size_to  # = 2 * padding - output_padding
        for extra in range(max(0, -gap), max(s, d)):
            if (gap + extra) % 2:
                continue
            padding = (gap + extra) // 2
            if padding >= span:
                break
            try:
                spec = Spec(i=size_from, k=k, s=s, p=padding, d=d, output_padding=extra,
                            mode="transposed", dims=1)
            except SpecError:
                continue
            if spec.output_shape[0] != size_to:
                continue
            found = Solution(spec, True, 0, rank_key(spec, True, 0))
            if best is None or found.key < best.key:
                best = found
            break
    return best
