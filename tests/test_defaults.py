"""Defaults follow from what was given: flags mean conv, pooling strides by its kernel."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from convanim.cli import cli
from convanim.writers import read_animation


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return invoke


def test_kernel_and_stride_flags_draw_a_convolution(run, tmp_path: Path) -> None:
    result = run("render", "-k", "2", "-s", "2", "--frame-ms", "20", "--hold-ms", "20")
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "outputs").iterdir())
    assert len(written) == 1 and written[0].startswith("conv_"), written
    frames, _ = read_animation(tmp_path / "outputs" / written[0])
    # The documented input size 5: (5 - 2) // 2 + 1 = 2 per side, so 4 window positions,
    # plus the input and output frames and no padding frame.
    assert len(frames) == 1 + 2 * 2 + 1


def test_pooling_strides_by_its_kernel_without_padding(run, tmp_path: Path) -> None:
    result = run("render", "-m", "maxpool", "-i", "6", "-k", "2", "-o", "p.gif",
                 "--frame-ms", "20", "--hold-ms", "20")
    assert result.exit_code == 0, result.output
    frames, _ = read_animation(tmp_path / "p.gif")
    assert len(frames) == 1 + 3 * 3 + 1  # stride 2, padding 0: a 3x3 output
    assert "output 3x3" in result.output


def test_input_size_alone_has_a_kernel(run) -> None:
    result = run("render", "-i", "4", "-o", "a.gif", "--frame-ms", "20", "--hold-ms", "20")
    assert result.exit_code == 0, result.output
    assert "output 2x2" in result.output  # kernel 3 by default


@pytest.mark.parametrize("output", ["fig", "outputs/fig"])
def test_output_without_a_type_is_refused(run, tmp_path: Path, output: str) -> None:
    (tmp_path / "outputs").mkdir()
    result = run("render", "-o", output)
    assert result.exit_code == 2
    assert "has no file type" in result.output and f"{output}/" in result.output
    assert not (tmp_path / output).exists()


def test_output_ending_in_a_slash_is_a_frame_folder(run, tmp_path: Path) -> None:
    result = run("render", "-i", "3", "-k", "2", "-o", "frames/")
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "frames").glob("*.png"))) == 1 + 4 + 1
