"""The request layer: every edge gets the same checks and the same message for a bad value."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from convanim import request
from convanim.cli import cli
from convanim.config import ConfigError
from convanim.request import RequestError

PACKAGE = Path(__file__).resolve().parents[1] / "convanim"


def message(text: str) -> str:
    """The part of a message after where the value was written."""
    return text.split(": ", 2)[-1]


@pytest.mark.parametrize(("key", "value"), [("kernel_size", 0), ("stride", -1), ("theme", "neon"),
                                            ("fps", 1000), ("padding", "wide")])
def test_one_message_for_a_bad_value_at_every_edge(tmp_path: Path, key: str, value: object
                                                   ) -> None:
    base = {"input_size": 5, "kernel_size": 3}
    yaml_text = "".join(f"{k}: {v}\n" for k, v in {**base, key: value}.items())
    config = tmp_path / "a.yaml"
    config.write_text(yaml_text)
    # One error type at every public door (issue 22): not click's, which the plugins never see.
    with pytest.raises(RequestError) as from_text:
        request.from_text(yaml_text, "page.md", first_line=7)
    with pytest.raises(RequestError) as from_mapping:
        request.from_mapping({**base, key: value}, "index.rst", lines={key: 12}, line=10)
    result = CliRunner().invoke(cli, ["render", str(config), "-o", str(tmp_path / "x.gif")])
    assert result.exit_code == 2
    line = list({**base, key: value}).index(key) + 7
    assert str(from_text.value).startswith(f"page.md:{line}: {key}: ")
    assert str(from_mapping.value).startswith(f"index.rst:12: {key}: ")
    cli_text = result.output.strip().removeprefix("convanim: error: ")
    assert message(str(from_text.value)) == message(cli_text)
    assert message(str(from_mapping.value)) == message(cli_text)


def test_unknown_key_names_where_and_suggests() -> None:
    with pytest.raises(ConfigError) as err:
        request.from_mapping({"i": 5, "kernal_size": 3}, "doc.rst", lines={"kernal_size": 4})
    assert str(err.value).startswith("doc.rst:4: ") and "'kernel_size'" in str(err.value)


def test_same_request_from_flags_yaml_and_mapping(tmp_path: Path) -> None:
    a = request.from_text("mode: transposed\ni: 3\nk: 3\ns: 2\np: 1\nfps: 4\n", "x.md")
    b = request.from_mapping({"mode": "transposed", "i": "3", "k": "3", "s": "2", "p": "1",
                              "fps": "4"})
    assert a.spec == b.spec and dict(a.options) == dict(b.options)
    assert a.options["fps"] == 4 and a.frames == b.frames


def test_nothing_below_the_cli_imports_the_cli() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == "cli.py" or rel.startswith("commands/"):
            continue  # the command line itself
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
                     if isinstance(node, ast.ImportFrom) else [])
            if any(n == "convanim.cli" or n.startswith("convanim.cli.") for n in names):
                offenders.append(rel)
    assert offenders == []
    code = ("import sys; from pathlib import Path; from convanim.gallery import find_configs, "
            "make_jobs; make_jobs(find_configs(['configs/seeds']), Path('out'), {}); "
            "print('convanim.cli' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=PACKAGE.parent)
    assert out.stdout.strip() == "False"
