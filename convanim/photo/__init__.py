"""Real images in: a layer's window sliding over a photograph, exactly.

``photo_figure`` reads the picture (:mod:`convanim.photo.source`), builds the layer's
:class:`~convanim.geometry.Spec` with the picture's size, computes every output value with
:func:`convanim.geometry.compute` (the same numbers PyTorch gives; an RGB picture is filtered
channel by channel, as a depthwise layer with ``groups=3`` does) and chooses the positions the
frames stop at. ``render_photo`` streams the frames to any writer.

>>> fig = photo_figure({"kernel_size": 3}, "sample:camera", image_size=24, kernel="sobel_x")
>>> fig.y.shape, fig.title
((1, 22, 22), 'Sobel x kernel on camera (24×24), stride 1, padding 0')
>>> import tempfile, os
>>> render_photo(fig, os.path.join(tempfile.mkdtemp(), "p.gif")).suffix
'.gif'
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from convanim.draw.photo import PhotoFigure, photo_frames, photo_palette
from convanim.draw.photo_compare import PhotoComparison, comparison_frames, comparison_palette
from convanim.draw.photo_marks import fmt as fmt_value
from convanim.geometry import Spec, SpecError, compute, get_op
from convanim.geometry.kernels import is_kernel_name, kernel_caption, named_kernel
from convanim.geometry.ops.window import Windowed
from convanim.photo.source import load_image
from convanim.request.table import MAX_PX

__all__ = ["DEFAULT_KERNEL", "DEFAULT_SIZE", "PhotoComparison", "photo_comparison",
           "photo_figure", "render_photo"]

DEFAULT_SIZE = 48  # 48x48 pixels: the subject reads, the GIF stays well under 1 MB
DEFAULT_KERNEL = "sobel_x"  # signed: shows the diverging scale a clamping viewer would lose
DEFAULT_SLIDES = 40
MAX_KERNEL = 9  # the magnified patch shows every tap with its number
READING = 3  # the first slides stay up long enough to read their numbers


def photo_figure(spec_options: Mapping[str, Any], image: str | os.PathLike[str], *,
                 image_size: int | tuple[int, int] = DEFAULT_SIZE, image_color: str = "gray",
                 image_scale: str = "255", kernel: Any = None, base: Path | None = None,
                 theme: str = "light", max_slides: int | None = None,
                 title: str | None = None, frame_ms: int | None = None,
                 hold_ms: int | None = None) -> PhotoFigure:
    """The figure of the layer ``spec_options`` (Spec keys without ``input_size``) applied
    to the picture ``image`` (a path, or ``sample:camera``/``sample:cat``/``sample:coffee``).

    ``kernel`` is a name (``sobel_x``, ``blur``, ...; see :mod:`convanim.geometry.kernels`)
    or nested lists; convolutions default to ``sobel_x``. Errors are one-line
    :class:`SpecError` naming the parameter.

    >>> photo_figure({"mode": "maxpool", "kernel_size": 2}, "sample:cat", image_size=8,
    ...              image_color="rgb").y.shape
    (3, 4, 4)
    """
    x = load_image(image, image_size, color=image_color, scale=image_scale, base=base)
    planes = x[None] if x.ndim == 2 else x
    options = {key: value for key, value in spec_options.items() if value is not None}
    for key in ("input_size", "in_channels", "out_channels", "groups", "bias", "dims"):
        if key in options and key != "dims":
            raise SpecError(f"{key} comes from the picture with --input-image; drop it "
                            "(RGB pictures are filtered channel by channel)", key)
    if options.get("dims") not in (None, 2):
        raise SpecError("a picture is two-dimensional; drop --dims or use --dims 2", "dims")
    options.pop("dims", None)
    op = get_op(str(options.get("mode") or "conv"))
    weights = None
    name = None
    if op.weighted:
        given = DEFAULT_KERNEL if kernel is None else kernel
        k_given = options.get("kernel_size")
        if kernel is None and k_given is not None and Spec.from_dict(
                {"input_size": planes.shape[1:], **options}).k != (3, 3):
            # Another size without values: the box blur of that size (the mean of the patch).
            k = Spec.from_dict({"input_size": planes.shape[1:], **options}).k
            given = np.full(k, 1.0 / float(np.prod(k)))
        if is_kernel_name(given):
            name = str(given).strip().lower().replace("-", "_")
            weights = named_kernel(name)
            given_k = options.get("kernel_size")
            if given_k is not None and Spec.from_dict(
                    {"input_size": planes.shape[1:], **options}).k != (3, 3):
                raise SpecError(f"the named kernel {name!r} is 3×3 but kernel_size is "
                                f"{given_k}; drop -k or use -k 3", "kernel_size")
        else:
            weights = np.asarray(given, dtype=float)
            if weights.ndim != 2:
                raise SpecError(f"kernel values for a picture are one 2-D kernel, got "
                                f"{weights.ndim} dimensions; write e.g. [[1, 0], [0, -1]]",
                                "kernel_values")
        options["kernel_size"] = weights.shape
    elif kernel is not None:
        raise SpecError(f"mode {op.mode!r} has no kernel values; drop --kernel-values",
                        "kernel_values")
    spec = Spec.from_dict({"input_size": planes.shape[1:], **options})
    if spec.op.weighted and max(spec.k) > MAX_KERNEL:
        raise SpecError(f"a {'x'.join(map(str, spec.k))} kernel is more numbers than the "
                        f"magnified patch can show (at most {MAX_KERNEL} per side); use a "
                        "smaller kernel", "kernel_size")
    windowed = _slides_window(spec)
    if windowed and max(spec.k) > MAX_KERNEL:
        raise SpecError(f"a {'x'.join(map(str, spec.k))} window is more numbers than the "
                        f"magnified patch can show (at most {MAX_KERNEL} per side); use a "
                        "smaller kernel_size", "kernel_size")
    reads: tuple[tuple[tuple[int, ...], ...], ...] = ()
    if not windowed:
        if not _linear_on_one_plane(spec, weights):
            raise SpecError(f"mode {spec.mode!r} has no photo figure: its output is not a "
                            "fixed mix of one picture's pixels; draw it on a grid (drop "
                            "--input-image)",
                            "mode")
        reads = _reads(spec, weights)
    y = np.stack([compute(spec, plane, weights) for plane in planes])
    divisor = _divisor(name)
    reduce = ""
    if windowed and not spec.op.weighted:
        reduce = "max" if spec.op.pad_value(spec) == -np.inf else "mean"
    positions = _positions(int(np.prod(y.shape[1:])), max_slides or DEFAULT_SLIDES)
    source = _label(image)
    text = title or _title(spec, name, source, planes.shape[1:])
    caption = kernel_caption(name) if name else _caption(spec, windowed, reduce)
    if planes.shape[0] == 3:
        caption += "; each of R, G, B on its own (groups=3)"
    return PhotoFigure(
        spec, planes, y, weights, positions, text, caption, divisor=divisor,
        rgb=planes.shape[0] == 3, source=source,
        unit="0-1" if str(image_scale) == "1" else "0-255", theme=theme,
        slide_ms=frame_ms or 250, hold_ms=hold_ms or 3000, windowed=windowed, reduce=reduce,
        reading=READING, reads=reads)


def render_photo(fig: PhotoFigure | PhotoComparison, path: str | os.PathLike[str], *,
                 loop: bool = True, still: bool = False) -> Path:
    """Write the figure (or a :func:`photo_comparison`) to ``path`` (format from the
    suffix), atomically; ``still`` writes the last frame (the whole output) as one PNG.

    >>> import tempfile
    >>> fig = photo_figure({"mode": "avgpool", "kernel_size": 2}, "sample:coffee", image_size=6)
    >>> render_photo(fig, Path(tempfile.mkdtemp()) / "a.png", still=True).name
    'a.png'
    """
    from convanim.writers import atomic_output, open_writer

    target = Path(path)
    comparing = isinstance(fig, PhotoComparison)
    frames = comparison_frames if comparing else photo_frames
    palette = comparison_palette(fig) if comparing else photo_palette(fig)  # type: ignore[arg-type]
    if still:
        from PIL import Image

        *_, (last, _) = frames(fig)  # type: ignore[arg-type]
        with atomic_output(target) as handle:
            Image.fromarray(last).save(handle, format="PNG", optimize=True)
        return target
    with open_writer(target, loop=loop, palette=palette,
                     metadata={"title": fig.title, "caption": fig.caption}) as writer:
        for rgb, ms in frames(fig):  # type: ignore[arg-type]
            writer.append(rgb, ms)
    return target


def _positions(count: int, slides: int) -> tuple[int, ...]:
    """Flat output indices the slides stop at: the first few in a row (to read the sliding),
    then evenly spaced to the end.

    >>> _positions(100, 6), _positions(4, 40)
    ((0, 1, 2, 3, 51, 99), (0, 1, 2, 3))
    """
    if count <= slides:
        return tuple(range(count))
    head = list(range(min(READING, slides)))
    rest = np.linspace(head[-1] + 1, count - 1, slides - len(head)).round().astype(int)
    return tuple(dict.fromkeys([*head, *rest.tolist()]))


def _slides_window(spec: Spec) -> bool:
    """Whether each output pixel is one window over the padded input: a sliding layer whose
    output has the sliding-window size (max-unpooling slides a window, then scatters back).

    >>> _slides_window(Spec(i=6, k=3, s=2, p=1)), _slides_window(Spec(i=4, k=2, mode="maxunpool"))
    (True, False)
    """
    if not isinstance(spec.op, Windowed) or spec.is_transposed:
        return False
    slid = tuple((i + sum(p) - (d * (k - 1) + 1)) // s + 1
                 for i, k, s, p, d in zip(spec.i, spec.k, spec.s, spec.p, spec.d))
    return slid == tuple(spec.output_shape)


def _linear_on_one_plane(spec: Spec, weights: np.ndarray | None) -> bool:
    """Whether the layer maps one picture linearly (so each output pixel reads a fixed set of
    input pixels): max-unpooling depends on where the maxima are, pixel shuffle needs r²
    channels.

    >>> _linear_on_one_plane(Spec(i=4, mode="upsample", method="bilinear"), None)
    True
    >>> _linear_on_one_plane(Spec(i=4, k=2, mode="maxunpool"), None)
    False
    """
    if tuple(spec.op.input_shape(spec)) != tuple(spec.i):
        return False
    rng = np.random.default_rng(0)
    a, b = rng.random(spec.i), rng.random(spec.i)
    return bool(np.allclose(compute(spec, a + b, weights),
                            compute(spec, a, weights) + compute(spec, b, weights)))


def _reads(spec: Spec, weights: np.ndarray | None) -> tuple[tuple[tuple[int, ...], ...], ...]:
    """Per axis and output index, the input indices that reach it, by probing the (linear,
    separable) layer with one line of ones at a time (the kernel all ones, so a zero weight
    does not hide a link, as PyTorch's one-hot Jacobian shows every link).

    >>> _reads(Spec(i=2, mode="upsample", scale=2), None)[0]
    ((0,), (0,), (1,), (1,))
    """
    h, w = spec.i
    ones = None if weights is None else np.ones_like(weights)
    per_axis = []
    for axis, size in enumerate((h, w)):
        hits = []
        for index in range(size):
            probe = np.zeros((h, w))
            if axis == 0:
                probe[index, :] = 1.0
            else:
                probe[:, index] = 1.0
            y = compute(spec, probe, ones)
            hits.append(np.abs(y).sum(axis=1 - axis) > 0)
        touched = np.stack(hits)  # (input index, output index)
        per_axis.append(tuple(tuple(int(i) for i in np.flatnonzero(touched[:, o]))
                              for o in range(touched.shape[1])))
    return tuple(per_axis)


def _divisor(name: str | None) -> float:
    """The common denominator a named kernel is shown over (blur: 9, gaussian: 16)."""
    if not name:
        return 1.0
    w = named_kernel(name)
    for divisor in (1.0, 9.0, 16.0):
        if np.allclose(w * divisor, np.round(w * divisor)):
            return divisor
    return 1.0


def _label(image: str | os.PathLike[str]) -> str:
    text = os.fspath(image)
    return text[len("sample:"):] if text.startswith("sample:") else Path(text).stem


WORDS = {"k": "kernel", "s": "stride", "p": "padding", "d": "dilation", "op": "output padding"}


def _title(spec: Spec, name: str | None, source: str, shape: tuple[int, ...]) -> str:
    """``Sobel x kernel on camera (48×48), stride 1, padding 0``: the layer's own parameters.

    >>> _title(Spec(i=8, mode="upsample", method="bilinear"), None, "cat", (8, 8))
    'Bilinear upsampling on cat (8×8), scale 2, bilinear'
    """
    alt = spec.op.alt_text(spec)
    what = (name.replace("_", " ").capitalize() + " kernel" if name
            else alt.split(" of ")[0] if alt else spec.op.noun)
    parts = []
    for key, value in spec.named_parameters():
        if key == "i" or (key == "k" and name):
            continue
        parts.append(key if value is None else f"{WORDS.get(key, key)} {_short(value)}")
    return f"{what} on {source} ({shape[0]}×{shape[1]}), {', '.join(parts)}"


def _short(value: Any) -> str:
    if isinstance(value, str):
        return value
    flat = [v for item in value for v in (item if isinstance(item, tuple) else (item,))]
    return str(flat[0]) if len(set(flat)) == 1 else "(" + ", ".join(map(str, value)) + ")"


def _caption(spec: Spec, windowed: bool, reduce: str) -> str:
    if reduce:
        return f"each output pixel is the {reduce} of the {'×'.join(map(str, spec.k))} window"
    if windowed:
        return "each output pixel is the sum of the window times the kernel"
    alt = spec.op.alt_text(spec)
    return alt or spec.label


def photo_comparison(panels: Sequence[Mapping[str, Any]], image: str | os.PathLike[str], *,
                     names: Sequence[str] | None = None, title: str | None = None,
                     **shared: Any) -> PhotoComparison:
    """One picture through several layers, side by side (``convanim compare`` with
    ``input_image``): ``panels`` are Spec options (each may hold ``kernel_values``), and
    ``shared`` the picture and timing keywords of :func:`photo_figure`.

    Each panel's note says what the layer does to a flat (constant) picture, computed, not
    assumed: a stride-2 transposed convolution whose kernel overlaps unevenly turns it into a
    checkerboard, which is why its output of a real photo shows one.

    >>> comp = photo_comparison([{"mode": "upsample", "method": "nearest"},
    ...                          {"mode": "transposed", "kernel_size": 3, "stride": 2,
    ...                           "padding": 1, "output_padding": 1,
    ...                           "kernel_values": [[1, 1, 1]] * 3}],
    ...                         "sample:cat", names=["nearest", "transposed"], image_size=8)
    >>> [fig.y.shape for fig in comp.figures]
    [(1, 16, 16), (1, 16, 16)]
    >>> comp.notes[1]
    'a flat picture comes out in 3 levels (1, 2, 4): a checkerboard'
    """
    if not panels:
        raise SpecError("a comparison needs at least one panel", "panels")
    from convanim.draw.photo_compare import most_panels

    if len(panels) > most_panels():
        # Checked before any picture is read: every panel is one picture-wide column.
        raise SpecError(f"{len(panels)} panels make a figure wider than the "
                        f"{MAX_PX} px limit; compare at most {most_panels()} panels at once "
                        "(split them over two figures)", "panels")
    figures = []
    for panel in panels:
        options = {key: value for key, value in panel.items() if key != "kernel_values"}
        figures.append(photo_figure(options, image, kernel=panel.get("kernel_values"),
                                    **shared))
    given = list(names or [])
    names = [given[n] if n < len(given) and given[n] else _panel_words(fig).split(",")[0]
             for n, fig in enumerate(figures)]
    notes = tuple(_flat_note(fig) for fig in figures)
    first = figures[0]
    _, h, w = first.x.shape
    shapes = {fig.y.shape[1:] for fig in figures}
    if len(shapes) == 1:
        (oh, ow), = shapes
        what = f"{first.source} ({h}×{w}) made {oh}×{ow} {len(figures)} ways"
    else:
        what = f"{first.source} ({h}×{w}) through {len(figures)} layers"
    uneven = [name for name, note in zip(names, notes) if "checkerboard" in note]
    if uneven:
        caption = (f"{', '.join(uneven)}: even a flat picture comes out as a checkerboard "
                   "(the kernel's copies overlap unevenly); look for it in the zooms")
    else:
        caption = "every panel keeps a flat picture flat; compare the detail in the zooms"
    reads = "; ".join(f"{name} {_reads_words(fig)}" for name, fig in zip(names, figures))
    return PhotoComparison(tuple(figures), tuple(names), title or what,
                           f"{caption}\ninput pixels each output pixel reads: {reads}", notes)


def _flat_note(fig: PhotoFigure) -> str:
    """What the layer makes of a constant picture of ones, away from the border.

    >>> _flat_note(photo_figure({"mode": "upsample"}, "sample:cat", image_size=6))
    'a flat picture stays flat'
    """
    spec = fig.spec
    ones = np.ones(tuple(spec.i))
    y = compute(spec, ones, fig.w)
    margin = [max(1, int(k) * int(s)) for k, s in zip(spec.k, spec.s)]
    inner = y[margin[0]:y.shape[0] - margin[0], margin[1]:y.shape[1] - margin[1]]
    if inner.size == 0:
        inner = y
    levels = np.unique(np.round(inner, 9))
    if len(levels) == 1:
        return "a flat picture stays flat"
    shown = ", ".join(fmt_value(v) for v in levels[:4]) + (", ..." if len(levels) > 4 else "")
    return f"a flat picture comes out in {len(levels)} levels ({shown}): a checkerboard"


def _reads_words(fig: PhotoFigure) -> str:
    """How many input pixels one output pixel reads: ``4`` or ``1 to 4``, counted.

    >>> _reads_words(photo_figure({"mode": "upsample"}, "sample:cat", image_size=6))
    '1'
    """
    if fig.windowed:
        counts = np.array([int(np.prod(fig.spec.k))])
    else:
        rows = np.array([len(r) for r in fig.reads[0]])
        cols = np.array([len(c) for c in fig.reads[1]])
        counts = np.outer(rows, cols)
    low, high = int(counts.min()), int(counts.max())
    return str(high) if low == high else f"{low} to {high}"


def _panel_words(fig: PhotoFigure) -> str:
    """A few plain words for a panel: the layer and its kernel."""
    alt = fig.spec.op.alt_text(fig.spec)
    words = alt.split(" of ")[0].lower() if alt else fig.spec.op.noun.lower()
    if fig.w is not None:
        k = "×".join(map(str, fig.w.shape))
        words += f", stride {_short(fig.spec.s)}, {k} kernel"
    return words
