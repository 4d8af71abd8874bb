"""Writing under one output folder through an open handle on it, safe from symlink races.

A batch checks its output paths first and writes later; in between, a folder on the way could
be swapped for a symlink that points elsewhere. Inside :func:`confined`, every output's folder
is opened step by step from a handle held on the root, never by path, so nothing can be
written outside the root. The temp files and their final renames go through that handle
(``/proc/self/fd/N``), which is why :mod:`convanim.writers._temps` and
:mod:`convanim.writers._atomic` ask :func:`held_parent` for a target's folder.

>>> import tempfile
>>> with confined(tempfile.mkdtemp()):
...     held_parent("a.gif", Path(os.path.abspath("a.gif"))) is None  # outside the root
True
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from convanim.writers._errors import WriteError, describe_os_error

# The output folder a batch writes into, held open while its jobs run (see confined()).
_CONFINE = threading.local()
PROC_FD = "/proc/self/fd"


@contextlib.contextmanager
def confined(root: str | os.PathLike[str] | None) -> Iterator[None]:
    """Inside the block, outputs under ``root`` are made through one open handle on it.

    Every folder between ``root`` and an output is opened (or created) relative to its parent
    without following symlinks, and the temp file, the final rename and any later step use
    that open folder (``/proc/self/fd/N``), never the path again. So a folder swapped for a
    symlink after the batch checked its paths can never send a file outside ``root``: a
    symlinked folder is refused. ``None``, or a system without ``/proc``, checks nothing.

    >>> import tempfile
    >>> from convanim.writers._atomic import TempFile
    >>> root = tempfile.mkdtemp()
    >>> os.symlink(tempfile.mkdtemp(), os.path.join(root, "link"))
    >>> try:
    ...     with confined(root):
    ...         TempFile(os.path.join(root, "link", "a.gif"))
    ... except WriteError as err:
    ...     print(str(err).split(": ", 1)[1][:40])
    link is a symlink or not a folder, and o
    """
    if root is None or not os.path.isdir(PROC_FD):
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


def held_parent(shown: str, target: Path) -> tuple[Path, int] | None:
    """``target`` as ``/proc/self/fd/N/name`` under the confining root, with N its folder.

    Missing folders on the way are created; the caller owns (and closes) the handle N. None
    outside :func:`confined`, or for a target that is not under its root.

    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> with confined(root):
    ...     path, fd = held_parent("sub/a.gif", Path(root, "sub", "a.gif"))
    >>> path.name, os.path.samefile(path.parent, os.path.join(root, "sub"))
    ('a.gif', True)
    >>> os.close(fd)
    """
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
    return Path(PROC_FD) / str(fd) / target.name, fd
