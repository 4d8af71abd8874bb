"""Every `render` option through click's CliRunner, each checked by what it changes in the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from convanim import Spec, compute, plan
from convanim.cli import cli
from convanim.writers import read_animation

BASE = ["render", "-i", "4", "-k", "3", "--frame-ms", "20", "--hold-ms", "40"]


@pytest.fixture
def render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str, out: str = "a.gif"):
        result = CliRunner().invoke(cli, [*BASE, *args, "-o", out], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return read_animation(tmp_path / out)
    return invoke


def _slides(spec: Spec) -> int:
    return sum(f.phase == "slide" for f in plan(spec).frames)


@pytest.mark.parametrize(("args", "spec"), [
    (["-s", "2"], Spec(i=4, k=3, s=2)),
    (["-p", "1"], Spec(i=4, k=3, p=1)),
    (["-p", "same", "-s", "2"], Spec(i=4, k=3, p="same", s=2)),
    (["-p", "[[1,0],[0,1]]"], Spec(i=4, k=3, p=((1, 0), (0, 1)))),
    (["-i", "7", "-d", "2"], Spec(i=7, k=3, d=2)),
    (["-m", "transposed", "-s", "2", "-p", "1", "--output-padding", "1"],
     Spec(i=4, k=3, s=2, p=1, output_padding=1, mode="transposed")),
    (["-m", "transposed", "-s", "2", "--view", "scatter"],
     Spec(i=4, k=3, s=2, mode="transposed", view="scatter")),
    (["-m", "maxpool", "-s", "1"], Spec(i=4, k=3, s=1, mode="maxpool")),
    (["-m", "avgpool"], Spec(i=4, k=3, mode="avgpool")),
    (["-p", "1", "--padding-mode", "circular"], Spec(i=4, k=3, p=1, padding_mode="circular")),
    (["--dims", "1", "-i", "9"], Spec(i=9, k=3, dims=1)),
    (["-i", "5,4", "-k", "3,2"], Spec(i=(5, 4), k=(3, 2))),
])
def test_spec_options_set_the_frame_count(render, args: list[str], spec: Spec) -> None:
    frames, _ = render(*args)
    assert len(frames) == len(plan(spec).frames)
    assert _slides(spec) >= 1


def test_timing_options(render) -> None:
    result = CliRunner().invoke(cli, ["render", "-i", "4", "-k", "3", "--fps", "25",
                                      "--hold-ms", "300", "-o", "fps.gif"])
    assert result.exit_code == 0, result.output
    durations = read_animation("fps.gif")[1]
    assert durations[0] == 300 and durations[1] == 40 and durations[-1] == 300


def test_loop_and_no_loop(render, tmp_path: Path) -> None:
    render("--loop", out="loop.gif")
    render("--no-loop", out="once.gif")
    assert "loop" in Image.open(tmp_path / "loop.gif").info
    assert "loop" not in Image.open(tmp_path / "once.gif").info


def test_width_and_cell_px_set_the_image_size(render) -> None:
    frames, _ = render("--width", "420")
    assert frames[0].shape[1] == 420
    small, _ = render("-i", "9", "--cell-px", "12", out="small.gif")
    large, _ = render("-i", "9", "--cell-px", "40", out="large.gif")
    assert large[0].shape[1] > small[0].shape[1]


def test_dpi_theme_layout_and_title_change_the_picture(render) -> None:
    plain, _ = render(out="plain.gif")
    for option, out in [(["--dpi", "150"], "dpi.gif"), (["--theme", "dark"], "dark.gif"),
                        (["--layout", "stacked"], "stacked.gif"),
                        (["--title", "My own title"], "title.gif")]:
        frames, _ = render(*option, out=out)
        assert frames[0].shape != plain[0].shape or not np.array_equal(frames[0], plain[0])
    dark, _ = render("--theme", "dark", out="dark2.gif")
    assert dark[0][2, 2].mean() < plain[0][2, 2].mean()  # a dark background


def test_values_seed_and_given_numbers(render, tmp_path: Path) -> None:
    with_values, _ = render("--values", out="v.gif")
    without, _ = render("--no-values", out="nv.gif")
    assert not np.array_equal(with_values[-1], without[-1])
    seed0, _ = render("--seed", "0", out="s0.gif")
    seed1, _ = render("--seed", "1", out="s1.gif")
    assert not np.array_equal(seed0[-1], seed1[-1])
    x = "[[1,2,3,4],[5,6,7,8],[9,10,11,12],[13,14,15,16]]"
    render("--input-values", x, "--kernel-values", "[[1,0,0],[0,1,0],[0,0,1]]", out="x.gif")
    expected = compute(Spec(i=4, k=3), np.arange(1, 17).reshape(4, 4), np.eye(3))
    assert expected.tolist() == [[18, 21], [30, 33]]  # the numbers the frames were drawn from


def test_storyboard_formats(render, tmp_path: Path) -> None:
    for name in ("board.png", "board.pdf", "board.svg"):
        render("--storyboard", name, out=f"{name}.gif")
        assert (tmp_path / name).stat().st_size > 1000


@pytest.mark.parametrize("out", ["a.mp4", "a.webp", "a.png", "a.apng", "frames/"])
def test_every_output_format(render, out: str) -> None:
    frames, durations = render("--no-values", out=out)
    assert len(frames) >= 2 + 4 and sum(durations) >= 40 + 4 * 20


def test_a_flag_overrides_the_configs_alternative_option(render, tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("i: 9\nk: 3\ncell_px: 12\nframe_ms: 20\n")
    result = CliRunner().invoke(cli, ["render", "c.yaml", "--width", "500", "--fps", "10",
                                      "-o", "c.gif"])
    assert result.exit_code == 0, result.output
    frames, durations = read_animation(tmp_path / "c.gif")
    assert frames[0].shape[1] == 500 and durations[1] == 100
