"""Figures inside documentation builds: one cached render per distinct request, and its markup.

Shared by the Sphinx extension (:mod:`convanim.sphinx`) and the MkDocs plugin
(:mod:`convanim.mkdocs`). A block names its animation with the config file's keys; two keys
belong to the block itself: ``output`` (the format: gif, webp, png, mp4 or html) and ``player``
(yes or no: the interactive player, or a plain image in that format); with ``player: no``,
``pair: yes`` adds the figure in the other theme and reduced-motion stills, shown through a
``<picture>`` that follows the reader's colour scheme. The file is named by a
hash of everything that decides its bytes, so a rebuild finds it and renders nothing, and two
builds writing the same name at once both write the same complete file (the writers are atomic).

>>> block_options({"i": "5", "k": "3", "player": "no", "output": "webp"})
({'i': 5, 'k': 3}, 'webp')
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from convanim import __version__
from convanim.request import Request

FORMATS = {"gif": ".gif", "webp": ".webp", "png": ".png", "apng": ".png", "mp4": ".mp4",
           "html": ".html"}
BLOCK_KEYS = ("output", "player", "pair")


class BlockError(ValueError):
    """A bad ``output`` or ``player`` value; ``key`` names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


def yaml_value(text: str) -> Any:
    """An option's text read as the same key would be in a config file.

    >>> yaml_value("[[1, 2], [3, 4]]"), yaml_value("no"), yaml_value("3,2"), yaml_value("")
    ([[1, 2], [3, 4]], False, '3,2', None)
    """
    try:
        return yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        return text  # the request layer names the option and what it expects


def split_body(lines: list[str], first_line: int) -> tuple[str, dict[str, Any], dict[str, int]]:
    """A block's YAML body without the block's own ``player`` key (a config has none).

    Returns the YAML text (with blank lines in front, so lines count as in the document), the
    ``player`` value if given and its line. ``:key: value`` lines (MyST's option style) are
    read as ``key: value``.

    >>> text, own, where = split_body([":i: 4", "k: 2", "player: no"], 5)
    >>> text.splitlines()[4:], own, where
    (['i: 4', 'k: 2', ''], {'player': False}, {'player': 7})
    """
    body, own, where = [], {}, {}
    for index, text in enumerate(lines):
        stripped = text.strip()
        if stripped.startswith(":") and stripped.count(":") >= 2:
            key, _, value = stripped[1:].partition(":")
            text = f"{key.strip()}: {value.strip()}"
        key, colon, value = text.partition(":")
        if colon and key.strip() in ("player", "pair"):
            own[key.strip()] = yaml_value(value)
            where[key.strip()] = first_line + index
            text = ""
        body.append(text)
    return "\n" * (first_line - 1) + "\n".join(body) + "\n", own, where


def block_options(raw: Mapping[str, Any], *, parse: bool = True) -> tuple[dict[str, Any], str]:
    """Split a block's options into the animation's and the format to render.

    The player (the default) is the ``html`` format; ``player: no`` renders ``output`` (GIF
    unless given). ``parse`` reads string values as YAML (directive options arrive as text).

    >>> block_options({"mode": "maxpool"}), block_options({"player": "no"})
    (({'mode': 'maxpool'}, 'html'), ({}, 'gif'))
    """
    options = {key: yaml_value(value) if parse and isinstance(value, str) else value
               for key, value in raw.items()}
    fmt = options.pop("output", None)
    player = options.pop("player", True)
    pair = options.pop("pair", None)
    pair = False if pair is None else pair  # unset (a request's params hold None)
    fmt = "gif" if fmt is None else str(fmt).lower()
    # A config file's output is a file name; its suffix says the format.
    fmt = fmt.rsplit(".", 1)[-1]
    if fmt not in FORMATS:
        raise BlockError("output", f"{fmt!r} is not an output format; use one of "
                         f"{', '.join(FORMATS)}")
    if not isinstance(player, bool):
        raise BlockError("player", f"{player!r} is not yes or no; write player: yes or no")
    if not isinstance(pair, bool):
        raise BlockError("pair", f"{pair!r} is not yes or no; write pair: yes or no")
    if pair and (player or FORMATS[fmt] not in (".gif", ".webp", ".png")):
        raise BlockError("pair", "a light/dark pair is a <picture> of images; give player: no "
                         "and output: gif, webp or png")
    return options, "html" if player else fmt


def wants_pair(raw: Mapping[str, Any]) -> bool:
    """Whether a block asks for a light/dark pair (``pair: yes``; checked by block_options).

    >>> wants_pair({"pair": "yes"}), wants_pair({"pair": True}), wants_pair({})
    (True, True, False)
    """
    value = raw.get("pair", False)
    return (yaml_value(value) if isinstance(value, str) else value) is True


def pair_cached(request: Request, fmt: str, folder: str | os.PathLike[str]
                ) -> tuple[list[Path], bool]:
    """The pair's four files for ``request`` in ``folder``, rendered only if one is missing.

    >>> import tempfile
    >>> from convanim.request import from_mapping
    >>> folder = tempfile.mkdtemp()
    >>> paths, new = pair_cached(from_mapping({"i": 3, "k": 2}), "gif", folder)
    >>> [p.name.split(".", 1)[1] for p in paths], new, pair_cached(
    ...     from_mapping({"i": 3, "k": 2}), "gif", folder)[1]
    (['gif', 'dark.gif', 'still.png', 'dark.still.png'], True, False)
    """
    from convanim.pair import pair_paths, render_pair

    first = Path(folder) / file_name(request, fmt)
    paths = pair_paths(first, request.options.get("theme"))
    if all(path.is_file() for path in paths):
        return paths, False
    first.parent.mkdir(parents=True, exist_ok=True)
    render_pair(request.spec, first, x=request.x, w=request.w, seed=request.seed,
                **request.options)
    return paths, True


def pair_markup(request: Request, paths: list[Path], srcs: list[str]) -> str:
    """The ``<picture>`` for a pair written by :func:`pair_cached`, at the addresses ``srcs``.

    >>> import tempfile
    >>> from convanim.request import from_mapping
    >>> request = from_mapping({"i": 3, "k": 2})
    >>> paths, _ = pair_cached(request, "gif", tempfile.mkdtemp())
    >>> pair_markup(request, paths, [p.name for p in paths]).count("<source")
    3
    """
    from convanim.pair import image_size, picture_html, twin_theme

    dark = twin_theme(request.options.get("theme")) == "dark"
    return picture_html(srcs, alt_text(request), image_size(paths[2]), dark, "convanim")


def file_name(request: Request, fmt: str) -> str:
    """``convanim-<hash>.<suffix>``: the hash covers everything that decides the bytes.

    >>> from convanim.request import from_mapping
    >>> a, b = from_mapping({"i": 4, "k": 3}), from_mapping({"i": 4, "k": 3, "theme": "dark"})
    >>> file_name(a, "gif") == file_name(a, "gif") != file_name(b, "gif")
    True
    """
    key = json.dumps({"spec": request.spec.to_dict(), "x": request.x, "w": request.w,
                      "seed": request.seed, "options": dict(request.options), "format": fmt,
                      "version": __version__}, sort_keys=True, default=str)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
    return f"convanim-{digest}{FORMATS[fmt]}"


def render_cached(request: Request, fmt: str, folder: str | os.PathLike[str]
                  ) -> tuple[Path, bool]:
    """The file for ``request`` in ``folder``, rendered only if missing; (path, rendered?).

    >>> import tempfile
    >>> from convanim.request import from_mapping
    >>> folder = tempfile.mkdtemp()
    >>> [render_cached(from_mapping({"i": 3, "k": 2}), "gif", folder)[1] for _ in range(2)]
    [True, False]
    """
    path = Path(folder) / file_name(request, fmt)
    if path.is_file():
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    request.render(path)
    return path, True


def alt_text(request: Request) -> str:
    """The one-sentence description used as alt text.

    >>> from convanim.request import from_mapping
    >>> alt_text(from_mapping({"i": 4, "k": 3}))[:39]
    'Convolution of a 4x4 input with a 3x3 k'
    """
    from convanim.explain import alt_text as describe

    return describe(request.spec)


def markup(path: Path, src: str, alt: str) -> str:
    """The HTML for a rendered file: the player inline, else an image (or a video for MP4).

    ``src`` is the file's address from the page (unused for the player, which is inlined so
    the page needs no other file and no script of its own).

    >>> markup(Path("a.gif"), "_images/a.gif", 'say "hi"')
    '<img src="_images/a.gif" alt="say &quot;hi&quot;" class="convanim">'
    """
    if path.suffix == ".html":
        from convanim.writers.html import extract_fragment

        return extract_fragment(path.read_text(encoding="utf-8"))
    src, alt = html.escape(src), html.escape(alt)
    if path.suffix == ".mp4":
        return (f'<video src="{src}" autoplay loop muted playsinline aria-label="{alt}" '
                'class="convanim"></video>')
    return f'<img src="{src}" alt="{alt}" class="convanim">'
