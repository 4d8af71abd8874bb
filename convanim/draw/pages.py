"""Slides for papers and talks: one PDF page per shown frame, each at the figure's size.

``--frames key -o slides.pdf`` (or ``frames``/``max_slides`` with a ``.pdf`` path) writes the
chosen frames as vector pages with real text, in order, exactly as the animation draws them
(title and legend on every page). LaTeX's ``animate`` package plays such a file in Beamer::

    \\usepackage{animate}
    \\animategraphics[controls,width=\\linewidth]{1}{slides}{}{}   % 1 page a second

and ``\\includegraphics[page=3]{slides.pdf}`` places one page.

>>> import tempfile, os
>>> from convanim.geometry import Spec, plan
>>> out = write_pages(plan(Spec(i=4, k=3)), RenderOptions(frames="key"),
...                   os.path.join(tempfile.mkdtemp(), "slides.pdf"))
>>> b"/Count 4" in out.read_bytes()
True
"""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.backends.backend_pdf import PdfPages

from convanim.draw.animate import Renderer
from convanim.draw.options import RenderOptions
from convanim.draw.scene import Scene
from convanim.draw.storyboard import MAX_TILES, check_vector, vector_page
from convanim.geometry import Plan, SpecError


def wants_pages(path: str | os.PathLike[str], options: RenderOptions) -> bool:
    """Whether ``path`` with ``options`` means a multi-page PDF (a ``.pdf`` with a frame pick).

    >>> wants_pages("a.pdf", RenderOptions(frames="key")), wants_pages("a.pdf", RenderOptions())
    (True, False)
    """
    picked = options.frames is not None or options.max_slides is not None
    return Path(path).suffix.lower() == ".pdf" and picked


def write_pages(plan: Plan, options: RenderOptions, path: str | os.PathLike[str]) -> Path:
    """Write the frames ``options.frames`` / ``max_slides`` pick, one PDF page each.

    >>> import tempfile, os
    >>> from convanim.geometry import Spec, plan
    >>> write_pages(plan(Spec(i=3, k=2)), RenderOptions(frames="1,last"),
    ...             os.path.join(tempfile.mkdtemp(), "two.pdf")).suffix
    '.pdf'
    """
    from convanim.writers import atomic_output

    if Path(path).suffix.lower() != ".pdf":
        raise SpecError(f"output={os.fspath(path)!r}: pages are written to a .pdf", "output")
    check_vector(plan, ".pdf", "output")
    renderer = Renderer(plan, options)  # the title says which frames were kept, as in the GIF
    picked = renderer.selected
    if len(picked) > MAX_TILES:
        raise SpecError(f"the PDF would have {len(picked)} pages, more than {MAX_TILES}; pick "
                        "fewer with frames=key or max_slides=8", "frames")
    layout, theme = renderer.layout, renderer.theme
    wanted = set(picked)
    scene = Scene(plan, options.values)
    with atomic_output(path, "wb") as out, PdfPages(
            out, metadata={"CreationDate": None, "Creator": "convanim"}) as pdf:
        for index in range(picked[-1] + 1):
            scene.advance(index)
            if index not in wanted:
                continue
            with vector_page(*layout.size, options.dpi, theme) as (fig, ax):
                canvas = layout.canvas(ax)
                canvas.frame(scene)
                canvas.finish()
                pdf.savefig(fig)
    return Path(path)


__all__ = ["wants_pages", "write_pages"]
