"""Hostile input, round three: every door's budget, path races, signals at start-up and during
imports, streams and paths that fail, damaged caches and library noise (issue 23).

Each case is a one-line refusal (or a clean success), never a traceback, a hang or a file
written where it must not be.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import convanim
from convanim.cli import cli
from convanim.explain.solve import Bounds, best_even, check_search, solve
from convanim.geometry import Spec, SpecError, links
from convanim.geometry.limits import MAX_PLAN_FRAMES

COMMAND = [sys.executable, "-m", "convanim.cli"]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def one_line(text: str) -> None:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text and "Error:" not in text, text


# -- budgets ------------------------------------------------------------------------------


def test_shape_of_a_huge_axis_never_lists_its_links(monkeypatch: pytest.MonkeyPatch) -> None:
    real = links.axis_links

    def guarded(spec: Spec, axis: int) -> np.ndarray:
        assert max(spec.i) * max(spec.k) <= links.MAX_AXIS_LINKS, "listed a huge axis"
        return real(spec, axis)

    monkeypatch.setattr(links, "axis_links", guarded)
    for args in (["-i", "10000000", "-k", "3"], ["-m", "maxpool", "-i", "10000000", "-k", "3",
                                                  "-s", "2"],
                 ["-m", "transposed", "-i", "10000", "-k", "9999", "-s", "9999"]):
        result = run("shape", *args)
        assert result.exit_code == 0 and "nn." in result.output, result.output


def test_shape_finds_the_even_setting_without_searching(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    solve_module = sys.modules["convanim.explain.solve"]

    def refuse(*_: object) -> None:
        raise AssertionError("shape searched every padding and output_padding")

    monkeypatch.setattr(solve_module, "candidates", refuse)
    for stride in ("64", "128", "9999"):
        result = run("shape", "-m", "transposed", "-i", "3", "-k", "3", "-s", stride)
        assert result.exit_code == 0 and "Checkerboard warning" in result.output


@pytest.mark.parametrize("size_from", [1, 2, 5])
@pytest.mark.parametrize("stride", [1, 2, 3, 4])
@pytest.mark.parametrize("dilation", [1, 2, 3])
def test_best_even_is_the_best_even_result_of_the_full_search(size_from: int, stride: int,
                                                             dilation: int) -> None:
    from convanim.explain.overlap import uneven_axes
    from convanim.explain.solve import candidates, rank_key

    top = 2 * stride + 2
    best: dict[int, Spec] = {}  # the brute force, every output size in one pass
    for spec in candidates(size_from, "transposed", Bounds(max_kernel=top, stride=stride,
                                                           dilation=dilation)):
        out = spec.output_shape[0]
        if not uneven_axes(spec) and (out not in best or rank_key(spec, True, 0) < rank_key(
                best[out], True, 0)):
            best[out] = spec
    for size_to in range(1, max(best, default=1) + 3):
        fast = best_even(size_from, size_to, stride, dilation, top)
        full = best.get(size_to)
        assert (fast.spec.to_dict() if fast else None) == (full.to_dict() if full else None)


def test_plan_and_compute_count_before_they_allocate() -> None:
    for spec in (Spec(i=3000, k=3), Spec(i=10**6, k=3)):
        with pytest.raises(SpecError, match=f"limit {MAX_PLAN_FRAMES:,}; use a smaller "
                                            "input_size"):
            convanim.plan(spec)
    with pytest.raises(SpecError, match=r"compute\(\) of i=6000 .* limit 40,000,000"):
        convanim.compute(Spec(i=6000, k=3), np.zeros((6000, 6000)), np.ones((3, 3)))
    # Tap by tap: a 9x9 kernel over 400x400 holds a few output-sized arrays, not 81 of them.
    x, w = np.ones((400, 400)), np.ones((9, 9))
    tracemalloc.start()
    try:
        y = convanim.compute(Spec(i=400, k=9), x, w)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert y[0, 0] == 81 and peak < 20 * y.nbytes, peak


def test_solve_refuses_a_search_box_too_large() -> None:
    with pytest.raises(SpecError, match=r"solve\(\) would try up to"):
        solve(3, 9, "transposed", Bounds(max_kernel=400, max_stride=40))
    check_search(Bounds(max_kernel=16, max_stride=8, max_dilation=4), True)  # the CLI's box


def test_a_fixed_size_over_the_frame_limit_is_refused_before_work(tmp_path: Path) -> None:
    result = run("render", "-i", "5", "-k", "3", "--size", "8000x8000", "-o",
                 str(tmp_path / "a.gif"))
    assert result.exit_code == 2 and "--size: a frame would be 8000x8000" in result.output
    assert os.listdir(tmp_path) == []


def test_docs_builds_report_the_budget_at_the_blocks_line(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["convanim.sphinx"]\n')
    (src / "index.rst").write_text("T\n=\n\n.. convanim::\n   :i: 5\n   :k: 3\n"
                                   "   :size: 8000x8000\n")
    built = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src),
                            str(tmp_path / "out")], capture_output=True, text=True,
                           timeout=300)
    assert "Exception occurred" not in built.stderr and "Traceback" not in built.stderr
    assert "index.rst:7: ERROR: convanim: size: a frame would be 8000x8000" in built.stderr
    site = tmp_path / "site"
    (site / "docs").mkdir(parents=True)
    (site / "mkdocs.yml").write_text("site_name: t\nplugins:\n  - convanim\n")
    (site / "docs" / "index.md").write_text("# T\n\n```convanim\ni: 5\nk: 3\n"
                                            "size: 8000x8000\n```\n")
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=site,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode != 0 and "Traceback" not in built.stderr
    assert "docs/index.md:6: size: a frame would be 8000x8000" in built.stderr


# -- paths ----------------------------------------------------------------------------------


def test_a_folder_swapped_for_a_symlink_after_the_check_sends_nothing_outside(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from convanim.gallery import find_configs, make_jobs
    from convanim.gallery.work import write

    monkeypatch.chdir(tmp_path)
    (tmp_path / "c").mkdir()
    (tmp_path / "out" / "sub").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "c" / "a.yaml").write_text(
        "defaults: {i: 3, k: 2}\nanimations:\n  - {name: late, output: sub/late.gif}\n"
        "  - {name: frames, output: sub/frames/}\n  - {name: web, output: sub/w.webp}\n"
        "  - {name: deep, output: new/er/ok.gif}\n")
    batch = make_jobs(find_configs(["c"]), Path("out"), {})
    assert batch.problems == [] and batch.collisions == []
    os.rmdir("out/sub")
    os.symlink("../outside", "out/sub")  # the race: after the paths were checked
    results = {job.name: write(job) for job in batch.jobs}
    assert os.listdir("outside") == []
    for name in ("late", "frames", "web"):
        assert results[name].status == "failed"
        assert "sub is a symlink or not a folder" in results[name].message
    assert results["deep"].status == "written" and Path("out/new/er/ok.gif").is_file()


def test_a_frame_folder_that_is_a_symlink_gets_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "link").symlink_to("empty")
    result = run("render", "-i", "3", "-k", "2", "-o", f"{tmp_path / 'link'}/")
    assert result.exit_code == 1 and "is a symlink (to empty)" in result.output
    one_line(result.output)
    assert os.listdir(tmp_path / "empty") == []


def test_a_figure_never_claims_a_gallery_page(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("c").mkdir()
    Path("c/a.yaml").write_text("animations:\n  - {name: a, i: 3, k: 2, output: index.html}\n"
                                "  - {name: b, i: 3, k: 2, output: Gallery.md.gif}\n")
    result = run("gallery", "c", "-o", "out", "-j", "1")
    assert result.exit_code == 2
    assert "out/index.html would be written by c/a.yaml:2 (a) and is also the gallery's " \
           "index.html" in result.output
    assert not Path("out").exists()  # refused before any work


def test_batch_output_names_no_file_system_can_hold(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("c").mkdir()
    Path("c/a.yaml").write_text(
        'animations:\n  - {name: a, i: 3, k: 2, output: "x\\0y.gif"}\n'
        f"  - {{name: b, i: 3, k: 2, output: {'n' * 300}.gif}}\n"
        f"  - {{name: c, i: 3, k: 2, output: {'m' * 251}.gif}}\n")
    result = run("batch", "c", "-o", "out", "-j", "1")
    assert result.exit_code == 1
    assert "c/a.yaml:2: output: 'x\\x00y.gif' holds a NUL character" in result.output
    assert "is 304 bytes, more than the 255 a file name may have" in result.output
    assert "Error:" not in result.output  # no raw exception's name
    assert os.listdir("out") == ["m" * 251 + ".gif"]  # a long but legal name still works


def test_a_full_standard_output_is_one_line(tmp_path: Path) -> None:
    for args in (["shape"], ["shape", "--json"], ["render", "-i", "3", "-k", "2", "-o",
                                                  str(tmp_path / "a.gif")]):
        with open("/dev/full", "w") as full:
            done = subprocess.run([*COMMAND, *args], stdout=full, stderr=subprocess.PIPE,
                                  text=True, timeout=120)
        assert done.returncode == 2, done.stderr
        one_line(done.stderr)
        assert "cannot print to standard output: no space left on device" in done.stderr
    assert "a.gif was written" in done.stderr


def test_a_deleted_working_folder_is_one_line(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    script = (f"mkdir {gone} && cd {gone} && rmdir {gone} && exec {' '.join(COMMAND)} "
              "render -i 3 -k 2 -o ")
    done = subprocess.run(["sh", "-c", script + str(tmp_path / "abs.gif")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and (tmp_path / "abs.gif").is_file(), done.stderr
    done = subprocess.run(["sh", "-c", script + "rel.gif"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and "the working folder no longer exists" in done.stderr
    one_line(done.stderr)


def test_an_unwritable_matplotlib_cache_prints_nothing(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "MPLCONFIGDIR"}
    for name, value in (("XDG_CACHE_HOME", "/dev/null"),):
        done = subprocess.run([*COMMAND, "render", "-i", "3", "-k", "2", "-o", "a.svg"],
                              cwd=tmp_path, env={**env, name: value}, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0 and done.stderr == "", done.stderr


# -- signals --------------------------------------------------------------------------------


def start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([*COMMAND, *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def first_line_ran(pid: int) -> bool:
    """The program's first line holds SIGINT back: seen in the kernel's blocked mask. (A
    signal before that line, while the interpreter itself starts, is out of any program's
    reach: the interpreter prints its own KeyboardInterrupt.)"""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("SigBlk:"):
                return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    return False


# Instants from start-up (imports) into the first half second of drawing and encoding.
@pytest.mark.parametrize(("output", "signum", "delay"), [
    ("a.webp", signal.SIGINT, 0.0), ("a.png", signal.SIGINT, 0.2),
    ("a.gif", signal.SIGTERM, 0.1), ("b.svg", signal.SIGTERM, 0.35),
    ("c.pdf", signal.SIGHUP, 0.5), ("a.webp", signal.SIGTERM, 0.7),
])
def test_an_ending_signal_at_start_up_or_during_an_import_is_one_line(
        tmp_path: Path, output: str, signum: int, delay: float) -> None:
    args = ["render", "-i", "8", "-k", "3", "-o", output]
    if output.endswith((".webp", ".png", ".gif")):
        args += ["--storyboard", "sb.svg"]
    proc = start(args, tmp_path)
    end = time.monotonic() + 60
    while not first_line_ran(proc.pid) and proc.poll() is None:
        assert time.monotonic() < end
        time.sleep(0.002)
    time.sleep(delay)
    os.killpg(proc.pid, signum)
    _, err = proc.communicate(timeout=120)
    for bad in ("Traceback", "initialization failed", "Fatal Python error"):
        assert bad not in err, err
    if proc.returncode == 0:  # it finished first: then everything is there
        assert (tmp_path / output).exists()
        return
    assert proc.returncode == 128 + signum, err
    one_line(err)
    assert "interrupted" in err
    assert [n for n in os.listdir(tmp_path) if not n.startswith(".")] == []


def test_after_sigkill_and_a_rerun_the_output_is_the_reruns(tmp_path: Path) -> None:
    reference = tmp_path / "ref.gif"
    assert subprocess.run([*COMMAND, "render", "-i", "4", "-k", "2", "-o", str(reference)],
                          capture_output=True, timeout=120).returncode == 0
    for delay in (0.3, 0.9):
        proc = start(["render", "-i", "12", "-k", "3", "-o", "a.gif"], tmp_path)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
        again = subprocess.run([*COMMAND, "render", "-i", "4", "-k", "2", "-o", "a.gif"],
                               cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
        assert (tmp_path / "a.gif").read_bytes() == reference.read_bytes()


def test_an_interrupt_after_a_commit_says_what_was_written() -> None:
    from convanim.writers import PUBLISHED, interrupted_message

    saved = list(PUBLISHED)
    try:
        PUBLISHED[:] = ["a.gif"]
        assert interrupted_message("SIGTERM") == ("interrupted by SIGTERM after writing "
                                                  "a.gif, which is complete")
        PUBLISHED.clear()
        assert interrupted_message(None) == "interrupted; no file was written or changed"
    finally:
        PUBLISHED[:] = saved
