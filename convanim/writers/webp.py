"""Animated lossless WebP via Pillow, with frames held zlib-compressed until the end.

Pillow 13's WebP ``save_all`` turns ``append_images`` into a list and needs the frame count
before encoding, so a generator cannot feed it as frames arrive. It does, however, walk a
multi-frame image with ``n_frames``/``seek()``; :class:`_StoredFrames` is such an image, and
it inflates one stored frame per ``seek``. Memory is therefore the compressed frames (a few
KB each for flat drawings; about 8 KB at 400x300, i.e. ~16 MB for 2,000 frames) plus one raw
frame, and libwebp's own encoded output. libwebp merges a frame identical to the previous one
into it (the durations add up), so the file may hold fewer frames than were appended.
"""

from __future__ import annotations

import zlib

import numpy as np
from PIL import Image

from convanim.writers._atomic import TempFile
from convanim.writers._base import AnimationWriter

# Lossless keeps flat colours exact. method 1 / quality 50 is ~5x faster than the default
# method 4 at nearly the same size on drawings. kmax=0 turns off libwebp's periodic key frames:
# it then encodes each frame once (as the changed rectangle) instead of also trying it as a
# full key frame, which halves the time and shrinks the file; looping players never seek.
LOSSLESS_OPTIONS = {"lossless": True, "method": 1, "quality": 50, "kmin": 0, "kmax": 0}


class _StoredFrames(Image.Image):
    """A read-only multi-frame RGB image whose frames are inflated on demand."""

    def __init__(self, blobs: list[bytes], size: tuple[int, int]) -> None:
        super().__init__()
        self._blobs = blobs
        self._mode = "RGB"
        if getattr(self, "mode", None) != "RGB":  # Pillow 10.0 kept mode as a plain attribute
            self.mode = "RGB"
        self._size = size
        self._frame = -1
        self.seek(0)

    @property
    def n_frames(self) -> int:
        return len(self._blobs)

    @property
    def is_animated(self) -> bool:
        return len(self._blobs) > 1

    def seek(self, frame: int) -> None:
        if frame != self._frame:
            raw = zlib.decompress(self._blobs[frame])
            self.im = Image.frombytes("RGB", self._size, raw).im
            self._frame = frame

    def tell(self) -> int:
        return self._frame


class WebpWriter(AnimationWriter):
    """What ``open_writer`` returns for ``.webp``."""

    format = "webp"

    def _open(self) -> None:
        self._tmp = TempFile(self.path)
        self._blobs: list[bytes] = []
        self._durations: list[int] = []

    def _append(self, rgb: np.ndarray, ms: int) -> None:
        # Level 1: ~0.6 ms per 400x300 frame and still ~45x smaller than raw for drawings.
        self._blobs.append(zlib.compress(rgb.tobytes(), 1))
        self._durations.append(ms)

    def _finish(self) -> None:
        assert self.size is not None
        frames = _StoredFrames(self._blobs, self.size)
        frames.save(
            self._tmp.file,
            format="WEBP",
            save_all=True,
            duration=self._durations,
            # ANIM loop count: 0 repeats forever, 1 plays once.
            loop=0 if self.loop else 1,
            **LOSSLESS_OPTIONS,
        )
        self._blobs.clear()
        self._tmp.commit()

    def _discard(self) -> None:
        self._blobs.clear()
        self._tmp.discard()
