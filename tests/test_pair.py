"""`--pair` (a light/dark pair with reduced-motion stills and its <picture>) and `--open`.

Which file a reader gets is asked of Chromium itself (``currentSrc`` under emulated colour
scheme and reduced motion), not of our own media logic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from convanim.cli import cli
from convanim.draw.themes import THEMES, rgb

SPEC = ["-i", "4", "-k", "3", "--no-values"]


def render(*args: str) -> Any:
    return CliRunner().invoke(cli, ["render", *SPEC, *args])


def corner(path: Path) -> tuple[int, ...]:
    with Image.open(path) as im:
        return tuple(np.asarray(im.convert("RGB"))[0, 0].tolist())


@pytest.mark.parametrize(("scheme", "motion", "expected"), [
    ("light", "no-preference", "fig.gif"), ("dark", "no-preference", "fig.dark.gif"),
    ("light", "reduce", "fig.still.png"), ("dark", "reduce", "fig.dark.still.png")])
def test_pair_gives_each_reader_the_right_file(tmp_path: Path, browser: Any,
                                               monkeypatch: pytest.MonkeyPatch, scheme: str,
                                               motion: str, expected: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "img").mkdir()
    result = render("--pair", "-o", "img/fig.gif")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "img").iterdir())
    assert names == ["fig.dark.gif", "fig.dark.still.png", "fig.gif", "fig.picture.html",
                     "fig.still.png"]
    img = tmp_path / "img"
    assert corner(img / "fig.gif") == corner(img / "fig.still.png") == rgb(
        THEMES["light"].background)
    assert corner(img / "fig.dark.gif") == corner(img / "fig.dark.still.png") == rgb(
        THEMES["dark"].background)
    with Image.open(img / "fig.gif") as a, Image.open(img / "fig.still.png") as b:
        assert a.size == b.size and getattr(a, "n_frames", 1) > 1
    snippet = (img / "fig.picture.html").read_text()
    assert 'alt="Convolution of a 4x4 input' in snippet
    (tmp_path / "README.html").write_text(f"<!doctype html><body>{snippet}</body>")
    context = browser.new_context(color_scheme=scheme, reduced_motion=motion)
    try:
        page = context.new_page()
        page.goto((tmp_path / "README.html").as_uri())
        page.wait_for_function("document.querySelector('img').complete")
        assert page.eval_on_selector("img", "i => i.currentSrc").endswith("/img/" + expected)
        assert page.eval_on_selector("img", "i => i.naturalWidth") > 0
    finally:
        context.close()


def test_pair_of_a_dark_figure_is_light_and_refuses_non_images(tmp_path: Path) -> None:
    result = render("--pair", "--theme", "dark", "-o", str(tmp_path / "f.webp"))
    assert result.exit_code == 0, result.output
    assert corner(tmp_path / "f.light.webp") == rgb(THEMES["light"].background)
    assert 'media="(prefers-color-scheme: light)"' in (tmp_path / "f.picture.html").read_text()
    for bad in ("f.mp4", "f.html"):
        refused = render("--pair", "-o", str(tmp_path / bad))
        assert refused.exit_code == 2 and "--pair" in refused.output
        assert len(refused.output.strip().splitlines()) == 1
        assert not (tmp_path / bad).exists()


def test_open_launches_the_viewer_or_says_there_is_none(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from convanim import viewer

    launched: list[list[str]] = []
    monkeypatch.setattr(viewer, "_launch", lambda argv: launched.append(list(argv)))
    monkeypatch.setattr(viewer.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(viewer.sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    out = tmp_path / "a.gif"
    result = render("-o", str(out), "--open")
    assert result.exit_code == 0 and launched == [["/usr/bin/xdg-open", str(out)]]
    assert result.output.splitlines()[-1] == f"opened {out}"
    launched.clear()
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    out.unlink()
    result = render("-o", str(out), "--open")
    assert result.exit_code == 0 and launched == [] and out.is_file()
    assert "no display to open" in result.output.splitlines()[-1]
