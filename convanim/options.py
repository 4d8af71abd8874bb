"""The one option set shared by every command, and its conversion from flags or YAML values.

Flags and config keys go through the same click types: a config file fills the command's
``default_map``, so a YAML value is converted and checked exactly like the flag it stands for,
and an error names ``file:line`` for a YAML value or ``--flag`` for a flag.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

if TYPE_CHECKING:  # the config module (and PyYAML) loads only when a file is given
    from convanim.config import Entry
from convanim.geometry import Spec, SpecError, frame_count, largest_grid
from convanim.geometry.ops import BASE_FIELDS, FIELDS, Field, get_op, mode_names

ENTRY_KEY = "convanim.entry"
SPEC_KEYS = ("input_size", "kernel_size", "stride", "padding", "dilation", "output_padding",
             "mode", "view", "padding_mode", "dims", *(f.name for f in FIELDS))
NAME_MAX = 255  # bytes per path component on Linux, macOS and Windows file systems
MAX_CELLS = 96  # per side: beyond this a grid cannot be drawn legibly at any sane size


def where(ctx: click.Context | None, name: str, value: Any = None) -> str:
    """Where a parameter's value came from: ``configs/a.yaml:4: kernel_size`` or ``--kernel-size``.

    While click converts a value it has not yet recorded the value's source, so a type passes
    the ``value`` itself: the very object from the config's mapping came from the file (a flag's
    value is a fresh string from the command line).

    >>> where(None, "kernel_size")
    '--kernel-size'
    """
    if ctx is None:
        return "--" + name.replace("_", "-")
    source = ctx.get_parameter_source(name)
    from_file = source == ParameterSource.DEFAULT_MAP or (
        value is not None and ctx.default_map is not None
        and ctx.default_map.get(name) is value)
    # A key the file lacks and no flag gave: point at the entry, which is where to add it.
    from_file = from_file or (value is None and source in (None, ParameterSource.DEFAULT))
    if from_file:
        entry: Entry | None = ctx.meta.get(ENTRY_KEY)
        if entry is not None:
            from convanim.config import locate

            return f"{locate(entry, name)}: {name}"
    return "--" + name.replace("_", "-")


class _Value(click.ParamType):
    """A click type whose errors say where the value came from (flag or file:line)."""

    def fail_at(self, message: str, param: click.Parameter | None,
                ctx: click.Context | None, value: Any = None) -> None:
        name = param.name if param is not None and param.name else self.name
        label = where(ctx, name, value)
        if label.startswith("--") and param is not None and param.opts and label not in param.opts:
            label = max(param.opts, key=len)  # e.g. -j/--jobs stores its value as "workers"
        raise click.UsageError(f"{label}: {message}", ctx)


MAX_JSON_DEPTH = 8  # a 2-D matrix is 2 deep, per-side padding 2; deeper is a mistake
MAX_DIGITS = 30  # far beyond any usable value, far below Python's 4300-digit int limit


def _big_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise ValueError(f"a {len(text.lstrip('-'))}-digit number is far too large")
    return int(text)


def load_json(text: str) -> Any:
    """Parse a JSON value from an option with bounded nesting and digits, or raise ValueError.

    >>> load_json("[[1, 2], [3, 4]]")
    [[1, 2], [3, 4]]
    >>> load_json("[" * 50)
    Traceback (most recent call last):
    ...
    ValueError: lists nest more than 8 deep
    """
    depth = deepest = 0
    for char in text:  # brackets inside strings would only make the bound stricter
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                raise ValueError(f"lists nest more than {MAX_JSON_DEPTH} deep")
        elif char in "]}":
            depth -= 1
    try:
        return json.loads(text, parse_int=_big_int)
    except json.JSONDecodeError as err:
        raise ValueError(err.msg) from None
    except RecursionError:
        raise ValueError(f"lists nest more than {MAX_JSON_DEPTH} deep") from None


class SizeType(_Value):
    """``3``, ``3,2``, ``3x2``, a YAML list, or nested per-side lists and padding names.

    Parsing stays shallow: the spec checks the numbers, so flags and YAML share its rules.
    """

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Any:
        if isinstance(value, (int, list, tuple)) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    return load_json(text)
                except ValueError as err:
                    self.fail_at(f"{value!r:.40} is not a list ({err}); write e.g. "
                                 "[[1, 0], [0, 1]]", param, ctx, value)
            return text
        self.fail_at(f"{value!r} is not a size; write e.g. 3 or 3,2", param, ctx, value)
        return None


class MatrixType(_Value):
    """Nested lists of numbers, as JSON on the command line or a list in YAML."""

    name = "json"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Any:
        given = value
        if isinstance(value, str) and param is not None and param.name == "kernel_values" \
                and value.strip()[:1].isalpha():
            return value.strip()  # a kernel name (sobel_x, blur...): the spec decides its fit
        if isinstance(value, str):
            try:
                value = load_json(value)
            except ValueError as err:
                self.fail_at(f"is not valid JSON ({err}); write e.g. [[1, 2], [3, 4]]",
                             param, ctx, given)
        if not isinstance(value, (list, int, float)) or isinstance(value, bool):
            self.fail_at(f"{value!r:.40} is not a list of numbers; write e.g. [[1, 2], [3, 4]]",
                         param, ctx, given)
        return value


class Checked(_Value):
    """Wrap a click type (Choice, IntRange, ...) so its errors carry the value's location too."""

    def __init__(self, inner: click.ParamType) -> None:
        self.inner = inner
        self.name = inner.name

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Any:
        if isinstance(value, bool) and not isinstance(self.inner, click.types.BoolParamType):
            self.fail_at(f"{value!r} is not a valid {self.name}", param, ctx, value)
        numeric = isinstance(self.inner, (click.types.IntParamType, click.types.FloatParamType))
        if numeric and isinstance(value, str):
            # int() and float() accept Arabic-Indic and fullwidth digits; sizes and YAML do not.
            if not value.isascii():
                self.fail_at(f"{value!r:.40} is not a number written with the digits 0-9",
                             param, ctx, value)
            if len(value.strip().lstrip("+-")) > MAX_DIGITS:
                self.fail_at(f"a {len(value.strip())}-character number is far too large",
                             param, ctx, value)
        try:
            return self.inner.convert(value, param, ctx)
        except click.BadParameter as err:
            self.fail_at(self._explain(err, value, param), param, ctx, value)
        return None

    def _explain(self, err: click.BadParameter, value: Any, param: click.Parameter | None
                 ) -> str:
        """click's sentence for a bad number, restated as value, rule and a fix."""
        inner = self.inner
        if not isinstance(inner, (click.types.IntParamType, click.types.FloatParamType)):
            return err.message
        whole = isinstance(inner, click.types.IntParamType)
        name = self.name
        if param is not None and param.opts:  # the flag's name: -j/--jobs stores "workers"
            name = max(param.opts, key=len).lstrip("-").replace("-", "_")
        try:
            number = (int if whole else float)(value)
        except (TypeError, ValueError):
            kind = "a whole number" if whole else "a number"
            example = getattr(inner, "min", None) or 1
            return f"{name}={value!r:.40} is not {kind}; write it like {example}"
        if not isinstance(inner, (click.IntRange, click.FloatRange)):
            return err.message
        lo, hi = inner.min, inner.max
        rule = (f"between {lo} and {hi}" if lo is not None and hi is not None
                else f"at least {lo}" if lo is not None else f"at most {hi}")
        near = max(number, lo) if lo is not None else number
        near = min(near, hi) if hi is not None else near
        return f"{name}={value} must be {rule}; use e.g. {name}={near:g}"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str | None:
        return self.inner.get_metavar(param, ctx)  # type: ignore[call-arg]

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str
                       ) -> list[Any]:
        return self.inner.shell_complete(ctx, param, incomplete)


SIZE = SizeType()
MATRIX = MatrixType()


def _int(lo: int, hi: int | None = None) -> Checked:
    return Checked(click.IntRange(lo, hi))


def _choice(*names: str) -> Checked:
    return Checked(click.Choice(names, case_sensitive=False))


def _field_option(field: Field) -> Callable[[Any], Any]:
    """The flag for an op-specific spec field (``--scale``, ``--bias/--no-bias``...)."""
    flag = "--" + field.name.replace("_", "-")
    if field.kind == "bool":
        return click.option(f"{flag}/--no-{flag[2:]}", field.name, default=None,
                            help=field.help)
    aliases = ["--" + alias.replace("_", "-") for alias in field.aliases]
    # ``count``: a whole number or a name the field's parse knows (groups: depthwise).
    # ``int``: any whole number here; the field's parse states its own rule (>= 1, ...).
    kinds: dict[str, Any] = {"size": SIZE, "int": Checked(click.INT), "count": str}
    kind = _choice(*field.choices) if field.kind == "choice" else kinds[field.kind]
    return click.option(flag, *aliases, field.name, type=kind, help=field.help)


SPEC_OPTIONS = [
    click.option("-i", "--input-size", type=SIZE, help="Input size: 5 or 5,4 (height,width) [5]."),
    click.option("-k", "--kernel-size", type=SIZE, help="Kernel size: 3 or 3,2 [3]."),
    click.option("-s", "--stride", type=SIZE, help="Stride [1; pooling: the kernel size]."),
    click.option("-p", "--padding", type=SIZE,
                 help="Padding: 1, 1,2, [[top,bottom],[left,right]], valid, same, full, half [0]."),
    click.option("-d", "--dilation", type=SIZE, help="Dilation [1]."),
    click.option("--output-padding", type=SIZE,
                 help="Transposed only: extra cells on the bottom/right [0]."),
    click.option("-m", "--mode", type=_choice(*mode_names()),
                 help="Operation [conv; `render` alone: transposed]."),
    click.option("--view", type=_choice("gather", "scatter", "matrix", "trace"),
                 help="gather (transposed: zeros inserted, stride 1), scatter (transposed: "
                      "kernel x input, overlaps summed), matrix (the sparse matrix C) or "
                      "trace (render: one output cell traced back to the input)."),
    click.option("--padding-mode", type=_choice("zeros", "reflect", "replicate", "circular"),
                 help="How padding cells are filled [zeros]."),
    click.option("--dims", type=_int(1, 2), help="1 for sequences (Conv1d), 2 for images [2]."),
    *(_field_option(f) for f in FIELDS),
    click.option("--values/--no-values", default=None, help="Show numbers in the cells [on]."),
    click.option("--input-values", type=MATRIX, help="Input numbers as JSON nested lists."),
    click.option("--kernel-values", type=MATRIX,
                 help="Kernel numbers as JSON nested lists, or a name: sobel_x, sobel_y, blur, "
                      "gaussian, sharpen, emboss, outline, laplacian, identity (3x3)."),
    click.option("--input-image", type=str,
                 help="A photo as the input (PNG, JPEG; or sample:camera, sample:cat, "
                      "sample:coffee): the window over the picture, the output image forming."),
    click.option("--image-size", type=SIZE, help="Input image: resized/cropped to this, 48 or "
                                                  "32,48 (height,width) [48]."),
    click.option("--image-color", type=_choice("gray", "rgb"),
                 help="Input image: gray (one channel) or rgb (three, each filtered) [gray]."),
    click.option("--image-scale", type=_choice("255", "1"),
                 help="Input image values: 0-255 or 0-1 [255]."),
    click.option("--seed", type=_int(0), help="Seed for the random small-integer values [0]."),
]


def apply(options: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    """Decorate a click command with a list of options, in the order they are listed.

    >>> @apply(SPEC_OPTIONS)
    ... def command(**kwargs): ...
    """
    def decorate(func: Any) -> Any:
        for option in reversed(options):
            func = option(func)
        return func
    return decorate


DEFAULT_SPEC = {"input_size": 3, "kernel_size": 3, "stride": 2, "padding": 1,
                "mode": "transposed"}
# The keys that describe the operation's shape: giving any of them means "not the showcase".
SHAPE_KEYS = ("input_size", "kernel_size", "stride", "padding", "dilation", "output_padding",
              "mode")
# What a flagged render assumes for a size it was not given (documented in --help).
FLAG_DEFAULTS = {"input_size": 5, "kernel_size": 3}


def _defaults_for(default: dict[str, Any], mode: Any) -> dict[str, Any]:
    """The showcase defaults a mode can take: an upsample gets no kernel size or stride.

    >>> sorted(_defaults_for(DEFAULT_SPEC, "upsample"))
    ['input_size', 'mode']
    """
    try:
        op = get_op(mode if mode is not None else default.get("mode", "conv"))
    except KeyError:
        return default  # the spec names the unknown mode
    return {key: value for key, value in default.items()
            if key not in BASE_FIELDS or key in op.takes}


def build_spec(params: dict[str, Any], ctx: click.Context | None = None,
               default: dict[str, Any] | None = None) -> Spec:
    """The validated spec for a command's parameters; an error names the flag or file:line.

    ``default`` (the showcase) is used only when no shape parameter is given at all; with some
    flags given, a missing input or kernel size is :data:`FLAG_DEFAULTS`'s and the rest keep
    the spec's own defaults (conv, stride 1 or the kernel for pooling, padding 0).

    >>> build_spec({"input_size": "5", "kernel_size": "3", "stride": "2"}).output_shape
    (2, 2)
    >>> build_spec({"kernel_size": "2", "stride": "2"}, default=DEFAULT_SPEC).label
    'conv  i=5 k=2 s=2 p=0'
    """
    given = {key: params[key] for key in SPEC_KEYS if params.get(key) is not None}
    if default is not None:
        # Only a bare command is the showcase; with shape flags the sizes not given default.
        base = default if not any(key in given for key in SHAPE_KEYS) else FLAG_DEFAULTS
        given = {**_defaults_for(base, given.get("mode")), **given}
    try:
        return Spec.from_dict(given)
    except SpecError as err:
        raise click.UsageError(f"{where(ctx, err.param or 'input_size')}: {err}", ctx) from None


def check_size(spec: Spec, max_frames: int, ctx: click.Context | None = None) -> int:
    """Refuse, before any work, an animation too long or a grid too large to draw legibly.

    >>> check_size(Spec(i=5, k=3), max_frames=100)
    11
    """
    largest = largest_grid(spec)
    if largest > MAX_CELLS:
        name, fix = spec.op.oversize(spec, MAX_CELLS)
        raise click.UsageError(
            f"{where(ctx, name)}: a grid of {largest} cells per side is too big to "
            f"draw legibly (limit {MAX_CELLS}); {fix}", ctx)
    frames = frame_count(spec)
    if frames > max_frames:
        raise click.UsageError(
            f"{where(ctx, 'max_frames')}: the animation has {frames:,} frames, more than "
            f"the limit {max_frames:,}; raise --max-frames or use a smaller input", ctx)
    return frames


def check_budget(spec: Spec, frames: int, params: dict[str, Any],
                 ctx: click.Context | None = None, output: Path | None = None) -> None:
    """Refuse, before any work, a render whose frames, pixels or encode time are too large.

    Pure arithmetic (see :mod:`convanim.budget`); the renderer repeats the check exactly.

    >>> check_budget(Spec(i=5, k=3), 11, {"cell_px": 20})
    """
    from convanim.budget import check_render
    from convanim.writers import WriteError, format_for

    try:
        fmt = format_for(output) if output is not None else "gif"
    except WriteError:
        fmt = "gif"  # check_output reports the bad suffix
    frame_ms = params.get("frame_ms") or (round(1000 / params["fps"]) if params.get("fps")
                                          else 500)
    hold_ms = params.get("hold_ms") or 1500
    try:
        check_render(spec, frames, cell_px=params.get("cell_px"), width=params.get("width"),
                     dpi=params.get("dpi") or 100, values=params.get("values") is not False,
                     layout=params.get("layout") or "auto", fmt=fmt,
                     durations_ms=frames * frame_ms + 6 * hold_ms,
                     storyboard=params.get("storyboard"))
    except SpecError as err:
        raise click.UsageError(f"{where(ctx, err.param or 'input_size')}: {err}", ctx) from None


MAX_STACK = 4
"""Most channels a stack shows with numbers at the default size (4 in x 4 out stay legible)."""


def check_stack(spec: Spec, show_values: bool, sized: bool,
                ctx: click.Context | None = None) -> None:
    """Refuse, before any work, a channel stack too deep to read with numbers on.

    >>> check_stack(Spec(i=5, k=3, in_channels=4, out_channels=4), True, False)
    """
    if not spec.op.draws_stack:
        return  # e.g. pixel shuffle draws its channels as one mosaic
    cin, cout = getattr(spec, "in_channels", 1), getattr(spec, "out_channels", 1)
    if not show_values or sized or max(cin, cout) <= MAX_STACK:
        return
    name = "in_channels" if cin >= cout else "out_channels"
    raise click.UsageError(
        f"{where(ctx, name)}: {name}={max(cin, cout)} is more than {MAX_STACK} maps side by "
        f"side, too small to read with numbers at the default size; use --no-values, a "
        f"larger --width, or at most {MAX_STACK} channels", ctx)


@dataclass(frozen=True)
class Numbers:
    """The values part of a job: given matrices or a seed, and whether to show them."""

    x: Any
    w: Any
    seed: int
    show: bool


def numbers(params: dict[str, Any]) -> Numbers:
    """Collect the numbers options with their defaults.

    >>> numbers({"seed": None, "values": None, "input_values": None, "kernel_values": None}).seed
    0
    """
    return Numbers(params.get("input_values"), params.get("kernel_values"),
                   params.get("seed") or 0,
                   True if params.get("values") is None else bool(params["values"]))


def default_output(spec: Spec, suffix: str = ".gif", folder: Path = Path("outputs")) -> Path:
    """A descriptive file name, so runs with different parameters don't overwrite each other.

    >>> default_output(Spec(i=5, k=3, s=2, p=1)).as_posix()
    'outputs/conv_i5_k3_s2_p1.gif'
    """
    def text(value: Any) -> str:
        if value is None or isinstance(value, str):
            return value or ""
        if isinstance(value[0], tuple):
            return "-".join(f"{b}{a}" for b, a in value)
        return str(value[0]) if len(set(value)) == 1 else "x".join(map(str, value))

    parts = [spec.mode] + [key.lower().replace("-", "") + text(value)
                           for key, value in spec.named_parameters()]
    return folder / ("_".join(parts) + suffix)


def check_output(path: Path, ctx: click.Context | None = None, name: str = "output",
                 suffixes: tuple[str, ...] | None = None) -> None:
    """Refuse, before any work, an output path that cannot be written.

    ``suffixes`` limits the allowed endings (the storyboard takes .png, .pdf, .svg); otherwise
    the animation writers decide.

    >>> check_output(Path("outputs/a.gif"))
    """
    from convanim.writers import SUFFIXES, WriteError, format_for

    if "\x00" in str(path) or not str(path).strip():
        raise click.UsageError(f"{where(ctx, name)}: {str(path)!r} is not a usable file name",
                               ctx)
    if suffixes is not None:
        if path.suffix.lower() not in suffixes:
            raise click.UsageError(f"{where(ctx, name)}: {path} must end in "
                                   f"{', '.join(suffixes)}", ctx)
        kind = "file"
    else:
        try:
            kind = format_for(path)
        except WriteError as err:
            raise click.UsageError(f"{where(ctx, name)}: {err}", ctx) from None
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX:
            raise click.UsageError(f"{where(ctx, name)}: the name {part[:20]}... is {size} "
                                   f"bytes long, more than the {NAME_MAX} a file name may have; "
                                   "choose a shorter name", ctx)
    if path.exists() and not (path.is_file() or path.is_dir()):
        raise click.UsageError(f"{where(ctx, name)}: {path} is not a regular file or folder "
                               "(a device?); give a file name such as out.gif", ctx)
    if path.is_dir() and path.suffix.lower() in SUFFIXES:
        raise click.UsageError(f"{where(ctx, name)}: {path} is a folder; give a file name "
                               "such as out.gif, or a folder name without a suffix for frames",
                               ctx)
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise click.UsageError(f"{where(ctx, name)}: {parent} is a file, not a directory; "
                               "choose another path", ctx)
    if not parent.exists() and parent != Path("outputs"):
        raise click.UsageError(f"{where(ctx, name)}: directory {parent} does not exist; "
                               "create it or choose another path", ctx)
    if path.is_dir() and kind != "frames":
        raise click.UsageError(f"{where(ctx, name)}: {path} is a directory; give a file name "
                               "such as out.gif", ctx)


def check_suffix(text: str, ctx: click.Context | None = None, name: str = "output") -> None:
    """Refuse an output path without a file type, unless it ends in ``/`` (a frame folder).

    A bare ``-o fig`` would otherwise silently become a folder of PNGs.

    >>> check_suffix("outputs/frames/"), check_suffix("a.gif")
    (None, None)
    """
    if (text.endswith(("/", "\\")) or Path(text).name in ("", "..") or Path(text).is_dir()
            or Path(text).suffix):  # "." and ".." name folders too
        return
    raise click.UsageError(
        f"{where(ctx, name)}: {text!r} has no file type; end it in .gif, .mp4, .webp, .png "
        f"or .apng (or .pdf/.svg for one frame), or write {text}/ for a folder of PNG frames",
        ctx)
