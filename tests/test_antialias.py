"""Anti-aliasing: slanted edges of the perspective style are blends, and a GIF keeps them.

The measure: a drawn (non-background) pixel is a blend when its colour is not one of the
figure's pure colours (the theme's own colours and any colour covering 1% of the drawn
pixels, such as the see-through window's tint) but lies within 4 RGB units of the straight
line between two of them. conv_arithmetic's frames score 22% by this measure, the aliased
painter this replaced 6%.
"""

from __future__ import annotations

import io
from dataclasses import fields

import numpy as np
from PIL import Image

from convanim.draw import THEMES, Renderer, RenderOptions, render
from convanim.draw.smooth import downsample, stroke
from convanim.draw.themes import Look, rgb
from convanim.geometry import Spec, plan


def pure_colours(theme: str) -> list[tuple[int, int, int]]:
    t = THEMES[theme]
    out = [rgb(t.background), rgb(t.ink), rgb(t.muted), rgb(t.outline), rgb(t.link)]
    for f in fields(t):
        value = getattr(t, f.name)
        if isinstance(value, Look):
            out += [rgb(value.fill), rgb(value.edge), rgb(value.text), rgb(value.hatch_color)]
    return out


def blend_share(frame: np.ndarray, known: list, frequent: float = 0.01) -> float:
    px = frame.reshape(-1, 3).astype(float)
    vals, inv, counts = np.unique(px, axis=0, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    drawn = inv != counts.argmax()
    pure = {tuple(v) for v, n in zip(vals, counts) if n >= frequent * drawn.sum()}
    pure |= {tuple(float(c) for c in k) for k in known}
    p = np.array(sorted(pure))
    a, b = np.triu_indices(len(p), 1)
    start, span = p[a], p[b] - p[a]
    norm = np.maximum((span * span).sum(1), 1e-9)
    blend = np.zeros(len(vals), bool)
    for i, c in enumerate(vals):
        if tuple(c) not in pure:
            t = np.clip(((c - start) * span).sum(1) / norm, 0, 1)[:, None]
            blend[i] = (np.linalg.norm(start + t * span - c, axis=1) <= 4).any()
    return float(blend[inv][drawn].mean())


def test_measure_tells_smooth_from_aliased() -> None:
    # A slanted black line on white: hard-edged it has no blends, anti-aliased most are.
    hard = np.full((40, 40, 3), 255, np.uint8)
    for x in range(40):
        hard[int(x * 0.4) + 5, x] = 0
    smooth = np.full((40, 40, 3), 255, np.uint8)
    stroke(smooth, [((0.0, 5.0), (40.0, 21.0))], np.array([0, 0, 0]), 1.0)
    assert blend_share(hard, [(0, 0, 0)], 1.0) == 0
    assert blend_share(smooth, [(0, 0, 0)], 1.0) > 0.5


def test_perspective_frames_without_values_are_at_least_15_percent_blends(tmp_path) -> None:
    out = render({"i": 5, "k": 3}, tmp_path / "p.gif", style="perspective", values=False)
    gif = Image.open(io.BytesIO(out.read_bytes()))
    shares = []
    for index in range(1, gif.n_frames):
        gif.seek(index)
        shares.append(blend_share(np.asarray(gif.convert("RGB")), pure_colours("light")))
    assert np.median(shares) >= 0.15, shares


def test_gif_keeps_the_blends_of_a_perspective_figure(tmp_path) -> None:
    # ~300 colours for the 184 entries the theme's own colours leave free: 98% of the
    # pixels keep their own entry, the rest go to a near neighbour. (The aliased
    # painter this replaced: worst error 40 with the same palette.)
    for theme in ("light", "dark"):
        options = {"style": "perspective", "values": False, "theme": theme}
        painted = [f.copy() for f, _ in Renderer(plan(Spec(i=5, k=3)),
                                                 RenderOptions(**options)).frames()]
        gif = Image.open(render({"i": 5, "k": 3}, tmp_path / f"{theme}.gif", **options))
        for index, frame in enumerate(painted):
            gif.seek(index)
            error = np.abs(np.asarray(gif.convert("RGB")).astype(int) - frame).max(axis=2)
            assert error.max() <= 48 and (error == 0).mean() > 0.98, (theme, index)
            # A role's colour is never approximated: the theme's colours are exact.
            packed = frame.astype(np.int64) @ np.array([1 << 16, 1 << 8, 1])
            own = np.isin(packed, [(r << 16) | (g << 8) | b for r, g, b in pure_colours(theme)])
            assert (error[own] == 0).all(), (theme, index)


def test_downsample_is_the_block_mean() -> None:
    rng = np.random.default_rng(3)
    hi = rng.integers(0, 256, (6, 9, 3)).astype(np.uint8)
    want = np.floor(hi.reshape(2, 3, 3, 3, 3).astype(float).mean(axis=(1, 3)) + 0.5)
    assert (downsample(hi, 3) == want).all()
