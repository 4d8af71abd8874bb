"""MP4 and APNG of the default animation are no larger than its GIF, and keep its timing."""

from __future__ import annotations

import struct
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from convanim.draw import render
from convanim.writers import read_animation

DEFAULT = {"i": 3, "k": 3, "s": 2, "p": 1, "mode": "transposed"}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bytes")
    return {fmt: render(DEFAULT, folder / f"a.{fmt}") for fmt in ("gif", "mp4", "png")}


@pytest.mark.parametrize("fmt", ["mp4", "png"])
def test_no_larger_than_the_gif(files: dict[str, Path], fmt: str) -> None:
    assert files[fmt].stat().st_size <= files["gif"].stat().st_size


def test_mp4_runs_at_the_gcd_of_the_durations(files: dict[str, Path]) -> None:
    reader = imageio_ffmpeg.read_frames(str(files["mp4"]))
    meta = next(reader)
    count = sum(1 for _ in reader)
    # 1000 ms slides (numbers shown: time to read) and 1500 ms holds: 2 fps;
    # 25 slides of 2 ticks + 4 holds of 3 ticks each.
    assert meta["fps"] == pytest.approx(2)
    assert count == 25 * 2 + 4 * 3
    _, gif_ms = read_animation(files["gif"])
    assert sum(gif_ms) == count * 500


def test_apng_shows_the_gif_pixels_with_changed_regions(files: dict[str, Path]) -> None:
    gif, gif_ms = read_animation(files["gif"])
    apng, apng_ms = read_animation(files["png"])
    assert gif_ms == apng_ms
    assert all(np.array_equal(a, b) for a, b in zip(gif, apng, strict=True))
    data = files["png"].read_bytes()
    # Every frame after the first stores only a rectangle smaller than the image.
    width, height = struct.unpack(">II", data[16:24])
    at, sizes = 8, []
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"fcTL":
            sizes.append(struct.unpack(">II", data[at + 12:at + 20]))
        at += 12 + length
    assert sizes[0] == (width, height)
    assert all(w * h < width * height for w, h in sizes[1:])
