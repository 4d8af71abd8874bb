"""The command line: ``convanim render``, plus the commands other modules register.

Every command exits 0 on success, 1 when a render or check fails, and 2 for bad usage, options
or config, with one or two lines on stderr. ``--debug`` shows the traceback; nothing else does.
"""

from __future__ import annotations

import gc
import os
import signal
import sys

if __name__ == "__main__" or os.path.basename(sys.argv[0]) in ("convanim", "convanim.exe"):
    # The program's first line: hold the ending signals back while the imports run (one
    # interrupted inside an extension's import can end in "initialization failed" or a fatal
    # error); ConvanimGroup.main lets them through once its handlers are in place.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
    # The imports make tens of thousands of objects that live as long as the process, and the
    # collector would walk them again and again (~4 ms of a default render). It stays off
    # until they are made, then they are frozen out of its walks (settle_collector).
    gc.disable()
    # numpy's OpenBLAS starts a thread per core at import that then spins between calls; a
    # figure's small arrays never need it (~5 ms of a default render, and a core taken from
    # a busy machine). A user's own setting is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import atexit
import contextlib
import threading
import warnings
from pathlib import Path
from typing import Any

import click

from convanim import __version__
from convanim.geometry import SpecError
from convanim.options import (
    DEFAULT_SPEC,
    ENTRY_KEY,
    SPEC_OPTIONS,
    apply,
    check_output,
    check_suffix,
    default_output,
    where,
)
from convanim.request.door import OUTPUT_OPTIONS, from_params
from convanim.request.entries import given_twice, load_config, pick_name, require_entry

EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130
# Run as the program (not imported by a test or a notebook): see the signals and the collector
# at the top.
PROGRAM = __name__ == "__main__" or os.path.basename(sys.argv[0]) in ("convanim", "convanim.exe")


class ConvanimGroup(click.Group):
    """A click group whose errors are one clear line and the right exit code, never a traceback.

    Commands other than ``render`` are registered on first lookup, so ``convanim render``
    does not import (and build the options of) the commands it never runs.
    """

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name``, registering the lazy commands first if it is one."""
        if cmd_name not in self.commands:
            _register_commands()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name (the help lists them all, so all are registered)."""
        _register_commands()
        return super().list_commands(ctx)

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        """Click's lookup, then refuse a file option given twice (one file per run)."""
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            twice = given_twice(command, rest)
            if twice is not None:
                raise click.UsageError(f"{twice}: given twice, and only one value is used; "
                                       "give it once (run the command again for another "
                                       "file)", ctx)
        return name, command, rest

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:
        """Run a command: warnings silenced, ending signals handled, errors as one line."""
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv
        if not debug:
            # Library warnings (matplotlib, numpy, Pillow) would turn a one-line error into
            # several; everything they warn about is checked and reported by us.
            warnings.simplefilter("ignore")
        from convanim.writers import (
            ENDING_SIGNALS,
            PUBLISHED,
            exit_code_for,
            handle_ending_signals,
        )

        PUBLISHED.clear()  # this run's outputs only (tests call main in one process)
        settle_collector()
        try:
            if threading.current_thread() is threading.main_thread():
                handle_ending_signals()
                # A signal held back during start-up arrives here, inside the try.
                signal.pthread_sigmask(signal.SIG_UNBLOCK, ENDING_SIGNALS)
            code = super().main(argv, prog_name, standalone_mode=False, **extra)
            # Without standalone mode click returns ctx.exit()'s code instead of exiting.
            sys.exit(code if isinstance(code, int) else 0)
        except click.exceptions.Exit as done:
            sys.exit(done.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt) as err:
            from convanim.writers import Interrupted, remove_leftovers

            remove_leftovers()
            # click turns a KeyboardInterrupt into Abort; the signal is in its cause.
            err = err.__cause__ if isinstance(err.__cause__, KeyboardInterrupt) else err
            from convanim.writers import interrupted_message

            _fail(interrupted_message(err.name if isinstance(err, Interrupted) else None),
                  exit_code_for(err), debug)
        except click.ClickException as err:
            code = err.exit_code if err.exit_code in (EXIT_FAILED, EXIT_USAGE) else EXIT_USAGE
            _fail(err.format_message(), code, debug)
        except SpecError as err:
            _fail(str(err), EXIT_USAGE, debug)
        except Exception as err:  # the last resort: one line, traceback only with --debug
            config = sys.modules.get("convanim.config")  # a ConfigError means it was loaded
            if config is not None and isinstance(err, config.ConfigError):
                _fail(str(err), EXIT_USAGE, debug)
            from convanim.writers import WriteError

            if isinstance(err, WriteError):
                _fail(str(err), EXIT_FAILED, debug)
            if isinstance(err, OSError) and err.filename is None:
                from convanim.writers import describe_unnamed_os_error

                described = describe_unnamed_os_error(err)
                if described is not None:
                    _fail(described, EXIT_USAGE, debug)
            if isinstance(err, OSError) and err.filename is not None:
                from convanim.writers import describe_os_error

                _fail(str(describe_os_error(str(err.filename), err)), EXIT_FAILED, debug)
            _fail(f"{type(err).__name__}: {err} (rerun with --debug for the traceback)",
                  EXIT_FAILED, debug)
        return None


def settle_collector() -> None:
    """In the program, after a batch of imports: keep the collector from walking the objects
    made so far (they live as long as the process) and turn it on, for the render's own
    garbage. Imported elsewhere (tests, notebooks), nothing changes.

    >>> settle_collector()  # imported, not the program: the collector is left alone
    """
    if PROGRAM:
        gc.freeze()
        gc.enable()


def _fail(message: str, code: int, debug: bool) -> None:
    if debug:
        import traceback  # here: only --debug prints one (start-up time)

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


@cli.command()
@click.argument("config", required=False, is_eager=True, expose_value=True,
                callback=load_config, type=str)
@click.option("--name", is_eager=True, callback=pick_name,
              help="Which animation of a multi-animation config.")
@apply(SPEC_OPTIONS)
@apply(OUTPUT_OPTIONS)
@click.option("--cell", type=str, help="--view trace: the output cell to trace, r,c [centre].")
@click.option("--per-layer/--slides", "per_layer", default=True,
              help="Chains: one summary frame per layer [on], or every layer's slide frames.")
@click.pass_context
def render(ctx: click.Context, config: str | None, name: str | None, **params: Any) -> None:
    """Render one animation from flags and/or a YAML CONFIG file (flags win).

    \b
    Examples:
      convanim render                      # the default: transposed, i3 k3 s2 p1
      convanim render -i 5 -k 3 -s 2 -p 1  # outputs/conv_i5_k3_s2_p1.gif
      convanim render -m maxpool -i 5 -k 3 -s 1 --no-values -o pool.mp4
      convanim render -i 5 -k 3 -s 2 -p 1 --in-channels 3 --out-channels 2 --bias
      convanim render -i 4 -k 3 -s 2 -p same -m transposed --storyboard steps.pdf
      convanim render configs/conv_arithmetic/padding_strides.yaml --theme dark
    """
    require_entry(ctx, config)
    if name is not None and config is None:
        raise click.UsageError("--name: it picks one animation of a config file; give the file "
                               "too, e.g. convanim render configs/a.yaml --name NAME", ctx)
    entry = ctx.meta.get(ENTRY_KEY)
    if params.get("input_image") is not None and not (entry is not None and entry.layers):
        from convanim.commands.photo import render_photo_command  # a photograph as the input

        render_photo_command(ctx, params)
        return
    if params.get("view") == "trace" or (entry is not None and entry.layers):
        from convanim.commands.chain import render_chain_command  # a chain of layers
        from convanim.request import render_options

        render_chain_command(ctx, entry, params, render_options(params, ctx))
        return
    if params.get("cell") is not None:
        raise click.UsageError("--cell applies to --view trace only; drop it", ctx)
    raw_output = params.get("output")
    if raw_output is not None and not raw_output.strip():
        raise click.UsageError(f"{where(ctx, 'output')}: {raw_output!r} is not a usable file "
                               "name; give a path such as out.gif, or leave -o out", ctx)
    request = from_params(params, ctx, default=DEFAULT_SPEC if config is None else None)
    spec = request.spec
    still = _still_frame(params, raw_output, ctx)
    board = params.get("storyboard")
    if board:
        check_output(Path(board), ctx, "storyboard", (".png", ".pdf", ".svg"))
    if still is None and board and not raw_output:
        output = None  # a storyboard alone: no animation is written
    else:
        output = Path(raw_output) if raw_output else default_output(spec)
        if still is not None:
            check_output(output, ctx, "output", (".png", ".pdf", ".svg"))
        elif raw_output:
            check_output(output, ctx)  # what cannot be written at all is said first
            check_suffix(raw_output, ctx)
        if not raw_output:
            output.parent.mkdir(parents=True, exist_ok=True)
    if board and output is not None:
        from convanim.draw.animate import check_distinct

        try:
            check_distinct(output, board)
        except SpecError as err:
            raise click.UsageError(f"{where(ctx, 'storyboard')}: {err}", ctx) from None
    from convanim.draw import Renderer, RenderOptions, write_plan
    from convanim.geometry import plan
    from convanim.progress import Progress
    from convanim.writers import confined

    settle_collector()  # the drawing modules just imported
    progress = Progress(f"rendering {output or board}",
                        enabled=False if params.get("quiet") else None)
    held = contextlib.ExitStack()
    try:
        # Written through one open handle on the output's folder, as a batch does: a folder
        # swapped for a symlink during the render cannot send the file elsewhere.
        held.enter_context(confined(Path(output or board).parent))
        the_plan = plan(spec, request.x, request.w, seed=request.seed)
        opts = RenderOptions.from_mapping(dict(request.options))
        if still is not None:
            from convanim.draw import write_still, write_storyboard
            from convanim.writers import commit_together

            assert output is not None
            with commit_together():  # the still and its storyboard appear together or not
                if still == "pages":  # --frames/--max-slides with .pdf: one page per frame
                    from convanim.draw.pages import write_pages

                    written = write_pages(the_plan, opts, output)
                else:
                    written = write_still(the_plan, opts, output, still)
                if board:
                    write_storyboard(the_plan, opts, board)
        elif params.get("pair"):
            from convanim.commands.pair import write_pair

            written = write_pair(ctx, request, output, board)
        elif output is None:
            from convanim.draw import write_storyboard

            Renderer(the_plan, opts).check_output(storyboard=board)
            write_storyboard(the_plan, opts, board)
            written = Path(board)
            board = None
        else:
            written = write_plan(the_plan, opts, output, storyboard=board, progress=progress)
    except SpecError as err:
        raise click.UsageError(f"{where(ctx, err.param or 'input_size')}: {err}", ctx) from None
    finally:
        held.close()
        progress.close()
    click.echo(f"wrote {written}  ({spec.label}; output {'x'.join(map(str, spec.output_shape))})")
    if board:
        click.echo(f"wrote {board}")
    if params.get("open"):
        from convanim.viewer import open_file

        click.echo(open_file(output if params.get("pair") and output else written))


def _still_frame(params: dict[str, Any], output: str | None, ctx: click.Context
                 ) -> str | None:
    """The frame to write as a still image, or None for an animation.

    ``-o fig.pdf`` / ``.svg`` is one frame (the last unless --frame says), except that a
    ``.pdf`` with --frames or --max-slides gets one page per picked frame (``"pages"``);
    ``.png`` is an animated PNG unless --frame is given.
    """
    frame = params.get("frame")
    suffix = Path(output).suffix.lower() if output else ""
    if frame is not None:
        text = str(frame).strip().lower()
        if text != "last" and not text.isdigit():
            raise click.UsageError(f"{where(ctx, 'frame')}: {frame!r} is not a frame number; "
                                   "give e.g. --frame 4 or --frame last", ctx)
        if suffix not in (".png", ".pdf", ".svg"):
            raise click.UsageError(f"{where(ctx, 'frame')}: one frame is written to -o "
                                   "fig.png, fig.pdf or fig.svg; give such an -o path", ctx)
        return text
    if suffix == ".pdf" and (params.get("frames") or params.get("max_slides")):
        return "pages"
    return "last" if suffix in (".pdf", ".svg") else None


def _register_commands() -> None:
    # Imported on first need (see ConvanimGroup) so `convanim render` does not pay for them.
    if _registered:
        return
    _registered.append(True)
    from convanim.commands import batch, chain, compare, explain, model

    for module in (batch, explain, chain, compare, model):
        module.register(cli)


_registered: list[bool] = []


def main() -> None:
    """Console-script entry point.

    >>> main  # doctest: +ELLIPSIS
    <function main at ...>
    """
    # Python's last garbage collection at exit walks every object the run made: ~35 ms after
    # a default render, a tenth of the whole process. Freezing them first skips that walk
    # (the OS takes the memory back). Exit handlers, such as the removal of unfinished temp
    # files, still run: freezing only keeps the collector from walking the objects.
    atexit.register(gc.freeze)
    try:
        cli.main(prog_name="convanim")
    except SystemExit as done:
        if PROGRAM and threading.active_count() == 1 and "multiprocessing" not in sys.modules:
            exit_now(done.code)
        raise


def exit_now(code: object) -> None:
    """End the program as ``sys.exit(code)`` would, without freeing its objects one by one.

    The exit handlers run (temp files, a private matplotlib folder) and the standard streams
    are flushed; then the process ends, and the OS takes its memory back in one go instead of
    Python tearing down every module and object (~7 ms of a default render, as mypy does).
    Only for the program alone: no other thread or child process may still need finalizing.

    >>> exit_now  # doctest: +ELLIPSIS
    <function exit_now at ...>
    """
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): the message to stderr, status 1
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()  # what the interpreter's own exit runs first
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status & 0xFF)


if __name__ == "__main__":
    main()
