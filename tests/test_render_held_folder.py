"""A single ``convanim render -o PATH`` writes through a held handle on the output's folder.

The race: the folder is checked, then (while frames are drawn) swapped for a symlink to a
folder elsewhere. The file must land in the folder that was checked, never behind the link.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import convanim.draw
from convanim.cli import cli


@pytest.mark.parametrize("name", ["a.gif", "a.mp4", "frames/"])
def test_a_parent_swapped_for_a_symlink_mid_render_sends_nothing_outside(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path("out").mkdir()
    Path("outside").mkdir()
    write_plan = convanim.draw.write_plan

    def swap_then_write(*args: Any, **kwargs: Any) -> Path:
        os.rename("out", "checked")  # the folder the user chose, still held open
        os.symlink("outside", "out")
        return write_plan(*args, **kwargs)

    monkeypatch.setattr(convanim.draw, "write_plan", swap_then_write)
    result = CliRunner().invoke(cli, ["render", "-i", "3", "-k", "2", "-q", "-o", f"out/{name}"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert os.listdir("outside") == []
    assert os.listdir("checked") == [name.rstrip("/")]
