"""`convanim render` through click's CliRunner: every option, YAML configs, and bad input."""

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


def _one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_version_and_help(run) -> None:
    assert run("--version").exit_code == 0
    result = run("render", "--help")
    assert result.exit_code == 0
    assert "convanim render -i 5 -k 3 -s 2 -p 1" in result.output


def test_default_render_is_the_showcase_transposed_conv(run, tmp_path: Path) -> None:
    result = run("render", "--frame-ms", "20", "--hold-ms", "40")
    assert result.exit_code == 0, result.output
    path = tmp_path / "outputs" / "transposed_i3_k3_s2_p1.gif"
    frames, durations = read_animation(path)
    # input, zeros inserted, padding, 25 slides, output
    assert len(frames) == 29
    assert durations[:3] == [40, 40, 40] and durations[3] == 20 and durations[-1] == 40


def test_flags_override_yaml(run, tmp_path: Path) -> None:
    config = tmp_path / "a.yaml"
    config.write_text("i: 5\nk: 3\ns: 2\np: 1\noutput: a.gif\nvalues: false\n")
    result = run("render", str(config), "-s", "1", "--frame-ms", "20")
    assert result.exit_code == 0, result.output
    frames, _ = read_animation(tmp_path / "a.gif")
    assert len(frames) == 1 + 1 + 25 + 1  # input, pad, 5x5 slides (stride 1 won), output


@pytest.mark.parametrize(("args", "words"), [
    (["-i", "5", "-k", "-1"], "--kernel-size: kernel_size=-1 must be at least 1"),
    (["-i", "5", "-k", "3", "-s", "2.5"], "--stride: stride='2.5' is not a whole number"),
    (["-i", "5", "-k", "3", "-m", "conb"], "--mode"),
    (["-i", "4", "-k", "6"], "--kernel-size: kernel 6 is larger than the padded input 4"),
    (["-i", "5", "-k", "3", "--kernel-values", "[[1, 2]"], "--kernel-values: is not valid JSON"),
    (["-i", "3", "-k", "2", "--kernel-values", "[[1, 2]]"], "kernel_values has shape (1, 2)"),
    (["-i", "5", "-k", "3", "--fps", "0"], "--fps"),
    (["-i", "5", "-k", "3", "--fps", "2", "--frame-ms", "100"], "not both"),
    (["-i", "5", "-k", "3", "--kernal-size", "3"], "--kernel-size"),
    (["-i", "5", "-k", "3", "-o", "out.xyz"], ".gif"),
    (["-i", "5", "-k", "3", "-o", "missing/dir/out.gif"], "does not exist"),
    (["-i", "120", "-k", "3"], "a grid of 120 cells per side is too big to draw legibly"),
    (["-i", "60", "-k", "3", "--max-frames", "100"], "raise --max-frames"),
    (["-i", "5", "-k", "3", "--theme", "neon"], "--theme"),
    # Numbers out of a flag's range: value, rule and the nearest allowed value, in our words.
    (["--cell-px", "3"], "--cell-px: cell_px=3 must be between 8 and 200; use e.g. cell_px=8"),
    (["--fps", "x"], "--fps: fps='x' is not a number"),
    (["--in-channels", "-1"], "--in-channels: in_channels=-1 is not a whole number >= 1"),
    (["--in-channels", "1e9"], "--in-channels: in_channels='1e9' is not a whole number"),
    # A row of maps too wide blames the channel count, not the (small) input size.
    (["--in-channels", "200", "--no-values"], "--in-channels: a grid of 1599 cells per side"),
    (["--in-channels", "2", "--out-channels", "40", "--no-values"],
     "--out-channels: a grid of 319 cells per side is too big to draw legibly (limit 96); "
     "use at most 12 channels"),
])
def test_bad_flags_give_one_line_and_exit_2(run, args: list[str], words: str) -> None:
    line = _one_error_line(run("render", *args))
    assert words in line


@pytest.mark.parametrize(("text", "words"), [
    ("i: 5\nkernal_size: 3\n", "a.yaml:2: unknown key 'kernal_size'; did you mean 'kernel_size'"),
    ("i: 5\nk: 3\ns: -2\n", "a.yaml:3: stride: stride=-2 must be at least 1"),
    ("i: 5\nk: 3\ntheme: neon\n", "a.yaml:3: theme"),
    ("i: 5\nk: 3\nk: 4\n", "a.yaml"),
    ("", "a.yaml"),
])
def test_bad_yaml_names_file_and_line(run, tmp_path: Path, text: str, words: str) -> None:
    (tmp_path / "a.yaml").write_text(text)
    line = _one_error_line(run("render", str(tmp_path / "a.yaml")))
    assert words in line


def test_multi_animation_file_needs_a_name(run, tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "defaults: {k: 3, values: false, frame_ms: 20}\n"
        "animations:\n  - {name: a, i: 4, output: a.gif}\n  - {name: b, i: 5, output: b.gif}\n")
    assert "--name" in _one_error_line(run("render", "m.yaml"))
    result = run("render", "m.yaml", "--name", "b")
    assert result.exit_code == 0, result.output
    assert len(read_animation(tmp_path / "b.gif")[0]) == 2 + 9


def test_debug_shows_traceback_only_when_asked(run) -> None:
    quiet = run("render", "-i", "5", "-k", "9")
    loud = run("--debug", "render", "-i", "5", "-k", "9")
    assert "Traceback" not in quiet.output
    assert "Traceback" in loud.output and loud.exit_code == 2


def _interrupting_frames(exc: BaseException):
    """A stand-in for the renderer's frame stream that fails after two frames."""
    from convanim.draw import Renderer

    real = Renderer.frames

    def frames(self):
        for n, item in enumerate(real(self)):
            if n == 2:
                raise exc
            yield item
    return frames


@pytest.mark.parametrize(("exc", "code", "words"), [
    (KeyboardInterrupt(), 130, "interrupted; no file was written or changed"),
    (OSError(28, "No space left on device"), 1, "No space left on device"),
])
def test_failed_render_keeps_the_older_file_and_leaves_no_partial(
        run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc, code: int, words: str) -> None:
    from convanim.draw import Renderer

    old = b"an older animation"
    (tmp_path / "a.gif").write_bytes(old)
    monkeypatch.setattr(Renderer, "frames", _interrupting_frames(exc))
    result = run("render", "-i", "4", "-k", "3", "-o", "a.gif")
    assert result.exit_code == code, result.output
    assert words in result.output and "Traceback" not in result.output
    assert (tmp_path / "a.gif").read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gif"]


def test_frames_folder_and_storyboard(run, tmp_path: Path) -> None:
    result = run("render", "-i", "4", "-k", "3", "--no-values", "-o", "frames/",
                 "--storyboard", "board.svg")
    assert result.exit_code == 0, result.output
    assert len(sorted((tmp_path / "frames").glob("frame_*.png"))) == 2 + 4
    assert (tmp_path / "board.svg").read_text().lstrip().startswith("<?xml")
