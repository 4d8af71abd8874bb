"""The backward view: per-frame cost against a flat convolution frame of the same size.

For each gallery figure of ``configs/backward`` (a strided conv, a transposed conv, a
dilated Conv1d): ms per slide frame, painted and appended to a GIF, against a flat
``conv i=5 k=3 s=2 p=1`` of the same dims boxed to the same pixel size, and against the
forward figure of the operation that draws part 1 (the derived layer's view) at its size;
runs alternate and each ratio is the median of the paired ratios (the machine is shared and
noisy). Target: ratio <= 1.5.

    python benchmarks/bench_backward.py [--runs 5]
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
from convanim.geometry.ops.backward import input_gradient_spec  # noqa: E402

FLAT = {2: Spec(i=5, k=3, s=2, p=1), 1: Spec(i=5, k=3, s=2, p=1, dims=1)}
FIGURES = {
    "conv backward": Spec(i=4, k=3, s=2, p=1, view="backward"),
    "transposed backward": Spec(i=3, k=3, s=2, p=1, mode="transposed", view="backward"),
    "conv1d dilated backward": Spec(i=8, k=3, d=2, p=1, dims=1, view="backward"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in FIGURES.items():
            before = input_gradient_spec(spec)[0]
            _, size = per_frame(spec, tmp)
            box = f"{size[0]}x{size[1]}"
            flat_spec = FLAT[spec.dims]
            per_frame(flat_spec, tmp, size=box)
            per_frame(before, tmp)
            ours, flat, old, ratios, old_ratios = [], [], [], [], []
            for _ in range(args.runs):
                a, _ = per_frame(spec, tmp)
                b, _ = per_frame(flat_spec, tmp, size=box)
                c, _ = per_frame(before, tmp)
                ours.append(a)
                flat.append(b)
                old.append(c)
                ratios.append(a / b)
                old_ratios.append(a / c)
            print(f"{name:24s} {box:>9s}: {statistics.median(ours):5.2f} ms/frame; flat conv "
                  f"{statistics.median(flat):5.2f} (ratio {statistics.median(ratios):.2f}); "
                  f"part 1's forward figure {statistics.median(old):5.2f} (ratio "
                  f"{statistics.median(old_ratios):.2f})")


if __name__ == "__main__":
    main()
