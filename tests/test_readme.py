"""The README's promises: its gallery copy matches gallery.md, its commands are the CI's."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_gallery_matches_the_generated_gallery_md() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- gallery:start -->\n", "\n<!-- gallery:end -->"
    copy = readme[readme.index(start) + len(start): readme.index(end)]
    generated = (ROOT / "outputs" / "gallery" / "gallery.md").read_text(encoding="utf-8")
    assert copy == generated.strip().replace("### ", "#### ")
    for line in copy.splitlines():
        for part in line.split("](")[1:]:
            assert (ROOT / part.split(")")[0]).is_file()


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = next(line for line in readme.splitlines()
                        if line.startswith("python3 -m venv") and "pytest" in line)
    assert test_command in ci.splitlines()
