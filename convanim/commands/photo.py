"""``convanim render --input-image``: the photo figure from flags or a config entry.

The layer's own options (mode, kernel, stride, padding, dilation, padding mode, the op's
fields) are read as for every figure; the picture gives the input size. Options that do not
apply to a photo figure are refused in one line rather than ignored.

>>> _size("32,48"), _size(None)
((32, 48), 48)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from convanim.geometry import SpecError
from convanim.options import ENTRY_KEY, SPEC_KEYS, check_output, where

# Render options a photo figure does not draw (yet): refused, never silently ignored.
UNSUPPORTED = ("width", "cell_px", "dpi", "size", "height", "aspect", "layout", "style",
               "storyboard", "columns", "transparent", "frames", "input_values", "cell")
DEFAULT_FOLDER = Path("outputs")


def render_photo_command(ctx: click.Context, params: dict[str, Any]) -> Path:
    """Check the options, build the figure and write it; returns the path written.

    >>> import os, tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "cat.gif")
    >>> params = {"input_image": "sample:cat", "image_size": 8, "kernel_size": 3,
    ...           "max_slides": 3, "output": out}
    >>> render_photo_command(click.Context(click.Command("render")), params).name
    'cat.gif'
    >>> try:
    ...     render_photo_command(click.Context(click.Command("render")), {**params, "dpi": 300})
    ... except click.UsageError as err:
    ...     print(err.message)
    --dpi: photo figures (--input-image) do not take dpi; drop it
    """
    from convanim.geometry.ops import FIELDS
    from convanim.photo import photo_figure, render_photo
    from convanim.writers import confined

    for key in UNSUPPORTED:
        if params.get(key) not in (None, False, ()):
            raise click.UsageError(f"{where(ctx, key)}: photo figures (--input-image) do not "
                                   f"take {key}; drop it", ctx)
    if params.get("view") not in (None, "gather"):
        raise click.UsageError(f"{where(ctx, 'view')}: photo figures show the gather view "
                               "only; drop --view", ctx)
    entry = ctx.meta.get(ENTRY_KEY)
    base = entry.path.parent if entry is not None and entry.path is not None else None
    names = {*SPEC_KEYS, *(f.name for f in FIELDS)} - {"view"}
    spec_options = {key: params[key] for key in names if params.get(key) is not None}
    frame = params.get("frame")
    raw = params.get("output")
    try:
        fig = photo_figure(
            spec_options, params["input_image"], base=base,
            image_size=_size(params.get("image_size")),
            image_color=params.get("image_color") or "gray",
            image_scale=str(params.get("image_scale") or "255"),
            kernel=params.get("kernel_values"), theme=params.get("theme") or "light",
            max_slides=params.get("max_slides"), title=params.get("title"),
            frame_ms=params.get("frame_ms") or (round(1000 / params["fps"])
                                                if params.get("fps") else None),
            hold_ms=params.get("hold_ms"))
    except SpecError as err:
        key = err.param or "input_image"
        raise click.UsageError(f"{where(ctx, key)}: {err}", ctx) from None
    frames = len(fig.positions) + 1
    limit = params.get("max_frames") or 5000
    if frames > limit:
        raise click.UsageError(f"{where(ctx, 'max_slides')}: {frames} frames is more than the "
                               f"limit {limit}; use a smaller --max-slides", ctx)
    still = frame is not None or (raw or "").lower().endswith((".pdf", ".svg"))
    if still and (str(frame or "last").lower() != "last"
                  or not (raw or "").lower().endswith(".png")):
        raise click.UsageError(f"{where(ctx, 'frame')}: a photo figure's still is its last "
                               "frame as .png; use -o fig.png --frame last", ctx)
    output = Path(raw) if raw else DEFAULT_FOLDER / f"photo_{_slug(fig)}.gif"
    check_output(output, ctx)
    if not raw:
        output.parent.mkdir(parents=True, exist_ok=True)
    loop = params.get("loop")
    with confined(output.parent):  # a folder swapped for a symlink cannot redirect the file
        return render_photo(fig, output, loop=True if loop is None else bool(loop), still=still)


def _size(value: Any) -> int | tuple[int, ...]:
    """``--image-size`` as given (``48``, ``"32,48"`` or a list) -> int or (height, width)."""
    from convanim.photo.entry import image_size

    return image_size(value)


def _slug(fig: Any) -> str:
    kernel = fig.title.split(" on ")[0].lower().replace(" kernel", "").replace(" ", "_")
    return f"{fig.source}_{kernel}"



def photo_entries(configs: tuple[str, ...]) -> list[Any]:
    """The entries of ``configs`` when they give a photograph as the input, else ``[]``;
    a mix of photo panels and grid panels is refused in one line.

    >>> photo_entries(("configs/upsampling/compare.yaml",))
    []
    """
    from convanim.config import load_entries
    from convanim.config_keys import locate
    from convanim.photo.entry import is_photo

    entries = [entry for path in configs for entry in load_entries(path)]
    photos = [entry for entry in entries if is_photo(entry)]
    if photos and len(photos) != len(entries):
        other = next(e for e in entries if not is_photo(e))
        raise click.UsageError(f"{locate(other, 'input_image')}: panel "
                               f"{other.name or other.line} has no input_image while others "
                               "do; give every panel the picture (e.g. under defaults:)")
    return photos


def compare_photos(ctx: click.Context, entries: list[Any], output: Path,
                   params: dict[str, Any]) -> Path:
    """``convanim compare`` of panels on one photograph: checks, builds and writes it.

    Every panel must name the same picture (path, size, colour, scale); each keeps its own
    layer options and kernel.

    >>> import tempfile
    >>> entries = photo_entries(("configs/photo/upsamplers.yaml",))
    >>> out = Path(tempfile.mkdtemp(), "upsamplers.gif")
    >>> compare_photos(click.Context(click.Command("compare")), entries, out, {}) == out
    True
    """
    from convanim.config_keys import locate
    from convanim.photo import render_photo
    from convanim.photo.entry import comparison_of_entries

    for key in ("width", "cell_px", "dpi", "layout", "style", "size", "height", "aspect"):
        if params.get(key) not in (None, False, ()):
            raise click.UsageError(f"{where(ctx, key)}: photo comparisons (input_image) do "
                                   f"not take {key}; drop it", ctx)
    if output.suffix.lower() in (".pdf", ".svg"):
        raise click.UsageError(f"--output: a photo comparison is an animation, not one "
                               f"{output.suffix} page; use .gif, .webp, .mp4, .png or .html",
                               ctx)
    overrides = dict(params)
    if params.get("fps") and not params.get("frame_ms"):
        overrides["frame_ms"] = round(1000 / params["fps"])
    try:
        comp = comparison_of_entries(entries, overrides)
    except SpecError as err:
        key = err.param or "input_image"
        entry = next((e for e in entries if key in e.options), entries[0])
        raise click.UsageError(f"{locate(entry, key)}: {key}: {err}", ctx) from None
    loop = params.get("loop")
    return render_photo(comp, output, loop=True if loop is None else bool(loop))
