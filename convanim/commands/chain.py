"""Chains of layers at the edge: a config's ``layers:`` as a :class:`Chain`, ``convanim field``.

A chain config has a top-level ``i`` (``input_size``) and a ``layers:`` list, each entry a
spec of any mode without ``i``; errors point at the layer's line in the file.
"""

from __future__ import annotations

import json
from typing import Any

import click

from convanim.config import Entry
from convanim.geometry.chain import Chain, field_lines
from convanim.geometry.spec import SpecError
from convanim.request.door import chain_fields, chain_of
from convanim.request.entries import load_config, pick_name


def _entry(ctx: click.Context, config: str) -> Entry:
    from convanim.options import ENTRY_KEY
    from convanim.request.entries import require_entry

    require_entry(ctx, config)
    entry: Entry = ctx.meta[ENTRY_KEY]
    if not entry.layers:
        raise click.UsageError(
            f"{config} has no layers: list; field describes a chain (a top-level i and "
            "layers:); for one layer use `convanim shape`", ctx)
    return entry


@click.command()
@click.argument("config", is_eager=True, callback=load_config,
                type=click.Path(dir_okay=False, path_type=str))
@click.option("--name", is_eager=True, callback=pick_name,
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
      convanim field docs/fields/vgg16.yaml
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
    """Add ``field`` to the command group.

    >>> group = click.Group()
    >>> register(group); sorted(group.commands)
    ['field']
    """
    group.add_command(field)


def _cell(text: str | None, dims: int, ctx: click.Context) -> tuple[int, ...] | None:
    if text is None:
        return None
    parts = [part.strip() for part in str(text).split(",")]
    if len(parts) not in (dims, dims + 1) or not all(part.lstrip("-").isdigit()
                                                     for part in parts):
        shape = ("r,c, e.g. 1,2 (or channel,r,c)" if dims == 2
                 else "one number, e.g. 3 (or channel,position)")
        raise click.UsageError(f"--cell={text!r} is not a cell of a {dims}-D output; write "
                               f"{shape}", ctx)
    return tuple(int(part) for part in parts)


def _flag_chain(ctx: click.Context, params: dict[str, Any]) -> Chain:
    """``--view trace`` without a chain config: the one layer the flags describe."""
    from convanim.options import DEFAULT_SPEC, build_spec

    rest = {**params, "view": None}
    spec = build_spec(rest, ctx, default=DEFAULT_SPEC if ctx.meta.get(
        "convanim.entries") is None else None)
    return Chain((spec,))


def render_chain_command(ctx: click.Context, entry: Entry | None, params: dict[str, Any],
                         options: dict[str, Any]) -> None:
    """``convanim render`` for a chain config (or ``--view trace`` of one layer).

    ``params`` are the command's parsed options (a config's values under the flags'),
    ``options`` the render options made from them.

    >>> import os, tempfile
    >>> from convanim.config import load_entries
    >>> [entry] = load_entries("configs/chains/two_3x3.yaml")
    >>> out = os.path.join(tempfile.mkdtemp(), "chain.gif")
    >>> render_chain_command(click.Context(click.Command("render")), entry,
    ...                      {"output": out}, {})  # doctest: +ELLIPSIS
    wrote .../chain.gif  (chain of 2 layers; output 3x3)
    """
    from pathlib import Path

    from convanim.options import MAX_CELLS, SPEC_KEYS, check_output, numbers, where
    from convanim.request import MAX_FRAMES

    if entry is not None and entry.layers:
        for key in SPEC_KEYS:
            source = ctx.get_parameter_source(key)
            if params.get(key) is not None and source == click.core.ParameterSource.COMMANDLINE \
                    and key not in ("input_size", "view", "dims"):
                raise click.UsageError(
                    f"--{key.replace('_', '-')} sets one layer, but {entry.path} is a chain; "
                    "change it in the file's layers: list", ctx)
        layers_entry = entry
        if params.get("input_size") is not None:
            layers_entry = Entry(entry.name, {**entry.options, "input_size":
                                              params["input_size"]}, entry.path, entry.lines,
                                 entry.line, entry.layers)
        chain = chain_of(layers_entry)
        stem = entry.path.stem if entry.name is None else str(entry.name)
    else:
        chain = _flag_chain(ctx, params)
        stem = chain.layers[0].label.replace("  ", "_").replace(" ", "_").replace("=", "")
    trace = params.get("view") == "trace"
    if entry is not None and entry.layers and params.get("view") not in (None, "gather",
                                                                           "trace"):
        raise click.UsageError(
            f"{where(ctx, 'view')}: a chain draws its layers forward (view gather, the "
            f"default) or traced back (view trace), not view={params['view']}; drop view, or "
            "render one layer with it", ctx)
    if params.get("storyboard"):
        raise click.UsageError(f"{where(ctx, 'storyboard')}: chains and the trace view have no "
                               "storyboard yet; drop it, or write the frames with -o folder/",
                               ctx)
    if trace and chain.layers[0].dims == 3:
        raise click.UsageError(f"{where(ctx, 'view')}: the trace view draws dims 1 and 2; a "
                               "3-D chain is drawn forward, layer by layer: drop view", ctx)
    # A volume's depth slices sit side by side: its row is the op's largest grid.
    largest = max(max(*spec.i, *spec.output_shape,
                      spec.op.largest_grid(spec) if spec.dims == 3 else 0)
                  for spec in chain.layers)
    if largest > MAX_CELLS:
        raise click.UsageError(
            f"{where(ctx, 'input_size')}: a grid of {largest} cells per side is too big to "
            f"draw legibly (limit {MAX_CELLS}); use a smaller input_size, or "
            "`convanim field` for the numbers", ctx)
    per_layer = params.get("per_layer", True)
    frames = len(chain.layers) + 1 if trace else 2 * len(chain.layers)
    if not trace and not per_layer:
        from convanim.geometry import frame_count

        frames = sum(frame_count(spec) for spec in chain.layers)
    max_frames = params.get("max_frames") or MAX_FRAMES
    if frames > max_frames:
        raise click.UsageError(
            f"{where(ctx, 'max_frames')}: the chain's animation has {frames:,} frames, more "
            f"than the limit {max_frames:,}; drop --slides or raise --max-frames", ctx)
    cell = _cell(params.get("cell"), chain.dims, ctx)
    output = (Path(params["output"]) if params.get("output") else
              Path("outputs") / f"chain_{stem}{'_trace' if trace else ''}.gif")
    check_output(output, ctx)
    if not params.get("output"):
        output.parent.mkdir(parents=True, exist_ok=True)
    nums = numbers(params)
    from convanim.draw.chain import render_chain
    from convanim.draw.options import RenderOptions
    from convanim.writers import confined

    try:
        opts = RenderOptions.from_mapping({**options, "values": nums.show})
        with confined(output.parent):  # a folder swapped for a symlink cannot redirect it
            written = render_chain(chain, output, opts, view="trace" if trace else "forward",
                                   cell=cell, seed=nums.seed, x=nums.x, slides=not per_layer)
    except SpecError as err:
        flag = "--cell" if err.param == "cell" else where(ctx, err.param or "input_size")
        raise click.UsageError(f"{flag}: {err}", ctx) from None
    shape = "x".join(map(str, chain.output_shape))
    count = len(chain.layers)
    click.echo(f"wrote {written}  (chain of {count} layer{'s' if count > 1 else ''}; output "
               f"{shape})")
