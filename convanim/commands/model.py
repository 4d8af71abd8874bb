"""``convanim model SOURCE``: the per-layer table of your own model, and its report page.

Its options are declared here (the command's own, not the render options). Torch and ONNX
load only when this command runs.
"""

from __future__ import annotations

from typing import Any

import click


@click.command("model")
@click.argument("source")
@click.option("--input", "input_text", metavar="C,H,W",
              help="Input size without the batch: 3,224,224 (C,H,W) or 1,128 (C,L); needed "
                   "for PyTorch modules and for files with free sizes.")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
@click.option("--markdown", is_flag=True, help="Print the table as Markdown.")
@click.option("-o", "--output", metavar="DIR", type=click.Path(file_okay=False),
              help="Write the report page (index.html, README.md, figures) into DIR.")
@click.pass_context
def model(ctx: click.Context, source: str, input_text: str | None, as_json: bool,
          markdown: bool, output: str | None) -> None:
    """The per-layer table of a model: shapes, kernel, stride, padding, dilation, groups,
    parameters, multiply-adds and the exact receptive field, jump and start per axis.

    SOURCE is a PyTorch module (file.py:Name or package.module:Name, with --input), an ONNX
    file, or a Keras model (model.to_json() text in a .json file, or a .keras archive; read
    without TensorFlow). Nothing is downloaded; the model runs once on zeros.

    \b
    Examples:
      convanim model net.py:Net --input 3,224,224
      convanim model model.onnx --markdown
      convanim model model.keras --json
      convanim model net.py:Net --input 3,64,64 -o report/
    """
    from convanim.model.graph import ModelError
    from convanim.model.source import parse_input, table_of
    from convanim.model.text import markdown_table, text_table

    if as_json and markdown:
        raise click.UsageError("--json and --markdown: pick one; e.g. drop --markdown", ctx)
    try:
        table = table_of(source, parse_input(input_text))
        if output is not None:
            from convanim.model.report import write_report

            written = write_report(table, output)
    except ModelError as err:
        raise click.UsageError(str(err), ctx) from None
    if as_json:
        click.echo(table.to_json())
    elif markdown:
        click.echo(markdown_table(table))
    elif output is None:
        click.echo(text_table(table))
    if output is not None:
        click.echo(f"wrote {written}", err=as_json or markdown)


def register(group: Any) -> None:
    """Add ``model`` to the command group.

    >>> group = click.Group()
    >>> register(group); sorted(group.commands)
    ['model']
    """
    group.add_command(model)
