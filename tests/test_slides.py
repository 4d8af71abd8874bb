"""Slides and papers (issue 26): a multi-page PDF and a .pptx deck, one page/slide per frame.

Counts and pixels are checked against the frames of the same options decoded by Pillow (which
frames ``--frames key`` keeps is not re-derived from our own selector); pages are read with
pypdf and decks with python-pptx, both independent of the writers.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageSequence

from convanim.cli import cli

SPEC = ["-i", "5", "-k", "3", "-s", "2", "-p", "1"]


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, ["render", *SPEC, *args], catch_exceptions=False)


def gif_frames(path: Path) -> list[np.ndarray]:
    with Image.open(path) as im:
        return [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]


@pytest.mark.parametrize("pick", [["--frames", "key"], ["--max-slides", "3"]])
def test_pdf_has_one_page_per_picked_frame_at_the_figure_size(tmp_path: Path,
                                                              pick: list[str]) -> None:
    pypdf = pytest.importorskip("pypdf")
    assert invoke(*pick, "-o", str(tmp_path / "a.gif")).exit_code == 0
    frames = gif_frames(tmp_path / "a.gif")
    result = invoke(*pick, "-o", str(tmp_path / "slides.pdf"))
    assert result.exit_code == 0, result.output
    reader = pypdf.PdfReader(tmp_path / "slides.pdf")
    assert len(reader.pages) == len(frames) > 1
    height, width = frames[0].shape[:2]
    for page in reader.pages:  # the figure's size at the default 100 dpi, in points
        assert float(page.mediabox.width) == pytest.approx(width * 72 / 100, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(height * 72 / 100, abs=0.5)
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert len(set(texts)) == len(texts)  # each page a different frame, with real text
    # Without a pick, a .pdf stays one still (the last frame).
    assert invoke("-o", str(tmp_path / "one.pdf")).exit_code == 0
    assert len(pypdf.PdfReader(tmp_path / "one.pdf").pages) == 1


def _slide_pictures(path: Path) -> tuple[object, list[np.ndarray], list[str]]:
    from pptx import Presentation

    deck = Presentation(path)
    pictures, notes = [], []
    for slide in deck.slides:
        (shape,) = [s for s in slide.shapes if s.shape_type == 13]  # MSO_SHAPE_TYPE.PICTURE
        pictures.append(np.asarray(Image.open(io.BytesIO(shape.image.blob)).convert("RGB")))
        notes.append(slide.notes_slide.notes_text_frame.text)
    return deck, pictures, notes


def test_pptx_has_one_slide_per_key_frame_with_captions_in_the_notes(tmp_path: Path) -> None:
    pytest.importorskip("pptx")
    # The lossless frames (a folder of PNGs; the GIF's palette rounds anti-aliased pixels).
    assert invoke("--frames", "key", "-o", str(tmp_path / "frames") + "/").exit_code == 0
    frames = [np.asarray(Image.open(p).convert("RGB"))
              for p in sorted((tmp_path / "frames").glob("*.png"))]
    result = invoke("--frames", "key", "-o", str(tmp_path / "deck.pptx"))
    assert result.exit_code == 0, result.output
    deck, pictures, notes = _slide_pictures(tmp_path / "deck.pptx")
    assert len(pictures) == len(frames) > 1
    for got, want in zip(pictures, frames):
        np.testing.assert_array_equal(got, want)
    assert deck.slide_width * 9 == pytest.approx(deck.slide_height * 16, rel=1e-3)
    assert all(notes) and len(set(notes)) == len(notes)
    assert "kernel" in " ".join(notes)


def test_pptx_slide_takes_the_given_size(tmp_path: Path) -> None:
    pytest.importorskip("pptx")
    result = invoke("--frames", "1,last", "--size", "800x600", "-o", str(tmp_path / "d.pptx"))
    assert result.exit_code == 0, result.output
    deck, pictures, _ = _slide_pictures(tmp_path / "d.pptx")
    assert len(pictures) == 2 and pictures[0].shape[:2] == (600, 800)
    assert deck.slide_width * 3 == pytest.approx(deck.slide_height * 4, rel=1e-3)


def test_pptx_without_python_pptx_says_how_to_get_it(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pptx", None)  # import pptx now raises ImportError
    result = CliRunner().invoke(cli, ["render", *SPEC, "-o", str(tmp_path / "d.pptx")])
    assert result.exit_code == 2
    assert "convanim[pptx]" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "d.pptx").exists()


def test_fast_pdf_text_writes_what_matplotlib_writes(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    pypdf = pytest.importorskip("pypdf")
    from convanim.draw import vector
    from convanim.draw.options import RenderOptions
    from convanim.draw.pages import write_pages
    from convanim.draw.storyboard import write_storyboard
    from convanim.geometry import Spec, plan

    the_plan = plan(Spec(i=3, k=3, s=2, p=1, mode="transposed"))
    options = RenderOptions(frames="key", theme="print")
    files = {}
    recorded: list[str] = []
    real = vector._PdfText._record
    monkeypatch.setattr(vector._PdfText, "_record",
                        lambda self, gc, text, prop: recorded.append(text) or real(
                            self, gc, text, prop))
    for fast in (True, False):
        monkeypatch.setattr(vector, "FAST_PDF_TEXT", fast)
        files[fast] = (write_storyboard(the_plan, options, tmp_path / f"b{fast}.pdf"),
                       write_pages(the_plan, options, tmp_path / f"p{fast}.pdf"))
    assert len(recorded) > 5  # the fast path ran (each distinct string recorded once)
    for fast_file, plain_file in zip(files[True], files[False]):
        assert fast_file.read_bytes() == plain_file.read_bytes()
    text = pypdf.PdfReader(files[True][0]).pages[0].extract_text()
    assert "transposed" in text.replace(" ", "")


def test_api_saves_pages_and_decks_one_per_shown_frame(tmp_path: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    pytest.importorskip("pptx")
    from pptx import Presentation

    import convanim

    anim = convanim.animate({"i": 4, "k": 3}, frames="key")
    assert len(pypdf.PdfReader(anim.save(tmp_path / "a.pdf")).pages) == len(anim)
    assert len(Presentation(anim.save(tmp_path / "a.pptx")).slides) == len(anim)
