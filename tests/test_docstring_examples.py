"""Every public function has a runnable example, as the developers' guide asks.

A public function or method (no leading underscore, at a module's top level or in a public
class) must show a ``>>>`` example in its docstring; pytest runs them all
(``--doctest-modules`` over ``convanim``). A click command is the exception: its docstring is
its ``--help`` text, so it shows an ``Examples:`` section of command lines instead.

The rule covers the packages listed in ``CHECKED``; a package joins the list once it has an
example everywhere. The checks run on the real tree, and on a planted module to show each can
fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

import convanim

PACKAGE = Path(convanim.__file__).parent

# Packages (folders) and top-level modules whose public functions all show an example.
CHECKED = ("writers", "request", "explain", "model", "gallery", "photo", "commands",
           "api.py", "sphinx.py", "mkdocs.py", "embed.py", "notebook.py", "viewer.py",
           "pair.py", "budget.py", "progress.py", "config.py", "config_keys.py", "options.py",
           "mplcache.py")


def _is_command(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Decorated as a click command (``@click.command()``, ``@group.command()``...)."""
    for decorator in node.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(call, ast.Attribute) and call.attr in ("command", "group"):
            return True
    return False


def missing_examples(source: str, module: str) -> list[str]:
    """``module:line name`` of each public function in ``source`` without its example."""
    missing = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                visit(node.body, f"{prefix}{node.name}.")
            elif (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                  and not node.name.startswith("_")):
                doc = ast.get_docstring(node) or ""
                wanted = "Examples:" if _is_command(node) else ">>>"
                if wanted not in doc:
                    missing.append(f"{module}:{node.lineno} {prefix}{node.name}")

    visit(ast.parse(source).body, "")
    return missing


def checked_files() -> list[Path]:
    files = []
    for name in CHECKED:
        path = PACKAGE / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def test_every_checked_public_function_shows_an_example() -> None:
    files = checked_files()
    assert len(files) > 60  # the folders are found, not an empty list that passes
    missing = [item for path in files
               for item in missing_examples(path.read_text(encoding="utf-8"),
                                            str(path.relative_to(PACKAGE.parent)))]
    assert missing == [], "public functions without a >>> example:\n" + "\n".join(missing)


def test_the_check_finds_a_function_or_method_without_an_example() -> None:
    planted = '''
def shown(x: int) -> int:
    """Twice x.

    >>> shown(2)
    4
    """
    return 2 * x


def told(x: int) -> int:
    """Twice x, in words only."""
    return 2 * x


def _private(x: int) -> int:
    return x


class Box:
    def open(self) -> None:
        """Open it."""

    def _close(self) -> None:
        pass


class _Hidden:
    def open(self) -> None:
        pass
'''
    assert missing_examples(planted, "m.py") == ["m.py:11 told", "m.py:21 Box.open"]


def test_a_click_command_shows_command_lines_instead() -> None:
    planted = '''
@click.command()
def draw() -> None:
    """Draw.

    \\b
    Examples:
      convanim draw
    """


@group.command()
def erase() -> None:
    """Erase (the help text has no examples)."""
'''
    assert missing_examples(planted, "m.py") == ["m.py:13 erase"]
