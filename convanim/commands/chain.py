"""Chains of layers at the edge: a config's ``layers:`` as a :class:`Chain`, ``convanim field``.

A chain config has a top-level ``i`` (``input_size``) and a ``layers:`` list, each entry a
spec of any mode without ``i``; errors point at the layer's line in the file.
"""

from __future__ import annotations

import json
from typing import Any

import click

from convanim.config import ConfigError, Entry
from convanim.geometry.chain import Chain, ChainError, field_lines, receptive_fields
from convanim.geometry.spec import SpecError


def chain_of(entry: Entry) -> Chain:
    """The chain a config entry describes; errors name ``file:line: layers[n]: ...``.

    >>> from convanim.config import load_entries
    >>> chain_of(load_entries("configs/chains/two_3x3.yaml")[0]).output_shape
    (3, 3)
    """
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
    chain = chain_of(entry)
    try:
        return chain, receptive_fields(chain)
    except ChainError as err:
        layer = entry.layers[err.layer]
        line = layer.lines.get(err.param or "", layer.line)
        raise ConfigError(str(err), path=entry.path, line=line, key=err.param) from None


def _entry(ctx: click.Context, config: str) -> Entry:
    from convanim.cli import require_entry
    from convanim.options import ENTRY_KEY

    require_entry(ctx, config)
    entry: Entry = ctx.meta[ENTRY_KEY]
    if not entry.layers:
        raise click.UsageError(
            f"{config} has no layers: list; field describes a chain (a top-level i and "
            "layers:); for one layer use `convanim shape`", ctx)
    return entry


def _load_config(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from convanim.cli import load_config

    return load_config(ctx, param, value)


def _pick_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from convanim.cli import pick_name

    return pick_name(ctx, param, value)


@click.command()
@click.argument("config", is_eager=True, callback=_load_config,
                type=click.Path(dir_okay=False, path_type=str))
@click.option("--name", is_eager=True, callback=_pick_name,
              help="Which animation of a multi-animation config.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def field(ctx: click.Context, config: str, name: str | None, as_json: bool) -> None:
    """Receptive field of every layer of a chain CONFIG: size, jump and start per axis.

    From the chain's input (Araujo, Norris and Sim, Distill 2019): r = r' + (k-1)*j',
    j = j'*s, start = start' - p*j', with k the dilated window, p the padding before and '
    the previous layer's value (r = j = 1, start = 0 at the input).

    \b
    Examples:
      convanim field configs/chains/vgg16.yaml
      convanim field configs/chains/two_3x3.yaml --json
    """
    chain, fields = chain_fields(_entry(ctx, config))
    if as_json:
        click.echo(json.dumps({"input_size": list(chain.i),
                               "layers": [layer.to_json() for layer in fields]},
                              indent=2, sort_keys=True))
        return
    for line in field_lines(chain):
        click.echo(line)


def register(group: click.Group) -> None:
    """Add ``field`` to the command group."""
    group.add_command(field)
