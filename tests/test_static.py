"""Figures that show without JavaScript and follow the theme (issue 26).

The player page is opened in Chromium with scripts off: the poster must be the figure's last
frame (compared with the GIF decoded by Pillow, not with our own reader), carry the alt
sentence, and the dead controls must be hidden. With scripts on, the poster gives way to the
canvas. A dark figure's caption and counter are light on dark.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageSequence

import convanim
from convanim.explain import alt_text
from tests.browser import Page


def _last_gif_frame(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]
    return frames[-1]


@pytest.mark.parametrize("spec", [{"i": 5, "k": 3, "s": 2, "p": 1},
                                  {"i": 4, "k": 2, "mode": "maxpool", "theme": "dark"}])
def test_player_without_javascript_shows_the_last_frame_with_its_alt(
        tmp_path: Path, browser: Any, spec: dict) -> None:
    gif = convanim.render(spec, tmp_path / "a.gif")
    page_path = convanim.render(spec, tmp_path / "a.html")
    context = browser.new_context(java_script_enabled=False, device_scale_factor=1,
                                  viewport={"width": 1400, "height": 1200})
    try:
        page = context.new_page()
        page.goto(page_path.resolve().as_uri())
        poster = page.locator(".cvp-poster")
        assert poster.is_visible()
        bare = {k: v for k, v in spec.items() if k != "theme"}
        assert poster.get_attribute("alt") == alt_text(convanim.Spec.from_dict(bare))
        assert not page.locator(".cvp-canvas").is_visible()
        assert not page.locator(".cvp-controls").is_visible()
        shot = np.asarray(Image.open(io.BytesIO(poster.screenshot())).convert("RGB"))
        assert len(np.unique(shot.reshape(-1, 3), axis=0)) > 4  # not a blank box
        assert shown_unresampled(shot, _last_gif_frame(gif))
        assert page.locator(".cvp-caption").inner_text().strip()  # the last frame's caption
    finally:
        context.close()


def test_with_javascript_the_poster_gives_way_to_the_player(tmp_path: Path, page: Page) -> None:
    path = convanim.render({"i": 4, "k": 3}, tmp_path / "a.html")
    page.page.goto(path.resolve().as_uri())
    page.page.wait_for_selector("[data-convanim-player][data-ready]")
    assert not page.page.locator(".cvp-poster").is_visible()
    assert page.page.locator(".cvp-canvas").is_visible()
    assert page.page.locator(".cvp-controls").is_visible()
    assert page.errors == []


def _rgb(css: str) -> tuple[int, ...]:
    return tuple(int(v) for v in css[css.index("(") + 1: css.index(")")].split(",")[:3])


def _luminance(color: tuple[int, ...]) -> float:
    def linear(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_player_chrome_follows_the_theme(tmp_path: Path, page: Page, theme: str) -> None:
    path = convanim.render({"i": 4, "k": 3, "theme": theme}, tmp_path / "a.html")
    page.page.goto(path.resolve().as_uri())
    page.page.wait_for_selector("[data-convanim-player][data-ready]")
    style = "(s) => [getComputedStyle(s).color, getComputedStyle(document.body).backgroundColor]"
    for selector in (".cvp-caption", ".cvp-count", ".cvp-controls label", ".cvp-play"):
        color, page_bg = page.page.eval_on_selector(selector, style)
        text, ground = _luminance(_rgb(color)), _luminance(_rgb(page_bg))
        contrast = (max(text, ground) + 0.05) / (min(text, ground) + 0.05)
        assert contrast >= 4.5, (selector, color, page_bg)  # WCAG AA for body text
        assert (ground < 0.2) == (theme == "dark"), (selector, page_bg)


def test_notebook_bundle_has_the_player_a_still_and_a_summary(tmp_path: Path) -> None:
    import json

    anim = convanim.animate({"i": 5, "k": 3, "s": 2, "p": 1})
    bundle = anim._repr_mimebundle_()
    assert "data-convanim-player" in bundle["text/html"]
    still = np.asarray(Image.open(io.BytesIO(bundle["image/png"])).convert("RGB"))
    gif = anim.save(tmp_path / "a.gif")
    np.testing.assert_array_equal(still, _last_gif_frame(gif))  # the figure, not a blank box
    text = bundle["text/plain"]
    assert repr(anim) == text and "object at 0x" not in text
    width, height = anim.layout.size
    assert f"{len(anim)} frames, {width}x{height} px" in text and ".save(" in text
    # As an executed notebook stores it (nbformat: PNG in base64): the frames once, one still.
    output = {"output_type": "display_data", "metadata": {}, "data": {
        "text/html": bundle["text/html"], "text/plain": text,
        "image/png": __import__("base64").b64encode(bundle["image/png"]).decode()}}
    stored = len(json.dumps(output))
    assert stored <= 1.5 * gif.stat().st_size + 2 * len(bundle["image/png"]) + 20_000


def shown_unresampled(shot: np.ndarray, frame: np.ndarray) -> bool:
    """``frame`` pixel for pixel in an element screenshot. Chromium rounds the clip outward:
    an odd-width element centred on the page sits half a pixel off, so the clip is one pixel
    wider and the (pixel-snapped, unresampled) frame is at offset 0 or 1 in it."""
    h, w = frame.shape[:2]
    if not (0 <= shot.shape[0] - h <= 1 and 0 <= shot.shape[1] - w <= 1):
        return False
    return any(np.array_equal(shot[dy: dy + h, dx: dx + w], frame)
               for dx in range(shot.shape[1] - w + 1) for dy in range(shot.shape[0] - h + 1))
