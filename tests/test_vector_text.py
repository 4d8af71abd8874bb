"""SVG and PDF storyboards carry real, named text and stay small and reproducible."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from convanim.api import animate

DEFAULT = {"i": 3, "k": 3, "s": 2, "p": 1, "mode": "transposed"}


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return animate(DEFAULT).storyboard(tmp_path_factory.mktemp("svg") / "board.svg")


def test_default_storyboard_svg_has_text_and_is_small(board: Path) -> None:
    data = board.read_bytes()
    assert len(data) < 500_000
    root = ET.fromstring(data)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    texts = [el.text or "" for el in root.iter(ns + "text")]
    # One title per tile at least, and the frame labels, as characters not glyph outlines.
    assert sum(t == "transposed conv  i=3 k=3 s=2 p=1" for t in texts) >= 1
    assert "1. input" in texts and "29. output" in texts
    css = "".join(el.text or "" for el in root.iter(ns + "style"))
    assert "font-family: 'DejaVu Sans'" in css
    assert b"<image" not in data


def test_svg_is_reproducible(board: Path, tmp_path: Path) -> None:
    again = animate(DEFAULT).storyboard(tmp_path / "again.svg")
    assert again.read_bytes() == board.read_bytes()


def test_pdf_text_is_selectable(tmp_path: Path) -> None:
    data = animate(DEFAULT).storyboard(tmp_path / "b.pdf").read_bytes()
    # TrueType fonts embedded (type 42), so text is text; no raster images.
    assert re.search(rb"/BaseFont /([A-Z]+\+)?DejaVuSans", data) and b"/Subtype /Image" not in data
