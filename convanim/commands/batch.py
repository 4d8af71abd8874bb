"""``convanim batch`` and ``convanim gallery``: many configs at once, in parallel, or ``--check``.

Both take config files or folders (searched recursively); each entry goes through the
``render`` command's own options, so a batch accepts and refuses exactly what ``render`` does.
Outputs are named after the entry (``name:``, else the file name) inside ``-o``; a config's
``output:`` is taken inside ``-o`` too. Exit codes: 0 all done, 1 a render failed or a file is
stale (``--check``), 2 bad usage or two entries writing one file (nothing is rendered then),
130 interrupted (finished files are kept, none is left half-written).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from convanim.options import Checked
from convanim.request.table import taken_by

FORMATS = ("gif", "mp4", "webp", "png", "html", "frames")
# The render options a whole batch may override from the command line (flags win over YAML).
OVERRIDE_KEYS = tuple(option.name for option in taken_by("batch"))
"""The look and timing options batch applies on top of every entry (the table says which)."""
ANIMATION_SUFFIXES = (".gif", ".mp4", ".webp", ".png", ".apng")
EXIT_INTERRUPTED = 130


class Failed(click.ClickException):
    """Some animation failed or is stale: exit code 1 with a one-line reason."""

    exit_code = 1


def pick_options(decorators: Sequence[Callable[[Any], Any]], names: Sequence[str]
                 ) -> list[Callable[[Any], Any]]:
    """The click option decorators among ``decorators`` whose parameter is in ``names``.

    >>> len(pick_options([click.option("--theme"), click.option("--title")], ["theme"]))
    1
    """
    picked = []
    for decorate in decorators:
        def probe() -> None: ...
        decorate(probe)
        if probe.__click_params__[0].name in names:  # type: ignore[attr-defined]
            picked.append(decorate)
    return picked


def _shared_options(overrides: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    def decorate(func: Any) -> Any:
        for option in reversed([
            click.option("-j", "--jobs", "workers", type=Checked(click.IntRange(1, 512)),
                         help="Worker processes [the number of cores]; 1 runs in-process."),
            click.option("--format", "fmt", type=click.Choice(FORMATS),
                         help="Output format for every animation [gif, or the config's "
                              "output: suffix]."),
            click.option("--check", "checking", is_flag=True,
                         help="Write nothing: render in memory, compare with the files on "
                              "disk, list what is stale or missing, exit 1 if anything is."),
            click.option("--allow-outside", is_flag=True,
                         help="Let a config's output: point outside the output directory."),
            *overrides,
        ]):
            func = option(func)
        return func
    return decorate


def _report(message: str) -> None:
    click.echo(f"convanim: error: {message}", err=True)


def _orphans(out_dir: Path, claimed: set[Path]) -> list[Path]:
    """Animation files directly in the output folder that no config makes any more."""
    if not out_dir.is_dir():
        return []
    return sorted(p for p in out_dir.iterdir()
                  if p.is_file() and p.suffix.lower() in ANIMATION_SUFFIXES
                  and p.resolve() not in claimed)


def foreign_figures(jobs: Sequence[Any], out_dir: Path) -> list[str]:
    """Figures the gallery page on disk shows that none of ``jobs`` makes (a subset run).

    >>> foreign_figures([], Path("no/such/folder"))
    []
    """
    import html
    import re

    from convanim.gallery import page

    try:
        text = (out_dir / page.INDEX).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    ours = {page.link(job.output, out_dir) for job in jobs}
    shown = [html.unescape(m) for m in re.findall(r'<figure id="([^"]*)">', text)]
    return [name for name in shown if name not in ours]


def _page_results(jobs: list[Any], results: list[Any], out_dir: Path, link_base: str,
                  checking: bool) -> list[Any]:
    from convanim.gallery import page
    from convanim.gallery.work import FRESH, MISSING, STALE, WRITTEN, Result
    from convanim.writers import atomic_output

    # The page lists what rendered; when checking, what should be there.
    shown = [job for job, result in zip(jobs, results) if checking or result.ok]
    texts = {page.INDEX: page.render_html(shown, out_dir),
             page.MARKDOWN: page.render_markdown(shown, out_dir, link_base)}
    if checking and foreign_figures(jobs, out_dir):
        # Checking some configs against a larger gallery: its pages are not this run's to
        # judge (nor to rewrite), so they are left out.
        return []
    done = []
    for name, text in texts.items():
        path = out_dir / name
        if not checking:
            with atomic_output(path, "w") as handle:
                handle.write(text)
            done.append(Result(name, WRITTEN, path, size=len(text.encode())))
        elif not path.is_file():
            done.append(Result(name, MISSING, path, f"{path} does not exist"))
        elif path.read_text(encoding="utf-8") != text:
            done.append(Result(name, STALE, path, "differs from what the configs give now"))
        else:
            done.append(Result(name, FRESH, path))
    return done


def execute(ctx: click.Context, paths: Sequence[str], out_dir: Path, workers: int | None,
            fmt: str | None, checking: bool, allow_outside: bool, overrides: dict[str, Any],
            link_base: str | None = None, changed: bool = False) -> None:
    """Run batch (``link_base`` None) or gallery; exits with the command's status.

    >>> import tempfile
    >>> ctx = click.Context(click.Command("batch"))
    >>> execute(ctx, ["configs/seeds/checkerboard.yaml"], Path(tempfile.mkdtemp()), 1, None,
    ...         False, False, {})  # doctest: +ELLIPSIS
    [1/2] written ...
    2 written in ... with 1 worker
    """
    from convanim.gallery import find_configs, make_jobs
    from convanim.gallery.pool import Progress, cpu_count, now, run_jobs, summary
    from convanim.gallery.work import FAILED, FRESH, STALE, WRITTEN, Result

    start = now()
    batch = make_jobs(find_configs(paths), out_dir, overrides, fmt, allow_outside,
                      players=link_base is not None)
    for problem in batch.problems:
        _report(problem.message)
    if batch.collisions:
        for line in batch.collisions:
            _report(line)
        raise click.UsageError(f"{len(batch.collisions)} output file(s) claimed twice; give "
                               "the entries different names or output: paths (nothing was "
                               "rendered)", ctx)
    workers = workers or cpu_count()
    if not checking:
        if out_dir.exists() and not out_dir.is_dir():
            raise click.UsageError(f"--output-dir: {out_dir} is a file, not a folder; give a "
                                   "folder for the animations", ctx)
        out_dir.mkdir(parents=True, exist_ok=True)
    from convanim.gallery import manifest

    recorded = manifest.load(out_dir)
    if changed and not checking:
        raise click.UsageError("--changed goes with --check (it skips figures recorded as "
                               "up to date); add --check or drop --changed", ctx)
    skip = {i for i, job in enumerate(batch.jobs)
            if changed and manifest.unchanged(job, recorded.get(manifest.key_of(job, out_dir)))}
    todo = [job for i, job in enumerate(batch.jobs) if i not in skip]
    progress = Progress(len(todo), "checking" if checking else "rendering")
    try:
        done = iter(run_jobs(todo, workers, checking, progress.update))
        results = [Result(job.name, FRESH, job.output, "unchanged since convanim.json")
                   if i in skip else next(done) for i, job in enumerate(batch.jobs)]
    except KeyboardInterrupt as err:
        from convanim.writers import exit_code_for

        progress.close()
        _report(f"interrupted after {progress.done} of {len(batch.jobs)}; finished files are "
                "kept and no file is left half-written")
        # SystemExit passes through click untouched, so the code and message stay ours.
        sys.exit(exit_code_for(err))
    progress.close()
    if not checking and link_base is not None:  # the gallery records what made its figures
        written = [job for job, r in zip(batch.jobs, results) if r.status == WRITTEN]
        if written:
            manifest.save(out_dir, written)
    makers = set()
    for index, (job, result) in enumerate(zip(batch.jobs, results)):
        maker = manifest.written_by(recorded.get(manifest.key_of(job, out_dir)))
        if result.status == STALE and maker:
            # Name the versions: "frame size differs" alone hides that the code did.
            makers.add(maker)
            results[index] = Result(result.name, STALE, result.output,
                                    f"{result.message} (written by {maker}; this is "
                                    f"{manifest.version()})", result.frames, result.size,
                                    result.seconds, result.also)
    for result in results:
        if result.status == FAILED:
            _report(result.message)
    extra = [Result(p.name, FAILED, None, p.message) for p in batch.problems]
    if link_base is not None:  # the gallery
        extra += _page_results(batch.jobs, results, out_dir, link_base, checking)
    everything = results + extra
    lines = summary(everything, now() - start, min(workers, max(len(batch.jobs), 1)))
    click.echo("\n".join(lines))
    if link_base is not None:
        claimed = {path.resolve() for job in batch.jobs for path in (job.output, job.player)
                   if path is not None}
        for orphan in _orphans(out_dir, claimed):
            click.echo(f"note: {orphan} is made by no config; delete it if it is unused")
    bad = [r for r in everything if not r.ok]
    if bad:
        if not checking:
            raise Failed(f"{len(bad)} of {len(everything)} failed; see the messages above")
        versions = (f" They were written by {', '.join(sorted(makers))}; this is "
                    f"{manifest.version()}: render them with the convanim you pin, or update "
                    "the pin." if makers else "")
        if link_base is not None and foreign_figures(batch.jobs, out_dir):
            # A subset of a larger gallery: rerunning it would rewrite the gallery's pages
            # with this subset alone, so point at the whole gallery instead.
            raise Failed(f"{len(bad)} of {len(everything)} are stale, missing or failed; "
                         f"render the whole gallery of {out_dir.as_posix()} again (all the "
                         f"configs its pages show) to bring them up to date.{versions}")
        again = _rerun(ctx, paths, out_dir, fmt, allow_outside, overrides, link_base)
        raise Failed(f"{len(bad)} of {len(everything)} are stale, missing or failed; run "
                     f"`{again}` to bring them up to date.{versions}")


def _rerun(ctx: click.Context, paths: Sequence[str], out_dir: Path, fmt: str | None,
           allow_outside: bool, overrides: dict[str, Any], link_base: str | None) -> str:
    """The exact command that writes what ``--check`` found stale (the same, minus --check).

    >>> _rerun(click.Context(click.Command("batch")), ["a b.yaml"], Path("out"), None, False,
    ...        {"theme": "dark", "loop": False}, None)
    "convanim batch 'a b.yaml' -o out --theme dark --no-loop"
    """
    import shlex

    words = ["convanim", "batch" if link_base is None else "gallery", *paths,
             "-o", out_dir.as_posix()]
    if link_base is not None and link_base != out_dir.as_posix().rstrip("/") + "/":
        words += ["--link-base", link_base]
    if fmt:
        words += ["--format", fmt]
    if allow_outside:
        words.append("--allow-outside")
    for key, value in overrides.items():
        if value is None:
            continue
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            words.append(flag if value else "--no-" + key.replace("_", "-"))
        else:
            words += [flag, str(value)]
    return " ".join(shlex.quote(word) for word in words)


def register(group: click.Group) -> None:
    """Add ``batch`` and ``gallery`` to ``group`` (called by :mod:`convanim.cli`).

    >>> import click; g = click.Group(); register(g); sorted(g.commands)
    ['batch', 'gallery']
    """
    from convanim.request.door import OUTPUT_OPTIONS

    shared = _shared_options(pick_options(OUTPUT_OPTIONS, OVERRIDE_KEYS))

    @click.command()
    @click.argument("paths", nargs=-1, required=True, type=str)
    @click.option("-o", "--output-dir", default="outputs", show_default=True,
                  help="Folder for the animations.")
    @shared
    @click.pass_context
    def batch(ctx: click.Context, paths: tuple[str, ...], output_dir: str, workers: int | None,
              fmt: str | None, checking: bool, allow_outside: bool, **overrides: Any) -> None:
        """Render every animation in PATHS (YAML files or folders) on a process pool.

        A bad config is reported with its file and line and the others still render; the
        exit code is then 1. With --check nothing is written: each animation is drawn in
        memory and compared with its file (decoded pixels and timing), for CI.

        \b
        Examples:
          convanim batch configs/ -j 4 -o figures/
          convanim batch configs/seeds/keras_padding.yaml --format mp4
          convanim batch configs/conv_arithmetic --theme classic -o classic/
          convanim batch docs/figures/*.yaml -o docs/img --check
        """
        execute(ctx, paths, Path(output_dir), workers, fmt, checking, allow_outside, overrides)

    @click.command()
    @click.argument("paths", nargs=-1, type=str)
    @click.option("-o", "--output-dir", default="outputs/gallery", show_default=True,
                  help="Folder for the animations, index.html and gallery.md.")
    @click.option("--link-base", default=None,
                  help="Prefix of the image links in gallery.md [the output dir, so the table "
                       "works in a README next to it].")
    @click.option("--changed", is_flag=True,
                  help="With --check: skip the figures whose config, convanim and file are "
                       "as convanim.json recorded them when they were written (the "
                       "pre-commit hook).")
    @shared
    @click.pass_context
    def gallery(ctx: click.Context, paths: tuple[str, ...], output_dir: str,
                link_base: str | None, workers: int | None, fmt: str | None, checking: bool,
                allow_outside: bool, changed: bool, **overrides: Any) -> None:
        """Render PATHS [configs/] and write index.html and gallery.md beside the animations.

        index.html shows each animation with its title, parameters, output-size formula, alt
        text and the YAML that renders it; gallery.md is a table to paste into a README.
        --check compares everything, the two pages included, and writes nothing; files
        identical in bytes to a fresh render are not decoded. convanim.json records which
        convanim wrote each figure from which job: --check --changed skips those still as
        recorded, and a stale figure says which convanim wrote it.

        \b
        Examples:
          convanim gallery                       # configs/ -> outputs/gallery/
          convanim gallery --check               # in CI: exit 1 if a figure is stale
          convanim gallery --check --changed     # the pre-commit hook: changed ones only
          convanim gallery configs/conv_arithmetic --theme classic -o classic/
        """
        if not paths:
            if not Path("configs").is_dir():
                raise click.UsageError("no configs/ folder here; give config files or "
                                       "folders to render", ctx)
            paths = ("configs",)
        out_dir = Path(output_dir)
        base = link_base if link_base is not None else out_dir.as_posix().rstrip("/") + "/"
        execute(ctx, paths, out_dir, workers, fmt, checking, allow_outside, overrides, base,
                changed)

    group.add_command(batch)
    group.add_command(gallery)
