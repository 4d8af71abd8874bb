"""The perspective style: per-frame cost against the flat style at the same canvas size, the
19 conv_arithmetic figures in this style as one gallery run, and their bytes (medians).

(a) ms per slide frame, flat and perspective, both drawn into the same box (``size``), for a
    padded strided conv, a transposed gather and a max pool with values; target: ratio <= 2;
(b) ``convanim gallery configs/perspective -j 2`` as a fresh process, seconds; target <= 5 s;
(c) the total bytes of those 19 GIFs; target <= 4.09 MB (the reference GIFs' total).

    python benchmarks/bench_perspective.py [--runs 5]
"""

from __future__ import annotations

import argparse
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

CASES = {
    "conv i=5 k=3 s=2 p=1": (Spec(i=5, k=3, s=2, p=1), {"values": False}),
    "transposed i=3 k=3 s=2 p=1": (Spec(i=3, k=3, s=2, p=1, mode="transposed"),
                                   {"values": False}),
    "maxpool i=5 k=3, values": (Spec(i=5, k=3, mode="maxpool"), {}),
}
BOX = "480x400"


def per_frame(spec: Spec, runs: int, **options: object) -> float:
    """Median ms to paint one slide frame (warm process, after one untimed run)."""
    p = plan(spec)
    slides = {n for n, f in enumerate(p.frames) if f.phase == "slide"}
    medians = []
    for _ in range(runs + 1):
        renderer = Renderer(p, RenderOptions(**options))
        painter = renderer.layout.painter(renderer.scene)
        run = []
        for n in range(len(p.frames)):
            start = time.perf_counter()
            painter.paint(n)
            if n in slides:
                run.append((time.perf_counter() - start) * 1000)
        medians.append(statistics.median(run))
    return statistics.median(medians[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for name, (spec, options) in CASES.items():
        flat = per_frame(spec, args.runs, size=BOX, **options)
        persp = per_frame(spec, args.runs, size=BOX, style="perspective", **options)
        print(f"(a) {name:28} at {BOX}: flat {flat:.2f} ms/frame, perspective {persp:.2f} "
              f"ms/frame, ratio {persp / flat:.2f} (<= 2)")
    walls, total = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        cli = [sys.executable, "-m", "convanim.cli", "gallery", "configs/perspective", "-o",
               tmp, "-j", "2"]
        subprocess.run(cli, cwd=ROOT, check=True, capture_output=True)  # fill the caches
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run(cli, cwd=ROOT, check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
        gifs = sorted(Path(tmp).glob("*.gif"))
        total = sum(p.stat().st_size for p in gifs)
    print(f"(b) gallery configs/perspective -j 2 ({len(gifs)} GIFs): median "
          f"{statistics.median(walls):.2f} s (<= 5)")
    print(f"(c) their total: {total / 1e6:.2f} MB (<= 4.09)")


if __name__ == "__main__":
    main()
