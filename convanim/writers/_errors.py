"""One readable :class:`WriteError` for every way writing an output can fail.

An OSError names an errno and a path the user may never have typed (a temp file, a held
folder under ``/proc``); these functions turn it into one line that names the output the user
asked for, what went wrong and a fix. They are the only place that wording lives, so every
writer and every door reports a full disk or a read-only folder the same way.

>>> import errno
>>> str(describe_os_error("out/a.gif", OSError(errno.EROFS, "read-only")))
'cannot write out/a.gif: directory out/ is on a read-only file system; choose another -o path'
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from convanim.writers._signals import PUBLISHED

# Errors that mean the storage itself failed; an OSError of this kind raised while the caller
# writes into an atomic_output() file is about our output, not about the caller's own inputs.
STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}


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
