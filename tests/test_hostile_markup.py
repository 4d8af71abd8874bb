"""Hostile names, titles and paths stay text in everything a browser or Markdown renderer reads.

Entry names, config folder names, output paths and titles carrying ``<img onerror>``,
``<svg onload>``, ``<b onmouseover>``, quotes, backticks, ``|``, ``]()`` and ``-->`` go
through the gallery (index.html, gallery.md rendered by Python-Markdown), the HTML player,
SVG frames and storyboards, and the Sphinx and MkDocs builds; each page is then opened in
Chromium. Passing means: no dialog opened and no trap called, no element carries an ``on*``
attribute, no ``javascript:`` link, no element of a kind the hostile text names (``b``,
``svg`` in an HTML page, an ``img`` pointing at ``x``), and the hostile text is on the page
as text (so the check looks at the right page).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import markdown
import pytest
import yaml
from click.testing import CliRunner

from convanim.cli import cli
from tests.browser import Page

FOLDER = "<img src=x onerror=alert(1)> `f` | x"
NAME = "<svg onload=alert(2)> ](javascript:alert(3)) `n` | -->"
TITLE = "<b onmouseover=alert(4)>t</b> \"q\" 'a' `c` | [l](javascript:alert(5)) --> $x$"
OUTPUT = "<img src=y onerror=alert(6)> `o` | ](z).gif"
SCRIPT_OUT = "javascript:alert(7).gif"

# Runs before any page script, in every frame: records what a hostile script would call.
TRAP = """
window.__hits = [];
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = function (x) { window.__hits.push(name + ":" + x); };
}
"""

# Everything that would show a hostile tag turned into an element.
PROBE = """() => {
  const bad = [];
  for (const e of document.querySelectorAll("*")) {
    for (const a of e.attributes) {
      if (a.name.startsWith("on")) { bad.push(e.tagName + " " + a.name); }
      if (/^\\s*javascript:/i.test(a.value) && (a.name === "href" || a.name === "src")) {
        bad.push(e.tagName + " " + a.name + "=" + a.value);
      }
    }
    const tag = e.tagName.toLowerCase();
    if (tag === "b" || tag === "script" && /alert/.test(e.textContent + e.src)
        && !e.closest("[data-convanim-player]")
        || tag === "img" && /^(x|y)$/.test(e.getAttribute("src"))) {
      bad.push(tag);
    }
  }
  // A player's title is data (its JSON), shown by the player as text: read it back too.
  const titles = [...document.querySelectorAll(".cvp-data")].map(
    e => String(JSON.parse(e.textContent).meta.title || ""));
  return {bad: bad, hits: window.__hits || [],
          text: document.documentElement.textContent + "\\n" + titles.join("\\n")};
}"""


def check_page(browser: Any, url: str, expect: list[str]) -> None:
    """Open ``url``, let every frame load, and assert no hostile text became markup."""
    page = Page(browser)
    dialogs: list[str] = []
    page.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.page.add_init_script(TRAP)
    try:
        page.page.goto(url, wait_until="load")
        page.page.mouse.move(5, 5)
        page.page.mouse.move(300, 200)  # over any <b onmouseover>
        page.page.wait_for_timeout(150)
        texts = []
        for frame in page.page.frames:
            found = frame.evaluate(PROBE)
            assert found["bad"] == [] and found["hits"] == [], (url, frame.url, found["bad"],
                                                                 found["hits"])
            texts.append(found["text"])
        assert dialogs == [], (url, dialogs)
        joined = "\n".join(texts)
        for text in expect:
            assert text in joined, (url, text)
    finally:
        page.page.close()


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A gallery of hostile entries (players, a GIF, an SVG storyboard) built once."""
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "configs" / FOLDER
    folder.mkdir(parents=True)
    (folder / "a.yaml").write_text(yaml.safe_dump({
        "defaults": {"i": 3, "k": 2, "values": False},
        "animations": [{"name": NAME, "output": OUTPUT, "title": TITLE},
                       {"name": "plain", "output": SCRIPT_OUT}]}), encoding="utf-8")
    out = root / "out"
    result = CliRunner().invoke(cli, ["gallery", str(root / "configs"), "-j", "1",
                                      "--cell-px", "8", "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def test_gallery_page_keeps_hostile_text_as_text(browser: Any, gallery: Path) -> None:
    check_page(browser, (gallery / "index.html").as_uri(), [FOLDER, NAME, SCRIPT_OUT])


def test_gallery_markdown_keeps_hostile_text_as_text(browser: Any, gallery: Path) -> None:
    text = (gallery / "gallery.md").read_text(encoding="utf-8")
    body = markdown.markdown(text, extensions=["tables"])
    # Every row kept its three cells: no "|" from a name split one.
    assert all(row.count("<td") == 3 for row in body.split("<tr>")[2:]), body
    page = gallery / "gallery_md.html"
    page.write_text(f'<!doctype html><meta charset="utf-8"><body>{body}</body>',
                    encoding="utf-8")
    check_page(browser, page.as_uri(), [FOLDER, NAME])
    # The image links point at the real files (percent-encoded, relative to the link base).
    from urllib.parse import unquote

    sources = [unquote(part.split('"', 1)[0]) for part in body.split('src="')[1:]]
    assert sorted(Path(s).name for s in sources) == sorted([OUTPUT, SCRIPT_OUT])


def test_player_keeps_a_hostile_title_as_text(browser: Any, gallery: Path) -> None:
    player = gallery / Path(OUTPUT).with_suffix(".html").name
    check_page(browser, player.as_uri(), [TITLE])


def test_svg_frame_and_storyboard_keep_a_hostile_title_as_text(browser: Any,
                                                                tmp_path: Path) -> None:
    frame, board = tmp_path / "frame.svg", tmp_path / "board.svg"
    for args in (["-o", str(frame)], ["-o", str(tmp_path / "a.gif"), "--storyboard",
                                      str(board)]):
        result = CliRunner().invoke(cli, ["render", "-i", "3", "-k", "2", "--title", TITLE,
                                          *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    for path in (frame, board):  # the title wraps: look for its hostile pieces
        check_page(browser, path.as_uri(), ["<b", "onmouseover=alert(4)>t</b>",
                                            "[l](javascript:alert(5))", "$x$"])


def test_docs_builds_keep_a_hostile_title_as_text(browser: Any, tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["convanim.sphinx"]\nproject = "t"\n')
    (src / "index.rst").write_text(f"Demo\n====\n\n.. convanim::\n   :i: 3\n   :k: 2\n"
                                   f"   :title: {TITLE}\n", encoding="utf-8")
    built = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src),
                            str(out)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    check_page(browser, (out / "index.html").as_uri(), [TITLE])
    site = tmp_path / "site"
    (site / "docs").mkdir(parents=True)
    (site / "mkdocs.yml").write_text("site_name: t\ntheme:\n  name: mkdocs\n"
                                     "plugins:\n  - convanim\n")
    (site / "docs" / "index.md").write_text(
        f"# T\n\n```convanim\ni: 3\nk: 2\ntitle: {json.dumps(TITLE)}\n```\n",
        encoding="utf-8")
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=site,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    check_page(browser, (site / "site" / "index.html").as_uri(), [TITLE])
