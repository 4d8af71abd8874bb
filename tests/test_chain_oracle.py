"""Chains against PyTorch autograd: receptive fields, jumps, starts and traced path counts.

The oracle runs the chain in PyTorch with every weight 1 and takes the gradient of one output
cell with respect to the input: its non-zero cells are the cells that reach the output cell
(the gradient's support), its values the number of paths (for average pooling scaled by the
window's area, which the test undoes). Max pooling's gradient reaches only the maximum, so a
max pooling layer runs as a convolution of ones with the same window, stride, padding and
dilation: the same connectivity, which is what a receptive field is about.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convanim.geometry import SpecError
from convanim.geometry.chain import Chain, ChainError, path_counts, receptive_fields


def _flat(pads: tuple[tuple[int, int], ...]) -> list[int]:
    return [v for before, after in reversed(pads) for v in (before, after)]


def _torch_layer(spec, t: torch.Tensor) -> torch.Tensor:
    dims = spec.dims
    conv = (F.conv1d, F.conv2d)[dims - 1]
    if spec.mode == "upsample":
        return F.interpolate(t, scale_factor=tuple(float(v) for v in spec.scale),
                             mode="nearest")
    if spec.mode == "transposed":
        conv_t = (F.conv_transpose1d, F.conv_transpose2d)[dims - 1]
        ones = torch.ones((1, 1, *spec.k), dtype=torch.float64)
        return conv_t(t, ones, stride=spec.s, padding=tuple(b for b, _ in spec.p),
                      output_padding=spec.output_padding, dilation=spec.d)
    padded = F.pad(t, _flat(spec.p))
    if spec.mode == "avgpool":
        pool = (F.avg_pool1d, F.avg_pool2d)[dims - 1]
        return pool(padded, spec.k, spec.s) * float(np.prod(spec.k))
    ones = torch.ones((1, 1, *spec.k), dtype=torch.float64)
    return conv(padded, ones, stride=spec.s, dilation=spec.d)  # conv and (see above) maxpool


def autograd_counts(chain: Chain, cell: tuple[int, ...]) -> np.ndarray:
    """The gradient of one output cell of the all-ones chain w.r.t. the input."""
    x = torch.zeros((1, 1, *chain.i), dtype=torch.float64, requires_grad=True)
    t = x
    for spec in chain.layers:
        t = _torch_layer(spec, t)
    assert tuple(t.shape[2:]) == chain.output_shape
    t[(0, 0, *cell)].backward()
    return np.rint(x.grad[0, 0].numpy()).astype(np.int64)


def _random_layer(rng: np.random.Generator, dims: int, box_only: bool) -> dict:
    modes = ["conv", "conv", "maxpool", "avgpool", "transposed"]
    if not box_only:
        modes += ["upsample", "transposed"]
    mode = modes[rng.integers(len(modes))]
    size = lambda lo, hi: [int(v) for v in rng.integers(lo, hi + 1, dims)]  # noqa: E731
    if mode == "upsample":
        return {"mode": mode, "scale": size(1, 2)}
    k = size(1, 4)
    layer: dict = {"mode": mode, "kernel_size": k}
    if mode == "conv":
        layer["stride"] = size(1, 3)
        layer["dilation"] = size(1, 3)
        if rng.random() < 0.3:
            layer["padding"] = [[int(rng.integers(0, 3)), int(rng.integers(0, 3))]
                                for _ in range(dims)]
        else:
            layer["padding"] = size(0, 2)
    elif mode == "transposed":
        stride = [1] * dims if box_only else size(1, 2)
        layer["stride"] = stride
        layer["dilation"] = size(1, 2)
        layer["padding"] = [int(rng.integers(0, kk)) for kk in k]
    else:
        layer["stride"] = size(1, 3)
        layer["padding"] = [int(rng.integers(0, kk // 2 + 1)) for kk in k]
        if mode == "maxpool":
            layer["dilation"] = size(1, 2)
    if dims == 1:
        layer = {key: (value[0] if isinstance(value, list) and key != "padding"
                       else value) for key, value in layer.items()}
        if isinstance(layer.get("padding"), list):  # [[before, after]] or [p]: the one axis
            layer["padding"] = layer["padding"][0]
    return layer


def random_chain(seed: int, box_only: bool) -> Chain:
    """A valid chain of 1 to 5 random layers (retrying invalid draws)."""
    rng = np.random.default_rng(seed)
    dims = 1 if seed % 3 else 2
    while True:
        layers = [_random_layer(rng, dims, box_only) for _ in range(int(rng.integers(1, 6)))]
        size = int(rng.integers(6, 40 if dims == 1 else 18))
        try:
            chain = Chain.build(size, layers, dims=dims)
        except SpecError:
            continue
        if int(np.prod(chain.output_shape)) > 0:
            return chain


def _support_box(counts: np.ndarray) -> tuple[tuple[int, int], ...] | None:
    hit = np.argwhere(counts > 0)
    if not len(hit):
        return None
    return tuple((int(lo), int(hi)) for lo, hi in zip(hit.min(axis=0), hit.max(axis=0)))


SEEDS = range(200)


@pytest.mark.parametrize("seed", SEEDS)
def test_field_matches_autograd(seed: int) -> None:
    """Size, jump and start: every output cell whose box lies inside the input has exactly
    that box as the bounding box of its gradient support; every other cell's support lies in
    its box."""
    chain = random_chain(seed, box_only=True)
    last = receptive_fields(chain)[-1]
    assert last.output_size == chain.output_shape
    rng = np.random.default_rng(seed + 10_000)
    cells = {tuple(n // 2 for n in chain.output_shape), (0,) * chain.dims,
             tuple(n - 1 for n in chain.output_shape),
             tuple(int(rng.integers(n)) for n in chain.output_shape)}
    for cell in cells:
        counts = autograd_counts(chain, cell)
        box = last.box(cell)
        support = _support_box(counts)
        inside = all(lo >= 0 and hi < n for (lo, hi), n in zip(box, chain.i))
        if inside:
            assert support == box, (chain, cell)
        elif support is not None:
            assert all(blo <= lo and hi <= bhi for (lo, hi), (blo, bhi) in zip(support, box))


def test_random_chains_mostly_have_inside_cells() -> None:
    """The field test is not vacuous: most random chains have a cell whose box is inside."""
    inside = 0
    for seed in SEEDS:
        chain = random_chain(seed, box_only=True)
        last = receptive_fields(chain)[-1]
        centre = tuple(n // 2 for n in chain.output_shape)
        inside += all(lo >= 0 and hi < n for (lo, hi), n in zip(last.box(centre), chain.i))
    assert inside > len(SEEDS) // 2


@pytest.mark.parametrize("seed", range(100))
def test_path_counts_match_autograd(seed: int) -> None:
    """The trace's counts equal the all-ones gradient, for every mode (upsample and strided
    transposed included)."""
    chain = random_chain(seed + 500, box_only=False)
    rng = np.random.default_rng(seed)
    cell = tuple(int(rng.integers(n)) for n in chain.output_shape)
    counts = path_counts(chain, cell)
    assert [c.shape for c in counts] == [chain.i] + [s.output_shape for s in chain.layers]
    np.testing.assert_array_equal(counts[0], autograd_counts(chain, cell))


def test_vgg16_pool5() -> None:
    """VGG-16 (Simonyan and Zisserman 2015): pool5's receptive field is 212 with jump 32."""
    conv = {"kernel_size": 3, "padding": 1}
    pool = {"mode": "maxpool", "kernel_size": 2}
    layers = [conv] * 2 + [pool] + [conv] * 2 + [pool] + ([conv] * 3 + [pool]) * 3
    last = receptive_fields(Chain.build(224, layers))[-1]
    assert last.output_size == (7, 7)
    assert last.receptive_field == (212, 212)
    assert last.jump == (32, 32)
    assert last.start == (-90, -90)


def test_refusals_name_the_layer() -> None:
    chain = Chain.build(4, [{"kernel_size": 3, "padding": 1},
                            {"mode": "transposed", "kernel_size": 2, "stride": 2}])
    with pytest.raises(ChainError, match=r"^layers\[1\]: stride=2 of a transposed"):
        receptive_fields(chain)
    chain = Chain.build(4, [{"mode": "upsample", "scale": 2}])
    with pytest.raises(ChainError, match=r"^layers\[0\]: mode 'upsample' copies"):
        receptive_fields(chain)
    with pytest.raises(ChainError, match=r"layers\[2\].*its input is 1x1, the output of "
                                         r"layers\[1\]"):
        Chain.build(5, [{"kernel_size": 3}, {"kernel_size": 3}, {"kernel_size": 2}])
    with pytest.raises(ChainError, match=r"layers\[0\]: input_size is set by the chain"):
        Chain.build(5, [{"kernel_size": 3, "input_size": 4}])
