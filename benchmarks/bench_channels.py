"""Channel stacks: per-frame cost against a single-channel frame of the same pixel size,
and the CS231n figure as a whole ``convanim render`` process (medians).

(a) ms per slide frame, painted and appended to a GIF (what a frame costs a render), of the
    CS231n stack (i=5 k=3 s=2 p=1, 3 -> 2 channels, bias) and of the same layer on one
    channel boxed to the stack's pixel size; runs alternate and the ratio is the median of
    the paired ratios (the machine is shared and noisy); target: ratio <= 1.5. A second
    comparator, a single map of 7x17 cells at the stack's width (more cells, stride 1), is
    printed for reference;
(b) ``convanim render configs/channels/cs231n_conv.yaml`` as a fresh process, seconds, and the
    GIF's size; targets <= 1.5 s, <= 300 KB.

    python benchmarks/bench_channels.py [--runs 7]
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

from convanim.draw import THEMES, Renderer, RenderOptions  # noqa: E402
from convanim.geometry import Spec, plan  # noqa: E402
from convanim.writers import open_writer  # noqa: E402

STACK = Spec(i=5, k=3, s=2, p=1, in_channels=3, out_channels=2, bias=True)
SAME_LAYER = Spec(i=5, k=3, s=2, p=1, bias=True)  # one channel, boxed to the stack's size
WIDE = Spec(i=(7, 17), k=3, p=1)  # one map about as large at the same width


def per_frame(spec: Spec, tmp: str, **options: object) -> tuple[float, tuple[int, int]]:
    """Median ms to paint one slide frame and append it to a GIF, and the frame size.

    Slide frames only: the first frame (everything drawn once) and the phase frames (a whole
    grid repainted) are the same work for any animation and would weigh more in a short one.
    """
    p = plan(spec)
    slides = {n for n, f in enumerate(p.frames) if f.phase == "slide"}
    renderer = Renderer(p, RenderOptions(**options))
    renderer.reuse_buffer = True
    run = []
    with open_writer(os.path.join(tmp, "frame.gif"), palette=THEMES["light"].palette()) as out:
        frames = renderer.frames()
        for n in range(len(p.frames)):
            start = time.perf_counter()
            rgb, ms = next(frames)
            out.append(rgb, ms)
            if n in slides:
                run.append((time.perf_counter() - start) * 1000)
    return statistics.median(run), renderer.layout.size


def paired(runs: int, tmp: str, other: Spec, **options: object) -> tuple[float, float, float]:
    """Median stack ms, median other ms and the median of their paired ratios."""
    per_frame(STACK, tmp)  # warm fonts, sprites and caches for both
    per_frame(other, tmp, **options)
    stack, single, ratios = [], [], []
    for _ in range(runs):
        a, _ = per_frame(STACK, tmp)
        b, _ = per_frame(other, tmp, **options)
        stack.append(a)
        single.append(b)
        ratios.append(a / b)
    return statistics.median(stack), statistics.median(single), statistics.median(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _, size = per_frame(STACK, tmp)
        box = f"{size[0]}x{size[1]}"
        a, b, ratio = paired(args.runs, tmp, SAME_LAYER, size=box)
        print(f"(a) stack {box}: {a:.2f} ms/frame; the same layer on one channel at {box}: "
              f"{b:.2f} ms/frame; ratio {ratio:.2f} (target <= 1.5)")
        a, b, ratio = paired(args.runs, tmp, WIDE, width=size[0])
        print(f"    reference: one 7x17 map at width {size[0]}: {b:.2f} ms/frame; "
              f"ratio {ratio:.2f}")
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
