"""The top-level Python API: convanim.render and convanim.animate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageSequence

import convanim
from convanim.explain import alt_text
from convanim.writers import read_animation
from convanim.writers.html import read_player


def test_render_accepts_a_mapping_with_options(tmp_path: Path) -> None:
    path = convanim.render({"i": 4, "k": 3, "values": False}, tmp_path / "a.gif", frame_ms=200)
    frames, durations = read_animation(path)
    assert len(frames) == 2 + 4 and durations[1] == 200


def test_animate_shows_itself_in_jupyter_and_saves(tmp_path: Path) -> None:
    anim = convanim.animate(convanim.Spec(i=3, k=2), values=False)
    html = anim._repr_html_()
    # One output: the player (no second PNG/GIF representation), labelled with the alt text.
    assert not hasattr(anim, "_repr_png_")
    assert html.count('<div class="cvp" data-convanim-player') == 1
    alt = alt_text(anim.plan.spec)
    assert alt.endswith("output.") and f'aria-label="{alt}"' in html
    # The player's frames are the animation's GIF frames (decoded by Pillow).
    page = tmp_path / "shown.html"
    page.write_text(html, encoding="utf-8")
    frames, _, _ = read_player(page)
    gif = anim.save(tmp_path / "a.gif")
    with Image.open(gif) as im:
        expected = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]
    assert all((a == b).all() for a, b in zip(frames, expected, strict=True))
    saved = anim.save(tmp_path / "a.webp")
    assert len(read_animation(saved)[0]) == len(anim.frames) == 2 + 4


def test_importing_convanim_does_not_load_matplotlib() -> None:
    code = "import sys, convanim; convanim.plan(convanim.Spec(i=3, k=2)); " \
           "print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
