"""The config-file argument every command shares: ``CONFIG`` and ``--name`` fill the context.

A config file fills the command's ``default_map`` (so flags still override it), and the
entry it holds is kept in ``ctx.meta`` for messages that name ``file:line``. The commands
import these callbacks from here, never from the command line module above them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from convanim.options import ENTRY_KEY
from convanim.request.table import TABLE

if TYPE_CHECKING:  # convanim.config (and PyYAML) loads only when a config file is given
    from convanim.config import Entry


def choose_entry(ctx: click.Context) -> None:
    """Once the file (and any --name) is known, let its entry fill ``ctx.default_map``.

    >>> from convanim.config import parse_entries
    >>> text = "animations:\\n  - {name: a, k: 3}\\n  - {name: b, k: 5}\\n"
    >>> ctx = click.Context(click.Command("render"))
    >>> ctx.meta["convanim.entries"] = parse_entries(text, "f.yaml")
    >>> ctx.meta["convanim.name"] = "b"
    >>> choose_entry(ctx); ctx.default_map
    {'kernel_size': 5}
    """
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


def load_config(ctx: click.Context, param: click.Parameter | None, value: str | None
                ) -> str | None:
    """Eager callback: a config file fills ``ctx.default_map``, so flags still override it.

    >>> load_config(click.Context(click.Command("x")), None, None) is None  # no file
    True
    """
    if value is None:
        return None
    if not Path(value).is_file():
        raise click.UsageError(f"config file {value!r} does not exist; check the path", ctx)
    from convanim.config import load_entries

    ctx.meta["convanim.entries"] = load_entries(value)
    choose_entry(ctx)
    return value


def pick_name(ctx: click.Context, param: click.Parameter | None, value: str | None
              ) -> str | None:
    """Eager callback for --name, which may come before or after the config file.

    >>> ctx = click.Context(click.Command("x"))
    >>> pick_name(ctx, None, "b"), ctx.meta["convanim.name"]
    ('b', 'b')
    """
    if value is not None:
        ctx.meta["convanim.name"] = value
        choose_entry(ctx)
    return value


def require_entry(ctx: click.Context, config: str | None) -> None:
    """A multi-animation file without --name: say how to pick one.

    >>> require_entry(click.Context(click.Command("x")), None)  # no file: nothing to require
    """
    entries = ctx.meta.get("convanim.entries") or []
    if config and ENTRY_KEY not in ctx.meta:
        names = ", ".join(str(entry.name) for entry in entries)
        raise click.UsageError(
            f"{config} holds {len(entries)} animations ({names}); pick one with --name or "
            "render them all with `convanim batch`", ctx)


PATH_OPTIONS = frozenset({*(o.name for o in TABLE if o.kind == "path"), "output_dir"})
"""Options naming a file to write: given twice, one of the files would silently not be."""


def given_twice(command: click.Command, args: list[str],
                names: frozenset[str] = PATH_OPTIONS) -> str | None:
    """The first file option written twice in ``args`` (``-o a.gif -o a.html``), or None.

    click keeps the last of two values silently: fine for ``-i 4 ... -i 7`` (the usual way to
    override), a surprise for a file the user named and never gets, so every command
    refuses a second output path (write the other file with a second run).

    >>> cmd = click.Command("x", params=[click.Option(["-o", "--output"]),
    ...                                  click.Option(["--v/--no-v"])])
    >>> given_twice(cmd, ["-o", "a.gif", "--output=b.html"]), given_twice(cmd, ["--v", "-o", "-o"])
    ('-o/--output', None)
    """
    options: dict[str, click.Option] = {}
    for param in command.params:
        if isinstance(param, click.Option):
            for opt in (*param.opts, *param.secondary_opts):
                options[opt] = param
    seen: set[str] = set()
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if word == "--":
            break
        name = word.split("=", 1)[0] if word.startswith("--") else word[:2]
        param = options.get(name)
        if param is None or not word.startswith("-"):
            continue
        if param.name in seen and param.name in names:
            return "/".join(sorted((*param.opts, *param.secondary_opts), key=len))
        seen.add(str(param.name))
        takes_value = not param.is_flag
        attached = "=" in word if word.startswith("--") else len(word) > 2
        if takes_value and not attached:
            index += 1  # its value, which may itself start with "-"
    return None
