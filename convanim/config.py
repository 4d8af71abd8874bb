"""Read convanim YAML config files into canonical option mappings.

This module is the YAML edge of the option set shared by config files and CLI
flags: it maps every key to its canonical snake_case name, checks YAML-level
types and structure, and remembers the line each option was written on.
Numeric rules (positive sizes, valid modes, ...) are left to ``convanim.Spec``
so that flags and files go through one validation path. The names, aliases, errors and
entries themselves live in :mod:`convanim.config_keys` (re-exported here).

A file is either one animation (a mapping of options) or a batch::

    defaults: {k: 3, fps: 12}
    animations:
      - {name: plain, i: 5}
      - {name: strided, i: 7, s: 2}

Example:
    >>> entries = load_entries("configs/seeds/checkerboard.yaml")
    >>> [(e.name, e.options["kernel_size"]) for e in entries]
    [('checkerboard_k3_s2', 3), ('even_k4_s2', 4)]
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from convanim.config_keys import (
    ALIASES,
    CHAIN_KEYS,
    EXPECT,
    FIELD_ALIASES,
    FIELD_NAMES,
    KINDS,
    LAYER_KEYS,
    OPTION_NAMES,
    SPELLINGS,
    ConfigError,
    Entry,
    Layer,
    canonical_key,
    locate,
    unknown_key,
)

__all__ = [
    "ALIASES",
    "FIELD_ALIASES",
    "FIELD_NAMES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES",
    "OPTION_NAMES",
    "ConfigError",
    "Entry",
    "Layer",
    "canonical_key",
    "load_entries",
    "locate",
    "parse_entries",
]

MAX_FILE_BYTES = 256 * 1024
"""Largest config file accepted: real configs are a few hundred bytes, and PyYAML's
pure-Python scanner needs about 0.4 s for the worst 256 KiB (1.6 s for 1 MiB)."""

MAX_NODES = 10_000
"""Most YAML nodes a file may hold once aliases are expanded (billion-laughs guard)."""

MAX_DEPTH = 32
"""Deepest nesting accepted; keeps every recursive walk far from Python's limit."""

_Y = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_Y + t for t in ("str", "int", "float", "bool", "null"))
_STR, _SEQ, _MAP, _MERGE = _Y + "str", _Y + "seq", _Y + "map", _Y + "merge"
_STRUCTURE_KEYS = ("defaults", "animations", "panels")


class _Refused(Exception):
    """Raised inside the composer; carries the mark so the error can name a line."""

    def __init__(self, message: str, mark: yaml.Mark) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """SafeLoader whose composer refuses deep or huge node trees before building them."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._composed = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        mark = self.peek_event().start_mark
        self._composed += 1
        if self._composed > MAX_NODES:
            raise _Refused(f"file has more than {MAX_NODES} YAML nodes; split it up", mark)
        if self._depth >= MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep; flatten it", mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


@dataclass(frozen=True)
class _Item:
    key: str
    line: int
    value: Node
    merged: bool


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Reader:
    """Turns one composed YAML document into entries, failing with file:line."""

    def __init__(self, path: Path, loader: _Loader,
                 problems: list[ConfigError] | None = None) -> None:
        self.path = path
        self.loader = loader
        # When given, a bad animation entry is recorded here and the others are still read.
        self.problems = problems

    def fail(self, node: Node | int, message: str, key: str | None = None) -> NoReturn:
        line = node if isinstance(node, int) else _line(node)
        raise ConfigError(message, path=self.path, line=line, key=key)

    # Whole-document checks run first so no later walk can explode or recurse deeply.
    def measure(self, root: Node) -> None:
        done: dict[int, tuple[int, int]] = {}
        active: set[int] = set()

        def visit(node: Node, is_key: bool) -> tuple[int, int]:
            if id(node) in done:
                return done[id(node)]
            if id(node) in active:
                self.fail(node, "an alias refers to a node containing it; remove the recursion")
            self.check_tag(node, is_key)
            active.add(id(node))
            if isinstance(node, SequenceNode):
                children = [(child, False) for child in node.value]
            elif isinstance(node, MappingNode):
                children = [c for k, v in node.value for c in ((k, True), (v, False))]
            else:
                children = []
            size, depth = 1, 1
            for child, child_is_key in children:
                child_size, child_depth = visit(child, child_is_key)
                size += child_size
                depth = max(depth, child_depth + 1)
                if size > MAX_NODES:
                    self.fail(
                        node,
                        f"aliases expand this to more than {MAX_NODES} YAML nodes"
                        " (billion-laughs guard); repeat fewer aliases",
                    )
                if depth > MAX_DEPTH:
                    self.fail(node, f"aliases nest this more than {MAX_DEPTH} levels deep")
            active.discard(id(node))
            done[id(node)] = (size, depth)
            return size, depth

        visit(root, False)

    def check_tag(self, node: Node, is_key: bool) -> None:
        tag = node.tag
        if isinstance(node, ScalarNode):
            if tag in _SCALAR_TAGS or (is_key and tag == _MERGE):
                return
        elif tag == (_SEQ if isinstance(node, SequenceNode) else _MAP):
            return
        short = tag.replace(_Y, "!!")
        if "python/" in tag:
            msg = f"YAML tag {short!r} is refused: config files are plain data (safe YAML only)"
        elif tag == _Y + "timestamp":
            msg = f"{node.value!r} reads as a date; quote it if you meant text"
        elif tag in (_Y + "value", _MERGE):
            msg = f"{node.value!r} is special in YAML; quote it"
        else:
            msg = f"YAML tag {short!r} is not supported; remove it"
        self.fail(node, msg)

    def scalar(self, node: ScalarNode) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except (ArithmeticError, LookupError, TypeError, ValueError, yaml.YAMLError):
            # Explicit tags like `!!int abc` or 5000-digit ints fail inside PyYAML.
            tag = node.tag.replace(_Y, "!!")
            self.fail(node, f"cannot read {_short(node.value)!r} as {tag}; fix or quote it")

    def describe(self, node: Node) -> str:
        if isinstance(node, MappingNode):
            return "a mapping"
        if isinstance(node, SequenceNode):
            return "an empty list" if not node.value else "a list"
        value = self.scalar(node)
        if value is None:
            return "an empty value"
        if isinstance(value, bool):
            return f"a boolean ({node.value})"
        if isinstance(value, (int, float)):
            return f"a number ({_short(node.value)})"
        return f"the string {_short(value)!r}"

    def key_of(self, node: Node) -> str:
        if isinstance(node, ScalarNode) and node.tag == _STR:
            return node.value
        if not isinstance(node, ScalarNode):
            self.fail(node, f"a key must be a plain name, not {self.describe(node)}")
        self.fail(node, f"keys must be names, got {self.describe(node)}; quote it if meant as text")

    def pairs(self, node: MappingNode) -> list[_Item]:
        """Items of a mapping with raw keys unique: explicit first, then `<<` merges."""
        explicit: dict[str, _Item] = {}
        merged: dict[str, _Item] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    if not isinstance(source, MappingNode):
                        self.fail(key_node, "'<<' merges mappings only; give it *alias(es)")
                    for item in self.pairs(source):
                        merged.setdefault(item.key, _Item(item.key, item.line, item.value, True))
                continue
            key = self.key_of(key_node)
            if key in explicit:
                first = explicit[key].line
                self.fail(key_node, f"duplicate key {key!r} (first on line {first}); keep one")
            explicit[key] = _Item(key, _line(key_node), value_node, False)
        rest = [item for key, item in merged.items() if key not in explicit]
        return [*explicit.values(), *rest]

    def options(
        self, node: MappingNode, extra: tuple[str, ...] = ()
    ) -> tuple[dict[str, Any], dict[str, int]]:
        chosen: dict[str, _Item] = {}
        written: dict[str, str] = {}
        for item in self.pairs(node):
            where = f"{self.path}:{item.line}"
            canon = SPELLINGS.get(item.key, item.key)
            if canon not in KINDS:
                raise unknown_key(item.key, where, extra)
            if canon in chosen:
                # Explicit items come first, so a merged repeat simply loses.
                if not item.merged:
                    self.fail(
                        item.line,
                        f"{item.key!r} repeats {written[canon]!r} from line"
                        f" {chosen[canon].line} (both set {canon}); keep one",
                        canon,
                    )
                continue
            chosen[canon] = item
            written[canon] = item.key
        values = {canon: self.convert(canon, item.value) for canon, item in chosen.items()}
        return values, {canon: item.line for canon, item in chosen.items()}

    def convert(self, key: str, node: Node) -> Any:
        kind = KINDS[key]
        if kind == "matrix" and isinstance(node, SequenceNode) and node.value:
            return self.matrix(key, node)
        if kind in ("size", "padding") and isinstance(node, SequenceNode) and node.value:
            return [self.number(key, c, nested=kind == "padding") for c in node.value]
        if isinstance(node, ScalarNode):
            value = self.scalar(node)
            ok = {
                "bool": isinstance(value, bool),
                "int": isinstance(value, int) and not isinstance(value, bool),
                "str": isinstance(value, str),
                "name": isinstance(value, str) and bool(value.strip()),
                # kernel_values may also be a name (sobel_x, blur, ...), checked by the spec
                "matrix": key == "kernel_values" and isinstance(value, str),
            }.get(kind, isinstance(value, (int, float, str)) and not isinstance(value, bool))
            if ok:
                return value
        got = self.describe(node)
        fix = "; quote it" if kind in ("str", "name") and isinstance(node, ScalarNode) else ""
        if got == "an empty value":
            fix = "; give a value or delete the line"
        self.fail(node, f"{key}: expected {EXPECT[kind]}, got {got}{fix}", key)

    def number(self, key: str, node: Node, nested: bool = False) -> Any:
        if nested and isinstance(node, SequenceNode):
            return [self.number(key, child) for child in node.value]
        if isinstance(node, ScalarNode):
            value = self.scalar(node)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return value
        self.fail(node, f"{key}: list items must be numbers, got {self.describe(node)}", key)

    def matrix(self, key: str, node: SequenceNode) -> list[Any]:
        return [
            self.matrix(key, child) if isinstance(child, SequenceNode) else self.number(key, child)
            for child in node.value
        ]

    def entries(self, root: Node | None) -> list[Entry]:
        if root is None:
            self.fail(1, "file is empty (or only comments); write options like 'kernel_size: 3'")
        if not isinstance(root, MappingNode):
            self.fail(
                root,
                f"top level must be a mapping of options (or defaults: + animations:),"
                f" not {self.describe(root)}",
            )
        keys = {item.key for item in self.pairs(root)}
        if not keys & set(_STRUCTURE_KEYS):
            root, layers = self.split_layers(root)
            options, lines = self.options(root, (*_STRUCTURE_KEYS, "layers"))
            self.check_chain(options, lines, layers)
            name = options.pop("name", None)
            lines.pop("name", None)
            return [Entry(name, options, self.path, lines, _line(root), layers)]
        return self.batch(root)

    def split_layers(self, node: MappingNode) -> tuple[MappingNode, tuple[Layer, ...]]:
        """The mapping without its ``layers:`` key, and the layers it lists."""
        rest, found = [], None
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == "layers":
                found = value_node
            else:
                rest.append((key_node, value_node))
        if found is None:
            return node, ()
        if not isinstance(found, SequenceNode) or not found.value:
            self.fail(found, "layers: expected a list of layer mappings like "
                      f"[{{kernel_size: 3}}], got {self.describe(found)}", "layers")
        layers = []
        for number, item in enumerate(found.value):
            if not isinstance(item, MappingNode):
                self.fail(item, f"layers[{number}]: expected a mapping of spec options, got "
                          f"{self.describe(item)}", "layers")
            options, lines = self.options(item)
            for key in options:
                if key not in LAYER_KEYS:
                    why = ("is the previous layer's output (or the chain's for layers[0])"
                           if key == "input_size" else "belongs to the whole chain")
                    self.fail(lines[key], f"layers[{number}]: {key} {why}; give it next to "
                              "layers:" if key != "input_size" else
                              f"layers[{number}]: {key} {why}; drop it", key)
            layers.append(Layer(options, lines, _line(item)))
        return MappingNode(node.tag, rest, node.start_mark, node.end_mark,
                           node.flow_style), tuple(layers)

    def check_chain(self, options: dict[str, Any], lines: dict[str, int],
                    layers: tuple[Layer, ...]) -> None:
        """Next to ``layers:`` only the chain's own keys (its input, numbers, output)."""
        if not layers:
            return
        for key in options:
            if key not in CHAIN_KEYS:
                self.fail(lines[key], f"{key}: next to 'layers:' give it in each layer "
                          "(a chain sets only input_size, dims, values, seed and output "
                          "options)", key)
        if "input_size" not in options:
            self.fail(min(layer.line for layer in layers),
                      "layers: the chain needs its input size; add e.g. 'i: 8' next to "
                      "layers:", "input_size")

    def batch(self, root: MappingNode) -> list[Entry]:
        parts: dict[str, _Item] = {}
        for item in self.pairs(root):
            if item.key in _STRUCTURE_KEYS:
                parts[item.key] = item
            elif SPELLINGS.get(item.key, item.key) in KINDS:
                self.fail(
                    item.line, f"{item.key}: next to 'animations:' options go under 'defaults:'"
                )
            else:
                from difflib import get_close_matches  # here: only a refusal needs it

                hint = get_close_matches(item.key, _STRUCTURE_KEYS, n=1)
                fix = (f"did you mean {hint[0]!r}?" if hint
                       else "only defaults: and animations: (or panels:)")
                self.fail(item.line, f"unknown top-level key {item.key!r}; {fix}")
        defaults: dict[str, Any] = {}
        default_lines: dict[str, int] = {}
        if "defaults" in parts:
            node = parts["defaults"].value
            if not isinstance(node, MappingNode):
                self.fail(
                    node, f"defaults: expected a mapping of options, got {self.describe(node)}"
                )
            defaults, default_lines = self.options(node)
            if "name" in defaults:
                self.fail(
                    default_lines["name"], "name: not allowed in defaults; name each animation"
                )
        if "animations" in parts and "panels" in parts:
            self.fail(parts["panels"].line, "panels: and animations: both given; a comparison "
                      "figure lists its animations under panels: only")
        key = "panels" if "panels" in parts else "animations"
        if key not in parts:
            self.fail(parts["defaults"].line, "defaults: given without animations:; add a list")
        node = parts[key].value
        if not isinstance(node, SequenceNode) or not node.value:
            got = self.describe(node)
            self.fail(node, f"animations: expected a list of mappings with name:, got {got}")
        result: list[Entry] = []
        seen: dict[str, int] = {}
        for number, entry in enumerate(node.value, 1):
            try:
                self.entry(number, entry, defaults, default_lines, seen, result,
                           self.path.stem if key == "panels" else None)
            except ConfigError as err:
                if self.problems is None:
                    raise
                self.problems.append(err)
        return result

    def entry(self, number: int, entry: Node, defaults: dict[str, Any],
              default_lines: dict[str, int], seen: dict[str, int], result: list[Entry],
              figure: str | None = None) -> None:
        if not isinstance(entry, MappingNode):
            self.fail(
                entry, f"animations[{number}]: expected a mapping, got {self.describe(entry)}"
            )
        entry_node, layers = self.split_layers(entry)
        options, lines = self.options(entry_node)
        name = options.pop("name", None)
        name_line = lines.pop("name", _line(entry))
        if name is None:
            self.fail(
                entry,
                f"animations[{number}]: missing name:; add e.g. 'name: demo{number}'",
                "name",
            )
        if name in seen:
            self.fail(
                name_line,
                f"name: duplicate animation name {name!r} (first on line {seen[name]});"
                " names must be unique",
                "name",
            )
        seen[name] = name_line
        result.append(
            Entry(
                name,
                {**defaults, **options},
                self.path,
                {**default_lines, **lines},
                _line(entry),
                layers,
                figure,
            )
        )
        if layers:
            self.check_chain({**defaults, **options}, {**default_lines, **lines}, layers)


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError("no such file; check the path", path=path) from None
    except IsADirectoryError:
        raise ConfigError("is a directory; give a YAML file", path=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read file ({exc.strerror})", path=path) from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(
            f"file is larger than {MAX_FILE_BYTES // 1024} KiB; config files should be small",
            path=path,
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError("file is UTF-16; save it as UTF-8", path=path)
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise ConfigError("binary file (NUL byte), not YAML text", path=path, line=line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start]
        raise ConfigError(
            f"not valid UTF-8 (byte 0x{bad:02x}); save the file as UTF-8", path=path, line=line
        ) from None


def load_entries(path: str | os.PathLike[str],
                 problems: list[ConfigError] | None = None) -> list[Entry]:
    """Read a single-animation or ``defaults:`` + ``animations:`` config file.

    Returns one Entry per animation, in file order; raises ConfigError (with
    file and line) for anything unreadable, unsafe, unknown or mistyped. With a
    ``problems`` list, an error inside one of several animations is appended to it
    instead and the other animations are still returned (``convanim batch``).

    Example:
        >>> [e.options["input_size"] for e in load_entries("configs/seeds/checkerboard.yaml")]
        [3, 3]
    """
    file = Path(path)
    return parse_entries(_read_text(file), file, problems)


def parse_entries(text: str, path: str | os.PathLike[str],
                  problems: list[ConfigError] | None = None) -> list[Entry]:
    """Read config text as if it were the file ``path`` (for YAML kept inside documents).

    Errors name ``path`` and the line in ``text``; put blank lines in front to number the
    lines as the enclosing document does.

    Example:
        >>> parse_entries("\\n\\nk: 3\\ni: 5\\n", "page.md")[0].lines["input_size"]
        4
    """
    file = Path(path)
    loader: _Loader | None = None
    try:
        try:
            loader = _Loader(text)
            root = loader.get_single_node()
        except _Refused as exc:
            raise ConfigError(exc.message, path=file, line=exc.mark.line + 1) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "cannot parse"
            if exc.problem and exc.context:
                problem = f"{exc.problem} ({exc.context})"
            raise ConfigError(
                f"invalid YAML: {problem}; check indentation, colons and quotes",
                path=file,
                line=None if mark is None else mark.line + 1,
            ) from None
        except yaml.reader.ReaderError as exc:
            # Control characters are rejected before parsing, with a position but no mark.
            line = text.count("\n", 0, exc.position) + 1
            raise ConfigError(
                f"control character #x{exc.character:04x} is not allowed in YAML; remove it",
                path=file,
                line=line,
            ) from None
        reader = _Reader(file, loader, problems)
        if root is not None:
            reader.measure(root)
        return reader.entries(root)
    finally:
        if loader is not None:
            loader.dispose()
