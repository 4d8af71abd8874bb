"""The one error every door raises: a :class:`RequestError` with its source, line and key.

Inside, checks raise what is natural where they run (a click error while parsing flags, a
:class:`~convanim.geometry.SpecError` from the spec, a config error from YAML). Each public
door (the Python API, the Sphinx and MkDocs plugins, :func:`convanim.request.from_text` and
friends) re-raises them as this one type, with the context the door knows, as einops does.
It is a :class:`~convanim.geometry.SpecError` (``param``) and a :class:`ConfigError`
(``path``, ``line``, ``key``; what YAML reading raises, re-exported by
:mod:`convanim.config`), so code catching either keeps working.

>>> err = RequestError("kernel_size=0 must be at least 1", source="page.md", line=4,
...                    key="kernel_size")
>>> str(err), err.param
('page.md:4: kernel_size: kernel_size=0 must be at least 1', 'kernel_size')
>>> str(RequestError("width=9 must be between 160 and 8000", key="width"))
'width: width=9 must be between 160 and 8000'
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from convanim.geometry import SpecError
from convanim.request.table import OPTIONS

_LOCATED = re.compile(r"^(?P<source>.+?):(?P<line>\d+): (?:(?P<key>[a-z_\[\]0-9]+): )?"
                      r"(?P<rest>.*)$", re.DOTALL)
_FLAGGED = re.compile(r"^(?P<flag>--[a-z][a-z0-9-]*)(?:=\S*)?: (?P<rest>.*)$", re.DOTALL)
_KEYED = re.compile(r"^(?P<key>[a-z][a-z_]*): (?P<rest>.*)$", re.DOTALL)


class ConfigError(ValueError):
    """A config problem, worded as ``'<file>:<line>: <key>: <what is wrong>; <fix>'``.

    Attributes ``path`` (Path or None), ``line`` (1-based or None) and ``key``
    (canonical option name or None) let callers re-point or filter errors.

    Example:
        >>> str(ConfigError("stride: must be positive", path="a.yaml", line=4, key="stride"))
        'a.yaml:4: stride: must be positive'
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | os.PathLike[str] | None = None,
        line: int | None = None,
        key: str | None = None,
        where: str | None = None,
    ) -> None:
        self.path = None if path is None else Path(path)
        self.line = line
        self.key = key
        self.message = message
        if where is None and path is not None:
            where = os.fspath(path) if line is None else f"{os.fspath(path)}:{line}"
        super().__init__(f"{where}: {message}" if where else message)



class RequestError(ConfigError, SpecError):
    """A refused request: ``reason`` (one sentence naming the value, the rule and a fix),
    ``source`` and ``line`` (where it was written; None for a keyword or a flag) and ``key``
    (the canonical option name, or None).

    ``str()`` is ``source:line: key: reason`` (or ``key: reason`` for the Python API).

    >>> RequestError("bad", key="fps").param
    'fps'
    """

    def __init__(self, reason: str, *, source: str | os.PathLike[str] | None = None,
                 line: int | None = None, key: str | None = None) -> None:
        self.reason = reason
        self.source = None if source is None else os.fspath(source)
        self.path = None if source is None else Path(source)
        self.line, self.key, self.param = line, key, key
        # A reason that quotes its key already ("unknown key 'kernal'") needs no prefix.
        self.message = reason if key is None or repr(key) in reason else f"{key}: {reason}"
        where = None if source is None else (
            self.source if line is None else f"{self.source}:{line}")
        ValueError.__init__(self, self.message if where is None else f"{where}: {self.message}")

    def __str__(self) -> str:
        return str(self.args[0])

    @classmethod
    def from_text(cls, text: str, key: str | None = None) -> RequestError:
        """Read back a located message (``page.md:4: k: ...`` or ``--kernel-size: ...``).

        >>> err = RequestError.from_text("page.md:4: kernel_size: kernel_size=0 is too small")
        >>> err.source, err.line, err.key, err.reason
        ('page.md', 4, 'kernel_size', 'kernel_size=0 is too small')
        >>> RequestError.from_text("--fps: fps=nan is not a number").key
        'fps'
        """
        match = _LOCATED.match(text)
        if match is not None:
            return cls(match["rest"], source=match["source"], line=int(match["line"]),
                       key=match["key"] or key)
        match = _FLAGGED.match(text)
        if match is not None:
            return cls(match["rest"], key=match["flag"][2:].replace("-", "_"))
        match = _KEYED.match(text)
        if match is not None and match["key"] in (*OPTIONS, "spec", "layers"):
            return cls(match["rest"], key=match["key"])
        return cls(text, key=key)


def as_request_error(err: Exception) -> RequestError:
    """Any refusal from inside (click, spec, config) as the one type, keeping its location.

    >>> as_request_error(SpecError("stride=0 must be positive", "stride")).key
    'stride'
    """
    if isinstance(err, RequestError):
        return err
    if isinstance(err, ConfigError):
        reason = err.message
        if err.key and reason.startswith(f"{err.key}: "):
            reason = reason[len(err.key) + 2:]
        return RequestError(reason, source=err.path, line=err.line, key=err.key)
    if isinstance(err, SpecError):
        return RequestError(str(err), key=err.param)
    format_message = getattr(err, "format_message", None)  # a click error from the parser
    return RequestError.from_text(format_message() if format_message else str(err))
