"""One request layer: option names and values to a validated spec and render options.

Every edge asks here: the ``render`` command and YAML batches (through a click context whose
``default_map`` is the config entry), the Sphinx directive and the MkDocs fence (their YAML
text, numbered as the page numbers it), and the Python API (a mapping). Values go through the
same click types and checks, so a bad value gets the same message everywhere, prefixed with
where it was written (``page.rst:12: kernel_size: ...`` or ``--kernel-size: ...``).

Nothing here imports the command line; the command line imports this.

>>> req = from_text("i: 5\\nk: 3\\ns: 2\\n", "page.md")
>>> req.spec.output_shape, req.options["values"]
((2, 2), True)
>>> from_text("i: 5\\nk: 0\\n", "page.md", first_line=10)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
click.exceptions.UsageError: page.md:11: kernel_size: ...
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from convanim.geometry import Spec, SpecError, make_values
from convanim.geometry.spec import LONG_NAMES
from convanim.options import (
    ENTRY_KEY,
    SPEC_OPTIONS,
    Checked,
    apply,
    build_spec,
    check_budget,
    check_size,
    check_stack,
    numbers,
    where,
)

if TYPE_CHECKING:
    from convanim.config import Entry
    from convanim.draw.animate import Animation
    from convanim.draw.options import RenderOptions
    from convanim.geometry.chain import Chain

OUTPUT_OPTIONS = [
    click.option("-o", "--output", type=str,
                 help="File to write: .gif .mp4 .webp .png/.apng, .html (a player), .pptx (a "
                      "slide a frame), a folder/ of PNG frames, or one frame as .pdf/.svg (or "
                      ".png with --frame); .pdf with --frames: a page a frame "
                      "[outputs/<mode>_i.._k.._s.._p...gif]."),
    click.option("--fps", type=Checked(click.FloatRange(0.1, 100)),
                 help="Slide frames per second (or --frame-ms)."),
    click.option("--frame-ms", type=Checked(click.IntRange(10, 60_000)),
                 help="Milliseconds per slide frame."),
    click.option("--hold-ms", type=Checked(click.IntRange(10, 60_000)),
                 help="Milliseconds for phase frames and the last frame."),
    click.option("--loop/--no-loop", default=None, help="Loop forever [on]."),
    click.option("--width", type=Checked(click.IntRange(160, 4000)),
                 help="Image width in pixels (or --cell-px)."),
    click.option("--cell-px", type=Checked(click.IntRange(8, 200)), help="Pixels per cell."),
    click.option("--dpi", type=Checked(click.IntRange(50, 600)), help="Text resolution [100]."),
    click.option("--theme", type=Checked(click.Choice(["light", "dark", "print", "classic"])),
                 help="Colours: light (colour-blind safe), dark, print (b/w), classic."),
    click.option("--layout", type=Checked(click.Choice(["auto", "side", "stacked", "minimal"])),
                 help="Output beside (side) or below (stacked) the input [auto: 1-D stacked]; "
                      "minimal: grids and window only."),
    click.option("--style", type=Checked(click.Choice(["flat", "perspective"])),
                 help="flat: grids side by side [default]; perspective: the output plane "
                      "above the input, projection lines between (conv_arithmetic look)."),
    click.option("--size", type=str,
                 help="Exact image size WxH, e.g. 1920x1080: the figure fits inside, centred."),
    click.option("--height", type=Checked(click.IntRange(64, 8000)),
                 help="Image height in pixels (with --width: an exact box)."),
    click.option("--aspect", type=str,
                 help="Image shape W:H, e.g. 16:9, padded with the background."),
    click.option("--frames", type=str,
                 help="Only these frames: 1,4-6, phase names, last, or key (phases + first "
                      "and last slide)."),
    click.option("--max-slides", type=Checked(click.IntRange(1)),
                 help="Keep this many evenly spaced window positions (said in the title)."),
    click.option("--columns", type=Checked(click.IntRange(1, 100)),
                 help="Storyboard tiles per row [about 4:3]."),
    click.option("--transparent/--opaque", default=None,
                 help="PNG/APNG: the theme's background is see-through [opaque]."),
    click.option("--frame", type=str,
                 help="Write one still frame (N or last) to -o .png, .pdf or .svg."),
    click.option("--title", type=str, help="Title text [the parameters]."),
    click.option("--storyboard", type=str,
                 help="Write the frames tiled on one page: .png, .pdf or .svg (with -o: as "
                      "well as the animation)."),
    click.option("--max-frames", type=Checked(click.IntRange(1)), default=None,
                 help="Refuse animations with more frames than this [5000]."),
    click.option("-q", "--quiet", is_flag=True, default=None,
                 help="No progress line (shown on a terminal for renders over ~2 s)."),
    # Where the figure goes next (issue 26): a light/dark pair for READMEs, and a viewer.
    click.option("--pair", is_flag=True, default=None,
                 help="Also write the figure in the other theme (fig.dark.gif; light for "
                      "--theme dark) and reduced-motion stills (fig.still.png), plus "
                      "fig.picture.html: the <picture> that picks one for a README."),
    click.option("--open", "open", is_flag=True, default=None,
                 help="Open what was written in the system's viewer."),
]
RENDER_KEYS = ("fps", "frame_ms", "hold_ms", "loop", "width", "cell_px", "dpi", "theme",
               "layout", "title", "size", "height", "aspect", "frames", "max_slides", "columns",
               "transparent", "style")
MAX_FRAMES = 5000


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
        from convanim.draw import animate

        return animate(self.spec, x=self.x, w=self.w, seed=self.seed, **self.options)


def from_params(params: Mapping[str, Any], ctx: click.Context | None = None,
                default: dict[str, Any] | None = None) -> Request:
    """Check parsed options and build the request; errors name the flag or file:line.

    Everything that can be checked without drawing is: the spec, the size limits, the render
    options and the given values. ``default`` fills a spec given no input size.

    >>> from_params({"input_size": "4", "kernel_size": "3", "fps": 2}).options["fps"]
    2
    """
    from convanim.draw.options import RenderOptions

    params = dict(params)
    spec = build_spec(params, ctx, default=default)
    max_frames = params.get("max_frames") or MAX_FRAMES
    frames = check_size(spec, max_frames, ctx)
    # The output's format only sets the budget's encode limits; its path is checked by the edge.
    check_budget(spec, frames, params, ctx, Path(params.get("output") or "a.gif"))
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


def from_text(text: str, source: str | os.PathLike[str], first_line: int = 1) -> Request:
    """The request for YAML text written at line ``first_line`` of the document ``source``.

    ConfigError (unknown key, bad YAML, wrong type) and click.UsageError (a bad value) both
    start with ``source:line``.

    >>> from_text("mode: maxpool\\ni: 4\\nk: 2\\n", "doc.md").spec.output_shape
    (2, 2)
    """
    from convanim.config import ConfigError, parse_entries

    entries = parse_entries("\n" * (first_line - 1) + text, source)
    if len(entries) != 1:
        raise ConfigError(f"holds {len(entries)} animations; give one per block",
                          path=source, line=first_line)
    return from_entry(entries[0])


def from_mapping(options: Mapping[str, Any], source: str = "options",
                 lines: Mapping[str, int] | None = None, line: int = 1) -> Request:
    """The request for a mapping of option names (short, snake or kebab) to values.

    ``lines`` says where each option was written in ``source`` (a directive's options).

    >>> from_mapping({"k": 3, "input-size": "6,5", "theme": "dark"}).spec.output_shape
    (4, 3)
    """
    from convanim.config import Entry, canonical_key

    canon: dict[str, Any] = {}
    where_lines: dict[str, int] = {}
    for key, value in options.items():
        at = f"{source}:{(lines or {}).get(key, line)}"
        name = canonical_key(str(key), where=at)
        canon[name] = value
        where_lines[name] = (lines or {}).get(key, line)
    return from_entry(Entry(None, canon, Path(source), where_lines, line))


def split_mapping(spec: Spec | Mapping[str, Any], options: Mapping[str, Any]
                  ) -> tuple[Spec, RenderOptions]:
    """The Python API's request: a Spec (a mapping may also carry render options) and options.

    Errors are :class:`SpecError` naming the parameter, as the API documents.

    >>> split_mapping({"i": 4, "k": 3, "theme": "dark"}, {})[1].theme
    'dark'
    """
    from convanim.draw.options import OPTION_NAMES, RenderOptions

    if isinstance(spec, Spec):
        return spec, RenderOptions.from_mapping(dict(options))
    if not isinstance(spec, Mapping):
        raise SpecError(f"expected a Spec or a mapping of parameters, got {type(spec).__name__};"
                        " pass e.g. {'i': 5, 'k': 3}", "spec")
    from convanim.geometry.ops import FIELDS

    spec_names = set(LONG_NAMES) | set(LONG_NAMES.values()) | {
        name for f in FIELDS for name in (f.name, *f.aliases)}  # each op's own fields
    for key in spec:
        name = str(key).replace("-", "_")
        if name not in spec_names and name not in OPTION_NAMES:
            close = get_close_matches(name, sorted(spec_names | set(OPTION_NAMES)), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "see Spec and RenderOptions"
            raise SpecError(f"unknown key {key!r}; {hint}", str(key))
    given = {k: v for k, v in spec.items() if k in OPTION_NAMES}
    rest = {k: v for k, v in spec.items() if k not in OPTION_NAMES}
    return Spec.from_dict(rest), RenderOptions.from_mapping({**given, **options})
