"""MkDocs plugin: fenced ``convanim`` blocks become animations when the site is built.

In ``mkdocs.yml``::

    plugins:
      - convanim

and in a page (the keys are a config file's, plus ``output`` and ``player`` as for Sphinx)::

    ```convanim
    mode: transposed
    i: 3
    k: 3
    s: 2
    ```

Renders are cached in ``cache_dir`` (default ``.convanim-cache`` beside ``mkdocs.yml``), named
by a hash of the request, because ``mkdocs build`` empties the site folder each time; a
rebuild with nothing changed renders nothing. A bad value stops the build with the page, the
line and the option: ``docs/index.md:7: kernel_size: ...``.
"""

from __future__ import annotations

import posixpath
import re
import shutil
from pathlib import Path
from typing import Any

from mkdocs.config import config_options
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from convanim.embed import (
    BlockError,
    alt_text,
    block_options,
    markup,
    pair_cached,
    pair_markup,
    render_cached,
    split_body,
)
from convanim.geometry.spec import SpecError
from convanim.request.door import from_mapping, from_text
from convanim.request.errors import RequestError

FENCE = re.compile(r"^(?P<fence>```|~~~)[ \t]*\{?convanim\}?[ \t]*\n"
                   r"(?P<body>.*?)^(?P=fence)[ \t]*$", re.MULTILINE | re.DOTALL)
ASSETS = "assets/convanim"


class ConvanimPlugin(BasePlugin):  # type: ignore[type-arg]
    """Replace ``convanim`` fences by the player (inline) or an image under assets/convanim."""

    config_scheme = (("cache_dir", config_options.Type(str, default=".convanim-cache")),)

    def on_config(self, config: Any) -> Any:
        """Resolve the cache folder beside mkdocs.yml.

        >>> import os, tempfile
        >>> from types import SimpleNamespace
        >>> root = tempfile.mkdtemp()
        >>> config = SimpleNamespace(config_file_path=os.path.join(root, "mkdocs.yml"),
        ...                          docs_dir=os.path.join(root, "docs"),
        ...                          site_dir=os.path.join(root, "site"))
        >>> plugin = ConvanimPlugin(); _ = plugin.load_config({})
        >>> plugin.on_config(config) is config
        True
        >>> plugin.cache == Path(root).resolve() / ".convanim-cache"
        True
        """
        base = Path(config.config_file_path or ".").resolve().parent
        self.cache = base / self.config["cache_dir"]
        self.docs = Path(config.docs_dir).resolve()
        self.used: set[Path] = set()
        self.rendered = 0
        return config

    def on_page_markdown(self, markdown: str, page: Any, config: Any, files: Any) -> str:
        """Render each fence (or reuse its cached file) and put its HTML in its place.

        >>> import os, tempfile
        >>> from types import SimpleNamespace
        >>> root = tempfile.mkdtemp()
        >>> config = SimpleNamespace(config_file_path=os.path.join(root, "mkdocs.yml"),
        ...                          docs_dir=os.path.join(root, "docs"),
        ...                          site_dir=os.path.join(root, "site"))
        >>> plugin = ConvanimPlugin(); _ = plugin.load_config({})
        >>> _ = plugin.on_config(config)
        >>> page = SimpleNamespace(file=SimpleNamespace(src_uri="guide/pool.md",
        ...                                             dest_uri="guide/pool.html"))
        >>> fence = "```convanim\\nmode: maxpool\\ni: 4\\nk: 2\\nplayer: no\\n```\\n"
        >>> html = plugin.on_page_markdown("# Pooling\\n\\n" + fence, page, config, None)
        >>> src = html.split('src="')[1].split('"')[0]
        >>> src.startswith("../assets/convanim/convanim-"), src.endswith(".gif")
        (True, True)
        >>> _ = plugin.on_page_markdown(fence, page, config, None)  # the same: reused
        >>> plugin.rendered, len(plugin.used)
        (1, 1)
        >>> try:  # a bad value stops the build at the page's line
        ...     plugin.on_page_markdown(fence.replace("k: 2", "k: 0"), page, config, None)
        ... except PluginError as err:
        ...     print(err)
        docs/guide/pool.md:4: kernel_size: kernel_size=0 must be at least 1; use kernel_size >= 1
        """
        source = posixpath.join(self.docs.name, page.file.src_uri)
        here = posixpath.dirname(page.file.dest_uri)

        def replace(match: re.Match[str]) -> str:
            first = markdown.count("\n", 0, match.start("body")) + 1
            text, own, lines = split_body(match.group("body").splitlines(), first)
            try:
                request = from_text(text, source) if text.strip() else from_mapping({})
                raw = {**dict(request.params), **own}
                raw = {k: v for k, v in raw.items() if k in ("output", "player", "pair")}
                _, fmt = block_options(raw, parse=False)
            except BlockError as err:
                raise PluginError(f"{source}:{lines.get(err.key, first)}: {err}") from None
            except RequestError as err:  # the one error type, already at source:line
                raise PluginError(str(err)) from None
            if raw.get("pair") is True:  # the figure, its twin and stills, in a <picture>
                paths, rendered = pair_cached(request, fmt, self.cache)
                self.rendered += rendered
                self.used.update(paths)
                srcs = [posixpath.relpath(f"{ASSETS}/{p.name}", here or ".") for p in paths]
                return ('\n<div class="convanim-figure">\n'
                        f"{pair_markup(request, paths, srcs)}\n</div>\n")
            try:
                path, rendered = render_cached(request, fmt, self.cache)
            except SpecError as err:  # a limit only the real layout shows
                raise PluginError(f"{source}:{first - 1}: {err}") from None
            self.rendered += rendered
            self.used.add(path)
            src = posixpath.relpath(f"{ASSETS}/{path.name}", here or ".")
            # Blank lines around keep Markdown from wrapping the HTML block in a paragraph.
            html = markup(path, src, alt_text(request))
            return f'\n<div class="convanim-figure">\n{html}\n</div>\n'

        return FENCE.sub(replace, markdown)

    def on_post_build(self, config: Any) -> None:
        """Copy the images the pages use into the site (players are inline already).

        >>> import os, tempfile
        >>> from types import SimpleNamespace
        >>> root = tempfile.mkdtemp()
        >>> config = SimpleNamespace(config_file_path=os.path.join(root, "mkdocs.yml"),
        ...                          docs_dir=os.path.join(root, "docs"),
        ...                          site_dir=os.path.join(root, "site"))
        >>> plugin = ConvanimPlugin(); _ = plugin.load_config({})
        >>> _ = plugin.on_config(config)
        >>> page = SimpleNamespace(file=SimpleNamespace(src_uri="guide/pool.md",
        ...                                             dest_uri="guide/pool.html"))
        >>> fence = "```convanim\\nmode: maxpool\\ni: 4\\nk: 2\\nplayer: no\\n```\\n"
        >>> _ = plugin.on_page_markdown(fence, page, config, None)
        >>> plugin.on_post_build(config)
        >>> os.listdir(os.path.join(root, "site", "assets", "convanim")) == [
        ...     path.name for path in plugin.used]
        True
        """
        target = Path(config.site_dir) / ASSETS
        for path in sorted(self.used):
            if path.suffix != ".html":
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target / path.name)
