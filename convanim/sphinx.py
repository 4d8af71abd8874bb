"""Sphinx extension: ``.. convanim::`` renders an animation when the docs are built.

Add ``"convanim.sphinx"`` to ``extensions`` in ``conf.py``, then::

    .. convanim::
       :mode: transposed
       :i: 3
       :k: 3
       :s: 2
       :p: 1

Options are the config file's keys (short, snake or kebab names), plus ``:output:`` (gif,
webp, png, mp4 or html) and ``:player:`` (yes, the default: the interactive player; no: an
image). The argument may instead name a config file (relative to the document; ``:name:``
picks one animation of several), whose values the options override. A YAML body (``key:
value`` lines) works too, which is how MyST Markdown fences read best::

    ```{convanim}
    mode: maxpool
    i: 4
    k: 2
    ```

Values are checked when the document is read, with the messages the command line gives, as a
Sphinx error at the document and line of the option (so ``-W`` builds fail). Files are
rendered into the build's image folder, named by a hash of the request, and reused by every
later build. Model: ``sphinx.ext.graphviz``.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import Directive, directives

from convanim.config import ConfigError, load_entries, parse_entries
from convanim.config_keys import SPELLINGS
from convanim.embed import (
    BLOCK_KEYS,
    BlockError,
    alt_text,
    block_options,
    markup,
    pair_cached,
    pair_markup,
    render_cached,
    split_body,
    wants_pair,
    yaml_value,
)
from convanim.geometry.spec import SpecError
from convanim.request.checks import one_error
from convanim.request.door import check_entry, from_mapping
from convanim.request.errors import RequestError
from convanim.request.table import TABLE

OPTION_KEYS = sorted({*(key for option in TABLE for key in option.keys), *BLOCK_KEYS})
"""Every spelling of every option in the table (an op's own too), and the block's keys."""


class _AnyOption(dict):  # type: ignore[type-arg]
    """Known option names, and any other too: the request layer names a misspelt key and
    suggests the right one, where docutils would only say "unknown option"."""

    def __missing__(self, key: str) -> Any:
        return directives.unchanged


class ConvanimFigure(nodes.General, nodes.Element):
    """A checked request waiting for the writer: ``options``, ``format``, ``alt``."""


class ConvanimDirective(Directive):
    """``.. convanim:: [config.yaml]`` with config keys as options and/or a YAML body."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar[dict[str, Any]] = _AnyOption(
        dict.fromkeys([*OPTION_KEYS, "name"], directives.unchanged))

    def option_lines(self) -> dict[str, int]:
        """The document line of every ``:key:`` written in the block.

        >>> from types import SimpleNamespace
        >>> block = ".. convanim::\\n   :i: 4\\n   :k: 2\\n"
        >>> directive = ConvanimDirective("convanim", [], {}, [], 10, 0, block, None,
        ...                               SimpleNamespace(reporter=None))
        >>> directive.option_lines()
        {'i': 11, 'k': 12}
        """
        lines = {}
        for offset, text in enumerate(self.block_text.splitlines()):
            stripped = text.strip()
            if stripped.startswith(":") and stripped.count(":") >= 2:
                lines[stripped[1:].split(":", 1)[0].strip()] = self.lineno + offset
        return lines

    def content_line(self) -> int:
        """The document line of the body's first line (MyST's content_offset differs).

        >>> from types import SimpleNamespace
        >>> from docutils.statemachine import StringList
        >>> block = "```{convanim}\\n:output: png\\nmode: maxpool\\ni: 4\\n```"
        >>> body = StringList(["mode: maxpool", "i: 4"])
        >>> directive = ConvanimDirective("convanim", [], {}, body, 20, 0, block, None,
        ...                               SimpleNamespace(reporter=None))
        >>> directive.content_line()  # the fence is line 20, its option 21
        22
        """
        block = [text.strip() for text in self.block_text.splitlines()]
        body = [text.strip() for text in self.content]
        for offset in range(len(block)):
            if block[offset: offset + len(body)] == body:
                return self.lineno + offset
        return self.content_offset + 1

    def run(self) -> list[nodes.Node]:
        """The figure's node (checked now, drawn when the page is written), or one error at
        the line that caused it.

        >>> from docutils.core import publish_doctree
        >>> directives.register_directive("convanim", ConvanimDirective)  # as setup() does
        >>> page = ".. convanim::\\n   :mode: maxpool\\n   :i: 4\\n   :k: 2\\n"
        >>> tree = publish_doctree(page, settings_overrides={"env": None})
        >>> figure = next(tree.findall(ConvanimFigure))
        >>> figure["options"], figure["format"], figure.line
        ({'mode': 'maxpool', 'input_size': 4, 'kernel_size': 2}, 'html', 1)
        """
        env = self.state.document.settings.env
        source, _ = self.state_machine.get_source_and_line(self.lineno)
        lines = self.option_lines()
        raw = {k: yaml_value(v) for k, v in self.options.items() if k != "name"}
        where: dict[str, int] = {}
        try:
            with one_error():  # every refusal below is one RequestError with its line
                merged, where = self.collect(env, source, raw, lines)
                options, fmt = block_options(merged, parse=False)
                request = from_mapping(options, str(source), lines=where, line=self.lineno)
        except BlockError as err:
            return [self.fail(str(err), where.get(err.key, self.lineno))]
        except RequestError as err:
            return [self.located(err)]
        node = ConvanimFigure()
        node["options"], node["format"], node["alt"] = options, fmt, alt_text(request)
        node.source, node.line = source, self.lineno
        node["pair"] = wants_pair(merged)
        node += nodes.paragraph(text=node["alt"])  # what builders without HTML show
        return [node]

    def collect(self, env: Any, source: str, options: dict[str, Any], lines: dict[str, int]
                ) -> tuple[dict[str, Any], dict[str, int]]:
        """The config file's entry (checked on its own first), the body, then the options.

        Returns the merged options under their table names, and the line each came from.

        >>> from types import SimpleNamespace
        >>> directive = ConvanimDirective("convanim", [], {}, [], 5, 0, "", None,
        ...                               SimpleNamespace(reporter=None))
        >>> directive.collect(None, "page.rst", {"k": 3, "input-size": 4},
        ...                   {"k": 6, "input-size": 7})
        ({'kernel_size': 3, 'input_size': 4}, {'kernel_size': 6, 'input_size': 7})
        """
        merged: dict[str, Any] = {}
        where: dict[str, int] = {}
        if self.arguments:
            rel, path = env.relfn2path(self.arguments[0], env.docname)
            env.note_dependency(rel)
            entries = load_entries(path)
            name = self.options.get("name")
            picked = [e for e in entries if name is None or e.name == name]
            if len(picked) != 1:
                names = ", ".join(str(e.name) for e in entries)
                raise ConfigError(f"name: give :name: one of {names}" if name is None else
                                  f"name: no animation named {name!r}; the file has {names}",
                                  path=source, line=lines.get("name", self.lineno))
            check_entry(picked[0])  # a bad value in the file is named at its file:line
            merged.update(picked[0].options)
            where.update(dict.fromkeys(picked[0].options, self.lineno))
        if self.content:
            text, own, own_lines = split_body(list(self.content), self.content_line())
            for entry in parse_entries(text, source)[:1] if text.strip() else []:
                merged.update(entry.options)
                where.update(entry.lines)
            merged.update(own)
            where.update(own_lines)
        for key, value in options.items():
            canon = SPELLINGS.get(key, key)
            merged[canon] = value
            where[canon] = lines.get(key, self.lineno)
        return merged, where

    def located(self, err: RequestError) -> nodes.system_message:
        """Report ``key: message`` at its line (the document is named by Sphinx).

        >>> from docutils.core import publish_doctree
        >>> directives.register_directive("convanim", ConvanimDirective)
        >>> page = ".. convanim::\\n   :i: 4\\n   :k: 0\\n"
        >>> tree = publish_doctree(page, settings_overrides={"env": None, "report_level": 5})
        >>> error = next(tree.findall(nodes.system_message))
        >>> error["line"], error.children[0].astext()
        (3, 'convanim: kernel_size: kernel_size=0 must be at least 1; use kernel_size >= 1')
        """
        source, _ = self.state_machine.get_source_and_line(self.lineno)
        if err.source is not None and err.line is not None and Path(err.source) == Path(source):
            return self.fail(err.message, err.line)
        return self.fail(str(err), self.lineno)  # a config file's own line, named in the text

    def fail(self, message: str, line: int) -> nodes.system_message:
        """One build error, ``convanim: <message>``, at the document's ``line``.

        >>> from docutils.core import publish_doctree
        >>> directives.register_directive("convanim", ConvanimDirective)
        >>> page = ".. convanim::\\n   :i: 4\\n   :player: maybe\\n"
        >>> tree = publish_doctree(page, settings_overrides={"env": None, "report_level": 5})
        >>> error = next(tree.findall(nodes.system_message))
        >>> error["level"], error["line"]  # an ERROR, at the option's own line
        (3, 3)
        >>> error.children[0].astext()
        "convanim: player: 'maybe' is not yes or no; write player: yes or no"
        """
        return self.state.document.reporter.error(f"convanim: {message}", line=line)


def visit_html(self: Any, node: ConvanimFigure) -> None:
    """Render (or reuse) the file in the image folder and write its markup.

    ``self`` is Sphinx's HTML translator; only its builder's folders and ``body`` are used.

    >>> import os, tempfile
    >>> from types import SimpleNamespace
    >>> figure = ConvanimFigure(options={"mode": "maxpool", "i": 4, "k": 2}, format="gif",
    ...                         alt="Max pooling")
    >>> builder = SimpleNamespace(outdir=tempfile.mkdtemp(), imagedir="_images",
    ...                           imgpath="_images")
    >>> translator = SimpleNamespace(builder=builder, body=[])
    >>> try:
    ...     visit_html(translator, figure)
    ... except nodes.SkipNode:  # the markup is whole: docutils visits no children
    ...     pass
    >>> [name] = os.listdir(os.path.join(builder.outdir, "_images"))
    >>> translator.body[0].startswith(f'<div class="convanim-figure"><img src="_images/{name}"')
    True
    """
    request = from_mapping(node["options"])
    folder = Path(self.builder.outdir) / self.builder.imagedir
    if node.get("pair"):  # the figure, its other-theme twin and stills, in a <picture>
        paths, _ = pair_cached(request, node["format"], folder)
        srcs = [f"{self.builder.imgpath}/{p.name}" for p in paths]
        self.body.append(f'<div class="convanim-figure">{pair_markup(request, paths, srcs)}'
                         "</div>\n")
        raise nodes.SkipNode
    try:
        path, _ = render_cached(request, node["format"], folder)
    except SpecError as err:
        # A limit only the real layout shows: an error at the block, the alt text in its place.
        from sphinx.util import logging

        logging.getLogger(__name__).error(f"convanim: {err}", location=node)
        self.body.append(f'<p class="convanim-figure">{html.escape(node["alt"])}</p>\n')
        raise nodes.SkipNode from None
    src = f"{self.builder.imgpath}/{path.name}"
    self.body.append(f'<div class="convanim-figure">{markup(path, src, node["alt"])}</div>\n')
    raise nodes.SkipNode


def visit_other(self: Any, node: ConvanimFigure) -> None:
    """Builders without HTML show the alt text (the node's paragraph).

    Nothing to add: docutils goes on to the paragraph child, which holds the alt text.

    >>> figure = ConvanimFigure()
    >>> figure += nodes.paragraph(text="Max pooling of a 4x4 input")
    >>> visit_other(None, figure), figure.astext()
    (None, 'Max pooling of a 4x4 input')
    """


def depart_other(self: Any, node: ConvanimFigure) -> None:
    """Nothing to close.

    >>> depart_other(None, ConvanimFigure()) is None
    True
    """


def setup(app: Any) -> dict[str, Any]:
    """Register the directive and its node; parallel reads and writes are safe.

    >>> class App:
    ...     def add_node(self, *a, **k): pass
    ...     def add_directive(self, *a): pass
    >>> setup(App())["parallel_read_safe"]
    True
    """
    other = (visit_other, depart_other)
    app.add_node(ConvanimFigure, html=(visit_html, None), latex=other, text=other, man=other,
                 texinfo=other)
    app.add_directive("convanim", ConvanimDirective)
    from convanim import __version__

    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
