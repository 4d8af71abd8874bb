"""Start-up and per-frame speed work must not change a single pixel (issue 16).

The fast GIF path is checked against a straightforward per-pixel reference encoder-decoder
round trip, and a raster render against importing matplotlib (text comes from Pillow).
"""

from __future__ import annotations

import io
import itertools
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import GifImagePlugin, Image

from convanim.progress import Progress
from convanim.writers._base import changed_box
from convanim.writers.gif import GifWriter, image_block

ROOT = Path(__file__).resolve().parent.parent


def test_a_warm_raster_render_imports_neither_matplotlib_nor_yaml(tmp_path: Path) -> None:
    code = ("import sys; from convanim.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('matplotlib', 'yaml')))")
    out = str(tmp_path / "a.gif")
    done = subprocess.run([sys.executable, "-c", code, "render", "-o", out], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


class ReferenceGif(GifWriter):
    """The straightforward encoder: map the whole changed rectangle, then blank what is equal."""

    def _append(self, rgb: np.ndarray, ms: int) -> None:
        out = self._tmp.file
        if self._prev is None:
            out.write(self._header(rgb.shape[1], rgb.shape[0]))
            box = (0, 0, rgb.shape[1], rgb.shape[0])
        else:
            box = changed_box(self._prev, rgb) or (0, 0, 1, 1)
        x0, y0, x1, y1 = box
        index = self._map(rgb[y0:y1, x0:x1])
        params = {}
        if self._prev is not None:
            same = (rgb[y0:y1, x0:x1] == self._prev[y0:y1, x0:x1]).all(axis=2)
            index[same] = 255
            params["transparency"] = 255
        data = GifImagePlugin.getdata(Image.fromarray(index), (x0, y0),
                                      duration=self._ticks.next(ms) * 10, disposal=1, **params)
        out.write(b"".join(data))
        self._prev = rgb.copy()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), colours=st.sampled_from([4, 40, 400]))
def test_fast_gif_bytes_equal_the_straightforward_encoder(tmp_path_factory, seed: int,
                                                          colours: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = rng.integers(1, 30, 2)
    shades = rng.integers(0, 256, (colours, 3), dtype=np.uint8)
    frame = shades[rng.integers(0, colours, (h, w))]
    frames = [frame.copy()]
    for _ in range(6):
        kind = rng.integers(0, 3)
        if kind == 1:  # a rectangle of new colours
            y, x = rng.integers(0, h), rng.integers(0, w)
            frame[y: y + rng.integers(1, 8), x: x + rng.integers(1, 8)] = \
                shades[rng.integers(0, colours)]
        elif kind == 2:  # one channel of scattered pixels
            ys, xs = rng.integers(0, h, 5), rng.integers(0, w, 5)
            frame[ys, xs, rng.integers(0, 3)] ^= 1
        frames.append(frame.copy())  # kind 0: unchanged
    folder = tmp_path_factory.mktemp("gif")
    palette = [tuple(int(c) for c in shades[0])]
    for cls, name in ((GifWriter, "fast.gif"), (ReferenceGif, "reference.gif")):
        with cls(folder / name, palette=palette) as writer:
            for rgb in frames:
                writer.append(rgb, 100)
    assert (folder / "fast.gif").read_bytes() == (folder / "reference.gif").read_bytes()
    if colours < 255:  # exact: every decoded frame is the frame appended
        with Image.open(folder / "fast.gif") as image:
            for k, rgb in enumerate(frames):
                image.seek(k)
                assert np.array_equal(np.asarray(image.convert("RGB")), rgb)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_only_on_a_terminal_after_the_delay(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    clock = itertools.chain([0.0, 0.5, 2.5], itertools.repeat(3.0))  # click reads it too
    monkeypatch.setattr("convanim.progress.time.monotonic", lambda: next(clock))
    term = FakeTerminal()
    show = Progress("rendering a.gif", term)  # starts at t=0
    show(10, 100)                             # t=0.5: too early
    assert term.getvalue() == ""
    show(50, 100)                             # t=2.5: click's bar appears
    assert "rendering a.gif" in term.getvalue() and "50/100" in term.getvalue()
    show(100, 100)
    assert term.getvalue().rstrip().endswith("100/100")
    show.close()
    last = term.getvalue().rsplit("\r", 2)
    assert last[-2].strip() == "" and len(last[-2]) >= len("rendering a.gif  100/100")
    piped = io.StringIO()
    quiet = Progress("x", piped, after=0.0)
    quiet(1, 2)
    quiet.close()
    assert piped.getvalue() == ""


def test_render_reports_progress_per_frame_and_cli_stays_silent_off_a_terminal(
        tmp_path: Path) -> None:
    from convanim.draw import render

    calls: list[tuple[int, int]] = []
    render({"i": 4, "k": 3}, tmp_path / "a.gif", progress=lambda d, t: calls.append((d, t)))
    assert calls == [(n, 6) for n in range(1, 7)]
    env = {**os.environ, "CONVANIM_CACHE_DIR": str(tmp_path / "cache")}
    for extra in ([], ["--quiet"]):
        done = subprocess.run([sys.executable, "-m", "convanim.cli", "render", "-i", "4", "-k",
                               "3", "-o", str(tmp_path / "b.gif"), *extra], env=env, cwd=ROOT,
                              capture_output=True, text=True, check=True)
        assert done.stderr == ""


@pytest.mark.parametrize("fallback", [False, True])
def test_image_block_is_what_pillows_gif_plugin_writes(monkeypatch: pytest.MonkeyPatch,
                                                       fallback: bool) -> None:
    rng = np.random.default_rng(3)
    cases = []
    for shape, transparent, ticks in (((1, 1), False, 2), ((37, 300), True, 150),
                                      ((120, 7), False, 0xFFFF)):
        index = rng.integers(0, 256, shape, dtype=np.uint8)
        index[:, : shape[1] // 2] = 255  # long transparent runs, as in real frames
        params = {"transparency": 255} if transparent else {}
        expected = b"".join(GifImagePlugin.getdata(Image.fromarray(index), (3, 4),
                                                   duration=ticks * 10, disposal=1, **params))
        cases.append((index, ticks, transparent, expected))
    if fallback:  # a Pillow whose C encoder has another name: the plugin is asked instead
        calls = []
        real = GifImagePlugin.getdata
        monkeypatch.delattr(Image.core, "gif_encoder")
        monkeypatch.setattr(GifImagePlugin, "getdata", lambda *a, **k: calls.append(k) or [b"x"])
    for index, ticks, transparent, expected in cases:
        block = image_block(index, 3, 4, ticks, transparent)
        assert block == (b"x" if fallback else expected)
    if fallback:
        assert calls[1] == {"duration": 1500, "disposal": 1, "transparency": 255}
        assert real is not GifImagePlugin.getdata
