"""Checks the front door adds to the option types: Python values, exact image sizes, wrong
doors, and the one error type at every public door.

>>> box_of({"size": "640x360"})
(640, 360)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from convanim.geometry import SpecError
from convanim.options import where
from convanim.request import table
from convanim.request.errors import RequestError, as_request_error

if TYPE_CHECKING:
    from convanim.config import Entry


@contextmanager
def one_error() -> Iterator[None]:
    """Re-raise any refusal from inside as the one :class:`RequestError` (a public door).

    >>> with one_error():
    ...     raise SpecError("stride=0 must be positive", "stride")
    Traceback (most recent call last):
    ...
    convanim.request.errors.RequestError: stride: stride=0 must be positive
    """
    from convanim.config_keys import ConfigError

    try:
        yield
    except (click.ClickException, ConfigError, SpecError) as err:
        raise as_request_error(err) from None


def _describe(value: Any) -> str:
    """A Python value in the words the YAML reader uses for a node (``a number (3)``)."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"a boolean ({value})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, (list, tuple)):
        return "a list" if value else "an empty list"
    if isinstance(value, Mapping):
        return "a mapping"
    return f"{type(value).__name__} {value!r:.40}".replace("\n", " ")


def check_kind(name: str, value: Any) -> None:
    """Refuse a Python value whose type the option cannot take, in the YAML reader's words.

    >>> check_kind("values", 1)
    Traceback (most recent call last):
    ...
    convanim.request.errors.RequestError: values: expected true or false, got a number (1)
    >>> check_kind("output", b"a.gif")
    Traceback (most recent call last):
    ...
    convanim.request.errors.RequestError: output: expected a string, got bytes b'a.gif'
    """
    from convanim.config_keys import EXPECT, KINDS

    option = table.OPTIONS.get(name)
    if option is None or value is None:
        return
    kind = KINDS[name]
    number = isinstance(value, Real) and not isinstance(value, bool)
    if type(value).__name__ == "ndarray":
        value = list(value)  # numpy's arrays pass as the lists they hold
    ok = {
        "bool": isinstance(value, bool),
        "str": isinstance(value, str) or (option.kind == "path" and isinstance(value, Path)),
        "size": number or isinstance(value, (str, list, tuple)),
        "padding": number or isinstance(value, (str, list, tuple)),
        "matrix": number or isinstance(value, (list, tuple)),
        "int": True,  # the number types say what is wrong with a number
        "scalar": True,
    }.get(kind, True)
    if not ok:
        raise RequestError(f"expected {EXPECT[kind]}, got {_describe(value)}", key=name)


def box_of(params: Mapping[str, Any]) -> tuple[int, int] | None:
    """The exact image size that ``size``, or ``width``/``height`` with each other or with
    ``aspect``, ask for (None when the figure's own size decides, or the text is bad: the
    options' own check names that).

    >>> box_of({"size": "640x360"}), box_of({"width": 1280, "aspect": "16:9"}), box_of({})
    ((640, 360), (1280, 720), None)
    """
    size, width, height = params.get("size"), params.get("width"), params.get("height")
    if isinstance(size, str):
        parts = size.strip().lower().replace(" ", "").split("x")
        return (int(parts[0]), int(parts[1])) if len(parts) == 2 and all(
            p.isdigit() and len(p) < 7 for p in parts) else None
    aspect = str(params.get("aspect") or "").strip().replace("/", ":").split(":")
    ratio = (int(aspect[0]), int(aspect[1])) if len(aspect) == 2 and all(
        p.isdigit() and 0 < int(p) <= 100 for p in aspect) else None
    if isinstance(width, int) and isinstance(height, int):
        return width, height
    if ratio is not None and isinstance(width, int):
        return width, round(width * ratio[1] / ratio[0])
    if ratio is not None and isinstance(height, int):
        return round(height * ratio[0] / ratio[1]), height
    return None


def check_box(frames: int, params: Mapping[str, Any], ctx: click.Context | None = None
              ) -> None:
    """Refuse, before any work, an exact image size (``size: 8000x8000``) beyond the budget.

    The figure fits inside the box, so the frame is the box: its pixels are known exactly.

    >>> check_box(10, {"size": "8000x8000"})
    Traceback (most recent call last):
    ...
    click.exceptions.UsageError: --size: a frame would be 8000x8000 = 64,000,000 pixels, \
more than the limit 16,000,000; use a smaller size
    """
    from convanim.budget import check_frame
    from convanim.writers import WriteError, format_for

    box = box_of(params)
    if box is None:
        return
    key = "size" if params.get("size") else "height" if params.get("height") else "width"
    try:
        fmt = format_for(Path(params.get("output") or "a.gif"))
    except WriteError:
        fmt = "gif"
    try:
        check_frame(*box, frames, fmt)
    except SpecError as err:
        text = str(err).replace("use a smaller cell_px, width or dpi (or a smaller input_size)",
                                f"use a smaller {key}")
        raise click.UsageError(f"{where(ctx, key)}: {text}", ctx) from None


def refuse_chain(entry: Entry | None, command: str, instead: str) -> None:
    """Refuse a chain config (``layers:``) at a door that takes one layer, saying so.

    >>> from convanim.config import load_entries
    >>> refuse_chain(load_entries("configs/chains/two_3x3.yaml")[0], "shape",
    ...              "`convanim field`")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convanim.request.errors.RequestError: configs/chains/two_3x3.yaml:...: this file is a chain...
    """
    if entry is None or not entry.layers:
        return
    raise RequestError(f"this file is a chain of {len(entry.layers)} layers (layers:), and "
                       f"{command} takes one layer; use {instead}", source=entry.path,
                       line=entry.line)
