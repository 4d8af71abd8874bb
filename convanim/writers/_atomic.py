"""Outputs that appear whole or not at all: a temp file or folder renamed onto the target.

:class:`TempFile` and :class:`TempDir` are what every writer streams into; :func:`atomic_output`
and :func:`atomic_directory` wrap them for a single ``with`` block, and
:func:`commit_together` publishes several outputs of one render as a group. They share one
module because a group commit undoes files and folders together, in an order that depends on
both (files first, each older file kept as a hard link, then folders), and a folder replaces an
older one only through the same rename steps a file uses. Making the temp entries and sweeping
them is :mod:`convanim.writers._temps`; the held output folder is :mod:`convanim.writers._held`.

>>> import tempfile
>>> out = os.path.join(tempfile.mkdtemp(), "a.txt")
>>> with atomic_output(out, "w") as f:
...     _ = f.write("whole")
>>> open(out).read()
'whole'
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from convanim.writers._errors import STORAGE_ERRNOS, WriteError, describe_os_error
from convanim.writers._held import held_parent
from convanim.writers._signals import PUBLISHED, hold_interrupts
from convanim.writers._temps import LIVE, remove, reserve_file, reserve_folder, unreserve

# Read once at import: os.umask can only be read by setting it, which would race with
# other threads if done on every commit.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def _fsync_dir(path: Path) -> None:
    # Makes the rename durable; some file systems refuse to open directories, which is harmless.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _final_mode(target: Path, base: int) -> int:
    # Temp entries are private (0600/0700); the result should look like any file
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
        held = held_parent(self.shown, self.target)
        if held is not None:
            self.target, self.dir_fd = held
            weakref.finalize(self, os.close, self.dir_fd)
        if self.target.is_dir():
            raise describe_os_error(self.shown, IsADirectoryError(errno.EISDIR, ""))
        fd, name = reserve_file(self.shown, self.target)
        self.path = Path(name)
        self._cleanup = weakref.finalize(self, remove, name)
        text = "b" not in mode
        self.file: IO[Any] = os.fdopen(fd, mode, encoding="utf-8" if text else None)

    def commit(self) -> None:
        """Flush to disk and atomically move the temp file onto the target.

        Inside :func:`commit_together` the move waits for the group's end. The file gets the
        mode a new file of the user's would have, or that of the file it replaces.

        >>> import tempfile
        >>> out = os.path.join(tempfile.mkdtemp(), "a.txt")
        >>> with open(out, "w") as f:
        ...     _ = f.write("old")
        >>> os.chmod(out, 0o640)
        >>> temp = TempFile(out, "w")
        >>> _ = temp.file.write("new")
        >>> temp.commit()
        >>> open(out).read(), oct(os.stat(out).st_mode & 0o777), os.listdir(os.path.dirname(out))
        ('new', '0o640', ['a.txt'])
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
            with hold_interrupts():
                os.replace(self.path, self.target)
                LIVE.discard(str(self.path))
                self._cleanup.detach()
                PUBLISHED.append(self.shown)
        except OSError as err:
            self.discard()
            raise describe_os_error(self.shown, err) from err
        _fsync_dir(self.target.parent)

    def discard(self) -> None:
        """Close and delete the temp file; the target is left as it was.

        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> temp = TempFile(os.path.join(folder, "a.gif"))
        >>> _ = temp.file.write(b"half a frame")
        >>> temp.discard()
        >>> os.listdir(folder), str(temp.path) in LIVE
        ([], False)
        """
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
        held = held_parent(self.shown, self.target)
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
        name = reserve_folder(self.shown, self.target)
        self.path = Path(name)
        self._cleanup = weakref.finalize(self, remove, name)
        self._owned: Callable[[Path], tuple[list[str], str | None]] | None = None

    def commit(self, owned: Callable[[Path], tuple[list[str], str | None]] | None = None) -> None:
        """Swap the temp directory in; an older directory is replaced only if ``owned`` allows.

        Without ``owned`` the old directory is replaced as a whole. With it, the old directory
        is first renamed aside (one atomic step, so nothing can arrive in it unseen by the
        check), then ``owned(aside)`` returns ``(our_names, problem)``: on a problem the old
        directory goes back untouched and WriteError says why; otherwise only ``our_names`` are
        deleted from it, and anything that still arrived through an open handle is moved into
        the new directory rather than lost.

        >>> import tempfile
        >>> out = Path(tempfile.mkdtemp(), "frames")
        >>> out.mkdir()
        >>> for name in ("frame_0000.png", "notes.txt"):
        ...     _ = (out / name).write_text("old")
        >>> temp = TempDir(out)
        >>> _ = (temp.path / "frame_0000.png").write_text("new")
        >>> try:
        ...     temp.commit(lambda aside: (["frame_0000.png"], "it holds notes.txt"))
        ... except WriteError as err:
        ...     print(str(err).replace(str(out), "OUT"))
        cannot write OUT: it holds notes.txt
        >>> sorted(p.name for p in out.iterdir()), len(os.listdir(out.parent))  # untouched
        (['frame_0000.png', 'notes.txt'], 1)
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
            with hold_interrupts():
                try:
                    # rename(2) replaces a missing or *empty* directory and fails on any other:
                    # the emptiness check and the swap are one atomic step.
                    os.rename(self.path, self.target)
                except OSError as err:
                    if err.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                        raise
                    aside = reserve_folder(self.shown, self.target)
                    try:
                        os.rename(self.target, aside)
                    except FileNotFoundError:
                        # Another process moved the old folder away this instant: the slot
                        # is free now, or someone else's again (then this fails as it should).
                        unreserve(aside)
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
                LIVE.discard(str(self.path))
                self._cleanup.detach()
                PUBLISHED.append(self.shown)
        except OSError as err:
            if aside is not None:
                unreserve(aside)
            self.discard()
            raise describe_os_error(self.shown, err) from err
        except BaseException:
            if aside is not None:
                unreserve(aside)
            self.discard()
            raise
        _fsync_dir(self.target.parent)
        if aside is not None:
            if ours is None:
                remove(aside)
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
        LIVE.discard(aside)

    def discard(self) -> None:
        """Delete the temp directory and everything in it.

        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> temp = TempDir(os.path.join(folder, "site"))
        >>> _ = (temp.path / "index.html").write_text("half")
        >>> temp.discard()
        >>> os.listdir(folder)
        []
        """
        self._cleanup()




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
    LIVE.discard(str(aside))


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
        with hold_interrupts():
            for temp in files:
                backup = None
                if temp.target.is_file():
                    backup = str(temp.path)[:-4] + "_old.tmp"
                    try:
                        os.link(temp.target, backup)
                        LIVE.add(backup)
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
                    LIVE.discard(backup)
                else:
                    os.unlink(target)
        for temp in pending:
            temp.discard()
        raise
    for _, backup in undo:
        if backup is not None:
            remove(backup)


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
        if err.errno in STORAGE_ERRNOS:
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
