"""Named image kernels: the filters an image-processing course teaches, as exact 3x3 arrays.

The names are what ``--kernel-values`` takes besides JSON lists. Each kernel is the
textbook one (the values setosa.io's "Image Kernels" and most course notes use), written out
so a reader can check every number in the figure; fractions stay exact in float64
(``blur`` is ones/9, ``gaussian`` the binomial ``[1, 2, 1]`` outer product over 16).

>>> named_kernel("sobel_x").tolist()
[[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]
>>> float(named_kernel("gaussian").sum())
1.0
"""

from __future__ import annotations

from difflib import get_close_matches

import numpy as np

from convanim.geometry.spec import SpecError

_KERNELS: dict[str, tuple[list[list[float]], str]] = {
    "identity": ([[0, 0, 0], [0, 1, 0], [0, 0, 0]], "identity: the output copies the input"),
    "blur": ([[1, 1, 1], [1, 1, 1], [1, 1, 1]], "box blur: the mean of the 3×3 patch"),
    "gaussian": ([[1, 2, 1], [2, 4, 2], [1, 2, 1]], "Gaussian blur: a weighted mean"),
    "sharpen": ([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], "sharpen: the centre against its edges"),
    "sobel_x": ([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
                "Sobel x: positive where brightness rises to the right"),
    "sobel_y": ([[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
                "Sobel y: positive where brightness rises downwards"),
    "emboss": ([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], "emboss: light from the bottom right"),
    "outline": ([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
                "outline: large where a pixel differs from its neighbours"),
    "laplacian": ([[0, 1, 0], [1, -4, 1], [0, 1, 0]],
                  "Laplacian: the second difference, zero on flat and linear areas"),
}
_DIVISORS = {"blur": 9.0, "gaussian": 16.0}

KERNEL_NAMES: tuple[str, ...] = tuple(_KERNELS)
"""Every name ``--kernel-values`` accepts, in the order the help lists them."""


def named_kernel(name: str) -> np.ndarray:
    """The 3x3 kernel called ``name`` (one of :data:`KERNEL_NAMES`), as float64.

    An unknown name raises :class:`SpecError` on ``kernel_values`` with the closest name.

    >>> bool(named_kernel("blur")[0, 0] == 1 / 9)
    True
    >>> named_kernel("gausian")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convanim.geometry.spec.SpecError: unknown kernel name 'gausian'; did you mean 'gaussian'? ...
    """
    key = str(name).strip().lower().replace("-", "_")
    if key not in _KERNELS:
        close = get_close_matches(key, KERNEL_NAMES, n=1, cutoff=0.5)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise SpecError(f"unknown kernel name {name!r}; {hint}use one of "
                        f"{', '.join(KERNEL_NAMES)}, or JSON lists such as [[1,0],[0,-1]]",
                        "kernel_values")
    values, _ = _KERNELS[key]
    return np.asarray(values, dtype=float) / _DIVISORS.get(key, 1.0)


def kernel_caption(name: str) -> str:
    """One line saying what the named kernel does, for the figure's caption.

    >>> kernel_caption("sobel_x")
    'Sobel x: positive where brightness rises to the right'
    """
    named_kernel(name)  # the same refusal for an unknown name
    return _KERNELS[str(name).strip().lower().replace("-", "_")][1]


def is_kernel_name(value: object) -> bool:
    """Whether ``value`` is meant as a kernel name (a bare word, not JSON lists).

    >>> is_kernel_name("sobel_x"), is_kernel_name("[[1, 2]]"), is_kernel_name([[1]])
    (True, False, False)
    """
    return isinstance(value, str) and value.strip()[:1].isalpha()
