"""Planning speed: a 64x64-output animation should plan in well under a second.

Run: python benchmarks/bench_geometry.py   (prints the median of 5 runs per case)
"""

from __future__ import annotations

import statistics
import time

from convanim import Spec, plan

CASES = {
    "conv i=66 k=3 (64x64 out, 4,096 slide frames)": Spec(i=66, k=3),
    "transposed gather i=32 k=4 s=2 p=1 (64x64 out)": Spec(i=32, k=4, s=2, p=1, mode="transposed"),
    "transposed scatter i=32 k=4 s=2 p=1 (64x64 out)": Spec(i=32, k=4, s=2, p=1,
                                                           mode="transposed", view="scatter"),
    "maxpool i=128 k=2 (64x64 out)": Spec(i=128, k=2, mode="maxpool"),
}


def median_seconds(spec: Spec, runs: int = 5) -> float:
    """Median wall time of ``plan(spec)`` over ``runs`` runs."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        plan(spec)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    for name, spec in CASES.items():
        print(f"{median_seconds(spec) * 1000:8.1f} ms  {name}")
