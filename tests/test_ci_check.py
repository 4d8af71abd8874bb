"""Fast, honest CI (issue 26): bytes first, the hook's --changed, versions named, subsets.

The gallery is written once per test into a temporary repo; ``-j 1`` runs the checks in this
process, so the decoder can be replaced by one that fails to prove it is not called.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from convanim.cli import cli
from convanim.gallery import compare

REPO = Path(__file__).resolve().parent.parent
PICKED = ["dilation", "numerical_max_pooling"]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    configs = tmp_path / "configs"
    (configs / "conv_arithmetic").mkdir(parents=True)
    for name in PICKED:
        shutil.copy(REPO / "configs" / "conv_arithmetic" / f"{name}.yaml",
                    configs / "conv_arithmetic")
    (configs / "extra").mkdir()
    (configs / "extra" / "small.yaml").write_text("mode: maxpool\ni: 3\nk: 2\nvalues: false\n")
    monkeypatch.chdir(tmp_path)
    assert gallery().exit_code == 0
    return tmp_path


def gallery(*args: str) -> Any:
    return CliRunner().invoke(cli, ["gallery", "-j", "1", "--cell-px", "12", *args],
                              catch_exceptions=False)


def _no_decoding(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    def spy(disk: Any, fresh: Any) -> None:
        calls.append(str(disk))
        return None

    monkeypatch.setattr(compare, "difference", spy)
    return calls


def test_identical_bytes_are_not_decoded(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _no_decoding(monkeypatch)
    result = gallery("--check")
    assert result.exit_code == 0, result.output
    assert calls == []  # every figure and player matched byte for byte
    gif = site / "outputs" / "gallery" / "dilation.gif"
    data = bytearray(gif.read_bytes())
    data[-2] ^= 0xFF  # change the bytes: now that one file is decoded
    gif.write_bytes(bytes(data))
    gallery("--check")
    assert calls == [str(Path("outputs/gallery/dilation.gif"))]


def test_changed_checks_only_what_the_manifest_cannot_vouch_for(
        site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from convanim.gallery import work

    checked: list[str] = []
    real = work.check
    monkeypatch.setattr(work, "check", lambda job: checked.append(job.name) or real(job))
    assert (site / "outputs" / "gallery" / "convanim.json").is_file()
    result = gallery("--check", "--changed")
    assert result.exit_code == 0, result.output
    assert checked == []
    config = site / "configs" / "conv_arithmetic" / "dilation.yaml"
    config.write_text(config.read_text().replace("dilation: 2", "dilation: 1"))
    result = gallery("--check", "--changed")
    assert result.exit_code == 1 and checked == ["dilation"]
    config.write_text(config.read_text().replace("dilation: 1", "dilation: 2"))
    checked.clear()
    # A figure edited by hand no longer matches its recorded bytes: it is checked again.
    pool = site / "outputs" / "gallery" / "small.gif"
    pool.write_bytes(pool.read_bytes() + b"\0")
    gallery("--check", "--changed")
    assert checked == ["small"]
    # Another convanim (a different code id) recorded in the manifest: all are checked.
    manifest = site / "outputs" / "gallery" / "convanim.json"
    data = json.loads(manifest.read_text())
    for entry in data["figures"].values():
        entry["code"] = "0123456789ab"
    manifest.write_text(json.dumps(data))
    checked.clear()
    gallery("--check", "--changed")
    assert sorted(checked) == ["dilation", "numerical_max_pooling", "small"]


def test_a_stale_figure_names_the_convanim_that_wrote_it(site: Path) -> None:
    manifest = site / "outputs" / "gallery" / "convanim.json"
    data = json.loads(manifest.read_text())
    data["figures"]["dilation.gif"].update(version="0.0.1", code="0123456789ab")
    manifest.write_text(json.dumps(data))
    config = site / "configs" / "conv_arithmetic" / "dilation.yaml"
    config.write_text(config.read_text().replace("dilation: 2", "dilation: 1"))
    result = gallery("--check")
    assert result.exit_code == 1
    from convanim import __version__

    assert "written by convanim 0.0.1 (code 0123456789ab)" in result.output
    assert f"this is convanim {__version__} (code " in result.stderr


def test_a_subset_check_leaves_the_pages_alone_and_suggests_no_overwrite(site: Path) -> None:
    pages = {name: (site / "outputs" / "gallery" / name).read_bytes()
             for name in ("index.html", "gallery.md")}
    result = gallery("configs/extra", "--check")
    assert result.exit_code == 0, result.output  # the full gallery's pages are not judged
    config = site / "configs" / "extra" / "small.yaml"
    config.write_text(config.read_text().replace("i: 3", "i: 4"))
    result = gallery("configs/extra", "--check")
    assert result.exit_code == 1
    assert "convanim gallery configs/extra" not in result.stderr  # would rewrite the pages
    assert "whole gallery" in result.stderr
    assert pages == {name: (site / "outputs" / "gallery" / name).read_bytes()
                     for name in pages}
    # The full set still suggests its own exact command.
    result = gallery("--check")
    assert result.exit_code == 1 and "`convanim gallery configs -o outputs/gallery" in \
        result.stderr
