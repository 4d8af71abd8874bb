"""Raster text: the hand-written glyph atlas (before issue 25) beside Pillow's ImageFont (now).

The atlas version is convanim as of commit ``b01efe7`` (``git archive`` into a scratch folder,
its disk cache warmed first, as after a user's first run); the ImageFont version is this
checkout. Both are measured the same way, in fresh processes, interleaved round-robin so a
busy neighbour slows both alike (medians of ``--runs``):

- µs per new string (``Font.render`` of distinct captions and formulas at 9 pt, 100 dpi;
  nothing cached) and per cached string;
- start-up: ms to import ``convanim.draw.text`` and open the default render's fonts, after
  numpy and Pillow are imported;
- the whole default ``convanim render`` process, and its ratio to the floor
  ``python -c "import numpy, PIL.Image"`` (bar: <= 2.3x);
- ms per frame of the default figure in a warm process (bar: within 10% of the atlas).

    python benchmarks/bench_text.py [--runs 9] [--markdown]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "b01efe7"
FLOOR = [sys.executable, "-c", "import numpy, PIL.Image"]

CHILD = r"""
import json, sys, time
import numpy, PIL.Image
start = time.perf_counter()
from convanim.draw.text import get_font
fonts = [get_font(s, 100, bold=b) for s, b in ((12.0, True), (9.0, False), (8.0, True),
                                               (8.5, False), (8.0, False))]
opened = time.perf_counter() - start
font = get_font(9.0, 100)
strings = [f"{a}×{b} + {b}×{a} + {a + b}×3 = {a * b}" for a in range(40) for b in range(10)]
strings += [f"{n}. slide the 3×3 kernel, rotated 180°, with stride {n % 4}" for n in range(100)]
start = time.perf_counter()
for s in strings:
    font.render(s)
new = (time.perf_counter() - start) / len(strings)
start = time.perf_counter()
for _ in range(5):
    for s in strings:
        font.render(s)
cached = (time.perf_counter() - start) / len(strings) / 5
from convanim.draw import render
render({"i": 3, "k": 3, "s": 2, "p": 1, "mode": "transposed"}, sys.argv[1])
frames = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    render({"i": 3, "k": 3, "s": 2, "p": 1, "mode": "transposed"}, sys.argv[1])
    frames.append(time.perf_counter() - start)
print(json.dumps({"new_us": new * 1e6, "cached_us": cached * 1e6, "open_ms": opened * 1e3,
                  "frame_ms": sorted(frames)[len(frames) // 2] * 1e3 / 29}))
"""


def export_before(folder: Path) -> Path:
    """convanim as of BEFORE (the atlas), unpacked into ``folder``."""
    data = subprocess.run(["git", "archive", BEFORE, "convanim"], cwd=ROOT, check=True,
                          capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def wall(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        base["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
        trees = {"atlas": export_before(scratch / "before"), "imagefont": ROOT}
        envs = {name: {**base, "PYTHONPATH": str(tree),
                       "CONVANIM_CACHE_DIR": str(scratch / "cache" / name)}
                for name, tree in trees.items()}
        walls: dict[str, list[float]] = {"floor": [], "atlas": [], "imagefont": []}
        child: dict[str, list[dict[str, float]]] = {"atlas": [], "imagefont": []}
        for k in range(-1, args.runs):  # run -1 fills byte-code and glyph caches
            times = {"floor": wall(FLOOR, base, scratch)}
            for name, env in envs.items():
                out = str(scratch / f"{name}.gif")
                times[name] = wall([sys.executable, "-m", "convanim.cli", "render", "-o", out],
                                   env, scratch)
                done = subprocess.run([sys.executable, "-c", CHILD, out, "5"], env=env,
                                      cwd=scratch, check=True, capture_output=True, text=True)
                if k >= 0:
                    child[name].append(json.loads(done.stdout))
            if k >= 0:
                for name, value in times.items():
                    walls[name].append(value)
    floor = statistics.median(walls["floor"])
    rows = []
    for name in ("atlas", "imagefont"):
        stats = {key: statistics.median(r[key] for r in child[name]) for key in child[name][0]}
        whole = statistics.median(walls[name])
        rows.append((name, stats["new_us"], stats["cached_us"], stats["open_ms"],
                     whole * 1e3, whole / floor, stats["frame_ms"]))
    head = ("| text | µs/new string | µs/cached string | import + open fonts ms | "
            "default render ms | x floor | ms/frame |")
    print(f"floor (import numpy, PIL.Image): {floor * 1e3:.0f} ms, median of {args.runs}")
    if args.markdown:
        print(head)
        print("|---|---|---|---|---|---|---|")
    for name, new, cached, opened, whole, ratio, frame in rows:
        if args.markdown:
            print(f"| {name} | {new:.0f} | {cached:.1f} | {opened:.1f} | {whole:.0f} | "
                  f"{ratio:.2f} | {frame:.2f} |")
        else:
            print(f"{name:10} new {new:6.0f} µs  cached {cached:5.1f} µs  open {opened:5.1f} ms"
                  f"  render {whole * 1:6.0f} ms ({ratio:.2f}x floor)  {frame:.2f} ms/frame")


if __name__ == "__main__":
    main()
