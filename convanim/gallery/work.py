"""Render or check one job; this is what runs inside the worker processes.

Workers get a :class:`~convanim.gallery.jobs.Job` (plain data) and give back a
:class:`Result`; every error becomes a result with a one-line message, so one bad job never
stops the others. Ctrl-C interrupts the job in progress; the writers are atomic, so it leaves
no partial file behind, and the worker then ends instead of starting another job.
"""

from __future__ import annotations

import gc
import os
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convanim.config import locate
from convanim.gallery.jobs import Job
from convanim.writers import remove_leftovers

WRITTEN, FRESH, STALE, MISSING, FAILED = "written", "up to date", "stale", "missing", "failed"
OK = (WRITTEN, FRESH)


@dataclass(frozen=True)
class Result:
    """What became of one job: ``status`` is one of written, up to date, stale, missing, failed.

    >>> Result("a", FAILED, None, "a.yaml:3: stride: ...").ok
    False
    """

    name: str
    status: str
    output: Path | None
    message: str = ""
    frames: int = 0
    size: int = 0
    seconds: float = 0.0
    also: Path | None = None  # a storyboard written with the animation

    @property
    def ok(self) -> bool:
        """True when the file on disk is what the config draws.

        >>> [Result("a", status, None).ok for status in (WRITTEN, FRESH, STALE, MISSING)]
        [True, True, False, False]
        """
        return self.status in OK


def file_size(path: Path) -> int:
    """Bytes of a file, or of every file in a folder of frames.

    >>> file_size(Path("no/such/file"))
    0
    """
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir() if p.is_file())
    return path.stat().st_size if path.exists() else 0


def _message(job: Job, err: Exception) -> str:
    from convanim.geometry import SpecError
    from convanim.writers import WriteError

    if isinstance(err, SpecError):
        key = err.param or "input_size"
        return f"{locate(job.entry, key)}: {key}: {err}"
    if isinstance(err, WriteError):
        return str(err)
    return f"{locate(job.entry, '')}: {type(err).__name__}: {err}"


def _target(path: Path) -> str:
    # A path without a suffix means a folder of PNG frames; the trailing slash says so to the
    # writers even before the folder exists.
    text = os.fspath(path)
    return text + os.sep if not path.suffix else text


def _compare(job: Job, target: str, player: Any = None) -> None:
    """Draw a comparison job's panels side by side into ``target``."""
    from convanim.draw.compare import write_compare
    from convanim.draw.options import RenderOptions

    write_compare([(p.spec, p.x, p.w, p.seed, RenderOptions.from_mapping(p.options))
                   for p in job.panels], target, player)


def write(job: Job) -> Result:
    """Render ``job`` to its output file (atomically) and say how it went.

    >>> import tempfile
    >>> from convanim.gallery import find_configs, make_jobs
    >>> out = Path(tempfile.mkdtemp())
    >>> job = make_jobs(find_configs(["configs/seeds/checkerboard.yaml"]), out, {}).jobs[0]
    >>> write(job).status
    'written'
    """
    from convanim.draw import render
    from convanim.writers import confined

    start = time.perf_counter()
    try:
        with confined(job.root):
            _write(job, render)
    except Exception as err:
        return Result(job.name, FAILED, job.output, _message(job, err),
                      seconds=time.perf_counter() - start)
    return Result(job.name, WRITTEN, job.output, frames=job.frames,
                  size=file_size(job.output), seconds=time.perf_counter() - start,
                  also=job.storyboard)


def _write(job: Job, render: Any) -> None:
    if job.root is None:  # confined() makes the folders itself, without following links
        job.output.parent.mkdir(parents=True, exist_ok=True)
        if job.storyboard is not None:
            job.storyboard.parent.mkdir(parents=True, exist_ok=True)
    if job.photo is not None:
        _photo(job, _target(job.output), job.player)
    elif job.panels:
        _compare(job, _target(job.output), job.player)
    elif job.chain is not None:
        _render_chain(job, _target(job.output), job.player)
    else:
        render(job.spec, _target(job.output), x=job.x, w=job.w, seed=job.seed,
               storyboard=None if job.storyboard is None else os.fspath(job.storyboard),
               player=job.player, **job.options)


def _photo(job: Job, target: Any, player: Any = None) -> None:
    """A photo figure or photo comparison, and its player beside it."""
    from convanim.photo import render_photo

    loop = job.options.get("loop")
    for path in (target, player):
        if path is not None:
            render_photo(job.photo, path, loop=True if loop is None else bool(loop))


def _render_chain(job: Job, target: Any, player: Any = None) -> None:
    """A chain's animation (``layers:``), with the chain's view and the job's options."""
    from convanim.draw.chain import render_chain
    from convanim.draw.options import RenderOptions

    options = RenderOptions.from_mapping(dict(job.options))
    render_chain(job.chain, target, options, player, view=job.chain_view, seed=job.seed,
                 x=job.x)


def same_bytes(disk: Path, fresh: Path) -> bool:
    """Whether two files (or two folders of frames) hold the same bytes.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a").write_bytes(b"x"), (d / "b").write_bytes(b"x")
    >>> same_bytes(d / "a", d / "b"), same_bytes(d / "a", d / "c")
    (True, False)
    """
    import filecmp

    if disk.is_dir() and fresh.is_dir():
        names = sorted(p.name for p in disk.iterdir())
        if names != sorted(p.name for p in fresh.iterdir()):
            return False
        return all(filecmp.cmp(disk / n, fresh / n, shallow=False) for n in names)
    if not (disk.is_file() and fresh.is_file()):
        return False
    return disk.stat().st_size == fresh.stat().st_size and filecmp.cmp(disk, fresh,
                                                                       shallow=False)


def check(job: Job) -> Result:
    """Draw ``job`` again and compare it with its file on disk; writes nothing in the project.

    The fresh animation goes through the writer into a scratch folder (removed at once), so
    it is compared as decoded by the same reader, quantised exactly as the file on disk was.

    >>> import tempfile
    >>> from convanim.gallery import find_configs, make_jobs
    >>> job = make_jobs(find_configs(["configs/seeds/checkerboard.yaml"]),
    ...                 Path(tempfile.mkdtemp()), {}).jobs[0]
    >>> check(job).status, write(job).status, check(job).status
    ('missing', 'written', 'up to date')
    """
    from convanim.gallery.compare import difference

    start = time.perf_counter()
    missing = [path for path in (job.output, job.storyboard, job.player)
               if path is not None and not path.exists()]
    if missing:
        return Result(job.name, MISSING, job.output, f"{missing[0]} does not exist",
                      frames=job.frames)
    try:
        from convanim.draw import render

        with tempfile.TemporaryDirectory(prefix="convanim-check-") as scratch:
            fresh = Path(scratch) / ("fresh" + job.output.suffix)
            player = None if job.player is None else Path(scratch) / "player.html"
            if job.photo is not None:
                _photo(job, _target(fresh), player)
            elif job.panels:
                _compare(job, _target(fresh), player)
            elif job.chain is not None:
                _render_chain(job, _target(fresh), player)
            else:
                render(job.spec, _target(fresh), x=job.x, w=job.w, seed=job.seed,
                       player=player, **job.options)
            try:
                # Bytes first: rendering is deterministic, so an up-to-date file is the same
                # bytes and nothing needs decoding; only files that differ are decoded.
                found = None if same_bytes(job.output, fresh) else difference(job.output, fresh)
                if (found is None and job.player is not None and player is not None
                        and not same_bytes(job.player, player)):
                    from convanim.writers.html import player_shell

                    found = difference(job.player, player)
                    if found is None and player_shell(job.player) != player_shell(player):
                        found = "the page around the frames differs from what is written now"
                    found = None if found is None else f"{job.player.name}: {found}"
            except (OSError, ValueError, SyntaxError, RuntimeError) as err:
                # What Pillow and ffmpeg raise on a truncated or foreign file.
                found = f"cannot be read ({type(err).__name__}: {err})"
    except Exception as err:
        return Result(job.name, FAILED, job.output, _message(job, err),
                      seconds=time.perf_counter() - start)
    status = FRESH if found is None else STALE
    return Result(job.name, status, job.output, found or "", frames=job.frames,
                  size=file_size(job.output), seconds=time.perf_counter() - start)


# Worker-process state for Ctrl-C: a job in progress is interrupted (its writer then removes
# its temp file), a later signal during that cleanup is ignored, and an idle worker just ends.
# SIGTERM and SIGHUP are handled the same way, and so is the death of the parent.
_state: dict[str, Any] = {"worker": False, "busy": False, "interrupted": False, "code": 130}
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _on_interrupt(signum: int, frame: object) -> None:
    if _state["interrupted"]:
        return
    _state["code"] = 128 + signum
    if _state["busy"]:
        _state["interrupted"] = True
        raise KeyboardInterrupt
    os._exit(_state["code"])


def _die_with(parent: int) -> None:
    """Get SIGTERM when ``parent`` dies, so no worker outlives a killed batch."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0:
            if os.getppid() != parent:  # it died before the request took effect
                os.kill(os.getpid(), signal.SIGTERM)
            return
    except (OSError, AttributeError):
        pass
    # No prctl (macOS, BSD): look every half second.
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True, name="convanim-parent-watch").start()


def init_worker(parent: int | None = None) -> None:
    """Set up a pool worker's signal handling (the pool's ``initializer``).

    SIGINT, SIGTERM and SIGHUP interrupt the job in progress cleanly; with ``parent`` (the
    batch's pid) the worker also ends when that process dies, however it died.

    >>> import multiprocessing
    >>> with multiprocessing.get_context("spawn").Pool(1, initializer=init_worker) as pool:
    ...     pool.apply(signal.getsignal, (signal.SIGTERM,)).__name__
    '_on_interrupt'
    """
    from convanim.writers import ENDING_SIGNALS

    _state["worker"] = True
    for signum in ENDING_SIGNALS:
        signal.signal(signum, _on_interrupt)
    if parent is not None:
        _die_with(parent)


def run(job: Job, checking: bool) -> Result:
    """Check or write one job: the function the pool calls.

    >>> import tempfile
    >>> from convanim.gallery import find_configs, make_jobs
    >>> job = make_jobs(find_configs(["configs/seeds/checkerboard.yaml"]),
    ...                 Path(tempfile.mkdtemp()), {}).jobs[0]
    >>> run(job, checking=False).ok, run(job, checking=True).ok
    (True, True)
    """
    _state["busy"] = True
    try:
        try:
            return check(job) if checking else write(job)
        finally:
            _state["busy"] = False
    except KeyboardInterrupt:
        if not _state["worker"]:
            raise
    # Out of the except block the traceback is gone, and with it the last reference to a
    # writer interrupted while still being built: its temp file's finalizer has run now.
    gc.collect()
    remove_leftovers()  # and whatever an interrupt at an unlucky instant left unowned
    # Ending the worker keeps it from starting a job already queued for it.
    os._exit(_state["code"])
