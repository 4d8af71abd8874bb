"""The PyTorch and Keras code that builds a spec's layer, exactly (or a reason it cannot).

Each op states its layers as :class:`~convanim.geometry.ops.Call` data; this module renders
them.

PyTorch has no argument for asymmetric padding, so such specs become an ``nn.Sequential``
with an explicit padding layer (negative padding crops, for a transposed convolution). Keras
only has padding names, so a Keras form exists when ``valid``, ``same`` (or, for a 1-D
convolution, ``causal``) gives exactly this spec's padding, with Keras' semantics: ``same``
pads ``ceil(i/s)`` outputs with the odd cell after, a transposed ``same`` or ``valid`` gives
``i*s`` or ``i*s + max(k-s, 0)`` cells with output_padding left at None.
"""

from __future__ import annotations

from convanim.geometry import Spec
from convanim.geometry.ops import Call

WIDTH = 80  # a call longer than this is broken one argument per line


def _call(name: str, args: list[str], width: int = WIDTH) -> str:
    line = f"{name}({', '.join(args)})"
    if len(line) <= width:
        return line
    inner = "    " + ", ".join(args)
    if len(inner) <= width:
        return f"{name}(\n{inner}\n)"
    return name + "(\n" + "".join(f"    {arg},\n" for arg in args) + ")"


def _sequential(*parts: tuple[str, str]) -> str:
    """``nn.Sequential`` of (code, comment) parts, each indented 4 and closed by a comma."""
    lines = ["nn.Sequential("]
    for code, comment in parts:
        body = ("    " + code.replace("\n", "\n    ") + ",").splitlines()
        if comment:
            body[-1] += f"  # {comment}"
        lines += body
    return "\n".join([*lines, ")"])


def _render(calls: tuple[Call, ...], width: int) -> str:
    """One call as it is; several as an ``nn.Sequential`` (each call 5 columns narrower)."""
    if len(calls) == 1:
        code = _call(calls[0].name, list(calls[0].args), width)
        return code + (f"  # {calls[0].comment}" if calls[0].comment else "")
    return _sequential(*((_call(c.name, list(c.args), width - 5), c.comment) for c in calls))


def pytorch_code(spec: Spec, width: int = WIDTH) -> str:
    """The PyTorch module for ``spec`` with one channel in and out; ``eval`` it with ``nn``.

    A call longer than ``width`` characters is broken over lines.

    >>> pytorch_code(Spec(i=3, k=3, s=2, p=1, mode="transposed"))
    'nn.ConvTranspose2d(1, 1, kernel_size=3, stride=2, padding=1, bias=False)'
    >>> print(pytorch_code(Spec(i=6, k=3, s=2, p="same")))
    nn.Sequential(
        nn.ZeroPad2d((0, 1, 0, 1)),  # (left, right, top, bottom)
        nn.Conv2d(1, 1, kernel_size=3, stride=2, bias=False),
    )
    """
    return _render(spec.op.pytorch(spec), width)


def keras_reason(spec: Spec) -> str | None:
    """Why ``spec`` has no exact Keras layer, or None when :func:`keras_code` gives one.

    >>> keras_reason(Spec(i=3, k=3, s=2, p=1, mode="transposed"))
    'padding "same" gives 6x6 and "valid" gives 7x7, not 5x5'
    """
    found = spec.op.keras(spec)
    return found if isinstance(found, str) else None


def keras_code(spec: Spec) -> str | None:
    """The Keras layer for ``spec`` (one filter), or None when no padding name expresses it.

    >>> keras_code(Spec(i=3, k=3, s=2, p="same", mode="transposed"))
    'layers.Conv2DTranspose(1, 3, strides=2, use_bias=False, padding="same")'
    >>> keras_code(Spec(i=8, k=2, mode="maxpool"))
    'layers.MaxPooling2D(pool_size=2, padding="valid")'
    """
    found = spec.op.keras(spec)
    if isinstance(found, str):
        return None
    code = _call(found.name, list(found.args))
    return code + (f"  # {found.comment}" if found.comment else "")
