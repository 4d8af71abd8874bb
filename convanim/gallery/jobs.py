"""Config files to render jobs, through the request layer (the ``render`` command's options).

Each entry of a config file fills the options' ``default_map``, exactly as
``convanim render FILE`` does, so a batch accepts, converts and refuses the same values with
the same messages; the flags given to ``batch``/``gallery`` are passed as command-line
arguments on top, so they win like they do for ``render``. Everything that can be checked
without drawing is checked here, before any job runs: values, sizes, output names, and two
entries writing the same file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import click

from convanim.config import ConfigError, Entry, load_entries, locate
from convanim.geometry import Spec

CONFIG_SUFFIXES = (".yaml", ".yml")
FORMAT_SUFFIXES = {"gif": ".gif", "mp4": ".mp4", "webp": ".webp", "png": ".png",
                   "html": ".html", "frames": ""}
STORYBOARD_SUFFIXES = (".png", ".pdf", ".svg")
# A name becomes a file name: one safe path component, never hidden, never "..".
_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
_FLAG_PREFIX = re.compile(r"--([a-z][a-z-]*): ")


@dataclass(frozen=True)
class Source:
    """A config file and the path argument it was found under (its gallery section)."""

    path: Path
    root: Path

    @property
    def section(self) -> str:
        """The folder the file sits in, relative to the argument: ``conv_arithmetic``.

        >>> Source(Path("configs/seeds/a.yaml"), Path("configs")).section
        'seeds'
        """
        if self.root.is_dir():
            rel = self.path.parent.relative_to(self.root).as_posix()
            return self.root.resolve().name if rel == "." else rel
        return self.path.parent.resolve().name


@dataclass(frozen=True)
class Job:
    """One animation to render or check; plain data, so it pickles to a worker process.

    ``options`` are the renderer's keyword options (``values``, ``max_frames``, ``theme``, ...),
    ``reproduce`` the YAML mapping that renders the same animation on its own.
    """

    name: str
    entry: Entry
    spec: Spec
    x: Any
    w: Any
    seed: int
    options: Mapping[str, Any]
    output: Path
    storyboard: Path | None
    frames: int
    section: str
    reproduce: Mapping[str, Any]
    player: Path | None = None  # the gallery's interactive copy (.html) beside the output
    chain: Any = None
    """A :class:`~convanim.geometry.chain.Chain` for a ``layers:`` config (``spec`` is then
    its last layer), else None."""
    chain_view: str = "forward"
    panels: tuple[Job, ...] = ()
    root: Path | None = None
    """The output folder the files must stay in (None with --allow-outside)."""
    photo: Any = None
    """For a config with ``input_image``: its photo figure or photo comparison (drawn by
    :func:`convanim.photo.render_photo`), else None."""
    """For a comparison figure (a ``panels:`` config): one job per panel, drawn side by
    side into this job's output; empty for an ordinary animation."""


@dataclass(frozen=True)
class Problem:
    """A config that cannot become a job; ``message`` starts with ``file:line``."""

    name: str
    message: str


@dataclass
class Batch:
    """The jobs of a run, the configs that failed, and outputs claimed twice."""

    jobs: list[Job] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    collisions: list[str] = field(default_factory=list)


def find_configs(paths: Sequence[str | os.PathLike[str]]) -> list[Source]:
    """Config files in ``paths``: files as given, directories searched recursively.

    Hidden files and folders are skipped; a file listed twice is kept once.

    >>> [s.path.name for s in find_configs(["configs/seeds"])][:1]
    ['checkerboard.yaml']
    """
    found: dict[Path, Source] = {}
    for raw in paths:
        root = Path(raw)
        if root.is_dir():
            files = sorted(
                p for p in root.rglob("*")
                if p.suffix.lower() in CONFIG_SUFFIXES and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(root).parts))
            if not files:
                raise click.UsageError(f"{root}: no .yaml config files in this directory")
        elif root.is_file():
            files = [root]
        else:
            raise click.UsageError(f"{root}: no such file or directory; check the path")
        for file in files:
            found.setdefault(file.resolve(), Source(file, root))
    return list(found.values())


def override_args(overrides: Mapping[str, Any]) -> list[str]:
    """Command-line arguments for ``render`` that stand for options given to batch/gallery.

    >>> override_args({"theme": "classic", "loop": False, "fps": None})
    ['--theme', 'classic', '--no-loop']
    """
    args: list[str] = []
    for key, value in overrides.items():
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            args.append(flag if value else "--no-" + flag[2:])
        elif value is not None:
            args += [flag, str(value)]
    return args


def _relabel(message: str, entry: Entry, given: Iterable[str]) -> str:
    """Point a message at the config file whenever the value did not come from a flag.

    ``where()`` names ``--flag`` for values click had not yet attributed to the config (a
    value it failed to convert, or a key the entry lacks); only real flags should say so.
    """
    match = _FLAG_PREFIX.match(message)
    if match:
        key = match.group(1).replace("-", "_")
        if key not in given:
            return f"{locate(entry, key)}: {key}: {message[match.end():]}"
        return message
    if message.startswith(f"{entry.path}:"):
        return message
    return f"{locate(entry, '')}: {message}"


NAME_MAX = 255  # bytes in one file name on Linux, macOS and Windows file systems


def _check_name(rel: Path, where: str) -> None:
    """Refuse, before any work, a path no file system can hold (NUL, over-long names)."""
    text = os.fspath(rel)
    if "\0" in text:
        raise click.UsageError(f"{where}: {text!r} holds a NUL character, which no file name "
                               "may contain; remove it")
    for part in rel.parts:
        size = len(os.fsencode(part)) if part else 0
        if size > NAME_MAX:
            raise click.UsageError(f"{where}: the name {part[:20]}...{part[-8:]} is {size} "
                                   f"bytes, more than the {NAME_MAX} a file name may have; "
                                   "give a shorter output: name")


def _inside(out_dir: Path, rel: Path, allow_outside: bool, where: str) -> Path:
    """``out_dir / rel``, refusing absolute paths, ``..`` and symlinks that leave ``out_dir``."""
    _check_name(rel, where)
    target = out_dir / rel
    if allow_outside:
        return target
    if rel.is_absolute() or ".." in rel.parts:
        raise click.UsageError(f"{where}: {rel} is outside the output directory {out_dir}; "
                               "give a path inside it, or pass --allow-outside")
    if not target.resolve().is_relative_to(out_dir.resolve()):
        raise click.UsageError(f"{where}: {rel} leads outside the output directory {out_dir} "
                               "through a symlink; pass --allow-outside if that is meant")
    return target


def _output(name: str, entry: Entry, params: Mapping[str, Any], out_dir: Path,
            fmt: str | None, allow_outside: bool) -> Path:
    from convanim.writers import WriteError, format_for

    given = params.get("output")
    where = f"{locate(entry, 'output')}: output" if given else f"{locate(entry, 'name')}: name"
    if given:
        rel = Path(given)
        # "." and ".." name folders as "x/" does (frames; checked against clashes below).
        if (fmt is None and not str(given).endswith("/") and not rel.suffix
                and rel.name not in ("", "..")):
            raise click.UsageError(f"{where}: {given!r} has no file type; end it in .gif, "
                                   f".mp4, .webp or .png, or write {given}/ for PNG frames")
        if fmt is not None:
            rel = rel.with_suffix(FORMAT_SUFFIXES[fmt])
    else:
        if not _SAFE_NAME.fullmatch(name):
            raise click.UsageError(f"{where}: {name!r} cannot be a file name; use letters, "
                                   "digits and - _ . +")
        rel = Path(name + FORMAT_SUFFIXES[fmt or "gif"])
    path = _inside(out_dir, rel, allow_outside, where)
    try:
        format_for(path)
    except WriteError as err:
        raise click.UsageError(f"{where}: {err}") from None
    return path


def _storyboard(value: str | None, entry: Entry, out_dir: Path, allow_outside: bool
                ) -> Path | None:
    if not value:
        return None
    where = f"{locate(entry, 'storyboard')}: storyboard"
    if Path(value).suffix.lower() not in STORYBOARD_SUFFIXES:
        raise click.UsageError(f"{where}: {value} must end in {', '.join(STORYBOARD_SUFFIXES)}")
    return _inside(out_dir, Path(value), allow_outside, where)


def make_job(entry: Entry, section: str, out_dir: Path, overrides: Mapping[str, Any],
             fmt: str | None = None, allow_outside: bool = False, players: bool = False) -> Job:
    """The job for one config entry; a bad value raises click.UsageError naming file:line.

    >>> from convanim.config import Entry
    >>> e = Entry("demo", {"input_size": 5, "kernel_size": 3}, Path("a.yaml"), {}, 1)
    >>> make_job(e, "demo", Path("out"), {}).output.as_posix()
    'out/demo.gif'
    """
    from convanim.request import from_chain_entry, from_entry

    name = entry.name or entry.path.stem
    given = {key for key, value in overrides.items() if value is not None}
    from convanim.photo.entry import is_photo

    if is_photo(entry) and not entry.layers:
        return _photo_job(name, entry, section, out_dir, overrides, fmt, allow_outside,
                          players)
    try:
        if entry.layers:
            request, chain = from_chain_entry(entry, override_args(overrides))
        else:
            request, chain = from_entry(entry, override_args(overrides)), None
    except click.UsageError as err:
        raise click.UsageError(_relabel(err.format_message(), entry, given)) from None
    params = request.params
    output = _output(name, entry, params, out_dir, fmt, allow_outside)
    storyboard = _storyboard(params.get("storyboard"), entry, out_dir, allow_outside)
    reproduce = {key: value for key, value in entry.options.items()
                 if key not in ("output", "storyboard")}
    reproduce.update({key: overrides[key] for key in sorted(given)})
    player = None
    if players and output.suffix.lower() != ".html":
        player = output.with_name(output.name + ".html" if not output.suffix
                                  else output.stem + ".html")
    if chain is not None:
        reproduce["layers"] = [dict(layer.options) for layer in entry.layers]
    return Job(name, entry, request.spec, request.x, request.w, request.seed,
               dict(request.options), output, storyboard, request.frames, section, reproduce,
               player, chain, "trace" if params.get("view") == "trace" else "forward",
               root=None if allow_outside else out_dir)


def _photo_job(name: str, entry: Entry, section: str, out_dir: Path,
               overrides: Mapping[str, Any], fmt: str | None, allow_outside: bool,
               players: bool) -> Job:
    """The job of an ``input_image`` entry: its photo figure, built (and checked) now."""
    from convanim.geometry import SpecError
    from convanim.photo.entry import figure_of_entry

    try:
        fig = figure_of_entry(entry, overrides)
    except SpecError as err:
        key = err.param or "input_image"
        raise click.UsageError(f"{locate(entry, key)}: {key}: {err}") from None
    params = {key: value for key, value in entry.options.items() if key == "output"}
    output = _output(name, entry, params, out_dir, fmt, allow_outside)
    player = None
    if players and output.suffix.lower() != ".html":
        player = output.with_name(output.stem + ".html")
    reproduce = {key: value for key, value in entry.options.items() if key != "output"}
    return Job(name, entry, fig.spec, fig.x, fig.w, 0, {}, output, None,
               len(fig.positions) + 1, section, reproduce, player,
               root=None if allow_outside else out_dir, photo=fig)


def _photo_comparison_job(figure: str, entries: list[Entry], made: list[Job],
                          overrides: Mapping[str, Any]) -> Job:
    """One job for a ``panels:`` config on one picture: the photo comparison."""
    from convanim.geometry import SpecError
    from convanim.photo.entry import comparison_of_entries

    try:
        comp = comparison_of_entries(entries, overrides)
    except SpecError as err:
        key = err.param or "input_image"
        entry = next((e for e in entries if key in e.options), entries[0])
        raise click.UsageError(f"{locate(entry, key)}: {key}: {err}") from None
    first = made[0]
    output = first.output.with_name(figure + first.output.suffix)
    return replace(first, name=figure, output=output, photo=comp, frames=comp.slides + 1,
                   player=None if first.player is None else output.with_name(figure + ".html"),
                   reproduce={"panels": [dict(job.reproduce, name=job.name) for job in made]})


def _collisions(jobs: list[Job]) -> list[str]:
    # Compared case-folded: on macOS and Windows "A.gif" and "a.gif" are one file.
    owners: dict[str, list[tuple[Path, str]]] = {}
    for job in jobs:
        for path, key in ((job.output, "output"), (job.storyboard, "storyboard"),
                          (job.player, "output")):
            if path is not None:
                who = f"{locate(job.entry, key)} ({job.name})"
                owners.setdefault(os.path.normcase(path.resolve()).casefold(), []).append(
                    (path, who))
    lines = []
    for claims in owners.values():
        if len(claims) > 1:
            first = claims[0][0]
            whos = [who if path == first else f"{who} as {path}" for path, who in claims]
            note = ("; names differing only in case are one file on macOS and Windows"
                    if any(path != first for path, _ in claims) else "")
            lines.append(f"{first} would be written by " + " and by ".join(whos) + note)
    return lines


def _folder_clashes(jobs: list[Job], out_dir: Path | None = None) -> list[str]:
    """Frame folders that are the output folder itself, or that hold another job's file.

    A folder of frames replaces what it finds at the end, so it must never be a place where
    other files live; refused up front like two jobs claiming one file.
    """
    lines = []
    for job in jobs:
        if job.output.suffix:  # a file; only a path without a suffix is a folder of frames
            continue
        folder = job.output.resolve()
        who = f"{locate(job.entry, 'output')} ({job.name})"
        if out_dir is not None and folder == out_dir.resolve():
            lines.append(f"{job.output} is the output folder itself, so {who} writing its "
                         "frames there would replace every other file in it; give the frames "
                         "their own folder, e.g. output: frames/")
            continue
        for other in jobs:
            for path in (other.output, other.storyboard):
                if path is None or (other is job and path == job.output):
                    continue
                inside = path.resolve()
                if inside == folder or folder in inside.parents or inside in folder.parents:
                    lines.append(f"{job.output} is a folder of frames written by {who}, but "
                                 f"{path} ({other.name}) is inside or around it; give the "
                                 "frames a folder of their own")
    return lines


def make_jobs(sources: Sequence[Source], out_dir: Path, overrides: Mapping[str, Any],
              fmt: str | None = None, allow_outside: bool = False, players: bool = False
              ) -> Batch:
    """Jobs for every entry of every source; bad configs become problems, not exceptions.

    ``players`` gives each job an HTML player beside its output (the gallery page shows them).

    >>> batch = make_jobs(find_configs(["configs/seeds"]), Path("out"), {})
    >>> batch.problems, batch.collisions
    ([], [])
    """
    batch = Batch()
    for source in sources:
        bad: list[ConfigError] = []
        try:
            # One bad animation in a file is reported; the file's other animations still run.
            entries = load_entries(source.path, problems=bad)
        except ConfigError as err:
            batch.problems.append(Problem(source.path.stem, str(err)))
            continue
        batch.problems += [Problem(source.path.stem, str(err)) for err in bad]
        made = []
        for entry in entries:
            name = entry.name or entry.path.stem
            try:
                made.append(make_job(entry, source.section, out_dir, overrides, fmt,
                                     allow_outside, players))
            except click.UsageError as err:
                batch.problems.append(Problem(name, err.format_message()))
        figure = entries[0].figure if entries else None
        if (figure is not None and made and len(made) == len(entries)
                and all(job.photo is not None for job in made)):
            try:
                made = [_photo_comparison_job(figure, entries, made, overrides)]
            except click.UsageError as err:
                batch.problems.append(Problem(figure, err.format_message()))
                made = []
        elif figure is not None and made and len(made) == len(entries):
            first = made[0]
            output = first.output.with_name(figure + first.output.suffix)
            made = [replace(first, name=figure, panels=tuple(made), storyboard=None,
                            output=output, player=None if first.player is None else
                            output.with_name(figure + ".html"),
                            frames=max(job.frames for job in made),
                            reproduce={"panels": [dict(job.reproduce, name=job.name)
                                                  for job in made]})]
        batch.jobs.extend(made)
    batch.collisions = _collisions(batch.jobs) + _folder_clashes(batch.jobs, out_dir)
    if players:
        batch.collisions += _page_clashes(batch.jobs, out_dir)
    return batch


PAGES = ("index.html", "gallery.md")
"""The gallery's own pages, written beside the figures (see :mod:`convanim.gallery.page`)."""


def _page_clashes(jobs: list[Job], out_dir: Path) -> list[str]:
    """Figures that would be written where the gallery writes its pages: refused up front,
    so neither silently replaces the other."""
    pages = {os.path.normcase((out_dir / name).resolve()).casefold(): name for name in PAGES}
    lines = []
    for job in jobs:
        for path, key in ((job.output, "output"), (job.storyboard, "storyboard"),
                          (job.player, "output")):
            name = None if path is None else pages.get(
                os.path.normcase(path.resolve()).casefold())
            if name is not None:
                lines.append(f"{path} would be written by {locate(job.entry, key)} "
                             f"({job.name}) and is also the gallery's {name}; give the "
                             f"figure another {key}: name")
    return lines
