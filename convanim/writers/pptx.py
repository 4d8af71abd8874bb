"""A slide deck (``.pptx``): one slide per frame, the frame's caption in the speaker notes.

PowerPoint, Keynote and Google Slides show only the first frame of a GIF on most exports
(python-pptx issue 501), so a deck gets one still per frame instead; stepping through the
slides steps through the animation. Slides are 16:9 (13.333 x 7.5 in) unless the metadata
says ``"slide": "figure"`` (``--size`` or ``--aspect`` was given): then the slide takes the
figure's own shape. The frame is centred at the largest size that fits, as a lossless PNG
with the alt sentence as its description. Needs the optional ``python-pptx``
(``pip install convanim[pptx]``).

>>> import numpy as np, tempfile, os
>>> out = os.path.join(tempfile.mkdtemp(), "deck.pptx")
>>> with PptxWriter(out, metadata={"captions": ["first", "second"]}) as w:
...     w.append(np.zeros((90, 160, 3), np.uint8), 100)
...     w.append(np.ones((90, 160, 3), np.uint8), 100)
>>> from pptx import Presentation
>>> deck = Presentation(out)
>>> len(deck.slides), deck.slides[1].notes_slide.notes_text_frame.text
(2, 'second')
"""

from __future__ import annotations

import datetime
import io
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from convanim.writers._atomic import TempFile
from convanim.writers._base import AnimationWriter, Color
from convanim.writers._errors import WriteError

EMU_PER_INCH = 914_400
SLIDE_W = int(13.333 * EMU_PER_INCH)  # PowerPoint's own 16:9 "widescreen"
SLIDE_H = int(7.5 * EMU_PER_INCH)
MARGIN = EMU_PER_INCH // 4


MISSING = ("writing .pptx needs python-pptx: pip install 'convanim[pptx]' (or write "
           "slides.pdf with --frames key, one page per frame)")


def pptx_available() -> bool:
    """Whether python-pptx can be imported (the renderer refuses a deck early without it).

    >>> pptx_available()
    True
    """
    try:
        import pptx  # noqa: F401
    except ImportError:
        return False
    return True


def _presentation() -> Any:
    try:
        from pptx import Presentation
    except ImportError:
        raise WriteError(MISSING) from None
    return Presentation()


class PptxWriter(AnimationWriter):
    """What ``open_writer`` returns for ``.pptx``; ``metadata`` gives captions and alt text."""

    format = "pptx"

    def __init__(self, path: str | os.PathLike[str], *, loop: bool = True,
                 palette: Sequence[Color] | None = None,
                 metadata: Mapping[str, Any] | None = None) -> None:
        self.metadata = dict(metadata or {})
        super().__init__(path, loop=loop, palette=palette)

    def _open(self) -> None:
        self._deck = _presentation()
        self._tmp = TempFile(self.path)

    def _append(self, rgb: np.ndarray, ms: int) -> None:
        from convanim.writers.apng import png_bytes

        deck = self._deck
        height, width = rgb.shape[:2]
        if self.frame_count == 0:
            deck.slide_width = SLIDE_W
            deck.slide_height = (round(SLIDE_W * height / width)
                                 if self.metadata.get("slide") == "figure" else SLIDE_H)
        slide = deck.slides.add_slide(deck.slide_layouts[6])  # the blank layout
        room_w, room_h = deck.slide_width - 2 * MARGIN, deck.slide_height - 2 * MARGIN
        if self.metadata.get("slide") == "figure":
            room_w, room_h = deck.slide_width, deck.slide_height
        scale = min(room_w / width, room_h / height)
        pic_w, pic_h = round(width * scale), round(height * scale)
        picture = slide.shapes.add_picture(
            io.BytesIO(png_bytes(rgb)), (deck.slide_width - pic_w) // 2,
            (deck.slide_height - pic_h) // 2, pic_w, pic_h)
        alt = str(self.metadata.get("alt") or "")
        if alt:
            picture._element.nvPicPr.cNvPr.set("descr", alt)  # the picture's alt text
        captions = self.metadata.get("deck_captions") or self.metadata.get("captions") or []
        if self.frame_count < len(captions) and captions[self.frame_count]:
            slide.notes_slide.notes_text_frame.text = str(captions[self.frame_count])

    def _finish(self) -> None:
        props = self._deck.core_properties
        props.title = str(self.metadata.get("title") or "convanim")
        props.author = props.last_modified_by = "convanim"
        # A fixed date: the same figure gives the same deck (python-pptx would use now).
        props.created = props.modified = datetime.datetime(2000, 1, 1)
        self._deck.save(self._tmp.file)
        self._tmp.commit()

    def _discard(self) -> None:
        self._tmp.discard()
