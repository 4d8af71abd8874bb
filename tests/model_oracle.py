"""Independent oracles for the model table: autograd for the receptive field,
``torch.utils.flop_counter`` for multiply-adds, forward hooks for shapes.

The receptive field of an output cell is where the gradient of that cell with respect to the
input is non-zero, once the model is made linear and positive: every weight and bias set to
0.5 (so no two paths cancel and every activation is positive, which makes ReLU the identity)
and every max pool replaced by the average pool of the same window (a max pool's gradient
reaches one cell of its window; the average reaches all). Then the support is the union of
every path's window, clipped to the input: exactly what the table's box says.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.flop_counter import FlopCounterMode


@contextmanager
def max_as_average() -> Iterator[None]:
    """Every max pool (module or functional) runs as the average pool of its window."""
    saved = {n: getattr(F, n) for n in ("max_pool1d", "max_pool2d")}
    avg = {"max_pool1d": F.avg_pool1d, "max_pool2d": F.avg_pool2d}

    def make(name: str):
        def pool(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                 return_indices=False):
            assert dilation in (1, (1,), (1, 1)), "the oracle has no dilated average pool"
            return avg[name](x, kernel_size, stride, padding, ceil_mode, True)
        return pool

    for name in saved:
        setattr(F, name, make(name))
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(F, name, fn)


def positive_copy(model: nn.Module) -> nn.Module:
    """The model in float64, eval mode, every parameter 0.5."""
    twin = copy.deepcopy(model).double().eval()
    with torch.no_grad():
        for p in twin.parameters():
            p.fill_(0.5)
    return twin


def module_outputs(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Every leaf module's output by qualified name; a module called again gives
    ``name#2``, ``name#3``..."""
    out: dict[str, torch.Tensor] = {}
    handles = []
    for name, sub in model.named_modules():
        if name and not list(sub.children()):
            def hook(mod, args, result, name=name):
                n = 1
                while (name if n == 1 else f"{name}#{n}") in out:
                    n += 1
                out[name if n == 1 else f"{name}#{n}"] = result
            handles.append(sub.register_forward_hook(hook))
    try:
        with max_as_average():
            final = model(x)
    finally:
        for h in handles:
            h.remove()
    out[""] = final
    return out


class GradientBoxes:
    """The model made positive and run once; :meth:`box` asks autograd for one cell."""

    def __init__(self, model: nn.Module, input_size: Sequence[int]) -> None:
        self.x = torch.ones((1, *input_size), dtype=torch.float64, requires_grad=True)
        self.outputs = module_outputs(positive_copy(model), self.x)

    def box(self, name: str, cell: Sequence[int]) -> tuple[tuple[int, int], ...] | None:
        """First and last input cell per spatial axis with a non-zero gradient of output
        cell ``cell`` (channel 0) of module ``name`` ('' for the model's output)."""
        y = self.outputs[name]
        index = (0, 0, *cell) if y.dim() > 2 else (0, 0)
        (grad,) = torch.autograd.grad(y[index], self.x, retain_graph=True)
        support = grad[0].abs().sum(0) > 0
        if not support.any():
            return None  # no input cell reaches it
        box = []
        for axis in range(support.dim()):
            other = tuple(a for a in range(support.dim()) if a != axis)
            hits = support.any(dim=other) if other else support
            idx = torch.nonzero(hits).flatten()
            box.append((int(idx.min()), int(idx.max())))
        return tuple(box)


def flop_macs(model: nn.Module, input_size: Sequence[int]) -> int:
    """Multiply-adds by torch's own FLOP counter (2 FLOPs per multiply-add)."""
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model.eval()(torch.zeros((1, *input_size)))
    return counter.get_total_flops() // 2


def hook_shapes(model: nn.Module, input_size: Sequence[int]) -> dict[str, tuple]:
    """Input and output shape of every leaf module's first call, by qualified name."""
    shapes: dict[str, tuple] = {}
    handles = []
    for name, sub in model.named_modules():
        if name and not list(sub.children()):
            def hook(mod, args, result, name=name):
                shapes.setdefault(name, (tuple(args[0].shape), tuple(result.shape)))
            handles.append(sub.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model.eval()(torch.zeros((1, *input_size)))
    finally:
        for h in handles:
            h.remove()
    return shapes
