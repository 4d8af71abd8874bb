"""``convanim compare``: every entry of the given configs as one panel of a synchronized figure.

A comparison is an ordinary multi-animation config (``defaults:`` and ``animations:``); each
entry becomes a panel, left to right, all advancing frame by frame together. Command-line
render options (``--theme``, ``--fps``...) apply to every panel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from convanim.commands.batch import pick_options

VALUE_KEYS = {"input_values": "x", "kernel_values": "w", "seed": "seed"}
SKIPPED_KEYS = ("output", "storyboard", "max_frames", "title")


def _panels(paths: tuple[str, ...]) -> list[dict[str, Any]]:
    from convanim.config import load_entries
    from convanim.request.checks import refuse_chain

    panels = []
    for path in paths:
        for entry in load_entries(path):
            refuse_chain(entry, "compare", f"`convanim render {path}` to draw the chain, or "
                         "list one layer per panel under panels:")
            panel = {VALUE_KEYS.get(k, k): v for k, v in entry.options.items()
                     if k not in SKIPPED_KEYS}
            panels.append(panel)
    return panels


def register(group: click.Group) -> None:
    """Add ``compare`` to the command group.

    >>> group = click.Group()
    >>> register(group); sorted(group.commands)
    ['compare']
    """
    from convanim.options import apply, check_output
    from convanim.request import OUTPUT_OPTIONS, render_options
    from convanim.request.table import taken_by

    @group.command()
    @click.argument("configs", nargs=-1, required=True, type=click.Path(dir_okay=False))
    @click.option("-o", "--output", type=str, required=True,
                  help="File to write: .gif .mp4 .webp .png/.apng, or a folder/ of PNG frames.")
    @apply(pick_options(OUTPUT_OPTIONS, [o.name for o in taken_by("compare")]))
    @click.pass_context
    def compare(ctx: click.Context, configs: tuple[str, ...], output: str, **params: Any
                ) -> None:
        """Render every animation of the CONFIGS side by side, frames advancing together.

        \b
        Examples:
          convanim compare configs/upsampling/compare.yaml -o outputs/compare.gif
          convanim compare a.yaml b.yaml --theme dark -o ab.mp4
        """
        from convanim.geometry import SpecError

        out = Path(output)
        check_output(out, ctx)
        from convanim.commands.photo import compare_photos, photo_entries

        photos = photo_entries(configs)
        if photos:  # a photograph as every panel's input: the photo comparison
            written = compare_photos(ctx, photos, out, params)
            click.echo(f"wrote {written}  ({len(photos)} panels)")
            return
        panels = _panels(configs)
        from convanim.draw.compare import compare as compare_file

        try:
            written = compare_file(panels, out, **render_options(params, ctx))
        except SpecError as err:
            raise click.UsageError(f"{err.param or 'panels'}: {err}", ctx) from None
        click.echo(f"wrote {written}  ({len(panels)} panels)")
