"""Numbers a newcomer can read: one text size per panel, never under 10 px, never clipped.

A panel's numbers share one font, the largest that fits its widest number in a cell (so a
6-digit value does not shrink on its own while its neighbours stay large). Cells show numbers
of at most five characters (``132k``, ``-12.3``); the formula line keeps them exact.

>>> cell_fmt(132456.0), cell_fmt(-12.345), cell_fmt(7.0)
('132k', '-12.3', '7')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from convanim.draw.formula import TIMES, fmt

if TYPE_CHECKING:
    from convanim.draw.scene import Scene

MIN_TEXT_PX = 10.0  # no text in a figure is smaller (a 10 px font: digits about 7 px tall)
MAX_CELL_CHARS = 5
_SUFFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


@lru_cache(maxsize=4096)
def cell_fmt(value: float) -> str:
    """A cell's number in at most five characters: ``fmt`` when it is that short, else
    three significant digits with a k/M/G/T suffix, or fewer decimals.

    >>> cell_fmt(123456.0), cell_fmt(-1500000.0), cell_fmt(123.456), cell_fmt(1e20)
    ('123k', '-1.5M', '123.5', '1e+20')
    >>> cell_fmt(0.001), cell_fmt(-0.0012), cell_fmt(-0.00012)
    ('0.001', '-1e-3', '-1e-4')
    """
    text = fmt(value)
    if len(text) <= MAX_CELL_CHARS or not math.isfinite(value):
        return text
    size = abs(value)
    for scale, suffix in _SUFFIXES:
        if size >= scale * 0.9995:
            for digits in (2, 1, 0):
                short = _trim(f"{value / scale:.{digits}f}") + suffix
                if len(short) <= MAX_CELL_CHARS:
                    return short
            break
    for digits in (2, 1, 0):
        short = _trim(f"{value:.{digits}f}")
        if short in ("0", "-0") and value != 0:
            break  # a small value is not zero: its exponent form below
        if len(short) <= MAX_CELL_CHARS:
            return "0" if short == "-0" else short
    return f"{value:.0e}".replace("e-0", "e-").replace("e+0", "e+")


def uniform_fmt(values: np.ndarray) -> Callable[[float], str]:
    """One number format for a panel: whole numbers as they are, else every number with the
    same decimals (``2.00`` beside ``1.67``, not ``2``), as many as fit in five characters.

    >>> f = uniform_fmt(np.array([2.0, 5 / 3]))
    >>> f(2.0), f(5 / 3), uniform_fmt(np.array([2.0, 3.0]))(2.0)
    ('2.00', '1.67', '2')
    >>> uniform_fmt(np.array([0.001, 1.5]))(0.001)  # never a false zero
    '0.001'

    """
    finite = np.asarray(values, float)
    finite = finite[np.isfinite(finite)]
    if not finite.size or np.array_equal(finite, np.round(finite)):
        return cell_fmt
    for digits in (2, 1):
        texts = {f"{v:.{digits}f}" for v in finite.tolist()}
        hidden = any(v != 0 and round(v, digits) == 0 for v in finite.tolist())
        if not hidden and all(len(t) <= MAX_CELL_CHARS for t in texts) and (
                digits == 1 or len(texts) == len({cell_fmt(v) for v in finite.tolist()})):
            return lambda v, d=digits: (f"{v:.{d}f}" if math.isfinite(v) else cell_fmt(v))
    return cell_fmt


def _trim(text: str) -> str:
    """``"1.50"`` -> ``"1.5"``, ``"100"`` stays (only decimals lose zeros).

    >>> _trim("2.00"), _trim("100")
    ('2', '100')
    """
    return text.rstrip("0").rstrip(".") if "." in text else text


def panel_strings(scene: Scene) -> dict[str, list[str]]:
    """Every distinct number each panel of ``scene`` can show in a cell's centre, and its
    small notes (``sub``).

    >>> from convanim.geometry import Spec, plan
    >>> from convanim.draw.scene import Scene
    >>> sorted(panel_strings(Scene(plan(Spec(i=3, k=3)))))
    ['grid', 'kernel', 'sub', 'target']
    """
    plan = scene.plan
    grid: set[str] = set()
    for g in plan.grids.values():
        grid.update(cell_fmt(v) for v in np.ravel(g.values).tolist())
    out = getattr(scene, "target_fmt", cell_fmt)
    target = {out(v) for v in np.ravel(plan.target.values).tolist()}
    for frame in plan.frames:
        if frame.phase == "slide":
            target.update(out(v) for v in np.ravel(frame.sums).tolist())
    shown = np.ravel(scene.kernel_shown)
    kernel = {cell_fmt(v) for v in shown[~np.isnan(shown)].tolist()}
    # Small notes: the weight under a window cell, the product a scatter step adds.
    sub = {TIMES + fmt(v) for v in shown[~np.isnan(shown)].tolist()}
    for frame in plan.frames:
        if frame.phase == "slide":
            sub.update(TIMES + fmt(v) for v in np.ravel(frame.weights).tolist())
            sub.update("+" + fmt(v) for v in np.ravel(frame.products).tolist())
    return {"grid": sorted(grid), "target": sorted(target), "kernel": sorted(kernel),
            "sub": sorted(sub)}


def fitted_pt(size_pt: float, dpi: int, strings: list[str], room: float, family: str) -> float:
    """The largest size up to ``size_pt`` (in quarter points) at which every one of
    ``strings`` is at most ``room`` pixels wide.

    >>> fitted_pt(9.0, 100, ["7"], 30, "DejaVu Sans"), fitted_pt(9.0, 100, ["123456"], 30,
    ...                                                           "DejaVu Sans") < 9
    (9.0, True)
    """
    from convanim.draw.text import get_font

    size = size_pt
    wide = widest(strings, get_font(size, dpi, family=family).measure)
    if wide > room > 0:
        size = math.floor(size * room / wide * 4) / 4
        while size > 1 and widest(strings, get_font(size, dpi, family=family).measure) > room:
            size -= 0.25
    return size


def widest(strings: list[str], measure: object) -> float:
    """The widest of ``strings`` as ``measure`` (a font's) sees it; 0 for none.

    >>> widest(["1", "100"], len)
    3
    """
    return max((measure(s) for s in strings), default=0)  # type: ignore[operator]
