"""The top-level Python API: convanim.render and convanim.animate."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import convanim
from convanim.writers import read_animation


def test_render_accepts_a_mapping_with_options(tmp_path: Path) -> None:
    path = convanim.render({"i": 4, "k": 3, "values": False}, tmp_path / "a.gif", frame_ms=200)
    frames, durations = read_animation(path)
    assert len(frames) == 2 + 4 and durations[1] == 200


def test_animate_shows_itself_in_jupyter_and_saves(tmp_path: Path) -> None:
    anim = convanim.animate(convanim.Spec(i=3, k=2), values=False)
    html = anim._repr_html_()
    payload = html.split("base64,")[1].split('"')[0]
    assert base64.b64decode(payload)[:6] == b"GIF89a"
    saved = anim.save(tmp_path / "a.webp")
    assert len(read_animation(saved)[0]) == len(anim.frames) == 2 + 4


def test_importing_convanim_does_not_load_matplotlib() -> None:
    code = "import sys, convanim; convanim.plan(convanim.Spec(i=3, k=2)); " \
           "print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
