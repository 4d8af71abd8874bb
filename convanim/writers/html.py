"""A self-contained HTML player: the renderer's own frames as PNGs, controls, hover links.

The file needs no network and no other file, so it works from ``file://``, in an ``<iframe>``
and pasted into a page (the ``<div data-convanim-player>`` part carries its own style and
script, and any number of players can share a page). Frames are stored as the GIF stores them:
the first one whole, every later one only the rectangle that changed, as palette indices with
unchanged pixels marked transparent, each zlib-compressed in base64, plus one colour table. The
colours go through the GIF writer's own :class:`~convanim.writers.gif.ColorMap`, so the pixels
the player paints (with ``putImageData``: no resampling, no colour management) are the GIF's.

The optional ``metadata`` (from :func:`convanim.draw.player.player_metadata`) adds the caption
of every frame, the alt text and the cell geometry plus the plan's links, which drive the hover
highlighting; without it the player still plays the frames.

Static first: the element carries a poster, the last frame as a palette PNG in an ``<img>``
with the alt sentence and that frame's caption, so the figure shows where no script runs
(untrusted notebooks, GitHub's notebook view, feed readers, ``chromium --screenshot``). The
style hides the canvas and the controls until the script has painted the first frame, then
hides the poster. ``metadata["chrome"]`` (the theme's ink and background) colours the caption,
counter and controls, so a dark figure gets light text on a dark page.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import json
import os
import re
import zlib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from convanim.writers._atomic import TempFile
from convanim.writers._base import AnimationWriter, Color
from convanim.writers.gif import TRANSPARENT, ColorMap, changed_index

FRAGMENT_START, FRAGMENT_END = "<!-- convanim player -->", "<!-- /convanim player -->"


def encode_delta(index: np.ndarray) -> str:
    """One frame rectangle of palette indices, zlib-compressed, in base64.

    The player inflates it with the browser's own ``DecompressionStream``; deflate packs the
    long runs of transparent (unchanged) pixels better than GIF's LZW does.

    >>> import zlib
    >>> zlib.decompress(base64.b64decode(encode_delta(np.array([[0, 255]], np.uint8))))
    b'\\x00\\xff'
    """
    # Level 9 on small rectangles; level 8 on large ones, within 2% of level 9's size at
    # half its time (long transparent runs make level 9's longest match searches slow).
    level = 9 if index.size <= 32768 else 8
    return base64.b64encode(zlib.compress(index.tobytes(), level)).decode("ascii")


def _script_json(data: Any) -> str:
    # "</" would end the <script> element early; "\u003c" is the same string in JSON.
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")


@functools.lru_cache(maxsize=1)
def _assets() -> tuple[str, str]:
    """The player's style and script, without the comments and indentation (they ship in
    every file, and small figures are not much bigger than the script)."""
    asset = resources.files("convanim.writers")
    css = asset.joinpath("player.css").read_text(encoding="utf-8").replace("\n", "")
    lines = asset.joinpath("player.js").read_text(encoding="utf-8").splitlines()
    # The script has no multi-line strings and no comment after code, so this is safe.
    script = "\n".join(_tighten(line.strip()) for line in lines
                       if line.strip() and not line.strip().startswith("//"))
    return css, script


def _tighten(line: str) -> str:
    """One line of the player's script without the spaces around punctuation, outside its
    strings (double-quoted, never with an escaped quote, and no regex literals in it).
    ``+`` and ``-`` keep theirs: ``a - -b`` must not become ``a--b``.

    >>> _tighten('var a = f(x, "a = b") + 1;')
    'var a=f(x,"a = b")+ 1;'
    """
    parts = line.split('"')
    for k in range(0, len(parts), 2):  # even parts lie outside string literals
        parts[k] = _PUNCTUATION.sub(r"\1", parts[k])
    return '"'.join(parts)


_PUNCTUATION = re.compile(r"\s*([=,;{}()\[\]:?<>&|*/!%])\s*")


def poster_png(index: np.ndarray, colors: bytes) -> bytes:
    """One frame of palette indices as a palette PNG (the player's colours, exactly).

    >>> from PIL import Image
    >>> png = poster_png(np.array([[0, 1]], np.uint8), bytes([255, 0, 0, 0, 0, 255]))
    >>> Image.open(io.BytesIO(png)).convert("RGB").getpixel((1, 0))
    (0, 0, 255)
    """
    from PIL import Image

    image = Image.fromarray(index, "P")
    image.putpalette(colors + bytes(3 * 256 - len(colors)))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _chrome_style(meta: Mapping[str, Any]) -> str:
    """CSS declarations that colour the player's text and controls like the figure.

    >>> _chrome_style({"chrome": {"ink": "#e8e8e8", "background": "#1e2227", "dark": True}})
    'color:#e8e8e8;background:#1e2227;color-scheme:dark;'
    """
    chrome = meta.get("chrome") or {}
    hex_color = re.compile(r"#[0-9a-fA-F]{6}")
    ink, background = str(chrome.get("ink", "")), str(chrome.get("background", ""))
    if not (hex_color.fullmatch(ink) and hex_color.fullmatch(background)):
        return ""
    scheme = "dark" if chrome.get("dark") else "light"
    return f"color:{ink};background:{background};color-scheme:{scheme};"


def player_fragment(frames: Sequence[Mapping[str, Any]], size: tuple[int, int], loop: bool,
                    metadata: Mapping[str, Any] | None = None, colors: bytes = b"",
                    poster: bytes = b"") -> str:
    """The ``<div data-convanim-player>`` element, with its style, data and script.

    ``frames`` are ``{"x", "y", "w", "h", "ms", "d"}`` rectangles as :class:`HtmlWriter`
    makes them, whose indices point into ``colors`` (RGB triples; 255 means transparent).
    ``poster`` is a PNG shown until the script runs (the last frame, see :func:`poster_png`).

    >>> text = player_fragment([], (10, 10), True)
    >>> 'data-frames="0"' in text and "<canvas" in text
    True
    """
    meta = dict(metadata or {})
    width, height = size
    # A hidpi figure has 2 image pixels per CSS pixel: shown at half its pixel size, it is
    # drawn 1:1 on a screen with devicePixelRatio 2.
    css_width = width / float(meta.get("scale") or 1)
    alt = str(meta.get("alt") or meta.get("title") or "convolution animation")
    captions = meta.get("captions") or []
    still_caption = str(captions[-1]) if captions and poster else ""
    data = {"width": width, "height": height, "loop": loop, "transparent": TRANSPARENT,
            "colors": base64.b64encode(colors).decode("ascii"), "frames": list(frames),
            "meta": meta}
    css, script = _assets()
    esc = html.escape
    return "\n".join([
        FRAGMENT_START,
        f'<div class="cvp" data-convanim-player data-frames="{len(frames)}" data-frame="0" '
        f'style="max-width:{css_width:g}px;{_chrome_style(meta)}">',
        f"<style>{css}</style>",
        f'<div class="cvp-stage" style="aspect-ratio:{width}/{height}">',
        (f'<img class="cvp-poster" width="{width}" height="{height}" alt="{esc(alt)}" '
         f'src="data:image/png;base64,{base64.b64encode(poster).decode("ascii")}">'
         if poster else ""),
        f'<canvas class="cvp-canvas" width="{width}" height="{height}" role="img" '
        f'aria-label="{esc(alt)}"></canvas>',
        '<div class="cvp-cells"></div></div>',
        f'<p class="cvp-caption{" cvp-drawn" if meta.get("caption_drawn") else ""}" '
        f'aria-live="polite">{esc(still_caption)}</p>',
        '<div class="cvp-controls">',
        '<button type="button" class="cvp-prev" aria-label="previous frame">&#9664;&#9664;'
        "</button>",
        '<button type="button" class="cvp-play" aria-label="play">&#9654;</button>',
        '<button type="button" class="cvp-next" aria-label="next frame">&#9654;&#9654;'
        "</button>",
        f'<input type="range" class="cvp-slider" min="0" max="{max(len(frames) - 1, 0)}" '
        'value="0" step="1" aria-label="frame">',
        '<span class="cvp-count"></span>',
        '<label>speed <select class="cvp-speed" aria-label="speed">'
        '<option value="0.25">0.25x</option><option value="0.5">0.5x</option>'
        '<option value="1" selected>1x</option><option value="2">2x</option>'
        '<option value="4">4x</option></select></label>',
        '<label><input type="checkbox" class="cvp-loop"'
        f'{" checked" if loop else ""}> loop</label>',
        "</div>",
        f'<script type="application/json" class="cvp-data">{_script_json(data)}</script>',
        f"<script>{script}</script>",
        "</div>",
        FRAGMENT_END,
    ])


def player_document(fragment: str, title: str, style: str = "") -> str:
    """A whole page around one player fragment; ``style`` (CSS declarations) for its body.

    >>> player_document("<div></div>", "a & b").splitlines()[3]
    '<title>a &amp; b</title>'
    """
    body = f'<body style="{html.escape(style)}">' if style else "<body>"
    return "\n".join(["<!doctype html>", '<html lang="en">', '<meta charset="utf-8">',
                      f"<title>{html.escape(title)}</title>",
                      '<meta name="viewport" content="width=device-width, initial-scale=1">',
                      body, fragment, "</body>", "</html>", ""])


def extract_fragment(document: str) -> str:
    """The player element of a page written by :class:`HtmlWriter` (for notebooks and docs).

    >>> extract_fragment(player_document(player_fragment([], (4, 4), True), "t"))[:24]
    '<!-- convanim player -->'
    """
    start = document.index(FRAGMENT_START)
    end = document.index(FRAGMENT_END) + len(FRAGMENT_END)
    return document[start:end]


def player_shell(path: str | os.PathLike[str]) -> str:
    """A player page without its compressed pixels: the page, script, metadata and timing.

    Two pages whose frames decode alike (see ``read_player``) and whose shells are equal
    show the same thing, however zlib packed the pixels.

    >>> import tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "a.html")
    >>> with HtmlWriter(out) as w:
    ...     w.append(np.full((2, 3, 3), 7, np.uint8), 50)
    >>> '"d"' in player_shell(out), '"ms":50' in player_shell(out)
    (False, True)
    """
    text = Path(path).read_text(encoding="utf-8")
    start = text.index(_DATA_TAG) + len(_DATA_TAG)
    end = text.index("</script>", start)
    data = json.loads(text[start:end])
    data["colors"] = ""
    for frame in data["frames"]:
        frame.pop("d", None)
    return text[:start] + _script_json(data) + text[end:]


_DATA_TAG = '<script type="application/json" class="cvp-data">'


def read_player(path: str | os.PathLike[str]
                ) -> tuple[list[np.ndarray], list[int], dict[str, Any]]:
    """Decode a player page the way its script does: ``(frames, durations_ms, metadata)``.

    >>> import tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "a.html")
    >>> with HtmlWriter(out) as w:
    ...     w.append(np.full((2, 3, 3), 7, np.uint8), 50)
    >>> frames, durations, meta = read_player(out)
    >>> frames[0][0, 0].tolist(), durations, meta
    ([7, 7, 7], [50], {})
    """
    text = Path(path).read_text(encoding="utf-8")
    start = text.index(_DATA_TAG) + len(_DATA_TAG)
    data = json.loads(text[start: text.index("</script>", start)])
    colors = np.frombuffer(base64.b64decode(data["colors"]), np.uint8).reshape(-1, 3)
    canvas = np.zeros((data["height"], data["width"], 3), np.uint8)
    frames, durations = [], []
    for f in data["frames"]:
        index = np.frombuffer(zlib.decompress(base64.b64decode(f["d"])), np.uint8)
        index = index.reshape(f["h"], f["w"])
        view = canvas[f["y"]: f["y"] + f["h"], f["x"]: f["x"] + f["w"]]
        keep = index != data["transparent"]
        view[keep] = colors[index[keep]]
        frames.append(canvas.copy())
        durations.append(int(f["ms"]))
    return frames, durations, data["meta"]


class HtmlWriter(AnimationWriter):
    """What ``open_writer`` returns for ``.html``; ``metadata`` adds captions and hover links."""

    format = "html"

    def __init__(self, path: str | os.PathLike[str], *, loop: bool = True,
                 palette: Sequence[Color] | None = None,
                 metadata: Mapping[str, Any] | None = None) -> None:
        self.metadata = metadata
        super().__init__(path, loop=loop, palette=palette)

    def _open(self) -> None:
        self._tmp = TempFile(self.path)
        self._prev: np.ndarray | None = None
        self._map = ColorMap(self.palette, size=TRANSPARENT)
        self._frames: list[dict[str, Any]] = []

    def follow(self, gif: Any) -> None:
        """Take each frame's rectangle from ``gif``, a GIF writer given the same frames just
        before this one: same palette and same deltas, found and mapped once for both.

        >>> import tempfile, os
        >>> from convanim.writers import open_writer
        >>> d = tempfile.mkdtemp()
        >>> with open_writer(os.path.join(d, "a.gif")) as g, open_writer(
        ...         os.path.join(d, "a.html")) as h:
        ...     h.follow(g)
        ...     for v in (0, 9):
        ...         frame = np.full((4, 4, 3), v, np.uint8)
        ...         g.append(frame, 50)
        ...         h.append(frame, 50)
        >>> [int(f.max()) for f in read_player(os.path.join(d, "a.html"))[0]]
        [0, 9]
        """
        if gif.palette == self.palette:
            self._source = gif

    def _append(self, rgb: np.ndarray, ms: int) -> None:
        # The poster is the last frame; rgb may be the renderer's reused buffer, so copy it.
        if getattr(self, "_last", None) is None or self._last.shape != rgb.shape:
            self._last = rgb.copy()
        else:
            np.copyto(self._last, rgb)
        source = getattr(self, "_source", None)
        if source is not None and getattr(source, "last_delta", (None,))[0] == self.frame_count:
            _, x0, y0, index = source.last_delta
            self._map = source._map  # the colours its indices point to
            self._frames.append({"x": x0, "y": y0, "w": index.shape[1], "h": index.shape[0],
                                 "ms": ms, "d": encode_delta(index)})
            return
        height, width = rgb.shape[:2]
        if self._prev is None:
            x0, y0, x1, y1 = 0, 0, width, height
            index = self._map(rgb)
            self._prev = rgb.copy()
            self._scratch = np.empty(2 * rgb.size, bool)
        else:
            # As the GIF writer does: only the changed rectangle, transparent where unchanged.
            x0, y0, index = changed_index(self._prev, rgb, self._scratch, self._map)
            y1, x1 = y0 + index.shape[0], x0 + index.shape[1]
        self._frames.append({"x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0, "ms": ms,
                             "d": encode_delta(index)})

    def _finish(self) -> None:
        assert self.size is not None
        poster = poster_png(self._map(self._last), self._map.table_bytes()) if self._frames else b""
        colors = self._map.table_bytes()[: 3 * len(self._map.colors)]
        fragment = player_fragment(self._frames, self.size, self.loop, self.metadata, colors,
                                   poster)
        title = str((self.metadata or {}).get("title") or "convanim")
        # The page around a dark figure is dark too (its own text follows the theme).
        page = player_document(fragment, title, _chrome_style(self.metadata or {}))
        self._tmp.file.write(page.encode("utf-8"))
        self._tmp.commit()

    def _discard(self) -> None:
        self._tmp.discard()
