"""What made each figure: the convanim version and code, the job, the file's bytes.

``convanim gallery`` and ``convanim batch`` write ``convanim.json`` beside the figures. It lets
``--check --changed`` (the pre-commit hook) skip every figure whose job, whose convanim and
whose file are all as recorded (a one-config change re-draws one figure, not all of them), and
lets a stale figure say which convanim wrote it when that is not the one checking it now.
A figure with no entry, or an entry that does not match, is drawn and compared as usual, so
the manifest can only save work, never hide a difference.

>>> code_id() == code_id() and len(code_id()) == 12
True
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

NAME = "convanim.json"


@functools.lru_cache(maxsize=1)
def code_id() -> str:
    """A short hash of convanim's own source (``.py``, ``.js``, ``.css``): what draws.

    Two installs with the same version but different code (a pinned commit, a local edit)
    get different ids, so figures drawn by one are not trusted for the other.

    >>> len(code_id()), code_id() == code_id()
    (12, True)
    """
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".js", ".css") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def version() -> str:
    """``convanim X (code Y)``: the version and the code id.

    >>> version().startswith("convanim ")
    True
    """
    from convanim import __version__

    return f"convanim {__version__} (code {code_id()})"


def job_key(job: Any) -> str:
    """A hash of everything a job draws from (spec, values, options, outputs, panels, chain).

    >>> from convanim.gallery import find_configs, make_jobs
    >>> batch = make_jobs(find_configs(["configs/seeds/checkerboard.yaml"]), Path("o"), {})
    >>> len(job_key(batch.jobs[0]))
    16
    """
    parts = [job.spec, job.x, job.w, job.seed, sorted(dict(job.options).items()),
             os.fspath(job.output), job.storyboard, job.player, job.chain, job.chain_view,
             [job_key(panel) for panel in job.panels]]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def file_hash(path: Path | None) -> str:
    """sha256 of a file's bytes, or of a frame folder's files in order; '' when absent.

    >>> file_hash(Path("no/such/file"))
    ''
    """
    if path is None or not path.exists():
        return ""
    digest = hashlib.sha256()
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    for item in files:
        if item.is_file():
            digest.update(item.name.encode() + b"\0" + item.read_bytes())
    return digest.hexdigest()


def entry(job: Any) -> dict[str, str]:
    """The manifest record of a job whose files were just written.

    >>> from convanim.gallery import find_configs, make_jobs
    >>> job = make_jobs(find_configs(["configs/seeds/checkerboard.yaml"]), Path("out"), {}).jobs[0]
    >>> sorted(entry(job))
    ['code', 'file', 'job', 'player', 'storyboard', 'version']
    """
    return {"job": job_key(job), "code": code_id(), "version": _version_number(),
            "file": file_hash(job.output), "player": file_hash(job.player),
            "storyboard": file_hash(job.storyboard)}


def _version_number() -> str:
    from convanim import __version__

    return __version__


def load(out_dir: Path) -> dict[str, dict[str, str]]:
    """The figures recorded in ``out_dir``'s manifest (empty when there is none or it is
    unreadable: then everything is checked).

    >>> import tempfile
    >>> load(Path(tempfile.mkdtemp()))
    {}
    """
    try:
        data = json.loads((out_dir / NAME).read_text(encoding="utf-8"))
        figures = data.get("figures", {})
        return {str(k): dict(v) for k, v in figures.items()} if isinstance(figures, dict) else {}
    except (OSError, ValueError, AttributeError, TypeError):
        return {}


def key_of(job: Any, out_dir: Path) -> str:
    """The job's output path relative to ``out_dir`` (the manifest's key).

    >>> from convanim.gallery import find_configs, make_jobs
    >>> job = make_jobs(find_configs(["configs/seeds/checkerboard.yaml"]), Path("out"), {}).jobs[0]
    >>> key_of(job, Path("out"))
    'checkerboard_k3_s2.gif'
    """
    return Path(os.path.relpath(job.output, out_dir)).as_posix()


def save(out_dir: Path, jobs: Iterable[Any]) -> Path:
    """Record ``jobs`` (just written) in ``out_dir``'s manifest, keeping other entries.

    >>> import tempfile
    >>> save(Path(tempfile.mkdtemp()), []).name
    'convanim.json'
    """
    from convanim.writers import atomic_output

    figures = load(out_dir)
    for job in jobs:
        figures[key_of(job, out_dir)] = entry(job)
    text = json.dumps({"convanim": _version_number(), "code": code_id(),
                       "figures": dict(sorted(figures.items()))}, indent=1, sort_keys=False)
    path = out_dir / NAME
    with atomic_output(path, "w") as handle:
        handle.write(text + "\n")
    return path


def unchanged(job: Any, recorded: Mapping[str, str] | None) -> bool:
    """Whether ``job``'s files are what this convanim wrote for this very job.

    >>> unchanged(None, None)
    False
    """
    if not recorded or job is None:
        return False
    return (recorded.get("job") == job_key(job) and recorded.get("code") == code_id()
            and recorded.get("file") == file_hash(job.output)
            and recorded.get("player", "") == file_hash(job.player)
            and recorded.get("storyboard", "") == file_hash(job.storyboard))


def written_by(recorded: Mapping[str, str] | None) -> str | None:
    """``convanim X (code Y)`` that wrote a figure, when it is not this one; else None.

    >>> written_by({"version": "0.0.9", "code": "abc"})
    'convanim 0.0.9 (code abc)'
    >>> written_by(None) is None
    True
    """
    if not recorded or recorded.get("code") == code_id():
        return None
    return f"convanim {recorded.get('version', '?')} (code {recorded.get('code', '?')})"
