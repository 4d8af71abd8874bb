"""The one option set shared by every command, and its conversion from flags or YAML values.

Flags and config keys go through the same click types: a config file fills the command's
``default_map``, so a YAML value is converted and checked exactly like the flag it stands for,
and an error names ``file:line`` for a YAML value or ``--flag`` for a flag.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from convanim.config import Entry, locate
from convanim.geometry import Spec, SpecError, frame_count, largest_grid
from convanim.geometry.ops import BASE_FIELDS, FIELDS, Field, get_op, mode_names

ENTRY_KEY = "convanim.entry"
SPEC_KEYS = ("input_size", "kernel_size", "stride", "padding", "dilation", "output_padding",
             "mode", "view", "padding_mode", "dims", *(f.name for f in FIELDS))
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
            return f"{locate(entry, name)}: {name}"
    return "--" + name.replace("_", "-")


class _Value(click.ParamType):
    """A click type whose errors say where the value came from (flag or file:line)."""

    def fail_at(self, message: str, param: click.Parameter | None,
                ctx: click.Context | None, value: Any = None) -> None:
        name = param.name if param is not None and param.name else self.name
        raise click.UsageError(f"{where(ctx, name, value)}: {message}", ctx)


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
                    return json.loads(text)
                except json.JSONDecodeError:
                    self.fail_at(f"{value!r} is not a list; write e.g. [[1, 0], [0, 1]]",
                                 param, ctx, value)
            return text
        self.fail_at(f"{value!r} is not a size; write e.g. 3 or 3,2", param, ctx, value)
        return None


class MatrixType(_Value):
    """Nested lists of numbers, as JSON on the command line or a list in YAML."""

    name = "json"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> Any:
        given = value
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as err:
                self.fail_at(f"is not valid JSON ({err.msg}); write e.g. [[1, 2], [3, 4]]",
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
        try:
            return self.inner.convert(value, param, ctx)
        except click.BadParameter as err:
            self.fail_at(err.message, param, ctx, value)
        return None

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
    kinds: dict[str, Any] = {"size": SIZE, "int": _int(0), "count": str}
    kind = _choice(*field.choices) if field.kind == "choice" else kinds[field.kind]
    return click.option(flag, *aliases, field.name, type=kind, help=field.help)


SPEC_OPTIONS = [
    click.option("-i", "--input-size", type=SIZE, help="Input size: 5 or 5,4 (height,width)."),
    click.option("-k", "--kernel-size", type=SIZE, help="Kernel size: 3 or 3,2."),
    click.option("-s", "--stride", type=SIZE, help="Stride [1; pooling: the kernel size]."),
    click.option("-p", "--padding", type=SIZE,
                 help="Padding: 1, 1,2, [[top,bottom],[left,right]], valid, same, full, half."),
    click.option("-d", "--dilation", type=SIZE, help="Dilation [1]."),
    click.option("--output-padding", type=SIZE,
                 help="Transposed only: extra cells on the bottom/right [0]."),
    click.option("-m", "--mode", type=_choice(*mode_names()),
                 help="Operation [conv; `render` alone: transposed]."),
    click.option("--view", type=_choice("gather", "scatter", "matrix"),
                 help="gather (transposed: zeros inserted, stride 1), scatter (transposed: "
                      "kernel x input, overlaps summed) or matrix (the sparse matrix C)."),
    click.option("--padding-mode", type=_choice("zeros", "reflect", "replicate", "circular"),
                 help="How padding cells are filled [zeros]."),
    click.option("--dims", type=_int(1, 2), help="1 for sequences (Conv1d), 2 for images [2]."),
    *(_field_option(f) for f in FIELDS),
    click.option("--values/--no-values", default=None, help="Show numbers in the cells [on]."),
    click.option("--input-values", type=MATRIX, help="Input numbers as JSON nested lists."),
    click.option("--kernel-values", type=MATRIX, help="Kernel numbers as JSON nested lists."),
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

    Without an input size, the parameters not given come from ``default`` (the showcase).

    >>> build_spec({"input_size": "5", "kernel_size": "3", "stride": "2"}).output_shape
    (2, 2)
    """
    given = {key: params[key] for key in SPEC_KEYS if params.get(key) is not None}
    if default is not None and "input_size" not in given:
        given = {**_defaults_for(default, given.get("mode")), **given}
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
        raise click.UsageError(
            f"{where(ctx, 'input_size')}: a grid of {largest} cells per side is too big to "
            f"draw legibly (limit {MAX_CELLS}); use a smaller input_size", ctx)
    frames = frame_count(spec)
    if frames > max_frames:
        raise click.UsageError(
            f"{where(ctx, 'max_frames')}: the animation has {frames:,} frames, more than "
            f"the limit {max_frames:,}; raise --max-frames or use a smaller input", ctx)
    return frames


MAX_STACK = 4
"""Most channels a stack shows with numbers at the default size (4 in x 4 out stay legible)."""


def check_stack(spec: Spec, show_values: bool, sized: bool,
                ctx: click.Context | None = None) -> None:
    """Refuse, before any work, a channel stack too deep to read with numbers on.

    >>> check_stack(Spec(i=5, k=3, in_channels=4, out_channels=4), True, False)
    """
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
    from convanim.writers import WriteError, format_for

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
