"""Figures that fit: exact boxes, resolution that scales everything, frame selection, stills."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from convanim.api import animate
from convanim.cli import cli
from convanim.draw import Renderer, RenderOptions
from convanim.draw.themes import THEMES, rgb
from convanim.geometry import Spec, plan
from convanim.writers import read_animation

DEFAULT = {"i": 3, "k": 3, "s": 2, "p": 1, "mode": "transposed"}


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return invoke


@pytest.mark.parametrize("args", [["-i", "5", "-k", "3", "-s", "2", "-p", "1"],
                                  ["-m", "transposed", "-i", "3", "-k", "3", "-s", "2"]])
@pytest.mark.parametrize("size", ["1920x1080", "640x480"])
def test_size_is_exact(run, tmp_path: Path, args: list[str], size: str) -> None:
    result = run("render", *args, "--size", size, "-o", "a.gif", "--frame-ms", "20",
                 "--hold-ms", "20")
    assert result.exit_code == 0, result.output
    frames, _ = read_animation(tmp_path / "a.gif")
    want = tuple(int(v) for v in size.split("x"))
    assert all(f.shape[1::-1] == want for f in frames)
    # Letterboxed with the theme's background: the corners are background.
    assert frames[0][0, 0].tolist() == list(rgb(THEMES["light"].background))


def test_aspect_and_width_make_a_16_9_box() -> None:
    anim = animate({"i": 5, "k": 3, "s": 2, "p": 1}, width=1280, aspect="16:9")
    assert anim.frames[0].shape[:2] == (720, 1280)
    alone = animate({"i": 5, "k": 3}, aspect="16:9").frames[0]
    assert abs(alone.shape[1] / alone.shape[0] - 16 / 9) < 0.01


def test_a_bigger_box_scales_cells_and_text_together() -> None:
    small = Renderer(plan(Spec(i=5, k=3, p=1)), RenderOptions(size="640x360")).layout
    big = Renderer(plan(Spec(i=5, k=3, p=1)), RenderOptions(size="1920x1080")).layout
    assert big.cell_px >= 2.5 * small.cell_px
    assert big.fonts["title"].size_px >= 2 * small.fonts["title"].size_px


def _ink_inside_cells(dpi: int) -> None:
    renderer = Renderer(plan(Spec(i=5, k=3, s=2, p=1)), RenderOptions(dpi=dpi))
    frame = next(renderer.frames())[0]  # the input frame: no window outline over the gaps
    layout, background = renderer.layout, np.array(rgb(renderer.theme.background))
    box = layout.panels["grid"]
    assert box.gap >= 2
    inked = 0
    for r in range(box.rows):
        for c in range(box.cols):
            x0, y0, x1, y1 = layout.cell_box("grid", r, c)
            look = frame[y0 + 3:y1 - 3, x0 + 3:x1 - 3].reshape(-1, 3)
            # A digit adds colours to the cell's fill, the most common colour.
            _, counts = np.unique(look, axis=0, return_counts=True)
            inked += int((counts.sum() - counts.max()) > 0)
            if c + 1 < box.cols:  # the gap to the right neighbour holds no ink
                gap = frame[y0:y1, x1:layout.cell_box("grid", r, c + 1)[0]]
                assert (gap == background).all(), (dpi, r, c)
    assert inked >= 5 * 5  # the input's digits are drawn, not dropped


@pytest.mark.parametrize("dpi", [100, 200])
def test_dpi_keeps_every_digit_inside_its_cell(dpi: int) -> None:
    _ink_inside_cells(dpi)


def test_dpi_is_resolution() -> None:
    low = animate({"i": 5, "k": 3}, dpi=100).frames[0]
    high = animate({"i": 5, "k": 3}, dpi=200).frames[0]
    assert abs(high.shape[1] / low.shape[1] - 2) < 0.1


def test_key_storyboard_has_at_most_8_tiles(tmp_path: Path) -> None:
    out = animate(DEFAULT, frames="key").storyboard(tmp_path / "key.svg")
    texts = [el.text or "" for el in ET.parse(out).getroot().iter(
        "{http://www.w3.org/2000/svg}text")]
    labels = [t for t in texts if re.fullmatch(r"\d+\. [a-z ]+( \d+/\d+)?", t)]
    assert 2 <= len(labels) <= 8
    assert labels[0] == "1. input" and labels[-1] == "29. output"
    # One shared title for the page, not one per tile.
    assert sum(t.startswith("transposed conv") for t in texts) == 1


def test_columns_shape_the_page(tmp_path: Path) -> None:
    wide = animate(DEFAULT, frames="key", columns=6).storyboard(tmp_path / "w.png")
    tall = animate(DEFAULT, frames="key", columns=1).storyboard(tmp_path / "t.png")
    with Image.open(wide) as w, Image.open(tall) as t:
        assert w.width > 5 * t.width // 2 and t.height > 5 * w.height // 2


def test_max_slides_keeps_even_positions_and_says_so() -> None:
    anim = animate({"i": 8, "k": 4, "s": 2, "p": 1, "mode": "transposed"}, max_slides=6,
                   values=False)
    phases = [f.phase for f in anim.plan.frames]
    assert len(anim) == sum(p != "slide" for p in phases) + 6
    assert "6 of" in anim.layout.title and "positions" in anim.layout.title


def test_storyboard_alone_writes_no_animation(run, tmp_path: Path) -> None:
    result = run("render", "--storyboard", "b.png", "--frames", "key")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b.png").stat().st_size > 0
    assert not (tmp_path / "outputs").exists()


@pytest.mark.parametrize("name", ["f.png", "f.pdf", "f.svg"])
def test_single_frame(run, tmp_path: Path, name: str) -> None:
    result = run("render", "-i", "4", "-k", "3", "-o", name, "--frame", "last")
    assert result.exit_code == 0, result.output
    data = (tmp_path / name).read_bytes()
    if name.endswith(".png"):
        assert b"acTL" not in data  # a still PNG, not an animated one
        frames, _ = read_animation(tmp_path / name)
        assert len(frames) == 1
        last = animate({"i": 4, "k": 3}).frames[-1]
        np.testing.assert_array_equal(frames[0], last)
    elif name.endswith(".svg"):
        assert b"<text" in data


def test_frame_out_of_range_is_one_clear_line(run) -> None:
    result = run("render", "-i", "4", "-k", "3", "-o", "f.png", "--frame", "99")
    assert result.exit_code == 2
    assert "frame" in result.output and "1..6" in result.output


def test_transparent_png_and_apng_clear_only_the_background(run, tmp_path: Path) -> None:
    anim = animate(DEFAULT)
    background = np.array(rgb(THEMES["light"].background))
    assert run("render", "-o", "a.png", "--transparent").exit_code == 0
    assert run("render", "-o", "s.png", "--frame", "last", "--transparent").exit_code == 0
    with Image.open(tmp_path / "a.png") as im:
        assert im.n_frames == len(anim.frames)
        for index in (0, 5, len(anim.frames) - 1):
            im.seek(index)
            rgba = np.array(im.convert("RGBA"))
            drawn = anim.frames[index]
            is_bg = (drawn == background).all(axis=2)
            assert (rgba[..., 3][is_bg] == 0).all() and (rgba[..., 3][~is_bg] == 255).all()
            # The GIF's palette rule: exact up to 255 colours, nearest entry for the rest.
            diff = np.abs(rgba[..., :3][~is_bg].astype(int) - drawn[~is_bg])
            assert diff.mean() < 1 and diff.max() <= 64
    with Image.open(tmp_path / "s.png") as im:
        rgba = np.array(im.convert("RGBA"))
    assert rgba[0, 0, 3] == 0 and rgba[..., 3].max() == 255


def test_transparent_gif_is_refused_without_a_file(run, tmp_path: Path) -> None:
    result = run("render", "-o", "a.gif", "--transparent")
    assert result.exit_code == 2 and ".png" in result.output
    assert not (tmp_path / "a.gif").exists()
