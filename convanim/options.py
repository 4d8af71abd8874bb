"""The one option set shared by every command, and its conversion from flags or YAML values.

Flags and config keys go through the same click types: a config file fills the command's
``default_map``, so a YAML value is converted and checked exactly like the flag it stands for,
and an error names ``file:line`` for a YAML value or ``--flag`` for a flag.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

if TYPE_CHECKING:  # the config module (and PyYAML) loads only when a file is given
    from convanim.config import Entry
from convanim.geometry import Spec, SpecError, frame_count, largest_grid
from convanim.geometry.ops import BASE_FIELDS, get_op
from convanim.request.table import MAX_CELLS, OPTIONS, SPEC_NAMES, TABLE, Option

ENTRY_KEY = "convanim.entry"
API_KEY = "convanim.api"  # set in a context that parses the Python API's keywords
SPEC_KEYS = SPEC_NAMES
NAME_MAX = 255  # bytes per path component on Linux, macOS and Windows file systems


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
    if ctx.meta.get(API_KEY):
        return name  # a keyword of the Python API: its name is where it was written
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
    import json  # here: only list values need it (~1 ms of every start-up otherwise)

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
        """The flag's text as a number or a list of numbers (values already parsed pass).

        >>> SIZE.convert(" 3x2 ", None, None), SIZE.convert("[[1, 0], [0, 1]]", None, None)
        ('3x2', [[1, 0], [0, 1]])
        """
        if isinstance(value, (int, list, tuple)) and not isinstance(value, bool):
            return value
        if isinstance(value, Integral) and not isinstance(value, bool):
            return int(value)  # numpy's integers, from the Python API
        if type(value).__name__ == "ndarray" and getattr(value, "ndim", 0) == 1:
            return value.tolist()
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
        """The flag's JSON text as nested lists of numbers, or a one-line refusal.

        >>> MATRIX.convert("[[1, 2], [3, 4]]", None, None)
        [[1, 2], [3, 4]]
        >>> try:
        ...     MATRIX.convert("[1, 2", None, None)
        ... except click.UsageError as err:
        ...     print(err.message)
        --json: is not valid JSON (Expecting ',' delimiter); write e.g. [[1, 2], [3, 4]]
        """
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
        """The inner type's value, first checked against the option's table rule.

        >>> jobs = click.Option(["--jobs"], type=Checked(click.IntRange(1, 10)))
        >>> jobs.type.convert("4", jobs, None), jobs.type.convert(4.0, jobs, None)
        (4, 4)
        >>> for value in ("12", "2.5"):
        ...     try:
        ...         jobs.type.convert(value, jobs, None)
        ...     except click.UsageError as err:
        ...         print(err.message)
        --jobs: jobs=12 must be between 1 and 10; use e.g. jobs=10
        --jobs: jobs=2.5 is not a whole number; write it like 2
        """
        if isinstance(self.inner, (click.types.IntParamType, click.types.FloatParamType)):
            self._check_number(value, param, ctx)
            if isinstance(self.inner, click.types.IntParamType):
                value = self._whole(value, param, ctx)
        elif isinstance(value, bool) and not isinstance(self.inner, click.types.BoolParamType):
            self.fail_at(f"{value!r} is not a valid {self.name}", param, ctx, value)
        if isinstance(self.inner, click.Choice) and not isinstance(value, str):
            self.fail_at(self._explain_choice(value, param), param, ctx, value)
        try:
            return self.inner.convert(value, param, ctx)
        except click.BadParameter as err:
            if isinstance(self.inner, click.Choice):
                self.fail_at(self._explain_choice(value, param), param, ctx, value)
            self.fail_at(self._explain(err, value, param), param, ctx, value)
        return None

    def _name(self, param: click.Parameter | None) -> str:
        if param is not None and param.opts:  # the flag's name: -j/--jobs stores "workers"
            return max(param.opts, key=len).lstrip("-").replace("-", "_")
        return self.name

    def _check_number(self, value: Any, param: click.Parameter | None,
                      ctx: click.Context | None) -> None:
        """Refuse what is not a plain finite number before click's int()/float() sees it:
        int() reads bytes and other digits, float() reads nan and inf."""
        name = self._name(param)
        whole = isinstance(self.inner, click.types.IntParamType)
        example = max(getattr(self.inner, "min", None) or 1, 1)
        kind = "a whole number" if whole else "a number"
        if isinstance(value, str):
            # int() and float() accept Arabic-Indic and fullwidth digits; sizes and YAML do not.
            if not value.isascii():
                self.fail_at(f"{value!r:.40} is not a number written with the digits 0-9",
                             param, ctx, value)
            if len(value.strip().lstrip("+-")) > MAX_DIGITS:
                self.fail_at(f"a {len(value.strip())}-character number is far too large",
                             param, ctx, value)
            if value.strip().lower().lstrip("+-") in ("nan", "inf", "infinity"):
                self.fail_at(f"{name}={value.strip()} is not a finite number; write it like "
                             f"{_num(example)}", param, ctx, value)
            return
        if not isinstance(value, Real) or isinstance(value, bool):
            self.fail_at(f"{name}={value!r:.40} is {type(value).__name__}, not {kind}; write "
                         f"it like {_num(example)}", param, ctx, value)
        if not math.isfinite(value):
            self.fail_at(f"{name}={value} is not a finite number; write it like "
                         f"{_num(example)}", param, ctx, value)

    def _whole(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
               ) -> Any:
        """A whole number as a flag, YAML or Python writes it (``400``, ``"400.0"``,
        ``400.0``); ``2.5`` is refused here, where click's int() would quietly make it 2."""
        number = value
        if isinstance(value, str):
            # "400.0" is how a float 400.0 prints; "1e9" and "0x10" stay for click to refuse.
            if not re.fullmatch(r"\s*[+-]?\d+\.\d*\s*", value):
                return value
            number = float(value)
        if isinstance(number, float):
            if not number.is_integer():
                name = self._name(param)
                shown = str(value).strip()[:40]  # "2.5" from a flag reads as 2.5 from YAML
                self.fail_at(f"{name}={shown} is not a whole number; write it like "
                             f"{round(number)}", param, ctx, value)
            return int(number)
        return value

    def _explain_choice(self, value: Any, param: click.Parameter | None) -> str:
        """A choice's refusal with the choices and the closest one (``transpose``)."""
        choices = [str(c) for c in getattr(self.inner, "choices", ())]
        text = value.strip().lower() if isinstance(value, str) else str(value)
        import difflib  # here: only a refusal needs it

        close = difflib.get_close_matches(text, choices, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{value!r:.40} is not one of {', '.join(choices)}{hint}"

    def _explain(self, err: click.BadParameter, value: Any, param: click.Parameter | None
                 ) -> str:
        """click's sentence for a bad number, restated as value, rule and a fix."""
        inner = self.inner
        if not isinstance(inner, (click.types.IntParamType, click.types.FloatParamType)):
            return err.message
        whole = isinstance(inner, click.types.IntParamType)
        name = self._name(param)
        try:
            number = (int if whole else float)(value)
        except (TypeError, ValueError):
            kind = "a whole number" if whole else "a number"
            example = getattr(inner, "min", None) or 1
            return f"{name}={value!r:.40} is not {kind}; write it like {_num(example)}"
        if not isinstance(inner, (click.IntRange, click.FloatRange)):
            return err.message
        lo, hi = inner.min, inner.max
        rule = (f"between {_num(lo)} and {_num(hi)}" if lo is not None and hi is not None
                else f"at least {_num(lo)}" if lo is not None else f"at most {_num(hi)}")
        near = max(number, lo) if lo is not None else number
        near = min(near, hi) if hi is not None else near
        return f"{name}={value} must be {rule}; use e.g. {name}={_num(near)}"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str | None:
        """The inner type's metavar (the help shows what the option takes).

        >>> view = click.Option(["--view"], type=Checked(click.Choice(["gather", "scatter"])))
        >>> view.type.get_metavar(view, click.Context(click.Command("x", params=[view])))
        '[gather|scatter]'
        """
        return self.inner.get_metavar(param, ctx)  # type: ignore[call-arg]

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str
                       ) -> list[Any]:
        """The inner type's completions.

        >>> view = click.Option(["--view"], type=Checked(click.Choice(["gather", "scatter"])))
        >>> ctx = click.Context(click.Command("x", params=[view]))
        >>> [item.value for item in view.type.shell_complete(ctx, view, "sc")]
        ['scatter']
        """
        return self.inner.shell_complete(ctx, param, incomplete)


def _num(value: float) -> str:
    """A bound as written: ``60000``, ``0.0166667``."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


SIZE = SizeType()
MATRIX = MatrixType()


def flag(option: Option) -> Callable[[Any], Any]:
    """The click option for a table entry: flags, type, range and help all from the table.

    >>> from convanim.request.table import OPTIONS
    >>> flag(OPTIONS["dims"])(lambda **kw: None).__click_params__[0].opts
    ['--dims']
    """
    if option.kind == "bool":
        off = option.off or f"--no-{option.flag[2:]}"
        short = (f"-{option.short}",) if option.short else ()
        return click.option(*short, f"{option.flag}/{off}", option.name, default=None,
                            help=option.help)
    kinds: dict[str, Any] = {
        "size": SIZE, "padding": SIZE, "matrix": MATRIX, "text": str, "path": str,
        # ``count``: a whole number or a name the field's parse knows (groups: depthwise).
        "count": str,
        "choice": Checked(click.Choice(option.choices, case_sensitive=False)),
        "float": Checked(click.FloatRange(option.low, option.high)),
        # An op's ``int`` field states its own rule (>= 1, ...) when the spec reads it.
        "int": Checked(click.INT if option.low is None and option.high is None
                       else click.IntRange(option.low, option.high)),
    }
    extra: dict[str, Any] = {}
    if option.kind == "choice" and len("|".join(option.choices)) > 40:
        # A long list (the modes) reads better in the help text than in a 200-column usage.
        extra["metavar"] = option.name.upper()
    return click.option(*option.flags, option.name, type=kinds[option.kind], help=option.help,
                        **extra)


def flags(group: str, command: str = "render") -> list[Callable[[Any], Any]]:
    """The click options of one group of the table (``spec``, ``numbers``, ``output``) that
    ``command`` takes, in table order.

    >>> len(flags("numbers"))  # values, input and kernel values, seed, the photo's four
    8
    """
    return [flag(option) for option in TABLE
            if option.group == group and command in option.commands]


SPEC_OPTIONS = [*flags("spec"), *flags("numbers")]


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
    multiplier = given.get("depth_multiplier")
    for key in ("groups", "out_channels"):
        # The spec cannot tell an explicit 1 from its default; the door can (issue 23).
        if multiplier is not None and key in given and str(given[key]).strip() != "depthwise":
            raise click.UsageError(
                f"{where(ctx, key)}: depth_multiplier={multiplier} sets out_channels and "
                f"groups itself, so {key}={given[key]} would be dropped; drop {key}", ctx)
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
                                          else OPTIONS["frame_ms"].default)
    hold_ms = params.get("hold_ms") or OPTIONS["hold_ms"].default
    try:
        check_render(spec, frames, cell_px=params.get("cell_px"), width=params.get("width"),
                     dpi=params.get("dpi") or OPTIONS["dpi"].default,
                     values=params.get("values") is not False,
                     layout=params.get("layout") or OPTIONS["layout"].default, fmt=fmt,
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
