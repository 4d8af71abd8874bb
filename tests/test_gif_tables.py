"""GIF colour tables handed from one writer to the next in a process change no byte; colours
packed to 24-bit keys by byte copies are the shifted channels.

A finished writer clears the entries its map wrote (palette colours and colours given their
nearest entry) and keeps the 32 MB table for the next writer, whose pages are then already
mapped. The next animation must come out exactly as from a brand-new table.
"""

from __future__ import annotations

import os

import numpy as np

from convanim.writers import gif, open_writer


def _frames(seed: int) -> list[np.ndarray]:
    """Frames with far more than 255 colours, so that nearest-entry mapping is used."""
    rng = np.random.default_rng(seed)
    first = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    frames = [first]
    for _ in range(4):
        frame = frames[-1].copy()
        y, x = rng.integers(0, 30), rng.integers(0, 40)
        frame[y: y + 10, x: x + 10] = rng.integers(0, 256, (10, 10, 3), dtype=np.uint8)
        frames.append(frame)
    return frames


def _write(path: str, frames: list[np.ndarray]) -> bytes:
    with open_writer(path, palette=[(255, 255, 255), (0, 0, 0)]) as out:
        for frame in frames:
            out.append(frame, 100)
    with open(path, "rb") as f:
        return f.read()


def test_a_reused_table_writes_the_same_bytes(tmp_path: os.PathLike[str]) -> None:
    gif._SPARE_TABLES.clear()
    _write(os.path.join(tmp_path, "a.gif"), _frames(1))  # leaves its table behind
    assert len(gif._SPARE_TABLES) == 1
    reused = _write(os.path.join(tmp_path, "b.gif"), _frames(2))
    gif._SPARE_TABLES.clear()
    fresh = _write(os.path.join(tmp_path, "c.gif"), _frames(2))
    assert reused == fresh


def test_a_released_table_is_all_zero() -> None:
    gif._SPARE_TABLES.clear()
    cmap = gif.ColorMap([(255, 255, 255)], size=gif.TRANSPARENT)
    for frame in _frames(3):
        cmap(frame)
    table = cmap.table
    assert np.count_nonzero(table) > 255  # palette and nearest-mapped colours were written
    cmap.release()
    assert len(gif._SPARE_TABLES) == 1 and gif._SPARE_TABLES[0][1] is table
    assert np.count_nonzero(table) == 0
    gif._SPARE_TABLES.clear()


def test_an_aborted_writer_gives_its_table_back(tmp_path: os.PathLike[str]) -> None:
    gif._SPARE_TABLES.clear()
    out = open_writer(os.path.join(tmp_path, "d.gif"))
    out.append(_frames(4)[0], 100)
    out.abort()
    assert len(gif._SPARE_TABLES) == 1 and np.count_nonzero(gif._SPARE_TABLES[0][1]) == 0
    gif._SPARE_TABLES.clear()


def test_pack_rgb_is_r_g_b_shifted() -> None:
    rng = np.random.default_rng(25)
    frame = rng.integers(0, 256, (60, 70, 3), dtype=np.uint8)
    for rgb in (frame, frame[5:50:3, 2:60:4], frame.reshape(-1, 3), frame[:0, 0]):
        r, g, b = (rgb[..., i].astype(np.uint32) for i in range(3))
        packed = gif.pack_rgb(rgb)
        assert packed.shape == rgb.shape[:-1] and packed.dtype == np.uint32
        assert (packed == (r << 16) | (g << 8) | b).all()


def _spares_in_child(queue: object) -> None:
    queue.put(len(gif._SPARE_TABLES))  # type: ignore[attr-defined]


def test_a_forked_process_takes_no_spare_table(tmp_path: os.PathLike[str]) -> None:
    """The tables are shared memory: the gallery's forked workers, given the parent's spare
    table, would fill one table from two processes (found by the gallery's --check)."""
    import multiprocessing

    gif._SPARE_TABLES.clear()
    _write(os.path.join(tmp_path, "e.gif"), _frames(5))
    assert len(gif._SPARE_TABLES) == 1
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_spares_in_child, args=(queue,))
    child.start()
    assert queue.get(timeout=60) == 0
    child.join()
    pid, table = gif._SPARE_TABLES[0]
    gif._SPARE_TABLES[0] = (pid + 1, table)  # as if made by another process
    assert gif._color_table() is not table and not gif._SPARE_TABLES
