"""Atomic files and directories, and turning OS errors into one readable :class:`WriteError`."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

# Read once at import: os.umask can only be read by setting it, which would race with
# other threads if done on every commit.
_UMASK = os.umask(0o022)
os.umask(_UMASK)

# Errors that mean the storage itself failed; an OSError of this kind raised while the caller
# writes into an atomic_output() file is about our output, not about the caller's own inputs.
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}


class WriteError(Exception):
    """An output could not be written; the message names the path, what failed and a fix.

    >>> str(WriteError("cannot write a.gif: disk full; free some space"))
    'cannot write a.gif: disk full; free some space'
    """


def _dir_label(path: Path) -> str:
    parent = str(path.parent)
    return parent if parent.endswith(os.sep) else parent + os.sep


def _missing_or_blocking(directory: Path) -> tuple[Path, bool] | None:
    """The first ancestor of ``directory`` that is missing or a file, and whether it is a file."""
    for ancestor in [*reversed(directory.parents), directory]:
        if not ancestor.is_dir():
            return ancestor, ancestor.exists()
    return None


def describe_os_error(shown: str, err: OSError) -> WriteError:
    """Turn ``err``, met while writing the output the user named ``shown``, into a WriteError.

    >>> import errno
    >>> str(describe_os_error("a/b.gif", OSError(errno.ENOSPC, "full")))
    'cannot write a/b.gif: no space left on the device; free some space or choose another -o path'
    """
    label = _dir_label(Path(shown)) if os.path.dirname(shown) else "./"
    code = err.errno
    blocker = _missing_or_blocking(Path(shown).parent)
    if code in (errno.ENOENT, errno.ENOTDIR) and blocker is not None:
        missing, is_file = blocker
        if is_file:
            what = f"{missing} is a file, not a directory"
            fix = "choose another -o path"
        else:
            what = f"directory {_dir_label(missing / 'x')} does not exist"
            fix = f"create it first (mkdir -p {label}) or choose another -o path"
    elif code in (errno.EACCES, errno.EPERM):
        what = f"directory {label} is read-only for this user (permission denied)"
        fix = "choose another -o path or change the directory's permissions"
    elif code == errno.EISDIR:
        what = f"{shown} is a directory"
        fix = "give a file path, or remove that directory first"
    elif code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        what = "no space left on the device" if code == errno.ENOSPC else "disk quota exceeded"
        fix = "free some space or choose another -o path"
    elif code == errno.EROFS:
        what = f"directory {label} is on a read-only file system"
        fix = "choose another -o path"
    elif code == errno.ENAMETOOLONG:
        what = "the file name is too long"
        fix = "choose a shorter -o path"
    else:
        what = err.strerror or str(err)
        fix = "choose another -o path"
    error = WriteError(f"cannot write {shown}: {what}; {fix}")
    error.__cause__ = err
    return error


def describe_unnamed_os_error(err: OSError) -> str | None:
    """The one line for an OSError that names no file: a deleted working folder, or a full
    or closed standard output (``> /dev/full``, a closed pipe); None for anything else.

    A failed standard output is pointed at /dev/null, so the interpreter's last flush at
    exit cannot print a second error.

    >>> describe_unnamed_os_error(OSError(errno.EACCES, "denied")) is None
    True
    """
    try:
        os.getcwd()
    except FileNotFoundError:
        return ("the working folder no longer exists, so relative paths mean nothing; cd to "
                "an existing folder and run again")
    import sys
    import traceback

    # Only an error from printing (click.echo) is about standard output; the same errno
    # from anywhere else (a full disk under a writer, say) is not.
    printing = any(frame.name == "echo" and "click" in frame.filename
                   for frame in traceback.extract_tb(err.__traceback__))
    if printing and err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO,
                                  errno.EPIPE, errno.EBADF):

        with contextlib.suppress(OSError, ValueError, AttributeError):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, sys.stdout.fileno())
            os.close(null)
        reason = os.strerror(err.errno).lower() if err.errno else str(err)
        done = f" ({', '.join(PUBLISHED)} {'was' if len(PUBLISHED) == 1 else 'were'} written)" \
            if PUBLISHED else ""
        return (f"cannot print to standard output: {reason}{done}; send it somewhere with "
                "room (a file or a terminal)")
    return None


# Outputs this process has published (in order), so an interrupt that comes after a commit
# reports what was written instead of claiming nothing was.
PUBLISHED: list[str] = []


def interrupted_message(name: str | None) -> str:
    """The one line for an interrupt, honest about outputs already published.

    >>> PUBLISHED.clear(); interrupted_message("SIGTERM")
    'interrupted by SIGTERM; no file was written or changed'
    """
    by = f" by {name}" if name else ""
    if not PUBLISHED:
        return f"interrupted{by}; no file was written or changed"
    shown = ", ".join(PUBLISHED[:3]) + (f" and {len(PUBLISHED) - 3} more"
                                         if len(PUBLISHED) > 3 else "")
    verb = "is" if len(PUBLISHED) == 1 else "are"
    return f"interrupted{by} after writing {shown}, which {verb} complete"


# Temp paths this process created and has neither committed nor removed. Creating one and
# recording it happen with Ctrl-C held back, so an interrupted process can always sweep them.
_LIVE: set[str] = set()


# The signals that end a run cleanly: each raises Interrupted (a KeyboardInterrupt) once
# handle_ending_signals() is installed, so every cleanup path written for Ctrl-C covers them.
ENDING_SIGNALS = {signal.SIGINT, signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP")
                                                    else [])}


class Interrupted(KeyboardInterrupt):
    """A run ended by a signal; ``exit_code`` is 128 + the signal number, as shells report it.

    >>> Interrupted(15).exit_code, Interrupted(15).name
    (143, 'SIGTERM')
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.exit_code = 128 + signum
        self.name = signal.Signals(signum).name


def _importing(frame: Any) -> bool:
    """True while ``frame`` runs inside an import (a module's top level being executed)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


# A signal that arrived during an import, raised as soon as the import is over.
_PENDING: list[int] = []
RETRY_SECONDS = 0.02


def _raise_interrupted(signum: int, frame: Any) -> None:
    if _importing(frame):
        # An exception inside an import can leave an extension module half-initialised
        # ("ImportError: initialization failed", or a fatal error at exit): finish it first.
        if not _PENDING:
            _PENDING.append(signum)
            signal.signal(signal.SIGALRM, _raise_pending)
            signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
        return
    raise Interrupted(signum)


def _raise_pending(_: int, frame: Any) -> None:
    if _importing(frame):
        signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
        return
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    raise Interrupted(_PENDING.pop())


def handle_ending_signals() -> None:
    """Make SIGINT, SIGTERM and SIGHUP end this process cleanly: temp files go, nothing is
    replaced; one that arrives during an import waits until the import is over.

    Only from the main thread (Python delivers signals there).

    >>> handle_ending_signals(); signal.getsignal(signal.SIGTERM).__name__
    '_raise_interrupted'
    >>> for s in ENDING_SIGNALS: _ = signal.signal(s, signal.default_int_handler
    ...                                            if s == signal.SIGINT else signal.SIG_DFL)
    """
    for signum in ENDING_SIGNALS:
        signal.signal(signum, _raise_interrupted)


def exit_code_for(err: BaseException) -> int:
    """The exit status for an interrupt: 128 + its signal, 130 for a plain Ctrl-C.

    >>> exit_code_for(KeyboardInterrupt()), exit_code_for(Interrupted(1))
    (130, 129)
    """
    return err.exit_code if isinstance(err, Interrupted) else 128 + signal.SIGINT


@contextlib.contextmanager
def _hold_interrupts() -> Iterator[None]:
    """Delay ending signals across a few steps that must not be split by an interrupt."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, ENDING_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def remove_leftovers() -> None:
    """Remove every temp file or folder this process still holds (after an interrupt).

    >>> remove_leftovers()
    """
    for path in list(_LIVE):
        _remove(path)


# Temp names carry the writing process's id, so a later run can tell a dead run's leftovers
# (swept) from a live run's work in progress (kept): ``.NAME.convanim-PID-RANDOM.tmp``.
_TAG = "convanim-"
_TEMP_NAME = re.compile(r"\..+\.convanim-(\d+)-[A-Za-z0-9_]+\.tmp")
# What a leftover folder of ours may hold: frames, their timing and the manifest.
OWN_FILES = re.compile(r"frame_\d{4,}\.png|durations\.json|\.convanim-frames\.json")
STALE_SECONDS = 10.0  # younger leftovers may belong to a process that is just starting
ABANDONED_SECONDS = 24 * 3600.0  # older than any render the budget allows, whoever made it


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True


def sweep_stale(directory: str | os.PathLike[str], ours: re.Pattern[str] = OWN_FILES) -> int:
    """Remove temp files and folders that a killed convanim run left in ``directory``.

    Only entries named like our temp files count, and only when the process that made them is
    gone (and they are older than a few seconds) or they are older than a day. A leftover
    folder loses only files named like ours (``ours``, e.g. frame files) and then goes if
    it is empty. Returns how many entries were removed.

    >>> import tempfile
    >>> sweep_stale(tempfile.mkdtemp())
    0
    """
    removed = 0
    now = time.time()
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    for name in names:
        match = _TEMP_NAME.fullmatch(name)
        if match is None:
            continue
        path = os.path.join(directory, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        age = now - info.st_mtime
        if not (age > ABANDONED_SECONDS or (age > STALE_SECONDS
                                             and not _alive(int(match.group(1))))):
            continue
        with contextlib.suppress(OSError):
            if stat.S_ISDIR(info.st_mode):
                for inner in os.listdir(path):
                    if ours.fullmatch(inner):
                        os.unlink(os.path.join(path, inner))
                os.rmdir(path)
            else:
                os.unlink(path)
            removed += 1
    return removed


def _reserve(shown: str, target: Path, make: Callable[..., Any]) -> Any:
    """Create a temp file or folder beside ``target`` with ``make`` and record it in one step.

    ``make`` is :func:`tempfile.mkstemp` (returns ``(fd, name)``) or :func:`tempfile.mkdtemp`.

    >>> import tempfile, os
    >>> name = _reserve("x", Path(tempfile.mkdtemp()) / "x", tempfile.mkdtemp)
    >>> name in _LIVE and os.path.basename(name).startswith(".x.")
    True
    """
    sweep_stale(target.parent)
    with _hold_interrupts():
        try:
            # A long name (up to the file system's 255 bytes) must still leave room for ours.
            name = target.name if len(os.fsencode(target.name)) <= 120 else target.name[:30]
            made = make(dir=target.parent, prefix=f".{name}.{_TAG}{os.getpid()}-",
                        suffix=".tmp")
        except OSError as err:
            raise describe_os_error(shown, err) from err
        name = made[1] if isinstance(made, tuple) else made
        _LIVE.add(name)
        if str(target.parent).startswith(_PROC_FD):
            # Inside a held folder (confined()): its handle may be closed before an
            # interrupt's cleanup runs, so the temp is also known by the folder's real path
            # (resolved now; the random name is ours alone).
            with contextlib.suppress(OSError):
                _LIVE.add(os.path.join(os.path.realpath(target.parent), os.path.basename(name)))
    return made


# The output folder a batch writes into, held open while its jobs run (see confined()).
_CONFINE = threading.local()
_PROC_FD = "/proc/self/fd"


@contextlib.contextmanager
def confined(root: str | os.PathLike[str] | None) -> Iterator[None]:
    """Inside the block, outputs under ``root`` are made through one open handle on it.

    Every folder between ``root`` and an output is opened (or created) relative to its parent
    without following symlinks, and the temp file, the final rename and any later step use
    that open folder (``/proc/self/fd/N``), never the path again. So a folder swapped for a
    symlink after the batch checked its paths can never send a file outside ``root``: a
    symlinked folder is refused. ``None``, or a system without ``/proc``, checks nothing.

    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> os.symlink(tempfile.mkdtemp(), os.path.join(root, "link"))
    >>> try:
    ...     with confined(root):
    ...         TempFile(os.path.join(root, "link", "a.gif"))
    ... except WriteError as err:
    ...     print(str(err).split(": ", 1)[1][:40])
    link is a symlink or not a folder, and o
    """
    if root is None or not os.path.isdir(_PROC_FD):
        yield
        return
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    previous = getattr(_CONFINE, "root", None)
    _CONFINE.root = (os.path.abspath(root), fd)
    try:
        yield
    finally:
        _CONFINE.root = previous
        os.close(fd)


def _held_parent(shown: str, target: Path) -> tuple[Path, int] | None:
    """``target`` as ``/proc/self/fd/N/name`` under the confining root, with N its folder."""
    root = getattr(_CONFINE, "root", None)
    if root is None:
        return None
    base, root_fd = root
    rel = os.path.relpath(target.parent, base)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None  # not under the root (--allow-outside): nothing to hold
    flags = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0)
    fd = os.dup(root_fd)
    try:
        for part in [] if rel == os.curdir else rel.split(os.sep):
            try:
                try:
                    inner = os.open(part, flags, dir_fd=fd)
                except FileNotFoundError:
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(part, 0o777, dir_fd=fd)
                    inner = os.open(part, flags, dir_fd=fd)
            except OSError as err:
                if err.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise WriteError(
                        f"cannot write {shown}: {part} is a symlink or not a folder, and "
                        "outputs are written only through real folders inside the output "
                        "folder; remove it or choose another output path") from None
                raise describe_os_error(shown, err) from err
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return Path(_PROC_FD) / str(fd) / target.name, fd


def _remove(path: str) -> None:
    # Used from finalizers and cleanup paths, so it must never raise.
    _LIVE.discard(path)
    with contextlib.suppress(OSError):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)


def _fsync_dir(path: Path) -> None:
    # Makes the rename durable; some file systems refuse to open directories, which is harmless.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _final_mode(target: Path, base: int) -> int:
    # mkstemp/mkdtemp create private (0600/0700) entries; the result should look like any file
    # the user creates, or keep the mode of the file it replaces.
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return base & ~_UMASK


class TempFile:
    """A temp file beside ``target`` that becomes ``target`` on :meth:`commit`.

    >>> import tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "a.bin")
    >>> temp = TempFile(out)
    >>> _ = temp.file.write(b"data")
    >>> temp.commit()
    >>> open(out, "rb").read()
    b'data'
    """

    def __init__(self, target: str | os.PathLike[str], mode: str = "w+b") -> None:
        self.shown = os.fspath(target)
        self.target = Path(os.path.abspath(self.shown))
        self.dir_fd: int | None = None  # the held folder, for a child process (pass_fds)
        held = _held_parent(self.shown, self.target)
        if held is not None:
            self.target, self.dir_fd = held
            weakref.finalize(self, os.close, self.dir_fd)
        if self.target.is_dir():
            raise describe_os_error(self.shown, IsADirectoryError(errno.EISDIR, ""))
        fd, name = _reserve(self.shown, self.target, tempfile.mkstemp)
        self.path = Path(name)
        self._cleanup = weakref.finalize(self, _remove, name)
        text = "b" not in mode
        self.file: IO[Any] = os.fdopen(fd, mode, encoding="utf-8" if text else None)

    def commit(self) -> None:
        """Flush to disk and atomically move the temp file onto the target.

        Inside :func:`commit_together` the move waits for the group's end.
        """
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            os.chmod(self.path, _final_mode(self.target, 0o666))
        except OSError as err:
            self.discard()
            raise describe_os_error(self.shown, err) from err
        if _defer(self):
            return
        self._publish()

    def _publish(self) -> None:
        try:
            with _hold_interrupts():
                os.replace(self.path, self.target)
                _LIVE.discard(str(self.path))
                self._cleanup.detach()
                PUBLISHED.append(self.shown)
        except OSError as err:
            self.discard()
            raise describe_os_error(self.shown, err) from err
        _fsync_dir(self.target.parent)

    def discard(self) -> None:
        """Close and delete the temp file; the target is left as it was."""
        with contextlib.suppress(OSError):
            self.file.close()
        self._cleanup()


class TempDir:
    """A temp directory beside ``target`` that replaces ``target`` on :meth:`commit`.

    >>> import tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "dir")
    >>> temp = TempDir(out)
    >>> _ = (temp.path / "x.txt").write_text("x")
    >>> temp.commit()
    >>> os.listdir(out)
    ['x.txt']
    """

    def __init__(self, target: str | os.PathLike[str]) -> None:
        self.shown = os.fspath(target)
        self.target = Path(os.path.abspath(self.shown))
        held = _held_parent(self.shown, self.target)
        if held is not None:
            self.target, fd = held
            weakref.finalize(self, os.close, fd)
        if self.target.is_symlink():
            # rename(2) cannot put a folder where a symlink is ("Not a directory"), and
            # writing into the link's target would change a folder we were not given.
            raise WriteError(
                f"cannot write {self.shown}: it is a symlink (to {os.readlink(self.target)}), "
                "and a folder of frames replaces its path as a whole; give the real folder's "
                "path, or remove the link")
        if self.target.exists() and not self.target.is_dir():
            raise WriteError(
                f"cannot write {self.shown}: a file with that name exists and a directory is "
                "needed; remove it or choose another -o path"
            )
        name = _reserve(self.shown, self.target, tempfile.mkdtemp)
        self.path = Path(name)
        self._cleanup = weakref.finalize(self, _remove, name)
        self._owned: Callable[[Path], tuple[list[str], str | None]] | None = None

    def commit(self, owned: Callable[[Path], tuple[list[str], str | None]] | None = None) -> None:
        """Swap the temp directory in; an older directory is replaced only if ``owned`` allows.

        Without ``owned`` the old directory is replaced as a whole. With it, the old directory
        is first renamed aside (one atomic step, so nothing can arrive in it unseen by the
        check), then ``owned(aside)`` returns ``(our_names, problem)``: on a problem the old
        directory goes back untouched and WriteError says why; otherwise only ``our_names`` are
        deleted from it, and anything that still arrived through an open handle is moved into
        the new directory rather than lost.
        """
        try:
            os.chmod(self.path, _final_mode(self.target, 0o777))
            _fsync_dir(self.path)
        except OSError as err:
            self.discard()
            raise describe_os_error(self.shown, err) from err
        self._owned = owned
        if _defer(self):
            return
        self._publish()

    def _publish(self) -> None:
        aside: str | None = None
        ours: list[str] | None = None
        owned = self._owned
        try:
            with _hold_interrupts():
                try:
                    # rename(2) replaces a missing or *empty* directory and fails on any other:
                    # the emptiness check and the swap are one atomic step.
                    os.rename(self.path, self.target)
                except OSError as err:
                    if err.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                        raise
                    aside = _reserve(self.shown, self.target, tempfile.mkdtemp)
                    try:
                        os.rename(self.target, aside)
                    except FileNotFoundError:
                        # Another process moved the old folder away this instant: the slot
                        # is free now, or someone else's again (then this fails as it should).
                        _unreserve(aside)
                        aside = None
                        os.rename(self.path, self.target)
                    if aside is not None and owned is not None:
                        ours, problem = owned(Path(aside))
                        if problem is not None:
                            self._restore(aside)
                            aside = None
                            raise WriteError(f"cannot write {self.shown}: {problem}") from None
                    if aside is not None:
                        try:
                            os.rename(self.path, self.target)
                        except OSError:
                            self._restore(aside)
                            aside = None
                            raise
                _LIVE.discard(str(self.path))
                self._cleanup.detach()
                PUBLISHED.append(self.shown)
        except OSError as err:
            if aside is not None:
                _unreserve(aside)
            self.discard()
            raise describe_os_error(self.shown, err) from err
        except BaseException:
            if aside is not None:
                _unreserve(aside)
            self.discard()
            raise
        _fsync_dir(self.target.parent)
        if aside is not None:
            if ours is None:
                _remove(aside)
            else:
                _empty_aside(Path(aside), ours, self.target)

    def _restore(self, aside: str) -> None:
        # Put the old directory back where it was; if something took its place meanwhile,
        # leave it beside the target, under a name that says what it is, rather than lose it.
        try:
            os.rename(aside, self.target)
        except OSError:
            for n in range(100):
                kept = Path(f"{self.target}.kept-{os.getpid()}-{n}")
                if kept.exists():
                    continue
                with contextlib.suppress(OSError):
                    os.rename(aside, kept)
                    break
        _LIVE.discard(aside)

    def discard(self) -> None:
        """Delete the temp directory and everything in it."""
        self._cleanup()


def _unreserve(path: str) -> None:
    # An aside slot made but not filled: remove it only while it is empty.
    with contextlib.suppress(OSError):
        os.rmdir(path)
    _LIVE.discard(path)


def _empty_aside(aside: Path, ours: list[str], target: Path) -> None:
    """Delete our files from a replaced directory; move anything else into ``target``."""
    for name in ours:
        with contextlib.suppress(OSError):
            os.unlink(aside / name)
    with contextlib.suppress(OSError):
        for name in os.listdir(aside):
            # A file another program created through a handle it kept on the old directory.
            if not (target / name).exists():
                with contextlib.suppress(OSError):
                    os.rename(aside / name, target / name)
    with contextlib.suppress(OSError):
        os.rmdir(aside)
    _LIVE.discard(str(aside))


# The commit group in force (see commit_together), per thread.
_GROUPS = threading.local()


def _defer(temp: TempFile | TempDir) -> bool:
    group: list[TempFile | TempDir] | None = getattr(_GROUPS, "pending", None)
    if group is None:
        return False
    group.append(temp)
    return True


@contextlib.contextmanager
def commit_together() -> Iterator[None]:
    """Publish every output committed inside the block together at its end, or none of them.

    Used when one render writes several files (an animation and its storyboard): an error or
    an interrupt anywhere in the block leaves every target as it was. Files are published
    first, each older file kept as a hard link until the end; a folder of frames goes last,
    so if it is refused the files are put back.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> with commit_together():
    ...     with atomic_output(os.path.join(d, "a.txt"), "w") as f:
    ...         _ = f.write("a")
    ...     os.path.exists(os.path.join(d, "a.txt"))
    False
    >>> os.listdir(d)
    ['a.txt']
    """
    outer = getattr(_GROUPS, "pending", None)
    pending: list[TempFile | TempDir] = []
    _GROUPS.pending = pending
    try:
        yield
    except BaseException:
        for temp in pending:
            temp.discard()
        raise
    finally:
        _GROUPS.pending = outer
    if outer is not None:  # nested: the outer group publishes
        outer.extend(pending)
        return
    _publish_all(pending)


def _publish_all(pending: list[TempFile | TempDir]) -> None:
    files = [t for t in pending if isinstance(t, TempFile)]
    folders = [t for t in pending if isinstance(t, TempDir)]
    undo: list[tuple[Path, str | None]] = []  # (target, hard link to the older file or None)
    try:
        with _hold_interrupts():
            for temp in files:
                backup = None
                if temp.target.is_file():
                    backup = str(temp.path)[:-4] + "_old.tmp"
                    try:
                        os.link(temp.target, backup)
                        _LIVE.add(backup)
                    except OSError:
                        backup = None
                temp._publish()
                undo.append((temp.target, backup))
            for temp in folders:
                temp._publish()
    except BaseException:
        for target, backup in reversed(undo):
            with contextlib.suppress(OSError):
                if backup is not None:
                    os.replace(backup, target)
                    _LIVE.discard(backup)
                else:
                    os.unlink(target)
        for temp in pending:
            temp.discard()
        raise
    for _, backup in undo:
        if backup is not None:
            _remove(backup)


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """Yield a file object on a temp file beside ``path``; it replaces ``path`` only on success.

    On any exception (including KeyboardInterrupt) the temp file is removed and an older file
    at ``path`` is untouched. OSErrors from the file system become :class:`WriteError`.

    >>> import tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "index.html")
    >>> with atomic_output(out, "w") as f:
    ...     _ = f.write("<p>hi</p>")
    >>> open(out).read()
    '<p>hi</p>'
    """
    if not mode.startswith("w"):
        raise ValueError(f"atomic_output writes a new file; mode must start with 'w', got {mode!r}")
    temp = TempFile(path, mode)
    try:
        yield temp.file
    except OSError as err:
        temp.discard()
        if err.errno in _STORAGE_ERRNOS:
            raise describe_os_error(temp.shown, err) from err
        raise
    except BaseException:
        temp.discard()
        raise
    temp.commit()


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temp directory beside ``path``; on success it replaces ``path`` as a whole.

    The old directory (if any) is renamed aside, the new one renamed in, then the old one is
    deleted, so readers see either the old or the new complete directory. On failure the temp
    directory is removed and ``path`` is untouched. An existing *file* at ``path`` is refused.

    >>> import tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "site")
    >>> with atomic_directory(out) as d:
    ...     _ = (d / "index.html").write_text("hi")
    >>> sorted(os.listdir(out))
    ['index.html']
    """
    temp = TempDir(path)
    try:
        yield temp.path
    except BaseException:
        temp.discard()
        raise
    temp.commit()
