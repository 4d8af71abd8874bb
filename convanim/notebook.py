"""How an animation shows itself in a notebook: the player, a still, and a text summary.

Jupyter picks the richest output it can show. A live notebook runs the player (``text/html``);
a static renderer (GitHub's notebook view, nbviewer, an untrusted notebook, a PDF export)
shows the still (``image/png``, the last frame, which is also the player's poster); a terminal
or a log shows the summary (``text/plain``). Everything is rendered once: the still is taken
out of the player's page, so the notebook holds the frames once plus one PNG.

>>> import convanim
>>> bundle = mimebundle(convanim.animate({"i": 4, "k": 3}))
>>> sorted(bundle)
['image/png', 'text/html', 'text/plain']
>>> bundle["image/png"][:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from convanim.api import Animation

_POSTER = re.compile(r'<img class="cvp-poster"[^>]* src="data:image/png;base64,([^"]*)"')


def summary(animation: Animation) -> str:
    """The plain-text form: what the figure shows, its size, its frames and how to save it.

    >>> import convanim
    >>> print(summary(convanim.animate({"i": 4, "k": 3, "s": 2, "p": 1})))
    ... # doctest: +NORMALIZE_WHITESPACE
    convanim animation: conv i=4 k=3 s=2 p=1 (input 4x4 -> output 2x2)
      7 frames, 387x335 px, theme light, 8.5 s a loop
      save: .save("figure.gif")  (.gif .mp4 .webp .png .html; .pdf/.pptx: one page per frame)
            .storyboard("steps.pdf")  (every frame on one page)
    """
    spec = animation.plan.spec
    width, height = animation.layout.size
    shape = "x".join(str(n) for n in spec.i)
    out = "x".join(str(n) for n in spec.output_shape)
    seconds = sum(animation.durations) / 1000
    return "\n".join([
        f"convanim animation: {' '.join(spec.label.split())} (input {shape} -> output {out})",
        f"  {len(animation)} frames, {width}x{height} px, theme {animation.options.theme}, "
        f"{seconds:.1f} s a loop",
        '  save: .save("figure.gif")  (.gif .mp4 .webp .png .html; .pdf/.pptx: one page per '
        "frame)",
        '        .storyboard("steps.pdf")  (every frame on one page)',
    ])


def split_player(fragment: str) -> bytes:
    """The poster PNG inside a player fragment (the still for static renderers).

    >>> split_player('<img class="cvp-poster" src="data:image/png;base64,iVBO">')
    b'\\x89PN'
    """
    match = _POSTER.search(fragment)
    return base64.b64decode(match.group(1)) if match else b""


def mimebundle(animation: Animation) -> dict[str, Any]:
    """The ``_repr_mimebundle_`` of an animation: player, still and summary.

    >>> import convanim
    >>> "data-convanim-player" in mimebundle(convanim.animate({"i": 3, "k": 2}))["text/html"]
    True
    """
    fragment = animation.player_html()
    bundle: dict[str, Any] = {"text/html": fragment, "text/plain": summary(animation)}
    still = split_player(fragment)
    if still:
        bundle["image/png"] = still
    return bundle
