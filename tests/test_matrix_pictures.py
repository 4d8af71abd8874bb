"""The matrix view as a newcomer reads it: every frame changes something (no step that only
repeats the last picture), the small input and output grids are numbered like x and y, and
a tall, narrow C does not leave the canvas's right part empty."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from convanim import Spec, plan
from convanim.draw.animate import Renderer
from convanim.draw.matrix import MatrixPainter, render_matrix_frames
from convanim.draw.options import RenderOptions
from convanim.draw.themes import THEMES, rgb


@pytest.mark.parametrize("spec", [
    Spec(i=3, k=3, s=2, mode="transposed", view="matrix"),  # zeros inserted and padding
    Spec(i=4, k=3, p=1, view="matrix"),  # padding
    Spec(i=7, k=3, s=2, p=(1, 2), dims=1, padding_mode="reflect", view="matrix"),
])
def test_every_frame_changes_the_picture(spec: Spec) -> None:
    frames = [image for image, _ in render_matrix_frames(plan(spec))]
    assert all(not np.array_equal(a, b) for a, b in pairwise(frames))
    # The animation's writer gets the same frames, with the same durations.
    renderer = Renderer(plan(spec))
    assert len(list(renderer.frames())) == len(frames) == len(renderer.durations())


def test_the_left_out_frames_are_said_in_the_first_caption() -> None:
    painter = MatrixPainter(plan(Spec(i=3, k=3, s=2, mode="transposed", view="matrix")),
                            RenderOptions())
    note = painter.captions[0][1]
    assert "insert s-1 = 1 zero" in note and "pad each side" in note and "no column" in note


def test_small_grids_are_numbered_and_fill_the_canvas() -> None:
    painter = MatrixPainter(plan(Spec(i=3, k=3, s=2, mode="transposed", view="matrix")),
                            RenderOptions())
    geo = painter.geo
    # The largest number (48, the last output cell) fits its mini cell: every cell shows it.
    assert painter.f_small.measure(str(painter.n_out - 1)) <= geo.g - 2
    assert painter.f_small.size_px <= geo.g - 2
    image = painter.paint(0)
    ink = (image != np.array(rgb(THEMES["light"].background))).any(axis=(0, 2))
    used = np.flatnonzero(ink)
    assert (used[-1] - used[0]) / geo.width > 0.8, "the right part of the canvas is empty"
