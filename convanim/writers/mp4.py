"""H.264 MP4 through imageio-ffmpeg's bundled ffmpeg, streamed over a pipe.

Timing: MP4 here is constant-rate. Each frame is sent for as many ticks as its duration
covers, with end times rounded to the tick grid so errors never accumulate; a frame shorter
than half a tick may be skipped, except the last one. ffmpeg needs the rate before the first
frame while durations arrive one at a time, so a caller that knows them (the renderer: slide
and hold times) calls :meth:`Mp4Writer.set_tick` with their greatest common divisor first;
the video then has the fewest frames that show every duration exactly (500 ms slides and
1500 ms holds are 2 fps, not 50). Without it the tick is 20 ms (:data:`FPS`, 50 fps).

ffmpeg is started directly with :func:`imageio_ffmpeg.get_ffmpeg_exe` rather than through
``imageio_ffmpeg.write_frames``: that helper ignores ffmpeg's exit status and does not capture
its error output, so a full disk would silently leave a truncated video.

Bytes are reproducible: bitexact muxing without metadata and one x264 thread (x264 output
depends on its thread count, which would otherwise follow the machine's core count).
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from fractions import Fraction

import imageio_ffmpeg
import numpy as np

from convanim.writers._atomic import TempFile
from convanim.writers._base import AnimationWriter, Ticks
from convanim.writers._errors import WriteError

FPS = 50
# With one video frame per duration tick a default animation is ~40 frames, so a thorough
# preset costs well under a second and buys a file ~35% smaller than veryfast's (smaller than
# the GIF); CRF 18 keeps thin lines and text crisp.
X264_OPTIONS = ["-preset", "slower", "-tune", "animation", "-crf", "18", "-threads", "1"]


def _ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg_command(out: str, width: int, height: int, tick_ms: int = 1000 // FPS) -> list[str]:
    """The ffmpeg command line that encodes raw RGB frames from stdin into ``out``.

    >>> cmd = ffmpeg_command("a.mp4", 400, 300)
    >>> cmd[cmd.index("-s") + 1], cmd[cmd.index("-r") + 1], cmd[-1]
    ('400x300', '50', 'a.mp4')
    >>> ffmpeg_command("a.mp4", 400, 300, tick_ms=300)[12]
    '10/3'
    """
    rate = Fraction(1000, tick_ms)
    return [
        _ffmpeg_exe(),
        "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(rate),
        "-i", "pipe:0", "-an",
        "-c:v", "libx264", *X264_OPTIONS,
        # Browsers need yuv420p; converting with and tagging BT.709 makes them show the
        # drawn colours rather than shifted ones.
        "-vf", "scale=out_color_matrix=bt709:out_range=tv", "-pix_fmt", "yuv420p",
        "-x264-params", "colorprim=bt709:transfer=bt709:colormatrix=bt709",
        "-movflags", "+faststart",
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1",
        "-f", "mp4", out,
    ]  # fmt: skip


def pad_even(rgb: np.ndarray) -> np.ndarray:
    """Repeat the last row/column once if a side is odd (yuv420p needs even sizes).

    >>> pad_even(np.zeros((3, 5, 3), np.uint8)).shape
    (4, 6, 3)
    """
    height, width, _ = rgb.shape
    if height % 2 == 0 and width % 2 == 0:
        return rgb
    return np.pad(rgb, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")


class Mp4Writer(AnimationWriter):
    """What ``open_writer`` returns for ``.mp4``."""

    format = "mp4"

    def _open(self) -> None:
        # Created first so that a bad output path fails before any rendering happens.
        self._tmp = TempFile(self.path)
        self._proc: subprocess.Popen[bytes] | None = None
        # ffmpeg's stderr goes to a file, not a pipe, so a chatty ffmpeg can never block on it;
        # it lives as long as the writer and is closed by _finish/_discard.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        self._ticks = Ticks(1000 // FPS)
        self._last = b""
        self._last_sent = True

    def set_tick(self, tick_ms: int) -> None:
        """Encode at one frame per ``tick_ms`` (at least 20 ms); call before the first frame.

        >>> import tempfile, os
        >>> w = Mp4Writer(os.path.join(tempfile.mkdtemp(), "a.mp4"))
        >>> w.set_tick(500); w._ticks.tick_ms
        500
        >>> w.abort()
        """
        if self._proc is not None:
            raise RuntimeError("set_tick must come before the first frame")
        self._ticks = Ticks(max(1000 // FPS, int(tick_ms)))

    def _start(self, width: int, height: int) -> subprocess.Popen[bytes]:
        try:
            cmd = ffmpeg_command(str(self._tmp.path), width + width % 2, height + height % 2,
                                 self._ticks.tick_ms)
            # A session of its own keeps Ctrl-C away from ffmpeg: we decide when it stops, and
            # an interrupted render must not leave ffmpeg finishing a file on its own.
            return subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=self._log,
                start_new_session=True,
                # A batch holds the output's folder open: ffmpeg writes through that handle.
                pass_fds=() if self._tmp.dir_fd is None else (self._tmp.dir_fd,),
            )
        except (OSError, RuntimeError) as err:
            # Not the output path's fault, so it must not be described as one.
            raise WriteError(
                f"cannot write {self.path}: could not start ffmpeg ({err}); "
                "reinstall imageio-ffmpeg (pip install --force-reinstall imageio-ffmpeg)"
            ) from err

    def _failure(self, what: str) -> WriteError:
        self._log.seek(0)
        lines = self._log.read().decode("utf-8", "replace").strip().splitlines()
        said = f" (ffmpeg said: {lines[-1].strip()})" if lines else ""
        return WriteError(
            f"cannot write {self.path}: {what}{said}; check free space or choose another -o path"
        )

    def _send(self, frame: bytes, times: int) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        try:
            for _ in range(times):
                self._proc.stdin.write(frame)
        except BrokenPipeError:
            self._proc.wait()
            raise self._failure(f"ffmpeg stopped with exit code {self._proc.returncode}") from None

    def _append(self, rgb: np.ndarray, ms: int) -> None:
        if self._proc is None:
            self._proc = self._start(rgb.shape[1], rgb.shape[0])
        self._last = pad_even(rgb).tobytes()
        times = self._ticks.next(ms)
        self._last_sent = times > 0
        self._send(self._last, times)

    def _finish(self) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        if not self._last_sent:
            # The final picture is what viewers are left with, so it is never skipped.
            self._send(self._last, 1)
        with contextlib.suppress(BrokenPipeError):
            self._proc.stdin.close()
        code = self._proc.wait()
        if code != 0:
            raise self._failure(f"ffmpeg failed with exit code {code}")
        self._log.close()
        self._tmp.commit()

    def _discard(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        if self._proc is not None and self._proc.stdin is not None:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        self._log.close()
        self._tmp.discard()
