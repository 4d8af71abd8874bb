"""Fold's per-frame cost, profiled: against a flat conv frame of the same pixel size and of
the same cell size, with the pixels each slide frame changes.

A GIF frame costs about its changed pixels (the writer compares, maps and encodes only the
changed rectangle). Fold's default figure has few cells, so they are drawn at 32 px; a flat
``conv i=5 k=3 s=2 p=1`` boxed to fold's 476x287 has many more cells at about 12 px, so
each of its frames changes about a quarter of the pixels. Runs alternate; each ratio is the
median of the paired ratios (the machine is shared and noisy).

    python benchmarks/bench_fold.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_channels import per_frame  # noqa: E402

from convanim.draw import Renderer, RenderOptions  # noqa: E402
from convanim.geometry import Spec, plan  # noqa: E402
from convanim.writers.gif import changed_pixels  # noqa: E402

FOLD = Spec(i=4, k=2, mode="fold")
FLAT = Spec(i=5, k=3, s=2, p=1)


def changed(spec: Spec, **options: object) -> float:
    """Median pixels that differ from the previous frame, over the slide frames."""
    the_plan = plan(spec)
    frames = [rgb.copy() for rgb, _ in Renderer(the_plan, RenderOptions(**options)).frames()]
    scratch = np.empty(2 * frames[0].size, bool)
    slides = [n for n, f in enumerate(the_plan.frames) if f.phase == "slide" and n]
    return statistics.median(len(changed_pixels(frames[n - 1], frames[n], scratch))
                             for n in slides)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _, size = per_frame(FOLD, tmp)
        box = f"{size[0]}x{size[1]}"
        cases = {"same pixels": {"size": box}, "same 32 px cells": {"cell_px": 32}}
        for name, options in cases.items():
            per_frame(FLAT, tmp, **options)
            ours, flat = [], []
            for _ in range(args.runs):
                ours.append(per_frame(FOLD, tmp)[0])
                flat.append(per_frame(FLAT, tmp, **options)[0])
            ratio = statistics.median(a / b for a, b in zip(ours, flat))
            print(f"fold {box} vs flat conv, {name:16s}: {statistics.median(ours):5.2f} vs "
                  f"{statistics.median(flat):5.2f} ms/frame (ratio {ratio:.2f}); changed "
                  f"pixels per frame {changed(FOLD):.0f} vs {changed(FLAT, **options):.0f}")


if __name__ == "__main__":
    main()
