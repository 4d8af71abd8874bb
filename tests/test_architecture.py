"""The developers' guide's architecture rules, read from the source with ``ast``.

- No private name is imported across modules: ``from convanim.x import _name`` only inside
  ``convanim.x`` itself, and a private module (``convanim.writers._atomic``) only from its own
  package.
- No circle crosses a package: the import graph between packages (``convanim.request``,
  ``geometry``, ``draw``, ``writers``, ``explain``, ``model``, ...) has no cycle. Every import
  counts, also those inside functions and under ``TYPE_CHECKING``: a lazy import is still a
  dependency.
- ``draw/`` imports nothing above it (only the geometry, the writers, the resource budget and
  matplotlib's cache set-up); ``geometry/`` and ``writers/`` import only themselves.
- Outside ``geometry/ops/`` no code compares a mode to a mode's name: it asks the op (an
  attribute or method of its class). Importers that map a framework's layers to modes may.

The checks run on the real tree, and on small planted trees to show each one can fail.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

import convanim

PACKAGE = Path(convanim.__file__).parent

# Top-level modules that belong to a package's layer. options.py, config.py and config_keys.py
# are the front door's (they are made from request/table.py and used by request/); the notebook
# view is part of the public API.
LAYER_OF = {
    "convanim.options": "convanim.request",
    "convanim.config": "convanim.request",
    "convanim.config_keys": "convanim.request",
    "convanim.notebook": "convanim.api",
}

# What each lower layer may import besides itself.
MAY_IMPORT = {
    "convanim.draw": {"convanim.geometry", "convanim.writers", "convanim.budget",
                      "convanim.mplcache"},
    "convanim.geometry": set(),
    "convanim.writers": set(),
}


@dataclass(frozen=True)
class Import:
    """One imported module (and the names taken from it) at a line of a module."""

    source: str
    line: int
    target: str
    names: tuple[str, ...]


def read_tree(root: Path = PACKAGE) -> dict[str, str]:
    """Module name -> source text, for every ``.py`` file of the package."""
    sources = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        sources[".".join(parts)] = path.read_text(encoding="utf-8")
    return sources


def imports(sources: Mapping[str, str]) -> list[Import]:
    """Every import of a ``convanim`` module, ``from x import y`` resolved to the module y
    when y is one."""
    packages = {name for name in sources if any(m.startswith(name + ".") for m in sources)}
    found = []
    for module, text in sources.items():
        base = module if module in packages else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                found += [Import(module, node.lineno, alias.name, ())
                          for alias in node.names if alias.name.split(".")[0] == "convanim"]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    anchor = base.split(".")[: len(base.split(".")) - (node.level - 1)]
                    target = ".".join(anchor + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target.split(".")[0] != "convanim":
                    continue
                names = tuple(alias.name for alias in node.names)
                plain = tuple(n for n in names if f"{target}.{n}" not in sources)
                if plain:  # from a package only its submodules: no edge to the package
                    found.append(Import(module, node.lineno, target, plain))
                found += [Import(module, node.lineno, f"{target}.{n}", ())
                          for n in names if f"{target}.{n}" in sources]
    return found


def private_imports(found: Iterable[Import]) -> list[str]:
    """``module:line`` and the private name, for each import of a private name from another
    module or of a private module from outside its package."""
    bad = []
    for imp in found:
        for name in imp.names:
            if name.startswith("_") and not name.startswith("__") and imp.target != imp.source:
                bad.append(f"{imp.source}:{imp.line} imports {name} from {imp.target}")
        parts = imp.target.split(".")
        for depth, part in enumerate(parts):
            owner = ".".join(parts[:depth])
            if part.startswith("_") and not part.startswith("__") and not (
                    imp.source == owner or imp.source.startswith(owner + ".")):
                bad.append(f"{imp.source}:{imp.line} imports the private module {imp.target}")
    return bad


def layer(module: str) -> str:
    """The package (layer) a module belongs to: ``convanim.draw.scene`` -> ``convanim.draw``.

    >>> layer("convanim.draw.scene"), layer("convanim.options"), layer("convanim")
    ('convanim.draw', 'convanim.request', 'convanim')
    """
    top = ".".join(module.split(".")[:2])
    return LAYER_OF.get(top, top)


def layer_graph(found: Iterable[Import]) -> dict[str, dict[str, str]]:
    """Layer -> {imported layer: one import that makes the edge, as ``module:line``}."""
    graph: dict[str, dict[str, str]] = {}
    for imp in found:
        a, b = layer(imp.source), layer(imp.target)
        if a != b:
            graph.setdefault(a, {}).setdefault(b, f"{imp.source}:{imp.line} -> {imp.target}")
    return graph


def cycles(graph: Mapping[str, Mapping[str, str]]) -> list[list[str]]:
    """The layers of each import cycle (strongly connected, two layers or more), sorted."""
    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), {}):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    reached = {node: reach(node) for node in graph}
    groups = {frozenset({a} | {b for b in reached[a] if a in reached.get(b, ())})
              for a in graph if a in reached[a]}
    return sorted(sorted(group) for group in groups if len(group) > 1)


def upward(graph: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Each import of a lower layer (``MAY_IMPORT``) that reaches above it."""
    return [f"{low} imports {high}: {where}" for low, allowed in MAY_IMPORT.items()
            for high, where in graph.get(low, {}).items() if high not in allowed]


def cycle_lines(graph: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Each cycle with the imports that close it, for the failure message."""
    return [" <-> ".join(group) + ": " + "; ".join(
        graph[a][b] for a in group for b in group if b in graph.get(a, {}))
        for group in cycles(graph)]


# Comparisons with a mode's name that belong to an importer's table, not to an op's behaviour:
# PyTorch's functional max_pool takes dilation where avg_pool takes ceil_mode; an upsampling
# node's scale and method come from the framework's own attributes.
MODE_NAME_ALLOWED = {
    ("convanim.model.from_torch", "mode == 'maxpool'"),
    ("convanim.model.table", "node.mode == 'upsample'"),
}


def mode_name_branches(sources: Mapping[str, str], modes: Iterable[str]) -> list[tuple[str, str]]:
    """``(module, comparison)`` for each comparison of a mode (``x.mode``, ``x["mode"]``,
    ``mode``, ``x.get("mode")``) with a mode's name, outside ``convanim.geometry.ops``."""
    names = set(modes)

    def is_mode(node: ast.expr) -> bool:
        if isinstance(node, ast.Attribute):
            return node.attr == "mode"
        if isinstance(node, ast.Name):
            return node.id == "mode"
        if isinstance(node, ast.Subscript):
            return isinstance(node.slice, ast.Constant) and node.slice.value == "mode"
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get" and bool(node.args)
                and isinstance(node.args[0], ast.Constant) and node.args[0].value == "mode")

    def texts(node: ast.expr) -> set[str]:
        items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
        return {item.value for item in items
                if isinstance(item, ast.Constant) and isinstance(item.value, str)}

    found = []
    for module, text in sources.items():
        if module.startswith("convanim.geometry.ops"):
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any(is_mode(s) for s in sides) and any(texts(s) & names for s in sides):
                    found.append((module, ast.unparse(node)))
    return found


# -- the real tree ----------------------------------------------------------------------------

FOUND = imports(read_tree())


def test_the_tree_is_read() -> None:
    # A checker that reads nothing passes everything: the known edges must be there.
    graph = layer_graph(FOUND)
    assert {"convanim.geometry", "convanim.writers"} <= set(graph["convanim.draw"])
    assert "convanim.geometry" in graph["convanim.request"]
    assert len(FOUND) > 300


def test_no_private_name_is_imported_across_modules() -> None:
    assert private_imports(FOUND) == []


def test_no_import_cycle_between_packages() -> None:
    assert cycle_lines(layer_graph(FOUND)) == []


def test_draw_geometry_and_writers_import_nothing_above_them() -> None:
    assert upward(layer_graph(FOUND)) == []


def test_no_branch_on_a_mode_name_outside_the_ops() -> None:
    from convanim.geometry.ops import MODES

    found = set(mode_name_branches(read_tree(), MODES))
    assert found - MODE_NAME_ALLOWED == set()
    assert found >= MODE_NAME_ALLOWED  # an entry no longer needed is taken out of the list


# -- planted trees: each rule catches what it is for -------------------------------------------

def planted(**files: str) -> list[Import]:
    base = {"convanim": "", "convanim.geometry": "", "convanim.draw": "",
            "convanim.writers": "", "convanim.explain": ""}
    return imports(base | {name.replace("__", "."): text for name, text in files.items()})


@pytest.mark.parametrize("text", [
    "from convanim.geometry.plan import _grid",
    "from ..geometry.plan import Grid, _grid",
    "from convanim.writers._files import confined",
    "from convanim.writers import _files",
    "import convanim.writers._files",
])
def test_a_planted_private_import_is_found(text: str) -> None:
    found = planted(convanim__geometry__plan="def _grid(): ...\nclass Grid: ...",
                    convanim__writers___files="def confined(): ...",
                    convanim__draw__scene=text)
    assert len(private_imports(found)) == 1


def test_private_names_inside_their_own_module_and_package_are_fine() -> None:
    found = planted(convanim__writers___files="from convanim.writers._files import _x",
                    convanim__writers__gif="from convanim.writers._files import TempFile",
                    convanim__draw__scene="from convanim.geometry import __version__")
    assert private_imports(found) == []


def test_a_planted_cycle_is_found_even_through_a_lazy_import() -> None:
    found = planted(convanim__geometry__plan="from convanim.explain.words import x",
                    convanim__explain__words="def f():\n    from convanim.draw.scene import y",
                    convanim__draw__scene="from convanim.geometry.plan import Plan")
    assert cycles(layer_graph(found)) == [["convanim.draw", "convanim.explain",
                                           "convanim.geometry"]]
    assert cycles(layer_graph(found[1:])) == []  # without the geometry's import, no cycle


@pytest.mark.parametrize("text", [
    'x = 1 if spec.mode == "maxpool" else 0',
    'ok = spec.mode in ("maxpool", "maxunpool")',
    'ok = entry["mode"] != "pixelshuffle"',
    'ok = entry.get("mode") == "conv"',
])
def test_a_planted_mode_name_branch_is_found(text: str) -> None:
    modes = ("conv", "maxpool", "maxunpool", "pixelshuffle")
    other = text
    for name in modes:
        other = other.replace(f'"{name}"', '"other"')
    sources = {"convanim.draw.scene": text, "convanim.geometry.ops.pooling": text,
               "convanim.draw.labels": other}  # ops may; other names are no modes
    found = mode_name_branches(sources, modes)
    assert [module for module, _ in found] == ["convanim.draw.scene"]


def test_a_planted_upward_import_from_draw_is_found() -> None:
    found = planted(convanim__draw__player="from convanim.explain import alt_text",
                    convanim__draw__scene="from convanim.geometry import plan")
    assert upward(layer_graph(found)) == [
        "convanim.draw imports convanim.explain: convanim.draw.player:1 -> convanim.explain"]
