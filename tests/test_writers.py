"""Tests for convanim.writers: every format is decoded independently (Pillow, ffmpeg, raw bytes)."""

from __future__ import annotations

import doctest
import errno
import gc
import importlib
import json
import os
import stat
import struct
import tracemalloc
import zlib
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from convanim.writers import (
    SUFFIXES,
    WriteError,
    atomic_directory,
    atomic_output,
    format_for,
    open_writer,
    read_animation,
)
from convanim.writers import apng as apng_mod
from convanim.writers import gif as gif_mod
from convanim.writers import html as html_mod
from convanim.writers import mp4 as mp4_mod
from convanim.writers._base import Ticks, changed_box

BG = (255, 255, 255)
RED = (200, 30, 30)
BLUE = (30, 90, 200)
GREEN = (20, 160, 60)
THEME = [BG, RED, BLUE, GREEN]

# name -> file name; the frames directory is given with a trailing slash
TARGETS = {"gif": "a.gif", "apng": "a.png", "webp": "a.webp", "mp4": "a.mp4", "frames": "a/",
           "html": "a.html"}
LOSSLESS = ["gif", "apng", "webp", "frames", "html"]


def draw(i: int, width: int = 64, height: int = 48) -> np.ndarray:
    """Frame i: a fixed green block, a red block moving right, a blue block that blinks."""
    rgb = np.empty((height, width, 3), np.uint8)
    rgb[:] = BG
    rgb[30:44, 40:60] = GREEN
    x = 2 + 3 * i
    rgb[4:16, x : x + 10] = RED
    if i % 2:
        rgb[20:28, 4:12] = BLUE
    return rgb


def samples(i: int) -> dict[tuple[int, int], tuple[int, int, int]]:
    """(row, col) -> colour at points well inside each block of frame i."""
    return {
        (37, 50): GREEN,
        (10, 2 + 3 * i + 5): RED,
        (24, 8): BLUE if i % 2 else BG,
        (2, 62): BG,
    }


def write(path: Path, frames: list[np.ndarray], durations: list[int], **kw) -> None:
    with open_writer(path, **kw) as w:
        for rgb, ms in zip(frames, durations, strict=True):
            w.append(rgb, ms)


def target(tmp_path: Path, fmt: str) -> Path:
    return tmp_path / TARGETS[fmt]


def decode_pillow(path: Path) -> tuple[list[np.ndarray], list[float], dict]:
    frames, durations = [], []
    with Image.open(path) as im:
        info = dict(im.info)
        for index in range(getattr(im, "n_frames", 1)):
            im.seek(index)
            im.load()
            frames.append(np.asarray(im.convert("RGB")))
            durations.append(im.info.get("duration"))
    return frames, durations, info


def gif_structure(data: bytes) -> dict:
    """Walk the GIF blocks: canvas, NETSCAPE loop count, each frame's rectangle and delay."""
    assert data[:6] == b"GIF89a"
    width, height, packed = struct.unpack("<HHB", data[6:11])
    pos = 13 + (3 * (2 << (packed & 7)) if packed & 0x80 else 0)
    loop, delay, disposal, frames = None, None, None, []

    def sub_blocks(pos: int) -> tuple[list[bytes], int]:
        blocks = []
        while data[pos]:
            blocks.append(data[pos + 1 : pos + 1 + data[pos]])
            pos += data[pos] + 1
        return blocks, pos + 1

    while data[pos] != 0x3B:
        if data[pos] == 0x21:
            label = data[pos + 1]
            blocks, pos = sub_blocks(pos + 2)
            if label == 0xF9:
                disposal = (blocks[0][0] >> 2) & 7
                delay = struct.unpack("<H", blocks[0][1:3])[0]
            elif label == 0xFF and blocks[0] == b"NETSCAPE2.0":
                loop = struct.unpack("<H", blocks[1][1:3])[0]
        else:
            assert data[pos] == 0x2C
            x, y, w, h, flags = struct.unpack("<HHHHB", data[pos + 1 : pos + 10])
            assert not flags & 0x80, "frames must share the global palette"
            _, pos = sub_blocks(pos + 11)
            frames.append({"box": (x, y, x + w, y + h), "delay": delay, "disposal": disposal})
    return {"size": (width, height), "loop": loop, "frames": frames}


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        pos += 12 + length
    return chunks


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` (hidden temp files included) with its bytes."""
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


def output_bytes(path: Path) -> dict[str, bytes] | bytes:
    return snapshot(path) if path.is_dir() else path.read_bytes()


# ---------------------------------------------------------------- format lookup


def test_format_for_suffixes_and_directories(tmp_path: Path) -> None:
    assert format_for("x/anim.GIF") == "gif"
    assert format_for(Path("anim.mp4")) == "mp4"
    assert format_for("anim.webp") == "webp"
    assert format_for("anim.png") == format_for("anim.apng") == "apng"
    assert format_for("out/frames/") == "frames"
    assert format_for("out/frames") == "frames"
    (tmp_path / "dir.gif").mkdir()
    assert format_for(tmp_path / "dir.gif") == "frames"
    assert format_for("page.HTML") == format_for("page.htm") == "html"
    assert format_for("deck.PPTX") == "pptx"
    assert set(SUFFIXES) == {".gif", ".mp4", ".webp", ".png", ".apng", ".html", ".htm", ".pptx"}


def test_unknown_suffix_lists_the_supported_ones(tmp_path: Path) -> None:
    with pytest.raises(WriteError) as info:
        open_writer(tmp_path / "anim.avi")
    message = str(info.value)
    assert "anim.avi" in message and "'.avi'" in message
    for suffix in SUFFIXES:
        assert suffix in message
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- lossless round trips


@pytest.mark.parametrize("fmt", LOSSLESS)
def test_lossless_formats_decode_to_the_drawn_frames(tmp_path: Path, fmt: str) -> None:
    frames = [draw(i) for i in range(8)]
    durations = [30, 40, 50, 60, 70, 80, 90, 1000]
    path = target(tmp_path, fmt)
    write(path, frames, durations, palette=THEME)
    if fmt == "frames":
        names = sorted(os.listdir(path))
        assert names == [".convanim-frames.json", "durations.json"] + [
                f"frame_{i:04d}.png" for i in range(8)]
        decoded = [np.asarray(Image.open(path / n).convert("RGB")) for n in names[2:]]
        got = json.loads((path / "durations.json").read_text())["durations_ms"]
    elif fmt == "html":
        # Decoded here as the player's script does; tests/test_player.py checks the browser.
        decoded, got = read_animation(path)
    else:
        decoded, got, _ = decode_pillow(path)
    assert len(decoded) == 8
    assert got == durations
    for i, rgb in enumerate(decoded):
        assert rgb.shape == (48, 64, 3)
        for (row, col), color in samples(i).items():
            assert tuple(rgb[row, col]) == color, (i, row, col)
        np.testing.assert_array_equal(rgb, frames[i])


@pytest.mark.parametrize("fmt", [*LOSSLESS, "mp4"])
def test_read_animation_round_trip(tmp_path: Path, fmt: str) -> None:
    frames = [draw(i) for i in range(5)]
    path = target(tmp_path, fmt)
    write(path, frames, [40, 60, 40, 60, 100])
    decoded, durations = read_animation(path)
    if fmt == "mp4":
        assert durations == [20] * 15
        assert decoded[0].shape == (48, 64, 3)
    else:
        assert durations == [40, 60, 40, 60, 100]
        for got, want in zip(decoded, frames, strict=True):
            np.testing.assert_array_equal(got, want)


# ---------------------------------------------------------------- GIF specifics


def test_gif_stores_changed_rectangles_with_one_global_palette(tmp_path: Path) -> None:
    path = tmp_path / "a.gif"
    frames = [draw(i) for i in range(4)] + [draw(3)]
    write(path, frames, [100] * 5, palette=THEME)
    gif = gif_structure(path.read_bytes())
    assert gif["size"] == (64, 48)
    boxes = [f["box"] for f in gif["frames"]]
    assert boxes[0] == (0, 0, 64, 48)
    # frame 1: red block moves 3 px right (cols 2..14 touched) and blue appears (rows 20..28)
    assert boxes[1] == (2, 4, 15, 28)
    # identical frame: a single repainted pixel
    assert boxes[4] == (0, 0, 1, 1)
    assert {f["disposal"] for f in gif["frames"]} == {1}
    np.testing.assert_array_equal(decode_pillow(path)[0][4], frames[4])


def test_gif_delays_round_without_drift_and_respect_browser_minimum(tmp_path: Path) -> None:
    path = tmp_path / "a.gif"
    write(path, [draw(i) for i in range(9)], [33] * 6 + [10, 10, 15])
    delays = [f["delay"] for f in gif_structure(path.read_bytes())["frames"]]
    # 6 x 33 ms = 198 ms -> 20 cs, spread as 3/4 cs; then frames below 20 ms stretch to 2 cs.
    assert delays[:6] == [3, 4, 3, 3, 4, 3]
    assert delays[6:] == [2, 2, 2]


def test_gif_palette_keeps_theme_colours_exact_with_more_than_256_colours(tmp_path: Path) -> None:
    rgb = np.empty((40, 256, 3), np.uint8)
    rgb[:] = np.arange(256, dtype=np.uint8)[None, :, None]  # 256 greys, equally common
    theme = [(12, 34, 56), (250, 1, 128)]
    rgb[30:, :4] = theme[0]
    rgb[30:, 4:8] = theme[1]
    path = tmp_path / "a.gif"
    write(path, [rgb, rgb[::-1].copy()], [100, 100], palette=theme)
    first, second = decode_pillow(path)[0]
    assert tuple(first[35, 1]) == theme[0] and tuple(first[35, 5]) == theme[1]
    assert tuple(second[2, 1]) == theme[0]
    # 258 colours in 255 entries (the last index is transparency): the theme is kept, three
    # greys share a neighbour's entry
    error = np.abs(first.astype(int) - rgb.astype(int)).max(axis=2)
    assert np.count_nonzero(error) == 3 * 30 and error.max() <= 2


def test_gif_colours_first_seen_in_later_frames_are_exact(tmp_path: Path) -> None:
    frames = [np.full((10, 10, 3), 255, np.uint8) for _ in range(3)]
    frames[1][2:5, 2:5] = RED
    frames[2][5:8, 5:8] = (17, 200, 99)
    path = tmp_path / "a.gif"
    write(path, frames, [100] * 3)  # no theme palette
    for got, want in zip(decode_pillow(path)[0], frames, strict=True):
        np.testing.assert_array_equal(got, want)


def test_gif_output_does_not_depend_on_pillow_palette_cache(tmp_path: Path) -> None:
    # Two palette colours 1 apart share one cell of Pillow's 6-bit palette cache; our table
    # must still map each exactly to itself.
    near = [(100, 100, 100), (101, 100, 100), (100, 101, 101)]
    rgb = np.zeros((6, 30, 3), np.uint8)
    for k, color in enumerate(near):
        rgb[:, 10 * k : 10 * k + 10] = color
    path = tmp_path / "a.gif"
    write(path, [rgb, rgb[:, ::-1].copy()], [100, 100], palette=near)
    for got, want in zip(decode_pillow(path)[0], [rgb, rgb[:, ::-1]], strict=True):
        np.testing.assert_array_equal(got, want)


# ---------------------------------------------------------------- APNG / WebP specifics


def test_apng_chunks_hold_changed_rectangles_and_frame_count(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    write(path, [draw(i) for i in range(3)], [100, 250, 70000])
    chunks = png_chunks(path.read_bytes())
    kinds = [k for k, _ in chunks]
    assert kinds[:5] == [b"IHDR", b"acTL", b"PLTE", b"tRNS", b"fcTL"] and kinds[-1] == b"IEND"
    assert struct.unpack(">II", chunks[1][1]) == (3, 0)
    fctl = [struct.unpack(">IIIIIHHBB", body) for kind, body in chunks if kind == b"fcTL"]
    # frame 1: red moves 3 px right, blue appears; frame 2: red moves on, blue disappears
    assert [(f[3], f[4], f[3] + f[1], f[4] + f[2]) for f in fctl] == [
        (0, 0, 64, 48),
        (2, 4, 15, 28),
        (4, 4, 18, 28),
    ]
    assert [f[5] / f[6] for f in fctl] == [0.1, 0.25, 70.0]


def test_webp_merges_identical_neighbours_keeping_total_time(tmp_path: Path) -> None:
    path = tmp_path / "a.webp"
    write(path, [draw(0), draw(0), draw(1)], [100, 100, 100])
    decoded, durations, _ = decode_pillow(path)
    assert durations == [200, 100]
    np.testing.assert_array_equal(decoded[1], draw(1))


@pytest.mark.parametrize("fmt", ["gif", "webp", "apng"])
@pytest.mark.parametrize("loop", [True, False])
def test_loop_flag_is_stored(tmp_path: Path, fmt: str, loop: bool) -> None:
    path = target(tmp_path, fmt)
    write(path, [draw(0), draw(1)], [100, 100], loop=loop)
    info = decode_pillow(path)[2]
    if fmt == "gif":
        # looping = NETSCAPE block with count 0; play once = no block at all
        assert gif_structure(path.read_bytes())["loop"] == (0 if loop else None)
        assert ("loop" in info) is loop
    else:
        # WebP ANIM / APNG acTL: 0 = forever, 1 = once
        assert info["loop"] == (0 if loop else 1)


# ---------------------------------------------------------------- MP4


def mp4_decode(path: Path) -> tuple[dict, list[np.ndarray]]:
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    width, height = meta["size"]
    return meta, [np.frombuffer(b, np.uint8).reshape(height, width, 3) for b in reader]


def test_mp4_timing_colours_and_browser_friendly_layout(tmp_path: Path) -> None:
    path = tmp_path / "a.mp4"
    durations = [40, 100, 60, 20, 200]
    frames = [draw(i) for i in range(5)]
    write(path, frames, durations)
    meta, decoded = mp4_decode(path)
    assert meta["fps"] == 50 and meta["codec"].startswith("h264")
    assert meta["pix_fmt"].startswith("yuv420p")
    assert len(decoded) == sum(durations) // 20
    shown = np.repeat(np.arange(5), [ms // 20 for ms in durations])
    for rgb, i in zip(decoded, shown, strict=True):
        # lossy: 4:2:0 chroma and x264 blur small blocks' edges, flat areas stay close
        for (row, col), color in samples(int(i)).items():
            assert np.abs(rgb[row, col].astype(int) - color).max() <= 20, (i, row, col)
        assert np.abs(rgb.astype(int) - frames[i]).mean() < 3
    data = path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # +faststart: playable while loading


def test_mp4_pads_odd_sizes_and_never_drops_the_last_frame(tmp_path: Path) -> None:
    path = tmp_path / "a.mp4"
    frames = [draw(i, width=63, height=47) for i in range(3)]
    frames[2][:, -1] = BLUE  # last column, to be repeated into the padding
    # 10 ms frames are shorter than the 20 ms tick: ends at 40, 50, 60 ms round to ticks
    # 2, 3, 3, so frame 1 gets one tick and frame 2 none; the last frame is added anyway.
    write(path, frames, [40, 10, 10])
    _, decoded = mp4_decode(path)
    assert decoded[0].shape == (48, 64, 3)
    assert len(decoded) == 4
    last = decoded[-1].astype(int)
    assert np.abs(last[24, 62:64] - BLUE).max() <= 20
    assert np.abs(last[10, 2 + 6 + 5] - RED).max() <= 20


def test_mp4_missing_ffmpeg_is_reported_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mp4_mod, "_ffmpeg_exe", lambda: str(tmp_path / "no-ffmpeg"))
    with (
        pytest.raises(WriteError, match="could not start ffmpeg"),
        open_writer(tmp_path / "a.mp4") as w,
    ):
        w.append(draw(0), 100)
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- determinism


@pytest.mark.parametrize("fmt", list(TARGETS))
def test_same_frames_give_identical_bytes(tmp_path: Path, fmt: str) -> None:
    frames = [draw(i) for i in range(6)]
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    results = []
    for base in (first, second):
        path = target(base, fmt)
        write(path, frames, [40, 60, 40, 60, 40, 80], palette=THEME)
        results.append(output_bytes(path))
    assert results[0] == results[1]
    assert results[0]  # not trivially equal


def test_different_frames_give_different_bytes(tmp_path: Path) -> None:
    # Guards the determinism test above against a writer that ignores its input.
    write(tmp_path / "a.gif", [draw(0), draw(1)], [100, 100])
    write(tmp_path / "b.gif", [draw(0), draw(2)], [100, 100])
    assert (tmp_path / "a.gif").read_bytes() != (tmp_path / "b.gif").read_bytes()


# ---------------------------------------------------------------- failures are atomic


def prepare_old(tmp_path: Path, fmt: str) -> tuple[Path, dict[str, bytes]]:
    path = target(tmp_path, fmt)
    write(path, [draw(5), draw(6)], [100, 100])
    return path, snapshot(tmp_path)


@pytest.mark.parametrize("fmt", list(TARGETS))
@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_exception_in_with_block_leaves_old_output_and_no_temp(
    tmp_path: Path, fmt: str, error: type[BaseException]
) -> None:
    path, before = prepare_old(tmp_path, fmt)
    with pytest.raises(error), open_writer(path) as w:
        for i in range(3):
            w.append(draw(i), 50)
        raise error("stop")
    assert snapshot(tmp_path) == before
    assert sorted(os.listdir(tmp_path)) == [path.name]
    if fmt == "mp4":
        assert w._proc is not None and w._proc.poll() is not None  # ffmpeg is gone


def failing_encoder(monkeypatch: pytest.MonkeyPatch, fmt: str, error: BaseException) -> None:
    """Make the format's encoder raise ``error`` part-way through."""
    calls = {"n": 0}

    def boom(original):
        def wrapper(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] >= 3:
                raise error
            return original(*args, **kwargs)

        return wrapper

    if fmt == "gif":
        monkeypatch.setattr(gif_mod, "image_block", boom(gif_mod.image_block))
    elif fmt == "apng":
        monkeypatch.setattr(apng_mod, "compress_indices", boom(apng_mod.compress_indices))
    elif fmt == "frames":
        monkeypatch.setattr(apng_mod, "compress_rows", boom(apng_mod.compress_rows))
    elif fmt == "html":
        monkeypatch.setattr(html_mod, "encode_delta", boom(html_mod.encode_delta))
    elif fmt == "webp":
        monkeypatch.setitem(Image.SAVE_ALL, "WEBP", boom(lambda *a: None))
        calls["n"] = 2
    else:
        monkeypatch.setattr(mp4_mod, "_ffmpeg_exe", lambda: "false")


@pytest.mark.parametrize("fmt", list(TARGETS))
def test_encoder_failure_leaves_old_output_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    path, before = prepare_old(tmp_path, fmt)
    failing_encoder(monkeypatch, fmt, RuntimeError("encoder exploded"))
    expected = WriteError if fmt == "mp4" else RuntimeError
    with pytest.raises(expected) as info, open_writer(path) as w:
        for i in range(20):
            w.append(draw(i), 50)
    if fmt == "mp4":
        assert "ffmpeg" in str(info.value) and "a.mp4" in str(info.value)
    else:
        assert str(info.value) == "encoder exploded"
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("fmt", ["gif", "apng", "webp", "frames"])
def test_encoder_os_error_becomes_write_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    path, before = prepare_old(tmp_path, fmt)
    failing_encoder(monkeypatch, fmt, OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(WriteError, match="no space left") as info, open_writer(path) as w:
        for i in range(5):
            w.append(draw(i), 50)
    assert str(info.value).startswith(f"cannot write {path}")
    assert snapshot(tmp_path) == before


def test_full_disk_at_commit_becomes_write_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, before = prepare_old(tmp_path, "gif")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(WriteError, match="no space left on the device; free some space"):
        write(path, [draw(0), draw(1)], [100, 100])
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------- bad output paths


@pytest.mark.parametrize("fmt", list(TARGETS))
def test_parent_that_is_a_file_raises_clear_write_error(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "notes.txt").write_text("x")
    path = tmp_path / "notes.txt" / TARGETS[fmt]
    with pytest.raises(WriteError) as info:
        open_writer(path)
    message = str(info.value)
    assert message.startswith(f"cannot write {path}")
    assert "notes.txt is a file, not a directory" in message
    assert "choose another -o path" in message


def test_missing_parent_directory_names_it_and_suggests_mkdir(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "deeper" / "a.gif"
    with pytest.raises(WriteError) as info:
        open_writer(path)
    message = str(info.value)
    assert f"directory {tmp_path / 'nope'}/ does not exist" in message
    assert f"mkdir -p {tmp_path / 'nope' / 'deeper'}/" in message
    assert not (tmp_path / "nope").exists()


def test_read_only_directory_raises_clear_write_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # chmod 0o555 does not stop root, who runs these tests, so the OS refusal is simulated.
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(WriteError) as info:
        open_writer("outputs/x.gif")
    assert str(info.value) == (
        "cannot write outputs/x.gif: directory outputs/ is read-only for this user "
        "(permission denied); choose another -o path or change the directory's permissions"
    )


def test_frames_refuse_to_replace_a_directory_of_other_files(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    with pytest.raises(WriteError, match=r"files convanim did not write \(e\.g\. thesis\.tex\)"):
        open_writer(str(mine) + "/")
    assert (mine / "thesis.tex").read_text() == "precious"
    assert sorted(os.listdir(tmp_path)) == ["mine"]


def test_frames_replace_an_older_frames_directory_completely(tmp_path: Path) -> None:
    path = tmp_path / "run"
    write(path, [draw(i) for i in range(4)], [50] * 4, loop=False)
    write(path, [draw(i) for i in range(2)], [70, 80])
    assert sorted(os.listdir(path)) == [".convanim-frames.json", "durations.json",
                                        "frame_0000.png", "frame_0001.png"]
    assert json.loads((path / "durations.json").read_text()) == {
        "durations_ms": [70, 80],
        "loop": True,
    }
    assert sorted(os.listdir(tmp_path)) == ["run"]


# ---------------------------------------------------------------- frame validation


def test_bad_frames_and_durations_are_rejected(tmp_path: Path) -> None:
    with open_writer(tmp_path / "a.gif") as w:
        w.append(draw(0), 100)
        with pytest.raises(ValueError, match="same size"):
            w.append(draw(0, width=32), 100)
        with pytest.raises(ValueError, match="uint8"):
            w.append(draw(0).astype(np.float32), 100)
        with pytest.raises(ValueError, match=">= 10"):
            w.append(draw(1), 5)
        with pytest.raises(ValueError, match=">= 10"):
            w.append(draw(1), 100.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="closed"):
        w.append(draw(1), 100)
    assert read_animation(tmp_path / "a.gif")[1] == [100]


def test_no_frames_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no frames"), open_writer(tmp_path / "a.gif"):
        pass
    assert os.listdir(tmp_path) == []


def test_writer_copies_frames_so_callers_may_reuse_their_buffer(tmp_path: Path) -> None:
    buffer = np.empty((48, 64, 3), np.uint8)
    with open_writer(tmp_path / "a.png") as w:
        for i in range(3):
            buffer[:] = draw(i)
            w.append(buffer, 100)
    for i, rgb in enumerate(read_animation(tmp_path / "a.png")[0]):
        np.testing.assert_array_equal(rgb, draw(i))


# ---------------------------------------------------------------- bounded memory


def peak_bytes(path: Path, count: int) -> int:
    # Earlier tests' garbage is collected first: finalizers run while tracing would count
    # their allocations as this writer's (seen once in the whole suite: 7.8 MB).
    gc.collect()
    tracemalloc.start()
    try:
        with open_writer(path) as w:
            for i in range(count):
                rgb = np.full((150, 200, 3), 255, np.uint8)
                rgb[10:40, i % 150 : i % 150 + 40] = RED
                rgb[100:110, 5:15] = (i * 7 % 256, 0, 0)
                w.append(rgb, 20)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", list(TARGETS))
def test_memory_does_not_grow_with_frame_count(tmp_path: Path, fmt: str) -> None:
    short = peak_bytes(target(tmp_path, fmt), 30)
    long = peak_bytes(target(tmp_path, fmt), 150)
    raw_growth = 120 * 150 * 200 * 3  # what keeping the extra frames would cost
    # WebP keeps frames zlib-compressed until the end; the others keep none.
    allowed = raw_growth // 10 if fmt == "webp" else raw_growth // 40
    assert long - short < allowed, (short, long)


# ---------------------------------------------------------------- atomic_output / directory


def test_atomic_output_replaces_on_success_with_normal_permissions(tmp_path: Path) -> None:
    path = tmp_path / "index.html"
    path.write_text("old")
    with atomic_output(path, "w") as f:
        f.write("new ✓")
    assert path.read_text(encoding="utf-8") == "new ✓"
    assert os.listdir(tmp_path) == ["index.html"]
    with atomic_output(tmp_path / "fresh.bin") as f:
        f.write(b"\x00\x01")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "fresh.bin").stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_atomic_output_failure_keeps_old_file(tmp_path: Path, error: type[BaseException]) -> None:
    path = tmp_path / "story.pdf"
    path.write_bytes(b"old")
    with pytest.raises(error), atomic_output(path) as f:
        f.write(b"half")
        raise error("drawing failed")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["story.pdf"]


def test_atomic_output_disk_full_inside_block_is_write_error(tmp_path: Path) -> None:
    path = tmp_path / "story.svg"
    with pytest.raises(WriteError, match="no space left"), atomic_output(path):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert os.listdir(tmp_path) == []


def test_atomic_directory_swaps_whole_directory(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "old.html").write_text("old")
    with atomic_directory(site) as d:
        assert d.parent == tmp_path and d != site
        (d / "index.html").write_text("new")
        assert (site / "old.html").exists()  # untouched until success
    assert sorted(os.listdir(site)) == ["index.html"]
    assert os.listdir(tmp_path) == ["site"]


def test_atomic_directory_failure_keeps_old_directory(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "old.html").write_text("old")
    with pytest.raises(KeyboardInterrupt), atomic_directory(site) as d:
        (d / "index.html").write_text("new")
        raise KeyboardInterrupt
    assert sorted(os.listdir(site)) == ["old.html"]
    assert os.listdir(tmp_path) == ["site"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(WriteError, match="a file with that name exists"):
        atomic_directory(tmp_path / "file").__enter__()


# ---------------------------------------------------------------- helpers, property-based


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(10, 5000), min_size=1, max_size=50), st.sampled_from([10, 20, 40]))
def test_ticks_never_drift(durations: list[int], tick: int) -> None:
    ticks = Ticks(tick)
    total = sum(ticks.next(ms) for ms in durations)
    assert abs(total * tick - sum(durations)) <= tick // 2


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(10, 300), min_size=1, max_size=30))
def test_gif_ticks_respect_minimum(durations: list[int]) -> None:
    ticks = Ticks(10, min_ticks=2)
    got = [ticks.next(ms) for ms in durations]
    assert all(n >= 2 for n in got)
    # stretching only ever adds time; it is never lost
    assert sum(got) * 10 >= sum(durations) - 5


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(1, 12))
def test_changed_box_is_the_tight_box_of_differences(seed: int, height: int, width: int) -> None:
    rng = np.random.default_rng(seed)
    prev = rng.integers(0, 3, (height, width, 3), dtype=np.uint8)
    cur = prev.copy()
    mask = rng.random((height, width)) < 0.1
    cur[mask, rng.integers(0, 3)] += 1
    box = changed_box(prev, cur)
    ys, xs = np.nonzero((prev != cur).any(axis=2))
    if ys.size == 0:
        assert box is None
    else:
        assert box == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)


@pytest.mark.parametrize(
    "module",
    ["__init__", "_atomic", "_base", "_errors", "_held", "_signals", "_temps", "apng", "frames",
     "gif", "html", "mp4", "read", "webp"],
)
def test_docstring_examples_run(module: str) -> None:
    name = "convanim.writers" if module == "__init__" else f"convanim.writers.{module}"
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0 or module == "webp"


def test_gif_unchanged_pixels_inside_the_changed_box_cost_almost_nothing(tmp_path: Path) -> None:
    # A caption at the top and a formula at the bottom change every frame, so the changed box
    # spans the image; the busy picture between them must not be stored again.
    rng = np.random.default_rng(0)
    first = rng.integers(0, 6, size=(200, 300, 1)).repeat(3, axis=2).astype(np.uint8) * 40
    second = first.copy()
    second[0:3, 0:3] = 255
    second[-3:, -3:] = 255
    one, two = tmp_path / "one.gif", tmp_path / "two.gif"
    write(one, [first], [100])
    write(two, [first, second], [100, 100])
    assert two.stat().st_size - one.stat().st_size < one.stat().st_size / 20
    decoded = decode_pillow(two)[0]
    np.testing.assert_array_equal(decoded[1], second)
