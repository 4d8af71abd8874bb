"""A light/dark pair with reduced-motion stills, and the ``<picture>`` that picks among them.

GitHub READMEs, MkDocs and Sphinx pages follow the reader's colour scheme only if the page
offers one image per scheme; readers who ask for less motion should get a still. One request
gives four files beside each other::

    fig.gif           the figure in its theme (light unless --theme says)
    fig.dark.gif      the same figure in the other theme (dark; light for a dark figure)
    fig.still.png     its last frame, the whole result, for prefers-reduced-motion
    fig.dark.still.png

and :func:`picture_html` gives the snippet to paste into a README: the first ``<source>``
whose media query matches wins, and the ``<img>`` is the fallback (and carries the alt text
and size for all of them).

>>> import tempfile, os
>>> paths = render_pair({"i": 4, "k": 3}, os.path.join(tempfile.mkdtemp(), "fig.gif"))
>>> [p.name for p in paths]
['fig.gif', 'fig.dark.gif', 'fig.still.png', 'fig.dark.still.png']
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from convanim.geometry import SpecError

# Formats an <img> shows everywhere (a <picture> cannot switch videos or players).
IMAGE_SUFFIXES = (".gif", ".webp", ".png", ".apng")


def twin_theme(theme: str | None) -> str:
    """The other half of a pair: dark for every light theme, light for dark.

    >>> twin_theme("light"), twin_theme("print"), twin_theme("dark"), twin_theme(None)
    ('dark', 'dark', 'light', 'dark')
    """
    return "light" if theme == "dark" else "dark"


def pair_paths(path: str | os.PathLike[str], theme: str | None = None) -> list[Path]:
    """The four files of a pair for ``path``: figure, twin, still, twin still.

    >>> [p.name for p in pair_paths("out/fig.webp", "dark")]
    ['fig.webp', 'fig.light.webp', 'fig.still.png', 'fig.light.still.png']
    """
    path = Path(path)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise SpecError(f"pair: a light/dark pair is written as images for <picture> "
                        f"(.gif, .webp, .png), not {path.suffix or 'a folder'}; give e.g. "
                        "-o fig.gif", "pair")
    twin = twin_theme(theme)
    stem, suffix = path.with_suffix(""), path.suffix
    return [path, Path(f"{stem}.{twin}{suffix}"), Path(f"{stem}.still.png"),
            Path(f"{stem}.{twin}.still.png")]


def picture_html(srcs: Sequence[str], alt: str, size: tuple[int, int],
                 twin_is_dark: bool = True, css_class: str = "") -> str:
    """A ``<picture>`` over a pair's four addresses (figure, twin, still, twin still).

    >>> print(picture_html(["a.gif", "a.dark.gif", "a.still.png", "a.dark.still.png"],
    ...                    "A & B", (40, 30)))
    <picture>
      <source media="(prefers-reduced-motion: reduce) and (prefers-color-scheme: dark)" \
srcset="a.dark.still.png">
      <source media="(prefers-reduced-motion: reduce)" srcset="a.still.png">
      <source media="(prefers-color-scheme: dark)" srcset="a.dark.gif">
      <img src="a.gif" alt="A &amp; B" width="40" height="30">
    </picture>
    """
    figure, twin, still, twin_still = (html.escape(s) for s in srcs)
    scheme = "dark" if twin_is_dark else "light"
    klass = f' class="{html.escape(css_class)}"' if css_class else ""
    return "\n".join([
        "<picture>",
        f'  <source media="(prefers-reduced-motion: reduce) and (prefers-color-scheme: '
        f'{scheme})" srcset="{twin_still}">',
        f'  <source media="(prefers-reduced-motion: reduce)" srcset="{still}">',
        f'  <source media="(prefers-color-scheme: {scheme})" srcset="{twin}">',
        f'  <img src="{figure}" alt="{html.escape(alt)}" width="{size[0]}" '
        f'height="{size[1]}"{klass}>',
        "</picture>",
    ])


def render_pair(spec: Any, path: str | os.PathLike[str], *, x: Any = None, w: Any = None,
                seed: int = 0, targets: Sequence[str | os.PathLike[str]] | None = None,
                **options: Any) -> list[Path]:
    """Write the figure, its other-theme twin and both stills; all appear together or none.

    ``targets`` overrides the four paths of :func:`pair_paths` (the docs embeds name files
    by a hash). Options are :func:`convanim.render`'s.

    >>> import tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "a.mp4")
    >>> render_pair({"i": 3, "k": 2}, out)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convanim.geometry.spec.SpecError: pair: a light/dark pair is written as images ...
    """
    from convanim.draw import render
    from convanim.draw.animate import checked_plan
    from convanim.draw.storyboard import write_still
    from convanim.writers import commit_together

    theme = options.get("theme")
    paths = pair_paths(path, theme)  # also the suffix check
    if targets:
        paths = [Path(p) for p in targets]
    twin = {**options, "theme": twin_theme(theme)}
    with commit_together():
        render(spec, paths[0], x=x, w=w, seed=seed, **options)
        render(spec, paths[1], x=x, w=w, seed=seed, **twin)
        for still, opts in ((paths[2], options), (paths[3], twin)):
            the_plan, render_options = checked_plan(spec, x, w, seed, dict(opts))
            write_still(the_plan, render_options, still, "last")
    return paths


def snippet_for(paths: Sequence[Path], alt: str, size: tuple[int, int], theme: str | None,
                relative_to: str | os.PathLike[str] | None = None) -> str:
    """The README snippet for files written by :func:`render_pair`, with paths as given
    (or relative to the folder ``relative_to``, where the README is).

    >>> snippet_for([Path("f.gif")] * 4, "a", (1, 1), None).startswith("<picture>")
    True
    """
    def address(p: Path) -> str:
        if relative_to is None:
            return p.as_posix()
        return Path(os.path.relpath(p, relative_to)).as_posix()

    return picture_html([address(p) for p in paths], alt, size, twin_theme(theme) == "dark")


def image_size(path: Path) -> tuple[int, int]:
    """Width and height of an image file.

    >>> import tempfile, os
    >>> p = render_pair({"i": 3, "k": 2}, os.path.join(tempfile.mkdtemp(), "a.gif"))[2]
    >>> image_size(p)[0] > 100
    True
    """
    from PIL import Image

    with Image.open(path) as im:
        return im.size


__all__ = ["IMAGE_SUFFIXES", "image_size", "pair_paths", "picture_html", "render_pair",
           "snippet_for", "twin_theme"]
