"""`convanim gallery`: index.html, gallery.md, and --check keeping committed figures in sync."""

from __future__ import annotations

import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from convanim.cli import cli
from convanim.gallery.page import alt_text, formula
from convanim.geometry import Spec
from convanim.writers import read_animation

REPO = Path(__file__).resolve().parent.parent
PICKED = ["padding_strides_odd_transposed", "dilation", "numerical_max_pooling"]


class Page(HTMLParser):
    """Collects every src/href, img alt, and <pre> text of a page; fails on unbalanced tags."""

    VOID = frozenset({"meta", "img", "br", "link", "source", "input", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.alts: list[str] = []
        self.pres: list[str] = []
        self.stack: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.links += [v for k, v in attrs if k in ("src", "href") and v is not None]
        if tag == "img":
            self.alts.append(values.get("alt") or "")
        self.scripts += tag == "script"
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag == "pre":
            self.pres.append("")

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "pre":
            self.pres[-1] += data


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    assert page.stack == [], page.stack
    return page


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A small docs repo: three conv_arithmetic configs and a multi-animation file."""
    configs = tmp_path / "configs"
    (configs / "conv_arithmetic").mkdir(parents=True)
    for name in PICKED:
        shutil.copy(REPO / "configs" / "conv_arithmetic" / f"{name}.yaml",
                    configs / "conv_arithmetic")
    (configs / "extra").mkdir()
    (configs / "extra" / "pair.yaml").write_text(
        "defaults: {mode: transposed, i: 2, k: 2, values: false}\n"
        "animations:\n  - {name: plain}\n  - {name: scatter, view: scatter, s: 2}\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(cli, ["gallery", "-j", "1", "--cell-px", "12", *args],
                              catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def test_gallery_writes_a_page_that_only_points_at_real_files(site: Path) -> None:
    result = run()
    assert result.exit_code == 0, result.output
    gallery = site / "outputs" / "gallery"
    page = parse(gallery / "index.html")
    assert page.scripts == 1  # sizes the player frames; inline, nothing fetched
    names = [*PICKED, "plain", "scatter"]
    # Every figure: its player (an iframe) and a link to the animation file.
    assert sorted(page.links) == sorted([f"{n}.{s}" for n in names for s in ("gif", "html")])
    assert all((gallery / link).is_file() for link in page.links)
    for name in names:  # the player shows the GIF's frames
        gif = read_animation(gallery / f"{name}.gif")
        player = read_animation(gallery / f"{name}.html")
        assert gif[1] == player[1] and all(np.array_equal(a, b) for a, b in zip(gif[0], player[0]))
    assert all(alt.endswith("output.") and len(alt) > 40 for alt in page.alts)
    text = (gallery / "index.html").read_text()
    odd = Spec(i=3, k=3, s=2, p=1, output_padding=1, mode="transposed")
    assert odd.label in text and formula(odd) in text and alt_text(odd) in text
    assert text.index('id="conv_arithmetic"') < text.index('id="extra"')


def test_page_yaml_renders_the_same_animation(site: Path) -> None:
    assert run().exit_code == 0
    gallery = site / "outputs" / "gallery"
    page = parse(gallery / "index.html")
    gifs = [link for link in page.links if link.endswith(".gif")]
    assert len(page.pres) == len(gifs)
    for link, text in zip(gifs, page.pres):
        options = yaml.safe_load(text)
        assert options["cell_px"] == 12  # the command-line override is part of the recipe
        config = site / f"again_{link}.yaml"
        config.write_text(text)
        again = site / f"again_{link}"
        result = CliRunner().invoke(cli, ["render", str(config), "-o", str(again)])
        assert result.exit_code == 0, result.output
        old, old_ms = read_animation(gallery / link)
        new, new_ms = read_animation(again)
        assert old_ms == new_ms and all(np.array_equal(a, b) for a, b in zip(old, new)), link


def test_markdown_table_links_work_from_the_readme(site: Path) -> None:
    assert run().exit_code == 0
    markdown = (site / "outputs" / "gallery" / "gallery.md").read_text()
    assert markdown.startswith("### conv_arithmetic\n")
    links = [part.split(")")[0] for part in markdown.split("](")[1:]]
    assert len(links) == 5 and all((site / link).is_file() for link in links)
    assert "![Max pooling of a 5x5 input" in markdown


def test_check_fresh_touched_changed_and_deleted(site: Path) -> None:
    assert run().exit_code == 0
    gallery = site / "outputs" / "gallery"
    before = snapshot(gallery)
    fresh = run("--check")
    assert fresh.exit_code == 0, fresh.output
    assert "7 up to date" in fresh.output  # five animations and the two pages
    config = site / "configs" / "conv_arithmetic" / "dilation.yaml"
    os.utime(config)  # touched but not changed: still up to date
    assert run("--check").exit_code == 0
    config.write_text(config.read_text().replace("dilation: 2", "dilation: 1"))
    changed = run("--check")
    assert changed.exit_code == 1
    stale = [line for line in changed.output.splitlines()
             if " stale " in line and not line.startswith("[")]
    assert [line.split()[0] for line in stale] == ["dilation", "index.html", "gallery.md"]
    config.write_text(config.read_text().replace("dilation: 1", "dilation: 2"))
    (gallery / "numerical_max_pooling.gif").unlink()
    deleted = run("--check")
    assert deleted.exit_code == 1
    assert "outputs/gallery/numerical_max_pooling.gif does not exist" in deleted.output
    assert "1 missing" in deleted.output
    assert snapshot(gallery) == {k: v for k, v in before.items()
                                 if k != "numerical_max_pooling.gif"}
    assert "are stale, missing or failed" in deleted.stderr


def test_check_sees_a_theme_change_and_writes_nothing_without_a_gallery(site: Path) -> None:
    assert run("--theme", "classic").exit_code == 0
    assert run("--theme", "classic", "--check").exit_code == 0
    result = run("--check")  # the configs say nothing: the default theme now
    assert result.exit_code == 1 and "has different pixels" in result.output
    shutil.rmtree(site / "outputs")
    assert run("--check").exit_code == 1
    assert not (site / "outputs").exists()


def test_failed_config_leaves_a_valid_page_and_exit_1(site: Path) -> None:
    (site / "configs" / "extra" / "broken.yaml").write_text("i: 4\nk: 9\n")
    result = run()
    assert result.exit_code == 1
    assert "configs/extra/broken.yaml:2: kernel_size:" in result.stderr
    gallery = site / "outputs" / "gallery"
    links = parse(gallery / "index.html").links
    assert len(links) == 2 * 5 and all((gallery / link).is_file() for link in links)


def test_orphans_are_noted(site: Path) -> None:
    (site / "outputs" / "gallery").mkdir(parents=True)
    (site / "outputs" / "gallery" / "renamed_long_ago.gif").write_bytes(b"GIF89a")
    result = run()
    assert result.exit_code == 0
    assert "renamed_long_ago.gif is made by no config" in result.output


def test_gallery_without_configs_folder_is_a_usage_error(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run()
    assert result.exit_code == 2 and "no configs/ folder here" in result.stderr


def test_the_repository_configs_all_make_jobs(tmp_path: Path) -> None:
    from convanim.gallery import find_configs, make_jobs

    batch = make_jobs(find_configs([REPO / "configs"]), tmp_path, {})
    assert not batch.problems and not batch.collisions
    sections = {job.section for job in batch.jobs}
    assert sections == {"channels", "chains", "conv_arithmetic", "seeds", "showcase",
                        "upsampling", "perspective", "pooling", "conv", "backward", "photo",
                        "volumes"}
    names = {job.name for job in batch.jobs}
    assert {"four_steps", "checkerboard_k3_s2", "even_k4_s2", "keras_conv_same",
            "conv1d", "non_square", "reflect_padding", "dilated_transposed", "cs231n_conv",
            "depthwise", "pointwise", "grouped", "transposed_channels"} <= names


@pytest.mark.parametrize("name", ["convanim.gallery.jobs", "convanim.gallery.compare",
                                  "convanim.gallery.page", "convanim.gallery.pool",
                                  "convanim.gallery.work", "convanim.commands.batch"])
def test_docstring_examples(name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
