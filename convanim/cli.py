"""The command line: ``convanim render``, plus the commands other modules register.

Every command exits 0 on success, 1 when a render or check fails, and 2 for bad usage, options
or config, with one or two lines on stderr. ``--debug`` shows the traceback; nothing else does.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from convanim import __version__
from convanim.config import ConfigError, Entry, load_entries
from convanim.geometry import SpecError
from convanim.options import (
    DEFAULT_SPEC,
    ENTRY_KEY,
    SPEC_OPTIONS,
    Checked,
    apply,
    build_spec,
    check_output,
    check_size,
    default_output,
    numbers,
    where,
)

EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


class ConvanimGroup(click.Group):
    """A click group whose errors are one clear line and the right exit code, never a traceback."""

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv
        try:
            code = super().main(argv, prog_name, standalone_mode=False, **extra)
            # Without standalone mode click returns ctx.exit()'s code instead of exiting.
            sys.exit(code if isinstance(code, int) else 0)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt):
            from convanim.writers import remove_leftovers

            remove_leftovers()
            _fail("interrupted; no file was written or changed", EXIT_INTERRUPTED, debug)
        except click.ClickException as err:
            code = err.exit_code if err.exit_code in (EXIT_FAILED, EXIT_USAGE) else EXIT_USAGE
            _fail(err.format_message(), code, debug)
        except (ConfigError, SpecError) as err:
            _fail(str(err), EXIT_USAGE, debug)
        except Exception as err:  # the last resort: one line, traceback only with --debug
            from convanim.writers import WriteError

            if isinstance(err, WriteError):
                _fail(str(err), EXIT_FAILED, debug)
            _fail(f"{type(err).__name__}: {err} (rerun with --debug for the traceback)",
                  EXIT_FAILED, debug)
        return None


def _fail(message: str, code: int, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    click.echo(f"convanim: error: {message}", err=True)
    sys.exit(code)


@click.group(cls=ConvanimGroup, context_settings={"help_option_names": ["-h", "--help"],
                                                   "max_content_width": 88})
@click.version_option(__version__, "-V", "--version", prog_name="convanim")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def cli(debug: bool) -> None:
    """Exact, small animations of convolution, transposed convolution, dilation and pooling.

    \b
    Examples:
      convanim render                      # transposed conv, i=3 k=3 s=2 p=1
      convanim render -i 5 -k 3 -s 2 -p 1 -o conv.gif
      convanim render -m transposed -i 3 -k 3 -s 2 --view scatter -o s.mp4
      convanim render configs/seeds/four_steps.yaml --theme dark
      convanim shape -m transposed -i 16 -k 4 -s 2 -p 1
    """


def _choose_entry(ctx: click.Context) -> None:
    """Once the file (and any --name) is known, let its entry fill ``ctx.default_map``."""
    entries: list[Entry] | None = ctx.meta.get("convanim.entries")
    if not entries or ENTRY_KEY in ctx.meta:
        return
    name = ctx.meta.get("convanim.name")
    if name is not None:
        picked = [entry for entry in entries if entry.name == name]
        if not picked:
            names = ", ".join(str(entry.name) for entry in entries)
            raise click.UsageError(f"--name: no animation named {name!r}; the file has {names}",
                                   ctx)
        entries = picked
    elif len(entries) > 1:
        return  # the command body reports it, after a later --name had its chance
    ctx.meta[ENTRY_KEY] = entries[0]
    ctx.default_map = {**(ctx.default_map or {}), **dict(entries[0].options)}


def load_config(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Eager callback: a config file fills ``ctx.default_map``, so flags still override it.

    >>> load_config(click.Context(render), None, None) is None  # no file: nothing to load
    True
    """
    if value is None:
        return None
    if not Path(value).is_file():
        raise click.UsageError(f"config file {value!r} does not exist; check the path", ctx)
    ctx.meta["convanim.entries"] = load_entries(value)
    _choose_entry(ctx)
    return value


def pick_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Eager callback for --name, which may come before or after the config file.

    >>> ctx = click.Context(render)
    >>> pick_name(ctx, None, "b"), ctx.meta["convanim.name"]
    ('b', 'b')
    """
    if value is not None:
        ctx.meta["convanim.name"] = value
        _choose_entry(ctx)
    return value


def require_entry(ctx: click.Context, config: str | None) -> None:
    """A multi-animation file without --name: say how to pick one.

    >>> require_entry(click.Context(render), None)  # no config file: nothing to require
    """
    entries = ctx.meta.get("convanim.entries") or []
    if config and ENTRY_KEY not in ctx.meta:
        names = ", ".join(str(entry.name) for entry in entries)
        raise click.UsageError(
            f"{config} holds {len(entries)} animations ({names}); pick one with --name or "
            "render them all with `convanim batch`", ctx)


OUTPUT_OPTIONS = [
    click.option("-o", "--output", type=str,
                 help="File to write: .gif .mp4 .webp .png/.apng, or a folder/ of PNG frames "
                      "[outputs/<mode>_i.._k.._s.._p...gif]."),
    click.option("--fps", type=Checked(click.FloatRange(0.1, 100)),
                 help="Slide frames per second (or --frame-ms)."),
    click.option("--frame-ms", type=Checked(click.IntRange(10, 60_000)),
                 help="Milliseconds per slide frame."),
    click.option("--hold-ms", type=Checked(click.IntRange(10, 60_000)),
                 help="Milliseconds for phase frames and the last frame."),
    click.option("--loop/--no-loop", default=None, help="Loop forever [on]."),
    click.option("--width", type=Checked(click.IntRange(100, 4000)),
                 help="Image width in pixels (or --cell-px)."),
    click.option("--cell-px", type=Checked(click.IntRange(8, 200)), help="Pixels per cell."),
    click.option("--dpi", type=Checked(click.IntRange(50, 600)), help="Text resolution [100]."),
    click.option("--theme", type=Checked(click.Choice(["light", "dark", "print", "classic"])),
                 help="Colours: light (colour-blind safe), dark, print (b/w), classic."),
    click.option("--layout", type=Checked(click.Choice(["auto", "side", "stacked"])),
                 help="Output beside (side) or below (stacked) the input [auto: 1-D stacked]."),
    click.option("--title", type=str, help="Title text [the parameters]."),
    click.option("--storyboard", type=str,
                 help="Also write every frame tiled on one page: .png, .pdf or .svg."),
    click.option("--max-frames", type=Checked(click.IntRange(1)), default=None,
                 help="Refuse animations with more frames than this [5000]."),
]
RENDER_KEYS = ("fps", "frame_ms", "hold_ms", "loop", "width", "cell_px", "dpi", "theme",
               "layout", "title")
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


@cli.command()
@click.argument("config", required=False, is_eager=True, expose_value=True,
                callback=load_config, type=str)
@click.option("--name", is_eager=True, callback=pick_name,
              help="Which animation of a multi-animation config.")
@apply(SPEC_OPTIONS)
@apply(OUTPUT_OPTIONS)
@click.pass_context
def render(ctx: click.Context, config: str | None, name: str | None, **params: Any) -> None:
    """Render one animation from flags and/or a YAML CONFIG file (flags win).

    \b
    Examples:
      convanim render                      # the default: transposed, i3 k3 s2 p1
      convanim render -i 5 -k 3 -s 2 -p 1  # outputs/conv_i5_k3_s2_p1.gif
      convanim render -m maxpool -i 5 -k 3 -s 1 --no-values -o pool.mp4
      convanim render -i 4 -k 3 -s 2 -p same -m transposed --storyboard steps.pdf
      convanim render configs/conv_arithmetic/padding_strides.yaml --theme dark
    """
    require_entry(ctx, config)
    spec = build_spec(params, ctx, default=DEFAULT_SPEC if config is None else None)
    max_frames = params.get("max_frames") or MAX_FRAMES
    check_size(spec, max_frames, ctx)
    if spec.view == "matrix":
        from convanim.explain import check_matrix_size

        try:
            check_matrix_size(spec)
        except SpecError as err:
            raise click.UsageError(f"{where(ctx, err.param or 'input_size')}: {err}",
                                   ctx) from None
    nums = numbers(params)
    options = render_options(params, ctx)
    output = Path(params["output"]) if params.get("output") else default_output(spec)
    check_output(output, ctx)
    if params.get("storyboard"):
        check_output(Path(params["storyboard"]), ctx, "storyboard", (".png", ".pdf", ".svg"))
    if not params.get("output"):
        output.parent.mkdir(parents=True, exist_ok=True)
    from convanim.draw import render as render_file  # matplotlib loads only when drawing

    try:
        written = render_file(spec, output, x=nums.x, w=nums.w, seed=nums.seed,
                              values=nums.show, storyboard=params.get("storyboard"),
                              max_frames=max_frames, **options)
    except SpecError as err:
        raise click.UsageError(f"{where(ctx, err.param or 'input_size')}: {err}", ctx) from None
    click.echo(f"wrote {written}  ({spec.label}; output {'x'.join(map(str, spec.output_shape))})")
    if params.get("storyboard"):
        click.echo(f"wrote {params['storyboard']}")


def _register_commands() -> None:
    # Imported here so `convanim render` does not pay for modules it never uses.
    from convanim.commands import batch, compare, explain

    for module in (batch, explain, compare):
        module.register(cli)


_register_commands()


def main() -> None:
    """Console-script entry point.

    >>> main  # doctest: +ELLIPSIS
    <function main at ...>
    """
    cli.main(prog_name="convanim")


if __name__ == "__main__":
    main()
