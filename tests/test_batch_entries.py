"""Batch errors are per entry: one bad entry or file is reported and the rest still render."""

from __future__ import annotations

import shlex
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from convanim.cli import cli
from convanim.writers import read_animation

GOOD_AND_BAD = textwrap.dedent("""\
    defaults:
      frame_ms: 20
      hold_ms: 20
    animations:
      - name: first
        input_size: 4
        kernel_size: 3
      - name: typo
        input_size: 5
        kernal: 3
      - name: last
        input_size: 3
        kernel_size: 2
        storyboard: last.png
    """)


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return invoke


def test_one_bad_entry_leaves_the_others_rendered(run, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD_AND_BAD)
    (tmp_path / "broken.yaml").write_text("input_size: [5\n")
    (tmp_path / "b.yaml").write_text("input_size: 3\nkernel_size: 3\npadding: 1\n")
    result = run("batch", "a.yaml", "broken.yaml", "b.yaml", "-o", "out", "-j", "1")
    assert result.exit_code == 1, result.output
    # The two good entries of a.yaml and the good file b.yaml are all written and complete.
    for name, windows in (("first", 2 * 2), ("last", 2 * 2), ("b", 3 * 3)):
        frames, _ = read_animation(tmp_path / "out" / f"{name}.gif")
        assert len(frames) == windows + 2 + (name == "b")  # b has a padding frame
    assert not (tmp_path / "out" / "typo.gif").exists()
    # Each failure is named with file:line; kernal suggests the size, not kernel_values.
    assert "a.yaml:10: unknown key 'kernal'; did you mean 'kernel_size' (or 'k')?" in result.output
    assert "broken.yaml:" in result.output
    assert "2 of 5 failed" in result.output


def test_the_summary_lists_storyboards(run, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD_AND_BAD)
    result = run("batch", "a.yaml", "-o", "out", "-j", "1")
    assert (tmp_path / "out" / "last.png").stat().st_size > 0
    row = next(line for line in result.output.splitlines() if line.startswith("last "))
    assert "out/last.png" in row


def test_check_hint_is_the_command_that_fixes_it(run, tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("input_size: 3\nkernel_size: 2\n")
    result = run("batch", "b.yaml", "-o", "my out", "--theme", "dark", "--no-loop", "--check")
    assert result.exit_code == 1
    command = result.output.split("`")[1]
    words = shlex.split(command)
    assert words[:2] == ["convanim", "batch"]
    assert run(*words[1:]).exit_code == 0  # running the hint brings everything up to date
    assert run(*words[1:], "--check").exit_code == 0
    assert read_animation(tmp_path / "my out" / "b.gif")[0][0][0, 0].tolist() != [255] * 3
