"""The performance figures of issue 16, side by side with the numbers committed in baseline.json.

Every whole-process case is a fresh ``python -m convanim.cli ...`` run, interleaved round-robin
with the floor ``python -c "import numpy, PIL.Image"``, so a busy neighbour slows both alike
and the ratio to the floor stays meaningful on a shared machine. Each case runs once untimed
first (byte-code and glyph caches filled, as after a user's first run). Warm cases time
renders in one child process after a first, untimed render. Figures are medians of
``--runs`` runs.

Children cache byte code (in a temporary ``PYTHONPYCACHEPREFIX``) even when the environment
sets ``PYTHONDONTWRITEBYTECODE``, as an installed package always has: otherwise every run
would recompile convanim's own modules (~60 ms) while numpy and Pillow have their .pyc
files. ``--no-bytecode`` measures the environment as it is.

    python benchmarks/run.py                 # measure and print, with the bars
    python benchmarks/run.py --compare       # ... and the ratio to benchmarks/baseline.json
    python benchmarks/run.py --save          # measure and write benchmarks/baseline.json
    python benchmarks/run.py --only default,version --runs 9
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "benchmarks" / "baseline.json"
CLI = [sys.executable, "-m", "convanim.cli"]
FLOOR = [sys.executable, "-c", "import numpy, PIL.Image"]

# name -> (command after `convanim`, unit); {out} is a scratch folder.
PROCESS_CASES: dict[str, list[str]] = {
    "version": ["--version"],
    "shape": ["shape", "-m", "transposed", "-i", "16", "-k", "4", "-s", "2", "-p", "1"],
    "default": ["render", "-o", "{out}/default.gif"],
    "default_webp": ["render", "-o", "{out}/default.webp"],
    "config": ["render", "configs/seeds/four_steps.yaml", "-o", "{out}/four_steps.gif"],
    "gallery_j2": ["gallery", "configs", "-o", "{out}/gallery", "-j", "2"],
    # The 36 figures the gallery had when issue 16 set its bar (sections added since by
    # other issues are measured in gallery_j2 and their own cases).
    "gallery36_j2": ["gallery", "configs/conv_arithmetic", "configs/seeds", "configs/showcase",
                     "-o", "{out}/gallery36", "-j", "2"],
    "cs231n": ["render", "configs/channels/cs231n_conv.yaml", "-o", "{out}/cs231n.gif"],
    "gallery_perspective_j2": ["gallery", "configs/perspective", "-o", "{out}/persp", "-j", "2"],
    "conv_i40": ["render", "-i", "40", "-k", "3", "-p", "1", "-o", "{out}/i40.gif"],
}
# Cases too slow to repeat many times: at most this many runs.
SLOW = {"conv_i40": 3}

# name -> (spec, render options, timed renders): milliseconds per frame in a warm process.
WARM_CASES: dict[str, tuple[dict, dict, int]] = {
    "frame_444x401": ({"i": 3, "k": 3, "s": 2, "p": 1, "mode": "transposed"}, {}, 10),
    "frame_948x627": ({"i": 24, "k": 3, "p": 1}, {}, 2),
    "frame_scatter": ({"i": 3, "k": 3, "s": 2, "p": 1, "mode": "transposed",
                       "view": "scatter"}, {}, 5),
    "frame_maxpool": ({"i": 8, "k": 2, "mode": "maxpool"}, {"theme": "print"}, 5),
    # The same figure in both styles in one box: the perspective style's bar is 2x flat.
    "frame_flat_480x400": ({"i": 5, "k": 3, "s": 2, "p": 1}, {"size": "480x400"}, 10),
    "frame_perspective": ({"i": 5, "k": 3, "s": 2, "p": 1},
                          {"size": "480x400", "style": "perspective"}, 10),
    # A channel stack (issue 11) against the same layer on one channel at its pixel size.
    "frame_cs231n": ({"i": 5, "k": 3, "s": 2, "p": 1, "in_channels": 3, "out_channels": 2,
                      "bias": True}, {}, 10),
    "frame_cs231n_1ch": ({"i": 5, "k": 3, "s": 2, "p": 1, "bias": True}, {"size": "762x363"},
                         10),
}
WARM_CHILD = """
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from convanim.draw import render
from convanim.geometry import Spec, frame_count
spec, options = json.loads(sys.argv[2]), json.loads(sys.argv[3])
runs, path = int(sys.argv[4]), sys.argv[5]
render(spec, path, **options)
times = []
for _ in range(runs):
    start = time.perf_counter()
    render(spec, path, **options)
    times.append(time.perf_counter() - start)
frames = frame_count(Spec.from_dict(spec))
print(json.dumps({"ms_per_frame": statistics.median(times) * 1000 / frames}))
"""

# The bars: name -> (limit, what is limited).
BARS = {
    "default": (2.3, "x floor"),
    "frame_444x401": (6.0, "ms/frame"),
    "frame_948x627": (8.0, "ms/frame"),
    "conv_i40": (20.0, "s"),
    "conv_i40.rss": (200.0, "MB"),
    "gallery36_j2": (2.0, "s"),
    "cs231n": (1.5, "s"),
    "gallery_perspective_j2": (5.0, "s"),
}


def run_process(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env=env)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    err = child.stderr.read().decode() if child.stderr else ""
    if child.stderr:
        child.stderr.close()
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({child.returncode}): {err.strip()}")
    return wall, usage.ru_maxrss / 1024


def measure(names: list[str], runs: int, bytecode: bool = True) -> dict[str, dict[str, float]]:
    """Median wall time (and peak RSS) of each case, the floor and its ratio to the floor."""
    walls: dict[str, list[float]] = {name: [] for name in ["floor", *names]}
    rss: dict[str, list[float]] = {name: [] for name in walls}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        if bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pycache")
        for k in range(-1, runs):
            for name in walls:
                if name in WARM_CASES or k >= SLOW.get(name, runs) or (k < 0 and name in SLOW):
                    continue
                argv = FLOOR if name == "floor" else \
                    CLI + [a.replace("{out}", tmp) for a in PROCESS_CASES[name]]
                wall, peak = run_process(argv, ROOT, env)
                if k >= 0:  # run -1 only fills the caches
                    walls[name].append(wall)
                    rss[name].append(peak)
        results: dict[str, dict[str, float]] = {}
        floor = statistics.median(walls["floor"])
        for name in walls:
            if name in WARM_CASES:
                spec, options, count = WARM_CASES[name]
                per = []
                for _ in range(max(1, min(runs, 5) // 2)):
                    out = subprocess.run(
                        [sys.executable, "-c", WARM_CHILD, str(ROOT), json.dumps(spec),
                         json.dumps(options), str(count), os.path.join(tmp, "warm.gif")],
                        check=True, capture_output=True, text=True, env=env)
                    per.append(json.loads(out.stdout)["ms_per_frame"])
                results[name] = {"ms_per_frame": round(statistics.median(per), 2)}
                continue
            median = statistics.median(walls[name])
            results[name] = {"seconds": round(median, 3), "x_floor": round(median / floor, 2),
                             "rss_mb": round(statistics.median(rss[name]), 1),
                             "runs": len(walls[name])}
    return results


def value(results: dict[str, dict[str, float]], bar: str) -> float | None:
    name, _, field = bar.partition(".")
    entry = results.get(name)
    if entry is None:
        return None
    if field == "rss":
        return entry["rss_mb"]
    if "ms_per_frame" in entry:
        return entry["ms_per_frame"]
    return entry["x_floor"] if BARS[bar][1] == "x floor" else entry["seconds"]


def report(results: dict[str, dict[str, float]], baseline: dict | None) -> None:
    old = (baseline or {}).get("results", {})
    print(f"{'case':16} {'median':>10} {'x floor':>8} {'peak MB':>8}"
          + (f" {'baseline':>10} {'new/old':>8} {'(floor-normalised)':>18}" if old else ""))
    for name, entry in results.items():
        if "ms_per_frame" in entry:
            line = f"{name:16} {entry['ms_per_frame']:7.2f} ms {'':>8} {'':>8}"
            if name in old:
                was = old[name]["ms_per_frame"]
                line += f" {was:7.2f} ms {entry['ms_per_frame'] / was:8.2f}"
        else:
            line = (f"{name:16} {entry['seconds']:8.3f} s {entry['x_floor']:8.2f} "
                    f"{entry['rss_mb']:8.0f}")
            if name in old:
                was = old[name]
                line += (f" {was['seconds']:8.3f} s {entry['seconds'] / was['seconds']:8.2f}"
                         f" {entry['x_floor'] / was['x_floor']:18.2f}")
        print(line)
    print()
    for bar, (limit, unit) in BARS.items():
        got = value(results, bar)
        if got is not None:
            verdict = "ok" if got <= limit else "OVER"
            print(f"bar {bar:14} {got:8.2f} {unit:8} <= {limit:g}: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", help="comma-separated case names [all]")
    parser.add_argument("--compare", action="store_true", help="show ratios to baseline.json")
    parser.add_argument("--save", action="store_true", help="write baseline.json")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="keep PYTHONDONTWRITEBYTECODE as the environment sets it")
    args = parser.parse_args()
    names = [*PROCESS_CASES, *WARM_CASES]
    if args.only:
        names = [n for n in args.only.split(",") if n]
        unknown = [n for n in names if n not in PROCESS_CASES and n not in WARM_CASES]
        if unknown:
            raise SystemExit(f"unknown case(s) {unknown}; choose from {list(PROCESS_CASES)}"
                             f" {list(WARM_CASES)}")
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, median of {args.runs} runs"
          f" (load average {os.getloadavg()[0]:.2f} before), byte code "
          f"{'as the environment says' if args.no_bytecode else 'cached'}")
    results = measure(names, args.runs, bytecode=not args.no_bytecode)
    baseline = json.loads(BASELINE.read_text()) if args.compare and BASELINE.exists() else None
    report(results, baseline)
    if args.save:
        saved = json.loads(BASELINE.read_text()) if BASELINE.exists() else {"results": {}}
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip()
        saved["results"].update(results)
        saved.update({"commit": commit, "runs": args.runs, "cores": os.cpu_count(),
                      "python": sys.version.split()[0]})
        BASELINE.write_text(json.dumps(saved, indent=1, sort_keys=True) + "\n")
        print(f"wrote {BASELINE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
