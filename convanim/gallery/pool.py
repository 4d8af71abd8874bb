"""Run jobs on a process pool, with progress as they finish and a summary table at the end.

Workers are forked where the platform allows (they start in milliseconds with everything
already imported), spawned elsewhere. The longest jobs go first so that two workers finish
together rather than one waiting on a big animation picked last. With one worker, or one job,
everything runs in this process.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

import click

from convanim.gallery.jobs import Job
from convanim.gallery.work import FAILED, Result, init_worker, run
from convanim.geometry import largest_grid

# Beyond this many rows the summary shows only what needs attention (a 200-job CI log does
# not need 200 "written" lines twice).
FULL_TABLE_ROWS = 40


def cpu_count() -> int:
    """Cores this process may use (respects affinity masks and container limits where visible).

    >>> cpu_count() >= 1
    True
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _cost(job: Job) -> int:
    # Drawing and encoding time grows with frames times cells drawn; a rough order is enough.
    return job.frames * largest_grid(job.spec) ** 2


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _warm() -> None:
    # Import the drawing stack before forking, so no worker pays for it again.
    pass


class Progress:
    """One updating counter on a terminal, one plain line per finished job otherwise (CI logs).

    >>> p = Progress(2, "rendering", tty=False)
    >>> p.close()
    """

    def __init__(self, total: int, label: str, tty: bool | None = None) -> None:
        self.total, self.done = total, 0
        self.tty = sys.stdout.isatty() if tty is None else tty
        self.bar = click.progressbar(length=total, label=label, show_pos=True,
                                     item_show_func=lambda name: name) if self.tty else None
        if self.bar is not None:
            self.bar.__enter__()

    def update(self, result: Result) -> None:
        """Count one finished job: a line naming it, its status and time, off a terminal.

        >>> from pathlib import Path
        >>> progress = Progress(2, "rendering", tty=False)
        >>> progress.update(Result("conv", "written", Path("out/conv.gif"), seconds=0.5))
        [1/2] written    conv  0.50 s  out/conv.gif
        >>> progress.update(Result("pool", FAILED, None, "pool.yaml:3: stride: must be >= 1"))
        [2/2] failed     pool  0.00 s  pool.yaml:3: stride: must be >= 1
        """
        self.done += 1
        if self.bar is not None:
            self.bar.update(1, result.name)
            return
        width = len(str(self.total))
        where = result.message if result.message else (result.output or "")
        click.echo(f"[{self.done:>{width}}/{self.total}] {result.status:<10} {result.name}  "
                   f"{result.seconds:.2f} s  {where}")

    def close(self) -> None:
        """Finish the bar (a newline on a terminal, nothing otherwise).

        >>> progress = Progress(1, "rendering", tty=False)
        >>> progress.close(); progress.bar is None
        True
        """
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _stop(executor: ProcessPoolExecutor) -> None:
    """Cancel what has not started and make running workers abort their job cleanly."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    # A Ctrl-C on a terminal reaches the workers too; a SIGINT sent to this process alone
    # does not, so pass it on (a worker ignores a second one while it cleans up).
    for process in processes:
        if process.is_alive() and process.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(process.pid, signal.SIGINT)
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()
    # Join the executor's manager thread now: left running into interpreter exit, it races
    # concurrent.futures' atexit hook, which then prints a traceback about a closed pipe.
    with contextlib.suppress(Exception):
        executor.shutdown(wait=True)


def run_jobs(jobs: Sequence[Job], workers: int, checking: bool,
             on_result: Callable[[Result], None]) -> list[Result]:
    """Run (or check) every job; results come back in the order of ``jobs``.

    ``on_result`` is called in this process as each job finishes.

    >>> run_jobs([], workers=2, checking=False, on_result=print)
    []
    """
    order = sorted(range(len(jobs)), key=lambda i: -_cost(jobs[i]))
    results: dict[int, Result] = {}
    if workers <= 1 or len(jobs) <= 1:
        for index in order:
            results[index] = run(jobs[index], checking)
            on_result(results[index])
        return [results[i] for i in range(len(jobs))]
    _warm()
    executor = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=_context(),
                                   initializer=init_worker, initargs=(os.getpid(),))
    try:
        pending: dict[Future[Result], int] = {
            executor.submit(run, jobs[i], checking): i for i in order}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                index = pending.pop(future)
                try:
                    results[index] = future.result()
                except Exception as err:  # a worker that died (out of memory, killed)
                    job = jobs[index]
                    results[index] = Result(job.name, FAILED, job.output,
                                            f"the worker stopped: {type(err).__name__}: {err}")
                on_result(results[index])
    except BaseException:
        _stop(executor)
        raise
    executor.shutdown(wait=True)
    return [results[i] for i in range(len(jobs))]


def _kb(size: int) -> str:
    return f"{size / 1024:.1f} KB" if size else ""


def summary(results: Sequence[Result], seconds: float, workers: int) -> list[str]:
    """The table printed at the end: status, frames, size, time and file (or the error).

    >>> summary([Result("a", "written", None, frames=3, size=2048, seconds=0.5)], 1.0, 1)[-1]
    '1 written in 1.0 s with 1 worker'
    """
    rows = list(results)
    if len(rows) > FULL_TABLE_ROWS:
        rows = [r for r in rows if not r.ok]
    lines = []
    if rows:
        width = max(len("animation"), *(len(r.name) for r in rows))
        lines.append(f"{'animation':<{width}}  {'status':<10} {'frames':>6} {'size':>9} "
                     f"{'time':>7}  file")
        for r in rows:
            tail = r.message if r.message else (r.output or "")
            if not r.message and r.also is not None:
                tail = f"{tail}  (storyboard {r.also})"
            time_text = f"{r.seconds:.2f} s" if r.seconds else ""
            frames = str(r.frames) if r.frames else ""
            lines.append(f"{r.name:<{width}}  {r.status:<10} {frames:>6} {_kb(r.size):>9} "
                         f"{time_text:>7}  {tail}")
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    shown = ", ".join(f"{n} {status}" for status, n in counts.items()) or "nothing to do"
    if len(rows) < len(results):
        lines.append(f"({len(results) - len(rows)} without problems not listed)")
    lines.append(f"{shown} in {seconds:.1f} s with {workers} worker{'s' if workers > 1 else ''}")
    return lines


def now() -> float:
    """Wall-clock seconds for the summary (monotonic).

    >>> now() > 0
    True
    """
    return time.perf_counter()
