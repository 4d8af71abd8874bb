"""`convanim batch`: the conv_arithmetic set, bad configs among good ones, collisions, --check."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from convanim.cli import cli
from convanim.gallery import find_configs, make_jobs
from convanim.geometry import PAD, plan
from convanim.writers import read_animation

REPO = Path(__file__).resolve().parent.parent
CONV_ARITHMETIC = REPO / "configs" / "conv_arithmetic"

# name: (mode, input, kernel, stride, padding, dilation, sliding steps, output side), typed in
# from the issue: a transposed entry is the transpose of the conv with the same numbers.
EXPECTED = {
    "no_padding_no_strides": ("conv", 4, 3, 1, 0, 1, 4, 2),
    "arbitrary_padding_no_strides": ("conv", 5, 4, 1, 2, 1, 36, 6),
    "same_padding_no_strides": ("conv", 5, 3, 1, 1, 1, 25, 5),
    "full_padding_no_strides": ("conv", 5, 3, 1, 2, 1, 49, 7),
    "no_padding_strides": ("conv", 5, 3, 2, 0, 1, 4, 2),
    "padding_strides": ("conv", 5, 3, 2, 1, 1, 9, 3),
    "padding_strides_odd": ("conv", 6, 3, 2, 1, 1, 9, 3),
    "no_padding_no_strides_transposed": ("transposed", 2, 3, 1, 0, 1, 16, 4),
    "arbitrary_padding_no_strides_transposed": ("transposed", 6, 4, 1, 2, 1, 25, 5),
    "same_padding_no_strides_transposed": ("transposed", 5, 3, 1, 1, 1, 25, 5),
    "full_padding_no_strides_transposed": ("transposed", 7, 3, 1, 2, 1, 25, 5),
    "no_padding_strides_transposed": ("transposed", 2, 3, 2, 0, 1, 25, 5),
    "padding_strides_transposed": ("transposed", 3, 3, 2, 1, 1, 25, 5),
    "padding_strides_odd_transposed": ("transposed", 3, 3, 2, 1, 1, 36, 6),
    "dilation": ("conv", 7, 3, 1, 0, 2, 9, 3),
    "numerical_no_padding_no_strides": ("conv", 5, 3, 1, 0, 1, 9, 3),
    "numerical_padding_strides": ("conv", 5, 3, 2, 1, 1, 9, 3),
    "numerical_max_pooling": ("maxpool", 5, 3, 1, 0, 1, 9, 3),
    "numerical_average_pooling": ("avgpool", 5, 3, 1, 0, 1, 9, 3),
}


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return invoke


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def test_conv_arithmetic_configs_have_the_issue_numbers(tmp_path: Path) -> None:
    batch = make_jobs(find_configs([CONV_ARITHMETIC]), tmp_path, {})
    assert not batch.problems and not batch.collisions
    assert sorted(job.name for job in batch.jobs) == sorted(EXPECTED)
    for job in batch.jobs:
        mode, i, k, s, p, d, steps, out = EXPECTED[job.name]
        spec = job.spec
        assert (spec.mode, spec.i, spec.k, spec.s, spec.d) == (mode, (i, i), (k, k), (s, s),
                                                               (d, d)), job.name
        assert spec.p == ((p, p), (p, p)), job.name
        assert spec.output_shape == (out, out), job.name
        slides = [f for f in plan(spec, job.x, job.w, seed=job.seed).frames if f.phase == "slide"]
        assert len(slides) == steps, job.name
        assert job.options["values"] is job.name.startswith("numerical"), job.name


def test_transposed_twins_undo_their_convolution(tmp_path: Path) -> None:
    jobs = {job.name: job for job in make_jobs(find_configs([CONV_ARITHMETIC]), tmp_path,
                                               {}).jobs}
    for name, job in jobs.items():
        if name.endswith("_transposed"):
            conv = jobs[name.removesuffix("_transposed")].spec
            assert job.spec.i == conv.output_shape and job.spec.output_shape == conv.i, name


def test_odd_transposed_puts_the_extra_row_and_column_bottom_right(tmp_path: Path) -> None:
    [job] = make_jobs(find_configs([CONV_ARITHMETIC / "padding_strides_odd_transposed.yaml"]),
                      tmp_path, {}).jobs
    assert job.spec.output_padding == (1, 1)
    padded = plan(job.spec).grids["padded"]
    pad_rows = [bool((row == PAD).all()) for row in padded.kinds]
    pad_cols = [bool((col == PAD).all()) for col in padded.kinds.T]
    # equivalent padding k-p-1 = 1 on top/left, 1 + output_padding = 2 on bottom/right
    assert pad_rows == [True, False, False, False, False, False, True, True]
    assert pad_cols == pad_rows
    even = make_jobs(find_configs([CONV_ARITHMETIC / "padding_strides_transposed.yaml"]),
                     tmp_path, {}).jobs[0]
    assert [bool((row == PAD).all()) for row in plan(even.spec).grids["padded"].kinds] == \
        [True, False, False, False, False, False, True]


def test_batch_renders_the_set_in_parallel_with_its_sliding_steps(run, tmp_path: Path) -> None:
    result = run("batch", str(CONV_ARITHMETIC), "-j", "2", "-o", "out", "--frame-ms", "20",
                 "--hold-ms", "40", "--cell-px", "10")
    assert result.exit_code == 0, result.output
    assert "19 written" in result.output
    for name, (*_, steps, _out) in EXPECTED.items():
        frames, durations = read_animation(tmp_path / "out" / f"{name}.gif")
        # slide frames last frame_ms; the input, padding, zeros and output frames hold_ms
        assert durations.count(20) == steps and durations[-1] == 40, name
        assert len(frames) == len(durations) > steps, name


def test_broken_file_among_good_ones(run, tmp_path: Path) -> None:
    write(tmp_path, "cfg/good.yaml", "i: 4\nk: 3\nvalues: false\n")
    write(tmp_path, "cfg/sub/bad.yaml", "i: 5\nk: 3\ns: 0\n")
    write(tmp_path, "cfg/neon.yaml", "i: 5\nk: 3\ntheme: neon\n")
    write(tmp_path, "cfg/many.yaml", """
        defaults: {k: 2, values: false}
        animations:
          - {name: first, i: 3}
          - {name: second, i: 4, kernel_values: [[1, 2, 3]]}
        """)
    result = run("batch", "cfg", "-j", "1", "-o", "out")
    assert result.exit_code == 1
    assert sorted(os.listdir(tmp_path / "out")) == ["first.gif", "good.gif"]
    assert "cfg/sub/bad.yaml:3: stride: stride=0 must be at least 1" in result.stderr
    assert "cfg/neon.yaml:3: theme: 'neon' is not one of" in result.stderr
    assert "cfg/many.yaml:4: kernel_values: kernel_values has shape (1, 3)" in result.stderr
    assert "2 written, 3 failed" in result.output
    assert "Traceback" not in result.output


def test_colliding_names_are_reported_before_rendering(run, tmp_path: Path) -> None:
    write(tmp_path, "cfg/a.yaml", "i: 4\nk: 3\n")
    write(tmp_path, "cfg/more.yaml", "animations:\n  - {name: a, i: 5, k: 3}\n"
                                     "  - {name: b, i: 5, k: 3, output: a.gif}\n")
    result = run("batch", "cfg", "-o", "out")
    assert result.exit_code == 2
    assert "out/a.gif would be written by cfg/a.yaml:1 (a)" in result.stderr
    assert "cfg/more.yaml:3 (b)" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("output", ["../up.gif", "/tmp/abs.gif", "link/x.gif"])
def test_outputs_stay_inside_the_output_folder(run, tmp_path: Path, output: str) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path / "elsewhere")
    write(tmp_path, "cfg/a.yaml", f"i: 3\nk: 2\nvalues: false\noutput: {output}\n")
    result = run("batch", "cfg", "-o", "out", "-j", "1")
    assert result.exit_code == 1
    assert "cfg/a.yaml:4: output:" in result.stderr and "--allow-outside" in result.stderr
    assert not (tmp_path / "up.gif").exists() and not os.listdir(tmp_path / "elsewhere")
    if output == "link/x.gif":
        allowed = run("batch", "cfg", "-o", "out", "-j", "1", "--allow-outside")
        assert allowed.exit_code == 0, allowed.output
        assert os.listdir(tmp_path / "elsewhere") == ["x.gif"]


def test_flags_override_every_config_and_format_sets_suffix(run, tmp_path: Path) -> None:
    write(tmp_path, "cfg/a.yaml", "i: 3\nk: 2\ntheme: dark\nvalues: false\noutput: sub/a.gif\n")
    batch = make_jobs(find_configs([tmp_path / "cfg"]), tmp_path / "out",
                      {"theme": "classic", "frame_ms": 30}, fmt="webp")
    [job] = batch.jobs
    assert job.options["theme"] == "classic" and job.options["frame_ms"] == 30
    assert job.output == tmp_path / "out" / "sub" / "a.webp"
    assert job.reproduce["theme"] == "classic"
    result = run("batch", "cfg", "-o", "out", "--format", "webp", "--theme", "classic")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "sub" / "a.webp").is_file()


def test_same_configs_give_the_same_bytes(run, tmp_path: Path) -> None:
    write(tmp_path, "cfg/a.yaml", "mode: transposed\ni: 3\nk: 3\ns: 2\np: 1\n")
    assert run("batch", "cfg", "-o", "one", "-j", "1").exit_code == 0
    assert run("batch", "cfg", "-o", "two", "-j", "1").exit_code == 0
    assert (tmp_path / "one/a.gif").read_bytes() == (tmp_path / "two/a.gif").read_bytes()


def test_check_compares_pixels_and_timing_and_writes_nothing(run, tmp_path: Path) -> None:
    config = write(tmp_path, "cfg/a.yaml", "i: 4\nk: 3\nvalues: false\nframe_ms: 100\n")
    write(tmp_path, "cfg/b.yaml", "i: 3\nk: 2\nvalues: false\n")
    assert run("batch", "cfg", "-o", "out", "-j", "1").exit_code == 0
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").iterdir()}
    fresh = run("batch", "cfg", "-o", "out", "--check", "-j", "1")
    assert fresh.exit_code == 0, fresh.output
    assert "2 up to date" in fresh.output
    config.write_text("i: 4\nk: 3\nvalues: false\nframe_ms: 110\n")
    timing = run("batch", "cfg", "-o", "out", "--check", "-j", "1")
    assert timing.exit_code == 1
    assert "frame 2 lasts 100 ms on disk, 110 ms now" in timing.output
    (tmp_path / "out" / "b.gif").unlink()
    missing = run("batch", "cfg", "-o", "out", "--check", "-j", "1")
    assert "out/b.gif does not exist" in missing.output and missing.exit_code == 1
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "out").iterdir()} == {
        p: t for p, t in before.items() if p.name != "b.gif"}


def test_check_mp4_within_tolerance_and_catches_a_change(run, tmp_path: Path) -> None:
    config = write(tmp_path, "cfg/a.yaml", "i: 3\nk: 2\nframe_ms: 40\nhold_ms: 40\n")
    assert run("batch", "cfg", "-o", "out", "--format", "mp4", "-j", "1").exit_code == 0
    assert run("batch", "cfg", "-o", "out", "--format", "mp4", "--check").exit_code == 0
    config.write_text("i: 3\nk: 2\nframe_ms: 40\nhold_ms: 40\nseed: 5\n")  # other numbers
    result = run("batch", "cfg", "-o", "out", "--format", "mp4", "--check")
    assert result.exit_code == 1 and "has different pixels" in result.output


def test_unreadable_file_is_stale_not_a_crash(run, tmp_path: Path) -> None:
    write(tmp_path, "cfg/a.yaml", "i: 3\nk: 2\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.gif").write_bytes(b"GIF89a not really")
    result = run("batch", "cfg", "-o", "out", "--check")
    assert result.exit_code == 1 and "cannot be read" in result.output


def test_plain_progress_lines_and_summary_table(run, tmp_path: Path) -> None:
    write(tmp_path, "cfg/a.yaml", "i: 3\nk: 2\nvalues: false\n")
    write(tmp_path, "cfg/b.yaml", "i: 4\nk: 2\nvalues: false\n")
    result = run("batch", "cfg", "-o", "out", "-j", "1")
    lines = result.output.splitlines()
    assert lines[0].startswith("[1/2] written") and lines[1].startswith("[2/2] written")
    assert lines[2].split() == ["animation", "status", "frames", "size", "time", "file"]
    assert lines[-1].startswith("2 written in ")


def test_missing_path_is_a_usage_error(run) -> None:
    result = run("batch", "nowhere")
    assert result.exit_code == 2 and "nowhere: no such file or directory" in result.stderr


def test_ctrl_c_leaves_no_partial_file(tmp_path: Path) -> None:
    for n in range(12):
        write(tmp_path, f"cfg/a{n:02d}.yaml", "mode: transposed\ni: 8\nk: 3\ns: 1\np: 1\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "convanim.cli", "batch", "cfg", "-j", "2", "-o", "out"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
        # A test runner may have started us with SIGINT ignored, which children inherit.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first.startswith("[ 1/12] written"), first
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "interrupted after" in err and "Traceback" not in err
    names = os.listdir(tmp_path / "out")
    assert 1 <= len(names) < 12
    assert all(name.endswith(".gif") and not name.startswith(".") for name in names), names
    for name in names:
        frames, _ = read_animation(tmp_path / "out" / name)
        assert len(frames) == 2 + 8 * 8 + 1 and np.asarray(frames[-1]).any()


def test_two_batches_on_one_folder_leave_whole_files(tmp_path: Path) -> None:
    # Atomic renames: whichever run finishes a file last wins, with a whole file.
    for n in range(6):
        write(tmp_path, f"cfg/b{n}.yaml", f"i: {4 + n % 3}\nk: 3\nvalues: false\n")
    command = [sys.executable, "-m", "convanim.cli", "batch", "cfg", "-j", "1", "-o", "out"]
    runs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE) for _ in range(2)]
    for proc in runs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    names = sorted(os.listdir(tmp_path / "out"))
    assert names == [f"b{n}.gif" for n in range(6)]
    for n in range(6):
        frames, _ = read_animation(tmp_path / "out" / f"b{n}.gif")
        assert len(frames) == 2 + (2 + n % 3) ** 2
