"""What ``convanim shape`` says about a spec: sizes, formulas, unused cells, warnings, code.

Every number comes from the geometry engine (``spec.output_shape`` and ``arithmetic``); this
module only puts it into words, as 80-column text lines or as JSON-ready data.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

from convanim.explain.code import keras_code, keras_reason, pytorch_code
from convanim.explain.overlap import phase_taps, uneven_axes
from convanim.geometry import AxisArithmetic, Spec, arithmetic
from convanim.geometry.words import AXIS_NAMES, alt_text, axis_words, shape_text

WIDTH = 80
ROW_NAMES = {1: (("cell", "cells"),), 2: (("row", "rows"), ("column", "columns")),
             3: (("slice", "slices"), ("row", "rows"), ("column", "columns"))}


@dataclass(frozen=True)
class ShapeReport:
    """Everything ``convanim shape`` prints, as data; :meth:`lines` and :meth:`to_json` show it.

    >>> report = explain_shape(Spec(i=3, k=3, s=2, p=1, mode="transposed"))
    >>> report.output_shape, report.uneven
    ((5, 5), (0, 1))
    """

    spec: Spec
    axes: tuple[AxisArithmetic, ...]
    unreached: tuple[str, ...]
    uneven: tuple[int, ...]
    checkerboard: str | None
    pytorch: str
    keras: str | None
    keras_reason: str | None
    alt: str

    @property
    def output_shape(self) -> tuple[int, ...]:
        """The output size per axis.

        >>> explain_shape(Spec(i=(5, 7), k=3, s=2, p=1)).output_shape
        (3, 4)
        """
        return self.spec.output_shape

    def lines(self) -> list[str]:
        """The report as text lines, none longer than 80 columns.

        >>> explain_shape(Spec(i=5, k=3, s=2, p=1)).lines()[1]
        'input 5x5 -> output 3x3'
        """
        spec = self.spec
        out = [spec.label, f"input {shape_text(spec.op.report_input_shape(spec))} -> output "
               f"{shape_text(spec.output_shape)}"]
        facts = _layer_facts(spec)
        if facts is not None and (facts["input"] != list(spec.i) or facts.get("bias")):
            out += _layer_lines(facts)
        if spec.padding_name:
            out.append(f"padding {spec.padding_name!r} = " + _sides(spec))
        out += ["", "Output size:", *_formula_lines(spec, self.axes)]
        if spec.is_transposed:
            out += ["", "As a direct convolution (the gather view of `render`):"]
            out += _equivalent_lines(spec, self.axes)
        if spec.view == "backward":
            out += ["", *_backward_lines(spec)]
        for note in self.unreached:
            out += ["", *_wrap(note)]
        if self.checkerboard:
            out += ["", *_wrap(self.checkerboard)]
        # Code starts at column 0 so it pastes as it is and a full-width call still fits.
        out += ["", "PyTorch (import torch.nn as nn):", *self.pytorch.splitlines()]
        out += ["Keras (from keras import layers):"]
        out += (self.keras.splitlines() if self.keras else
                _wrap(f"# no exact Keras form: {self.keras_reason}.", "", "# "))
        return out

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data with stable keys.

        >>> sorted(explain_shape(Spec(i=5, k=3)).to_json())[:4]
        ['alt', 'axes', 'checkerboard', 'equivalent_convolution']
        """
        spec = self.spec
        names = AXIS_NAMES[spec.dims]
        axes = [{"axis": names[a.axis], "formula": a.formula, "numbers": a.numbers,
                 "output": a.output, "unreached": a.unreached} for a in self.axes]
        equivalent = None
        if spec.is_transposed:
            equivalent = {"zeros_inserted": [a.zeros for a in self.axes],
                          "padding": [list(a.equivalent_padding) for a in self.axes],
                          "stride": [1] * spec.dims, "kernel_rotated": True}
        return {
            "spec": spec.to_dict(), "label": spec.label,
            "input_shape": list(spec.op.report_input_shape(spec)),
            "output_shape": list(spec.output_shape),
            "padding": [list(pair) for pair in spec.p], "axes": axes,
            "equivalent_convolution": equivalent,
            "unreached": [a.unreached for a in self.axes], "unreached_notes": list(self.unreached),
            "checkerboard": {"warning": bool(self.uneven),
                             "axes": [names[axis] for axis in self.uneven],
                             "taps_per_phase": [list(t) for t in phase_taps(spec)]
                             if spec.is_transposed else None,
                             "message": self.checkerboard},
            "pytorch": self.pytorch, "keras": self.keras, "keras_reason": self.keras_reason,
            "alt": self.alt, "layer": _layer_facts(spec),
            **({"gradients": backward_facts(spec)} if spec.view == "backward" else {}),
        }


def backward_facts(spec: Spec) -> dict[str, Any]:
    """What carries ``spec``'s gradient back: the layer that maps ``dL/dy`` to ``dL/dx``
    (the same weight), the ``dL/dy`` cells it leaves out, and ``dL/dW`` in words.

    >>> backward_facts(Spec(i=5, k=3, s=2, p=1, view="backward"))["input_gradient"]
    'nn.ConvTranspose2d(1, 1, kernel_size=3, stride=2, padding=1, bias=False)'

    A channel stack's layer goes from ``out_channels`` back to ``in_channels`` in the same
    groups, reading the forward weight as it is (PyTorch's two layouts are each other's).

    >>> backward_facts(Spec(i=5, k=3, in_channels=2, out_channels=4, groups=2,
    ...                     view="backward"))["input_gradient"]
    'nn.ConvTranspose2d(4, 2, kernel_size=3, groups=2, bias=False)'
    """
    from convanim.geometry.ops.backward import input_gradient_spec
    from convanim.geometry.ops.channels import stacked

    derived, dropped = input_gradient_spec(spec)
    channels = stacked(spec)
    if channels:
        derived = derived.replace(in_channels=spec.out_channels, out_channels=spec.in_channels,
                                  groups=spec.groups)
    x, dy, name = (("x[c]", "dL/dy[o]", "dL/dW[c,o][t]") if channels and spec.is_transposed
                   else ("x[c]", "dL/dy[o]", "dL/dW[o,c][t]") if channels
                   else ("x", "dL/dy", "dL/dW[t]"))
    words = (f"{dy} under weight t (the border the forward pass cropped as zeros) times "
             f"the cell of {x} that weight carried there" if spec.is_transposed else
             f"the input {x} under weight t (padded as in the forward pass) times {dy} there")
    return {"input_gradient": pytorch_code(derived),
            "input_gradient_mode": derived.mode, "dropped_cells": dropped,
            "input_gradient_reads": list(derived.i),
            "weight_gradient": f"{name} = sum over positions of {words}"}


def _backward_lines(spec: Spec) -> list[str]:
    """``shape --view backward``: the layer that carries the gradient back, and dL/dW."""
    facts = backward_facts(spec)
    noun = ("a convolution" if spec.is_transposed else "a transposed convolution")
    head = (f"Backward (the backward view of `render`): dL/dx is {noun} of dL/dy with "
            "the same weight W, this layer applied to dL/dy")
    if facts["dropped_cells"]:
        head += (f" without its last {facts['dropped_cells']} output_padding row(s)/column(s),"
                 " which no input reached")
    return [*_wrap(head + ":"), *facts["input_gradient"].splitlines(),
            *_wrap(facts["weight_gradient"] + ".")]


def _layer_facts(spec: Spec) -> dict[str, Any] | None:
    """The op's layer facts (channels, weight shape, parameters), when it has channels."""
    facts = getattr(spec.op, "layer_facts", None)
    return None if facts is None else facts(spec)


def _layer_lines(facts: dict[str, Any]) -> list[str]:
    """``tensor 3x5x5 -> 2x3x3 (channels first)``, the weight, parameters, multiply-adds."""
    def x(shape: list[int]) -> str:
        return "x".join(map(str, shape))

    lines = [f"tensor {x(facts['input'])} -> {x(facts['output'])} (channels first)"]
    if facts["weight"] is None:
        return [*lines, "no parameters; each channel is pooled on its own"]
    weight = facts["weight"]
    bias = f" + bias {facts['bias'][0]}" if facts["bias"] else ""
    lines.append(f"weight {x(weight)}{bias}: {facts['parameters']:,} parameters, "
                 f"{facts['multiply_adds']:,} multiply-adds")
    groups = facts["groups"]
    if groups > 1:
        kind = ("depthwise: each input channel its own filters"
                if groups == facts["in_channels"] else
                f"each filter sees {facts['in_channels'] // groups} of {facts['in_channels']} "
                "input channels")
        lines.append(f"groups {groups}: {kind}")
        if groups == facts["in_channels"] and len(weight) < 5:  # Keras has no SeparableConv3D
            lines.append("(depthwise, then a 1x1 pointwise conv = Keras layers.SeparableConv2D)")
    return lines


def _wrap(text: str, indent: str = "", more: str | None = None) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent,
                         subsequent_indent=more if more is not None else indent or "  ",
                         break_on_hyphens=False)


def _sides(spec: Spec) -> str:
    names = AXIS_NAMES[spec.dims]
    if len(set(spec.p)) == 1:
        return f"{spec.p[0][0]} before, {spec.p[0][1]} after on each axis"
    return "; ".join(f"{name} {b} before, {a} after" for name, (b, a) in zip(names, spec.p))


def _formula_lines(spec: Spec, axes: tuple[AxisArithmetic, ...]) -> list[str]:
    names = AXIS_NAMES[spec.dims]
    groups: list[tuple[str, AxisArithmetic]] = []
    if spec.dims >= 2 and len({(a.formula, a.numbers) for a in axes}) == 1:
        groups.append((" and ".join(names).replace(" and ", ", ", spec.dims - 2), axes[0]))
    else:
        groups += [(names[a.axis], a) for a in axes]
    lines = []
    for name, a in groups:
        first = f"  {name}: {a.formula}"
        if len(first) <= WIDTH and len(name) + 6 + len(a.text) <= WIDTH:
            lines += [first, " " * (len(name) + 6) + f"= {a.numbers} = {a.output}"]
        else:  # too wide beside the axis name: the formula goes below it
            lines += [f"  {name}:", f"    {a.formula}", f"      = {a.numbers} = {a.output}"]
    return lines


def _equivalent_lines(spec: Spec, axes: tuple[AxisArithmetic, ...]) -> list[str]:
    zeros = tuple(a.zeros for a in axes)
    inner = tuple(a.inserted for a in axes)
    eq = tuple(a.equivalent_padding for a in axes)
    padded = tuple(a.padded for a in axes)
    rule = "k-1-p" if all(d == 1 for d in spec.d) else "d*(k-1)-p"
    noun = "zero" if max(zeros) == 1 else "zeros"
    befores, afters = tuple(b for b, _ in eq), tuple(a for _, a in eq)

    def amount(values: tuple[int, ...]) -> str:
        if min(values) >= 0:
            return f"pad {axis_words(values, spec.dims)}"
        if max(values) <= 0:
            return f"crop {axis_words(tuple(-v for v in values), spec.dims)}"
        return f"pad {axis_words(values, spec.dims)} (negative crops)"

    if befores == afters:
        pad = f"{amount(befores)} on each side ({rule})"
    else:
        pad = (f"{amount(befores)} before ({rule}), {amount(afters)} after "
               f"({rule} + output_padding)")
    kernel = shape_text(spec.k)
    steps = [f"1. insert s-1 = {axis_words(zeros, spec.dims)} {noun} between input cells: "
             f"{shape_text(spec.i)} -> {shape_text(inner)}",
             f"2. {pad}: {shape_text(inner)} -> {shape_text(padded)}",
             f"3. slide the {kernel} kernel, rotated 180 degrees, with stride 1: "
             f"{shape_text(padded)} -> {shape_text(spec.output_shape)}"]
    return [line for step in steps for line in _wrap(step, "  ", "     ")]


def _unreached_notes(spec: Spec, axes: tuple[AxisArithmetic, ...]) -> tuple[str, ...]:
    """One note per distinct (count, input cells among them); rows and columns together."""
    groups: dict[tuple[int, int, int], list[int]] = {}
    for a in axes:
        if a.unreached > 0:
            real = max(a.unreached - spec.p[a.axis][1], 0)
            groups.setdefault((a.unreached, real, spec.s[a.axis]), []).append(a.axis)
    notes = []
    for (count, real, stride), which in groups.items():
        names = [ROW_NAMES[spec.dims][axis][count != 1] for axis in which]
        what = " and the last ".join(f"{count} {name}" for name in names)
        many = count != 1 or len(which) > 1
        if real == 0:
            why = "padding only, so no input value is lost"
        elif real == count:
            why = ("input cells: their values never reach the output" if many else
                   "an input " + ROW_NAMES[spec.dims][which[0]][0] +
                   ": its values never reach the output")
        else:
            why = f"the last {real} of each are input cells, whose values never reach the output"
        notes.append(f"Unused: the last {what} of the padded input {'are' if many else 'is'} "
                     f"never used, because stride {stride} never reaches "
                     f"{'them' if many else 'it'} ({why}).")
    return tuple(notes)


def _checkerboard_note(spec: Spec, uneven: tuple[int, ...]) -> str | None:
    if not uneven:
        return None
    names = AXIS_NAMES[spec.dims]
    taps = phase_taps(spec)
    parts: list[str] = []
    for axis in uneven:
        k, s, d = spec.k[axis], spec.s[axis], spec.d[axis]
        counts = " or ".join(map(str, sorted(set(taps[axis]))))
        why = (f"kernel {k} is not a multiple of stride {s}" if d == 1 else
               f"kernel {k} with dilation {d} does not spread evenly over stride {s}")
        part = f"{why}, so interior output cells get {counts} taps per axis"
        if part not in parts:
            parts.append(part)
    if len(parts) < len(uneven) or spec.dims == 1:
        where = ""
    else:
        where = " (" + " and ".join(names[axis] for axis in uneven) + ")"
    note = ("Checkerboard warning" + where + ": " + "; ".join(parts) + ". This uneven "
            "overlap leaves checkerboard artifacts in generated images (see `convanim overlap`).")
    return note + _even_fix(spec)


def _even_fix(spec: Spec) -> str:
    """The best checkerboard-free setting with the same stride and sizes, when one exists."""
    from convanim.explain.solve import best_even

    axes = set(zip(spec.i, spec.output_shape, spec.s, spec.d))
    if len(axes) != 1:
        return " Use a kernel size that is a multiple of the stride."
    i, o, s, d = axes.pop()
    found = best_even(i, o, s, d, max(max(spec.k), 2 * s + 2))
    if found is None:
        return " Use a kernel size that is a multiple of the stride."
    values = found.params
    extra = (f", output_padding {values['output_padding']}" if values["output_padding"]
             else "")
    return (f" An even setting with the same sizes: kernel {values['kernel_size']}, "
            f"stride {s}, padding {values['padding']}{extra}.")


def explain_shape(spec: Spec) -> ShapeReport:
    """Everything ``convanim shape`` says about ``spec``.

    >>> explain_shape(Spec(i=3, k=3, s=2, p=1, mode="transposed")).pytorch
    'nn.ConvTranspose2d(1, 1, kernel_size=3, stride=2, padding=1, bias=False)'
    """
    axes = arithmetic(spec)
    uneven = uneven_axes(spec)
    return ShapeReport(spec, axes, _unreached_notes(spec, axes), uneven,
                       _checkerboard_note(spec, uneven), pytorch_code(spec), keras_code(spec),
                       keras_reason(spec), alt_text(spec))
