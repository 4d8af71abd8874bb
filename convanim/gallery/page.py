"""The gallery page (``index.html``) and its Markdown twin (``gallery.md``), plus alt text.

Both are pure functions of the jobs, so the same configs give the same bytes and ``--check``
can compare them as text. The page shows every figure in its HTML player (an ``<iframe>`` of
the self-contained ``.html`` beside the animation, which tells the page its height); nothing
is fetched from elsewhere, every ``src`` is relative to the page itself.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from convanim.gallery.jobs import PAGES, Job
from convanim.geometry import Spec, arithmetic

INDEX, MARKDOWN = PAGES
MD_COLUMNS = 3

class _Dumper(yaml.SafeDumper):
    """Block mappings, flow lists: ``input_values: [[1, 2], [3, 4]]`` reads like a config."""

    def ignore_aliases(self, data: Any) -> bool:
        # A list shared through a YAML alias in the source is written out in full each time.
        return True


def _flow_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(list, _flow_list)
_Dumper.add_representer(tuple, _flow_list)


def alt_text(spec: Spec) -> str:
    """The one-sentence description of an animation, for ``alt`` attributes and captions.

    >>> alt_text(Spec(i=3, k=3, s=2, p=1, mode="transposed"))  # doctest: +ELLIPSIS
    'Transposed convolution of a 3x3 input with a 3x3 kernel, stride 2, padding 1, giving a 5x5...'
    """
    from convanim.explain import alt_text as explain_alt_text

    return explain_alt_text(spec)


def formula(spec: Spec) -> str:
    """The output-size formula with its numbers: one line, or one per axis when they differ.

    >>> formula(Spec(i=5, k=3, s=2, p=1))
    'o = floor((i + 2p - k) / s) + 1 = floor((5 + 2*1 - 3) / 2) + 1 = 3'
    """
    rows = arithmetic(spec)
    texts = [f"{row.formula} = {row.numbers} = {row.output}" for row in rows]
    if len(set(texts)) == 1:
        return texts[0]
    return "; ".join(f"{axis}: {text}" for axis, text in zip(("height", "width"), texts))


def _panels(job: Job) -> tuple[Job, ...]:
    return job.panels or (job,)


def job_alt(job: Job) -> str:
    """The alt text; a comparison figure describes its panels left to right.

    >>> from convanim.gallery import find_configs, make_jobs
    >>> job = make_jobs(find_configs(["configs/seeds/checkerboard.yaml"]), Path("out"), {}).jobs[0]
    >>> job_alt(job).split(",")[0]
    'Transposed convolution of a 3x3 input with a 3x3 kernel'
    """
    if job.photo is not None:  # a photograph: its own title and what to look for
        return f"{job.photo.title}: {job.photo.caption.splitlines()[0]}"
    if job.chain is not None:
        return job.chain.alt_text(job.chain_view)
    if not job.panels:
        return alt_text(job.spec)
    return ("Side by side, frames advancing together: "
            + " ".join(f"({n}) {alt_text(p.spec)}" for n, p in enumerate(job.panels, 1)))


def job_label(job: Job) -> str:
    """The label; a comparison figure's panels' labels joined by ``vs``.

    >>> from convanim.gallery import find_configs, make_jobs
    >>> job = make_jobs(find_configs(["configs/seeds/checkerboard.yaml"]), Path("out"), {}).jobs[0]
    >>> job_label(job)
    'transposed conv  i=3 k=3 s=2 p=1'
    """
    if job.photo is not None:
        return " vs ".join(f.spec.label for f in getattr(job.photo, "figures", (job.photo,)))
    if job.chain is not None:
        return job.chain.label
    return " vs ".join(p.spec.label for p in _panels(job))


def job_formula(job: Job) -> str:
    """The output-size formula (each panel's, for a comparison figure).

    >>> from convanim.gallery import find_configs, make_jobs
    >>> job = make_jobs(find_configs(["configs/seeds/checkerboard.yaml"]), Path("out"), {}).jobs[0]
    >>> job_formula(job)
    'o = (i-1)*s + k - 2p = (3-1)*2 + 3 - 2*1 = 5'
    """
    if job.photo is not None:
        return "; ".join(formula(f.spec) for f in getattr(job.photo, "figures", (job.photo,)))
    if job.chain is not None:
        return job.chain.sizes
    return "; ".join(formula(p.spec) for p in _panels(job))


def reproduce_yaml(job: Job) -> str:
    """A config file that renders this animation alone (``convanim render FILE``; a comparison
    figure: ``convanim compare FILE``).

    >>> from convanim.gallery import find_configs, make_jobs
    >>> job = make_jobs(find_configs(["configs/seeds/checkerboard.yaml"]), Path("out"), {}).jobs[0]
    >>> print(reproduce_yaml(job).splitlines()[0])
    mode: transposed
    """
    return yaml.dump(dict(job.reproduce), Dumper=_Dumper, sort_keys=False,
                     default_flow_style=False, allow_unicode=True, width=88)


def link(path: Path, base: Path) -> str:
    """``path`` relative to the folder ``base`` as a URL path: forward slashes, and every
    character but letters, digits and ``/-._~`` percent-encoded, so a file name is never a
    scheme (``javascript:``), a query, a fragment or markup.

    >>> link(Path("out/g/a.gif"), Path("out/g")), link(Path("out/javascript:x(1).gif"), Path("out"))
    ('a.gif', 'javascript%3Ax%281%29.gif')
    """
    return quote(Path(os.path.relpath(path, base)).as_posix(), safe="/-._~")


def _media(job: Job, src: str, alt: str, base: Path) -> str:
    if job.player is not None:
        player, still = html.escape(link(job.player, base)), html.escape(src)
        # The player posts its height once drawn; until then the frame keeps a sane size.
        return (f'<iframe class="player" src="{player}" title="{html.escape(alt)}" '
                f'loading="lazy"></iframe><p class="files"><a href="{still}">'
                f"{html.escape(job.output.name or src)}</a></p>")
    src, alt = html.escape(src), html.escape(alt)
    if job.output.suffix.lower() == ".mp4":
        return (f'<video src="{src}" autoplay loop muted playsinline '
                f'aria-label="{alt}"></video>')
    if not job.output.suffix:
        src += "/frame_0000.png"
    return f'<img src="{src}" alt="{alt}" loading="lazy">'


# Sizes each player's frame to the height its page reports (file:// frames cannot be read),
# and lets a figure drawn more than 1.5 times its column's width take the page's full width
# (shown at its own size, not shrunk to a thumbnail; a slightly wider one stays in its column).
_SCRIPT = """\
addEventListener("message", function (e) {
  var d = e.data, frames = document.querySelectorAll("iframe.player");
  if (!d || d.convanim !== "size") { return; }
  for (var i = 0; i < frames.length; i++) {
    if (frames[i].contentWindow !== e.source) { continue; }
    frames[i].style.height = d.height + "px";
    var figure = frames[i].closest("figure");
    if (figure && d.width > 1.5 * frames[i].clientWidth) { figure.classList.add("wide"); }
  }
});
"""


_CSS = """\
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;
padding:1.5rem;color:#222;background:#fafafa}
h1{margin:.2rem 0}h2{margin-top:2.5rem;border-bottom:1px solid #ddd}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:1.2rem}
figure.wide{grid-column:1/-1}
figure{margin:0;padding:.8rem;background:#fff;border:1px solid #e3e3e3;border-radius:6px}
figure img,figure video{display:block;max-width:100%;height:auto;margin:0 auto .5rem}
iframe.player{display:block;width:100%;height:420px;border:0;margin:0 auto}
.files{margin:.2rem 0;font-size:.85rem;text-align:right}
figcaption h3{margin:.2rem 0;font-size:1rem}code,pre{font:13px/1.4 ui-monospace,monospace}
pre{background:#f3f3f3;padding:.5rem;overflow-x:auto}.alt{color:#555}.formula{color:#333}
"""


# A newcomer starts with one kernel over one grid and ends with chains and comparisons.
SECTION_ORDER = ("conv_arithmetic", "seeds", "conv", "backward", "pooling", "volumes",
                 "showcase", "upsampling", "photo", "channels", "perspective", "chains")
MODE_ORDER = ("conv", "maxpool", "avgpool", "transposed", "upsample", "maxunpool",
              "pixelshuffle")


def complexity(job: Job) -> tuple[int, int, int, int]:
    """How hard a figure is to read, to order the page simple to complex: chains and
    comparisons last, then channels, the operation, and the number of frames.

    >>> from convanim.gallery import find_configs, make_jobs
    >>> jobs = make_jobs(find_configs(["configs/conv_arithmetic"]), Path("out"), {}).jobs
    >>> min(jobs, key=complexity).name
    'no_padding_no_strides'
    """
    spec = job.spec
    channels = int(getattr(spec, "in_channels", 1) or 1) * int(
        getattr(spec, "out_channels", 1) or 1)
    mode = MODE_ORDER.index(spec.mode) if spec.mode in MODE_ORDER else len(MODE_ORDER)
    return (int(job.chain is not None or bool(job.panels)), int(channels > 1), mode, job.frames)


def is_wide(job: Job) -> bool:
    """Figures drawn wider than one column (comparisons, chains, channel stacks) take the
    page's full width instead of shrinking to a thumbnail.

    >>> from convanim.gallery import find_configs, make_jobs
    >>> jobs = make_jobs(find_configs(["configs/channels/grouped.yaml"]), Path("o"), {}).jobs
    >>> is_wide(jobs[0])
    True
    """
    spec = job.spec
    stack = int(getattr(spec, "in_channels", 1) or 1) > 1 or int(
        getattr(spec, "out_channels", 1) or 1) > 1
    return bool(job.panels) or job.chain is not None or job.photo is not None or stack


def _sections(jobs: Sequence[Job]) -> dict[str, list[Job]]:
    """Jobs by section, sections and their figures ordered simple to complex (ties keep
    the order they came in)."""
    groups: dict[str, list[Job]] = {}
    for job in jobs:
        groups.setdefault(job.section, []).append(job)

    def rank(section: str) -> tuple[int, str]:
        known = section in SECTION_ORDER
        return (SECTION_ORDER.index(section) if known else len(SECTION_ORDER), section)

    return {section: sorted(groups[section], key=complexity)
            for section in sorted(groups, key=rank)}


def render_html(jobs: Sequence[Job], base: Path, title: str = "convanim gallery") -> str:
    """The whole ``index.html`` for ``jobs``, whose files sit under the folder ``base``.

    >>> "<!doctype html>" in render_html([], Path("out"))
    True
    """
    esc = html.escape
    out = ["<!doctype html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{esc(title)}</title>", f"<style>\n{_CSS}</style>",
           # The listener comes before any player's frame: a player that loads at once and
           # reports its height straight away must find it listening.
           f"<script>\n{_SCRIPT}</script>", "</head>", "<body>",
           f"<h1>{esc(title)}</h1>",
           f"<p>{len(jobs)} animations drawn by convanim from their YAML configs. Each one "
           "renders again with <code>convanim render FILE.yaml</code> from the config under "
           "it.</p>"]
    for section, group in _sections(jobs).items():
        out += [f'<h2 id="{esc(section)}">{esc(section)}</h2>', '<div class="grid">']
        for job in group:
            alt, src = job_alt(job), link(job.output, base)
            wide = ' class="wide"' if is_wide(job) else ""
            out += [
                # The file name is unique where entry names need not be (output: may differ).
                f'<figure id="{esc(src)}"{wide}>',
                _media(job, src, alt, base),
                "<figcaption>",
                f"<h3>{esc(job.name)}</h3>",
                f"<div><code>{esc(job_label(job))}</code></div>",
                f'<div class="formula"><code>{esc(job_formula(job))}</code></div>',
                f'<p class="alt">{esc(alt)}</p>',
                f"<details><summary>YAML</summary><pre>{esc(reproduce_yaml(job))}</pre>"
                "</details>",
                "</figcaption>", "</figure>"]
        out.append("</div>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


# Markdown's own characters; "_" only at a word's edge (inside a word it emphasises nothing,
# and conv_arithmetic reads better unescaped).
_MD_SPECIAL = re.compile(r"([\\`*\[\]|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")


def md_text(text: str) -> str:
    """``text`` as literal text in Markdown (GitHub's and Python-Markdown's), even in a table
    cell: HTML's ``& < > "`` become character references (so no tag, entity or autolink is
    made from it), and Markdown's ``\\ ` * [ ] |`` (and ``_`` at a word's edge) are
    backslash-escaped.

    >>> print(md_text('<img src=x onerror=alert(1)> a|b [c](d) `e`'))
    &lt;img src=x onerror=alert(1)&gt; a\\|b \\[c\\](d) \\`e\\`
    """
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=True).replace("&#x27;", "'"))


def md_code(text: str) -> str:
    """``text`` as a Markdown code span (never markup), fenced by more backticks than it holds
    and with no ``|`` (a table cell would end there).

    >>> md_code("a`b|c")
    '`` a`b/c ``'
    """
    text = text.replace("|", "/").replace("\n", " ")
    if "`" not in text:
        return f"`{text}`"
    fence = "`" * (max(len(run) for run in re.findall("`+", text)) + 1)
    return f"{fence} {text} {fence}"


def render_markdown(jobs: Sequence[Job], base: Path, link_base: str) -> str:
    """``gallery.md``: per section, a table of figures ``MD_COLUMNS`` wide with captions.

    ``link_base`` is put before each file's path relative to ``base``, so the table works
    where it is pasted (``outputs/gallery/`` for a README at the repository root).

    >>> render_markdown([], Path("outputs/gallery"), "outputs/gallery/")
    ''
    """
    out: list[str] = []
    for section, group in _sections(jobs).items():
        out += [f"### {md_text(section)}", ""]
        out.append("| " + " | ".join([" "] * MD_COLUMNS) + " |")
        out.append("|" + "|".join([":---:"] * MD_COLUMNS) + "|")
        for start in range(0, len(group), MD_COLUMNS):
            cells = []
            for job in group[start:start + MD_COLUMNS]:
                src = link_base + link(job.output, base)
                cells.append(f"![{md_text(job_alt(job))}]({src})<br>"
                             f"**{md_text(job.name)}**<br>{md_code(job_label(job))}")
            cells += [" "] * (MD_COLUMNS - len(cells))
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)
