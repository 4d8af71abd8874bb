"""``convanim render --pair``: the figure, its other-theme twin, two stills and the snippet.

>>> import click, tempfile, os
>>> from convanim.request import from_mapping
>>> out = os.path.join(tempfile.mkdtemp(), "fig.gif")
>>> write_pair(click.Context(click.Command("render")), from_mapping({"i": 3, "k": 2}),
...            out, None).name  # doctest: +ELLIPSIS
wrote .../fig.gif
wrote .../fig.dark.gif
wrote .../fig.still.png
wrote .../fig.dark.still.png
'fig.picture.html'
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from convanim.request import Request


def write_pair(ctx: click.Context, request: Request, output: Path | str | None,
               board: str | None) -> Path:
    """Write the pair for ``request`` at ``output``, say so file by file, and return the
    snippet's path (the command says ``wrote`` for it last).

    The module's example writes a pair; anything but one image output is refused first:

    >>> from convanim.request import from_mapping
    >>> try:
    ...     write_pair(click.Context(click.Command("render")), from_mapping({"i": 3, "k": 2}),
    ...                "fig.mp4", None)
    ... except click.UsageError as err:
    ...     print(err.message[:62])
    --pair: a light/dark pair is four images for a <picture> (-o f
    """
    from convanim.pair import IMAGE_SUFFIXES, image_size, render_pair, snippet_for
    from convanim.writers import atomic_output

    if board or output is None or Path(output).suffix.lower() not in IMAGE_SUFFIXES:
        raise click.UsageError(
            "--pair: a light/dark pair is four images for a <picture> (-o fig.gif, .webp or "
            ".png) and nothing else in the same run; give such an -o"
            + (" and write the storyboard in another run" if board else ""), ctx)
    theme = request.options.get("theme")
    snippet_path = Path(output).with_suffix(".picture.html")
    paths = render_pair(request.spec, output, x=request.x, w=request.w, seed=request.seed,
                        **request.options)  # the four images appear together or not at all
    from convanim.explain import alt_text

    # Addresses relative to the current folder: where a README usually sits.
    snippet = snippet_for(paths, alt_text(request.spec), image_size(paths[2]), theme,
                          relative_to=os.curdir)
    with atomic_output(snippet_path, "w") as handle:
        handle.write(snippet + "\n")
    for path in paths:
        click.echo(f"wrote {path}")
    return snippet_path
