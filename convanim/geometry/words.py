"""The figure in words, from the spec alone: the one sentence of an image's ``alt`` text.

Every output format carries it (the HTML player, a slide deck, the gallery page); it lives
in the geometry, below the drawing, because it is computed from the spec and nothing else.
``convanim.explain`` re-exports it beside the longer explanations.
"""

from __future__ import annotations

from typing import Any

from convanim.geometry.spec import Spec

AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def shape_text(shape: tuple[int, ...]) -> str:
    """``5x5`` for an image, ``7`` for a sequence.

    >>> shape_text((5, 4)), shape_text((7,))
    ('5x4', '7')
    """
    return "x".join(map(str, shape))


def axis_words(values: tuple[Any, ...], dims: int) -> str:
    """A per-axis value in words: one number when the axes agree, else each axis named.

    >>> axis_words((2, 2), 2), axis_words((2, 1), 2)
    ('2', '2 (height) and 1 (width)')
    """
    if len(set(values)) == 1:
        return str(values[0])
    return " and ".join(f"{v} ({name})" for v, name in zip(values, AXIS_NAMES[dims]))


def padding_words(spec: Spec) -> str:
    """The padding in words, for a sentence about the figure.

    >>> padding_words(Spec(i=5, k=3, p="same")), padding_words(Spec(i=5, k=3, p=((1, 0), (0, 1))))
    ("'same' padding", 'padding 1 top, 0 bottom, 0 left, 1 right')
    """
    what = "padding" if spec.padding_mode == "zeros" else f"{spec.padding_mode} padding"
    if spec.padding_name:
        return f"{spec.padding_name!r} {what}"
    if all(b == a for b, a in spec.p):
        return f"{what} {axis_words(tuple(b for b, _ in spec.p), spec.dims)}"
    sides = {1: (("before", "after"),), 2: (("top", "bottom"), ("left", "right")),
             3: (("front", "back"), ("top", "bottom"), ("left", "right"))}[spec.dims]
    parts = [f"{b} {first}, {a} {second}" for (b, a), (first, second) in zip(spec.p, sides)]
    return f"{what} " + ", ".join(parts)


def alt_text(spec: Spec) -> str:
    """One sentence describing the figure, for the ``alt`` attribute of an image.

    >>> alt_text(Spec(i=3, k=3, s=2, p=1, mode="transposed"))
    'Transposed convolution of a 3x3 input with a 3x3 kernel, stride 2, padding 1, giving a 5x5 output.'
    >>> alt_text(Spec(i=7, k=3, d=2, dims=1))
    'Convolution of a length-7 input with a size-3 kernel, stride 1, padding 0, dilation 2, giving a length-3 output.'
    """  # noqa: E501 - a doctest shows the sentence as one line
    def size(shape: tuple[int, ...]) -> str:
        return shape_text(shape) if spec.dims != 1 else f"length-{shape[0]}"

    own = spec.op.alt_text(spec)
    if own is not None:
        return own
    kernel = shape_text(spec.k) if spec.dims != 1 else f"size-{spec.k[0]}"
    parts = [f"{spec.op.noun} of a {size(spec.i)} input with a {kernel} {spec.op.window_noun}",
             f"stride {axis_words(spec.s, spec.dims)}", padding_words(spec)]
    if any(d != 1 for d in spec.d):
        parts.append(f"dilation {axis_words(spec.d, spec.dims)}")
    if any(spec.given_output_padding):
        parts.append(f"output padding {axis_words(spec.given_output_padding, spec.dims)}")
    facts = getattr(spec.op, "layer_facts", None)
    if facts is not None and spec.op.input_shape(spec) != spec.i:
        layer = facts(spec)
        groups = layer.get("groups", 1)
        channels = (f"{layer['in_channels']} input and {layer['out_channels']} output channels"
                    if layer["weight"] is not None else f"{layer['in_channels']} channels")
        if groups > 1:
            channels += (", depthwise" if groups == layer["in_channels"]
                         else f", {groups} groups")
        parts.insert(1, channels)
    if getattr(spec, "bias", False):
        parts.append("a bias per output channel")
    return ", ".join(parts) + f", giving a {size(spec.output_shape)} output."
