"""The program's quick exit (``convanim.cli.exit_now``): after a run it ends without tearing
down every object, yet exit handlers run, piped output is complete and the status is the one
``sys.exit`` would give."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "convanim.cli"]


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, "TMPDIR": str(tmp_path), **env}
    return subprocess.run(CLI + args, cwd=tmp_path, env=environ, capture_output=True,
                          text=True, timeout=120)


def test_piped_output_is_complete_and_the_status_kept(tmp_path: Path) -> None:
    done = run(["render", "-o", "a.gif"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("wrote a.gif") and done.stdout.endswith(")\n")
    refused = run(["render", "-i", "0", "-o", "b.gif"], tmp_path)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith("convanim: error: --input-size") and \
        len(refused.stderr.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gif"]


def test_exit_handlers_still_run(tmp_path: Path) -> None:
    # Unusable matplotlib folders: a private one is made in TMPDIR for the SVG writer, and
    # only an exit handler removes it again.
    done = run(["render", "-o", "a.svg"], tmp_path, XDG_CACHE_HOME=os.devnull,
               XDG_CONFIG_HOME=os.devnull, MPLCONFIGDIR="")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.svg"]


@pytest.mark.parametrize("code, status, err", [(None, 0, ""), (3, 3, ""),
                                               ("bye", 1, "bye\n")])
def test_the_status_is_what_sys_exit_gives(code: object, status: int, err: str) -> None:
    child = subprocess.run([sys.executable, "-c", "import atexit, sys\n"
                            "from convanim.cli import exit_now\n"
                            "atexit.register(print, 'handler ran')\n"
                            "print('buffered', end='')\n"
                            f"exit_now({code!r})"], capture_output=True, text=True,
                           timeout=60)
    assert (child.returncode, child.stderr) == (status, err)
    assert child.stdout == "bufferedhandler ran\n"

