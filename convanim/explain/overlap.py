"""How many kernel taps reach each output cell of a transposed convolution, and when it is even.

Uneven overlap is what leaves checkerboard artifacts in images made by transposed convolutions
(Odena, Dumoulin & Olah, "Deconvolution and Checkerboard Artifacts", Distill 2016): cells that
receive more taps come out brighter. Counts come from the plan's links, so they show exactly
what the animations show; stacked layers compose through the engine's own ``compute``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from convanim.geometry import Plan, Spec, SpecError, compute


def link_counts(planned: Plan) -> np.ndarray:
    """Links per output cell, counted over every frame of a plan (shape ``spec.output_shape``).

    >>> from convanim.geometry import plan
    >>> link_counts(plan(Spec(i=2, k=3, s=2, mode="transposed", dims=1))).tolist()
    [1, 1, 2, 1, 1]
    """
    counts = np.zeros(planned.spec.output_shape, dtype=np.int64)
    for frame in planned.frames:
        for out, _, _ in frame.links:
            counts[out] += 1
    return counts


def overlap_counts(spec: Spec) -> np.ndarray:
    """Kernel taps that reach each output cell of ``spec`` (any mode; used for transposed).

    >>> overlap_counts(Spec(i=3, k=3, s=2, p=1, mode="transposed"))[0].tolist()
    [1, 2, 1, 2, 1]
    """
    from convanim.geometry.links import tap_counts

    return tap_counts(spec)  # the same counts as link_counts(plan(spec)), by arithmetic


def layered_counts(spec: Spec, layers: int) -> list[np.ndarray]:
    """Count maps after 1, 2, ... ``layers`` identical layers fed an input of ones.

    Layer n+1 applies the same transposed convolution with an all-ones kernel to layer n's
    map, so each cell holds the number of paths from the first input to it: how an uneven
    pattern compounds through a stack. Layer 1 is :func:`overlap_counts`.

    >>> [m.tolist() for m in layered_counts(Spec(i=2, k=3, s=2, mode="transposed", dims=1), 2)]
    [[1, 1, 2, 1, 1], [1, 1, 2, 1, 3, 2, 3, 1, 2, 1, 1]]
    """
    if layers < 1:
        raise SpecError(f"layers={layers} must be at least 1; use layers >= 1", "layers")
    maps = [overlap_counts(spec)]
    for layer in range(2, layers + 1):
        prev = maps[-1]
        try:
            step = spec.replace(i=prev.shape)
        except SpecError as err:
            raise SpecError(f"layer {layer} of the stack gets a {'x'.join(map(str, prev.shape))}"
                            f" input, which this layer cannot take: {err}", "layers") from None
        ones = np.ones(spec.k)
        maps.append(np.rint(compute(step, prev, ones)).astype(np.int64))
    return maps


def gradient_counts(spec: Spec, layers: int = 1) -> list[np.ndarray]:
    """Paths carrying the output's gradient back to each input cell, through 1, 2, ...
    ``layers`` identical layers (conv or transposed): ``dL/dx`` when ``dL/dy`` and every
    weight are 1, which is what ``torch.autograd.grad`` gives. Map n is the gradient at the
    input of the n-th layer counted back from the output. A strided convolution sends its
    gradient back as a strided transposed convolution does its values: a checkerboard.

    >>> [m.tolist() for m in gradient_counts(Spec(i=7, k=3, s=2, p=1, dims=1), 2)]
    [[1, 2, 1, 1], [1, 3, 2, 3, 1, 2, 1]]

    With channels every input channel's map is the same: each of its cells reaches the
    ``out_channels / groups`` output channels of its group, so a layer multiplies the
    one-map paths by that (the map returned is one channel's).

    >>> gradient_counts(Spec(i=4, k=3, dims=1, in_channels=2, out_channels=4))[0].tolist()
    [4, 8, 8, 4]
    """
    from convanim.geometry.ops.backward import gradients
    from convanim.geometry.ops.channels import single, stacked

    if layers < 1:
        raise SpecError(f"layers={layers} must be at least 1; use layers >= 1", "layers")
    fan = 1
    if stacked(spec):
        cin, cout = spec.in_channels, spec.out_channels
        if layers > 1 and cin != cout:
            raise SpecError(f"layers={layers} stacks the layer on its own output, which needs "
                            f"in_channels={cin} equal to out_channels={cout}; use equal "
                            "channel counts or layers=1", "layers")
        fan = cout // spec.groups
        spec = single(spec)
    specs = [spec.replace(view="gather")]
    for layer in range(2, layers + 1):
        shape = specs[-1].output_shape
        try:
            specs.append(specs[-1].replace(i=shape))
        except SpecError as err:
            raise SpecError(f"layer {layer} of the stack gets a {'x'.join(map(str, shape))} "
                            f"input, which this layer cannot take: {err}", "layers") from None
    grad, maps = np.ones(specs[-1].output_shape), []
    for layer in reversed(specs):
        grad = gradients(layer, np.ones(layer.i), np.ones(layer.k), grad)[0] * fan
        maps.append(np.rint(grad).astype(np.int64))
    return maps


def gradient_spec(spec: Spec) -> Spec:
    """The operation that carries ``spec``'s gradient back (a convolution's is a transposed
    convolution): its overlap is the gradient's.

    >>> gradient_spec(Spec(i=7, k=3, s=2, p=1)).label
    'transposed conv  i=4 k=3 s=2 p=1'
    """
    from convanim.geometry.ops.backward import input_gradient_spec

    return input_gradient_spec(spec)[0]


def taps_per_phase(k: int, s: int, d: int = 1) -> tuple[int, ...]:
    """Taps landing on an interior output cell, for each of the ``s`` cell phases of one axis.

    Tap t of input cell m lands on cell ``m*s + t*d`` (before cropping), so away from the
    border a cell with phase r = cell mod s receives the taps with ``t*d mod s == r``.

    >>> taps_per_phase(3, 2), taps_per_phase(4, 2), taps_per_phase(2, 2, d=2)
    ((2, 1), (2, 2), (2, 0))
    """
    counts = [0] * s
    for t in range(k):
        counts[(t * d) % s] += 1
    return tuple(counts)


def phase_taps(spec: Spec) -> tuple[tuple[int, ...], ...]:
    """:func:`taps_per_phase` for every axis of a spec, height first.

    >>> phase_taps(Spec(i=3, k=(3, 4), s=2, mode="transposed"))
    ((2, 1), (2, 2))
    """
    return tuple(taps_per_phase(k, s, d) for k, s, d in zip(spec.k, spec.s, spec.d))


def interior_counts(spec: Spec) -> list[int]:
    """The distinct tap counts of cells away from the border (the product over axes).

    >>> interior_counts(Spec(i=5, k=3, s=2, mode="transposed"))
    [1, 2, 4]
    """
    totals = {1}
    for counts in phase_taps(spec):
        totals = {a * b for a in totals for b in counts}
    return sorted(totals)


def uneven_axes(spec: Spec) -> tuple[int, ...]:
    """The axes on which a transposed convolution overlaps unevenly (empty for other modes).

    With dilation 1 that is exactly ``kernel % stride != 0``.

    >>> uneven_axes(Spec(i=3, k=3, s=2, mode="transposed")), uneven_axes(Spec(i=3, k=4, s=2,
    ...     mode="transposed"))
    ((0, 1), ())
    """
    if not spec.is_transposed:
        return ()
    return tuple(axis for axis, counts in enumerate(phase_taps(spec)) if len(set(counts)) > 1)


def describe_counts(counts: Sequence[int] | np.ndarray) -> str:
    """``"1, 2 or 4"``: the distinct values of a count map, in words.

    >>> describe_counts(np.array([[1, 2], [2, 4]]))
    '1, 2 or 4'
    """
    values = sorted({int(v) for v in np.asarray(counts).ravel()})
    if len(values) == 1:
        return str(values[0])
    return ", ".join(map(str, values[:-1])) + f" or {values[-1]}"
