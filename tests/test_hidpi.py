"""High-DPI: ``hidpi`` doubles the pixels, and the HTML player shows them 1:1 on a screen with
devicePixelRatio 2 (Chromium with device_scale_factor=2), at the 1x figure's CSS size."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import convanim
from convanim.cli import cli
from convanim.draw import Renderer, RenderOptions
from convanim.geometry import Spec, SpecError, plan

SPEC = {"i": 4, "k": 3, "p": 1}


def test_hidpi_doubles_the_dpi_and_the_figure() -> None:
    one = Renderer(plan(Spec(**SPEC)), RenderOptions()).layout.size
    two = Renderer(plan(Spec(**SPEC)), RenderOptions(hidpi=True)).layout.size
    assert RenderOptions(hidpi=True).dpi == 200 and RenderOptions(dpi=150, hidpi=True).dpi == 300
    # About twice as large (text lines round to whole pixels at each dpi).
    assert 1.9 <= two[0] / one[0] <= 2.1 and 1.7 <= two[1] / one[1] <= 2.1
    with pytest.raises(SpecError, match="hidpi"):
        RenderOptions(dpi=400, hidpi=True)


def test_cli_flag_and_yaml_key(tmp_path: Path) -> None:
    out = CliRunner().invoke(cli, ["render", "-i", "4", "-k", "3", "--hidpi", "-o",
                                   str(tmp_path / "a.html")])
    assert out.exit_code == 0, out.output
    config = tmp_path / "a.yaml"
    config.write_text("input_size: 4\nkernel_size: 3\nhidpi: true\n")
    out = CliRunner().invoke(cli, ["render", str(config), "-o", str(tmp_path / "b.png"),
                                   "--frame", "1"])
    assert out.exit_code == 0, out.output
    w, h = Renderer(plan(Spec(i=4, k=3)), RenderOptions(hidpi=True)).layout.size
    # Sides rounded up to even: half of each is a whole CSS pixel.
    assert Image.open(tmp_path / "b.png").size == (w + w % 2, h + h % 2)


@pytest.mark.parametrize("style", ["flat", "perspective"])
def test_player_is_crisp_at_device_pixel_ratio_2(tmp_path: Path, browser: Any,
                                                 style: str) -> None:
    gif = convanim.render(SPEC, tmp_path / "a.gif", hidpi=True, style=style)
    html = convanim.render(SPEC, tmp_path / "a.html", hidpi=True, style=style)
    with Image.open(gif) as im:
        width, height = im.size
        first = np.asarray(im.convert("RGB"))
    page = browser.new_page(viewport={"width": 1200, "height": 1000}, device_scale_factor=2)
    try:
        page.goto(html.resolve().as_uri())
        page.wait_for_selector("[data-convanim-player][data-ready]")
        box = page.locator(".cvp-canvas").bounding_box()
        # Half the image's pixels in CSS pixels: one image pixel per device pixel.
        assert abs(box["width"] - width / 2) < 0.01 and abs(box["height"] - height / 2) < 0.01
        page.keyboard.press("Home")
        # The whole viewport in device pixels, cut at the canvas. Chromium snaps the canvas to
        # a device pixel next to its layout box's (a half CSS pixel away when centred), so
        # the frame must appear exactly, unresampled, at one of the offsets around it.
        page.mouse.move(0, 0)
        screen = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB"))
        x, y = round(box["x"] * 2), round(box["y"] * 2)
        assert width % 2 == 0 and height % 2 == 0
        assert any(np.array_equal(screen[y + dy: y + dy + height, x + dx: x + dx + width], first)
                   for dx in (-1, 0, 1) for dy in (-1, 0, 1))
    finally:
        page.close()
