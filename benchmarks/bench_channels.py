"""Channel stacks: per-frame cost against a single-channel frame of the same pixel size,
and the CS231n figure as a whole ``convanim render`` process (medians).

(a) ms per slide frame of the CS231n stack (i=5 k=3 s=2 p=1, 3 -> 2 channels, bias) and of a
    single-channel conv (i=7x17 k=3 p=1) drawn at the same width, whose frames come out about
    as tall (both sizes are printed); target: ratio <= 1.5;
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
from convanim.draw.raster import RasterPainter  # noqa: E402
from convanim.geometry import Spec, plan  # noqa: E402

STACK = Spec(i=5, k=3, s=2, p=1, in_channels=3, out_channels=2, bias=True)
SINGLE = Spec(i=(7, 17), k=3, p=1)  # one map whose frames come out about as large


def per_frame(spec: Spec, runs: int, **options: object) -> tuple[float, tuple[int, int]]:
    """Median ms to paint one slide frame (warm process) and the frame size.

    Slide frames only: the first frame (everything drawn once) and the phase frames (a whole
    grid repainted) are the same work for any animation and would weigh more in a short one.
    """
    p = plan(spec)
    slides = [n for n, f in enumerate(p.frames) if f.phase == "slide"]
    times: list[float] = []
    size = (0, 0)
    for _ in range(runs + 1):  # the first run warms fonts and sprites
        renderer = Renderer(p, RenderOptions(**options))
        painter = RasterPainter(renderer.scene, renderer.layout)
        size = renderer.layout.size
        run = []
        for n in range(len(p.frames)):
            start = time.perf_counter()
            painter.paint(n)
            if n in slides:
                run.append((time.perf_counter() - start) * 1000)
        times.append(statistics.median(run))
    return statistics.median(times[1:]), size


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
