"""The Python API's door: keywords go through the same click types as flags and YAML keys.

>>> from_api({"i": 4, "k": 3}, {"theme": "dark"}).options["theme"]
'dark'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from convanim.geometry import Spec
from convanim.options import API_KEY
from convanim.request import table
from convanim.request.checks import check_kind, one_error
from convanim.request.door import COMMAND, Request, from_params
from convanim.request.errors import RequestError


def from_api(spec: Spec | Mapping[str, Any], options: Mapping[str, Any], *, x: Any = None,
             w: Any = None, seed: Any = 0) -> Request:
    """The Python API's door: the same types and checks as a flag or a YAML key.

    ``spec`` is a :class:`Spec` or a mapping of its parameters (render options may sit in
    it too); ``options`` are the keyword arguments. A refusal is a :class:`RequestError`
    (a :class:`SpecError` too) whose text is the command line's after the flag:
    ``width: width=9000 must be between 160 and 8000; use e.g. width=8000``.

    >>> from_api({"i": 4, "k": 3}, {"theme": "dark"}).options["theme"]
    'dark'
    >>> from_api({"i": 4, "k": 3}, {"fps": float("nan")})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convanim.request.errors.RequestError: fps: fps=nan is not a finite number; ...
    """
    from convanim.config import canonical_key

    with one_error():
        if isinstance(spec, Spec):
            given: dict[str, Any] = {}
        elif isinstance(spec, Mapping):
            given = dict(spec)
        else:
            raise RequestError(f"expected a Spec or a mapping of parameters, got "
                               f"{type(spec).__name__}; pass e.g. {{'i': 5, 'k': 3}}",
                               key="spec")
        canon: dict[str, Any] = {}
        for key, value in {**given, **options}.items():
            if not isinstance(key, str):
                raise RequestError(f"option names are text, got {key!r:.40}; write e.g. "
                                   "'kernel_size'", key="spec")
            name = canonical_key(key.replace("-", "_") if key.replace("-", "_") in
                                 table.OPTIONS else key)
            if name in ("input_values", "kernel_values", "name", "output", "frame", "quiet"):
                raise RequestError(f"{key!r} is not a keyword of this function; give the "
                                   "values as x= and w=, the file as path=" if name != "name"
                                   else f"{key!r} names a config entry; leave it out",
                                   key=name)
            if name in ("input_image", "image_size", "image_color", "image_scale"):
                raise RequestError(f"{key!r}: a photo figure is made in Python with "
                                   "convanim.photo.photo_figure(layer, image, ...) and written "
                                   "with convanim.photo.render_photo(figure, path)", key=name)
            if name in ("pair", "open"):
                raise RequestError(f"{key!r} is a command-line switch (convanim render "
                                   f"--{name}); leave it out here", key=name)
            if isinstance(spec, Spec) and table.OPTIONS[name].group == "spec":
                raise RequestError(f"{key} is set by the Spec given; use spec.replace("
                                   f"{key}=...) or pass a mapping", key=name)
            check_kind(name, value)
            canon[name] = value
        canon["seed"] = seed
        ctx = click.Context(COMMAND, info_name="api", default_map=canon)
        ctx.meta[API_KEY] = True
        with ctx:
            COMMAND.parse_args(ctx, [])
            params = {**ctx.params, "input_values": x, "kernel_values": w}
            return from_params(params, ctx, spec=spec if isinstance(spec, Spec) else None)
