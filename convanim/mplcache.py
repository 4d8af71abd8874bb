"""A writable place for matplotlib's config and cache, so a successful run prints nothing.

matplotlib logs two warning lines (not Python warnings, which the command line silences) when
its config or cache folder cannot be made or written, e.g. with ``XDG_CACHE_HOME`` read-only
or pointing at ``/dev/null``, and then builds its font cache in a temp folder of its own that
it never removes. Before matplotlib is first imported, :func:`use_private_cache` checks the
folders matplotlib would use and, only when one is unusable, points ``MPLCONFIGDIR`` at a
private temp folder that goes at exit. A user's own ``MPLCONFIGDIR`` is always kept.

Importing this module runs the check; ``convanim.draw`` and ``convanim.explain`` (the only
packages that draw with matplotlib) import it before any of their modules can.

>>> use_private_cache()  # normal folders, or matplotlib already imported: nothing changes
"""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path


def _usable(folder: Path) -> bool:
    """What matplotlib checks: the folder can be made, is a folder, and is writable."""
    try:
        folder = folder.resolve()
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):
        return False
    return folder.is_dir() and os.access(folder, os.W_OK)


def use_private_cache() -> None:
    """Point matplotlib at a private temp folder when its own folders are unusable.

    >>> import matplotlib
    >>> use_private_cache()  # matplotlib is already imported: its folders are chosen
    """
    if os.environ.get("MPLCONFIGDIR") or "matplotlib" in sys.modules:
        return
    if not sys.platform.startswith(("linux", "freebsd")):
        return  # elsewhere matplotlib uses one folder under the home, which we leave alone
    try:
        home = Path.home()
    except RuntimeError:
        home = None
    folders = []
    for variable, default in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache")):
        base = os.environ.get(variable) or (str(home / default) if home else "")
        folders.append(Path(base, "matplotlib") if base else None)
    if all(folder is not None and _usable(folder) for folder in folders):
        return
    import shutil  # here, not at the top: only an unusable folder needs them (start-up time)
    import tempfile

    private = tempfile.mkdtemp(prefix="convanim-matplotlib-")
    atexit.register(shutil.rmtree, private, True)
    os.environ["MPLCONFIGDIR"] = private


use_private_cache()
