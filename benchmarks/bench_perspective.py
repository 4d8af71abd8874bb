"""The perspective style: its cost against the flat style and against the painter before
anti-aliasing, its gallery's time and bytes, and its share of blended pixels (medians).

(a) CPU ms per slide frame, flat and perspective, both drawn into the same box (``size``), for a
    padded strided conv, a transposed gather and a max pool with values; target: ratio <= 2;
(b) ``convanim gallery configs/perspective -j 2`` as a fresh process, seconds (wall, and CPU
    with its workers), beside the same gallery drawn by ``--against``; target <= 5 s;
(c) the total bytes of those 19 GIFs, against the same gallery drawn by the painter before
    anti-aliasing (``--against``); target <= 1.2x (and <= 4.09 MB, the reference GIFs');
(d) painter ms per frame at the default size against ``--against`` (the last commit before
    anti-aliasing), both trees in their own child process, CPU time of the painting thread
    (a busy shared machine stretches wall time, not CPU time): the median slide frame and
    the mean over all frames, warm (process caches filled by an earlier figure, as in a
    gallery or batch) and cold (caches emptied before each figure, as in a fresh
    ``convanim render``); target <= 1.5x;
(e) whole processes, ``convanim render configs/conv_arithmetic/padding_strides.yaml`` flat
    and ``--style perspective``, interleaved with the floor ``python -c "import numpy,
    PIL.Image"``: wall and CPU (user + system) medians; target perspective <= 2x flat;
(f) the share of blended pixels of ``render -i 5 -k 3 --no-values --style perspective``
    (the measure of ``tests/test_antialias.py``); target >= 15%.

    python benchmarks/bench_perspective.py [--runs 5] [--against 5bdac5a]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from convanim.draw import Renderer, RenderOptions, render  # noqa: E402
from convanim.geometry import Spec, plan  # noqa: E402
from tests.test_antialias import blend_share, pure_colours  # noqa: E402

CASES = {
    "conv i=5 k=3 s=2 p=1": (Spec(i=5, k=3, s=2, p=1), {"values": False}),
    "transposed i=3 k=3 s=2 p=1": (Spec(i=3, k=3, s=2, p=1, mode="transposed"),
                                   {"values": False}),
    "maxpool i=5 k=3, values": (Spec(i=5, k=3, mode="maxpool"), {}),
}
BOX = "480x400"
BEFORE_AA = "5bdac5a"  # the parent of ced9200, which anti-aliased the perspective style

# Run in a child with a source tree first on sys.path: painter ms per frame at the default
# size, {"case": [slide median, all-frame mean]}; "cold" empties the process caches (any
# functools cache of the perspective modules) before each figure.
PAINTER_CHILD = """
import functools, json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from convanim.draw import Renderer, RenderOptions
from convanim.geometry import Spec, plan
import convanim.draw.perspective_paint as paint
modules = [paint] + [sys.modules[m] for m in ("convanim.draw.perspective_cells",)
                     if m in sys.modules]
caches = [f for m in modules for f in vars(m).values()
          if isinstance(f, functools._lru_cache_wrapper)]
cases, runs, cold = json.loads(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "cold"
out = {}
for name, (spec, options) in cases.items():
    p = plan(Spec(**spec))
    slides = {n for n, f in enumerate(p.frames) if f.phase == "slide"}
    medians, means = [], []
    for run in range(runs + 1):
        if cold:
            for f in caches:
                f.cache_clear()
        r = Renderer(p, RenderOptions(style="perspective", **options))
        painter = r.layout.painter(r.scene)
        times = []
        for n in range(len(p.frames)):
            start = time.thread_time()
            painter.paint(n)
            times.append((time.thread_time() - start) * 1000)
        if run:  # the first figure only fills the caches (and byte code)
            medians.append(statistics.median(t for n, t in enumerate(times) if n in slides))
            means.append(statistics.mean(times))
    out[name] = [statistics.median(medians), statistics.median(means)]
print(json.dumps(out))
"""
DEFAULT_CASES = {
    "conv i=5 k=3 s=2 p=1, no values": ({"i": 5, "k": 3, "s": 2, "p": 1}, {"values": False}),
    "transposed i=3 k=3 s=2 p=1": ({"i": 3, "k": 3, "s": 2, "p": 1, "mode": "transposed"}, {}),
    "conv i=6 k=3 p=1, values": ({"i": 6, "k": 3, "p": 1}, {}),
    "maxpool i=5 k=3, values": ({"i": 5, "k": 3, "mode": "maxpool"}, {}),
}


def per_frame(spec: Spec, runs: int, **options: object) -> float:
    """Median CPU ms to paint one slide frame (warm process, after one untimed run)."""
    p = plan(spec)
    slides = {n for n, f in enumerate(p.frames) if f.phase == "slide"}
    medians = []
    for _ in range(runs + 1):
        renderer = Renderer(p, RenderOptions(**options))
        painter = renderer.layout.painter(renderer.scene)
        run = []
        for n in range(len(p.frames)):
            start = time.thread_time()
            painter.paint(n)
            if n in slides:
                run.append((time.thread_time() - start) * 1000)
        medians.append(statistics.median(run))
    return statistics.median(medians[1:])


def export(commit: str, into: Path) -> Path:
    """The source tree of ``commit`` (``git archive``) under ``into``."""
    tree = into / commit
    tree.mkdir()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def painter_ms(tree: Path, runs: int, mode: str) -> dict[str, list[float]]:
    """:data:`PAINTER_CHILD` on ``tree``: {case: [slide median, all-frame mean]} in ms."""
    out = subprocess.run([sys.executable, "-c", PAINTER_CHILD, str(tree),
                          json.dumps(DEFAULT_CASES), str(runs), mode], check=True,
                         capture_output=True, text=True, cwd=tree).stdout
    return json.loads(out)


def gallery_bytes(tree: Path, out: Path) -> tuple[int, int]:
    """(GIFs, total bytes) of ``gallery configs/perspective`` drawn by ``tree``."""
    cli = [sys.executable, "-m", "convanim.cli", "gallery", "configs/perspective", "-o",
           str(out), "-j", "2"]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run(cli, cwd=tree, check=True, capture_output=True, env=env)
    gifs = sorted(out.rglob("*.gif"))
    return len(gifs), sum(p.stat().st_size for p in gifs)


def child(argv: list[str], tree: Path = ROOT) -> tuple[float, float]:
    """Wall and CPU (user + system, its workers included) seconds of one child process
    running ``tree``'s convanim."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=tree, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(tree)})
    _, status, usage = os.wait4(proc.pid, 0)
    if status:
        raise SystemExit(f"{argv} failed")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--against", default=BEFORE_AA,
                        help="the commit to compare the painter with (default: %(default)s)")
    args = parser.parse_args()
    for name, (spec, options) in CASES.items():
        flat = per_frame(spec, args.runs, size=BOX, **options)
        persp = per_frame(spec, args.runs, size=BOX, style="perspective", **options)
        print(f"(a) {name:28} at {BOX}: flat {flat:.2f} ms/frame, perspective {persp:.2f} "
              f"ms/frame, ratio {persp / flat:.2f} (<= 2)")
    with tempfile.TemporaryDirectory() as tmp:
        before = export(args.against, Path(tmp))
        count, now = gallery_bytes(ROOT, Path(tmp) / "now")  # also fills the caches
        _, was = gallery_bytes(before, Path(tmp) / "before")
        runs: dict[str, list[tuple[float, float]]] = {"now": [], "before": []}
        for _ in range(args.runs):
            for name, tree in (("now", ROOT), ("before", before)):
                runs[name].append(child(
                    [sys.executable, "-m", "convanim.cli", "gallery", "configs/perspective",
                     "-o", str(Path(tmp) / name), "-j", "2"], tree))
        wall = {n: statistics.median(w for w, _ in t) for n, t in runs.items()}
        cpu = {n: statistics.median(c for _, c in t) for n, t in runs.items()}
        print(f"(b) gallery configs/perspective -j 2 ({count} GIFs): median {wall['now']:.2f} s "
              f"wall, {cpu['now']:.2f} s CPU (<= 5 s); before anti-aliasing "
              f"{wall['before']:.2f} s wall, {cpu['before']:.2f} s CPU")
        print(f"(c) their total: {now / 1e6:.2f} MB; before anti-aliasing ({args.against}) "
              f"{was / 1e6:.2f} MB: {now / was:.2f}x (<= 1.2)")
        for mode in ("warm", "cold"):
            ours, theirs = painter_ms(ROOT, args.runs, mode), painter_ms(before, args.runs, mode)
            for name, (slide, mean) in ours.items():
                s0, m0 = theirs[name]
                print(f"(d) {mode} {name:32}: slide {slide:.2f} ms ({s0:.2f} before, "
                      f"{slide / s0:.2f}x), all frames {mean:.2f} ms ({m0:.2f} before, "
                      f"{mean / m0:.2f}x) (<= 1.5)")
    base = [sys.executable, "-m", "convanim.cli", "render",
            "configs/conv_arithmetic/padding_strides.yaml", "-q"]
    with tempfile.TemporaryDirectory() as tmp:
        procs = {"floor": [sys.executable, "-c", "import numpy, PIL.Image"],
                 "flat": [*base, "-o", f"{tmp}/flat.gif"],
                 "perspective": [*base, "--style", "perspective", "-o", f"{tmp}/p.gif"]}
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in procs}
        for argv in procs.values():
            child(argv)  # byte code and caches, as after a user's first run
        for _ in range(args.runs):
            for name, argv in procs.items():
                times[name].append(child(argv))
    wall = {n: statistics.median(w for w, _ in t) for n, t in times.items()}
    cpu = {n: statistics.median(c for _, c in t) for n, t in times.items()}
    print(f"(e) padding_strides whole process: flat {wall['flat']:.3f} s wall / "
          f"{cpu['flat']:.3f} s CPU, perspective {wall['perspective']:.3f} / "
          f"{cpu['perspective']:.3f}, floor {wall['floor']:.3f} / {cpu['floor']:.3f}: "
          f"perspective/flat {wall['perspective'] / wall['flat']:.2f} wall, "
          f"{cpu['perspective'] / cpu['flat']:.2f} CPU (<= 2)")
    with tempfile.TemporaryDirectory() as tmp:
        out = render({"i": 5, "k": 3}, Path(tmp) / "p.gif", style="perspective", values=False)
        gif = Image.open(io.BytesIO(out.read_bytes()))
        shares = []
        for index in range(1, gif.n_frames):
            gif.seek(index)
            shares.append(blend_share(np.asarray(gif.convert("RGB")), pure_colours("light")))
    print(f"(f) blended pixels, -i 5 -k 3 --no-values --style perspective: median "
          f"{100 * statistics.median(shares):.1f}% (>= 15%)")


if __name__ == "__main__":
    main()
