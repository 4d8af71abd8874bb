"""Per-frame encode time of each output format for 400x300 drawings (median of 5 runs).

Frames are drawn once up front (flat fills, outlines, antialiased text, a moving highlight, as
in a real convolution animation), so only the writers are timed: open, append every frame,
close (which includes WebP's whole encode and MP4's ffmpeg wait). Each frame lasts 100 ms, so
MP4 sends it as 5 video frames at 50 fps.

    python benchmarks/bench_writers.py [--frames 120] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

# Runs from a plain checkout, without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from convanim.writers import open_writer

WIDTH, HEIGHT = 400, 300
THEME = [(250, 250, 245), (20, 20, 20), (220, 60, 40), (200, 220, 240), (40, 40, 60)]
TARGETS = {"gif": "a.gif", "apng": "a.png", "webp": "a.webp", "mp4": "a.mp4", "frames": "a/"}


def draw_frames(count: int) -> list[np.ndarray]:
    frames = []
    for i in range(count):
        im = Image.new("RGB", (WIDTH, HEIGHT), THEME[0])
        draw = ImageDraw.Draw(im)
        for r in range(6):
            for c in range(6):
                x, y = 20 + c * 32, 20 + r * 32
                draw.rectangle([x, y, x + 28, y + 28], fill=THEME[3], outline=THEME[4])
                draw.text((x + 8, y + 8), str((r * 6 + c) % 10), fill=THEME[1])
        x, y = 20 + (i % 4) * 32, 20 + (i // 4 % 4) * 32
        draw.rectangle([x - 2, y - 2, x + 94, y + 94], outline=THEME[2], width=3)
        draw.text((240, 40 + (i % 4) * 32), f"out[{i % 4}] = {i * 7 % 97}", fill=THEME[1])
        draw.text((20, 250), f"step {i}", fill=THEME[1], font_size=20)
        frames.append(np.asarray(im))
    return frames


def time_format(path: str, frames: list[np.ndarray]) -> float:
    """Milliseconds per frame for one complete write."""
    start = time.perf_counter()
    with open_writer(path, palette=THEME) as writer:
        for rgb in frames:
            writer.append(rgb, 100)
    return (time.perf_counter() - start) * 1000 / len(frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    frames = draw_frames(args.frames)
    print(f"{args.frames} frames of {WIDTH}x{HEIGHT}, 100 ms each, median of {args.runs} runs")
    print(f"{'format':8} {'ms/frame':>9} {'min':>7} {'max':>7} {'bytes/frame':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, name in TARGETS.items():
            path = os.path.join(tmp, name)
            times = [time_format(path, frames) for _ in range(args.runs)]
            if os.path.isdir(path):
                size = sum(e.stat().st_size for e in os.scandir(path))
            else:
                size = os.path.getsize(path)
            print(
                f"{fmt:8} {statistics.median(times):9.2f} {min(times):7.2f} {max(times):7.2f}"
                f" {size // args.frames:12d}"
            )


if __name__ == "__main__":
    main()
