"""``convanim model``: the table as text, JSON and Markdown, the report page, hostile model
text, and one-line refusals (exit 2) for every kind of bad input."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from convanim.cli import cli

torch = pytest.importorskip("torch")

NET = '''
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(4, 4, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv2(self.pool(torch.relu(self.conv(x))))

def make():
    return Net()

NOT_A_MODEL = 3

def needs_args(width):
    return Net()

EVIL = type("<img src=x onerror=alert(1)>|*E*", (nn.Conv2d,), {})

def hostile():
    net = nn.Sequential()
    net.add_module("<script>alert('x')</script>|[a](javascript:b)", EVIL(3, 2, 3))
    net.add_module("\\x1b[31mred", nn.ReLU())
    return net
'''


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "net.py").write_text(NET)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return invoke


def _one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    assert lines[0].startswith("convanim: error: ")
    return lines[0]


def test_text_table(run):
    result = run("model", "net.py:Net", "--input", "3,16,16")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["name", "type", "in", "out"]
    assert [line.split()[0] for line in lines[1:-1]] == ["input", "conv", "relu", "pool",
                                                         "conv2"]
    # conv 3 (r 3), pool 2 (r 4, j 2), conv 3 s2 (r 4 + 2*2 = 8, j 4)
    assert "8x8" in lines[-2] and "4x4" in lines[-2]
    assert lines[-1].startswith("5 layers, 260 parameters")  # 3*4*9+4 + 4*4*9+4


def test_json_fields_exactly(run):
    result = run("model", "net.py:make", "--input", "3,16,16", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert all(list(layer) == ["name", "type", "in_shape", "out_shape", "kernel_size",
                               "stride", "padding", "dilation", "groups", "params", "macs",
                               "receptive_field", "jump", "start"] for layer in data["layers"])
    last = data["layers"][-1]
    assert (last["receptive_field"], last["jump"], last["start"]) == ([8, 8], [4, 4],
                                                                     [-3, -3])
    assert data["path"] == ["input", "conv", "relu", "pool", "conv2"]


def test_markdown_and_report_escape_hostile_text(run, tmp_path):
    result = run("model", "net.py:hostile", "--input", "3,8,8", "--markdown")
    assert result.exit_code == 0, result.output
    assert "<script>" not in result.output and "<img" not in result.output
    assert "\x1b" not in result.output
    rows = [line for line in result.output.splitlines() if line.startswith("| ")]
    assert all(len(re.split(r"(?<!\\)\|", row)) == 17 for row in rows)  # 15 cells each
    result = run("model", "net.py:hostile", "--input", "3,8,8", "-o", "rep")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "rep" / "index.html").read_text()
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page
    readme = (tmp_path / "rep" / "README.md").read_text()
    assert "<script>" not in readme and "](javascript" not in readme


def test_report_page(run, tmp_path):
    (tmp_path / "rep").mkdir()
    (tmp_path / "rep" / "mine.txt").write_text("keep")
    result = run("model", "net.py:Net", "--input", "3,16,16", "-o", "rep")
    assert result.exit_code == 0, result.output
    out = tmp_path / "rep"
    assert (out / "mine.txt").read_text() == "keep"
    names = sorted(p.name for p in (out / "figures").iterdir())
    # conv k3 s1 p1, max pool k2 s2, conv k3 s2 p1: three settings, the main path, the plot
    assert names == ["field.png", "field.svg", "layer_1.gif", "layer_2.gif", "layer_3.gif",
                     "main_path.gif"]
    page = (out / "index.html").read_text()
    for name in names:
        if name != "field.png":
            assert f'src="figures/{name}"' in page
    readme = (out / "README.md").read_text()
    assert "conv k3 s1 p1 ×1" in readme and "(figures/main_path.gif)" in readme
    from convanim.writers import read_animation

    frames, _ = read_animation(out / "figures" / "main_path.gif")
    assert len(frames) == 4  # one per layer of the main path, then every output cell's paths


@pytest.mark.parametrize(("args", "pattern"), [
    (("notes.txt",), r"'notes.txt': not a model source; write file.py:Name"),
    (("net.py:Missing", "--input", "3,8,8"), r"net.py has no 'Missing'"),
    (("net.py:NOT_A_MODEL", "--input", "3,8,8"), r"NOT_A_MODEL gives a int, not a torch"),
    (("net.py:needs_args", "--input", "3,8,8"), r"calling needs_args\(\) without arguments"),
    (("net.py:Net",), r"--input: missing for net.py:Net"),
    (("net.py:Net", "--input", "3,x"), r"--input: '3,x': give channels then 1 to 3 sizes"),
    (("net.py:Net", "--input", "3,1,1"), r"--input: 3x1x1: the model fails on this input"),
    (("nowhere.py:Net", "--input", "3,8,8"), r"nowhere.py: no such file"),
    (("missing.onnx",), r"missing.onnx: no such file"),
    (("net.py:Net", "--input", "3,8,8", "--json", "--markdown"), r"pick one"),
])
def test_bad_input_is_one_line(run, args, pattern):
    line = _one_error_line(run("model", *args))
    assert re.search(pattern, line), line


def test_missing_torch_names_the_extra(run, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    line = _one_error_line(run("model", "net.py:Net", "--input", "3,8,8"))
    assert line.endswith("install it with pip install 'convanim[torch]'")


def test_other_commands_never_import_torch_or_onnx():
    import subprocess

    code = ("import sys; from convanim.cli import main; sys.argv = ['convanim', 'render', "
            "'-o', sys.argv[1]]\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('torch', 'onnx', 'keras') if m in sys.modules))")
    import tempfile

    out = Path(tempfile.mkdtemp()) / "x.gif"
    result = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]" and out.exists()
