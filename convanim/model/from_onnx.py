"""ONNX files in: every node in the file's (topological) order, shapes from ONNX's own shape
inference (nothing runs; no onnxruntime needed).

A node reading only initializers and constants (weights, shape arithmetic) is folded away;
``Shape``-like nodes end the data path. An operator convanim does not know is refused by name.

>>> import onnx, tempfile, os
>>> from onnx import helper, TensorProto
>>> node = helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2])
>>> graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x",
...     TensorProto.FLOAT, [1, 1, 4, 4])], [helper.make_tensor_value_info("y",
...     TensorProto.FLOAT, None)])
>>> path = os.path.join(tempfile.mkdtemp(), "p.onnx")
>>> onnx.save(helper.make_model(graph), path)
>>> [(n.name, n.out_shape) for n in graph_of_onnx(path).nodes]
[('x', (1, 1, 4, 4)), ('MaxPool_0', (1, 1, 2, 2))]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import onnx
from onnx import numpy_helper

from convanim.model.graph import Graph, ModelError, Node, clean, drawable, macs_of_window

PASS = {"Relu", "LeakyRelu", "PRelu", "Elu", "Selu", "Celu", "Gelu", "Sigmoid", "HardSigmoid",
        "HardSwish", "Tanh", "Softplus", "Softsign", "Mish", "Clip", "Softmax", "LogSoftmax",
        "BatchNormalization", "InstanceNormalization", "LayerNormalization",
        "GroupNormalization", "LRN", "Dropout", "Identity", "Cast", "Abs", "Neg", "Exp", "Log",
        "Sqrt", "Reciprocal", "Erf", "Floor", "Ceil", "Round"}
MERGE = {"Add", "Sub", "Mul", "Div", "Sum", "Max", "Min", "Mean", "Pow", "Where"}
MIX = {"Flatten", "Reshape", "Gemm", "MatMul", "ReduceMean", "ReduceMax", "ReduceSum",
       "Transpose", "Squeeze", "Unsqueeze", "GlobalLpPool"}
SHAPE = {"Shape", "Size", "Constant", "ConstantOfShape", "Range", "NonZero", "EyeLike"}
WINDOW = {"Conv": "conv", "MaxPool": "maxpool", "AveragePool": "avgpool", "LpPool": None}
KNOWN = sorted(PASS | MERGE | MIX | set(WINDOW) | {"ConvTranspose", "GlobalAveragePool",
               "GlobalMaxPool", "Resize", "Upsample", "Concat", "Pad"})


def _shape(value_info: Any) -> tuple[Any, ...] | None:
    t = value_info.type.tensor_type
    if not t.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or "?")
                 for d in t.shape.dim)


def _attrs(node: Any) -> dict[str, Any]:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _load(path: str | PathLike[str]) -> Any:
    try:
        return onnx.load(str(path), load_external_data=False)
    except Exception as err:
        first = clean(str(err).strip().splitlines()[0] if str(err).strip() else "")
        raise ModelError(f"model: {clean(path)}: not an ONNX model ({first or 'unreadable'}); "
                         "give a file written by onnx.save or torch.onnx.export") from None


def graph_of_onnx(path: str | PathLike[str], input_size: Sequence[int] | None = None
                  ) -> Graph:
    """The graph of the ONNX file at ``path``; ``input_size`` (C, H, W) fixes free sizes.

    >>> import tempfile, os
    >>> from onnx import TensorProto, helper, save
    >>> node = helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3])
    >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, "h", "w"])
    >>> y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    >>> path = os.path.join(tempfile.mkdtemp(), "free.onnx")
    >>> save(helper.make_model(helper.make_graph([node], "g", [x], [y])), path)
    >>> [n.out_shape for n in graph_of_onnx(path, (1, 5, 7)).nodes]
    [(1, 1, 5, 7), (1, 1, 3, 5)]
    """
    model = _load(path)
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    data_inputs = [v for v in g.input if v.name not in inits]
    if not data_inputs:
        raise ModelError(f"model: {clean(path)}: the graph has no input; export the model "
                         "with its input")
    first = data_inputs[0]
    shape = _shape(first)
    if input_size is not None:
        want = (1, *input_size)
        if shape is not None and len(shape) != len(want):
            raise ModelError(f"--input: {','.join(map(str, input_size))}: the model's input "
                             f"{clean(first.name)} has {len(shape) - 1} sizes after the batch; "
                             f"give {len(shape) - 1}")
        if shape is not None and any(isinstance(d, int) and d > 0 and d != w
                                     for d, w in zip(shape[1:], want[1:])):
            shown = "x".join(map(str, shape[1:]))
            example = ",".join(str(d) if isinstance(d, int) and d > 0 else "224"
                               for d in shape[1:])
            raise ModelError(f"--input: {','.join(map(str, input_size))}: the model's input "
                             f"is {clean(shown)}; give sizes that match, e.g. --input "
                             f"{clean(example)}")
        shape = want
    elif shape is None or any(not isinstance(d, int) or d <= 0 for d in shape[1:]):
        shown = "x".join(map(str, shape or ("?",)))
        raise ModelError(f"model: {clean(path)}: input {clean(first.name)} has free sizes "
                         f"({clean(shown)}); give them, e.g. --input 3,224,224")
    shape = (1, *shape[1:])
    dims = first.type.tensor_type.shape.dim
    del dims[:]
    for d in shape:
        dims.add().dim_value = int(d)
    for v in list(g.value_info):
        g.value_info.remove(v)
    try:
        inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception as err:
        first_line = clean(str(err).strip().splitlines()[0])
        raise ModelError(f"--input: {'x'.join(map(str, shape[1:]))}: the model fails on this "
                         f"input size ({first_line}); give the size it expects") from None
    shapes = {v.name: _shape(v) for v in (*inferred.graph.value_info,
                                          *inferred.graph.output, *inferred.graph.input)}
    shapes[first.name] = shape
    nodes = [Node(first.name, "input", "input", (), shape, shape)]
    made = {first.name: first.name}  # data tensor -> the node that made it
    counted: set[str] = set()
    for n, node in enumerate(inferred.graph.node):
        name = node.name or f"{node.op_type}_{n}"
        data = [made[i] for i in node.input if i in made]
        if not data or node.op_type in SHAPE:
            continue  # weights, constants and shape arithmetic: not on the data path
        if node.op_type not in KNOWN:
            raise ModelError(f"model: {clean(path)}: node {clean(name)}: operator "
                             f"{clean(node.op_type)} is not one convanim knows (Conv, "
                             "ConvTranspose, pooling, Resize, Pad, elementwise, normalisation, "
                             f"Gemm/MatMul and {len(KNOWN) - 8} more); export the model "
                             "without it")
        out_shape = shapes.get(node.output[0])
        if out_shape is None or any(not isinstance(d, int) or d < 0 for d in out_shape):
            raise ModelError(f"model: {clean(path)}: node {clean(name)} ({node.op_type}) has "
                             "a free output size; give the input size, e.g. --input 3,224,224")
        in_name = next(i for i in node.input if i in made)
        in_shape = tuple(shapes[in_name])
        params = 0
        for i in node.input:
            if i in inits and i not in counted:
                tensor = inits[i]
                if tensor.data_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16,
                                        onnx.TensorProto.DOUBLE, onnx.TensorProto.BFLOAT16):
                    counted.add(i)
                    params += math.prod(tensor.dims)
        built = _node(name, node, tuple(dict.fromkeys(data)), in_shape, tuple(out_shape),
                      params, inits, shapes, path)
        _check_window(built, shape)
        nodes.append(built)
        for out in node.output:
            made[out] = name
    return Graph((first.name,), nodes, source=Path(path).name)


def _node(name: str, node: Any, inputs: tuple[str, ...], in_shape: tuple[int, ...],
          out_shape: tuple[int, ...], params: int, inits: dict[str, Any],
          shapes: dict[str, Any], path: Any) -> Node:
    op, at = node.op_type, _attrs(node)
    dims = len(in_shape) - 2
    if op in WINDOW or op == "ConvTranspose":
        weight = inits.get(node.input[1]) if op in ("Conv", "ConvTranspose") else None
        w_shape = (tuple(weight.dims) if weight is not None else
                   tuple(shapes.get(node.input[1], ())) if op in ("Conv", "ConvTranspose")
                   else ())
        k = tuple(at.get("kernel_shape") or w_shape[2:])
        s = tuple(at.get("strides") or (1,) * dims)
        d = tuple(at.get("dilations") or (1,) * dims)
        pads = _pads(at, in_shape, out_shape, k, s, d, op == "ConvTranspose")
        groups = int(at.get("group", 1)) if op in ("Conv", "ConvTranspose") else None
        macs = 0
        if op == "Conv":
            macs = macs_of_window(out_shape, in_shape[1] // groups, k)
        elif op == "ConvTranspose":
            macs = macs_of_window(in_shape, w_shape[1], k)
        mode = "transposed" if op == "ConvTranspose" else WINDOW[op]
        extra = {"output_padding": tuple(at.get("output_padding") or (0,) * dims)} \
            if op == "ConvTranspose" else {}
        if at.get("ceil_mode"):
            extra["ceil_mode"] = True
        return Node(name, op, "transposed" if op == "ConvTranspose" else "window", inputs,
                    in_shape, out_shape, k, s, pads, d, groups, params, macs,
                    drawable(mode, dims), extra)
    if op in ("GlobalAveragePool", "GlobalMaxPool"):
        return Node(name, op, "adaptive", inputs, in_shape, out_shape, params=params)
    if op in ("Resize", "Upsample"):
        how = at.get("mode", b"nearest")
        how = how.decode() if isinstance(how, bytes) else str(how)
        ctm = at.get("coordinate_transformation_mode", b"half_pixel")
        ctm = ctm.decode() if isinstance(ctm, bytes) else str(ctm)
        interp = {"nearest": "nearest", "linear": "bilinear"}.get(how)
        scales = [o // i for i, o in zip(in_shape[2:], out_shape[2:]) if o % i == 0]
        even = len(scales) == dims and len(set(scales)) == 1
        if interp is None or (interp == "nearest" and ctm not in ("asymmetric",)) or \
                (interp == "bilinear" and ctm not in ("align_corners", "pytorch_half_pixel",
                                                      "half_pixel")):
            return Node(name, op, "unknown", inputs, in_shape, out_shape, params=params)
        return Node(name, op, "upsample", inputs, in_shape, out_shape, params=params,
                    mode="upsample" if even and dims in (1, 2) else None,
                    extra={"interpolation": interp, "align_corners": ctm == "align_corners",
                           "scale": scales[0] if even else None})
    if op == "Pad":
        pads = at.get("pads")
        if pads is None and len(node.input) > 1 and node.input[1] in inits:
            pads = numpy_helper.to_array(inits[node.input[1]]).tolist()
        rank = len(in_shape)
        if pads is not None and len(pads) == 2 * rank:
            spatial = tuple((int(pads[a]), int(pads[a + rank])) for a in range(2, rank))
            return Node(name, op, "pad", inputs, in_shape, out_shape, padding=spatial,
                        params=params)
        return Node(name, op, "unknown", inputs, in_shape, out_shape, params=params)
    if op == "Concat":
        axis = int(at.get("axis", 0))
        kind = "merge" if axis in (1, 1 - len(out_shape)) else "unknown"
        return Node(name, op, kind, inputs, in_shape, out_shape, params=params)
    if op in MERGE:
        return Node(name, op, "merge", inputs, in_shape, out_shape, params=params)
    if op in PASS:
        kind = "pass" if in_shape == out_shape else "unknown"
        return Node(name, op, kind, inputs, in_shape, out_shape, params=params)
    if op in MIX:
        macs = 0
        if op == "Gemm":
            b = inits.get(node.input[1])
            b_shape = tuple(b.dims) if b is not None else tuple(shapes.get(node.input[1]))
            k = b_shape[1] if at.get("transB") else b_shape[0]
            macs = int(math.prod(out_shape) * k)
        elif op == "MatMul":
            a_shape = shapes.get(node.input[0]) or in_shape
            macs = int(math.prod(out_shape) * a_shape[-1])
        kind = "pass" if in_shape == out_shape and op != "Gemm" else "mix"
        return Node(name, op, kind, inputs, in_shape, out_shape, params=params, macs=macs)
    raise ValueError(op)  # KNOWN lists every operator handled above


def _pads(at: dict[str, Any], in_shape: tuple[int, ...], out_shape: tuple[int, ...],
          k: tuple[int, ...], s: tuple[int, ...], d: tuple[int, ...], transposed: bool
          ) -> tuple[tuple[int, int], ...]:
    """(before, after) per spatial axis, from ``pads`` or ``auto_pad`` (SAME_* puts the odd
    cell after for UPPER, before for LOWER)."""
    dims = len(k)
    auto = at.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else str(auto)
    if auto in ("SAME_UPPER", "SAME_LOWER") and not transposed:
        out = []
        for a in range(dims):
            n = in_shape[2 + a]
            total = max((-(-n // s[a]) - 1) * s[a] + d[a] * (k[a] - 1) + 1 - n, 0)
            small = total // 2
            out.append((small, total - small) if auto == "SAME_UPPER" else
                       (total - small, small))
        return tuple(out)
    pads = at.get("pads") or [0] * (2 * dims)
    return tuple((int(pads[a]), int(pads[a + dims])) for a in range(dims))


def _check_window(node: Node, model_input: tuple[int, ...]) -> None:
    """Refuse a window larger than its padded input: ONNX shape inference lets it pass (it
    clamps to one cell), the runtimes and PyTorch do not."""
    if node.kind != "window" or node.extra.get("ceil_mode"):
        return
    for n, k, d, (a, b) in zip(node.in_shape[2:], node.kernel_size or (), node.dilation or (),
                               node.padding or ()):
        span = d * (k - 1) + 1
        if n + a + b < span:
            size = "x".join(map(str, model_input[1:]))
            raise ModelError(f"--input: {size}: the model fails on this input size (node "
                             f"{clean(node.name)}: its window of {span} is larger than its "
                             f"padded input of {n + a + b}); give a larger input")
