"""Renderer speed and memory (medians of 5 runs in a warm process).

(a) the default transposed animation (i=3 k=3 s=2 p=1, 29 frames) rendered and written as GIF;
(b) milliseconds per frame at 400 px wide, drawing only and drawing + GIF encoding;
(c) peak memory (max RSS of a fresh subprocess) of a ~2,000-frame GIF (conv i=47 k=3 p=1,
    values off). Targets: (a) < 300 ms, (b) <= 10 ms, (c) < 400 MB.

    python benchmarks/bench_render.py [--runs 5] [--skip-memory]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Runs from a plain checkout, without installing the package.
sys.path.insert(0, str(ROOT))

from convanim.draw import Renderer, RenderOptions, render  # noqa: E402
from convanim.geometry import Spec, plan  # noqa: E402

DEFAULT = Spec(i=3, k=3, s=2, p=1, mode="transposed")
LONG = Spec(i=9, k=3, p=1)  # 83 frames, enough to time steady-state frames

MEMORY_CHILD = """
import resource, sys, time
sys.path.insert(0, sys.argv[2])
from convanim.draw import render
start = time.perf_counter()
render({"i": 47, "k": 3, "p": 1}, sys.argv[1], values=False)
seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print('{"frames": %d, "seconds": %.2f, "max_rss_mb": %.1f}' % (47 * 47 + 3, seconds, rss))
"""


def timed(fn, runs: int) -> list[float]:
    fn()  # warm the process: imports, font glyphs, numpy paths
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        gif = os.path.join(tmp, "a.gif")
        frames = len(plan(DEFAULT).frames)
        ms = timed(lambda: render(DEFAULT, gif), args.runs)
        size = Renderer(plan(DEFAULT)).layout.size
        print(f"(a) default transposed, {frames} frames {size[0]}x{size[1]} -> GIF: "
              f"median {statistics.median(ms):.1f} ms (min {min(ms):.1f}, max {max(ms):.1f}),"
              f" {os.path.getsize(gif)} bytes")

        long_plan = plan(LONG)
        options = RenderOptions(width=400)
        n = len(long_plan.frames)
        draw = timed(lambda: [f for f in Renderer(long_plan, options).frames()], args.runs)
        both = timed(lambda: render(LONG, gif, width=400), args.runs)
        size = Renderer(long_plan, options).layout.size
        print(f"(b) conv i=9 k=3 p=1 at {size[0]}x{size[1]}, {n} frames: drawing "
              f"{statistics.median(draw) / n:.2f} ms/frame, drawing + GIF "
              f"{statistics.median(both) / n:.2f} ms/frame")
        if not args.skip_memory:
            runs = []
            for _ in range(args.runs):
                out = subprocess.run([sys.executable, "-c", MEMORY_CHILD, gif, str(ROOT)],
                                     check=True, capture_output=True, text=True)
                runs.append(json.loads(out.stdout))
            rss = statistics.median(r["max_rss_mb"] for r in runs)
            secs = statistics.median(r["seconds"] for r in runs)
            print(f"(c) conv i=47 k=3 p=1 values off, {runs[0]['frames']} frames -> GIF: "
                  f"max RSS median {rss:.0f} MB, {secs:.2f} s, {os.path.getsize(gif)} bytes")


if __name__ == "__main__":
    main()
