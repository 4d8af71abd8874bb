"""The PyTorch and Keras code that builds a spec's layer, exactly (or a reason it cannot).

PyTorch has no argument for asymmetric padding, so such specs become an ``nn.Sequential``
with an explicit padding layer (negative padding crops, for a transposed convolution). Keras
only has padding names, so a Keras form exists when ``valid``, ``same`` (or, for a 1-D
convolution, ``causal``) gives exactly this spec's padding, with Keras' semantics: ``same``
pads ``ceil(i/s)`` outputs with the odd cell after, a transposed ``same`` or ``valid`` gives
``i*s`` or ``i*s + max(k-s, 0)`` cells with output_padding left at None.
"""

from __future__ import annotations

from typing import Any

from convanim.geometry import Spec, SpecError

WIDTH = 80  # a call longer than this is broken one argument per line
TORCH_PADS = {"zeros": "ZeroPad", "reflect": "ReflectionPad", "replicate": "ReplicationPad",
              "circular": "CircularPad"}


def _value(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(set(values)) == 1 else "(" + ", ".join(map(str, values)) + ")"


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


def _flat(pairs: tuple[tuple[int, int], ...]) -> str:
    # nn.ZeroPad2d lists the last axis first: (left, right, top, bottom).
    values = [v for before, after in reversed(pairs) for v in (before, after)]
    return "(" + ", ".join(map(str, values)) + ")"


def _transposed(spec: Spec, dims: str, width: int) -> str:
    args = ["1", "1", f"kernel_size={_value(spec.k)}"]
    if any(s != 1 for s in spec.s):
        args.append(f"stride={_value(spec.s)}")
    pad = tuple(before for before, _ in spec.p)
    extra = tuple(before - after + op for (before, after), op in zip(spec.p, spec.output_padding))
    exact = all(0 <= e < max(s, d) for e, s, d in zip(extra, spec.s, spec.d))
    if exact and any(pad):
        args.append(f"padding={_value(pad)}")
    if exact and any(extra):
        args.append(f"output_padding={_value(extra)}")
    if any(d != 1 for d in spec.d):
        args.append(f"dilation={_value(spec.d)}")
    name = f"nn.ConvTranspose{dims}"
    if exact:
        return _call(name, args, width)
    crop = tuple((-before, op - after) for (before, after), op in zip(spec.p, spec.output_padding))
    side = "(left, right)" if spec.dims == 1 else "(left, right, top, bottom)"
    return _sequential((_call(name, args, width - 5), ""),
                       (f"nn.ZeroPad{dims}({_flat(crop)})", f"crops {side}"))


def pytorch_code(spec: Spec, width: int = WIDTH) -> str:
    """The PyTorch module for ``spec`` with one channel in and out; ``eval`` it with ``nn``.

    A call longer than ``width`` characters is broken over lines.

    >>> pytorch_code(Spec(i=3, k=3, s=2, p=1, output_padding=1, mode="transposed"))
    'nn.ConvTranspose2d(1, 1, kernel_size=3, stride=2, padding=1, output_padding=1)'
    >>> print(pytorch_code(Spec(i=6, k=3, s=2, p="same")))
    nn.Sequential(
        nn.ZeroPad2d((0, 1, 0, 1)),  # (left, right, top, bottom)
        nn.Conv2d(1, 1, kernel_size=3, stride=2),
    )
    """
    dims = f"{spec.dims}d"
    if spec.mode == "transposed":
        return _transposed(spec, dims, width)
    symmetric = all(before == after for before, after in spec.p)
    pad = tuple(before for before, _ in spec.p)
    padded = any(v for pair in spec.p for v in pair)
    # Pooling layers pad with -inf (max) or zeros (avg) only; conv takes padding_mode itself.
    explicit = padded and (not symmetric or (spec.mode != "conv" and spec.padding_mode != "zeros"))
    if spec.mode == "conv":
        args = ["1", "1", f"kernel_size={_value(spec.k)}"]
        if any(s != 1 for s in spec.s):
            args.append(f"stride={_value(spec.s)}")
        name = f"nn.Conv{dims}"
    else:
        args = [f"kernel_size={_value(spec.k)}"]
        if spec.s != spec.k:
            args.append(f"stride={_value(spec.s)}")
        name = f"nn.{'MaxPool' if spec.mode == 'maxpool' else 'AvgPool'}{dims}"
    if padded and not explicit:
        args.append(f"padding={_value(pad)}")
    if any(d != 1 for d in spec.d):
        args.append(f"dilation={_value(spec.d)}")
    if spec.mode == "conv" and padded and not explicit and spec.padding_mode != "zeros":
        args.append(f'padding_mode="{spec.padding_mode}"')
    if not explicit:
        return _call(name, args, width)
    side = "(left, right)" if spec.dims == 1 else "(left, right, top, bottom)"
    if spec.mode == "maxpool" and spec.padding_mode == "zeros":
        pad_layer = f'nn.ConstantPad{dims}({_flat(spec.p)}, float("-inf"))'
    else:
        pad_layer = f"nn.{TORCH_PADS[spec.padding_mode]}{dims}({_flat(spec.p)})"
    return _sequential((pad_layer, side), (_call(name, args, width - 5), ""))


def _keras_padding(spec: Spec, name: str) -> Spec | None:
    """The spec Keras builds with padding ``name`` (and output_padding None), if it is valid."""
    try:
        if name == "causal":
            span = tuple(d * (k - 1) for k, d in zip(spec.k, spec.d))
            return spec.replace(p=[(v, 0) for v in span] if spec.dims == 1 else span)
        if name == "valid" and spec.mode == "transposed":
            # Keras' transposed 'valid' still gives at least i*s cells: the rest is zeros.
            extra = tuple(max(s - (d * (k - 1) + 1), 0)
                          for k, s, d in zip(spec.k, spec.s, spec.d))
            return spec.replace(p=0, output_padding=extra)
        return spec.replace(p=name, output_padding=0)
    except SpecError:
        return None


def keras_reason(spec: Spec) -> str | None:
    """Why ``spec`` has no exact Keras layer, or None when :func:`keras_code` gives one.

    >>> keras_reason(Spec(i=3, k=3, s=2, p=1, mode="transposed"))
    'padding "same" gives 6x6 and "valid" gives 7x7, not 5x5'
    """
    if spec.padding_mode != "zeros" and any(v for pair in spec.p for v in pair):
        return f"Keras pads with zeros only, not {spec.padding_mode!r}"
    if any(d != 1 for d in spec.d) and (spec.mode in ("maxpool", "avgpool")
                                         or any(s != 1 for s in spec.s)):
        return ("Keras pooling has no dilation" if spec.mode in ("maxpool", "avgpool") else
                "Keras allows dilation_rate > 1 only with strides 1")
    if _keras_name(spec) is not None:
        return None
    if spec.mode == "avgpool":
        return "Keras leaves padding out of the average; PyTorch counts it"
    target = "x".join(map(str, spec.output_shape))
    shapes = []
    for name in ("same", "valid"):
        alt = _keras_padding(spec, name)
        if alt is not None and alt.output_shape == spec.output_shape:
            # Same size, other cells: Keras puts the odd padding cell after, never before.
            verb = "crop" if spec.mode == "transposed" else "pad"
            return (f'padding "{name}" gives {target} too, but {verb}s {_befores(alt)} '
                    f"before where this layer {verb}s {_befores(spec)}")
        shown = "x".join(map(str, alt.output_shape)) if alt else "an invalid layer"
        shapes.append(f'"{name}" gives {shown}')
    return f"padding {' and '.join(shapes)}, not {target}"


def _befores(spec: Spec) -> str:
    return _value(tuple(before for before, _ in spec.p))


def _links(spec: Spec, alt: Spec) -> bool:
    """Whether ``alt`` reads the same input cell for each output cell as ``spec`` (through the
    same tap, unless pooling): equal links, equal layers, as padding only adds zeros (or -inf,
    which a max never picks). Arithmetic per axis, so it costs nothing for big inputs."""
    from convanim.explain.links import same_links

    return same_links(spec, alt, with_taps=spec.mode not in ("maxpool", "avgpool"))


def _keras_name(spec: Spec) -> str | None:
    names = ["valid"] if spec.mode == "avgpool" else ["valid", "same"]
    if spec.mode == "conv" and spec.dims == 1:
        names.append("causal")
    for name in names:
        alt = _keras_padding(spec, name)
        if alt is not None and alt.output_shape == spec.output_shape and _links(spec, alt):
            return name
    return None


def keras_code(spec: Spec) -> str | None:
    """The Keras layer for ``spec`` (one filter), or None when no padding name expresses it.

    >>> keras_code(Spec(i=3, k=3, s=2, p="same", mode="transposed"))
    'layers.Conv2DTranspose(1, 3, strides=2, padding="same")'
    >>> keras_code(Spec(i=8, k=2, mode="maxpool"))
    'layers.MaxPooling2D(pool_size=2, padding="valid")'
    """
    if keras_reason(spec) is not None:
        return None
    name = _keras_name(spec)
    dims = f"{spec.dims}D"
    args: list[Any]
    if spec.mode in ("conv", "transposed"):
        layer = f"layers.Conv{dims}{'Transpose' if spec.mode == 'transposed' else ''}"
        args = ["1", _value(spec.k)]
        if any(s != 1 for s in spec.s):
            args.append(f"strides={_value(spec.s)}")
    else:
        layer = f"layers.{'MaxPooling' if spec.mode == 'maxpool' else 'AveragePooling'}{dims}"
        args = [f"pool_size={_value(spec.k)}"]
        if spec.s != spec.k:
            args.append(f"strides={_value(spec.s)}")
    args.append(f'padding="{name}"')
    if any(d != 1 for d in spec.d):
        args.append(f"dilation_rate={_value(spec.d)}")
    return _call(layer, args)
