"""Every way a run ends: SIGINT, SIGTERM, SIGHUP mid-render leave no temp file and replace
nothing; SIGKILL's leftovers are swept by the next run; a killed batch leaves no worker."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from convanim.writers import read_animation

COMMAND = [sys.executable, "-m", "convanim.cli"]


def start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
        # A test runner may have started us with SIGINT ignored, which children inherit.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for(predicate, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


def temps(folder: Path) -> list[str]:
    return [n for n in os.listdir(folder) if ".convanim-" in n]


# (output, signal): each writer meets a different ending signal, every signal several writers.
CASES = [("a.gif", signal.SIGTERM), ("a.mp4", signal.SIGHUP), ("a.webp", signal.SIGINT),
         ("a.png", signal.SIGHUP), ("frames/", signal.SIGTERM), ("b.gif", signal.SIGHUP),
         ("frames2/", signal.SIGINT)]


@pytest.mark.parametrize(("output", "signum"), CASES)
def test_an_ending_signal_mid_render_leaves_no_temp_file_and_the_old_output(
    tmp_path: Path, output: str, signum: int
) -> None:
    target = tmp_path / output.rstrip("/")
    first = subprocess.run([*COMMAND, "render", "-i", "3", "-k", "2", "-o", output],
                           cwd=tmp_path, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    before = read_animation(target)
    proc = start(["render", "-i", "14", "-k", "3", "-o", output, "--storyboard", "sb.png"],
                 tmp_path)
    wait_for(lambda: bool(temps(tmp_path)) or proc.poll() is not None)
    # A different instant for each case (seeded, so a failure can be rerun): while drawing,
    # encoding or (for the later ones) the storyboard step.
    time.sleep(random.Random(f"{output}{signum}").uniform(0.0, 0.6))
    os.killpg(proc.pid, signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, err
    assert len(err.strip().splitlines()) == 1 and "interrupted" in err, err
    assert temps(tmp_path) == []
    assert not (tmp_path / "sb.png").exists()
    after = read_animation(target)
    assert len(after[0]) == len(before[0]) and after[1] == before[1]


def test_a_killed_runs_temp_file_is_swept_by_the_next_run(tmp_path: Path) -> None:
    proc = start(["render", "-i", "14", "-k", "3", "-o", "a.gif"], tmp_path)
    wait_for(lambda: bool(temps(tmp_path)))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    left = temps(tmp_path)
    assert left  # SIGKILL cannot be caught: the temp file stays ...
    old = time.time() - 60
    for name in left:
        os.utime(tmp_path / name, (old, old))
    again = subprocess.run([*COMMAND, "render", "-i", "3", "-k", "2", "-o", "a.gif"],
                           cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert temps(tmp_path) == []  # ... until the next run into the folder sweeps it
    assert sorted(os.listdir(tmp_path)) == ["a.gif"]


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find the workers")
@pytest.mark.parametrize(("signum", "jobs"), [(signal.SIGTERM, 2), (signal.SIGKILL, 2),
                                              (signal.SIGHUP, 2), (signal.SIGTERM, 1)])
def test_a_signalled_batch_leaves_no_worker_and_no_temp_file(tmp_path: Path, signum: int,
                                                             jobs: int) -> None:
    (tmp_path / "cfg").mkdir()
    for n in range(6):
        (tmp_path / "cfg" / f"a{n}.yaml").write_text("mode: transposed\ni: 12\nk: 3\ns: 1\n")
    proc = start(["batch", "cfg", "-j", str(jobs), "-o", "out"], tmp_path)
    wait_for(lambda: len(_children(proc.pid)) >= (2 if jobs > 1 else 0)
             and (tmp_path / "out").is_dir() and bool(temps(tmp_path / "out")))
    workers = _children(proc.pid)
    os.kill(proc.pid, signum)  # the parent alone, as a process manager would
    proc.communicate(timeout=60)
    if signum != signal.SIGKILL:
        assert proc.returncode == 128 + signum
    else:  # the workers notice their parent is gone and clean up after themselves
        wait_for(lambda: not temps(tmp_path / "out"), timeout=15)
    wait_for(lambda: not any(_alive(pid) for pid in workers), timeout=15)
    assert temps(tmp_path / "out") == []
