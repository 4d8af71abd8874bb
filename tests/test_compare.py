"""``convanim compare`` and ``panels:`` configs: panels side by side, advancing together."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from convanim.cli import cli
from convanim.config import ConfigError, load_entries
from convanim.draw.animate import Renderer
from convanim.draw.compare import compare_frames
from convanim.draw.options import RenderOptions
from convanim.geometry import Spec, plan

REPO = Path(__file__).resolve().parent.parent


def test_panels_advance_together_and_the_shorter_holds_its_last_frame() -> None:
    opts = RenderOptions(cell_px=16)
    short, long = plan(Spec(i=3, mode="upsample")), plan(Spec(i=3, mode="upsample",
                                                               method="bilinear"))
    alone = [list(Renderer(p, opts).frames()) for p in (short, long)]
    together = list(compare_frames([Renderer(short, opts), Renderer(long, opts)], gap=10))
    assert len(together) == len(alone[1]) > len(alone[0])
    width0 = alone[0][0][0].shape[1]
    for t, (frame, ms) in enumerate(together):
        first = alone[0][min(t, len(alone[0]) - 1)][0]
        second = alone[1][t][0]
        top = (frame.shape[0] - first.shape[0]) // 2
        np.testing.assert_array_equal(frame[top: top + first.shape[0], :width0], first)
        top = (frame.shape[0] - second.shape[0]) // 2
        np.testing.assert_array_equal(
            frame[top: top + second.shape[0], width0 + 10:], second)
        assert ms == max(alone[1][t][1], alone[0][t][1] if t < len(alone[0]) else 0)


def test_compare_command_writes_one_figure(tmp_path: Path) -> None:
    out = tmp_path / "c.gif"
    result = CliRunner().invoke(cli, ["compare", str(REPO / "configs/upsampling/compare.yaml"),
                                      "-o", str(out), "--theme", "dark"])
    assert result.exit_code == 0, result.output
    assert "3 panels" in result.output and out.is_file()


def test_compare_refuses_a_bad_panel_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("panels:\n  - name: a\n    mode: upsample\n    input_size: 3\n"
                   "    align_corners: true\n")
    result = CliRunner().invoke(cli, ["compare", str(bad), "-o", str(tmp_path / "x.gif")])
    assert result.exit_code == 2
    assert "align_corners" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.gif").exists()


def test_panels_config_entries_name_their_figure(tmp_path: Path) -> None:
    entries = load_entries(REPO / "configs/upsampling/compare.yaml")
    assert {e.figure for e in entries} == {"compare"} and len(entries) == 3
    assert all(e.figure is None for e in load_entries(REPO / "configs/seeds/checkerboard.yaml"))
    both = tmp_path / "both.yaml"
    both.write_text("animations:\n  - name: a\n    i: 3\n    k: 2\npanels:\n  - name: b\n"
                    "    i: 3\n    k: 2\n")
    with pytest.raises(ConfigError, match="panels: and animations: both given"):
        load_entries(both)


def test_the_gallery_makes_one_job_per_comparison(tmp_path: Path) -> None:
    from convanim.gallery import find_configs, make_jobs

    batch = make_jobs(find_configs([REPO / "configs/upsampling"]), tmp_path, {})
    figures = {job.name: job for job in batch.jobs if job.panels}
    assert set(figures) == {"compare", "checkerboard_compare"}
    assert [p.name for p in figures["compare"].panels] == ["nearest", "bilinear", "transposed"]
    assert {p.spec.output_shape for p in figures["checkerboard_compare"].panels} == {(6, 6)}


def test_overlap_resize_draws_the_even_resize_convolution(tmp_path: Path) -> None:
    out = tmp_path / "o.png"
    result = CliRunner().invoke(cli, ["overlap", "-i", "4", "-k", "3", "-s", "2", "-p", "1",
                                      "--resize", "bilinear", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "uneven: checkerboard" in text
    assert "resize-convolution (bilinear x2, then conv i=8 k=3 s=1 p=same): 9 taps" in text
    assert out.is_file()
    refused = CliRunner().invoke(cli, ["overlap", "--resize", "nearest", "--layers", "2",
                                       "-o", str(tmp_path / "p.png")])
    assert refused.exit_code == 2 and "--resize" in refused.output
