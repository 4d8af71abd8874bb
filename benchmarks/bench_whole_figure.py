"""Whole figures: the full combination sweep and the peak memory of chains and comparisons.

``--sweep`` runs every case of tests/test_sweep.py with every style x writer (the test cycles
them), in process, and prints the counts; ``--memory`` renders the figures issue 22 measured
in fresh processes and prints each one's peak resident memory (the README's bound is 1 GB).

    python benchmarks/bench_whole_figure.py --sweep
    python benchmarks/bench_whole_figure.py --memory
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MEMORY_CASES = [
    ["render", "configs/chains/depthwise_separable.yaml", "--slides", "-o", "ds.gif"],
    ["render", "configs/chains/depthwise_separable.yaml", "--slides", "--size", "1920x1080",
     "--frame-ms", "100", "-o", "ds.mp4"],
    ["render", "configs/chains/vgg16_blocks.yaml", "--slides", "-o", "vgg.gif"],
    ["compare", "configs/upsampling/compare.yaml", "--size", "1920x1080", "-o", "cmp.mp4"],
    ["render", "-i", "8", "-k", "3", "--size", "1920x1080", "-o", "one.mp4"],
]


def sweep() -> None:
    from tests.test_sweep import STYLES, WRITERS, cases, run_case

    counts: Counter[str] = Counter()
    start = time.perf_counter()
    seen = set()
    for case in cases():
        for style, writer in itertools.product(STYLES, WRITERS):
            full = (*case[:5], style, writer)
            if full in seen:
                continue
            seen.add(full)
            with tempfile.TemporaryDirectory() as tmp:
                counts[run_case(full, Path(tmp))] += 1
    print(f"{sum(counts.values())} cases: {counts['rendered']} rendered, "
          f"{counts['refused']} refused in one line, in {time.perf_counter() - start:.0f} s")


PEAK = ("import resource, subprocess, sys; "
        "code = subprocess.run(sys.argv[1:], capture_output=True).returncode; "
        "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def memory() -> None:
    """Each case in a fresh wrapper process, which reports its one child's peak."""
    for args in MEMORY_CASES:
        with tempfile.TemporaryDirectory() as tmp:
            out = [a if a != args[-1] else str(Path(tmp) / a) for a in args]
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", PEAK, sys.executable, "-m",
                                   "convanim.cli", *out], cwd=ROOT, capture_output=True,
                                  text=True, check=True)
            seconds = time.perf_counter() - start
            code, peak = done.stdout.split()
            print(f"{' '.join(args):95s} exit {code}  {seconds:5.1f} s  "
                  f"peak {int(peak) / 1024:6.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--memory", action="store_true")
    args = parser.parse_args()
    if args.sweep or not args.memory:
        sweep()
    if args.memory or not args.sweep:
        memory()
