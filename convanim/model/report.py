"""The report page of ``convanim model -o DIR``: ``index.html`` and ``README.md`` with the
table, one small animation per distinct layer setting, the main path as a chain figure
(the centre cell traced back, its field growing layer by layer) and a plot of receptive field
and resolution per layer.

Every figure goes through the same budget checks as any render, on a small input chosen to
be legible; every text from the model (names, types) is escaped for HTML and Markdown. Files
appear atomically, one by one, figures first; files in DIR that the report does not write
are left alone.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from convanim.geometry.ops import get_op
from convanim.model.graph import ModelError, clean
from convanim.model.table import Row, Table, spec_of
from convanim.model.text import COLUMNS, cells, markdown_table, md_escape, summary

MAX_SETTINGS = 12  # animations per report; further settings are listed, not drawn
CHAIN_CELLS = 20  # the chain figure's largest grid, per side
NONE_DRAWN = ("No layer convanim can draw: it draws 1-D and 2-D convolutions, pooling, "
              "transposed convolutions and upsampling.")


def settings(table: Table) -> list[tuple[dict[str, Any], str, list[Row]]]:
    """The distinct drawable layer settings, most used first: (layer mapping, label, rows);
    the label ends with the count, e.g. "conv k3 s1 p1 x12" (with a multiplication sign).

    >>> from convanim.model.graph import Graph, Node
    >>> from convanim.model.table import build_table
    >>> conv = lambda n: Node(n, "Conv2d", "window", ("input",), (1, 1, 8, 8), (1, 1, 8, 8),
    ...     (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1, 0, 0, "conv")
    >>> g = Graph(("input",), [Node("input", "input", "input", (), (1, 1, 8, 8),
    ...     (1, 1, 8, 8)), conv("a"), conv("b")])
    >>> [(label.rsplit(" ", 1)[0], len(rows)) for _, label, rows in settings(build_table(g))]
    [('conv k3 s1 p1', 2)]
    """
    groups: dict[str, tuple[dict[str, Any], list[Row]]] = {}
    for row in table.rows:
        spec = spec_of(row.node)
        if spec is None:
            continue
        key = repr(sorted(spec.items()))
        groups.setdefault(key, (spec, []))[1].append(row)
    out = []
    for spec, rows in sorted(groups.values(), key=lambda item: -len(item[1])):
        out.append((spec, f"{_label(spec)} ×{len(rows)}", rows))
    return out


def _label(spec: dict[str, Any]) -> str:
    def short(values: Sequence[int]) -> str:
        return str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))

    if "kernel_size" not in get_op(spec["mode"]).takes:  # an upsampler: its scale and method
        return f"{spec['mode']} ×{spec['scale']} {spec['method']}"
    text = f"{spec['mode']} k{short(spec['kernel_size'])} s{short(spec['stride'])} " \
           f"p{short(spec['padding'])}"
    if any(d != 1 for d in spec.get("dilation", [1])):
        text += f" d{short(spec['dilation'])}"
    return text


def _small_input(spec: dict[str, Any], dims: int) -> list[int]:
    """A legible input for one layer: a few output cells, every tap used."""
    if "kernel_size" not in spec or get_op(spec["mode"]).transposed:  # the output grows
        return [3] * dims
    sizes = []
    for k, s, p, d in zip(spec["kernel_size"], spec["stride"], spec["padding"],
                          spec.get("dilation", [1] * dims)):
        span = d * (k - 1) + 1
        sizes.append(max(5, span + 2 * s - 2 * p, span - 2 * p))
    return sizes


def _chain_for(table: Table) -> tuple[Any, int] | None:
    """The main path's longest drawable prefix as a chain on the smallest input that holds
    its last receptive field whole (so the figure shows the field, not the border)."""
    from convanim.geometry.chain import Chain, receptive_fields
    from convanim.geometry.spec import SpecError

    layers = [spec_of(row.node) for row in table.path_layers()]
    dims = len(table.rows[0].receptive_field or (1,))
    for count in range(len(layers), 0, -1):
        for size in range(3, CHAIN_CELLS + 1):
            try:
                chain = Chain.build([size] * dims, layers[:count], dims=dims)
                field = receptive_fields(chain)[-1].receptive_field
            except SpecError:
                continue
            largest = max(max(*spec.i, *spec.output_shape) for spec in chain.layers)
            if largest <= CHAIN_CELLS and max(field) <= size:
                return chain, count
    return None


def write_report(table: Table, directory: str | Path) -> Path:
    """Write the report into ``directory``; returns the path of ``index.html``.

    Refuses (``ModelError``) a directory that is a file, before any work.

    >>> import tempfile, torch
    >>> from convanim.model import from_module
    >>> table = from_module(torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, stride=2)), (1, 8, 8))
    >>> index = write_report(table, tempfile.mkdtemp())
    >>> index.name, sorted(p.name for p in (index.parent / "figures").iterdir())
    ('index.html', ['field.png', 'field.svg', 'layer_1.gif', 'main_path.gif'])
    """
    from convanim.budget import check_render
    from convanim.geometry import Spec, SpecError
    from convanim.writers import atomic_output

    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise ModelError(f"-o: {out}: is a file, not a folder; give a folder for the report")
    figures = out / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    dims = len(table.rows[0].receptive_field or (1,))
    from convanim.api import render

    drawn: list[tuple[str, str | None, str]] = []  # (label, file, alt)
    for n, (spec, label, _) in enumerate(settings(table)):
        if n >= MAX_SETTINGS:
            drawn.append((label, None, "not drawn: more settings than the report shows"))
            continue
        layer = {**spec, "input_size": _small_input(spec, dims), "dims": dims}
        name = f"layer_{n + 1}.gif"
        try:
            render(layer, figures / name)
        except SpecError as err:
            drawn.append((label, None, f"not drawn: {err}"))
            continue
        alt = f"{label}: " + Spec.from_dict(layer).label
        drawn.append((label, f"figures/{name}", alt))
    chain_file, chain_alt = None, ""
    found = _chain_for(table)
    if found is not None:
        chain, count = found
        from convanim.draw.chain import render_chain
        from convanim.draw.options import RenderOptions

        try:
            for spec in chain.layers:
                check_render(spec, len(chain.layers))
            render_chain(chain, figures / "main_path.gif", RenderOptions(), view="trace")
            chain_file = "figures/main_path.gif"
            total = len(table.path_layers())
            part = "" if count == total else f" (its first {count} of {total} drawable layers)"
            chain_alt = (f"The main path{part} on a {chain.sizes.split(' ')[0]} input: "
                         + chain.alt_text("trace"))
        except SpecError as err:
            chain_alt = f"not drawn: {err}"
    _plot(table, figures)
    with atomic_output(out / "README.md", "w") as f:
        f.write(_markdown(table, drawn, chain_file, chain_alt))
    with atomic_output(out / "index.html", "w") as f:
        f.write(_html(table, drawn, chain_file, chain_alt))
    return out / "index.html"


def _plot(table: Table, figures: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    from convanim.writers import atomic_output

    # Along the main path (the one the field is measured on): a side branch in execution
    # order would zig-zag the resolution.
    rows = [table.row(name) for name in table.path if table.row(name).node.kind != "pass"]
    dims = len(table.rows[0].receptive_field or (1,))

    def grid(shape: Sequence[int]) -> int:
        sizes = shape[1:1 + dims] if table.channels_last else shape[2:2 + dims]
        return int(sizes[0]) if len(shape) >= dims + 2 else 1

    xs = list(range(len(rows)))
    fig, ax = plt.subplots(figsize=(8, 4.6 if len(rows) <= 40 else 3.6), dpi=100)
    ax.plot(xs, [row.receptive_field[0] for row in rows], "o-", color="#c0392b",
            label="receptive field (cells of the input)")
    ax.plot(xs, [grid(row.node.out_shape) for row in rows], "s-", color="#2471a3",
            label="resolution (output cells)")
    ax.set_yscale("log", base=2)
    ax.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    if len(rows) <= 40:
        ax.set_xticks(xs, [_short(row.node.name) for row in rows], rotation=60, ha="right",
                      fontsize=8)
    ax.set_xlabel("layer on the main path (grid-keeping layers left out)")
    ax.set_ylabel("cells along the first axis")
    ax.set_title("Receptive field and resolution per layer")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="center right", fontsize=9)
    fig.tight_layout()
    for suffix in ("png", "svg"):
        with atomic_output(figures / f"field.{suffix}", "wb") as f:
            fig.savefig(f, format=suffix, metadata={"Date": None} if suffix == "svg" else None)
    plt.close(fig)


def _short(name: str, width: int = 24) -> str:
    """A tick label: model text with markup characters matplotlib would read ($) made
    plain, long names shortened from the left."""
    text = clean(name).replace("$", "\\$")
    return text if len(text) <= width else "…" + text[-(width - 1):]


def _markdown(table: Table, drawn: list[tuple[str, str | None, str]], chain_file: str | None,
              chain_alt: str) -> str:
    lines = [f"# {md_escape(table.source)}: layer by layer", "",
             md_escape(summary(table)), "", "## Table", "", markdown_table(table), "",
             "## Layer settings", ""]
    if not drawn:
        lines += [NONE_DRAWN, ""]
    for label, file, alt in drawn:
        lines.append(f"### {md_escape(label)}")
        lines.append(f"![{md_escape(alt)}]({file})" if file else md_escape(alt))
        lines.append("")
    lines += ["## Main path", ""]
    lines.append(f"![{md_escape(chain_alt)}]({chain_file})" if chain_file else
                 md_escape(chain_alt or "not drawn: no layer on the main path can be drawn"))
    lines += ["", "## Receptive field and resolution", "",
              "![Receptive field and resolution per layer](figures/field.png)", ""]
    return "\n".join(lines)


def _html(table: Table, drawn: list[tuple[str, str | None, str]], chain_file: str | None,
          chain_alt: str) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in COLUMNS)
    body = "\n".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells(row)) + "</tr>"
                     for row in table.rows)
    figs = []
    for label, file, alt in drawn:
        inner = (f'<img src="{e(file)}" alt="{e(alt)}">' if file else f"<p>{e(alt)}</p>")
        figs.append(f"<figure>{inner}<figcaption>{e(label)}</figcaption></figure>")
    if not figs:
        figs.append(f"<p>{e(NONE_DRAWN)}</p>")
    chain = (f'<img src="{e(chain_file)}" alt="{e(chain_alt)}"><p>{e(chain_alt)}</p>'
             if chain_file else f"<p>{e(chain_alt or 'not drawn')}</p>")
    title = e(f"{table.source}: layer by layer")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 72em;
       padding: 0 1em; color: #222; }}
table {{ border-collapse: collapse; font-size: 13px; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left;
          white-space: nowrap; }}
.scroll {{ overflow-x: auto; }}
figure {{ display: inline-block; margin: 0 1.5em 1.5em 0; vertical-align: top; }}
figcaption {{ font-weight: 600; }}
img {{ max-width: 100%; }}
</style></head><body>
<h1>{title}</h1>
<p>{e(summary(table))}</p>
<h2>Table</h2>
<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>
{body}
</tbody></table></div>
<h2>Layer settings</h2>
{"".join(figs)}
<h2>Main path</h2>
{chain}
<h2>Receptive field and resolution</h2>
<img src="figures/field.svg" alt="Receptive field and resolution per layer">
</body></html>
"""
