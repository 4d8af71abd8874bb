"""Per-frame cost of a figure rendered first in a fresh process, as one CLI render draws it.

bench_fold.py and bench_volume.py time a warm process (a gallery, a batch, a notebook):
there the process keeps finished cell tiles, rendered strings and GIF colour tables from one
render to the next. Here each measurement is a new process that renders its figure once, so
nothing is kept: fold and the 3-D average pools against a flat ``conv i=5 k=3 s=2 p=1``
boxed to the same pixels. Rounds alternate the figures; each ratio is the median of the
ratios within a round (the machine is shared and noisy).

    python benchmarks/bench_first_render.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FIGURES = {  # name: (the figure, its size, as bench_fold.py and bench_volume.py draw them)
    "fold": ("Spec(i=4, k=2, mode='fold')", "476x287"),
    "avgpool 3-D": ("Spec(i=(3, 4, 4), k=2, s=2, p=1, mode='avgpool', count_include_pad=False,"
                    " dims=3)", "1372x351"),
    "avgpool 3-D k=3": ("Spec(i=(4, 5, 5), k=3, s=2, p=1, mode='avgpool',"
                        " count_include_pad=False, dims=3)", "1788x383"),
}
FLAT = "Spec(i=5, k=3, s=2, p=1)"

CODE = """
import sys, tempfile
sys.path[:0] = [{root!r}, {bench!r}]
from bench_channels import per_frame
from convanim.geometry import Spec
with tempfile.TemporaryDirectory() as tmp:
    print(per_frame({spec}, tmp, **{options!r})[0])
"""


def first(spec: str, **options: object) -> float:
    """Median ms per slide frame of ``spec`` rendered once in a new process."""
    code = CODE.format(root=str(ROOT), bench=str(ROOT / "benchmarks"), spec=spec,
                       options=options)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, cwd=ROOT)
    return float(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    for name, (spec, box) in FIGURES.items():
        ours, flat = [], []
        for _ in range(args.rounds):
            ours.append(first(spec))
            flat.append(first(FLAT, size=box))
        ratio = statistics.median(a / b for a, b in zip(ours, flat))
        print(f"{name:16s} {box:>9s} first render: {statistics.median(ours):5.2f} ms/frame; "
              f"flat conv same size {statistics.median(flat):5.2f} (ratio {ratio:.2f})")


if __name__ == "__main__":
    main()
