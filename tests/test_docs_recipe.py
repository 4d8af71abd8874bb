"""docs/ci.md works as written: no placeholders, a real commit, a wheel that works, and its
Sphinx and MkDocs snippets build as given."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
RECIPE = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    """The fenced blocks of ``language`` (``` or ```` fences) in docs/ci.md."""
    return [m.group(2) for m in re.finditer(rf"^(`{{3,4}}){language}\n(.*?)^\1$", RECIPE,
                                            re.MULTILINE | re.DOTALL)]


def test_no_placeholders_and_the_pinned_commit_exists_with_the_hooks() -> None:
    for placeholder in ("OWNER", "v0.1.0", "pip install convanim", "<"):
        assert placeholder not in RECIPE
    config = next(yaml.safe_load(b) for b in blocks("yaml") if "repos:" in b)
    repo = config["repos"][0]
    assert re.fullmatch(r"[0-9a-f]{40}", repo["rev"])
    hooks = subprocess.run(["git", "show", f"{repo['rev']}:.pre-commit-hooks.yaml"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout
    ids = {hook["id"] for hook in yaml.safe_load(hooks)}
    assert {hook["id"] for hook in repo["hooks"]} <= ids


def test_the_wheel_the_recipe_builds_installs_and_works(tmp_path: Path) -> None:
    install = blocks("bash")[0].splitlines()
    assert install == ["pip install .", "pip install build && python -m build --wheel",
                       "pip install dist/convanim-0.1.0-py3-none-any.whl"]
    # Build in a copy of the tracked files (setuptools writes build/ into the tree); without
    # isolation so the test needs no package index.
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    src = tmp_path / "src"
    for name in files:
        if (ROOT / name).is_file() and not name.startswith("outputs/"):
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation"], cwd=src,
                   capture_output=True, check=True, timeout=300)
    wheel = src / "dist" / "convanim-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        entry_points = zf.read("convanim-0.1.0.dist-info/entry_points.txt").decode()
    assert {"convanim/writers/player.js", "convanim/writers/player.css"} <= names
    assert "[mkdocs.plugins]" in entry_points and "convanim.mkdocs:ConvanimPlugin" in entry_points
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(site), str(wheel)], check=True, capture_output=True, timeout=300)
    out = tmp_path / "a.html"
    code = ("import convanim, sys; assert convanim.__file__.startswith(sys.argv[1]); "
            "convanim.render({'i': 3, 'k': 2}, sys.argv[2])")
    subprocess.run([sys.executable, "-c", code, str(site), str(out)], check=True,
                   env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, cwd=tmp_path,
                   capture_output=True, timeout=300)
    assert "data-convanim-player" in out.read_text(encoding="utf-8")


def test_the_sphinx_snippets_build_strictly(tmp_path: Path) -> None:
    (tmp_path / "conf.py").write_text(blocks("python")[0])
    rst = blocks("rst")[0]
    myst = re.search(r"```\{convanim\}\n.*?```\n", blocks("markdown")[0], re.DOTALL)
    assert myst
    (tmp_path / "index.rst").write_text("Figures\n=======\n\n.. toctree::\n\n   notes\n\n" + rst)
    (tmp_path / "notes.md").write_text("# Notes\n\n" + myst.group(0))
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "pool.yaml").write_text("mode: maxpool\ni: 4\nk: 2\n")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-W", "-b", "html",
                             str(tmp_path), str(tmp_path / "_build")], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    index = (tmp_path / "_build" / "index.html").read_text(encoding="utf-8")
    assert index.count('class="cvp-data"') == 1 and re.search(r'<img src="_images/.*\.webp"',
                                                              index)
    notes = (tmp_path / "_build" / "notes.html").read_text(encoding="utf-8")
    assert notes.count('class="cvp-data"') == 1


def test_the_mkdocs_snippets_build(tmp_path: Path) -> None:
    plugins = next(b for b in blocks("yaml") if b.startswith("plugins:"))
    fence = blocks("markdown")[1]
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n" + plugins)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n\n" + fence)
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert page.count('class="cvp-data"') == 1
