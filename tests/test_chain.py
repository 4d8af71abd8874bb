"""Chain configs at the edges: ``convanim field``, ``render`` of a chain, errors, the presets.

The presets' numbers are checked against PyTorch autograd (tests/test_chain_oracle.py's
all-ones chains) or against arithmetic done by hand in the test, never against convanim's own
output.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from convanim.cli import cli
from convanim.config import load_entries
from convanim.geometry.chain import path_counts
from convanim.request import chain_of
from convanim.writers import read_animation
from tests.test_chain_oracle import autograd_counts

ROOT = Path(__file__).resolve().parents[1]
CHAINS = ROOT / "configs" / "chains"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str):
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return invoke


def _error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def _field(run, path: Path) -> dict:
    result = run("field", path, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _chain(name: str):
    return chain_of(load_entries(CHAINS / f"{name}.yaml")[0])


def test_vgg16_field_config(run) -> None:
    """The whole VGG-16 stack: pool5 sees 212x212 with a jump of 32 (Araujo et al. Table 1)."""
    layers = _field(run, ROOT / "docs" / "fields" / "vgg16.yaml")["layers"]
    assert len(layers) == 18
    assert layers[-1]["output_size"] == [7, 7]
    assert layers[-1]["receptive_field"] == [212, 212]
    assert layers[-1]["jump"] == [32, 32]
    # conv1_2 sees 5x5, pool1 6x6 with jump 2 (by hand: 1 + 2 + 2, then + 1*1).
    assert [layer["receptive_field"][0] for layer in layers[:3]] == [3, 5, 6]
    assert layers[2]["jump"] == [2, 2]


def test_vgg16_blocks(run) -> None:
    data = _field(run, CHAINS / "vgg16_blocks.yaml")
    assert [layer["receptive_field"][0] for layer in data["layers"]] == [3, 5, 6, 10, 14, 16]
    assert [layer["jump"][0] for layer in data["layers"]] == [1, 1, 2, 2, 2, 4]
    assert data["layers"][-1]["output_size"] == [3, 3]


def test_two_3x3_see_what_one_5x5_sees(run) -> None:
    two, one = _field(run, CHAINS / "two_3x3.yaml"), _field(run, CHAINS / "one_5x5.yaml")
    assert two["layers"][-1]["receptive_field"] == one["layers"][-1]["receptive_field"] == [5, 5]
    assert two["layers"][-1]["output_size"] == one["layers"][-1]["output_size"] == [3, 3]
    # The effective field differs: two 3x3 weigh the centre 9 times, one 5x5 evenly.
    tent = np.outer([1, 2, 3, 2, 1], [1, 2, 3, 2, 1])
    centre = (1, 1)
    np.testing.assert_array_equal(autograd_counts(_chain("two_3x3"), centre)[1:6, 1:6], tent)
    np.testing.assert_array_equal(autograd_counts(_chain("one_5x5"), centre)[1:6, 1:6],
                                  np.ones((5, 5)))


def test_depthwise_separable_pointwise_adds_no_field(run) -> None:
    layers = _field(run, CHAINS / "depthwise_separable.yaml")["layers"]
    assert [layer["receptive_field"] for layer in layers] == [[3, 3], [3, 3]]
    assert layers[-1]["start"] == [-1, -1]


def test_unet_decoder_field_refuses_the_strided_transposed_layer(run) -> None:
    line = _error(run("field", CHAINS / "unet_decoder.yaml"))
    assert "unet_decoder.yaml:6: layers[0]: stride=2 of a transposed convolution" in line
    chain = _chain("unet_decoder")
    assert chain.output_shape == (8, 8)
    # The trace is exact for it all the same: the centre cell, through 3x3 then 2x2 s2.
    np.testing.assert_array_equal(path_counts(chain, (4, 4))[0], autograd_counts(chain, (4, 4)))


def _totals(chain) -> np.ndarray:
    """Paths from the whole input into each interior output cell (autograd)."""
    rows, cols = chain.output_shape
    return np.array([[autograd_counts(chain, (r, c)).sum() for c in range(2, cols - 2)]
                     for r in range(2, rows - 2)])


def test_resize_conv_is_even_and_transposed_stack_is_a_checkerboard() -> None:
    even = _totals(_chain("resize_conv"))
    assert (even == even[0, 0]).all()
    uneven = _totals(_chain("transposed_stack"))
    assert len(np.unique(uneven)) > 1


def test_field_text_shows_formulas_with_numbers(run) -> None:
    result = run("field", CHAINS / "vgg16_blocks.yaml")
    assert result.exit_code == 0, result.output
    assert "layers[2] max pool  i=12 k=2 s=2 p=0" in result.output
    assert "r = 5 + (2-1)*1 = 6   j = 1*2 = 2   start = -2 - 0*1 = -2" in result.output


def test_chain_config_errors_name_the_layer_and_line(run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("i: 5\nlayers:\n  - {kernel_size: 3}\n  - {kernel_size: 3}\n"
                   "  - kernel_size: 2\n")
    line = _error(run("field", bad))
    assert line.startswith("convanim: error: ")
    assert "bad.yaml:5: layers[2]: kernel_size" in line
    assert "its input is 1x1, the output of layers[1]" in line
    bad.write_text("i: 5\nkernel_size: 3\nlayers:\n  - {kernel_size: 3}\n")
    assert "bad.yaml:2: kernel_size: next to 'layers:' give it in each layer" in _error(
        run("render", bad))
    bad.write_text("i: 5\nlayers:\n  - {kernel_size: 3, i: 4}\n")
    assert "bad.yaml:3: layers[0]: input_size is the previous layer's output" in _error(
        run("field", bad))
    bad.write_text("layers:\n  - {kernel_size: 3}\n")
    assert "the chain needs its input size" in _error(run("field", bad))
    bad.write_text("i: 5\nlayers: []\n")
    assert "layers: expected a list of layer mappings" in _error(run("field", bad))
    bad.write_text("i: 5\nlayers:\n  - {mode: upsample, scale: 2}\n  - {kernel_size: 3}\n")
    assert "bad.yaml:3: layers[0]: mode 'upsample' copies" in _error(run("field", bad))
    assert "field describes a chain" in _error(run("field", ROOT / "configs" / "seeds" /
                                                   "four_steps.yaml"))


def test_render_chain_forward_and_trace(run, tmp_path: Path) -> None:
    result = run("render", CHAINS / "vgg16_blocks.yaml", "-o", tmp_path / "f.gif")
    assert result.exit_code == 0, result.output
    frames, _ = read_animation(tmp_path / "f.gif")
    assert len(frames) == 12  # two per layer
    result = run("render", CHAINS / "two_3x3.yaml", "--cell", "0,2", "-o", tmp_path / "t.gif")
    assert result.exit_code == 0, result.output
    frames, _ = read_animation(tmp_path / "t.gif")
    assert len(frames) == 3  # one per layer, then every output cell's paths
    result = run("render", CHAINS / "two_3x3.yaml", "--cell", "3,0", "-o", tmp_path / "x.gif")
    assert "--cell: cell=3,0 is outside the last layer's output 3x3" in _error(result)
    assert not (tmp_path / "x.gif").exists()
    assert "--kernel-size sets one layer, but" in _error(
        run("render", CHAINS / "two_3x3.yaml", "-k", "2"))


def test_trace_of_one_layer_from_flags(run, tmp_path: Path) -> None:
    result = run("render", "-i", "6", "-k", "3", "-s", "2", "--view", "trace",
                 "-o", tmp_path / "one.gif")
    assert result.exit_code == 0, result.output
    assert "--cell applies to --view trace only" in _error(run("render", "--cell", "1,1"))


def test_batch_renders_chain_animations(run, tmp_path: Path) -> None:
    many = tmp_path / "many.yaml"
    many.write_text("animations:\n"
                    "  - name: fwd\n    i: 6\n    layers:\n      - {kernel_size: 3}\n"
                    "      - {mode: maxpool, kernel_size: 2}\n"
                    "  - name: back\n    i: 6\n    view: trace\n    layers:\n"
                    "      - {kernel_size: 3, stride: 2}\n"
                    "  - name: bad\n    i: 4\n    storyboard: s.png\n    layers:\n"
                    "      - {kernel_size: 3}\n")
    result = run("batch", many, "-o", tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert "many.yaml:14: storyboard: chains have no storyboard yet" in result.output
    assert len(read_animation(tmp_path / "out" / "fwd.gif")[0]) == 4
    assert len(read_animation(tmp_path / "out" / "back.gif")[0]) == 2  # the layer, then all paths
    assert not (tmp_path / "out" / "bad.gif").exists()


def test_depthwise_separable_chains_its_channels_as_pytorch_does() -> None:
    """3 channels, each through its own 3x3 kernel, then 1x1 filters mixing them into 2."""
    import torch
    import torch.nn.functional as F

    from convanim.draw.chain import forward_plans

    chain = _chain("depthwise_separable")
    assert [(s.in_channels, s.out_channels, s.groups) for s in chain.layers] == [(3, 3, 3),
                                                                                 (3, 2, 1)]
    first, second = forward_plans(chain, seed=5)
    x = torch.tensor(first.x)[None]
    depthwise = F.conv2d(x, torch.tensor(first.w), padding=1, groups=3)
    np.testing.assert_array_equal(second.x, depthwise[0].numpy())
    pointwise = F.conv2d(depthwise, torch.tensor(second.w))
    np.testing.assert_allclose(second.y, pointwise[0].numpy())
    assert second.y.shape == (2, 8, 8)


def test_forward_values_flow_through_the_layers_as_in_pytorch() -> None:
    """Each layer's plan reads the previous layer's output; the values match PyTorch's."""
    from convanim.draw.chain import forward_plans
    from tests.oracle import reference

    chain = _chain("vgg16_blocks")
    plans = forward_plans(chain, seed=3)
    x = plans[0].x
    for spec, layer_plan in zip(chain.layers, plans):
        np.testing.assert_array_equal(layer_plan.x, x)
        x = reference(spec, x, layer_plan.w)
        np.testing.assert_allclose(layer_plan.y, x)
    assert plans[-1].y.shape == (3, 3)
