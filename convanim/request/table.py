"""THE table of options: every option convanim takes is declared here, once.

Each :class:`Option` gives the canonical name (the YAML key and the Python keyword; the flag is
its kebab-case), a one-letter short name, other spellings, the kind of value, the range, the
default, the help text and the commands that take it. Everything else is generated from this
table: the click flags (:func:`convanim.options.flag`), the YAML keys and their shapes
(:mod:`convanim.config_keys`), the Python API's keyword check, the Sphinx and MkDocs directive
options and every did-you-mean (flags, keys and choice values).

An operation's own fields (``--scale``, ``--groups``, ``--method``...) are not written here:
they come from the op registry (:data:`convanim.geometry.ops.FIELDS`), so a new operation adds
its options without touching this file.

To add an option: add one ``Option(...)`` line below (in ``SPEC``, ``NUMBERS`` or ``OUTPUT``),
then read it where it is used (a ``RenderOptions`` field for drawing options).

>>> OPTIONS["frame_ms"].low, OPTIONS["frame_ms"].high, OPTIONS["max_frames"].default
(20, 60000, 5000)
>>> OPTIONS["kernel_size"].short, "--kernel-size" in OPTIONS["kernel_size"].flags
('k', True)
>>> OPTIONS["groups"].kind, "render" in OPTIONS["scale"].commands
('count', True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from convanim.geometry.ops import FIELDS, MODES, Field, mode_names, modes_with_field

KINDS = ("size", "padding", "choice", "int", "float", "bool", "text", "path", "matrix",
         "count")
"""``size``: a number per axis (3, 3,2, [3, 2]); ``padding``: a size, per-side pairs or a
name; ``choice``: one of ``choices``; ``int``/``float``: a number within ``low..high``;
``bool``: a switch (``--x/--no-x``); ``text`` and ``path``: a string; ``matrix``: nested lists
of numbers; ``count``: a whole number or a name the op's field knows (``groups: depthwise``)."""

RENDER, SHAPE, OVERLAP, BATCH, COMPARE, API = ("render", "shape", "overlap", "batch", "compare",
                                              "api")
EVERYWHERE = frozenset((RENDER, API))
EXPLAINED = frozenset((RENDER, API, SHAPE, OVERLAP))
"""The spec's options: ``shape`` and ``overlap`` explain the layer they describe."""
OVERRIDES = frozenset((RENDER, API, BATCH, COMPARE))
"""Look and timing: ``batch`` and ``compare`` apply them on top of every config entry."""


@dataclass(frozen=True)
class Option:
    """One option, declared once: what the flag, the YAML key and the keyword all are.

    >>> Option("fps", "float", "Frames per second.", low=0.1, high=50).flags
    ('--fps',)
    """

    name: str
    kind: str
    help: str
    short: str | None = None
    aliases: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    default: Any = None
    """The value used when the option is not given (None: decided by what else is given, as
    the help says)."""
    commands: frozenset[str] = EVERYWHERE
    modes: tuple[str, ...] = ()
    """The modes that read it; empty for every mode."""
    group: str = "output"
    """``spec`` (the layer), ``numbers`` (its values) or ``output`` (how it is drawn)."""
    off: str | None = None
    """A switch's flag for false (``--opaque``); ``--no-<name>`` when None."""
    field: Field | None = None
    """The op registry's field this option comes from, for an op's own option."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind {self.kind!r} is not one of {KINDS}")

    @property
    def flag(self) -> str:
        """The long flag: ``--kernel-size``.

        >>> OPTIONS["kernel_size"].flag
        '--kernel-size'
        """
        return "--" + self.name.replace("_", "-")

    @property
    def flags(self) -> tuple[str, ...]:
        """Every flag spelling: the long flag, the aliases', then the short one.

        >>> OPTIONS["scale"].flags, OPTIONS["kernel_size"].flags
        (('--scale', '--scale-factor'), ('--kernel-size', '-k'))
        """
        longs = [self.flag, *("--" + a.replace("_", "-") for a in self.aliases)]
        return (*longs, *((f"-{self.short}",) if self.short else ()))

    @property
    def keys(self) -> tuple[str, ...]:
        """Every YAML key and keyword spelling: the name, aliases, kebab-case and the letter.

        >>> OPTIONS["kernel_size"].keys
        ('kernel_size', 'kernel-size', 'k')
        """
        names = [self.name, *self.aliases]
        kebab = [n.replace("_", "-") for n in names if "_" in n]
        return (*names, *kebab, *((self.short,) if self.short else ()))


def _from_field(f: Field) -> Option:
    """An op's field as a table entry (kinds map one to one; ``int`` keeps its own rule)."""
    kind = {"size": "size", "choice": "choice", "int": "int", "bool": "bool",
            "count": "count"}[f.kind]
    return Option(f.name, kind, f.help, aliases=f.aliases, choices=f.choices,
                  default=f.default, commands=EXPLAINED, modes=modes_with_field(f.name),
                  group="spec", field=f)


VIEWS = ("gather", "scatter", "matrix", "trace", "backward")
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
THEMES = ("light", "dark", "print", "classic")
LAYOUTS = ("auto", "side", "stacked", "minimal")
STYLES = ("flat", "perspective")
MIN_MS, MAX_MS = 20, 60_000  # browsers stretch GIF delays under 20 ms to 100 ms
MAX_PX = 8000  # the widest and tallest image any option may ask for

SPEC: tuple[Option, ...] = (
    Option("input_size", "size", "Input size: 5 or 5,4 (height,width) [5].", short="i",
           commands=EXPLAINED, group="spec"),
    Option("kernel_size", "size", "Kernel size: 3 or 3,2 [3].", short="k", commands=EXPLAINED,
           group="spec"),
    Option("stride", "size", "Stride [1; pooling: the kernel size].", short="s",
           commands=EXPLAINED, group="spec"),
    Option("padding", "padding", "Padding: 1, 1,2, [[top,bottom],[left,right]], valid, same, "
           "full, half [0].", short="p", commands=EXPLAINED, group="spec"),
    Option("dilation", "size", "Dilation [1].", short="d", commands=EXPLAINED, group="spec"),
    Option("output_padding", "size", "Transposed only: extra cells on the bottom/right [0].",
           commands=EXPLAINED, modes=("transposed",), group="spec"),
    Option("mode", "choice", f"Operation: {', '.join(MODES)} [conv; `render` alone: "
           "transposed].", short="m",
           choices=mode_names(), commands=EXPLAINED - {OVERLAP}, group="spec"),
    Option("view", "choice", "gather (transposed: zeros inserted, stride 1), scatter "
           "(transposed: kernel x input, overlaps summed), matrix (the sparse matrix C), "
           "trace (render: one output cell traced back to the input) or backward (conv, "
           "transposed: the gradients dL/dx and dL/dW from an example dL/dy).", choices=VIEWS,
           commands=EXPLAINED - {OVERLAP}, group="spec"),
    Option("padding_mode", "choice", "How padding cells are filled [zeros].",
           choices=PADDING_MODES, default="zeros", commands=EXPLAINED, group="spec"),
    Option("dims", "int", "1 for sequences (Conv1d), 2 for images, 3 for volumes (Conv3d: "
           "conv, transposed, pooling) [2].", low=1, high=3,
           default=2, commands=EXPLAINED, group="spec"),
)

NUMBERS: tuple[Option, ...] = (
    Option("values", "bool", "Show numbers in the cells [on].", default=True, group="numbers"),
    Option("input_values", "matrix", "Input numbers as JSON nested lists.", group="numbers"),
    Option("kernel_values", "matrix", "Kernel numbers as JSON nested lists, or a name: "
           "sobel_x, sobel_y, blur, gaussian, sharpen, emboss, outline, laplacian, identity "
           "(3x3).", group="numbers"),
    # A photograph as the input (issue 29): the photo figure, `render` only.
    Option("input_image", "path", "A photo as the input (PNG, JPEG; or sample:camera, "
           "sample:cat, sample:coffee): the window over the picture, the output forming.",
           group="numbers", commands=frozenset((RENDER,))),
    Option("image_size", "size", "Input image: cropped and resized to this, 48 or 32,48 "
           "(height,width) [48].", group="numbers", commands=frozenset((RENDER,))),
    Option("image_color", "choice", "Input image: gray (one channel) or rgb (three, each "
           "filtered) [gray].", choices=("gray", "rgb"), default="gray", group="numbers",
           commands=frozenset((RENDER,))),
    Option("image_scale", "choice", "Input image values: 0-255 or 0-1 [255].",
           choices=("255", "1"), default="255", group="numbers", commands=frozenset((RENDER,))),
    Option("seed", "int", "Seed for the random small-integer values [0].", low=0, default=0,
           group="numbers"),
)

OUTPUT: tuple[Option, ...] = (
    Option("output", "path", "File to write: .gif .mp4 .webp .png/.apng, .html (a player), a "
           "folder/ of PNG frames, or one frame as .pdf/.svg (or .png with --frame) "
           "[outputs/<mode>_i.._k.._s.._p...gif].", short="o", commands=frozenset((RENDER,))),
    Option("fps", "float", "Slide frames per second (or --frame-ms).", low=1000 / MAX_MS,
           high=1000 / MIN_MS, commands=OVERRIDES),
    Option("frame_ms", "int", "Milliseconds per slide frame [500; with numbers: 1000].",
           low=MIN_MS, high=MAX_MS,
           default=500, commands=OVERRIDES),
    Option("hold_ms", "int", "Milliseconds for phase frames and the last frame [1500].",
           low=MIN_MS, high=MAX_MS, default=1500, commands=OVERRIDES),
    Option("loop", "bool", "Loop forever [on].", default=True, commands=OVERRIDES),
    Option("width", "int", "Image width in pixels (or --cell-px).", low=160, high=MAX_PX,
           commands=OVERRIDES),
    Option("cell_px", "int", "Pixels per cell.", low=8, high=200, commands=OVERRIDES),
    Option("dpi", "int", "Text resolution [100].", low=50, high=600, default=100,
           commands=OVERRIDES),
    Option("theme", "choice", "Colours: light (colour-blind safe), dark, print (b/w), classic.",
           choices=THEMES, default="light", commands=OVERRIDES),
    Option("layout", "choice", "Output beside (side) or below (stacked) the input [auto: 1-D "
           "stacked]; minimal: grids and window only.", choices=LAYOUTS, default="auto",
           commands=OVERRIDES),
    Option("style", "choice", "flat: grids side by side [default]; perspective: the output "
           "plane above the input, projection lines between (conv_arithmetic look).",
           choices=STYLES, default="flat", commands=OVERRIDES),
    Option("size", "text", "Exact image size WxH, e.g. 1920x1080: the figure fits inside, "
           "centred.", commands=OVERRIDES),
    Option("height", "int", "Image height in pixels (with --width: an exact box).", low=64,
           high=MAX_PX, commands=OVERRIDES),
    Option("aspect", "text", "Image shape W:H, e.g. 16:9, padded with the background.",
           commands=OVERRIDES),
    Option("frames", "text", "Only these frames: 1,4-6, phase names, last, or key (phases + "
           "first and last slide)."),
    Option("max_slides", "int", "Keep this many evenly spaced window positions (said in the "
           "title).", low=1, high=100_000),
    Option("columns", "int", "Storyboard tiles per row [about 4:3].", low=1, high=100),
    Option("transparent", "bool", "PNG/APNG: the theme's background is see-through [opaque].",
           default=False, off="--opaque"),
    Option("hidpi", "bool", "Frames at twice the pixels (dpi x2); the HTML player shows them "
           "at the 1x size, crisp on high-DPI screens [off].", default=False),
    # Where the figure goes next (issue 26): a light/dark pair for READMEs, and a viewer.
    Option("pair", "bool", "Also write the figure in the other theme (fig.dark.gif; light for "
           "--theme dark) and reduced-motion stills (fig.still.png), plus fig.picture.html: "
           "the <picture> that picks one for a README.", default=False,
           commands=frozenset((RENDER,))),
    Option("open", "bool", "Open what was written in the system's viewer.", default=False,
           commands=frozenset((RENDER,))),
    Option("frame", "text", "Write one still frame (N or last) to -o .png, .pdf or .svg.",
           commands=frozenset((RENDER,))),
    Option("title", "text", "Title text [the parameters]."),
    Option("storyboard", "path", "Write the frames tiled on one page: .png, .pdf or .svg "
           "(with -o: as well as the animation)."),
    Option("max_frames", "int", "Refuse animations with more frames than this [5000].", low=1,
           high=10_000_000, default=5000, commands=OVERRIDES - {COMPARE}),
    Option("quiet", "bool", "No progress line (shown on a terminal for renders over ~2 s).",
           short="q", default=False, commands=frozenset((RENDER,))),
)

TABLE: tuple[Option, ...] = (*SPEC, *(_from_field(f) for f in FIELDS), *NUMBERS, *OUTPUT)
"""Every option, in the order ``--help`` lists them: the spec's, each op's own, the numbers,
then the output's."""
OPTIONS: Mapping[str, Option] = {option.name: option for option in TABLE}
"""The table by canonical name."""

SPEC_NAMES = tuple(o.name for o in TABLE if o.group == "spec")
"""The keys that make the spec (the layer), op fields included."""
MAX_FRAMES: int = OPTIONS["max_frames"].default
MAX_CELLS = 96
"""Cells per grid side: beyond this a grid cannot be drawn legibly at any sane size."""


def taken_by(command: str) -> tuple[Option, ...]:
    """The options ``command`` takes, in table order.

    >>> [o.name for o in taken_by("compare")][:3]
    ['fps', 'frame_ms', 'hold_ms']
    """
    return tuple(option for option in TABLE if command in option.commands)


def spellings() -> dict[str, str]:
    """Every other spelling of a key (letters, kebab-case, aliases) -> its canonical name.

    >>> spellings()["k"], spellings()["scale-factor"], spellings()["frame-ms"]
    ('kernel_size', 'scale', 'frame_ms')
    """
    return {key: option.name for option in TABLE for key in option.keys if key != option.name}

