"""Faults a hostile user or a hostile machine causes: frame folders that others write into,
signals at awkward moments, stale temp files, and outputs that must commit all or none."""

from __future__ import annotations

import json
import os
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from convanim.cli import cli
from convanim.writers import WriteError, open_writer
from convanim.writers._atomic import TempDir
from convanim.writers._temps import sweep_stale
from convanim.writers.frames import MANIFEST, ownership


def frame(i: int) -> np.ndarray:
    rgb = np.full((12, 16, 3), 250, np.uint8)
    rgb[2:6, i : i + 4] = (200, 30, 30)
    return rgb


def write_frames(path: str | Path, count: int = 3) -> None:
    with open_writer(str(path).rstrip("/") + "/") as w:
        for i in range(count):
            w.append(frame(i), 100)


# ------------------------------------------------------------ frame folders own only theirs


def test_every_frame_folder_carries_a_manifest_of_its_files(tmp_path: Path) -> None:
    write_frames(tmp_path / "run", 2)
    meta = json.loads((tmp_path / "run" / MANIFEST).read_text())
    assert meta["files"] == ["frame_0000.png", "frame_0001.png", "durations.json"]
    assert sorted(os.listdir(tmp_path / "run")) == sorted([MANIFEST, *meta["files"]])


def test_batch_frames_into_the_output_folder_itself_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 9, case 1: `output: .` beside five GIFs reported "5 written" and left none.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b").mkdir()
    for name in "abcde":
        (tmp_path / "b" / f"{name}.yaml").write_text(f"name: g{name}\ninput_size: 3\n"
                                                   "kernel_size: 2\n")
    (tmp_path / "b" / "f.yaml").write_text("name: fr\ninput_size: 3\nkernel_size: 2\n"
                                           "output: .\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["batch", "b", "-o", "out", "-j", "2"])
    assert result.exit_code == 2, result.output
    assert "is the output folder itself" in result.output
    assert os.listdir(tmp_path / "out") == ["keep.txt"]


def test_batch_frames_folder_holding_another_jobs_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text(textwrap.dedent("""\
        animations:
          - {name: fr, input_size: 3, kernel_size: 2, output: sub/}
          - {name: g, input_size: 3, kernel_size: 2, output: sub/g.gif}
    """))
    result = CliRunner().invoke(cli, ["batch", "a.yaml", "-o", "out", "-j", "1"])
    assert result.exit_code == 2, result.output
    assert "inside or around it" in result.output
    assert not (tmp_path / "out" / "sub").exists()


def test_a_file_written_into_a_new_frame_folder_during_the_render_survives(
    tmp_path: Path,
) -> None:
    # Issue 9, cases 2 and 3: a file that arrives while frames are drawn must not vanish.
    target = tmp_path / "fr2"
    writer = open_writer(str(target) + "/")
    writer.append(frame(0), 100)
    target.mkdir()
    (target / "notes.txt").write_text("precious")
    with pytest.raises(WriteError, match=r"did not write \(e\.g\. notes\.txt\)"):
        writer.close()
    assert os.listdir(target) == ["notes.txt"]
    assert (target / "notes.txt").read_text() == "precious"
    assert sorted(os.listdir(tmp_path)) == ["fr2"]  # no temp folder left


def test_a_file_written_into_our_old_frame_folder_during_the_render_survives(
    tmp_path: Path,
) -> None:
    target = tmp_path / "fr2"
    write_frames(target, 3)
    before = sorted(os.listdir(target))
    writer = open_writer(str(target) + "/")  # allowed: the folder is ours
    writer.append(frame(1), 100)
    (target / "written").write_text("another batch's file")
    with pytest.raises(WriteError, match="did not write"):
        writer.close()
    assert sorted(os.listdir(target)) == sorted([*before, "written"])
    assert sorted(os.listdir(tmp_path)) == ["fr2"]


def test_our_old_frame_folder_is_replaced_and_loses_only_our_files(tmp_path: Path) -> None:
    target = tmp_path / "run"
    write_frames(target, 4)
    write_frames(target, 2)
    assert sorted(os.listdir(target)) == sorted(
        ["frame_0000.png", "frame_0001.png", "durations.json", MANIFEST])
    assert sorted(os.listdir(tmp_path)) == ["run"]


def test_a_file_arriving_after_the_final_check_is_moved_not_deleted(tmp_path: Path) -> None:
    # A program holding a handle on the old folder can still add a file after the check;
    # the replaced folder's strays are moved into the new one instead of being deleted.
    target = tmp_path / "run"
    write_frames(target, 2)
    temp = TempDir(target)
    (temp.path / "frame_0000.png").write_bytes(b"new")

    def owned_then_intruded(aside: Path) -> tuple[list[str], str | None]:
        result = ownership(aside)
        (aside / "late.txt").write_text("late")
        return result

    temp.commit(owned=owned_then_intruded)
    assert sorted(os.listdir(target)) == ["frame_0000.png", "late.txt"]
    assert sorted(os.listdir(tmp_path)) == ["run"]


def test_frame_like_names_without_durations_are_not_taken_for_ours(tmp_path: Path) -> None:
    target = tmp_path / "photos"
    target.mkdir()
    (target / "frame_0001.png").write_bytes(b"a holiday photo")
    with pytest.raises(WriteError, match="did not write"):
        open_writer(str(target) + "/")
    assert (target / "frame_0001.png").read_bytes() == b"a holiday photo"


def test_concurrent_writers_into_one_frame_folder_lose_nothing(tmp_path: Path) -> None:
    # Many writers race for one folder while another program drops files into it: each
    # writer either publishes a complete folder of its own or refuses; the program's files
    # all survive.
    import threading

    target = tmp_path / "shared"
    errors: list[str] = []

    def render(n: int) -> None:
        try:
            write_frames(target, 2 + n % 3)
        except WriteError as err:
            errors.append(str(err))
        except Exception as err:  # anything but a one-line refusal is a bug
            errors.append(f"unexpected {type(err).__name__}: {err}")

    saved: list[str] = []

    def intrude() -> None:
        for k in range(5):
            time.sleep(0.002)
            try:
                (target / f"user{k}.txt").write_text("mine")
                saved.append(f"user{k}.txt")
            except OSError:
                pass  # the folder was renamed aside at that instant: the program sees an error

    threads = [threading.Thread(target=render, args=(n,)) for n in range(6)]
    threads.append(threading.Thread(target=intrude))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Nothing temporary is left, and every file the program saved is still in a folder it can
    # see: the target, or (when two writers raced for the slot) one kept beside it.
    left = os.listdir(tmp_path)
    assert all(".kept-" in n or n == "shared" for n in left), left
    found = [p for p in tmp_path.rglob("user*.txt")]
    assert sorted(p.name for p in found) == sorted(saved)
    assert all(p.read_text() == "mine" for p in found)
    assert not [e for e in errors if e.startswith("unexpected")], errors


# ------------------------------------------------------------ stale temp files


def test_stale_temp_files_of_a_dead_process_are_swept_and_others_kept(tmp_path: Path) -> None:
    dead = 2**22 + 12345  # above pid_max's default, so no such process
    old = time.time() - 60
    stale = tmp_path / f".a.gif.convanim-{dead}-abc123.tmp"
    stale.write_bytes(b"partial")
    stale_dir = tmp_path / f".fr.convanim-{dead}-xyz.tmp"
    stale_dir.mkdir()
    (stale_dir / "frame_0000.png").write_bytes(b"x")
    live = tmp_path / f".b.gif.convanim-{os.getpid()}-live.tmp"
    live.write_bytes(b"in progress")
    young = tmp_path / f".c.gif.convanim-{dead}-young.tmp"
    young.write_bytes(b"just started")
    lookalike = tmp_path / ".d.gif.other-1-x.tmp"
    lookalike.write_bytes(b"not ours")
    for path in (stale, stale_dir, live, lookalike):
        os.utime(path, (old, old))
    assert sweep_stale(tmp_path) == 2
    assert sorted(os.listdir(tmp_path)) == sorted([live.name, young.name, lookalike.name])


def test_a_leftover_folder_keeps_files_that_are_not_ours(tmp_path: Path) -> None:
    old = time.time() - 60
    stale_dir = tmp_path / f".fr.convanim-{2**22 + 7}-xyz.tmp"
    stale_dir.mkdir()
    (stale_dir / "frame_0000.png").write_bytes(b"x")
    (stale_dir / "notes.txt").write_text("?")
    os.utime(stale_dir, (old, old))
    sweep_stale(tmp_path)
    assert os.listdir(stale_dir) == ["notes.txt"]


# ------------------------------------------------------------ several outputs: all or none


@pytest.mark.parametrize("fault", [KeyboardInterrupt, RuntimeError])
def test_a_fault_in_the_storyboard_step_keeps_the_older_animation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: type[BaseException]
) -> None:
    # Issue 9, item 4: Ctrl-C while the storyboard was drawn had replaced the GIF already.
    from convanim import draw
    from convanim.draw import storyboard

    gif, board = tmp_path / "a.gif", tmp_path / "s.png"
    draw.render({"i": 3, "k": 2}, gif, storyboard=board)
    before = gif.read_bytes(), board.read_bytes()

    def broken(*args, **kwargs):
        raise fault("during the storyboard")

    monkeypatch.setattr(storyboard.Board, "png", broken)
    with pytest.raises(fault):
        draw.render({"i": 4, "k": 3}, gif, storyboard=board)
    assert (gif.read_bytes(), board.read_bytes()) == before
    assert sorted(os.listdir(tmp_path)) == ["a.gif", "s.png"]


def test_a_refused_frame_folder_puts_the_storyboard_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from convanim import draw
    from convanim.writers.frames import FramesWriter

    board = tmp_path / "s.png"
    board.write_bytes(b"old storyboard")
    (tmp_path / "fr").mkdir()
    real = FramesWriter._append

    def intrude(self, rgb, ms):  # another program drops a file in while frames are drawn
        (tmp_path / "fr" / "notes.txt").write_text("mine")
        real(self, rgb, ms)

    monkeypatch.setattr(FramesWriter, "_append", intrude)
    with pytest.raises(WriteError, match="did not write"):
        draw.render({"i": 3, "k": 2}, str(tmp_path / "fr") + "/", storyboard=board)
    assert board.read_bytes() == b"old storyboard"
    assert os.listdir(tmp_path / "fr") == ["notes.txt"]
    assert sorted(os.listdir(tmp_path)) == ["fr", "s.png"]


@pytest.mark.parametrize("storyboard", ["same.png", "./same.png"])
def test_animation_and_storyboard_on_one_path_are_refused_up_front(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, storyboard: str
) -> None:
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["render", "-o", "same.png", "--storyboard", storyboard])
    assert time.perf_counter() - start < 1
    assert result.exit_code == 2
    assert "--storyboard" in result.output and "own path" in result.output
    assert os.listdir(tmp_path) == []
