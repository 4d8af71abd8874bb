"""PyTorch modules in: every layer in execution order, with the shapes torch computes.

The model runs once on zeros (no weights are downloaded or changed; gradients off). The
graph comes from ``torch.fx.symbolic_trace`` where it works, so additions and
concatenations between modules (ResNet's skip, U-Net's concatenation) are nodes with their
inputs. A model fx cannot trace (Python control flow on values) is run under a
``TorchFunctionMode`` with forward hooks on the leaf modules instead: every tensor is tied to
the node that made it by its identity, which gives the same graph.

>>> import torch
>>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(),
...                           torch.nn.MaxPool2d(2))
>>> [(n.name, n.kind) for n in graph_of(net, (3, 8, 8)).nodes]
[('input', 'input'), ('0', 'window'), ('1', 'pass'), ('2', 'window')]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from convanim.model.graph import Graph, ModelError, Node, drawable, macs_of_window

_PASS_MODULES = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU,
                 nn.SiLU, nn.Mish, nn.Sigmoid, nn.Tanh, nn.Hardswish, nn.Hardsigmoid,
                 nn.Hardtanh, nn.Softplus, nn.Softmax, nn.LogSoftmax, nn.Identity,
                 nn.modules.batchnorm._BatchNorm, nn.GroupNorm, nn.LayerNorm,
                 nn.modules.instancenorm._InstanceNorm, nn.LocalResponseNorm, nn.Dropout,
                 nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout)
_PASS_FUNCS = {"relu", "relu_", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "mish",
               "sigmoid", "tanh", "hardswish", "hardsigmoid", "hardtanh", "softplus", "softmax",
               "log_softmax", "dropout", "dropout1d", "dropout2d", "batch_norm", "layer_norm",
               "group_norm", "instance_norm", "contiguous", "clone", "clamp", "neg", "abs",
               "exp", "sqrt", "float", "to", "detach", "__neg__", "sigmoid_", "tanh_"}
_MERGE_FUNCS = {"add", "sub", "mul", "truediv", "div", "__add__", "__radd__", "__iadd__",
                "__sub__", "__rsub__", "__mul__", "__rmul__", "__imul__", "__truediv__",
                "__rtruediv__", "add_", "mul_", "maximum", "minimum", "where", "cat", "concat",
                "concatenate", "stack"}
_MIX_FUNCS = {"flatten", "view", "reshape", "mean", "sum", "amax", "max", "linear", "matmul",
              "__matmul__", "permute", "transpose", "squeeze", "unsqueeze", "bmm", "einsum"}


def _pair(value: Any, dims: int) -> tuple[int, ...]:
    if isinstance(value, (tuple, list)):
        return tuple(int(v) for v in value)
    return (int(value),) * dims


def _tensors(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []


def _module_node(name: str, module: nn.Module, inp: torch.Tensor, out: torch.Tensor,
                 inputs: tuple[str, ...], params: int) -> Node:
    shape_in, shape_out = tuple(inp.shape), tuple(out.shape)
    kind, rest = "unknown", {}
    dims = max(inp.dim() - 2, 0)
    if isinstance(module, (nn.modules.conv._ConvNd)):
        transposed = module.transposed
        k = tuple(module.kernel_size)
        pad = module.padding
        if isinstance(pad, str):  # 'same' / 'valid'
            pads = tuple(((d * (kk - 1)) // 2, d * (kk - 1) - (d * (kk - 1)) // 2) if
                         pad == "same" else (0, 0) for kk, d in zip(k, module.dilation))
        else:
            pads = tuple((p, p) for p in pad)
        macs = (macs_of_window(shape_in, module.out_channels // module.groups, k) if transposed
                else macs_of_window(shape_out, module.in_channels // module.groups, k))
        mode = drawable(("transposed" if transposed else "conv"), dims)
        kind = "transposed" if transposed else "window"
        if transposed:
            rest = {"output_padding": tuple(module.output_padding)}
        return Node(name, type(module).__name__, kind, inputs, shape_in, shape_out, k,
                    tuple(module.stride), pads, tuple(module.dilation), module.groups, params,
                    macs, mode, rest)
    if isinstance(module, (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d,
                           nn.AvgPool2d, nn.AvgPool3d)):
        is_max = isinstance(module, (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d))
        return _pool_node(name, type(module).__name__, "maxpool" if is_max else "avgpool",
                          inputs, shape_in, shape_out, module.kernel_size, module.stride,
                          module.padding, getattr(module, "dilation", 1), params)
    if isinstance(module, (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
                           nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d)):
        return Node(name, type(module).__name__, "adaptive", inputs, shape_in, shape_out,
                    params=params)
    if isinstance(module, nn.Upsample):
        return _upsample_node(name, type(module).__name__, inputs, shape_in, shape_out,
                              module.mode, bool(module.align_corners), params)
    if isinstance(module, nn.Linear):
        macs = int(math.prod(shape_out) * module.in_features)
        return Node(name, "Linear", "mix", inputs, shape_in, shape_out, params=params,
                    macs=macs)
    if isinstance(module, nn.Bilinear):
        macs = int(math.prod(shape_out) * module.in1_features * module.in2_features)
        return Node(name, "Bilinear", "mix", inputs, shape_in, shape_out, params=params,
                    macs=macs)
    if isinstance(module, (nn.modules.padding._ConstantPadNd, nn.modules.padding._ReflectionPadNd,
                           nn.modules.padding._ReplicationPadNd, nn.ZeroPad2d)):
        pad = list(module.padding)
        pads = tuple((pad[2 * a], pad[2 * a + 1]) for a in range(len(pad) // 2))[::-1]
        return Node(name, type(module).__name__, "pad", inputs, shape_in, shape_out,
                    padding=pads, params=params)
    if isinstance(module, _PASS_MODULES):
        kind = "pass"
    elif isinstance(module, nn.Flatten):
        kind = "mix" if shape_in[2:] != shape_out[2:] else "pass"
    if kind == "pass" and shape_in != shape_out:
        kind = "unknown"
    return Node(name, type(module).__name__, kind, inputs, shape_in, shape_out, params=params)


def _pool_node(name: str, type_name: str, mode: str, inputs: tuple[str, ...],
               shape_in: tuple[int, ...], shape_out: tuple[int, ...], kernel: Any, stride: Any,
               padding: Any, dilation: Any, params: int = 0) -> Node:
    dims = len(shape_in) - 2
    k = _pair(kernel, dims)
    s = _pair(stride if stride not in (None, ()) else kernel, dims)
    p = _pair(padding, dims)
    return Node(name, type_name, "window", inputs, shape_in, shape_out, k, s,
                tuple((x, x) for x in p), _pair(dilation, dims), None, params, 0,
                drawable(mode, dims))


def _upsample_node(name: str, type_name: str, inputs: tuple[str, ...],
                   shape_in: tuple[int, ...], shape_out: tuple[int, ...], how: str,
                   align: bool, params: int = 0) -> Node:
    how = {"linear": "bilinear", "bilinear": "bilinear", "nearest": "nearest"}.get(how, how)
    scales = [o // i for i, o in zip(shape_in[2:], shape_out[2:]) if i and o % i == 0]
    even = len(scales) == len(shape_in) - 2 and len(set(scales)) == 1
    mode = "upsample" if even and how in ("nearest", "bilinear") and len(shape_in) in (3, 4) \
        else None
    kind = "upsample" if how in ("nearest", "bilinear") else "unknown"
    return Node(name, type_name, kind, inputs, shape_in, shape_out, params=params, mode=mode,
                extra={"interpolation": how, "align_corners": align,
                       "scale": scales[0] if even else None})


def _arg(args: Sequence[Any], kwargs: dict[str, Any], index: int, key: str, default: Any) -> Any:
    if key in kwargs:
        return kwargs[key]
    return args[index] if len(args) > index else default


def _function_node(name: str, fname: str, args: Sequence[Any], kwargs: dict[str, Any],
                   out: torch.Tensor, inputs: tuple[str, ...]) -> Node:
    first = next((t for t in _tensors(list(args)) + _tensors(kwargs)), None)
    shape_in = tuple(first.shape) if first is not None else ()
    shape_out = tuple(out.shape)
    fname = fname.rstrip("_") if fname.endswith("_") and not fname.startswith("_") else fname
    if fname in ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d") and first is not None:
        return _conv_function(name, fname, args, kwargs, shape_in, shape_out, inputs)
    if fname.startswith(("max_pool", "avg_pool")) and first is not None:
        mode = "maxpool" if fname.startswith("max") else "avgpool"
        kernel = _arg(args, kwargs, 1, "kernel_size", 1)
        return _pool_node(name, fname, mode, inputs, shape_in, shape_out, kernel,
                          _arg(args, kwargs, 2, "stride", None),
                          _arg(args, kwargs, 3, "padding", 0),
                          _arg(args, kwargs, 4, "dilation", 1) if mode == "maxpool" else 1)
    if fname.startswith("adaptive_"):
        return Node(name, fname, "adaptive", inputs, shape_in, shape_out)
    if fname in ("interpolate", "upsample"):
        how = _arg(args, kwargs, 3, "mode", "nearest")
        align = bool(_arg(args, kwargs, 4, "align_corners", False))
        return _upsample_node(name, fname, inputs, shape_in, shape_out, how, align)
    if fname == "pad":
        pad = list(_arg(args, kwargs, 1, "pad", ()))
        value = _arg(args, kwargs, 2, "mode", "constant")
        pads = tuple((pad[2 * a], pad[2 * a + 1]) for a in range(len(pad) // 2))[::-1]
        dims = len(shape_in) - 2
        if len(pads) == dims and value in ("constant", "reflect", "replicate", "circular"):
            return Node(name, fname, "pad", inputs, shape_in, shape_out, padding=pads)
    if fname in ("cat", "concat", "concatenate", "stack"):
        dim = _arg(args, kwargs, 1, "dim", 0)
        kind = "merge" if fname != "stack" and dim in (1, -len(shape_out) + 1) else "unknown"
        return Node(name, fname, kind, inputs, shape_in, shape_out)
    if fname in _MERGE_FUNCS:
        return Node(name, fname, "merge", inputs, shape_in, shape_out)
    if fname in _PASS_FUNCS:
        kind = "pass" if shape_in == shape_out else "unknown"
        return Node(name, fname, kind, inputs, shape_in, shape_out)
    if fname in _MIX_FUNCS:
        kind = "pass" if shape_in == shape_out else "mix"
        if fname == "linear" and first is not None:
            weight = _arg(args, kwargs, 1, "weight", None)
            macs = int(math.prod(shape_out) * weight.shape[-1]) if weight is not None else 0
            return Node(name, fname, "mix", inputs, shape_in, shape_out, macs=macs)
        return Node(name, fname, kind, inputs, shape_in, shape_out)
    return Node(name, fname, "unknown", inputs, shape_in, shape_out)


def _conv_function(name: str, fname: str, args: Sequence[Any], kwargs: dict[str, Any],
                   shape_in: tuple[int, ...], shape_out: tuple[int, ...],
                   inputs: tuple[str, ...]) -> Node:
    """``F.conv2d(x, w, b, stride, padding, dilation, groups)`` and the transposed ones
    (``..., stride, padding, output_padding, groups, dilation``)."""
    weight = _arg(args, kwargs, 1, "weight", None)
    dims = len(shape_in) - 2
    k = tuple(weight.shape[2:])
    transposed = "transpose" in fname
    stride = _pair(_arg(args, kwargs, 3, "stride", 1), dims)
    pad = _arg(args, kwargs, 4, "padding", 0)
    if transposed:
        extra = {"output_padding": _pair(_arg(args, kwargs, 5, "output_padding", 0), dims)}
        groups = int(_arg(args, kwargs, 6, "groups", 1))
        dilation = _pair(_arg(args, kwargs, 7, "dilation", 1), dims)
        macs = macs_of_window(shape_in, weight.shape[1], k)
    else:
        extra = {}
        dilation = _pair(_arg(args, kwargs, 5, "dilation", 1), dims)
        groups = int(_arg(args, kwargs, 6, "groups", 1))
        macs = macs_of_window(shape_out, weight.shape[1], k)
    if isinstance(pad, str):
        pads = tuple(((d * (kk - 1)) // 2, d * (kk - 1) - (d * (kk - 1)) // 2) if
                     pad == "same" else (0, 0) for kk, d in zip(k, dilation))
    else:
        pads = tuple((p, p) for p in _pair(pad, dims))
    mode = drawable(("transposed" if transposed else "conv"), dims)
    return Node(name, fname, "transposed" if transposed else "window", inputs, shape_in,
                shape_out, k, stride, pads, dilation, groups, 0, macs, mode, extra)


def _own_params(module: nn.Module, seen: set[int]) -> int:
    total = 0
    for p in module.parameters():
        if id(p) not in seen:
            seen.add(id(p))
            total += p.numel()
    return total


_LEAVES = (nn.modules.conv._ConvNd, nn.modules.pooling._MaxPoolNd,
           nn.modules.pooling._AvgPoolNd, nn.modules.pooling._AdaptiveAvgPoolNd,
           nn.modules.pooling._AdaptiveMaxPoolNd, nn.Upsample, nn.Linear, *_PASS_MODULES)


class _Tracer(torch.fx.Tracer):
    """fx's tracer, keeping a user's subclass of a standard layer (a Conv2d with its own
    name or a tweak) as one layer with its module name, as the hook tracer does."""

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        return isinstance(m, _LEAVES) or super().is_leaf_module(m, module_qualified_name)


def graph_of(module: nn.Module, input_size: Sequence[int]) -> Graph:
    """The graph of ``module`` run on one zero input of ``(C, H, W)`` (or ``(C, L)``).

    Raises :class:`ModelError` when the model fails on that input.

    >>> graph = graph_of(nn.Sequential(nn.Conv2d(1, 2, 3, stride=2)), (1, 8, 8))
    >>> node = graph.nodes[-1]
    >>> node.type, node.out_shape, node.kernel_size, node.stride, node.params, node.macs
    ('Conv2d', (1, 2, 3, 3), (3, 3), (2, 2), 20, 162)
    """
    x = torch.zeros((1, *(int(v) for v in input_size)))
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            try:
                traced = torch.fx.GraphModule(module, _Tracer().trace(module))
            except Exception:
                traced = None
            if traced is not None:
                try:
                    return _fx_graph(module, traced, x)
                except ModelError:
                    raise
                except Exception:
                    pass  # shapes fx cannot propagate: the hooks below run the model itself
            return _hook_graph(module, x)
    finally:
        module.train(was_training)


def _fail(err: Exception, x: torch.Tensor) -> ModelError:
    size = "x".join(map(str, x.shape[1:]))
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return ModelError(f"--input: {size}: the model fails on this input size ({text}); give "
                      "the size the model expects, e.g. --input 3,224,224")


def _fx_graph(module: nn.Module, traced: torch.fx.GraphModule, x: torch.Tensor) -> Graph:
    nodes: list[Node] = [Node("input", "input", "input", (), tuple(x.shape), tuple(x.shape))]
    names: dict[str, str] = {}
    seen: set[int] = set()
    calls: dict[str, int] = {}
    pending_params = 0

    class Recorder(torch.fx.Interpreter):
        def run_node(self, n: torch.fx.Node) -> Any:
            nonlocal pending_params
            result = super().run_node(n)
            if n.op == "placeholder":
                if not names:
                    names[n.name] = "input"
                return result
            if n.op == "get_attr":
                if isinstance(result, nn.Parameter) and id(result) not in seen:
                    seen.add(id(result))
                    pending_params += result.numel()
                return result
            if n.op == "output" or not isinstance(result, torch.Tensor):
                return result
            producers = tuple(dict.fromkeys(names[a.name] for a in n.all_input_nodes
                                            if a.name in names))
            args, kwargs = self.fetch_args_kwargs_from_env(n)
            if n.op == "call_module":
                sub = traced.get_submodule(str(n.target))
                first = (_tensors(list(args)) + _tensors(kwargs))
                inp = first[0] if first else result
                name = str(n.target)
                calls[name] = calls.get(name, 0) + 1
                if calls[name] > 1:  # a module called again: its name and the call's number
                    name = f"{name}#{calls[name]}"
                node = _module_node(name, sub, inp, result, producers,
                                    _own_params(sub, seen))
            else:
                fname = (getattr(n.target, "__name__", str(n.target)) if n.op ==
                         "call_function" else str(n.target))
                node = _function_node(n.name, fname, args, kwargs, result, producers)
            node.params += pending_params
            pending_params = 0
            names[n.name] = node.name
            nodes.append(node)
            return result

    try:
        Recorder(traced).run(x)
    except Exception as err:
        try:
            module(x)
        except Exception as direct:
            raise _fail(direct, x) from None
        raise err
    return Graph(("input",), nodes, source=type(module).__name__)


def _hook_graph(module: nn.Module, x: torch.Tensor) -> Graph:
    nodes: list[Node] = [Node("input", "input", "input", (), tuple(x.shape), tuple(x.shape))]
    made: dict[int, str] = {id(x): "input"}
    alive: list[torch.Tensor] = [x]  # keeps ids unique while the model runs
    seen: set[int] = set()
    depth = [0]
    counts: dict[str, int] = {}
    qualified = {id(m): name for name, m in module.named_modules()}

    def fresh(name: str) -> str:
        counts[name] = counts.get(name, 0) + 1
        return name if counts[name] == 1 else f"{name}#{counts[name]}"

    def producers(values: Any) -> tuple[str, ...]:
        return tuple(dict.fromkeys(made[id(t)] for t in _tensors(values) if id(t) in made))

    def record(node: Node, out: Any) -> None:
        nodes.append(node)
        for t in _tensors(out):
            made[id(t)] = node.name
            alive.append(t)

    class Mode(TorchFunctionMode):
        def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None):
            kwargs = kwargs or {}
            result = func(*args, **kwargs)
            if depth[0] == 0 and isinstance(result, torch.Tensor) and \
                    producers([args, kwargs]):
                fname = getattr(func, "__name__", str(func))
                node = _function_node(fresh(fname), fname, args, kwargs, result,
                                      producers([args, kwargs]))
                record(node, result)
            return result

    def pre(mod: nn.Module, args: Any) -> None:
        depth[0] += 1

    def post(mod: nn.Module, args: Any, out: Any) -> None:
        depth[0] -= 1
        if depth[0] or not isinstance(out, torch.Tensor):
            return
        inp = (_tensors(args) or [out])[0]
        node = _module_node(fresh(qualified.get(id(mod), type(mod).__name__)), mod, inp, out,
                            producers(args), _own_params(mod, seen))
        record(node, out)

    handles = []
    for sub in module.modules():
        if not list(sub.children()):  # a leaf (the model itself when it has no children)
            handles += [sub.register_forward_pre_hook(pre), sub.register_forward_hook(post)]
    try:
        with Mode():
            module(x)
    except Exception as err:
        raise _fail(err, x) from None
    finally:
        for handle in handles:
            handle.remove()
    rest = sum(p.numel() for p in module.parameters() if id(p) not in seen)
    if rest and len(nodes) > 1:
        nodes[1].params += rest
    return Graph(("input",), nodes, source=type(module).__name__)

