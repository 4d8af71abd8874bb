"""``convanim model``: the table of a ResNet-50-sized model in under 3 s (issue 27).

The model is built here in plain PyTorch (tests/model_nets.py: ResNet-50's layers, 25.6 M
parameters; no torchvision, no download). Two figures, medians of 5 runs:

- ``from_module``: the Python call (tracing, running on zeros, the table),
- ``convanim model``: the whole command in a fresh process (Python, torch's import, loading
  the file), against the 3 s bar.

Run: python benchmarks/bench_model.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BAR_SECONDS = 3.0
SOURCE = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from tests.model_nets import resnet50
"""


def median(times: list[float]) -> float:
    """The median, in seconds."""
    return statistics.median(times)


def api_seconds(runs: int = 5) -> tuple[float, int]:
    """Median time of ``from_module(resnet50(), (3, 224, 224))`` and its row count."""
    from convanim import from_module
    from tests.model_nets import resnet50

    model = resnet50()
    times, rows = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        table = from_module(model, (3, 224, 224))
        times.append(time.perf_counter() - start)
        rows = len(table.rows)
    assert table.params == sum(p.numel() for p in model.parameters()) == 25_557_032
    return median(times), rows


def command_seconds(runs: int = 5) -> float:
    """Median wall time of ``convanim model net.py:resnet50 --input 3,224,224``."""
    folder = Path(tempfile.mkdtemp())
    (folder / "net.py").write_text(SOURCE)
    cmd = [sys.executable, "-m", "convanim.cli", "model", "net.py:resnet50", "--input",
           "3,224,224"]
    subprocess.run(cmd, cwd=folder, check=True, capture_output=True)  # caches warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=folder, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return median(times)


if __name__ == "__main__":
    seconds, rows = api_seconds()
    print(f"{seconds:6.2f} s  from_module(ResNet-50, 3x224x224): {rows} rows")
    whole = command_seconds()
    verdict = "meets" if whole < BAR_SECONDS else "MISSES"
    print(f"{whole:6.2f} s  convanim model net.py:resnet50 --input 3,224,224 (fresh process; "
          f"{verdict} the {BAR_SECONDS:g} s bar)")
