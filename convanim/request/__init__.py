"""The one front door: flags, YAML, a mapping or keywords to a validated spec and options.

Every edge asks here: the command line (through click, whose flags are generated from
:mod:`convanim.request.table`), config files and YAML batches, the Sphinx directive and the
MkDocs fence, and the Python API (:mod:`convanim.api`). Values go through the same types and
checks, so a bad value gets the same words everywhere, prefixed with where it was written
(``page.rst:12: kernel_size: ...``, ``--kernel-size: ...`` or ``kernel_size: ...``), and every
door but the command line raises one type, :class:`RequestError`.

Layout:

- :mod:`convanim.request.table`: THE table of options (declare a new option there);
- :mod:`convanim.request.errors`: :class:`RequestError`;
- :mod:`convanim.request.door`: parsing and checking a request (``from_params``,
  ``from_entry``, ``from_text``, ``from_mapping``, chains);
- :mod:`convanim.request.checks`: Python values, exact image sizes, wrong doors, and
  ``one_error`` (every public door raises one type);
- :mod:`convanim.request.keywords`: ``from_api``, the Python API's door;
- :mod:`convanim.request.entries`: the config-file argument the commands share.

Names load on first use, so ``import convanim.request.table`` stays light.

>>> from convanim.request import from_text
>>> req = from_text("i: 5\\nk: 3\\ns: 2\\n", "page.md")
>>> req.spec.output_shape, req.options["values"]
((2, 2), True)
>>> from_text("i: 5\\nk: 0\\n", "page.md", first_line=10)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
convanim.request.errors.RequestError: page.md:11: kernel_size: ...
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "RequestError": "errors", "as_request_error": "errors",
    "OPTIONS": "table", "TABLE": "table", "Option": "table", "taken_by": "table",
    **dict.fromkeys(("Request", "COMMAND", "OUTPUT_OPTIONS", "RENDER_KEYS", "MAX_FRAMES",
                     "render_options", "from_params", "from_entry", "from_text",
                     "from_mapping", "check_entry", "chain_of", "chain_fields",
                     "from_chain_entry"), "door"),
    **dict.fromkeys(("check_kind", "check_box", "box_of", "refuse_chain", "one_error"),
                    "checks"),
    "from_api": "keywords",
    **dict.fromkeys(("load_config", "pick_name", "require_entry", "choose_entry"), "entries"),
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"convanim.request.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
