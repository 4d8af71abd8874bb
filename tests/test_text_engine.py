"""Text through Pillow's FreeType engine with fallback faces (issue 25).

Oracles are independent of convanim's text module: the fonts' own character maps (read by
fontTools), Pillow drawing a string straight from a font file, and the SVG/PDF files'
contents as written by matplotlib.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

from convanim.api import animate
from convanim.draw.text import (
    BUNDLED,
    COMMON,
    FAMILY,
    KERN_PX,
    drawable,
    face_for,
    font_file,
    get_font,
)

CIRCLED_A = "\u24b6"  # in STIXGeneral, not in DejaVu Sans
NO_FONT = "\U00010000"  # Linear B: in no bundled face


def cmap(path: str) -> set[int]:
    with TTFont(path, lazy=True) as face:
        return set(face["cmap"].getBestCmap())


def pillow_mask(path: str, size_px: float, text: str) -> np.ndarray:
    """``text`` drawn by Pillow from the font file, cropped to its ink."""
    face = ImageFont.truetype(path, size_px, layout_engine=ImageFont.Layout.BASIC)
    image = Image.new("L", (200, 60))
    ImageDraw.Draw(image).text((20, 40), text, font=face, fill=255, anchor="ls")
    box = image.getbbox()
    assert box is not None
    return np.asarray(image.crop(box))


def ink(mask: np.ndarray) -> np.ndarray:
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return mask[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1]


def test_the_faces_are_matplotlibs_bundled_files_and_hold_the_common_characters() -> None:
    for (family, bold), name in BUNDLED.items():
        path = font_file(family, bold)
        assert path is not None and path.endswith("mpl-data/fonts/ttf/" + name)
    for bold in (False, True):
        have = cmap(font_file(FAMILY, bold))
        assert {ord(c) for c in COMMON} <= have, "COMMON skips the lookup: every face has it"


@pytest.mark.parametrize("bold", [False, True])
def test_a_character_the_primary_lacks_comes_from_the_fallback_not_a_box(bold: bool) -> None:
    primary, stix = font_file(FAMILY, bold), font_file("STIXGeneral", bold)
    assert ord(CIRCLED_A) not in cmap(primary) and ord(CIRCLED_A) in cmap(stix)
    font = get_font(12, 100, bold=bold)
    drawn = ink(font.render(CIRCLED_A).mask)
    size = font.size_px
    assert np.array_equal(drawn, pillow_mask(stix, size, CIRCLED_A))
    tofu = pillow_mask(primary, size, CIRCLED_A)  # DejaVu's .notdef box
    assert drawn.shape != tofu.shape or not np.array_equal(drawn, tofu)
    # Mixed with text of the primary face: both runs are drawn, advances add up.
    mixed = font.render("x" + CIRCLED_A)
    assert mixed.width == pytest.approx(font.measure("x") + font.measure(CIRCLED_A))


def test_greek_is_drawn_by_the_primary_face_exactly_as_pillow_draws_it() -> None:
    font = get_font(9, 100)
    assert face_for("α")[0] == FAMILY
    assert np.array_equal(ink(font.render("αβγ").mask),
                          pillow_mask(font_file(FAMILY), font.size_px, "αβγ"))


def test_a_character_no_face_has_becomes_a_question_mark() -> None:
    assert face_for(NO_FONT) is None
    assert drawable("a" + NO_FONT) == "a?"
    font = get_font(9, 100)
    assert np.array_equal(font.render("a" + NO_FONT).mask, font.render("a?").mask)


def test_width_matches_the_mask_and_kerning_applies_from_kern_px() -> None:
    small, large = get_font(9, 100), get_font(KERN_PX * 72 / 100 + 1, 100)
    for font in (small, large):
        image = font.render("Wave 0×3 = 8")
        assert image.width == pytest.approx(font.measure("Wave 0×3 = 8"))
        assert image.left + image.mask.shape[1] <= image.width + font.size_px / 4
    # DejaVu's kerning pulls A and V together at large sizes; below, hinted advances add up.
    assert large.measure("AV") < large.measure("A") + large.measure("V") - 0.5
    assert small.measure("AV") == small.measure("A") + small.measure("V")


def test_text_is_anti_aliased_with_full_coverage_in_stems() -> None:
    mask = get_font(9, 100).render("kernel 180").mask
    assert mask.max() == 255 and ((mask > 0) & (mask < 255)).any()


def test_unicode_titles_stay_text_in_svg_with_the_fallback_family(tmp_path: Path) -> None:
    title = "Greek αβγ " + CIRCLED_A + " <b>&amp;</b> $x$"
    path = animate({"i": 3, "k": 2}, title=title).storyboard(tmp_path / "t.svg")
    data = path.read_text()
    root = ET.fromstring(data)
    texts = [el.text for el in root.iter("{http://www.w3.org/2000/svg}text")]
    assert title in texts  # escaped characters, not markup; no mathtext either
    assert "<b>" not in data
    css = re.findall(r"font-family: ([^;]*);", data)
    assert "'DejaVu Sans', 'STIXGeneral'" in css and "'DejaVu Sans'" in css


def test_the_pdf_embeds_the_fallback_face_for_its_character(tmp_path: Path) -> None:
    path = animate({"i": 3, "k": 2}, title="A " + CIRCLED_A).storyboard(tmp_path / "t.pdf")
    fonts = set(re.findall(rb"/FontName /[A-Z]{6}\+([A-Za-z-]+)", path.read_bytes()))
    assert b"STIXGeneral-Bold" in fonts and b"DejaVuSans-Bold" in fonts


@pytest.mark.parametrize(("size_pt", "bold"), [(9, False), (12, True), (7.3, False),
                                                (7.3, True), (8.5, False), (11, False)])
def test_glyphs_side_by_side_draw_what_pillow_draws_for_the_whole_string(size_pt: float,
                                                                          bold: bool) -> None:
    """Glyphs are rasterized once and placed with Pillow's hinted advances and kerning;
    overlapping neighbours (a kerned "rn" at 10 px) blend as Pillow blends them."""
    font = get_font(size_pt, 100, bold=bold)
    face = ImageFont.truetype(font_file(FAMILY, bold), font.size_px,
                              layout_engine=ImageFont.Layout.BASIC)
    for text in ("0×3 + 0×3 + 2×3 + 1×2 + 0×1 = 8 −12·ᵀ≤≥", " two  spaces ",
                 "3. slide the 3×3 kernel, rotated 180° with stride 2",
                 "Wave To AV y. r- rn rm ff fi fl ffi", "input padding inserted zero",
                 "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 ()[]{}"):
        ours = np.zeros((40, 1000), np.uint8)
        image = font.render(text)
        h, w = image.mask.shape
        ours[30 - image.baseline: 30 - image.baseline + h, 10 + image.left: 10 + image.left + w] \
            = image.mask
        theirs = Image.new("L", (1000, 40))
        ImageDraw.Draw(theirs).text((10, 30), text, font=face, fill=255, anchor="ls")
        assert np.array_equal(ours, np.asarray(theirs)), text
        assert image.width == face.getlength(text) == font.measure(text)


def test_svg_text_in_chromium_has_the_raster_width_and_keeps_double_spaces(
        tmp_path: Path, browser: Any) -> None:
    """The browser lays the SVG's text out in the same face and size as the frame's text:
    the title's advance width (pt) is the raster width (px at 100 dpi) x 0.72, within the
    hinting of small sizes; its two spaces are kept (SVG collapses them by default)."""
    title = "Padded  input 7×7"
    path = animate({"i": 3, "k": 2}, title=title).storyboard(tmp_path / "t.svg")
    page = browser.new_page()
    try:
        page.goto(path.resolve().as_uri())
        width, size = page.evaluate("""t => {
            const e = [...document.querySelectorAll('text')].filter(e => e.textContent === t)[0];
            return [e.getComputedTextLength(), parseFloat(getComputedStyle(e).fontSize)];
        }""", title)
        single = page.evaluate("""t => [...document.querySelectorAll('text')]
            .filter(e => e.textContent === t)[0].getSubStringLength(7, 1)""", title)
    finally:
        page.close()
    font = get_font(size, 100, bold=True)  # the SVG's pt are the frame's px at 100 dpi
    assert abs(width - font.measure(title) * 0.72) <= 0.04 * width
    # A collapsed space has no advance; a kept one is a space of this face.
    assert abs(single - font.measure(" ") * 0.72) < 0.15 * single


def test_a_right_to_left_word_stays_in_its_place_in_a_left_to_right_title() -> None:
    """libraqm takes a line's direction from its first strong character unless told; a
    title is a left-to-right line, so a Latin word after a Hebrew one stays on the right."""
    font = get_font(9, 100, bold=True)
    x = ink(font.render("x").mask)
    line = font.render("\u05e9\u05dc\u05d5\u05dd x")
    end = np.flatnonzero(line.mask.any(0))[-1] + 1
    assert np.array_equal(ink(line.mask[:, end - x.shape[1] - 1: end]), x)
