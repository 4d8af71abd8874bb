"""Upsamplers side by side on a photograph (``convanim compare`` with ``input_image``).

PyTorch is the oracle: each panel's output equals ``F.interpolate`` or
``F.conv_transpose2d`` on the very array shown; the "flat picture" notes equal PyTorch's
transposed convolution of a constant picture; the last frame's panels show the outputs on one
stated grey scale (checked from PyTorch's numbers, not ours); refusals are one line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from PIL import Image

from convanim.cli import cli
from convanim.draw.photo_compare import comparison_frames, panel_boxes
from convanim.photo import photo_comparison
from convanim.photo.source import load_image

UPSAMPLERS = [
    {"mode": "upsample", "method": "nearest"},
    {"mode": "upsample", "method": "bilinear"},
    {"mode": "transposed", "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1,
     "kernel_values": [[0.25] * 3] * 3},
]


def _oracle(panel: dict, x: np.ndarray) -> np.ndarray:
    t = torch.as_tensor(x)[None, None]
    if panel["mode"] == "upsample":
        extra = {"align_corners": False} if panel["method"] == "bilinear" else {}
        return F.interpolate(t, scale_factor=2, mode=panel["method"], **extra)[0, 0].numpy()
    w = torch.as_tensor(np.asarray(panel["kernel_values"], float))[None, None]
    return F.conv_transpose2d(t, w, stride=panel["stride"], padding=panel["padding"],
                              output_padding=panel["output_padding"])[0, 0].numpy()


def _picture(path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = rng.integers(10, 20, 2)
    yy, xx = np.mgrid[0:h, 0:w]
    base = 120 + 90 * np.sin(xx / rng.uniform(2, 5)) * np.cos(yy / rng.uniform(2, 5))
    Image.fromarray(np.clip(base + rng.normal(0, 20, (h, w)), 0, 255).astype(np.uint8)).save(
        path)


@pytest.mark.parametrize("seed", range(4))
def test_every_panel_equals_pytorch_on_held_out_pictures(tmp_path, seed):
    path = tmp_path / "held_out.png"
    _picture(path, seed)
    size = 8 + seed * 3
    comp = photo_comparison(UPSAMPLERS, path, image_size=size)
    x = load_image(path, size)
    for panel, fig in zip(UPSAMPLERS, comp.figures):
        np.testing.assert_array_equal(fig.x[0], x)
        np.testing.assert_allclose(fig.y[0], _oracle(panel, x), rtol=1e-12, atol=1e-9)


def test_the_flat_picture_notes_are_what_pytorch_makes_of_a_constant_picture():
    comp = photo_comparison(UPSAMPLERS, "sample:cat", image_size=12)
    ones = np.ones((12, 12))
    for panel, note in zip(UPSAMPLERS, comp.notes):
        inner = _oracle(panel, ones)[6:-6, 6:-6]
        levels = np.unique(np.round(inner, 9))
        if len(levels) == 1:
            assert note == "a flat picture stays flat"
        else:
            assert f"{len(levels)} levels" in note and "checkerboard" in note
            assert all(f"{v:g}" in note for v in levels)
    assert comp.notes[:2] == ("a flat picture stays flat",) * 2
    assert "transposed" in comp.caption.splitlines()[0]


def test_the_last_frame_shows_every_output_on_the_one_stated_grey_scale():
    comp = photo_comparison(UPSAMPLERS, "sample:coffee", image_size=10,
                            names=["nearest", "bilinear", "transposed"])
    *_, (last, ms) = comparison_frames(comp)
    assert ms == comp.first.hold_ms
    x = load_image("sample:coffee", 10)
    outputs = [_oracle(panel, x) for panel in UPSAMPLERS]
    top = max(float(y.max()) for y in outputs)  # all >= 0: grey from 0 to the largest value
    boxes = panel_boxes(comp)
    for (left, upper, px), y in zip(boxes[1:], outputs):
        centres = last[upper + px // 2::px, left + px // 2::px][: y.shape[0], : y.shape[1], 0]
        level = np.rint(np.clip(y / top, 0, 1) * 63)
        expected = np.rint(level * 255 / 63)
        assert np.abs(centres.astype(int) - expected).max() <= 1


def test_compare_command_writes_the_photo_comparison(tmp_path):
    out = tmp_path / "up.gif"
    result = CliRunner().invoke(cli, ["compare", "configs/photo/upsamplers.yaml", "-o",
                                      str(out)])
    assert result.exit_code == 0, result.output
    assert "3 panels" in result.output
    with Image.open(out) as gif:
        assert gif.n_frames == 25 and gif.size[0] > 900


@pytest.mark.parametrize(("extra", "yaml_extra", "words"), [
    (["--style", "perspective"], "", "do not take style"),
    (["--size", "800x600"], "", "do not take size"),
    ([], "  - name: other\n    mode: upsample\n    image_size: 12\n", "another image_size"),
    (["configs/upsampling/compare.yaml"], "", "has no input_image"),
    ([], "  - name: odd\n    mode: upsample\n    input_values: [[1]]\n",
     "do not take input_values"),
])
def test_refusals_are_one_line(tmp_path, extra, yaml_extra, words):
    config = tmp_path / "c.yaml"
    config.write_text("defaults:\n  input_image: sample:cat\n  image_size: 10\npanels:\n"
                      "  - name: nearest\n    mode: upsample\n" + yaml_extra)
    result = CliRunner().invoke(cli, ["compare", str(config), "-o",
                                      str(tmp_path / "o.gif"), *extra])
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert len(result.output.strip().splitlines()) == 1 + result.output.count("Usage")
    assert "Traceback" not in result.output and not (tmp_path / "o.gif").exists()


def test_gallery_draws_photo_configs_and_checks_them(tmp_path):
    config = tmp_path / "photo"
    config.mkdir()
    (config / "up.yaml").write_text(
        "defaults:\n  input_image: sample:cat\n  image_size: 8\npanels:\n"
        "  - name: nearest\n    mode: upsample\n  - name: transposed\n    mode: transposed\n"
        "    kernel_size: 2\n    stride: 2\n    kernel_values: [[1, 1], [1, 1]]\n")
    (config / "edge.yaml").write_text("input_image: sample:camera\nimage_size: 10\n"
                                      "kernel_values: sobel_y\nmax_slides: 4\n")
    out = tmp_path / "out"
    runner = CliRunner()
    written = runner.invoke(cli, ["gallery", str(config), "-o", str(out)])
    assert written.exit_code == 0, written.output
    assert (out / "up.gif").is_file() and (out / "edge.gif").is_file()
    with Image.open(out / "up.gif") as gif:
        assert gif.n_frames == 25
    checked = runner.invoke(cli, ["gallery", str(config), "-o", str(out), "--check"])
    assert checked.exit_code == 0 and "up to date" in checked.output, checked.output


def test_too_many_panels_are_refused_before_any_picture_is_read(tmp_path):
    from convanim.draw.photo_compare import most_panels

    config = tmp_path / "many.yaml"
    panels = "".join(f"  - name: p{n}\n    mode: upsample\n" for n in range(most_panels() + 1))
    config.write_text("defaults:\n  input_image: missing.png\npanels:\n" + panels)
    result = CliRunner().invoke(cli, ["compare", str(config), "-o", str(tmp_path / "m.gif")])
    assert result.exit_code == 2 and "8000 px" in result.output, result.output
    assert "missing.png" not in result.output  # refused before the picture is looked for
    comp = photo_comparison(UPSAMPLERS[:1] * most_panels(), "sample:cat", image_size=24)
    *_, (last, _) = comparison_frames(comp)
    assert last.shape[1] <= 8000
