"""A single ``convanim render -o PATH`` writes through a held handle on the output's folder.

The race: the folder is checked, then (while frames are drawn) swapped for a symlink to a
folder elsewhere. The file must land in the folder that was checked, never behind the link;
for one layer, a chain of layers and a photograph alike.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import convanim.api
import convanim.draw
import convanim.draw.chain
import convanim.photo
from convanim.cli import cli


def _swap_first(write: Callable[..., Any]) -> Callable[..., Any]:
    def swap_then_write(*args: Any, **kwargs: Any) -> Any:
        os.rename("out", "checked")  # the folder the user chose, still held open
        os.symlink("outside", "out")
        return write(*args, **kwargs)

    return swap_then_write


def _render(*args: str) -> None:
    result = CliRunner().invoke(cli, ["render", "-q", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("out").mkdir()
    Path("outside").mkdir()


@pytest.mark.parametrize("name", ["a.gif", "a.mp4", "frames/"])
def test_a_parent_swapped_for_a_symlink_mid_render_sends_nothing_outside(
        folders: None, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr(convanim.draw, "write_plan", _swap_first(convanim.draw.write_plan))
    _render("-i", "3", "-k", "2", "-o", f"out/{name}")
    assert os.listdir("outside") == []
    assert os.listdir("checked") == [name.rstrip("/")]


def test_a_chain_is_written_through_the_held_folder_too(
        folders: None, monkeypatch: pytest.MonkeyPatch) -> None:
    Path("chain.yaml").write_text("i: 5\nlayers:\n  - {k: 3}\n  - {k: 2}\n")
    monkeypatch.setattr(convanim.draw.chain, "render_chain",
                        _swap_first(convanim.draw.chain.render_chain))
    _render("chain.yaml", "-o", "out/c.gif")
    assert os.listdir("outside") == [] and os.listdir("checked") == ["c.gif"]


def test_a_photo_figure_is_written_through_the_held_folder_too(
        folders: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(convanim.photo, "render_photo", _swap_first(convanim.photo.render_photo))
    _render("--input-image", "sample:camera", "--image-size", "16", "-k", "3", "-o",
            "out/p.gif")
    assert os.listdir("outside") == [] and os.listdir("checked") == ["p.gif"]


def test_the_python_api_writes_through_the_held_folder_too(
        folders: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(convanim.api, "write_plan", _swap_first(convanim.api.write_plan))
    convanim.api.render({"i": 3, "k": 2}, "out/a.webp")
    assert os.listdir("outside") == [] and os.listdir("checked") == ["a.webp"]
