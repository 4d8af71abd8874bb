"""Numbers: the input and kernel values, and the output they give.

Internally every spec is two-dimensional: a 1-D spec becomes a grid of height 1 with a trivial
first axis (size 1, kernel 1, stride 1, no padding), which keeps one code path for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from convanim.geometry import examples, seeded
from convanim.geometry.spec import Spec, SpecError

NP_PAD_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@dataclass(frozen=True)
class Axes2:
    """A spec's per-axis numbers as (height, width) pairs, with 1-D promoted to height 1."""

    i: tuple[int, int]
    k: tuple[int, int]
    s: tuple[int, int]
    d: tuple[int, int]
    p: tuple[tuple[int, int], tuple[int, int]]
    op: tuple[int, int]
    o: tuple[int, int]

    @property
    def span(self) -> tuple[int, int]:
        """Cells a dilated kernel covers per axis."""
        return (self.d[0] * (self.k[0] - 1) + 1, self.d[1] * (self.k[1] - 1) + 1)


def axes2(spec: Spec) -> Axes2:
    """Promote a spec to two axes.

    >>> axes2(Spec(i=7, k=3, dims=1)).i
    (1, 7)
    """
    if spec.dims == 2:
        return Axes2(spec.i, spec.k, spec.s, spec.d, spec.p, spec.output_padding,
                     spec.output_shape)  # type: ignore[arg-type]
    return Axes2((1, spec.i[0]), (1, spec.k[0]), (1, spec.s[0]), (1, spec.d[0]),
                 ((0, 0), spec.p[0]), (0, spec.output_padding[0]), (1, spec.output_shape[0]))


MAX_VALUE = 1e12  # larger inputs or weights overflow sums of products or print as "inf"


def require_spec(spec: Any, func: str) -> None:
    """Raise a TypeError that says what to pass when ``spec`` is not a Spec.

    >>> require_spec("abc", "plan")
    Traceback (most recent call last):
    ...
    TypeError: plan() needs a Spec as its first argument, got str 'abc'; build one with \
Spec(i=5, k=3) or Spec.from_dict({'input_size': 5, 'kernel_size': 3})
    """
    if not isinstance(spec, Spec):
        raise TypeError(f"{func}() needs a Spec as its first argument, got "
                        f"{type(spec).__name__} {spec!r:.40}; build one with Spec(i=5, k=3) or "
                        "Spec.from_dict({'input_size': 5, 'kernel_size': 3})")


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not (
            0 <= seed < 2**63):
        raise SpecError(f"seed={seed!r:.40} is not a whole number in 0..2**63-1; use e.g. "
                        "seed=0", "seed")
    return int(seed)


def _as_array(values: Any, shape: tuple[int, ...], param: str, size_param: str) -> np.ndarray:
    if isinstance(values, (str, bytes, bytearray)) or _complex(values):
        # float() would read "12" and b"12", and numpy would drop an imaginary part.
        got = (f"an array of {values.dtype}" if isinstance(values, np.ndarray)
               else f"{type(values).__name__} {values!r:.40}".replace("\n", " "))
        raise SpecError(f"{param} must be nested lists of real numbers, got {got}; write e.g. "
                        "[[1, 2], [3, 4]]", param)
    try:
        array = np.asarray(values, dtype=float)
    except OverflowError:
        raise SpecError(f"{param} holds a number too large for a float; use numbers within "
                        f"+-{MAX_VALUE:g}", param) from None
    except (TypeError, ValueError, RecursionError):
        raise SpecError(f"{param} must be nested lists of numbers, got {values!r:.60}; "
                        "write e.g. [[1, 2], [3, 4]]", param) from None
    if array.shape != shape:
        raise SpecError(f"{param} has shape {array.shape} but {size_param} is {shape}; "
                        f"give {' x '.join(map(str, shape))} numbers or drop {param}", param)
    if not np.all(np.isfinite(array)):
        raise SpecError(f"{param} contains a value that is not a finite number; "
                        "use ordinary numbers", param)
    if array.size and float(np.abs(array).max()) > MAX_VALUE:
        raise SpecError(f"{param} holds {float(np.abs(array).max()):g}, beyond +-{MAX_VALUE:g}"
                        " (sums of products would overflow); use smaller numbers", param)
    if any(isinstance(v, (bool, np.bool_)) for v in np.asarray(values, dtype=object).flat):
        raise SpecError(f"{param} holds true/false, which is not a number; write 1 or 0",
                        param)
    return array


def _complex(values: Any) -> bool:
    """Whether ``values`` hold a complex number (an array's dtype, or any item of lists)."""
    if isinstance(values, np.ndarray):
        return values.dtype.kind == "c"
    if isinstance(values, (list, tuple)):
        return any(_complex(v) for v in values)
    return isinstance(values, (complex, np.complexfloating))


def make_values(spec: Spec, x: Any = None, w: Any = None, seed: int = 0
                ) -> tuple[np.ndarray, np.ndarray]:
    """Input and kernel values: the given nested lists, or small integers from a seeded RNG.

    Small integers keep every product and sum readable in the frames.

    >>> x, w = make_values(Spec(i=3, k=2), w=[[1, 2], [3, 4]])
    >>> x.shape, w.tolist()
    ((3, 3), [[1.0, 2.0], [3.0, 4.0]])
    """
    require_spec(spec, "make_values")
    x_shape, w_shape = spec.op.input_shape(spec), spec.op.weight_shape(spec)
    # A seeded generator: inputs 0..4 (0..9 for max modes), then kernel weights 1..3 (a zero
    # weight would turn its products into noise about nothing); the first draw that makes a
    # good example is kept (examples.choose: no all-zero rows, varied maxima).
    low, high = examples.input_range(spec)

    def draw(entropy: object) -> tuple[np.ndarray, np.ndarray]:
        drawn_x, drawn_w = seeded.integers(entropy, [(low, high, x_shape), (1, 4, w_shape)])
        return drawn_x.astype(float), drawn_w.astype(float)

    seed = _check_seed(seed)
    if isinstance(w, str):
        w = named_weights(w, w_shape)
    given_w = None if w is None else _as_array(w, w_shape, "kernel_values", "kernel_size")
    if x is None:
        return examples.choose(spec, draw, seed, compute, given_w)
    x = _as_array(x, x_shape, "input_values", "input_size")
    return x, (draw(seed)[1] if given_w is None else given_w)


def named_weights(name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A named 3x3 kernel (``sobel_x``, ``blur``...) in the weight layout ``shape``: every
    filter of a channel stack gets the same kernel on each channel it reads.

    >>> named_weights("laplacian", (2, 1, 3, 3))[1, 0].tolist()
    [[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]
    """
    from convanim.geometry.kernels import named_kernel

    kernel = named_kernel(name)
    if tuple(shape[-2:]) != kernel.shape:
        raise SpecError(f"the kernel {name!r} is 3x3 but the weights here are "
                        f"{'x'.join(map(str, shape[-2:] if len(shape) > 1 else shape))}; "
                        "use a 2-D layer with kernel_size 3", "kernel_values")
    return np.broadcast_to(kernel, shape).copy()


def make_bias(spec: Spec, seed: int = 0) -> np.ndarray | None:
    """The bias per output channel for a spec with ``bias``: small integers from the seed
    (a stream of its own, so the input and kernel values stay those without a bias).

    >>> make_bias(Spec(i=3, k=2)) is None
    True
    """
    shape = getattr(spec.op, "bias_shape", lambda _: None)(spec)
    if shape is None:
        return None
    return seeded.integers([seed, 1], [(0, 3, shape)])[0].astype(float)


def pad_input(spec: Spec, x2: np.ndarray) -> np.ndarray:
    """The 2-D input padded as the spec says (max pooling pads with -inf, as PyTorch does).

    >>> pad_input(Spec(i=2, k=2, p=1), np.ones((2, 2))).tolist()
    [[0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    """
    ax = axes2(spec)
    mode = NP_PAD_MODES[spec.padding_mode]
    if mode == "constant":
        fill = spec.op.pad_value(spec)
        return np.pad(x2, ax.p, mode="constant", constant_values=fill)
    return np.pad(x2, ax.p, mode=mode)


def compute(spec: Spec, x: Any, w: Any = None, b: Any = None) -> np.ndarray:
    """The operation's output for input ``x`` and kernel ``w`` (modes without weights ignore
    ``w``); ``b`` is the bias per output channel (``bias=True``).

    >>> compute(Spec(i=3, k=2), [[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 2], [3, 4]]).tolist()
    [[37.0, 47.0], [67.0, 77.0]]
    """
    require_spec(spec, "compute")
    from convanim.geometry.limits import check_compute

    check_compute(spec)
    op = spec.op
    x = _as_array(x, op.input_shape(spec), "input_values", "input_size")
    if op.weighted:
        if w is None:
            raise SpecError(f"kernel values are needed for mode {spec.mode!r}; pass w",
                            "kernel_values")
        w = _as_array(w, op.weight_shape(spec), "kernel_values", "kernel_size")
    else:
        w = None
    if b is not None:
        shape = getattr(op, "bias_shape", lambda _: None)(spec)
        if shape is None:
            raise SpecError(f"a bias is given but mode {spec.mode!r} here has none; "
                            "set bias=True or drop b", "bias")
        b = _as_array(b, shape, "bias_values", "out_channels")
    return op.compute(spec, x, w, b)


def window_taps(spec: Spec, padded: np.ndarray) -> list[np.ndarray]:
    """What each kernel tap sees at every output position of a sliding window, tap by tap.

    >>> spec = Spec(i=3, k=2)
    >>> [t.tolist() for t in window_taps(spec, np.arange(9.0).reshape(3, 3))][:2]
    [[[0.0, 1.0], [3.0, 4.0]], [[1.0, 2.0], [4.0, 5.0]]]
    """
    ax = axes2(spec)
    (oh, ow), (sh, sw), (dh, dw) = ax.o, ax.s, ax.d
    return [padded[a * dh: a * dh + (oh - 1) * sh + 1: sh, b * dw: b * dw + (ow - 1) * sw + 1: sw]
            for a in range(ax.k[0]) for b in range(ax.k[1])]


def transposed_canvas_shape(ax: Axes2) -> tuple[int, int]:
    """Rows and columns of the uncropped transposed result, long enough for output_padding.

    >>> transposed_canvas_shape(axes2(Spec(i=2, k=3, s=2, p=1, mode="transposed")))
    (5, 5)
    """
    shape = []
    for axis in range(2):
        full = (ax.i[axis] - 1) * ax.s[axis] + ax.span[axis]
        shape.append(max(full, ax.p[axis][0] + ax.o[axis]))
    return shape[0], shape[1]
