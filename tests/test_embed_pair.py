"""The light/dark pair in the docs embeds (issue 26): Sphinx and MkDocs write a <picture>
whose four files are in the built site, and refuse a pair that cannot be a <picture>."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path


class Pictures(HTMLParser):
    """The srcset/src addresses of every <picture> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.pictures: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "picture":
            self.inside = True
            self.pictures.append([])
        elif self.inside and tag in ("source", "img"):
            self.pictures[-1].append(values.get("srcset") or values.get("src") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "picture":
            self.inside = False


def pictures(page: Path) -> list[list[str]]:
    parser = Pictures()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.pictures


def test_sphinx_pair_writes_a_picture_with_all_four_files(tmp_path: Path) -> None:
    (tmp_path / "conf.py").write_text('extensions = ["convanim.sphinx"]\n')
    (tmp_path / "index.rst").write_text(
        "Figures\n=======\n\n.. convanim::\n   :i: 4\n   :k: 3\n   :player: no\n"
        "   :pair: yes\n")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-W", "-b", "html",
                             str(tmp_path), str(tmp_path / "_build")], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (found,) = pictures(tmp_path / "_build" / "index.html")
    assert len(found) == 4
    assert [re.sub(r"^.*?\.", ".", Path(src).name, count=1) for src in found] == [
        ".dark.still.png", ".still.png", ".dark.gif", ".gif"]
    for src in found:
        assert (tmp_path / "_build" / src).is_file(), src


def test_mkdocs_pair_copies_the_four_files_and_refuses_a_player_pair(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: t\nplugins:\n  - convanim\n")
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "index.md"
    page.write_text("# Home\n\n```convanim\ni: 4\nk: 3\nplayer: no\npair: yes\n"
                    "output: webp\n```\n")
    build = [sys.executable, "-m", "mkdocs", "build", "-q"]
    result = subprocess.run(build, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (found,) = pictures(tmp_path / "site" / "index.html")
    assert sorted(Path(src).suffix for src in found) == [".png", ".png", ".webp", ".webp"]
    for src in found:
        assert (tmp_path / "site" / src).is_file(), src
    page.write_text("# Home\n\n```convanim\ni: 4\nk: 3\npair: yes\n```\n")
    refused = subprocess.run(build, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0
    assert "docs/index.md:6: pair: a light/dark pair is a <picture> of images" in refused.stderr
