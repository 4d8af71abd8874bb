"""PyTorch as the independent oracle: outputs, connectivity and which specs are valid.

Only the tests import this module; convanim itself never imports torch.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from convanim import Spec

TORCH_PAD = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate",
             "circular": "circular"}


def _flat_pads(spec: Spec) -> list[int]:
    # F.pad lists the last axis first: (left, right, top, bottom).
    return [v for before, after in reversed(spec.p) for v in (before, after)]


def _pad(spec: Spec, t: torch.Tensor, fill: float) -> torch.Tensor:
    mode = TORCH_PAD[spec.padding_mode]
    if mode == "constant":
        return F.pad(t, _flat_pads(spec), mode="constant", value=fill)
    return F.pad(t, _flat_pads(spec), mode=mode)


def _ops(dims: int):
    if dims == 1:
        return F.conv1d, F.conv_transpose1d, F.max_pool1d, F.avg_pool1d
    return F.conv2d, F.conv_transpose2d, F.max_pool2d, F.avg_pool2d


def reference(spec: Spec, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The output PyTorch gives, composing F.pad for asymmetric and non-zero padding."""
    conv, conv_t, max_pool, avg_pool = _ops(spec.dims)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    wt = torch.as_tensor(np.asarray(w, dtype=np.float64))[None, None]
    if spec.mode == "transposed":
        full = conv_t(xt, wt, stride=spec.s, dilation=spec.d)[0, 0]
        out = torch.zeros(spec.output_shape, dtype=torch.float64)
        region = tuple(slice(b, min(b + o, n)) for (b, _), o, n
                       in zip(spec.p, spec.output_shape, full.shape))
        sizes = tuple(sl.stop - sl.start for sl in region)
        out[tuple(slice(0, n) for n in sizes)] = full[region]
        return out.numpy()
    if spec.mode == "maxpool":
        padded = _pad(spec, xt, -float("inf"))
        return max_pool(padded, spec.k, spec.s, 0, spec.d)[0, 0].numpy()
    padded = _pad(spec, xt, 0.0)
    if spec.mode == "avgpool":
        return avg_pool(padded, spec.k, spec.s, 0)[0, 0].numpy()
    return conv(padded, wt, stride=spec.s, dilation=spec.d)[0, 0].numpy()


def direct(spec_kwargs: dict, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Call PyTorch with the raw (symmetric, numeric) parameters; raises whatever torch raises."""
    dims = spec_kwargs.get("dims", 2)
    conv, conv_t, max_pool, avg_pool = _ops(dims)
    mode = spec_kwargs.get("mode", "conv")
    k, p, d = spec_kwargs["k"], spec_kwargs.get("p", 0), spec_kwargs.get("d", 1)
    s = spec_kwargs.get("s")
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    wt = torch.as_tensor(np.asarray(w, dtype=np.float64))[None, None]
    padding_mode = spec_kwargs.get("padding_mode", "zeros")
    if mode == "transposed":
        if padding_mode != "zeros":
            raise ValueError("ConvTranspose supports only zeros padding")
        return conv_t(xt, wt, stride=s or 1, padding=p, output_padding=spec_kwargs.get(
            "output_padding", 0), dilation=d)[0, 0].numpy()
    if mode == "maxpool":
        return max_pool(xt, k, s, p, d)[0, 0].numpy()
    if mode == "avgpool":
        if d not in (1, (1,), (1, 1)):
            raise ValueError("avg_pool has no dilation")
        return avg_pool(xt, k, s, p)[0, 0].numpy()
    if padding_mode != "zeros":
        pads = [p] * (2 * dims) if isinstance(p, int) else [v for v in reversed(p) for _ in "ab"]
        xt = F.pad(xt, pads, mode=TORCH_PAD[padding_mode])
        p = 0
    return conv(xt, wt, stride=s or 1, padding=p, dilation=d)[0, 0].numpy()


def connectivity(spec: Spec) -> set[tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]]:
    """Every (output cell, input cell, kernel tap) that PyTorch connects.

    Convolutions: the nonzero entries of the Jacobian for one-hot inputs and one-hot kernels.
    Pooling: the windows of ``F.unfold`` over an image of input indices.
    """
    n_in = int(np.prod(spec.i))
    n_taps = int(np.prod(spec.k))
    conv, conv_t, _, _ = _ops(spec.dims)
    links = set()
    if spec.mode in ("conv", "transposed"):
        basis = torch.eye(n_in, dtype=torch.float64).reshape(n_in, 1, *spec.i)
        if spec.mode == "conv":
            kernels = torch.eye(n_taps, dtype=torch.float64).reshape(n_taps, 1, *spec.k)
            out = conv(_pad(spec, basis, 0.0), kernels, stride=spec.s, dilation=spec.d)
        else:
            kernels = torch.eye(n_taps, dtype=torch.float64).reshape(1, n_taps, *spec.k)
            full = conv_t(basis, kernels, stride=spec.s, dilation=spec.d)
            out = torch.zeros(n_in, n_taps, *spec.output_shape, dtype=torch.float64)
            region = tuple(slice(b, min(b + o, n)) for (b, _), o, n
                           in zip(spec.p, spec.output_shape, full.shape[2:]))
            sizes = tuple(sl.stop - sl.start for sl in region)
            out[(slice(None), slice(None), *(slice(0, n) for n in sizes))] = \
                full[(slice(None), slice(None), *region)]
        assert out.shape[2:] == spec.output_shape
        for idx in torch.nonzero(out).tolist():
            src, tap, cell = idx[0], idx[1], idx[2:]
            assert out[tuple(idx)] == 1.0  # each (out, in, tap) connects exactly once
            links.add((tuple(cell), np.unravel_index(src, spec.i), np.unravel_index(
                tap, spec.k)))
        return {(o, tuple(int(v) for v in i), tuple(int(v) for v in t)) for o, i, t in links}
    index = torch.arange(n_in, dtype=torch.float64).reshape(1, 1, *spec.i)
    padded = _pad(spec, index, -1.0)
    if spec.dims == 1:
        padded = padded[:, :, None, :]
    k2 = spec.k if spec.dims == 2 else (1, *spec.k)
    s2 = spec.s if spec.dims == 2 else (1, *spec.s)
    d2 = spec.d if spec.dims == 2 else (1, *spec.d)
    cols = F.unfold(padded, k2, dilation=d2, stride=s2)[0]  # (taps, positions)
    out_shape = spec.output_shape
    assert cols.shape[1] == int(np.prod(out_shape))
    for tap in range(n_taps):
        for pos in range(cols.shape[1]):
            src = int(cols[tap, pos])
            if src >= 0:
                links.add((tuple(int(v) for v in np.unravel_index(pos, out_shape)),
                           tuple(int(v) for v in np.unravel_index(src, spec.i)),
                           tuple(int(v) for v in np.unravel_index(tap, spec.k))))
    return links


def upsample_reference(spec: Spec, x: np.ndarray) -> np.ndarray:
    """``F.interpolate(mode="nearest")`` with the spec's integer scale per axis."""
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    scale = tuple(float(v) for v in spec.scale)
    return F.interpolate(xt, scale_factor=scale, mode=spec.method)[0, 0].numpy()


def upsample_direct(i: list[int], scale: list[int], x: np.ndarray) -> np.ndarray:
    """Call ``F.interpolate`` with raw sizes; raises whatever torch raises for bad ones."""
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64).reshape(i))[None, None]
    return F.interpolate(xt, scale_factor=tuple(float(v) for v in scale),
                         mode="nearest")[0, 0].numpy()


def upsample_connectivity(spec: Spec) -> set[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Every (output cell, input cell) pair with a nonzero weight: the Jacobian's support."""
    def run(t: torch.Tensor) -> torch.Tensor:
        scale = tuple(float(v) for v in spec.scale)
        return F.interpolate(t[None, None], scale_factor=scale, mode=spec.method)[0, 0]

    x = torch.ones(spec.i, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(run, x)  # (*out, *in)
    dims = spec.dims
    return {(tuple(idx[:dims]), tuple(idx[dims:]))
            for idx in torch.nonzero(jac.abs() > 1e-9).tolist()}


def interpolate_reference(spec: Spec, x: np.ndarray) -> np.ndarray:
    """``F.interpolate`` (nearest, linear/bilinear with align_corners) or bed of nails."""
    return _interpolate(spec.i, spec.scale, spec.method, spec.align_corners,
                        torch.as_tensor(np.asarray(x, dtype=np.float64))).detach().numpy()


def _interpolate(i, scale, method: str, align_corners: bool, x: torch.Tensor) -> torch.Tensor:
    x = x.reshape(tuple(i))[None, None]
    factor = tuple(float(v) for v in scale)
    if method == "bed_of_nails":
        # A transposed convolution with a one-hot kernel at the corner, stride = kernel;
        # like F.interpolate's non-interpolating modes it takes no align_corners.
        if align_corners or min(scale) < 1:
            raise ValueError("bed of nails: no align_corners, scale >= 1")
        conv_t = F.conv_transpose1d if len(i) == 1 else F.conv_transpose2d
        kernel = torch.zeros((1, 1, *scale), dtype=torch.float64)
        kernel[(0, 0, *([0] * len(i)))] = 1.0
        return conv_t(x, kernel, stride=tuple(scale))[0, 0]
    if method == "bilinear":
        mode = "linear" if len(i) == 1 else "bilinear"
        return F.interpolate(x, scale_factor=factor, mode=mode,
                             align_corners=align_corners)[0, 0]
    return F.interpolate(x, scale_factor=factor, mode=method,
                         align_corners=align_corners or None)[0, 0]


def interpolate_direct(i, scale, method: str, align_corners: bool, x: np.ndarray) -> np.ndarray:
    """The same with raw sizes; raises whatever torch raises for bad ones."""
    return _interpolate(i, scale, method, align_corners,
                        torch.as_tensor(np.asarray(x, dtype=np.float64))).numpy()


def interpolate_connectivity(spec: Spec) -> set[tuple[tuple[int, ...], tuple[int, ...]]]:
    """(output cell, input cell) pairs with a nonzero Jacobian entry, at a random input.

    Bilinear weights that are exactly zero in exact arithmetic can come out of PyTorch's
    float kernel as ~1e-16; entries below 1e-9 are that rounding, not a connection."""
    def run(t: torch.Tensor) -> torch.Tensor:
        return _interpolate(spec.i, spec.scale, spec.method, spec.align_corners, t)

    x = torch.rand(spec.i, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(run, x)
    dims = spec.dims
    return {(tuple(idx[:dims]), tuple(idx[dims:]))
            for idx in torch.nonzero(jac.abs() > 1e-9).tolist()}


def maxunpool_direct(i, k, s, x: np.ndarray) -> np.ndarray:
    """``max_pool(return_indices=True)`` then ``max_unpool(output_size=x.shape)``; raises
    whatever torch raises for bad sizes."""
    pool, unpool = ((F.max_pool1d, F.max_unpool1d) if len(i) == 1
                    else (F.max_pool2d, F.max_unpool2d))
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64).reshape(tuple(i)))[None, None]
    y, idx = pool(xt, k, s, return_indices=True)
    return unpool(y, idx, k, s, output_size=xt.shape[2:])[0, 0].numpy()


def maxunpool_connectivity(spec: Spec, x: np.ndarray) -> set[tuple[tuple[int, ...], ...]]:
    """(output cell, input cell) pairs with a nonzero Jacobian entry at ``x``."""
    def run(t: torch.Tensor) -> torch.Tensor:
        pool, unpool = ((F.max_pool1d, F.max_unpool1d) if spec.dims == 1
                        else (F.max_pool2d, F.max_unpool2d))
        y, idx = pool(t[None, None], spec.k, spec.s, return_indices=True)
        return unpool(y, idx, spec.k, spec.s, output_size=t.shape)[0, 0]

    jac = torch.autograd.functional.jacobian(run, torch.as_tensor(np.asarray(x, np.float64)))
    dims = spec.dims
    return {(tuple(idx[:dims]), tuple(idx[dims:])) for idx in torch.nonzero(jac).tolist()}


def pool_options_direct(kw: dict, x: np.ndarray) -> np.ndarray:
    """``F.max_pool*d``/``F.avg_pool*d`` with ``ceil_mode``, ``count_include_pad`` and
    ``divisor_override`` as given (``x`` is ``(C, *i)``); raises whatever torch raises."""
    dims, mode = kw["dims"], kw["mode"]
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None]
    k, s, p = kw["k"], kw["s"], kw["p"]
    if mode == "maxpool":
        pool = F.max_pool1d if dims == 1 else F.max_pool2d
        return pool(xt, k, s, p, kw["d"], ceil_mode=kw["ceil_mode"])[0].numpy()
    extra = {}
    if "divisor_override" in kw:  # avg_pool1d has no such argument: torch's TypeError
        extra["divisor_override"] = kw["divisor_override"]
    avg = F.avg_pool1d if dims == 1 else F.avg_pool2d
    return avg(xt, k, s, p, ceil_mode=kw["ceil_mode"],
               count_include_pad=kw["count_include_pad"], **extra)[0].numpy()


def pool_options_connectivity(kw: dict, i: tuple[int, ...]) -> set[tuple[tuple[int, ...], ...]]:
    """(output cell, input cell) pairs of a max pooling's windows with ``ceil_mode``: input
    cell j is in output o's window when o's max over a -1 image with j set to 0 is 0
    (padding and cells past the edge never win), one image per input cell, in one batch."""
    n = int(np.prod(i))
    images = -torch.ones((n, 1, n), dtype=torch.float64)
    images[torch.arange(n), 0, torch.arange(n)] = 0.0
    images = images.reshape(n, 1, *i)
    pool = F.max_pool1d if len(i) == 1 else F.max_pool2d
    out = pool(images, kw["k"], kw["s"], kw["p"], kw.get("d", 1), ceil_mode=kw["ceil_mode"])
    links = set()
    for idx in torch.nonzero(out[:, 0] == 0).tolist():
        links.add((tuple(idx[1:]), tuple(int(v) for v in np.unravel_index(idx[0], i))))
    return links
