"""Config entries that give a photograph as the input (``input_image:``), as figures.

``convanim batch`` and ``gallery`` draw such an entry as the photo figure, and a ``panels:``
config whose panels share one picture as a photo comparison (the same as ``convanim compare``).
Problems are one-line :class:`~convanim.geometry.SpecError` naming the key; the caller adds
the file and line with :func:`~convanim.config_keys.locate`.

>>> from pathlib import Path
>>> from convanim.config import load_entries
>>> entries = load_entries("configs/photo/upsamplers.yaml")
>>> is_photo(entries[0]), comparison_of_entries(entries).names
(True, ('nearest', 'bilinear', 'transposed'))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from convanim.config_keys import Entry
from convanim.geometry import SpecError
from convanim.geometry.ops import FIELDS
from convanim.photo import (
    DEFAULT_SIZE,
    PhotoComparison,
    PhotoFigure,
    photo_comparison,
    photo_figure,
)
from convanim.request.table import SPEC_NAMES

PHOTO_KEYS = ("input_image", "image_size", "image_color", "image_scale")
# Keys an entry may hold besides the layer's and the picture's: read, or harmless.
EXTRAS = ("kernel_values", "title", "seed", "max_slides", "frame_ms", "hold_ms", "theme",
          "loop", "output", "fps")
# Timing and look given to batch/gallery for every figure, as photo_figure's keywords.
SHARED = ("theme", "frame_ms", "hold_ms")


def is_photo(entry: Entry) -> bool:
    """Whether the entry gives a photograph as its input.

    >>> is_photo(Entry(None, {"input_image": "sample:cat"}, Path("a.yaml"), {}, 1))
    True
    """
    return entry.options.get("input_image") is not None


def figure_of_entry(entry: Entry, overrides: Mapping[str, Any] | None = None) -> PhotoFigure:
    """The photo figure of one entry (``overrides``: batch/gallery's theme and timing).

    >>> e = Entry(None, {"input_image": "sample:cat", "image_size": 8, "kernel_size": 3},
    ...           Path("a.yaml"), {}, 1)
    >>> figure_of_entry(e).y.shape
    (1, 6, 6)
    """
    options = dict(entry.options)
    return photo_figure(_spec_options(entry), _image(entry), base=_base(entry),
                        kernel=options.get("kernel_values"), title=options.get("title"),
                        max_slides=options.get("max_slides"),
                        **_picture_options(entry), **_shared(options, overrides))


def comparison_of_entries(entries: Sequence[Entry],
                          overrides: Mapping[str, Any] | None = None) -> PhotoComparison:
    """The entries of a ``panels:`` config on one picture, side by side.

    Every panel must name the same picture (path, size, colour and scale).

    >>> e = Entry("n", {"input_image": "sample:cat", "image_size": 8, "mode": "upsample"},
    ...           Path("a.yaml"), {}, 1)
    >>> comparison_of_entries([e, e]).figures[1].y.shape
    (1, 16, 16)
    """
    first = entries[0]
    picture = _picture(first)
    for entry in entries:
        mine = _picture(entry)
        if mine != picture:
            key = next(k for k, a, b in zip(PHOTO_KEYS, mine, picture) if a != b)
            raise SpecError(f"panel {entry.name or entry.line} has another {key} than the "
                            "first panel; a comparison shows one picture (set it under "
                            "defaults:)", key)
    panels = []
    for entry in entries:
        panel = _spec_options(entry)
        if entry.options.get("kernel_values") is not None:
            panel["kernel_values"] = entry.options["kernel_values"]
        panels.append(panel)
    options = dict(first.options)
    return photo_comparison(panels, _image(first), names=[e.name or "" for e in entries],
                            title=options.get("title"), base=_base(first),
                            **_picture_options(first), **_shared(options, overrides))


def _spec_options(entry: Entry) -> dict[str, Any]:
    """The layer's own options; any key a photo figure does not read is refused."""
    names = {*SPEC_NAMES, *(f.name for f in FIELDS)} - {"view"}
    for key, value in entry.options.items():
        if key in names or key in PHOTO_KEYS or key in EXTRAS:
            continue
        if key == "view" and value in (None, "gather"):
            continue
        raise SpecError(f"photo figures (input_image) do not take {key}; drop it", key)
    return {key: value for key, value in entry.options.items() if key in names}


def _image(entry: Entry) -> str:
    return str(entry.options["input_image"])


def _base(entry: Entry) -> Path | None:
    return None if _image(entry).startswith("sample:") else entry.path.parent


def _picture(entry: Entry) -> tuple[Any, ...]:
    """The picture as a comparable tuple: (folder, name), size, colour, scale."""
    return ((_base(entry), _image(entry)),
            *(entry.options.get(key) for key in PHOTO_KEYS[1:]))


def _picture_options(entry: Entry) -> dict[str, Any]:
    options = entry.options
    return {"image_size": image_size(options.get("image_size")),
            "image_color": options.get("image_color") or "gray",
            "image_scale": str(options.get("image_scale") or "255")}


def _shared(options: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    given = {key: options.get(key) for key in SHARED}
    given.update({key: value for key, value in (overrides or {}).items()
                  if key in SHARED and value is not None})
    if given.get("theme") is None:
        given["theme"] = "light"
    return given


def image_size(value: Any) -> int | tuple[int, ...]:
    """``image_size`` as given (``48``, ``"32,48"`` or a list) -> int or (height, width).

    >>> image_size("32,48"), image_size(None), image_size([20])
    ((32, 48), 48, 20)
    """
    if value is None:
        return DEFAULT_SIZE
    if isinstance(value, str):
        try:
            parts = tuple(int(part) for part in value.split(","))
        except ValueError:
            raise SpecError(f"image size {value!r} is not one or two whole numbers; give "
                            "e.g. 48 or 32,48", "image_size") from None
        return parts[0] if len(parts) == 1 else parts
    if isinstance(value, (list, tuple)):
        return value[0] if len(value) == 1 else tuple(value)
    return value
