"""A tiny Sphinx project and a tiny MkDocs site build with convanim figures in them.

Checks: the pages hold the player (its frames are the GIF's, decoded by Pillow) or the image;
a second build renders nothing (same files, same inodes and times, even with a fresh
environment); ``-W`` fails on a bad value naming the document, the line and the option; the
built pages work in Chromium with no broken image.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

import convanim
from convanim.writers.html import read_player
from tests.browser import Page

RST = """\
Demo
====

.. toctree::

   notes

.. convanim::
   :mode: transposed
   :i: 3
   :k: 3
   :s: 2
   :p: 1

.. convanim::
   :i: 4
   :k: 3
   :player: no
   :output: webp

.. convanim:: figure.yaml
   :theme: dark
"""

MYST = """\
# Notes

```{convanim}
:mode: maxpool
:i: 4
:k: 2
```

```{convanim}
mode: conv
i: 5
k: 3
player: no
```
"""

CONFIG = "input_size: 4\nkernel_size: 2\nstride: 2\nmode: avgpool\n"


def sphinx(src: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", *args,
                           str(src), str(out)], capture_output=True, text=True, timeout=300)


def project(tmp_path: Path, rst: str = RST) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["convanim.sphinx", "myst_parser"]\n'
                                 'project = "t"\n')
    (src / "index.rst").write_text(rst)
    (src / "notes.md").write_text(MYST)
    (src / "figure.yaml").write_text(CONFIG)
    return src


def stamps(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()}


def gif_frames(spec: dict[str, object], tmp: Path) -> list[np.ndarray]:
    path = convanim.render(spec, tmp / "check.gif")
    with Image.open(path) as im:
        return [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]


def players(page: str) -> list[str]:
    return re.findall(r'<script type="application/json" class="cvp-data">', page)


def test_sphinx_project_builds_caches_and_runs_in_a_browser(tmp_path: Path, page: Page
                                                            ) -> None:
    src, out = project(tmp_path), tmp_path / "html"
    first = sphinx(src, out, "-W")
    assert first.returncode == 0, first.stderr
    index = (out / "index.html").read_text(encoding="utf-8")
    notes = (out / "notes.html").read_text(encoding="utf-8")
    assert len(players(index)) == 2 and len(players(notes)) == 1
    alt = ("Transposed convolution of a 3x3 input with a 3x3 kernel, stride 2, padding 1, "
           "giving a 5x5 output.")
    assert f'aria-label="{alt}"' in index
    images = out / "_images"
    webp = re.search(r'<img src="(_images/[^"]+\.webp)" alt="([^"]+)"', index)
    gif = re.search(r'<img src="(_images/[^"]+\.gif)" alt="([^"]+)"', notes)
    assert webp and gif
    assert webp.group(2).startswith("Convolution of a 4x4 input with a 3x3 kernel")
    with Image.open(out / gif.group(1)) as im:
        assert im.n_frames == len(convanim.plan(convanim.Spec(i=5, k=3)).frames)
    # The transposed player's frames are the GIF's pixels.
    shown = [p for p in images.glob("*.html")
             if alt in p.read_text(encoding="utf-8")]
    frames, _, _ = read_player(shown[0])
    expected = gif_frames({"mode": "transposed", "i": 3, "k": 3, "s": 2, "p": 1}, tmp_path)
    assert len(frames) == len(expected)
    assert all((a == b).all() for a, b in zip(frames, expected))

    before = stamps(images)
    for args in (["-W"], ["-W", "-E"]):  # unchanged, then a fresh environment
        again = sphinx(src, out, *args)
        assert again.returncode == 0, again.stderr
        assert stamps(images) == before  # nothing rendered, nothing replaced

    parallel = sphinx(src, tmp_path / "parallel", "-W", "-j", "auto")
    assert parallel.returncode == 0, parallel.stderr
    assert sorted(os.listdir(tmp_path / "parallel" / "_images")) == sorted(before)

    p = page.page
    p.goto((out / "index.html").as_uri())
    p.wait_for_function("() => document.querySelectorAll('[data-ready]').length === 2")
    broken = p.eval_on_selector_all("img", "els => els.filter(e => !e.complete || "
                                    "e.naturalWidth === 0).map(e => e.src)")
    assert broken == []
    assert page.errors == []


@pytest.mark.parametrize(("old", "new", "line", "option"), [
    (":k: 3\n   :player: no", ":k: 0\n   :player: no", 17, "kernel_size"),
    (":s: 2\n   :p: 1", ":s: fast\n   :p: 1", 12, "stride"),
    (":output: webp", ":output: avi", 19, "output"),
    (":i: 4\n", ":kernal: 4\n", 16, "'kernal'"),
])
def test_sphinx_bad_value_fails_a_strict_build_naming_document_line_option(
        tmp_path: Path, old: str, new: str, line: int, option: str) -> None:
    assert old in RST
    src = project(tmp_path, RST.replace(old, new, 1))
    result = sphinx(src, tmp_path / "html", "-W")
    assert result.returncode != 0
    errors = [row for row in result.stderr.splitlines() if "convanim:" in row]
    assert len(errors) == 1, result.stderr
    assert f"index.rst:{line}:" in errors[0] and option in errors[0]
    assert "Traceback" not in result.stderr


def test_myst_fence_error_names_the_markdown_line(tmp_path: Path) -> None:
    src = project(tmp_path)
    (src / "notes.md").write_text(MYST.replace("i: 5", "i: 5\nstride: -2"))
    result = sphinx(src, tmp_path / "html", "-W")
    assert result.returncode != 0
    assert re.search(r"notes\.md:12: .*convanim: stride: ", result.stderr), result.stderr


MKDOCS_PAGE = """\
# Home

```convanim
mode: transposed
i: 3
k: 3
s: 2
```

```convanim
i: 4
k: 3
player: no
output: webp
```
"""


def mkdocs(site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=site,
                          capture_output=True, text=True, timeout=300)


def test_mkdocs_site_builds_caches_and_fails_on_a_bad_value(tmp_path: Path, page: Page
                                                            ) -> None:
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    # The theme's highlight.js comes from a CDN, which these tests must not reach.
    (tmp_path / "mkdocs.yml").write_text("site_name: t\ntheme:\n  name: mkdocs\n"
                                         "  highlightjs: false\nplugins:\n  - convanim\n")
    (tmp_path / "docs" / "index.md").write_text(MKDOCS_PAGE)
    (tmp_path / "docs" / "sub" / "page.md").write_text(
        "# Sub\n\n```convanim\nmode: maxpool\ni: 4\nk: 2\nplayer: no\n```\n")
    first = mkdocs(tmp_path)
    assert first.returncode == 0, first.stderr
    site = tmp_path / "site"
    index = (site / "index.html").read_text(encoding="utf-8")
    sub = (site / "sub" / "page" / "index.html").read_text(encoding="utf-8")
    assert len(players(index)) == 1
    assert re.search(r'<img src="assets/convanim/[^"]+\.webp"', index)
    found = re.search(r'<img src="(\.\./\.\./assets/convanim/[^"]+\.gif)"', sub)
    assert found and (site / "sub" / "page" / found.group(1)).resolve().is_file()
    cache = tmp_path / ".convanim-cache"
    before = stamps(cache)
    assert len(before) == 3
    again = mkdocs(tmp_path)
    assert again.returncode == 0, again.stderr
    assert stamps(cache) == before

    p = page.page
    p.goto((site / "index.html").as_uri())
    p.wait_for_selector("[data-convanim-player][data-ready]")
    broken = p.eval_on_selector_all("img", "els => els.filter(e => !e.complete || "
                                    "e.naturalWidth === 0).map(e => e.src)")
    # MkDocs' own theme (js/base.js -> bootstrap.bundle.min.js) fails to set up a modal.
    errors = [e for e in page.errors if "reading 'backdrop'" not in e]
    assert broken == [] and errors == []
    assert p.locator("[data-convanim-player]").get_attribute("data-frames") == str(
        len(convanim.plan(convanim.Spec(i=3, k=3, s=2, mode="transposed")).frames))

    (tmp_path / "docs" / "index.md").write_text(MKDOCS_PAGE.replace("k: 3\ns: 2", "k: 3\ns: 0"))
    bad = mkdocs(tmp_path)
    assert bad.returncode != 0
    assert "docs/index.md:7: stride: " in bad.stderr and "Traceback" not in bad.stderr
