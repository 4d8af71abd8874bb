"""The front door's work: option names and values to a validated spec and render options.

Every edge asks here: the ``render`` command and YAML batches (through a click context whose
``default_map`` is the config entry), the Sphinx directive and the MkDocs fence (their YAML
text, numbered as the page numbers it), and the Python API (keywords, :func:`from_api`).
Values go through the same click types (generated from :mod:`convanim.request.table`) and
checks, so a bad value gets the same words everywhere, prefixed with where it was written
(``page.rst:12: kernel_size: ...``, ``--kernel-size: ...`` or ``kernel_size: ...``).

Nothing here imports the command line; the command line imports this. The public doors
(:func:`from_text`, :func:`from_mapping`, :func:`check_entry`, :func:`from_api`) raise
:class:`~convanim.request.errors.RequestError` only.

>>> from_text("i: 5\\nk: 0\\n", "page.md", first_line=10)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
convanim.request.errors.RequestError: page.md:11: kernel_size: ...
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from convanim.geometry import Spec, SpecError, make_values
from convanim.options import (
    API_KEY,
    ENTRY_KEY,
    SPEC_OPTIONS,
    apply,
    build_spec,
    check_budget,
    check_size,
    check_stack,
    flags,
    numbers,
    where,
)
from convanim.request import table
from convanim.request.errors import RequestError, as_request_error

if TYPE_CHECKING:
    from convanim.api import Animation
    from convanim.config import Entry
    from convanim.geometry.chain import Chain

OUTPUT_OPTIONS = flags("output")
"""The output options' click flags, generated from the table."""
RENDER_KEYS = ("fps", "frame_ms", "hold_ms", "loop", "width", "cell_px", "dpi", "theme",
               "layout", "title", "size", "height", "aspect", "frames", "max_slides", "columns",
               "transparent", "style")
MAX_FRAMES = table.MAX_FRAMES


def render_options(params: dict[str, Any], ctx: click.Context | None = None) -> dict[str, Any]:
    """The renderer's keyword options from command parameters (unset ones left to defaults).

    >>> render_options({"fps": 2, "theme": None})
    {'fps': 2}
    """
    options = {key: params[key] for key in RENDER_KEYS if params.get(key) is not None}
    for first, second in (("fps", "frame_ms"), ("width", "cell_px")):
        if first not in options or second not in options:
            continue
        sources = [ctx.get_parameter_source(name) if ctx else None for name in (first, second)]
        if ParameterSource.COMMANDLINE in sources and ParameterSource.DEFAULT_MAP in sources:
            # A flag overrides the config file's way of saying the same thing.
            del options[(first, second)[sources.index(ParameterSource.DEFAULT_MAP)]]
            continue
        flags = " or ".join("--" + name.replace("_", "-") for name in (first, second))
        raise click.UsageError(f"{where(ctx, first)}: give {flags}, not both", ctx)
    return options


@apply(SPEC_OPTIONS)
@apply(OUTPUT_OPTIONS)
def _options(**params: Any) -> None:
    """The option set of one animation, parsed without the command line around it."""


COMMAND = click.Command("render", params=list(getattr(_options, "__click_params__", ())))
"""A command holding just the animation's options: what config entries are parsed against."""
COMMAND.params.reverse()  # click stores decorator order reversed; keep the listed order


@dataclass(frozen=True)
class Request:
    """A validated animation: the spec, its numbers and the renderer's keyword options.

    ``options`` already hold ``values`` and ``max_frames``; ``output`` and ``storyboard`` are
    the paths as written (checked by the edge that writes them); ``params`` are all parsed
    options, for edges that read more (``output``'s format, a title).
    """

    spec: Spec
    x: Any
    w: Any
    seed: int
    options: Mapping[str, Any]
    frames: int
    params: Mapping[str, Any]

    @property
    def output(self) -> str | None:
        """The ``output`` option as given, or None."""
        return self.params.get("output") or None

    @property
    def storyboard(self) -> str | None:
        """The ``storyboard`` option as given, or None."""
        return self.params.get("storyboard") or None

    def render(self, path: str | os.PathLike[str]) -> Path:
        """Write the animation to ``path`` (format from the suffix), atomically.

        >>> import tempfile
        >>> from_mapping({"i": 4, "k": 3}).render(Path(tempfile.mkdtemp()) / "a.gif").suffix
        '.gif'
        """
        from convanim.draw import render

        return render(self.spec, path, x=self.x, w=self.w, seed=self.seed, **self.options)

    def animate(self) -> Animation:
        """The animation in memory (notebooks).

        >>> len(from_mapping({"i": 3, "k": 2}).animate())
        6
        """
        from convanim.api import Animation
        from convanim.draw.options import RenderOptions
        from convanim.geometry import plan

        return Animation(plan(self.spec, self.x, self.w, seed=self.seed),
                         RenderOptions.from_mapping(dict(self.options)))


def from_params(params: Mapping[str, Any], ctx: click.Context | None = None,
                default: dict[str, Any] | None = None, spec: Spec | None = None) -> Request:
    """Check parsed options and build the request; errors name the flag or file:line.

    Everything that can be checked without drawing is: the spec, the size limits, the render
    options and the given values. ``default`` fills a spec given no input size; ``spec``
    (the Python API's Spec) replaces the spec options.

    >>> from_params({"input_size": "4", "kernel_size": "3", "fps": 2}).options["fps"]
    2
    """
    from convanim.draw.options import RenderOptions

    params = dict(params)
    spec = build_spec(params, ctx, default=default) if spec is None else spec
    max_frames = params.get("max_frames") or MAX_FRAMES
    frames = check_size(spec, max_frames, ctx)
    # The output's format only sets the budget's encode limits; its path is checked by the edge.
    check_budget(spec, frames, params, ctx, Path(params.get("output") or "a.gif"))
    check_box(frames, params, ctx)
    nums = numbers(params)
    check_stack(spec, nums.show, any(params.get(key) is not None
                                     for key in ("width", "size", "height")), ctx)
    options = {**render_options(params, ctx), "values": nums.show, "max_frames": max_frames}
    try:
        # Drawing would fail on these later; failing now keeps every edge honest.
        if spec.view == "matrix":
            from convanim.explain import check_matrix_size

            check_matrix_size(spec)
        style = RenderOptions.from_mapping(options).style
        from convanim.draw.perspective import check_style

        check_style(spec, style)
        make_values(spec, nums.x, nums.w, nums.seed)
    except SpecError as err:
        key = err.param if err.param in params else "input_size"
        raise click.UsageError(f"{where(ctx, key)}: {err}", ctx) from None
    return Request(spec, nums.x, nums.w, nums.seed, options, frames, params)


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


def from_entry(entry: Entry, args: Sequence[str] = ()) -> Request:
    """The request for a config entry; ``args`` are flags given on top (they win).

    >>> from convanim.config import load_entries
    >>> from_entry(load_entries("configs/seeds/checkerboard.yaml")[0]).spec.mode
    'transposed'
    """
    ctx = click.Context(COMMAND, info_name="render", default_map=dict(entry.options))
    ctx.meta[ENTRY_KEY] = entry
    with ctx:
        COMMAND.parse_args(ctx, list(args))
        return from_params(ctx.params, ctx)


def chain_of(entry: Entry) -> Chain:
    """The chain a config entry describes; errors name ``file:line: layers[n]: ...``.

    >>> from convanim.config import load_entries
    >>> chain_of(load_entries("configs/chains/two_3x3.yaml")[0]).output_shape
    (3, 3)
    """
    from convanim.config import ConfigError
    from convanim.geometry.chain import Chain, ChainError

    options = dict(entry.options)
    try:
        return Chain.build(options["input_size"], [dict(layer.options) for layer in entry.layers],
                           dims=options.get("dims"), in_channels=options.get("in_channels"))
    except ChainError as err:
        layer = entry.layers[err.layer]
        line = layer.lines.get(err.param or "", layer.line)
        raise ConfigError(str(err), path=entry.path, line=line, key=err.param) from None
    except SpecError as err:
        line = entry.lines.get(err.param or "input_size", entry.line)
        raise ConfigError(f"{err.param or 'input_size'}: {err}", path=entry.path, line=line,
                          key=err.param) from None


def chain_fields(entry: Entry) -> tuple[Chain, Any]:
    """The chain and its receptive fields; a layer without a field names its line."""
    from convanim.config import ConfigError
    from convanim.geometry.chain import ChainError, receptive_fields

    chain = chain_of(entry)
    try:
        return chain, receptive_fields(chain)
    except ChainError as err:
        layer = entry.layers[err.layer]
        line = layer.lines.get(err.param or "", layer.line)
        raise ConfigError(str(err), path=entry.path, line=line, key=err.param) from None


def from_chain_entry(entry: Entry, args: Sequence[str] = ()) -> tuple[Request, Chain]:
    """The request for a chain config entry (``layers:``) and its chain; ``spec`` is the last
    layer. Refuses what ``render`` refuses for a chain.

    >>> from convanim.config import load_entries
    >>> request, chain = from_chain_entry(load_entries("configs/chains/two_3x3.yaml")[0])
    >>> len(chain.layers), request.frames
    (2, 2)
    """
    from convanim.config import ConfigError
    from convanim.draw.options import RenderOptions
    from convanim.options import MAX_CELLS

    ctx = click.Context(COMMAND, info_name="render", default_map=dict(entry.options))
    ctx.meta[ENTRY_KEY] = entry
    with ctx:
        COMMAND.parse_args(ctx, list(args))
        params = dict(ctx.params)
        max_frames = params.get("max_frames") or MAX_FRAMES
        if params.get("storyboard"):
            raise click.UsageError(f"{where(ctx, 'storyboard')}: chains have no storyboard "
                                   "yet; drop it", ctx)
        try:
            chain = chain_of(entry)
        except ConfigError as err:
            raise click.UsageError(str(err), ctx) from None
        largest = max(max(*spec.i, *spec.output_shape) for spec in chain.layers)
        if largest > MAX_CELLS:
            raise click.UsageError(
                f"{where(ctx, 'input_size')}: a grid of {largest} cells per side is too big to "
                f"draw legibly (limit {MAX_CELLS}); use a smaller input_size", ctx)
        frames = len(chain.layers) * (1 if params.get("view") == "trace" else 2)
        if frames > max_frames:
            raise click.UsageError(f"{where(ctx, 'max_frames')}: the chain has {frames} "
                                   f"frames, more than the limit {max_frames}", ctx)
        nums = numbers(params)
        options = {**render_options(params, ctx), "values": nums.show, "max_frames": max_frames}
        spec = chain.layers[-1]
        try:
            RenderOptions.from_mapping(options)
        except SpecError as err:
            key = err.param if err.param in params else "input_size"
            raise click.UsageError(f"{where(ctx, key)}: {err}", ctx) from None
        return Request(spec, nums.x, nums.w, nums.seed, options, frames, params), chain


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


def check_entry(entry: Entry) -> Request:
    """The request for a config entry at a public door: errors are :class:`RequestError`.

    >>> from convanim.config import load_entries
    >>> check_entry(load_entries("configs/seeds/checkerboard.yaml")[0]).spec.mode
    'transposed'
    """
    with one_error():
        refuse_chain(entry, "a figure block", "`convanim render` on the file and include "
                     "the figure it writes (or `convanim field` for its receptive fields)")
        return from_entry(entry)


def from_text(text: str, source: str | os.PathLike[str], first_line: int = 1) -> Request:
    """The request for YAML text written at line ``first_line`` of the document ``source``.

    Every refusal (unknown key, bad YAML, wrong type, a bad value) is a
    :class:`RequestError` starting with ``source:line``.

    >>> from_text("mode: maxpool\\ni: 4\\nk: 2\\n", "doc.md").spec.output_shape
    (2, 2)
    """
    from convanim.config import ConfigError, parse_entries

    with one_error():
        entries = parse_entries("\n" * (first_line - 1) + text, source)
        if len(entries) != 1:
            raise ConfigError(f"holds {len(entries)} animations; give one per block",
                              path=source, line=first_line)
        return check_entry(entries[0])


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


def from_mapping(options: Mapping[str, Any], source: str = "options",
                 lines: Mapping[str, int] | None = None, line: int = 1) -> Request:
    """The request for a mapping of option names (short, snake or kebab) to values.

    ``lines`` says where each option was written in ``source`` (a directive's options).
    Every refusal is a :class:`RequestError` naming ``source:line``.

    >>> from_mapping({"k": 3, "input-size": "6,5", "theme": "dark"}).spec.output_shape
    (4, 3)
    """
    from convanim.config import Entry, canonical_key

    with one_error():
        canon: dict[str, Any] = {}
        where_lines: dict[str, int] = {}
        for key, value in options.items():
            at_line = (lines or {}).get(key, line)
            name = canonical_key(str(key), where=f"{source}:{at_line}")
            try:
                check_kind(name, value)
            except RequestError as err:
                raise RequestError(err.reason, source=source, line=at_line, key=name) from None
            canon[name] = value
            where_lines[name] = at_line
        return check_entry(Entry(None, canon, Path(source), where_lines, line))


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


def from_api(spec: Spec | Mapping[str, Any], options: Mapping[str, Any], *, x: Any = None,
             w: Any = None, seed: Any = 0) -> Request:
    """The Python API's door: the same types and checks as a flag or a YAML key.

    ``spec`` is a :class:`Spec` or a mapping of its parameters (render options may sit in
    it too); ``options`` are the keyword arguments. A refusal is a :class:`RequestError`
    (a :class:`SpecError` too) whose text is the command line's after the flag:
    ``width: width=9000 must be between 160 and 8000; use e.g. width=8000``.

    >>> from_api({"i": 4, "k": 3}, {"theme": "dark"}).options["theme"]
    'dark'
    >>> from_api({"i": 4, "k": 3}, {"fps": float("nan")})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convanim.request.errors.RequestError: fps: fps=nan is not a finite number; ...
    """
    from convanim.config import canonical_key

    with one_error():
        if isinstance(spec, Spec):
            given: dict[str, Any] = {}
        elif isinstance(spec, Mapping):
            given = dict(spec)
        else:
            raise RequestError(f"expected a Spec or a mapping of parameters, got "
                               f"{type(spec).__name__}; pass e.g. {{'i': 5, 'k': 3}}",
                               key="spec")
        canon: dict[str, Any] = {}
        for key, value in {**given, **options}.items():
            if not isinstance(key, str):
                raise RequestError(f"option names are text, got {key!r:.40}; write e.g. "
                                   "'kernel_size'", key="spec")
            name = canonical_key(key.replace("-", "_") if key.replace("-", "_") in
                                 table.OPTIONS else key)
            if name in ("input_values", "kernel_values", "name", "output", "frame", "quiet"):
                raise RequestError(f"{key!r} is not a keyword of this function; give the "
                                   "values as x= and w=, the file as path=" if name != "name"
                                   else f"{key!r} names a config entry; leave it out",
                                   key=name)
            if isinstance(spec, Spec) and table.OPTIONS[name].group == "spec":
                raise RequestError(f"{key} is set by the Spec given; use spec.replace("
                                   f"{key}=...) or pass a mapping", key=name)
            check_kind(name, value)
            canon[name] = value
        canon["seed"] = seed
        ctx = click.Context(COMMAND, info_name="api", default_map=canon)
        ctx.meta[API_KEY] = True
        with ctx:
            COMMAND.parse_args(ctx, [])
            params = {**ctx.params, "input_values": x, "kernel_values": w}
            return from_params(params, ctx, spec=spec if isinstance(spec, Spec) else None)
