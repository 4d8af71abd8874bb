"""Issue 28's operations: per-frame cost against a flat convolution frame of the same size.

For each new family's gallery spec (ceil_mode max and average pooling, pixel unshuffle,
adaptive average and max pooling, true convolution, unfold, fold): ms per slide frame,
painted and appended to a GIF, against a flat ``conv i=5 k=3 s=2 p=1`` boxed to the same
pixel size, and against the nearest figure that existed before (the same layer without the
option, or a pooling/scatter figure of about the same grids) at its own size; runs alternate
and each ratio is the median of the paired ratios (the machine is shared and noisy).
Target: ratio <= 1.5.

    python benchmarks/bench_new_ops.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_channels import per_frame  # noqa: E402

from convanim.geometry import Spec  # noqa: E402

FLAT = Spec(i=5, k=3, s=2, p=1)
FIGURES = {  # name: (the new figure, the nearest figure that existed before)
    "maxpool ceil_mode": (Spec(i=5, k=2, mode="maxpool", ceil_mode=True),
                          Spec(i=6, k=2, mode="maxpool")),
    "avgpool ceil, no pad count": (Spec(i=6, k=3, s=2, p=1, mode="avgpool", ceil_mode=True,
                                        count_include_pad=False),
                                   Spec(i=6, k=3, s=2, p=1, mode="avgpool")),
    "pixelunshuffle": (Spec(i=4, mode="pixelunshuffle", scale=2),
                       Spec(i=2, mode="pixelshuffle", scale=2)),
    "adaptive_avgpool": (Spec(i=(5, 7), mode="adaptive_avgpool", output_size=3),
                         Spec(i=(5, 7), k=3, s=(1, 2), mode="avgpool")),
    "adaptive_maxpool 1-D": (Spec(i=7, mode="adaptive_maxpool", output_size=5, dims=1),
                             Spec(i=7, k=3, s=1, mode="maxpool", dims=1)),
    "conv flip": (Spec(i=4, k=3, flip=True), Spec(i=4, k=3)),
    "unfold": (Spec(i=4, k=2, s=2, p=1, mode="unfold"), Spec(i=4, k=2, s=2, p=1)),
    "fold": (Spec(i=4, k=2, mode="fold"), Spec(i=3, k=2, mode="transposed", view="scatter")),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, (spec, before) in FIGURES.items():
            _, size = per_frame(spec, tmp)
            box = f"{size[0]}x{size[1]}"
            per_frame(FLAT, tmp, size=box)
            per_frame(before, tmp)
            ours, flat, old, ratios, old_ratios = [], [], [], [], []
            for _ in range(args.runs):
                a, _ = per_frame(spec, tmp)
                b, _ = per_frame(FLAT, tmp, size=box)
                c, _ = per_frame(before, tmp)
                ours.append(a)
                flat.append(b)
                old.append(c)
                ratios.append(a / b)
                old_ratios.append(a / c)
            print(f"{name:28s} {box:>9s}: {statistics.median(ours):5.2f} ms/frame; flat conv "
                  f"{statistics.median(flat):5.2f} (ratio {statistics.median(ratios):.2f}); "
                  f"nearest old figure {statistics.median(old):5.2f} (ratio "
                  f"{statistics.median(old_ratios):.2f})")


if __name__ == "__main__":
    main()
