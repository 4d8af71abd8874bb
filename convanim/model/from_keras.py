"""Keras models in, read as plain JSON: no TensorFlow, no Keras.

The text of ``model.to_json()`` (a ``.json`` file) or a ``.keras`` archive (a zip whose
``config.json`` is that text); Sequential and Functional models, in Keras 3's format (Keras 2's
``inbound_nodes`` lists are read too). Shapes are computed here with Keras 3's rules:
``channels_last`` unless a layer says otherwise, ``padding="valid"`` (no padding) or
``"same"`` (output ``ceil(n/s)``, the total padding split with the odd cell after), pooling
strides defaulting to the pool size. Parameters count what Keras counts (batch
normalisation's moving mean and variance included).

>>> import json, tempfile, os
>>> text = json.dumps({"class_name": "Sequential", "config": {"layers": [
...     {"class_name": "InputLayer", "config": {"batch_shape": [None, 8, 8, 1]}},
...     {"class_name": "Conv2D", "config": {"name": "c", "filters": 2, "kernel_size": [3, 3],
...      "padding": "same"}}]}})
>>> path = os.path.join(tempfile.mkdtemp(), "m.json")
>>> _ = open(path, "w").write(text)
>>> [(n.name, n.out_shape, n.params) for n in graph_of_keras(path).nodes]
[('input', (1, 8, 8, 1), 0), ('c', (1, 8, 8, 2), 20)]
"""

from __future__ import annotations

import json
import math
import zipfile
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

from convanim.model.graph import Graph, ModelError, Node, clean, drawable, macs_of_window

PASS = {"Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "BatchNormalization",
        "LayerNormalization", "GroupNormalization", "UnitNormalization", "Dropout",
        "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
        "AlphaDropout", "Identity", "Rescaling", "Normalization", "ActivityRegularization"}
MERGE = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"}
CONV = {"Conv1D": 1, "Conv2D": 2, "Conv3D": 3, "Conv1DTranspose": 1, "Conv2DTranspose": 2,
        "Conv3DTranspose": 3, "DepthwiseConv1D": 1, "DepthwiseConv2D": 2, "SeparableConv1D": 1,
        "SeparableConv2D": 2}
POOL = {f"{name}{n}D": op for n in (1, 2, 3) for name, op in (
    ("MaxPooling", "maxpool"), ("AveragePooling", "avgpool"), ("MaxPool", "maxpool"),
    ("AvgPool", "avgpool"))}
GLOBAL = {f"Global{name}{n}D" for n in (1, 2, 3)
          for name in ("AveragePooling", "MaxPooling", "AvgPool", "MaxPool")}


def _read(path: str | PathLike[str]) -> dict[str, Any]:
    shown = clean(path)
    try:
        if str(path).lower().endswith(".keras"):
            with zipfile.ZipFile(path) as archive:
                text = archive.read("config.json").decode("utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
    except (zipfile.BadZipFile, KeyError):
        raise ModelError(f"model: {shown}: not a .keras archive (a zip with config.json); "
                         "save it with model.save('name.keras')") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelError(f"model: {shown}: not JSON ({clean(err)}); give the text of "
                         "model.to_json()") from None
    if not isinstance(data, dict) or data.get("class_name") not in ("Sequential",
                                                                     "Functional", "Model"):
        raise ModelError(f"model: {shown}: not a Keras model (no Sequential or Functional "
                         "class_name); give the text of model.to_json() or a .keras file")
    return data


def _tuple(value: Any, dims: int) -> tuple[int, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    return (int(value),) * dims


def _inputs_of(layer: dict[str, Any]) -> list[str]:
    """The layer names a Functional layer's first call reads (Keras 3 or Keras 2 format)."""
    nodes = layer.get("inbound_nodes") or []
    if not nodes:
        return []
    first = nodes[0]
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            history = value.get("config", {}).get("keras_history") if \
                value.get("class_name") == "__keras_tensor__" else None
            if history:
                found.append(str(history[0]))
                return
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            if value and isinstance(value[0], str) and len(value) >= 3 and \
                    isinstance(value[1], int):  # Keras 2: [name, node, tensor, kwargs]
                found.append(value[0])
                return
            for v in value:
                walk(v)

    walk(first)
    return found


def graph_of_keras(path: str | PathLike[str], input_size: Sequence[int] | None = None
                   ) -> Graph:
    """The graph of a Keras model file; ``input_size`` is (C, H, W) as everywhere in
    convanim (laid out channels-last for the model).

    >>> import json, tempfile, os
    >>> layers = [{"class_name": "InputLayer", "config": {"batch_shape": [None, None, None, 3]}},
    ...           {"class_name": "MaxPooling2D", "config": {"name": "p", "pool_size": 2}}]
    >>> path = os.path.join(tempfile.mkdtemp(), "m.json")
    >>> with open(path, "w") as f:
    ...     _ = f.write(json.dumps({"class_name": "Sequential", "config": {"layers": layers}}))
    >>> graph = graph_of_keras(path, (3, 6, 6))
    >>> [(n.name, n.out_shape) for n in graph.nodes], graph.channels_last
    ([('input', (1, 6, 6, 3)), ('p', (1, 3, 3, 3))], True)
    """
    data = _read(path)
    config = data.get("config") or {}
    layers = list(config.get("layers") or [])
    if not layers:
        raise ModelError(f"model: {clean(path)}: the model has no layers")
    channels_last = not any((layer.get("config") or {}).get("data_format") ==
                            "channels_first" for layer in layers)
    first = layers[0]
    given = None
    if first.get("class_name") == "InputLayer":
        cfg = first.get("config") or {}
        given = cfg.get("batch_shape") or cfg.get("batch_input_shape")
        layers = layers[1:]
    else:
        given = config.get("build_input_shape") or (first.get("config") or {}).get(
            "batch_input_shape") or (first.get("build_config") or {}).get("input_shape")
    shape = _input_shape(path, given, input_size, channels_last)
    in_name = str(first.get("name") or (first.get("config") or {}).get("name") or "input") \
        if first.get("class_name") == "InputLayer" else "input"
    nodes = [Node(in_name, "input", "input", (), shape, shape)]
    shapes = {in_name: shape}
    previous = in_name
    sequential = data.get("class_name") == "Sequential"
    for n, layer in enumerate(layers):
        kind = str(layer.get("class_name"))
        cfg = layer.get("config") or {}
        name = str(layer.get("name") or cfg.get("name") or f"{kind.lower()}_{n}")
        if kind == "InputLayer":
            continue
        sources = [previous] if sequential else _inputs_of(layer)
        if not sources or any(s not in shapes for s in sources):
            raise ModelError(f"model: {clean(path)}: layer {clean(name)} reads "
                             f"{clean(sources) or 'nothing'}, which comes before no layer; "
                             "give the complete model.to_json() text")
        ins = [shapes[s] for s in sources]
        if kind in MERGE and kind != "Concatenate" and len(set(ins)) > 1:
            size = "x".join(map(str, shape[1:]))
            got = " and ".join("x".join(map(str, s[1:])) for s in dict.fromkeys(ins))
            raise ModelError(f"--input: {size}: the model fails on this input size (layer "
                             f"{clean(name)} merges {got}); give the size it expects")
        try:
            node = _layer(name, kind, cfg, tuple(sources), ins, channels_last)
        except ModelError as err:
            raise ModelError(f"model: {clean(path)}: layer {clean(name)}: {err}") from None
        if any(d <= 0 for d in node.out_shape):
            size = "x".join(map(str, shape[1:]))
            raise ModelError(f"--input: {size}: the model fails on this input size (layer "
                             f"{clean(name)} gets no output cells); give a larger input")
        nodes.append(node)
        shapes[name] = node.out_shape
        previous = name
    return Graph((in_name,), nodes, channels_last=channels_last, source=Path(path).name)


def _input_shape(path: Any, given: Any, input_size: Sequence[int] | None,
                 channels_last: bool) -> tuple[int, ...]:
    if input_size is not None:
        c, *spatial = (int(v) for v in input_size)
        want = (1, *spatial, c) if channels_last else (1, c, *spatial)
        if given and len(given) != len(want):
            raise ModelError(f"--input: {','.join(map(str, input_size))}: the model's input "
                             f"has {len(given) - 1} sizes after the batch; give "
                             f"{len(given) - 1}")
        if given and any(g not in (None, -1) and g != w for g, w in zip(given[1:], want[1:])):
            raise ModelError(f"--input: {','.join(map(str, input_size))}: the model's input "
                             f"is fixed at {clean(given[1:])}; drop --input")
        return want
    if not given or any(g in (None, -1) for g in given[1:]):
        raise ModelError(f"model: {clean(path)}: the input has free sizes "
                         f"({clean(given)}); give them, e.g. --input 3,224,224")
    return (1, *(int(g) for g in given[1:]))


def _split(shape: tuple[int, ...], last: bool) -> tuple[int, tuple[int, ...]]:
    return (shape[-1], shape[1:-1]) if last else (shape[1], shape[2:])


def _join(channels: int, spatial: Sequence[int], last: bool) -> tuple[int, ...]:
    return (1, *spatial, channels) if last else (1, channels, *spatial)


def _same(n: int, k: int, s: int) -> tuple[int, int, int]:
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return out, total // 2, total - total // 2


def _layer(name: str, kind: str, cfg: dict[str, Any], sources: tuple[str, ...],
           ins: list[tuple[int, ...]], last: bool) -> Node:
    shape = ins[0]
    cin, spatial = _split(shape, last)
    dims = len(spatial)
    bias = bool(cfg.get("use_bias", True))
    if kind in CONV:
        k = _tuple(cfg.get("kernel_size", 1), dims)
        s = _tuple(cfg.get("strides", 1), dims)
        d = _tuple(cfg.get("dilation_rate", 1), dims)
        padding = str(cfg.get("padding", "valid")).lower()
        span = tuple(dd * (kk - 1) + 1 for kk, dd in zip(k, d))
        if kind.endswith("Transpose"):
            filters = int(cfg["filters"])
            groups = int(cfg.get("groups", 1) or 1)
            outs, pads = [], []
            for n, kk, ss in zip(spatial, span, s):
                if padding == "same":
                    outs.append(n * ss)
                    pads.append(((kk - ss) // 2, kk - ss - (kk - ss) // 2) if kk >= ss
                                else (0, 0))
                else:
                    outs.append(n * ss + max(kk - ss, 0))
                    pads.append((0, 0))
            out = _join(filters, outs, last)
            params = math.prod(k) * filters * (cin // groups) + (filters if bias else 0)
            return Node(name, kind, "transposed", sources, shape, out, k, s, tuple(pads), d,
                        groups, params, macs_of_window(shape, filters // groups, k),
                        drawable("transposed", dims))
        outs, pads = [], []
        for n, kk, ss in zip(spatial, span, s):
            if padding == "same":
                o, a, b = _same(n, kk, ss)
            elif padding == "causal":
                o, a, b = (n - 1) // ss + 1, kk - 1, 0
            elif padding == "valid":
                o, a, b = (n - kk) // ss + 1, 0, 0
            else:
                raise ModelError(f"padding {padding!r} is not 'valid', 'same' or 'causal'")
            outs.append(o)
            pads.append((a, b))
        taps = math.prod(k)
        if kind.startswith("Depthwise"):
            mult = int(cfg.get("depth_multiplier", 1))
            cout, groups = cin * mult, cin
            params = taps * cin * mult + (cout if bias else 0)
            macs = math.prod(outs) * cout * taps
        elif kind.startswith("Separable"):
            mult = int(cfg.get("depth_multiplier", 1))
            cout, groups = int(cfg["filters"]), cin
            params = taps * cin * mult + cin * mult * cout + (cout if bias else 0)
            macs = math.prod(outs) * cin * mult * (taps + cout)
        else:
            cout, groups = int(cfg["filters"]), int(cfg.get("groups", 1) or 1)
            params = taps * (cin // groups) * cout + (cout if bias else 0)
            macs = math.prod(outs) * cout * (cin // groups) * taps
        mode = None if kind.startswith("Separable") else drawable("conv", dims)
        return Node(name, kind, "window", sources, shape, _join(cout, outs, last), k, s,
                    tuple(pads), d, groups, params, macs, mode)
    if kind in POOL:
        k = _tuple(cfg.get("pool_size", 2), dims)
        s = _tuple(cfg.get("strides") or k, dims)
        padding = str(cfg.get("padding", "valid")).lower()
        outs, pads = [], []
        for n, kk, ss in zip(spatial, k, s):
            o, a, b = _same(n, kk, ss) if padding == "same" else ((n - kk) // ss + 1, 0, 0)
            outs.append(o)
            pads.append((a, b))
        return Node(name, kind, "window", sources, shape, _join(cin, outs, last), k, s,
                    tuple(pads), (1,) * dims, None, 0, 0, drawable(POOL[kind], dims))
    if kind in GLOBAL:
        keep = bool(cfg.get("keepdims", False))
        out = _join(cin, (1,) * dims, last) if keep else (1, cin)
        return Node(name, kind, "adaptive" if keep else "mix", sources, shape, out)
    if kind in ("UpSampling1D", "UpSampling2D"):
        size = _tuple(cfg.get("size", 2), dims)
        how = str(cfg.get("interpolation", "nearest"))
        outs = [n * f for n, f in zip(spatial, size)]
        even = len(set(size)) == 1
        return Node(name, kind, "upsample", sources, shape, _join(cin, outs, last),
                    mode="upsample" if even and how in ("nearest", "bilinear") else None,
                    extra={"interpolation": how if how == "bilinear" else "nearest",
                           "align_corners": False, "scale": size[0] if even else None})
    if kind in ("ZeroPadding1D", "ZeroPadding2D"):
        raw = cfg.get("padding", 1)
        if isinstance(raw, int):
            pads = ((raw, raw),) * dims
        elif dims == 1 and len(raw) == 2 and all(isinstance(v, int) for v in raw):
            pads = ((int(raw[0]), int(raw[1])),)
        else:
            pads = tuple((p, p) if isinstance(p, int) else (int(p[0]), int(p[1])) for p in raw)
        outs = [n + a + b for n, (a, b) in zip(spatial, pads)]
        return Node(name, kind, "pad", sources, shape, _join(cin, outs, last), padding=pads)
    if kind == "Dense":
        units = int(cfg["units"])
        out = (*shape[:-1], units)
        params = shape[-1] * units + (units if bias else 0)
        # On a grid (channels last) a Dense layer acts on every cell alone, as a 1x1 conv.
        return Node(name, kind, "pass" if dims and last else "mix", sources, shape, out,
                    params=params, macs=math.prod(out) * shape[-1])
    if kind == "Flatten":
        return Node(name, kind, "mix", sources, shape, (1, math.prod(shape[1:])))
    if kind in MERGE:
        if kind == "Concatenate":
            axis = int(cfg.get("axis", -1))
            size = sum(s[axis] for s in ins)
            out = list(shape)
            out[axis] = size
            chan = len(shape) - 1 if last else 1
            kind_of = "merge" if axis % len(shape) == chan else "unknown"
            return Node(name, kind, kind_of, sources, shape, tuple(out))
        return Node(name, kind, "merge", sources, shape, shape)
    if kind in PASS:
        params = 0
        if kind == "BatchNormalization":
            params = cin * (2 + int(cfg.get("center", True)) + int(cfg.get("scale", True)))
        elif kind == "LayerNormalization":
            params = shape[-1] * (int(cfg.get("center", True)) + int(cfg.get("scale", True)))
        elif kind == "PReLU":
            params = math.prod(shape[1:])
        return Node(name, kind, "pass", sources, shape, shape, params=params)
    raise ModelError(f"layer type {clean(kind)} is not one convanim reads (convolutions, "
                     "pooling, upsampling, padding, Dense, Flatten, merges, activations, "
                     "normalisation, dropout); drop it or open an issue")
