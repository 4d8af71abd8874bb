"""Temp entries are made without :mod:`tempfile` and keep its guarantees.

Each output's temp file is made with ``os.open(O_CREAT | O_EXCL | O_NOFOLLOW)`` under a random
name, so a default render imports neither :mod:`tempfile` nor :mod:`shutil` (nor does
importing the Python API). The checks here plant what ``tempfile`` guards against at the very
name the next attempt will use (a symlink to a file outside the folder, someone else's file)
and show that neither is followed or replaced: the next random name is taken instead, and
when no name is free the error is one line.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from convanim.writers import WriteError
from convanim.writers._temps import LIVE, remove, reserve_file, reserve_folder

ROOT = Path(__file__).resolve().parent.parent


def test_a_default_render_imports_neither_tempfile_nor_shutil(tmp_path: Path) -> None:
    code = ("import sys; from convanim.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('tempfile', 'shutil') if m in sys.modules))")
    out = tmp_path / "a.gif"
    done = subprocess.run([sys.executable, "-c", code, "render", "-o", str(out)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert out.stat().st_size > 0


def test_importing_the_python_api_imports_neither_tempfile_nor_shutil() -> None:
    code = ("import sys, convanim.api\n"
            "print(sorted(m for m in ('tempfile', 'shutil') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "[]"


def counting_urandom(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the random part of temp names 000000000000, 000000000001, ... and return the
    names' suffixes in order, so a test knows the next name before it is tried."""
    counter = itertools.count()
    monkeypatch.setattr(os, "urandom", lambda n: next(counter).to_bytes(n, "big"))
    return [f"{i.to_bytes(6, 'big').hex()}.tmp" for i in range(3)]


@pytest.mark.parametrize("make", ["file", "folder"])
def test_a_symlink_at_the_next_name_is_not_followed(tmp_path: Path, make: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    folder, outside = tmp_path / "out", tmp_path / "outside.txt"
    folder.mkdir()
    outside.write_text("keep")
    first, second, _ = counting_urandom(monkeypatch)
    prefix = f".a.gif.convanim-{os.getpid()}-"
    (folder / (prefix + first)).symlink_to(outside)
    if make == "file":
        fd, name = reserve_file("a.gif", folder / "a.gif")
        os.write(fd, b"ours")
        os.close(fd)
    else:
        name = reserve_folder("a.gif", folder / "a.gif")
    assert name == str(folder / (prefix + second))
    assert outside.read_text() == "keep"
    assert (folder / (prefix + first)).is_symlink()
    remove(name)
    assert name not in LIVE and not os.path.lexists(name)


def test_when_no_name_is_free_the_error_is_one_line(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "urandom", lambda n: bytes(n))  # every attempt, the same name
    taken = tmp_path / f".a.gif.convanim-{os.getpid()}-{bytes(6).hex()}.tmp"
    taken.write_text("someone else's")
    with pytest.raises(WriteError) as info:
        reserve_file("a.gif", tmp_path / "a.gif")
    message = str(info.value)
    assert message.startswith("cannot write a.gif: no free temp name beside a.gif")
    assert "\n" not in message
    assert taken.read_text() == "someone else's"
    assert sorted(p.name for p in tmp_path.iterdir()) == [taken.name]
