"""Release-ready (issue 26): sdist and wheel build and pass ``twine check``; one version
source; CHANGELOG and CITATION.cff agree with it; the README states the figures' licence;
docs/ci.md's pre-commit recipe works as written against this commit's convanim."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import convanim

ROOT = Path(__file__).resolve().parent.parent
VERSION = convanim.__version__


def test_build_and_twine_check(tmp_path: Path) -> None:
    pytest.importorskip("twine")
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    src = tmp_path / "src"
    for name in files:
        if (ROOT / name).is_file() and not name.startswith("outputs/"):
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    dist = tmp_path / "dist"
    built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "-o", str(dist),
                            str(src)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    wheel = dist / f"convanim-{VERSION}-py3-none-any.whl"
    sdist = dist / f"convanim-{VERSION}.tar.gz"
    assert wheel.is_file() and sdist.is_file()
    check = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(wheel),
                            str(sdist)], capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    with zipfile.ZipFile(wheel) as zf:
        metadata = zf.read(f"convanim-{VERSION}.dist-info/METADATA").decode()
    assert f"\nVersion: {VERSION}\n" in metadata
    assert "Provides-Extra: pptx" in metadata
    with tarfile.open(sdist) as tf:
        names = tf.getnames()
    assert f"convanim-{VERSION}/CHANGELOG.md" in names or any(
        n.endswith("/LICENSE") for n in names)


def test_one_version_source() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert re.search(r'version = \{ attr = "convanim.__version__" \}', pyproject)
    assert not re.search(r'^version = "', pyproject, re.MULTILINE)
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(citation["version"]) == VERSION and citation["cff-version"] == "1.2.0"
    assert {"title", "authors", "message"} <= set(citation)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{VERSION}]" in changelog


def test_readme_states_the_licence_of_generated_figures() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Licence"):]
    assert "figures you make with it are yours" in section
    assert "CC0" in section and "MIT" in section


def _recipe() -> dict:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```yaml\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)
    return next(yaml.safe_load(b) for b in blocks if "repos:" in b)["repos"][0]


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


def test_the_pinned_commit_is_this_history_at_this_version() -> None:
    rev = _recipe()["rev"]
    assert _git("merge-base", "--is-ancestor", rev, "HEAD").returncode == 0, (
        f"docs/ci.md pins {rev}, which is not in this repository's history")
    pinned = _git("show", f"{rev}:convanim/__init__.py").stdout
    found = re.search(r'__version__ = "([^"]+)"', pinned)
    assert found and found.group(1) == VERSION, (
        f"docs/ci.md pins convanim {found.group(1) if found else '?'} but this is {VERSION}; "
        "move the pin to a commit of this version")


def test_the_recipe_hook_works_as_written(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from convanim.cli import cli

    recipe = _recipe()
    hooks = yaml.safe_load(_git("show", f"{recipe['rev']}:.pre-commit-hooks.yaml").stdout)
    current = {hook["id"]: hook for hook in yaml.safe_load(
        (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    wanted = [hook for hook in recipe["hooks"] if hook["id"] in current]
    assert [hook["id"] for hook in wanted] == ["convanim-gallery-check"]
    assert {hook["id"] for hook in recipe["hooks"]} <= {hook["id"] for hook in hooks}
    entry = shlex.split(current["convanim-gallery-check"]["entry"])
    assert entry[0] == "convanim"
    (tmp_path / "configs").mkdir()
    shutil.copy(ROOT / "configs" / "conv_arithmetic" / "no_padding_no_strides.yaml",
                tmp_path / "configs")
    (tmp_path / "configs" / "pool.yaml").write_text("mode: maxpool\ni: 3\nk: 2\n")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(cli, ["gallery", "-j", "1"]).exit_code == 0
    args = entry[1:] + list(wanted[0].get("args", []))
    fresh = runner.invoke(cli, args)
    assert fresh.exit_code == 0, fresh.output
    (tmp_path / "configs" / "pool.yaml").write_text("mode: maxpool\ni: 4\nk: 2\n")
    stale = runner.invoke(cli, args)
    assert stale.exit_code == 1 and "pool" in stale.output
