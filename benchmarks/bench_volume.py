"""``dims=3``: per-frame cost of a 3-D figure against a flat convolution frame of the same size.

For each 3-D family (conv, transposed, max and average pooling, as in the gallery's
``volumes`` section; conv and transposed also as the perspective style's stacked planes): ms
per slide frame, painted and appended to a GIF, against a flat
``conv i=5 k=3 s=2 p=1`` boxed to the same pixel size, and against the 2-D layer of the same
height and width at its own size; runs alternate and each ratio is the median of the paired
ratios (the machine is shared and noisy). Target: ratio <= 1.5.

    python benchmarks/bench_volume.py [--runs 5]
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
FIGURES = {  # name: (the 3-D figure, the 2-D layer of its height and width)
    "conv 3-D": (Spec(i=(3, 4, 4), k=(2, 3, 3), p=1, dims=3), Spec(i=4, k=3, p=1)),
    "transposed 3-D": (Spec(i=(2, 3, 3), k=3, s=2, p=1, mode="transposed", dims=3),
                       Spec(i=3, k=3, s=2, p=1, mode="transposed")),
    "maxpool 3-D ceil": (Spec(i=(4, 5, 5), k=2, p=1, mode="maxpool", ceil_mode=True, dims=3),
                         Spec(i=5, k=2, p=1, mode="maxpool", ceil_mode=True)),
    "avgpool 3-D": (Spec(i=(3, 4, 4), k=2, s=2, p=1, mode="avgpool",
                         count_include_pad=False, dims=3),
                    Spec(i=4, k=2, s=2, p=1, mode="avgpool", count_include_pad=False)),
    "avgpool 3-D k=3": (Spec(i=(4, 5, 5), k=3, s=2, p=1, mode="avgpool",
                             count_include_pad=False, dims=3),
                        Spec(i=5, k=3, s=2, p=1, mode="avgpool", count_include_pad=False)),
}


STACKED = {  # the perspective style's stacked planes against a flat frame of the same size
    "conv 3-D perspective": Spec(i=(3, 4, 4), k=(2, 3, 3), p=1, dims=3),
    "transposed 3-D perspective": Spec(i=(2, 3, 3), k=3, s=2, p=1, mode="transposed", dims=3),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, (spec, flat2) in FIGURES.items():
            _, size = per_frame(spec, tmp)
            box = f"{size[0]}x{size[1]}"
            per_frame(FLAT, tmp, size=box)
            ours, flat, ratios, two = [], [], [], []
            for _ in range(args.runs):
                a, _ = per_frame(spec, tmp)
                b, _ = per_frame(FLAT, tmp, size=box)
                c, _ = per_frame(flat2, tmp)
                ours.append(a)
                flat.append(b)
                ratios.append(a / b)
                two.append(c)
            print(f"{name:18s} {box:>9s}: {statistics.median(ours):5.2f} ms/frame; flat conv "
                  f"same size {statistics.median(flat):5.2f} (ratio "
                  f"{statistics.median(ratios):.2f}); 2-D layer at its own size "
                  f"{statistics.median(two):5.2f}")
        for name, spec in STACKED.items():
            _, size = per_frame(spec, tmp, style="perspective")
            box = f"{size[0]}x{size[1]}"
            ours, flat, ratios, same, style_ratios = [], [], [], [], []
            for _ in range(args.runs):
                a, _ = per_frame(spec, tmp, style="perspective")
                b, _ = per_frame(FLAT, tmp, size=box)
                c, _ = per_frame(FLAT, tmp, size=box, style="perspective")
                ours.append(a)
                flat.append(b)
                ratios.append(a / b)
                same.append(c)
                style_ratios.append(a / c)
            print(f"{name:18s} {box:>9s}: {statistics.median(ours):5.2f} ms/frame; flat conv "
                  f"same size {statistics.median(flat):5.2f} (ratio "
                  f"{statistics.median(ratios):.2f}); 2-D perspective conv same size "
                  f"{statistics.median(same):5.2f} (ratio {statistics.median(style_ratios):.2f})")


if __name__ == "__main__":
    main()
