"""``--open``: show what was written in the system's viewer, or say in one line why not.

The file is already written when this runs, so a missing viewer is never an error: the
command still exits 0 and says where the file is. The viewer is started detached (its output
and its exit are not ours), like a double click.

>>> open_file("a.gif", launch=print, platform="linux", which=lambda name: None,
...           environ={"DISPLAY": ":0"})
'no viewer to open a.gif with (xdg-open is not installed); the file is written'
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence


def _launch(argv: Sequence[str]) -> None:
    subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)


def open_file(path: str | os.PathLike[str], *,
              launch: Callable[[Sequence[str]], None] | None = None,
              platform: str | None = None,
              which: Callable[[str], str | None] | None = None,
              environ: Mapping[str, str] | None = None) -> str:
    """Open ``path`` with the system's viewer; the one line to print about it.

    >>> opened = []
    >>> open_file("a.gif", launch=opened.append, platform="darwin")
    'opened a.gif'
    >>> opened
    [['open', 'a.gif']]
    >>> open_file("a.gif", launch=opened.append, platform="linux", environ={})
    'no display to open a.gif on (no DISPLAY or WAYLAND_DISPLAY); the file is written'
    """
    launch = launch or _launch
    platform = platform or sys.platform
    which = which or shutil.which
    environ = os.environ if environ is None else environ
    text = os.fspath(path)
    try:
        if platform.startswith("win"):
            os.startfile(text)  # type: ignore[attr-defined]  # Windows only
        elif platform == "darwin":
            launch(["open", text])
        else:
            if not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
                # A server or a container: xdg-open would only fall back to a text browser.
                return (f"no display to open {text} on (no DISPLAY or WAYLAND_DISPLAY); the "
                        "file is written")
            opener = which("xdg-open")
            if opener is None:
                return (f"no viewer to open {text} with (xdg-open is not installed); the "
                        "file is written")
            launch([opener, text])
    except OSError as err:
        return f"could not open {text} ({err.strerror or err}); the file is written"
    return f"opened {text}"
