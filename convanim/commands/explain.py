"""``convanim shape``, ``solve`` and ``overlap``: what a layer does, which layer does it, and why.

The three commands share the spec options and config files of ``render``; output text keeps
within 80 columns and ``--json`` prints stable keys for scripts.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from convanim.geometry import Spec, SpecError
from convanim.geometry.ops import get_op, ops
from convanim.geometry.spec import per_axis_text
from convanim.options import (
    DEFAULT_SPEC,
    ENTRY_KEY,
    MAX_CELLS,
    SHAPE_KEYS,
    SPEC_KEYS,
    SPEC_OPTIONS,
    Checked,
    apply,
    build_spec,
    default_output,
    where,
)
from convanim.request.entries import load_config, pick_name, require_entry

SOLVABLE = [op.mode for op in ops() if op.solvable]


def _spec_options(without: tuple[str, ...] = ()) -> list[Callable[[Any], Any]]:
    """SPEC_OPTIONS without the numbers options (values, seed), which these commands ignore,
    and without ``without`` (overlap has no -m or --view: it is always a transposed map)."""
    kept = []
    for option in SPEC_OPTIONS:
        def probe() -> None: ...
        option(probe)
        name = probe.__click_params__[0].name  # type: ignore[attr-defined]
        if name in SPEC_KEYS and name not in without:
            kept.append(option)
    return kept


def _require_entry(ctx: click.Context, config: str | None, command: str) -> None:
    """One layer's entry: a multi-animation file needs --name, and a chain is refused."""
    from convanim.request.checks import refuse_chain

    require_entry(ctx, config)
    instead = (f"`convanim field {config}` for its receptive fields or `convanim render "
               f"{config}` to draw it")
    try:
        refuse_chain(ctx.meta.get(ENTRY_KEY), command, instead)
    except SpecError as err:
        raise click.UsageError(str(err), ctx) from None


CONFIG_OPTIONS = [
    click.argument("config", required=False, is_eager=True, callback=load_config,
                   type=click.Path(dir_okay=False, path_type=str)),
    click.option("--name", is_eager=True, callback=pick_name,
                 help="Which animation of a multi-animation config."),
]


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True))


@click.command()
@apply(CONFIG_OPTIONS)
@apply(_spec_options())
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--alt", is_flag=True, help="Print only the one-sentence alt text.")
@click.pass_context
def shape(ctx: click.Context, config: str | None, name: str | None, as_json: bool, alt: bool,
          **params: Any) -> None:
    """Explain the output shape: formula with numbers, unused cells, code.

    For a transposed convolution also the equivalent direct convolution (zeros inserted,
    padding, stride 1) and a warning when the overlap is uneven (checkerboard artifacts).

    \b
    Examples:
      convanim shape                          # transposed conv, i=3 k=3 s=2 p=1
      convanim shape -m transposed -i 16 -k 4 -s 2 -p 1
      convanim shape -i 28 -k 3 -s 2 -p same --json
      convanim shape -i 7 -k 3 -s 2 --alt     # one sentence for alt=""
    """
    from convanim.explain import alt_text, explain_shape

    if as_json and alt:
        raise click.UsageError("--alt: give --json or --alt, not both", ctx)
    _require_entry(ctx, config, "shape")
    spec = build_spec(params, ctx, default=DEFAULT_SPEC if config is None else None)
    if alt:
        click.echo(alt_text(spec))
        return
    report = explain_shape(spec)
    if as_json:
        _echo_json(report.to_json())
        return
    for line in report.lines():
        click.echo(line)


def _table(solutions: list[Any], dims: int, transposed: bool) -> list[str]:
    from convanim.explain import pytorch_code

    lines = [f"{'#':>3} {'k':>2} {'s':>2} {'p':>2} {'op':>2} {'d':>2}  "
             + ("overlap" if transposed else "input cells")]
    for rank, solution in enumerate(solutions, start=1):
        v = solution.params
        if transposed:
            note = "even" if solution.even else "uneven: checkerboard"
        else:
            note = ("all read" if not solution.unread else
                    f"{solution.unread} never read")
            if v.get("ceil_mode"):
                note += ", ceil_mode (last window partial)"
        lines.append(f"{rank:>3} {v['kernel_size']:>2} {v['stride']:>2} {v['padding']:>2} "
                     f"{v['output_padding']:>2} {v['dilation']:>2}  {note}")
        code = pytorch_code(solution.layer(dims), width=76)
        lines += ["    " + line for line in code.splitlines()]
    return lines


@click.command()
# Plain IntRange: its errors name the flag (--from), where Checked would show the parameter.
@click.option("--from", "size_from", required=True, type=Checked(click.IntRange(1, 4096)),
              help="Input size (cells along one axis).")
@click.option("--to", "size_to", required=True, type=Checked(click.IntRange(1, 4096)),
              help="Wanted output size.")
@click.option("-m", "--mode", type=Checked(click.Choice(SOLVABLE, case_sensitive=False)),
    help="Operation [transposed to grow, conv otherwise].")
@click.option("--max-kernel", default=7, show_default=True,
              type=Checked(click.IntRange(1, 16)), help="Largest kernel size tried.")
@click.option("--max-stride", default=4, show_default=True,
              type=Checked(click.IntRange(1, 8)), help="Largest stride tried.")
@click.option("--max-dilation", default=1, show_default=True,
              type=Checked(click.IntRange(1, 4)), help="Largest dilation tried.")
@click.option("--kernel", type=Checked(click.IntRange(1, 16)), help="Only this kernel size.")
@click.option("--stride", type=Checked(click.IntRange(1, 8)), help="Only this stride.")
@click.option("--padding", type=Checked(click.IntRange(0, 64)), help="Only this padding.")
@click.option("--dilation", type=Checked(click.IntRange(1, 4)), help="Only this dilation.")
@click.option("--dims", default=2, show_default=True, type=Checked(click.IntRange(1, 3)),
              help="1, 2 or 3: the PyTorch class shown (Conv1d, Conv2d or Conv3d).")
@click.option("--top", default=10, show_default=True, type=Checked(click.IntRange(0)),
              help="How many results to show; 0 shows all.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def solve(ctx: click.Context, size_from: int, size_to: int, mode: str | None, as_json: bool,
          dims: int, top: int, **limits: Any) -> None:
    """Find every layer that maps size --from to size --to, best first.

    Tries every kernel, stride, padding (0 to d*(k-1)), output_padding and dilation within
    the bounds. Ranked: for transposed, checkerboard-free (kernel a multiple of the stride)
    first, then kernel larger than stride, no output_padding, dilation 1, smaller kernel,
    smaller padding; for conv and pooling, reading every input cell first.

    \b
    Examples:
      convanim solve --from 16 --to 32             # kernel 4, stride 2, padding 1
      convanim solve --from 28 --to 14 --kernel 3  # kernel 3, stride 2, padding 1
      convanim solve --from 32 --to 16 -m maxpool --json
    """
    from convanim.explain import Bounds, default_mode
    from convanim.explain import solve as find
    from convanim.explain.upsamplers import upsampler_lines, upsamplers

    mode = (mode or default_mode(size_from, size_to)).lower()
    bounds = Bounds(**limits)
    for flag, pinned, top_value in (("kernel", bounds.kernel, bounds.max_kernel),
                                    ("stride", bounds.stride, bounds.max_stride),
                                    ("dilation", bounds.dilation, bounds.max_dilation)):
        if pinned is not None and pinned > top_value and ctx.get_parameter_source(
                f"max_{flag}") != click.core.ParameterSource.DEFAULT:
            raise click.UsageError(f"--{flag}: {pinned} is above --max-{flag} {top_value}; "
                                   f"drop one of them", ctx)
    solutions = find(size_from, size_to, mode, bounds)
    shown = solutions if top == 0 else solutions[:top]
    within = _bounds_text(bounds)
    if as_json:
        _echo_json({"from": size_from, "to": size_to, "mode": mode, "dims": dims,
                    "bounds": {key: getattr(bounds, key) for key in (
                        "max_kernel", "max_stride", "max_dilation", "kernel", "stride",
                        "padding", "dilation")},
                    "total": len(solutions),
                    "results": [solution.to_json(dims) for solution in shown],
                    "upsamplers": upsamplers(size_from, size_to, dims)})
        if not solutions:
            ctx.exit(1)
        return
    if not solutions:
        raise click.ClickException(
            f"no {mode} setting maps {size_from} to {size_to} within {within}; "
            "raise --max-kernel, --max-stride or --max-dilation, or try another --mode")
    count = f"{len(solutions)} setting{'s' if len(solutions) != 1 else ''}"
    head = f"{size_from} -> {size_to} by {mode}: {count} within {within}"
    if len(shown) < len(solutions):
        head += f"; the best {len(shown)} (--top 0 shows all)"
    for line in textwrap.wrap(head + ":", 80):
        click.echo(line)
    click.echo("k kernel, s stride, p padding, op output_padding, d dilation")
    click.echo("")
    for line in _table(shown, dims, get_op(mode).transposed):
        click.echo(line)
    extra = upsampler_lines(size_from, size_to, dims) if get_op(mode).transposed else []
    for line in ["", *extra] if extra else []:
        click.echo(line)


def _bounds_text(bounds: Any) -> str:
    parts = []
    for name, pinned, top in (("kernel", bounds.kernel, bounds.max_kernel),
                              ("stride", bounds.stride, bounds.max_stride),
                              ("dilation", bounds.dilation, bounds.max_dilation)):
        parts.append(f"{name} {pinned}" if pinned is not None else
                     f"{name} 1" if top == 1 else f"{name} <= {top}")
    if bounds.padding is not None:
        parts.append(f"padding {bounds.padding}")
    return ", ".join(parts)


def _overrides(text: str, ctx: click.Context) -> dict[str, Any]:
    """``"k=4 p=1"`` (spaces or semicolons between pairs) as long spec names."""
    from convanim.config import ALIASES
    from convanim.geometry.spec import LONG_NAMES

    names = {**{short: long for short, long in LONG_NAMES.items()}, **ALIASES}
    out: dict[str, Any] = {}
    for pair in text.replace(";", " ").split():
        key, sep, value = pair.partition("=")
        long = names.get(key.strip().lower(), key.strip().lower().replace("-", "_"))
        if not sep or not value or long not in SPEC_KEYS:
            raise click.UsageError(
                f"--compare: {pair!r} is not key=value with a spec key; write e.g. "
                "--compare k=4 or --compare 'k=4 p=1'", ctx)
        out[long] = value
    if not out:
        raise click.UsageError("--compare: give key=value pairs, e.g. --compare k=4", ctx)
    return out


def _layer_specs(spec: Spec, layers: int, flag: str, ctx: click.Context) -> None:
    """Refuse before any work a stack whose last map is too big to draw legibly."""
    current = spec
    for layer in range(1, layers + 1):
        shape = current.output_shape
        if max(shape) > MAX_CELLS:
            raise click.UsageError(
                f"{flag}: layer {layer} of {spec.label.split('  ')[1]} gives "
                f"{'x'.join(map(str, shape))} cells, more than {MAX_CELLS} per side; "
                "use fewer --layers or a smaller input", ctx)
        if layer < layers:
            try:
                current = current.replace(i=shape)
            except SpecError as err:
                raise click.UsageError(f"--layers: layer {layer + 1} gets a "
                                       f"{'x'.join(map(str, shape))} input it cannot take: "
                                       f"{err}", ctx) from None


@click.command()
@apply(CONFIG_OPTIONS)
@apply(_spec_options(without=("mode", "view")))
@click.option("--layers", default=1, show_default=True, type=Checked(click.IntRange(1, 6)),
              help="Stack this many identical layers and show each map.")
@click.option("--compare", help="Also draw a spec with these changes, e.g. 'k=4' or 'k=4 p=1'.")
@click.option("--resize", type=Checked(click.Choice(["nearest", "bilinear"])),
              help="Also draw the resize-convolution: upsample by the stride, then a "
                   "stride-1 conv with the kernel ('same' padding).")
@click.option("--gradient", is_flag=True,
              help="Draw the backward pass instead: paths carrying the output's gradient back "
                   "to each input cell (dL/dx for dL/dy and W all ones); the mode is then "
                   "conv.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str),
              help="Image to write: .png or .svg [outputs/overlap_<params>.png].")
@click.option("--dpi", default=150, show_default=True, type=Checked(click.IntRange(50, 600)),
              help="PNG resolution.")
@click.pass_context
def overlap(ctx: click.Context, config: str | None, name: str | None, layers: int,
            compare: str | None, resize: str | None, gradient: bool, output: str | None,
            dpi: int, **params: Any) -> None:
    """Draw how many kernel taps reach each output cell of a transposed convolution.

    Uneven counts are the overlap behind checkerboard artifacts (Odena, Dumoulin & Olah,
    Distill 2016); --layers shows how the pattern compounds through a stack. The mode is
    always transposed.

    \b
    Examples:
      convanim overlap -o overlap.png              # i=3 k=3 s=2 p=1: uneven
      convanim overlap -i 5 -k 3 -s 2 --layers 3 --compare k=4 -o stack.svg
      convanim overlap -i 4 -k 3 -s 2 --resize nearest  # resize-conv: even
      convanim overlap -i 8 -k 3 -s 2 --gradient   # strided conv gradient: uneven
    """
    from convanim.explain import layered_counts
    from convanim.explain.draw import save_overlap

    _require_entry(ctx, config, "overlap")
    given = (ctx.default_map or {}).get("mode")  # only a config file can name a mode here
    bare = config is None and not any(params.get(key) is not None for key in SHAPE_KEYS)
    # The mode is implied: a bare `overlap` is the (transposed) showcase; otherwise the
    # given sizes with the flag defaults for the rest.
    implied = "conv" if gradient else "transposed"
    params["mode"] = None if bare else (given if given is not None else implied)
    showcase = GRADIENT_SPEC if gradient else DEFAULT_SPEC
    spec = build_spec(params, ctx, default=showcase if config is None else None)
    if spec.dims == 3:
        raise click.UsageError(f"{where(ctx, 'dims')}: overlap maps are drawn for dims 1 and 2 "
                               "(a 3-D layer's counts are its axes' counts multiplied): use "
                               "--dims 2", ctx)
    if gradient:
        _overlap_gradient(ctx, spec, layers, compare, resize, output, dpi)
        return
    if not spec.is_transposed:
        raise click.UsageError(f"{where(ctx, 'mode')}: overlap maps are for mode 'transposed', "
                               f"not {spec.mode!r}; use --mode transposed", ctx)
    rows = [spec]
    if compare:
        try:
            rows.append(Spec.from_dict({**spec.to_dict(), **_overrides(compare, ctx)}))
        except SpecError as err:
            raise click.UsageError(f"--compare: {err}", ctx) from None
        if not rows[1].is_transposed:
            raise click.UsageError("--compare: overlap maps are for mode 'transposed'", ctx)
    flags = ["--input-size", "--compare"][:len(rows)]
    if resize and layers > 1:
        raise click.UsageError("--resize: draws one resize-convolution layer; drop --layers",
                               ctx)
    if resize:
        # Odena et al.: upsample by the stride, then a stride-1 convolution; an upsampled map
        # of ones stays ones (nearest copies, bilinear weights sum to 1), so the counts are
        # those of the convolution.
        try:
            rows.append(Spec(i=tuple(n * s for n, s in zip(spec.i, spec.s)), k=spec.k,
                             p="same", mode="conv", dims=spec.dims))
        except SpecError as err:
            raise click.UsageError(f"--resize: {err}", ctx) from None
        flags.append("--resize")
    for flag, row in zip(flags, rows):
        _layer_specs(row, layers, flag if layers == 1 else "--layers", ctx)
    path = Path(output) if output else default_output(spec, ".png").with_name(
        "overlap_" + default_output(spec, ".png").name)
    if path.suffix.lower() not in (".png", ".svg"):
        raise click.UsageError(f"--output: {path.name!r} must end in .png or .svg", ctx)
    if not output:
        path.parent.mkdir(parents=True, exist_ok=True)
    maps = [(row, layered_counts(row, layers)) for row in rows]
    save_overlap(maps, path, dpi=dpi)
    click.echo(f"wrote {path}")
    for number, (row, _) in enumerate(maps):
        head = (f"resize-convolution ({resize} x{per_axis_text(spec.s)}, then {row.label})"
                if resize and number == len(maps) - 1 else row.label)
        for line in textwrap.wrap(f"{head}: {_spread(row)}", 80, subsequent_indent="  "):
            click.echo(line)


GRADIENT_SPEC = {"input_size": 7, "kernel_size": 3, "stride": 2, "padding": 1, "mode": "conv"}
"""``overlap --gradient`` alone: a strided convolution, whose gradient checkerboards."""


def _overlap_gradient(ctx: click.Context, spec: Spec, layers: int, compare: str | None,
                      resize: str | None, output: str | None, dpi: int) -> None:
    """``overlap --gradient``: the paths back to each input cell of a conv or transposed
    layer (stacked ``layers`` deep), beside ``--compare``'s layer."""
    from convanim.explain import describe_counts
    from convanim.explain.draw import save_overlap
    from convanim.explain.overlap import gradient_counts, gradient_spec, uneven_axes

    if not spec.op.weighted or "backward" not in spec.op.views:
        raise click.UsageError(f"{where(ctx, 'mode')}: --gradient draws the backward pass of "
                               f"mode 'conv' or 'transposed', not {spec.mode!r}; use --mode "
                               "conv", ctx)
    if resize:
        raise click.UsageError("--resize: draws the forward resize-convolution; drop "
                               "--gradient or --resize", ctx)
    rows = [spec]
    if compare:
        try:
            rows.append(Spec.from_dict({**spec.to_dict(), **_overrides(compare, ctx)}))
        except SpecError as err:
            raise click.UsageError(f"--compare: {err}", ctx) from None
    maps = []
    for flag_name, row in zip(["--input-size", "--compare"], rows):
        try:
            maps.append((row, gradient_counts(row, layers)))
        except SpecError as err:
            raise click.UsageError(f"{flag_name if layers == 1 else '--layers'}: {err}",
                                   ctx) from None
    name = default_output(spec, ".png").name
    path = Path(output) if output else default_output(spec, ".png").with_name(
        "gradient_" + name)
    if path.suffix.lower() not in (".png", ".svg"):
        raise click.UsageError(f"--output: {path.name!r} must end in .png or .svg", ctx)
    if not output:
        path.parent.mkdir(parents=True, exist_ok=True)
    save_overlap(maps, path, dpi=dpi, gradient=True)
    click.echo(f"wrote {path}")
    for row, counts in maps:
        even = "uneven: checkerboard" if uneven_axes(gradient_spec(row)) else "even"
        line = (f"{row.label}, backward: {describe_counts(counts[-1])} gradient paths per "
                f"input cell ({even})")
        for text in textwrap.wrap(line, 80, subsequent_indent="  "):
            click.echo(text)


def _spread(spec: Spec) -> str:
    from convanim.explain import describe_counts, interior_counts, uneven_axes

    even = "uneven: checkerboard" if uneven_axes(spec) else "even"
    return f"{describe_counts(interior_counts(spec))} taps per interior cell ({even})"


def register(group: click.Group) -> None:
    """Add ``shape``, ``solve`` and ``overlap`` to ``group``.

    >>> import click
    >>> group = click.Group()
    >>> register(group)
    >>> sorted(group.commands)
    ['overlap', 'shape', 'solve']
    """
    for command in (shape, solve, overlap):
        group.add_command(command)
