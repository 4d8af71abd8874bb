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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from convanim.geometry import Spec, SpecError, make_values
from convanim.options import (
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
from convanim.request.checks import check_box, check_kind, one_error, refuse_chain
from convanim.request.errors import RequestError
from convanim.request.table import MAX_FRAMES as TABLE_MAX_FRAMES

if TYPE_CHECKING:
    from convanim.config import Entry
    from convanim.geometry.chain import Chain

OUTPUT_OPTIONS = flags("output")
"""The output options' click flags, generated from the table."""
RENDER_KEYS = ("fps", "frame_ms", "hold_ms", "loop", "width", "cell_px", "dpi", "theme",
               "layout", "title", "size", "height", "aspect", "frames", "max_slides", "columns",
               "transparent", "style", "hidpi")
MAX_FRAMES = TABLE_MAX_FRAMES


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
        """The ``output`` option as given, or None.

        >>> from_text("i: 4\\nk: 3\\noutput: out/a.gif\\n", "a.yaml").output
        'out/a.gif'
        """
        return self.params.get("output") or None

    @property
    def storyboard(self) -> str | None:
        """The ``storyboard`` option as given, or None.

        >>> from_mapping({"i": 4, "k": 3}).storyboard is None
        True
        """
        return self.params.get("storyboard") or None

    def render(self, path: str | os.PathLike[str]) -> Path:
        """Write the animation to ``path`` (format from the suffix), atomically.

        >>> import tempfile
        >>> from_mapping({"i": 4, "k": 3}).render(Path(tempfile.mkdtemp()) / "a.gif").suffix
        '.gif'
        """
        from convanim.draw import render

        return render(self.spec, path, x=self.x, w=self.w, seed=self.seed, **self.options)


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
        opts = RenderOptions.from_mapping(options)
        style = opts.style
        _check_box(opts.box, frames, params)
        if style == "perspective":  # the flat style never imports the perspective modules
            from convanim.draw.perspective import check_style

            check_style(spec, style)
        from convanim.geometry.ops.volume import check_drawable

        check_drawable(spec, style, params.get("output"))
        make_values(spec, nums.x, nums.w, nums.seed)
    except SpecError as err:
        key = err.param if err.param in params else "input_size"
        raise click.UsageError(f"{where(ctx, key)}: {err}", ctx) from None
    return Request(spec, nums.x, nums.w, nums.seed, options, frames, params)


def _check_box(box: tuple[int | None, int | None] | None, frames: int,
               params: Mapping[str, Any]) -> None:
    """A fixed image size is known exactly before any work: hold it to the exact frame limit
    (the early estimate allows slack, and a Sphinx or MkDocs build must not fail mid-write)."""
    if box is None or box[0] is None or box[1] is None:
        return
    from convanim.budget import check_frame

    try:
        check_frame(box[0], box[1], frames)
    except SpecError as err:
        given = [key for key in ("size", "width", "height") if params.get(key) is not None]
        raise SpecError(str(err).replace("cell_px, width or dpi", "size"),
                        given[0] if given else "size") from None


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
    """The chain and its receptive fields; a layer without a field names its line.

    >>> from convanim.config import parse_entries
    >>> entry = parse_entries("i: 7\\nlayers:\\n  - {k: 3}\\n  - {k: 3}\\n", "c.yaml")[0]
    >>> chain, fields = chain_fields(entry)
    >>> fields[-1].receptive_field
    (5, 5)
    """
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
    (2, 3)
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
        frames = (len(chain.layers) + 1 if params.get("view") == "trace"
                  else 2 * len(chain.layers))
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
