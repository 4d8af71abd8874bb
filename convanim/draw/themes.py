"""Themes: every colour, line style, hatch, font size and line width the renderer uses.

Each cell kind differs in colour AND in line style, hatch or mark, so a figure still reads when
printed in grey or seen with a colour-vision deficiency.

>>> from convanim.draw.themes import THEMES, rgb
>>> sorted(THEMES)
['classic', 'dark', 'light', 'print']
>>> rgb(THEMES["light"].window.fill)
(230, 159, 0)
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

RGB = tuple[int, int, int]
LINES = ("solid", "dashed", "dotted", "none")
HATCHES = ("", "/", "\\", "x", ".")


def rgb(color: str) -> RGB:
    """``"#E69F00"`` -> ``(230, 159, 0)``.

    >>> rgb("#0072b2")
    (0, 114, 178)
    """
    text = color.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def luminance(color: str) -> float:
    """Relative luminance (WCAG) of a colour, 0 (black) to 1 (white).

    >>> round(luminance("#ffffff"), 2), round(luminance("#000000"), 2)
    (1.0, 0.0)
    """
    def linear(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _mix(under: str, over: str, alpha: float) -> RGB:
    """``over`` at ``alpha`` on ``under``, rounded as the painter rounds it.

    >>> _mix("#ffffff", "#000000", 0.5)
    (128, 128, 128)
    """
    r, g, b = (round(u * (1 - alpha) + o * alpha + 1e-9)
               for u, o in zip(rgb(under), rgb(over)))
    return r, g, b


def _hex(color: RGB) -> str:
    """``(230, 159, 0)`` -> ``"#e69f00"``.

    >>> _hex((230, 159, 0))
    '#e69f00'
    """
    return "#" + "".join(f"{v:02x}" for v in color)


@dataclass(frozen=True)
class Look:
    """How one kind of cell is drawn.

    ``line`` is the cell's edge style (one of ``solid``, ``dashed``, ``dotted``, ``none``);
    ``hatch`` fills the cell with ``/``, ``\\``, ``x`` (both) or ``.`` marks; ``cross`` draws
    an X (cells no stride reaches); ``text`` is the colour of numbers on this fill.

    >>> Look("#ffffff", "#000000", "#000000", line="dashed").line
    'dashed'
    """

    fill: str
    edge: str
    text: str
    line: str = "solid"
    hatch: str = ""
    hatch_color: str = "#000000"
    cross: bool = False

    def __post_init__(self) -> None:
        if self.line not in LINES:
            raise ValueError(f"Look.line={self.line!r} is not one of {', '.join(LINES)}")
        if self.hatch not in HATCHES:
            raise ValueError(f"Look.hatch={self.hatch!r} is not one of {HATCHES}")


@dataclass(frozen=True)
class Theme:
    """Visual defaults of a figure; sizes in points (fonts) and pixels (lines) at 32 px cells.

    Cell looks: ``input`` (real input cells), ``padding``, ``zero`` (inserted zeros),
    ``unreached`` (cells no stride reaches), ``window`` (under the kernel), ``chosen`` (the
    maximum of a max-pool window), ``pending``/``current``/``done`` (output cells not yet
    written, being written, written), ``crop`` (scatter canvas cells that will be cropped),
    ``cropped`` (after the crop), ``kernel`` (the kernel panel; a filter's ``bias`` cell is
    derived from it, :meth:`bias_look`). ``overlap`` shades finished scatter cells by how
    many kernel taps landed on them (1, 2, 3, 4 or more); one tap is the ``done`` fill, so a
    written cell has one colour in every figure and panel.

    >>> from convanim.draw.themes import THEMES
    >>> THEMES["print"].padding.line
    'dashed'
    """

    name: str
    background: str
    ink: str
    muted: str
    input: Look
    padding: Look
    zero: Look
    unreached: Look
    window: Look
    chosen: Look
    pending: Look
    current: Look
    done: Look
    crop: Look
    cropped: Look
    kernel: Look
    overlap: tuple[str, str, str, str]
    outline: str
    link: str
    link_alpha: float = 0.16
    # The window is see-through: a cell under it keeps its own role (input, padding, inserted
    # zero) mixed with this much of the window's hue, plus its own edge style and hatch.
    window_alpha: float = 0.4
    # Groups of a grouped convolution: group g > 0 mixes hue g (cycling) into the input and
    # filter fills and adds hatch g, so groups differ in colour and in mark (grey print).
    group_hues: tuple[str, str, str] = ("#cc79a7", "#009e73", "#8c8c8c")
    group_alpha: float = 0.45
    font: str = "DejaVu Sans"
    title_pt: float = 10.0
    caption_pt: float = 8.5
    label_pt: float = 8.5
    formula_pt: float = 8.5
    legend_pt: float = 7.5
    value_pt: float = 9.0
    small_pt: float = 6.5
    edge_px: float = 1.0
    outline_px: float = 3.0
    link_px: float = 1.0

    def look(self, name: str) -> Look:
        """A cell look by name; ``window+padding`` is the window fill with padding's edges.

        >>> THEMES["light"].look("window+zero").line
        'dotted'
        """
        if name.startswith("window+"):
            return self.see_through(self.look(name[len("window+"):]))
        if name == "bias":
            return self.bias_look()
        name, _, group = name.partition("@g")
        if group:
            return self.group_look(self.look(name), int(group))
        base, _, kind = name.partition("+")
        if base.startswith("overlap"):
            level = min(int(base[len("overlap"):]), len(self.overlap))
            fill = self.overlap[level - 1]
            if fill == self.done.fill:  # one tap: simply written
                return self.done
            # Shades run light to dark, so numbers switch colour to stay readable.
            text = "#ffffff" if luminance(fill) < 0.4 else "#1a1a1a"
            return replace(self.done, fill=fill, text=text)
        look = getattr(self, base)
        if kind:
            other = getattr(self, kind)
            look = replace(look, line=other.line, hatch=other.hatch,
                           hatch_color=other.hatch_color)
        return look

    def bias_look(self) -> Look:
        """A filter's bias cell: the kernel's edges and ink on a paler fill, so it reads as
        one of the filter's numbers but not as a weight.

        >>> light = THEMES["light"]
        >>> bias = light.look("bias")
        >>> bias.fill != light.kernel.fill, bias.edge == light.kernel.edge
        (True, True)
        """
        fill = _hex(_mix(self.kernel.fill, self.background, 0.6))
        text = self.kernel.text if abs(luminance(self.kernel.text) - luminance(fill)) > 0.25 \
            else self.ink
        return replace(self.kernel, fill=fill, text=text)

    def see_through(self, under: Look) -> Look:
        """``under`` seen through the window: its fill tinted by the window, its edges,
        hatch and number colour kept, so inputs, padding and inserted zeros stay distinct.

        >>> light = THEMES["light"]
        >>> light.look("window+input").fill != light.look("window+padding").fill
        True
        >>> light.look("window+zero").line
        'dotted'
        """
        fill = _hex(_mix(under.fill, self.window.fill, self.window_alpha))
        text = under.text if abs(luminance(under.text) - luminance(fill)) > 0.25 else (
            self.window.text)
        return replace(under, fill=fill, text=text)

    def group_look(self, look: Look, group: int) -> Look:
        """``look`` for channels of ``group``: group 0 as it is, others tinted and hatched.

        >>> light = THEMES["light"]
        >>> light.look("input@g0") == light.input, light.look("input@g1").hatch
        (True, '/')
        """
        if group <= 0:
            return look
        n = (group - 1) % len(self.group_hues)
        fill = _hex(_mix(look.fill, self.group_hues[n], self.group_alpha))
        # The hatch is the group's own hue, whatever the role: a group's input channels and
        # its filters share one mark, so the eye pairs them (their fills keep their roles).
        mark = _hex(_mix(self.group_hues[n], self.ink, 0.25))
        return replace(look, fill=fill, hatch=("/", "\\", "x")[n], hatch_color=mark)

    def palette(self, looks: tuple[str, ...] | list[str] = ()) -> list[RGB]:
        """Every exact colour the theme draws, background first (for the GIF palette).

        ``looks`` adds derived looks a figure uses (a group's ``input@g1``) after the rest,
        so figures without them keep exactly the palette they always had.

        >>> THEMES["light"].palette()[0]
        (255, 255, 255)
        >>> len(THEMES["light"].palette(["input@g1"])) > len(THEMES["light"].palette())
        True
        """
        colors = [self.background, self.ink, self.muted, self.outline, self.link]
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Look):
                colors += [value.fill, value.edge, value.text]
                if value.hatch:
                    colors.append(value.hatch_color)
        colors += [*self.overlap, "#ffffff", "#1a1a1a"]
        for kind in ("input", "padding", "zero", "unreached"):
            look = self.look("window+" + kind)
            colors += [look.fill, look.text]
        exact = [rgb(c) for c in colors]
        # Blends the drawing makes everywhere: the link wedge and its antialiased lines over
        # the background, and digit edges over each fill. Listed up front, a GIF whose palette
        # later fills with other edge colours still maps these to their own hue (not to the
        # nearest grey), so a role keeps one colour in every writer.
        blends = [_mix(self.background, self.link, self.link_alpha)]
        blends += [_mix(self.background, self.link, k / 8) for k in range(1, 8)]
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Look):
                blends += [_mix(value.fill, value.text, k / 4) for k in (1, 2, 3)]
        for name in looks:
            look = self.look(name)
            blends += [rgb(c) for c in (look.fill, look.edge, look.text, look.hatch_color)]
            blends += [_mix(look.fill, look.text, k / 4) for k in (1, 2, 3)]
        return list(dict.fromkeys([*exact, *blends]))


# Okabe-Ito: orange E69F00, sky blue 56B4E9, bluish green 009E73, yellow F0E442, blue 0072B2,
# vermillion D55E00, reddish purple CC79A7; safe for the common colour-vision deficiencies.
LIGHT = Theme(
    name="light",
    background="#ffffff",
    ink="#1a1a1a",
    muted="#666666",
    input=Look("#a6d4f2", "#0072b2", "#0b2a40"),
    padding=Look("#ffffff", "#7a7a7a", "#7a7a7a", line="dashed"),
    zero=Look("#f3f3f3", "#8c8c8c", "#8c8c8c", line="dotted", hatch=".", hatch_color="#b3b3b3"),
    unreached=Look("#e0e0e0", "#9e9e9e", "#8c8c8c", line="solid", cross=True),
    window=Look("#e69f00", "#1a1a1a", "#1a1a1a"),
    # The window's maximum: a deep reddish purple, unlike the vermillion of the cell being
    # written and dark enough to stand out from the see-through window's tint.
    chosen=Look("#a8427f", "#1a1a1a", "#ffffff"),
    pending=Look("#ffffff", "#b8b8b8", "#b8b8b8"),
    current=Look("#d55e00", "#1a1a1a", "#ffffff"),
    done=Look("#7fcdb5", "#00785a", "#0b2e24"),
    crop=Look("#f5f5f5", "#9e9e9e", "#7a7a7a", line="dashed", hatch="/", hatch_color="#d0d0d0"),
    cropped=Look("#ffffff", "#c4c4c4", "#b4b4b4", line="dotted"),
    kernel=Look("#f0e442", "#8a7f00", "#1a1a1a"),
    overlap=("#7fcdb5", "#3fb892", "#009e73", "#00664b"),
    outline="#1a1a1a",
    link="#e69f00",
)

DARK = Theme(
    name="dark",
    background="#1e2227",
    ink="#e8e8e8",
    muted="#a0a0a0",
    input=Look("#1f5f8b", "#56b4e9", "#e8f4fc"),
    padding=Look("#1e2227", "#8a8a8a", "#9a9a9a", line="dashed"),
    zero=Look("#2a2f35", "#7a7a7a", "#8a8a8a", line="dotted", hatch=".", hatch_color="#555b62"),
    unreached=Look("#3a3f45", "#6a6a6a", "#8a8a8a", cross=True),
    window=Look("#e69f00", "#f5f5f5", "#1a1a1a"),
    chosen=Look("#cc79a7", "#f5f5f5", "#1a1a1a"),
    pending=Look("#1e2227", "#4a5058", "#5a5a5a"),
    current=Look("#d55e00", "#f5f5f5", "#ffffff"),
    done=Look("#2fbf95", "#8ff0cf", "#0b2e24"),
    crop=Look("#262a30", "#6a6a6a", "#8a8a8a", line="dashed", hatch="/", hatch_color="#3c4148"),
    cropped=Look("#1e2227", "#4a4f55", "#5f646a", line="dotted"),
    kernel=Look("#8a7f1a", "#f0e442", "#fffbe0"),
    overlap=("#2fbf95", "#62d6b1", "#9be8cf", "#d2f7ea"),
    outline="#f5f5f5",
    link="#e69f00",
    link_alpha=0.22,
)

# Black and white only: kinds differ by grey level, edge style and hatch, never by hue.
PRINT = Theme(
    name="print",
    background="#ffffff",
    ink="#000000",
    muted="#555555",
    input=Look("#ffffff", "#000000", "#000000"),
    padding=Look("#ffffff", "#000000", "#555555", line="dashed"),
    zero=Look("#ffffff", "#555555", "#555555", line="dotted", hatch=".", hatch_color="#888888"),
    unreached=Look("#e6e6e6", "#777777", "#555555", cross=True),
    window=Look("#bdbdbd", "#000000", "#000000"),
    chosen=Look("#8f8f8f", "#000000", "#000000", hatch="x", hatch_color="#5a5a5a"),
    pending=Look("#f2f2f2", "#aaaaaa", "#aaaaaa"),
    current=Look("#5a5a5a", "#000000", "#ffffff"),
    done=Look("#ffffff", "#000000", "#000000", hatch="\\", hatch_color="#d6d6d6"),
    crop=Look("#ffffff", "#777777", "#555555", line="dashed", hatch="/", hatch_color="#c8c8c8"),
    cropped=Look("#ffffff", "#b0b0b0", "#a0a0a0", line="dotted"),
    kernel=Look("#e6e6e6", "#000000", "#000000"),
    overlap=("#ffffff", "#d9d9d9", "#bfbfbf", "#a6a6a6"),
    outline="#000000",
    link="#000000",
    link_alpha=0.10,
    group_hues=("#000000", "#000000", "#000000"),
    group_alpha=0.12,
)

# The look of "A guide to convolution arithmetic": blue input, cyan output, dashed padding.
CLASSIC = Theme(
    name="classic",
    background="#ffffff",
    ink="#1a1a1a",
    muted="#666666",
    input=Look("#268bd2", "#0e3d5e", "#ffffff"),
    padding=Look("#ffffff", "#0e3d5e", "#0e3d5e", line="dashed"),
    zero=Look("#ffffff", "#0e3d5e", "#0e3d5e", line="dotted", hatch=".", hatch_color="#9cafb3"),
    unreached=Look("#c8d3d6", "#0e3d5e", "#0e3d5e", line="dashed", cross=True),
    window=Look("#9cafb3", "#032e39", "#032e39"),
    chosen=Look("#cb4b16", "#032e39", "#ffffff"),
    pending=Look("#ffffff", "#0e3d5e", "#0e3d5e"),
    current=Look("#176e6e", "#032e39", "#ffffff"),
    done=Look("#2aa198", "#0e4f4b", "#ffffff"),
    crop=Look("#ffffff", "#0e3d5e", "#0e3d5e", line="dashed", hatch="/", hatch_color="#c8d3d6"),
    cropped=Look("#ffffff", "#b7c5c8", "#b7c5c8", line="dotted"),
    kernel=Look("#9cafb3", "#032e39", "#032e39"),
    overlap=("#2aa198", "#1b857d", "#0f5f5a", "#063a37"),
    outline="#032e39",
    link="#032e39",
    link_alpha=0.10,
)

THEMES: dict[str, Theme] = {t.name: t for t in (LIGHT, DARK, PRINT, CLASSIC)}
DERIVED_LOOKS = ("bias",)
"""Looks made from others (not fields of a theme): a figure using one adds its colours to
the GIF palette, as it does a group's tint."""
"""The built-in themes by name; ``light`` is the default."""
