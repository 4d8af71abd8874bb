"""Channel stacks: per-frame cost against a single-channel frame of the same pixel size,
and the CS231n figure as a whole ``convanim render`` process (medians).

(a) ms per frame of the CS231n stack (i=5 k=3 s=2 p=1, 3 -> 2 channels, bias) and of a
    single-channel conv whose frames are drawn at the same pixel size (the same width and
    height, forced with ``width``/``cell_px``); target: ratio <= 1.5;
(b) ``convanim render configs/channels/cs231n_conv.yaml`` as a fresh process, seconds, and the
    GIF's size; targets <= 1.5 s, <= 300 KB.

    python benchmarks/bench_channels.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from convanim.draw import Renderer, RenderOptions  # noqa: E402
from convanim.geometry import Spec, plan  # noqa: E402

STACK = Spec(i=5, k=3, s=2, p=1, in_channels=3, out_channels=2, bias=True)
SINGLE = Spec(i=9, k=3, p=1)  # a single map with enough frames for a steady state


def per_frame(spec: Spec, runs: int, **options: object) -> tuple[float, tuple[int, int]]:
    """Median ms per drawn frame (warm process) and the frame size."""
    p = plan(spec)
    renderer = Renderer(p, RenderOptions(**options))
    list(renderer.frames())
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        frames = list(Renderer(p, RenderOptions(**options)).frames())
        times.append((time.perf_counter() - start) * 1000 / len(frames))
    return statistics.median(times), renderer.layout.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    stack_ms, size = per_frame(STACK, args.runs)
    single_ms, single_size = per_frame(SINGLE, args.runs, width=size[0])
    print(f"(a) stack {size[0]}x{size[1]}: {stack_ms:.2f} ms/frame; single channel "
          f"{single_size[0]}x{single_size[1]}: {single_ms:.2f} ms/frame; ratio "
          f"{stack_ms / single_ms:.2f}")
    exe = Path(sys.executable).with_name("convanim")
    with tempfile.TemporaryDirectory() as tmp:
        gif = os.path.join(tmp, "cs231n.gif")
        secs = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run([str(exe), "render", str(ROOT / "configs/channels/cs231n_conv.yaml"),
                            "-o", gif], check=True, capture_output=True)
            secs.append(time.perf_counter() - start)
        print(f"(b) convanim render cs231n_conv.yaml: median {statistics.median(secs):.2f} s "
              f"(min {min(secs):.2f}), GIF {os.path.getsize(gif) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
