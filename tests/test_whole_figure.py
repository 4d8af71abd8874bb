"""Chains and comparisons as whole figures: traced path counts with channels against PyTorch
autograd, exact sizes for the whole image, a fixed layout from frame to frame, and errors
that name the layer.

The trace oracle runs the chain in PyTorch with every weight 1 (channels, groups, pixel
shuffle included) and takes the gradient of the traced output cell with respect to the input,
as tests/test_chain_oracle.py does for single-channel chains.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner

from convanim.cli import cli
from convanim.draw.chain import chain_frames, trace_plans
from convanim.draw.options import RenderOptions
from convanim.geometry import Spec, SpecError
from convanim.geometry.chain import (
    Chain,
    ChainError,
    busiest_cell,
    output_array_shape,
    path_counts,
)
from convanim.writers import read_animation

ROOT = Path(__file__).resolve().parents[1]


def _flat(pads: tuple[tuple[int, int], ...]) -> list[int]:
    return [v for before, after in reversed(pads) for v in (before, after)]


def _channels(shape: tuple[int, ...], dims: int) -> int:
    return shape[0] if len(shape) > dims else 1


def _torch_layer(spec: Spec, t: torch.Tensor) -> torch.Tensor:
    """One layer on a (1, C, ...) tensor with every weight 1 (pooling: a window of ones)."""
    dims, cin = spec.dims, t.shape[1]
    cout = _channels(output_array_shape(spec), dims)
    if spec.mode == "upsample":
        return F.interpolate(t, scale_factor=tuple(float(v) for v in spec.scale),
                             mode="nearest")
    if spec.mode == "pixelshuffle":
        return F.pixel_shuffle(t, spec.scale[0])
    groups = getattr(spec, "groups", None) or 1
    if spec.mode == "transposed":
        conv_t = (F.conv_transpose1d, F.conv_transpose2d)[dims - 1]
        ones = torch.ones((cin, cout // groups, *spec.k), dtype=torch.float64)
        return conv_t(t, ones, stride=spec.s, padding=tuple(b for b, _ in spec.p),
                      output_padding=spec.output_padding, dilation=spec.d, groups=groups)
    padded = F.pad(t, _flat(spec.p))
    conv = (F.conv1d, F.conv2d)[dims - 1]
    if spec.mode == "conv":
        ones = torch.ones((cout, cin // groups, *spec.k), dtype=torch.float64)
        return conv(padded, ones, stride=spec.s, dilation=spec.d, groups=groups)
    # Pooling: each channel through a window of ones, its connectivity.
    ones = torch.ones((cin, 1, *spec.k), dtype=torch.float64)
    return conv(padded, ones, stride=spec.s, dilation=spec.d, groups=cin)


def autograd_counts(chain: Chain, cell: tuple[int, ...]) -> np.ndarray:
    """The gradient of one output cell of the all-ones chain w.r.t. the whole input."""
    first = chain.layers[0]
    shape = first.op.input_shape(first)
    x = torch.zeros((1, _channels(shape, chain.dims), *chain.i), dtype=torch.float64,
                    requires_grad=True)
    t = x
    for spec in chain.layers:
        t = _torch_layer(spec, t)
    out = t[0] if len(output_array_shape(chain.layers[-1])) > chain.dims else t[0, 0]
    out[cell].backward()
    grad = x.grad[0] if len(shape) > chain.dims else x.grad[0, 0]
    return np.rint(grad.numpy()).astype(np.int64)


def _random_layer(rng: np.random.Generator, dims: int) -> dict:
    modes = ["conv", "conv", "conv", "transposed", "maxpool", "avgpool", "upsample"]
    if dims == 2:
        modes += ["pixelshuffle", "pixelshuffle"]
    mode = modes[rng.integers(len(modes))]
    one = lambda lo, hi: int(rng.integers(lo, hi + 1))  # noqa: E731
    if mode == "upsample":
        return {"mode": mode, "scale": one(1, 2)}
    if mode == "pixelshuffle":
        return {"mode": mode, "scale": 2}
    layer: dict = {"mode": mode, "kernel_size": one(1, 3)}
    if mode in ("conv", "transposed"):
        groups = [1, 1, 2, 3][rng.integers(4)]
        layer.update(out_channels=groups * one(1, 2), groups=groups, stride=one(1, 2),
                     dilation=one(1, 2))
        layer["padding"] = one(0, layer["kernel_size"] - 1) if mode == "transposed" else \
            one(0, 2)
    else:
        layer.update(stride=one(1, 2), padding=one(0, layer["kernel_size"] // 2))
    return layer


def random_channel_chain(seed: int) -> Chain:
    rng = np.random.default_rng(seed)
    dims = 1 if seed % 4 == 3 else 2
    while True:
        layers = [_random_layer(rng, dims) for _ in range(int(rng.integers(1, 4)))]
        if dims == 1:
            for layer in layers:
                layer["dims"] = 1
        channels = [1, 2, 3, 4, 4, 8][rng.integers(6)]
        try:
            return Chain.build(int(rng.integers(4, 9)), layers, in_channels=channels)
        except SpecError:
            continue


@pytest.mark.parametrize("seed", range(40))
def test_traced_path_counts_with_channels_match_autograd(seed: int) -> None:
    chain = random_channel_chain(seed)
    shape = output_array_shape(chain.layers[-1])
    rng = np.random.default_rng(seed + 77)
    for cell in {busiest_cell(chain), tuple(int(rng.integers(n)) for n in shape)}:
        ours = path_counts(chain, cell)[0]
        np.testing.assert_array_equal(ours, autograd_counts(chain, cell),
                                      err_msg=f"{chain.label} cell {cell}")


def test_the_channel_sweep_is_not_vacuous() -> None:
    chains = [random_channel_chain(seed) for seed in range(40)]
    grouped = sum(any((getattr(s, "groups", 1) or 1) > 1 for s in c.layers) for c in chains)
    shuffled = sum(any(s.mode == "pixelshuffle" for s in c.layers) for c in chains)
    stacked = sum(len(c.layers[0].op.input_shape(c.layers[0])) > c.dims for c in chains)
    assert grouped >= 5 and shuffled >= 2 and stacked >= 20


def test_depthwise_separable_trace_sums_over_channels() -> None:
    """Each of the 3 input channels reaches output (0, r, c) through its own 3x3 kernel and
    the 1x1 mix: one path per cell of the 3x3 window, in every channel."""
    chain = Chain.build(8, [{"kernel_size": 3, "padding": 1, "groups": "depthwise",
                             "out_channels": 3}, {"kernel_size": 1, "out_channels": 2}],
                        in_channels=3)
    counts = path_counts(chain, (1, 4, 4))[0]
    expected = np.zeros((3, 8, 8), np.int64)
    expected[:, 3:6, 3:6] = 1
    np.testing.assert_array_equal(counts, expected)


def test_a_cell_no_input_reaches_is_drawn_as_such(tmp_path: Path) -> None:
    out = tmp_path / "t.gif"
    result = CliRunner().invoke(cli, ["render", "-i", "3", "-k", "1", "-s", "2", "-p", "1",
                                      "--view", "trace", "--cell", "0,0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    plan = trace_plans(Chain.build(3, [{"kernel_size": 1, "stride": 2, "padding": 1}]),
                       (0, 0))[0]
    assert len(plan.frames[0].window) == 0
    assert "no cell of the chain's input reaches" in plan.frames[0].caption


def test_the_default_trace_cell_shows_uneven_counts() -> None:
    """transposed_stack's promise: the traced cell gathers 4, 2 and 1 paths (the
    checkerboard), where the centre cell is reached once."""
    chain = Chain.build(3, [{"mode": "transposed", "kernel_size": 3, "stride": 2}] * 2)
    cell = busiest_cell(chain)
    counts = autograd_counts(chain, cell)
    assert sorted(set(counts[counts > 0].tolist())) == [1, 2, 4]


@pytest.mark.parametrize("args, size", [
    (["--size", "640x360"], (640, 360)),
    (["--height", "360", "--aspect", "16:9"], (640, 360)),
    (["--width", "700"], None),
])
@pytest.mark.parametrize("config, view", [("depthwise_separable", []),
                                          ("transposed_stack", ["--view", "trace"])])
def test_chains_take_the_size_of_the_whole_figure(tmp_path: Path, args: list[str],
                                                  size: tuple[int, int] | None, config: str,
                                                  view: list[str]) -> None:
    out = tmp_path / "c.gif"
    result = CliRunner().invoke(cli, ["render", str(ROOT / f"configs/chains/{config}.yaml"),
                                      *args, *view, "-o", str(out)])
    assert result.exit_code == 0, result.output
    frames, _ = read_animation(out)
    sizes = {frame.shape[1::-1] for frame in frames}
    assert len(sizes) == 1
    if size is not None:
        assert sizes == {size}
    else:
        assert next(iter(sizes))[0] == 700


def _first_ink_row(frame: np.ndarray) -> int:
    background = frame[0, 0]
    rows = np.nonzero((frame != background).any(axis=(1, 2)))[0]
    return int(rows[0])


def test_chain_titles_stay_put_from_frame_to_frame() -> None:
    chain = Chain.build(12, [{"kernel_size": 3, "padding": 1}, {"mode": "maxpool",
                                                                "kernel_size": 2},
                             {"kernel_size": 3}])
    frames = [rgb.copy() for rgb, _ in chain_frames(chain, RenderOptions())]
    assert len({f.shape for f in frames}) == 1
    assert len({_first_ink_row(f) for f in frames}) == 1


def test_compare_is_exactly_the_size_asked_for(tmp_path: Path) -> None:
    config = str(ROOT / "configs/upsampling/compare.yaml")
    out = tmp_path / "c.gif"
    result = CliRunner().invoke(cli, ["compare", config, "--size", "960x540", "-o", str(out)])
    assert result.exit_code == 0, result.output
    frames, _ = read_animation(out)
    assert {f.shape[1::-1] for f in frames} == {(960, 540)}
    # An MP4 frame past the MP4 limit is refused before any work, in one line.
    result = CliRunner().invoke(cli, ["compare", config, "--size", "2400x1200", "-o",
                                      str(tmp_path / "c.mp4")])
    assert result.exit_code == 2 and "for MP4" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "c.mp4").exists()


def test_compare_panel_titles_share_one_height() -> None:
    from convanim.draw.compare import compare_frames, write_compare  # noqa: F401
    from convanim.draw.figure import row
    from convanim.geometry import plan

    plans = [plan(Spec(i=3, mode="upsample")), plan(Spec(i=5, k=2, mode="transposed", s=2))]
    parts, _ = row(plans, [None, None], RenderOptions(), 12, 20)
    tops = {p.y + p.renderer.layout.slots["title"].baseline for p in parts}
    assert len(tops) == 1
    assert len({p.renderer.layout.cell_px for p in parts}) == 1


def test_channel_mismatch_names_the_layer(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("i: 4\nlayers:\n  - {kernel_size: 2, in_channels: 2}\n"
                      "  - {kernel_size: 2, in_channels: 2}\n")
    for args in (["field", str(config)], ["render", str(config), "-o",
                                          str(tmp_path / "c.gif")]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert "layers[1]: in_channels:" in result.output
    with pytest.raises(ChainError) as err:
        Chain.build(4, [{"kernel_size": 2, "in_channels": 2}, {"kernel_size": 2,
                                                               "in_channels": 2}])
    assert err.value.layer == 1 and err.value.param == "in_channels"


def test_growing_values_name_the_layer_not_input_values(tmp_path: Path) -> None:
    config = tmp_path / "long.yaml"
    config.write_text("i: 6\nlayers:\n" + "  - {kernel_size: 3, padding: 1}\n" * 14)
    result = CliRunner().invoke(cli, ["render", str(config), "-o", str(tmp_path / "l.gif")])
    assert result.exit_code == 2
    assert "layers[10]" in result.output and "input_values" not in result.output


def test_maxunpool_refuses_channels_up_front() -> None:
    with pytest.raises(SpecError) as err:
        Spec.from_dict({"mode": "maxunpool", "i": 4, "k": 2, "in_channels": 2})
    assert err.value.param == "in_channels"
