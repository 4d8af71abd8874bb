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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convanim.request.errors import ConfigError
from convanim.request.table import TABLE, Option

_SPEC_NAMES = tuple(o.name for o in TABLE if o.group == "spec" and o.field is None)
FIELD_NAMES: tuple[str, ...] = tuple(o.name for o in TABLE if o.field is not None)
"""Spec keys that one operation declares (``scale`` for upsample), from the op registry."""
_NUMBER_NAMES = tuple(o.name for o in TABLE if o.group == "numbers")
_OUTPUT_NAMES = tuple(o.name for o in TABLE if o.group == "output")

OPTION_NAMES: tuple[str, ...] = (*_SPEC_NAMES, *_NUMBER_NAMES, *_OUTPUT_NAMES, "name")

ALIASES: dict[str, str] = {key: o.name for o in TABLE if o.field is None
                           for key in o.keys if key != o.name}
FIELD_ALIASES: dict[str, str] = {key: o.name for o in TABLE if o.field is not None
                                 for key in o.keys if key != o.name}
"""Other spellings of the op-declared keys (``scale_factor`` for ``scale``)."""
SPELLINGS = {**ALIASES, **FIELD_ALIASES}


def _yaml_kind(option: Option) -> str:
    """What YAML shape an option may take; everything numeric is re-checked by its type."""
    if option.kind == "int":
        return "int" if option.field is not None or option.name == "seed" else "scalar"
    return {"size": "size", "padding": "padding", "choice": "str", "float": "scalar",
            "bool": "bool", "text": "str", "path": "str", "matrix": "matrix",
            "count": "scalar"}[option.kind]


KINDS: dict[str, str] = {**{o.name: _yaml_kind(o) for o in TABLE}, "name": "name"}

EXPECT = {
    "size": 'a number, a list of numbers, or a string like "3,2"',
    "padding": "a number, a name (valid/same/full/half), a list, or pairs like [[1, 0], [2, 1]]",
    "scalar": "a number",
    "bool": "true or false",
    "matrix": "a (nested) list of numbers (kernel_values: or a name such as sobel_x)",
    "int": "a whole number",
    "str": "a string",
    "name": "a non-empty name",
}

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


def unknown_key(key: str, where: str, extra: tuple[str, ...] = ()) -> ConfigError:
    """The error for a key no option or field has, with a did-you-mean (``extra``: more keys
    the caller accepts).

    >>> str(unknown_key("strid", "a.yaml:3"))
    "a.yaml:3: unknown key 'strid'; did you mean 'stride' (or 's')?"
    """
    names = (*OPTION_NAMES, *FIELD_NAMES, *extra)
    guess = key.strip().lower().replace("-", "_")
    if guess in SPELLINGS:
        guess = SPELLINGS[guess]
    match = [guess] if guess in names else _closest(guess, names)
    if match:
        short = next((a for a, n in SPELLINGS.items() if n == match[0] and len(a) == 1), None)
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
    if key in KINDS:
        return key
    if key in SPELLINGS:
        return SPELLINGS[key]
    raise unknown_key(key, where)


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
    line = entry.lines.get(SPELLINGS.get(key, key), entry.line)
    return f"{entry.path}:{line}"
