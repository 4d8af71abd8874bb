"""The photo figure (issue 29): the default render as a whole process, and its GIF's size.

Bars: under 2 s as a whole process, under 1 MB as a GIF. Medians of fresh processes,
interleaved with the `import numpy, PIL.Image` floor (the machine is shared and noisy).

    python benchmarks/bench_photo.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONVANIM = [str(Path(sys.executable).parent / "convanim")]  # the installed command
CASES = {
    "default (sample:camera, Sobel x, 48x48)": ["--input-image", "sample:camera"],
    "RGB gaussian (sample:cat)": ["--input-image", "sample:cat", "--image-color", "rgb",
                                  "--kernel-values", "gaussian"],
    "max pool k2 (sample:coffee)": ["--input-image", "sample:coffee", "-m", "maxpool", "-k", "2"],
    "upsamplers side by side (configs/photo/upsamplers.yaml)": [
        "compare", "configs/photo/upsamplers.yaml"],
}


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    floor = [sys.executable, "-c", "import numpy, PIL.Image"]
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in CASES.items():
            out = Path(tmp) / "p.gif"
            base, times = [], []
            for _ in range(runs):
                base.append(timed(floor))
                command = args if args[0] == "compare" else ["render", *args]
                times.append(timed([*CONVANIM, *command, "-o", str(out)]))
            median = statistics.median(times)
            print(f"{name}: {median:.2f} s ({median / statistics.median(base):.1f}x floor), "
                  f"GIF {out.stat().st_size / 1000:.0f} KB")


if __name__ == "__main__":
    main()
