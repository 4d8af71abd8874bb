"""Issue 26's speed bars, as fresh ``convanim`` processes (CPU seconds of the process and its
children, medians; the machine is shared, so CPU time rather than wall time):

(a) the README's storyboard, ``render -m transposed -i 4 -k 3 -s 2 -p same --storyboard
    steps.pdf`` against the same with ``steps.png``; target: PDF <= 2x PNG;
(b) ``gallery --check`` on an up-to-date gallery against writing it (``-j 1``); target:
    check <= write;
(c) ``gallery --check --changed`` after one config changed, with the full gallery on disk
    (the pre-commit hook); target: under 2 s of wall time.

    python benchmarks/bench_everywhere.py [--runs 3] [--skip-gallery]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONVANIM = [sys.executable, "-m", "convanim.cli"]
STORY = ["render", "-m", "transposed", "-i", "4", "-k", "3", "-s", "2", "-p", "same", "-q"]


def run(args: list[str], cwd: Path) -> tuple[float, float]:
    """(CPU seconds of the child processes, wall seconds) of one ``convanim`` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([*CONVANIM, *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def median_cpu(args: list[str], cwd: Path, runs: int) -> float:
    return statistics.median(run(args, cwd)[0] for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-gallery", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        png = median_cpu([*STORY, "--storyboard", "steps.png"], work, args.runs)
        pdf = median_cpu([*STORY, "--storyboard", "steps.pdf"], work, args.runs)
        print(f"(a) storyboard CPU s: png {png:.2f}  pdf {pdf:.2f}  ratio {pdf / png:.2f} "
              "(target <= 2)")
        if args.skip_gallery:
            return
        shutil.copytree(ROOT / "configs", work / "configs")
        write = run(["gallery", "-j", "1", "-o", "g"], work)[0]
        check = run(["gallery", "-j", "1", "-o", "g", "--check"], work)[0]
        print(f"(b) gallery CPU s: write {write:.1f}  check {check:.1f}  ratio "
              f"{check / write:.2f} (target <= 1)")
        config = sorted((work / "configs").rglob("*.yaml"))[0]
        config.write_text(config.read_text() + "\ntitle: changed\n")
        start = time.perf_counter()
        done = subprocess.run([*CONVANIM, "gallery", "-o", "g", "--check", "--changed"],
                              cwd=work, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        wall = time.perf_counter() - start
        print(f"(c) hook after one config changed: {wall:.2f} s wall, exit "
              f"{done.returncode} (1: the changed figure is stale, as it should be; target "
              "< 2 s)")


if __name__ == "__main__":
    main()
