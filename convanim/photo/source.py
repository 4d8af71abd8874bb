"""Read a photograph into an exact array of numbers: the input of an image figure.

A path (PNG, JPEG, anything Pillow opens) or ``sample:NAME`` for an image shipped with the
package. The picture is cropped to the aspect of ``size`` around its centre and resized with
Pillow's Lanczos filter, then converted to 8-bit grey (ITU-R 601 luma, Pillow's ``L``) or
kept as three channels; the numbers are those 8-bit values (0-255) or the same divided by 255
(``scale="1"``). What the figure shows and what ``compute`` and PyTorch get are this array.

>>> x = load_image("sample:camera", (16, 16))
>>> x.shape, x.dtype, bool(0 <= x.min() <= x.max() <= 255)
((16, 16), dtype('float64'), True)
>>> load_image("sample:cat", 8, color="rgb", scale="1").shape
(3, 8, 8)
"""

from __future__ import annotations

import os
from difflib import get_close_matches
from pathlib import Path

import numpy as np

from convanim.geometry.spec import SpecError

SAMPLES = Path(__file__).parent / "samples"
SAMPLE_NAMES: tuple[str, ...] = tuple(sorted(p.stem for p in SAMPLES.glob("*.png")))
"""The images ``sample:NAME`` names (shipped with the package; see samples/CREDITS.md)."""
COLORS = ("gray", "rgb")
SCALES = ("255", "1")
MAX_SOURCE_PIXELS = 64_000_000  # a larger file is refused before it is decoded (zip bombs)
MAX_SIDE = 96  # cells per side, as for every grid: the budget of an image figure


def sample_path(name: str) -> Path:
    """The file of the shipped sample ``name``; an unknown name is refused with the list.

    >>> sample_path("camera").name
    'camera.png'
    """
    if name not in SAMPLE_NAMES:
        close = get_close_matches(name, SAMPLE_NAMES, n=1)
        hint = f"did you mean 'sample:{close[0]}'? " if close else ""
        raise SpecError(f"there is no sample image {name!r}; {hint}the samples are "
                        f"{', '.join('sample:' + n for n in SAMPLE_NAMES)}", "input_image")
    return SAMPLES / f"{name}.png"


def image_size(value: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    """``size`` as (height, width), each 2..:data:`MAX_SIDE`.

    >>> image_size(32), image_size((24, 40))
    ((32, 32), (24, 40))
    """
    sides = (value, value) if isinstance(value, int) else tuple(value)
    if (len(sides) != 2 or any(isinstance(s, bool) or not isinstance(s, (int, np.integer))
                               for s in sides)):
        raise SpecError(f"image size {value!r} is not one or two whole numbers; give e.g. 48 "
                        "or 32,48 (height, width)", "image_size")
    for side in sides:
        if not 2 <= side <= MAX_SIDE:
            raise SpecError(f"image size {side} is outside 2..{MAX_SIDE}: a photo figure draws "
                            f"one cell per pixel, at most {MAX_SIDE} per side; use a smaller "
                            "--image-size", "image_size")
    return int(sides[0]), int(sides[1])


def resolve(source: str | os.PathLike[str], base: Path | None = None) -> Path:
    """The file ``source`` names: a shipped sample, or a path (relative to ``base``, e.g. the
    folder of the config file that names it).

    >>> resolve("sample:cat").name, resolve("a.png", Path("configs")).as_posix()
    ('cat.png', 'configs/a.png')
    """
    if isinstance(source, bytes):
        raise SpecError("input image path given as bytes; pass a str or a pathlib.Path",
                        "input_image")
    text = os.fspath(source)
    if text.startswith("sample:"):
        return sample_path(text[len("sample:"):])
    if not text.strip() or "\x00" in text:
        raise SpecError(f"{text!r} is not a usable file name; give a PNG or JPEG path, or "
                        "sample:camera", "input_image")
    path = Path(text).expanduser()
    return path if path.is_absolute() or base is None else base / path


def load_image(source: str | os.PathLike[str], size: int | tuple[int, int] = 48, *,
               color: str = "gray", scale: str = "255", base: Path | None = None
               ) -> np.ndarray:
    """The picture at ``source`` as float64 numbers: ``(H, W)`` grey or ``(3, H, W)`` RGB.

    Errors are one-line :class:`SpecError` naming ``input_image`` (missing file, not an
    image, too large to decode), ``image_size``, ``image_color`` or ``image_scale``.

    >>> load_image("sample:coffee", (4, 6)).shape
    (4, 6)
    """
    from PIL import Image, UnidentifiedImageError

    height, width = image_size(size)
    if color not in COLORS:
        raise SpecError(f"image colour {color!r} is not one of {', '.join(COLORS)}",
                        "image_color")
    if str(scale) not in SCALES:
        raise SpecError(f"image scale {scale!r} is not 255 (8-bit values) or 1 (values/255)",
                        "image_scale")
    path = resolve(source, base)
    if not path.is_file():
        raise SpecError(f"{path} is not a file; give a PNG or JPEG path, or one of "
                        f"{', '.join('sample:' + n for n in SAMPLE_NAMES)}", "input_image")
    try:
        with Image.open(path) as im:
            if im.width * im.height > MAX_SOURCE_PIXELS:
                raise SpecError(f"{path} is {im.width}x{im.height} pixels, more than the "
                                f"{MAX_SOURCE_PIXELS:,} convanim decodes; shrink it first",
                                "input_image")
            im.seek(0)  # the first frame of an animated file
            picture = im.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as err:
        reason = "not an image Pillow can read" if isinstance(
            err, UnidentifiedImageError) else f"unreadable ({err.__class__.__name__.lower()})"
        raise SpecError(f"{path} is {reason}; give a PNG or JPEG file", "input_image") from None
    picture = _fit(picture, height, width)
    if color == "gray":
        values = np.asarray(picture.convert("L"), dtype=np.float64)
    else:
        values = np.asarray(picture, dtype=np.float64).transpose(2, 0, 1).copy()
    return values / 255.0 if str(scale) == "1" else values


def _fit(picture: object, height: int, width: int) -> object:
    """Crop ``picture`` around its centre to the aspect ``width:height``, then resize."""
    from PIL import Image

    w, h = picture.size  # type: ignore[attr-defined]
    if w * height > h * width:  # wider than the target: keep the full height
        crop_w, crop_h = max(1, round(h * width / height)), h
    else:
        crop_w, crop_h = w, max(1, round(w * height / width))
    left, top = (w - crop_w) // 2, (h - crop_h) // 2
    box = (left, top, left + crop_w, top + crop_h)
    return picture.resize((width, height), Image.Resampling.LANCZOS,  # type: ignore[attr-defined]
                          box=box)
