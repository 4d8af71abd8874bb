"""The option names config files and flags share, and what a read config becomes.

Canonical snake_case names with their aliases (short letters, kebab-case, an op's own
spellings), the YAML shape each option may take, :class:`ConfigError` with its
did-you-mean fixes, and :class:`Entry`/:class:`Layer` with the line each option was
written on. :mod:`convanim.config` reads YAML into these; the CLI's flags use the same
names, so one set of messages serves both.

Example:
    >>> canonical_key("k"), OPTION_NAMES[0]
    ('kernel_size', 'input_size')
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convanim.geometry.ops import FIELDS

_SPEC_NAMES = (
    "input_size", "kernel_size", "stride", "padding", "dilation", "output_padding",
    "mode", "view", "padding_mode", "dims",
)  # fmt: skip
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
"""Spec keys that one operation declares (``scale`` for upsample), from the op registry."""
_NUMBER_NAMES = ("values", "input_values", "kernel_values", "seed", "input_image", "image_size",
                 "image_color", "image_scale")
_OUTPUT_NAMES = (
    "output", "fps", "frame_ms", "hold_ms", "loop", "width", "cell_px", "dpi",
    "theme", "layout", "title", "storyboard", "max_frames",
    "size", "height", "aspect", "frames", "max_slides", "columns", "transparent", "style",
)  # fmt: skip

OPTION_NAMES: tuple[str, ...] = (*_SPEC_NAMES, *_NUMBER_NAMES, *_OUTPUT_NAMES, "name")

ALIASES: dict[str, str] = {
    "i": "input_size",
    "k": "kernel_size",
    "s": "stride",
    "p": "padding",
    "d": "dilation",
    **{name.replace("_", "-"): name for name in OPTION_NAMES if "_" in name},
}

FIELD_ALIASES: dict[str, str] = {
    **{name.replace("_", "-"): name for name in FIELD_NAMES if "_" in name},
    **{alias: f.name for f in FIELDS for alias in f.aliases},
    **{alias.replace("_", "-"): f.name for f in FIELDS for alias in f.aliases if "_" in alias},
}
"""Other spellings of the op-declared keys (``scale_factor`` for ``scale``)."""
_ALIASES = {**ALIASES, **FIELD_ALIASES}

# What YAML shape each option may take; everything numeric is re-checked by Spec.
_KINDS: dict[str, str] = {
    **dict.fromkeys(("input_size", "kernel_size", "stride", "dilation", "output_padding"), "size"),
    "padding": "padding",
    **dict.fromkeys(("dims", "fps", "frame_ms", "hold_ms", "width", "cell_px", "dpi"), "scalar"),
    "max_frames": "scalar",
    **dict.fromkeys(("height", "max_slides", "columns"), "scalar"),
    **dict.fromkeys(("size", "aspect", "frames"), "str"),
    **dict.fromkeys(("values", "loop", "transparent"), "bool"),
    **dict.fromkeys(("input_values", "kernel_values"), "matrix"),
    "seed": "int",
    "image_size": "size",
    **dict.fromkeys(("input_image", "image_color", "image_scale"), "str"),
    **dict.fromkeys(
        ("mode", "view", "padding_mode", "theme", "layout", "output", "title", "storyboard",
         "style"),
        "str",
    ),
    "name": "name",
    # An op's own fields: sizes per axis, choices as strings, numbers, flags.
    **{f.name: {"size": "size", "choice": "str", "int": "int", "bool": "bool",
                "count": "scalar"}[f.kind]
       for f in FIELDS},
}

_EXPECT = {
    "size": 'a number, a list of numbers, or a string like "3,2"',
    "padding": "a number, a name (valid/same/full/half), a list, or pairs like [[1, 0], [2, 1]]",
    "scalar": "a number",
    "bool": "true or false",
    "matrix": "a (nested) list of numbers (kernel_values: or a name such as sobel_x)",
    "int": "a whole number",
    "str": "a string",
    "name": "a non-empty name",
}

class ConfigError(ValueError):
    """A config problem, worded as ``'<file>:<line>: <key>: <what is wrong>; <fix>'``.

    Attributes ``path`` (Path or None), ``line`` (1-based or None) and ``key``
    (canonical option name or None) let callers re-point or filter errors.

    Example:
        >>> str(ConfigError("stride: must be positive", path="a.yaml", line=4, key="stride"))
        'a.yaml:4: stride: must be positive'
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        line: int | None = None,
        key: str | None = None,
        where: str | None = None,
    ) -> None:
        self.path = None if path is None else Path(path)
        self.line = line
        self.key = key
        self.message = message
        if where is None and path is not None:
            where = os.fspath(path) if line is None else f"{os.fspath(path)}:{line}"
        super().__init__(f"{where}: {message}" if where else message)


def _split_where(where: str) -> tuple[str | None, int | None]:
    head, sep, tail = where.rpartition(":")
    if sep and head and tail.isdigit():
        return head, int(tail)
    return None, None


def _closest(guess: str, names: tuple[str, ...]) -> list[str]:
    """The most similar name, comparing whole names and their first word; ties go to the
    earlier (canonical spec) name, so ``kernal`` means ``kernel_size`` not ``kernel_values``.

    >>> _closest("kernal", ("kernel_size", "kernel_values")), _closest("zzz", ("stride",))
    (['kernel_size'], [])
    """
    def score(name: str) -> tuple[float, float]:
        whole = difflib.SequenceMatcher(None, guess, name).ratio()
        head = difflib.SequenceMatcher(None, guess, name.split("_")[0]).ratio()
        # A whole-name match beats a first-word one; otherwise the canonical order decides.
        return max(whole, head), float(whole >= head)

    scores = [(*score(name), -index, name) for index, name in enumerate(names)]
    best = max(scores, default=(0.0, 0.0, 0, ""))
    return [best[3]] if best[0] >= 0.6 else []


def _unknown_key(key: str, where: str, extra: tuple[str, ...] = ()) -> ConfigError:
    names = (*OPTION_NAMES, *FIELD_NAMES, *extra)
    guess = key.strip().lower().replace("-", "_")
    if guess in _ALIASES:
        guess = _ALIASES[guess]
    match = [guess] if guess in names else _closest(guess, names)
    if match:
        short = next((a for a, n in _ALIASES.items() if n == match[0] and len(a) == 1), None)
        fix = f"did you mean {match[0]!r}" + (f" (or {short!r})?" if short else "?")
    else:
        fix = "valid keys: " + ", ".join(names) + " (also i k s p d, kebab-case)"
    path, line = _split_where(where)
    return ConfigError(
        f"unknown key {key!r}; {fix}", path=path, line=line, key=key, where=where or None
    )


def canonical_key(key: str, *, where: str = "") -> str:
    """Return the canonical option name for a snake, kebab or single-letter key.

    Raises ConfigError naming ``where`` (e.g. ``'configs/a.yaml:4'`` or
    ``'option'``) with a did-you-mean suggestion when the key is unknown.

    Example:
        >>> canonical_key("k"), canonical_key("output-padding")
        ('kernel_size', 'output_padding')
    """
    if key in _KINDS:
        return key
    if key in _ALIASES:
        return _ALIASES[key]
    raise _unknown_key(key, where)


@dataclass(frozen=True)
class Entry:
    """One animation read from a config file.

    ``options`` maps canonical names (never ``name``) to values exactly as YAML
    gave them; values inherited from ``defaults:`` are shared between entries,
    so treat them as read-only. ``lines`` maps each option to the line of its
    key (in the entry, or in ``defaults:`` when inherited).

    Example:
        >>> e = Entry("demo", {"kernel_size": 3}, Path("a.yaml"), {"kernel_size": 4}, 2)
        >>> locate(e, "k")
        'a.yaml:4'
    """

    name: str | None
    options: Mapping[str, Any]
    path: Path
    lines: Mapping[str, int]
    line: int
    layers: tuple[Layer, ...] = ()
    """A chain's layers (``layers:``), in order; empty for one operation."""
    figure: str | None = None
    """For a ``panels:`` config (one comparison figure, ``convanim compare``): the figure's
    name (the file's stem), shared by all its entries; None for ordinary animations."""


@dataclass(frozen=True)
class Layer:
    """One entry of a chain's ``layers:`` list: spec options, the line of each key, its line.

    Example:
        >>> Layer({"kernel_size": 3}, {"kernel_size": 5}, 5).options["kernel_size"]
        3
    """

    options: Mapping[str, Any]
    lines: Mapping[str, int]
    line: int


LAYER_KEYS: tuple[str, ...] = tuple(
    name for name in (*_SPEC_NAMES, *FIELD_NAMES) if name != "input_size")
"""What a chain's layer may set: the spec keys but ``input_size`` (the previous output)."""
CHAIN_KEYS: tuple[str, ...] = ("input_size", "dims", "in_channels", "view", *_NUMBER_NAMES,
                               *_OUTPUT_NAMES, "name")
"""What a chain sets next to ``layers:``; per-layer spec keys go in the layers."""


def locate(entry: Entry, key: str) -> str:
    """Return ``'file:line'`` where ``key`` was written, or the entry's own line.

    Example:
        >>> locate(Entry(None, {}, Path("a.yaml"), {}, 1), "stride")
        'a.yaml:1'
    """
    line = entry.lines.get(_ALIASES.get(key, key), entry.line)
    return f"{entry.path}:{line}"
