"""Wall time of `convanim gallery` for the 19 conv_arithmetic animations, and of `convanim batch`
on 200 generated configs at -j1 and -j2 (median of several runs, each a fresh process).

Each run is the real command line (`python -m convanim.cli ...`), so interpreter start-up,
imports, config loading, the process pool, drawing, encoding and the page are all counted.
The outputs go to a temporary folder that is removed afterwards.

    python benchmarks/bench_gallery.py [--runs 5] [--configs 200]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from convanim.geometry import Spec, SpecError  # noqa: E402

MODES = ("conv", "conv", "transposed", "transposed", "maxpool", "avgpool")


def generate(folder: Path, count: int, seed: int = 0) -> None:
    """Write ``count`` valid single-animation configs with small random parameters."""
    rng = random.Random(seed)
    made = 0
    while made < count:
        options = {"mode": rng.choice(MODES), "input_size": rng.randint(3, 7),
                   "kernel_size": rng.randint(2, 4), "stride": rng.randint(1, 2),
                   "padding": rng.randint(0, 1)}
        try:
            Spec.from_dict(options)
        except SpecError:
            continue
        options["values"] = rng.random() < 0.5
        text = "".join(f"{key}: {str(value).lower()}\n" for key, value in options.items())
        (folder / f"gen_{made:03d}.yaml").write_text(text)
        made += 1


def timed(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds, and CPU seconds of the command and its workers (user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "convanim.cli", *args], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_of(runs: int, args: list[str], cwd: Path) -> tuple[float, list[float], float]:
    """Median wall time, every wall time, and the median CPU time."""
    walls, cpus = zip(*(timed(args, cwd) for _ in range(runs)))
    return statistics.median(walls), list(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--configs", type=int, default=200)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, median of {args.runs} runs; "
          f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        gallery = ["gallery", str(ROOT / "configs" / "conv_arithmetic"), "-o", str(out / "g")]
        median, times, cpu = median_of(args.runs, gallery, ROOT)
        sizes = sorted((p.stat().st_size for p in (out / "g").glob("*.gif")), reverse=True)
        print(f"gallery, 19 conv_arithmetic animations (default -j): {median:.2f} s wall, "
              f"{cpu:.2f} s CPU (runs {', '.join(f'{t:.2f}' for t in times)}); largest GIF "
              f"{sizes[0] / 1024:.0f} KB, all {sum(sizes) / 1024:.0f} KB")
        median, _, cpu = median_of(args.runs, [*gallery, "--check"], ROOT)
        print(f"gallery --check of the same: {median:.2f} s wall, {cpu:.2f} s CPU")
        configs = out / "generated"
        configs.mkdir()
        generate(configs, args.configs)
        results = {}
        for workers in (1, 2):
            batch = ["batch", str(configs), "-o", str(out / f"b{workers}"), "-j", str(workers)]
            results[workers], times, cpu = median_of(args.runs, batch, ROOT)
            print(f"batch of {args.configs} generated configs, -j{workers}: "
                  f"{results[workers]:.2f} s wall, {cpu:.2f} s CPU "
                  f"(runs {', '.join(f'{t:.2f}' for t in times)})")
        print(f"speed-up -j2 over -j1: {results[1] / results[2]:.2f}x")


if __name__ == "__main__":
    main()
