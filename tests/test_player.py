"""The HTML player (``-o figure.html``): its frames are the GIF's, in Python and in Chromium.

Pixels are checked against the GIF decoded by Pillow; hover highlighting against receptive
fields computed here from the convolution arithmetic alone (o = n*s - p + a*d), not from the
plan; the controls by their effect on ``data-frame`` and the canvas.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageSequence

import convanim
from convanim.writers import read_animation
from convanim.writers.html import read_player
from tests.browser import Page, canvas_pixels

SPECS = {
    "conv": {"i": 5, "k": 3, "s": 2, "p": 1},
    "dilated": {"i": [6, 5], "k": 2, "s": [1, 2], "p": [0, 1], "d": 2},
    "scatter": {"i": 3, "k": 3, "s": 2, "mode": "transposed", "view": "scatter"},
    "gather": {"i": 3, "k": 2, "s": 2, "p": 1, "mode": "transposed"},
    "pool": {"i": 4, "k": 2, "mode": "maxpool"},
    "sequence": {"i": 7, "k": 3, "d": 2, "dims": 1},
    "dark": {"i": 4, "k": 3, "theme": "dark", "values": False},
}


def gif_frames(path: Path) -> list[np.ndarray]:
    """The GIF as a browser shows it, decoded by Pillow (composited full frames)."""
    with Image.open(path) as im:
        return [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(im)]


def both(tmp_path: Path, name: str) -> tuple[Path, Path]:
    spec = dict(SPECS[name])
    gif = convanim.render(spec, tmp_path / f"{name}.gif")
    page = convanim.render(spec, tmp_path / f"{name}.html")
    return gif, page


@pytest.mark.parametrize("name", list(SPECS))
def test_player_frames_are_the_gif_frames_and_size_stays_close(tmp_path: Path, name: str) -> None:
    gif, page = both(tmp_path, name)
    frames, durations, meta = read_player(page)
    expected = gif_frames(gif)
    assert len(frames) == len(expected)
    for got, want in zip(frames, expected):
        np.testing.assert_array_equal(got, want)
    assert durations == read_animation(gif)[1]
    text = page.read_text(encoding="utf-8")
    # The poster (the last frame as a PNG, for readers without scripts) comes on top.
    poster = re.search(r'<img class="cvp-poster"[^>]* src="(data:image/png;base64,[^"]*)"', text)
    assert poster is not None
    assert page.stat().st_size - len(poster.group(1)) <= 1.5 * gif.stat().st_size
    assert meta["alt"] == convanim_alt(name)
    # Self-contained: nothing is fetched from anywhere (the poster is inline).
    for needle in ("http://", "https://", "@import", "url("):
        assert needle not in text
    assert text.count("src=") == 1


def convanim_alt(name: str) -> str:
    from convanim.explain import alt_text

    spec = {k: v for k, v in SPECS[name].items() if k not in ("theme", "values")}
    return alt_text(convanim.Spec.from_dict(spec))


def _axis(n_in: int, k: int, s: int, p: int, d: int, n_out: int, transposed: bool
          ) -> list[tuple[int, int, int]]:
    """(output, input, tap) on one axis: conv o*s - p + a*d = n; transposed n*s - p + a*d = o."""
    triples = []
    for a in range(k):
        for o in range(n_out):
            n = o * s - p + a * d
            if not transposed and 0 <= n < n_in:
                triples.append((o, n, a))
        for n in range(n_in):
            o = n * s - p + a * d
            if transposed and 0 <= o < n_out:
                triples.append((o, n, a))
    return triples


def reach(spec: dict[str, Any]) -> dict[str, dict[str, set[str]]]:
    """Output cell "r,c" -> {"inputs": {"r,c"}, "taps": {"a,b"}}, from the arithmetic alone."""
    s = convanim.Spec.from_dict({k: v for k, v in spec.items()
                                 if k not in ("theme", "values", "style")})
    axes = [_axis(s.i[j], s.k[j], s.s[j], s.p[j][0], s.d[j], s.output_shape[j],
                  s.mode == "transposed") for j in range(s.dims)]
    if s.dims == 1:
        axes = [[(0, 0, 0)], *axes]
    out: dict[str, dict[str, set[str]]] = {}
    for (o0, n0, a0), (o1, n1, a1) in itertools.product(*axes):
        cell = out.setdefault(f"{o0},{o1}", {"inputs": set(), "taps": set()})
        cell["inputs"].add(f"{n0},{n1}")
        cell["taps"].add(f"{a0},{a1}")
    return out


def open_player(page: Page, path: Path) -> Any:
    page.page.goto(path.resolve().as_uri())
    page.page.wait_for_selector("[data-convanim-player][data-ready]")
    return page.page.locator("[data-convanim-player]")


def frame(root: Any) -> int:
    return int(root.get_attribute("data-frame"))


@pytest.mark.parametrize("name", ["conv", "scatter", "sequence"])
def test_shown_frame_is_the_gif_frame_in_chromium(tmp_path: Path, page: Page, name: str) -> None:
    gif, html_path = both(tmp_path, name)
    expected = gif_frames(gif)
    root = open_player(page, html_path)
    assert int(root.get_attribute("data-frames")) == len(expected)
    page.page.keyboard.press("End")  # pauses
    order = [len(expected) - 1, 0, 1, len(expected) // 2, 2, len(expected) - 2]
    for index in order:
        page.page.evaluate("i => document.querySelector('[data-convanim-player]')"
                           ".convanimPlayer.show(i)", index)
        assert frame(root) == index
        np.testing.assert_array_equal(canvas_pixels(page.page), expected[index])
    # What is on screen, not only in the canvas: the element shown at its native size.
    shot = page.page.locator(".cvp-canvas").screenshot()
    import io

    on_screen = np.asarray(Image.open(io.BytesIO(shot)).convert("RGB"))
    assert shown_unresampled(on_screen, expected[order[-1]])
    assert page.errors == []


def test_controls_keyboard_and_attributes(tmp_path: Path, page: Page) -> None:
    _, html_path = both(tmp_path, "conv")
    count = len(read_player(html_path)[0])
    root = open_player(page, html_path)
    p = page.page
    assert root.get_attribute("data-playing") is not None  # plays like the GIF
    p.keyboard.press("Space")  # nothing focused: the page's one player takes the key
    assert root.get_attribute("data-playing") is None
    p.keyboard.press("Home")
    assert frame(root) == 0
    caption = p.locator(".cvp-caption")
    assert caption.get_attribute("aria-live") == "polite"
    assert caption.text_content() == read_player(html_path)[2]["captions"][0]
    p.keyboard.press("ArrowRight")
    p.keyboard.press("ArrowRight")
    assert frame(root) == 2
    p.keyboard.press("ArrowLeft")
    assert frame(root) == 1
    p.keyboard.press("End")
    assert frame(root) == count - 1
    p.keyboard.press("ArrowRight")  # stays on the last frame
    assert frame(root) == count - 1
    p.click(".cvp-prev")
    assert frame(root) == count - 2
    p.click(".cvp-next")
    assert frame(root) == count - 1
    p.locator(".cvp-slider").fill("4")
    assert frame(root) == 4
    assert p.locator(".cvp-count").text_content() == f"5 / {count}"
    # ArrowRight while playing pauses first, then steps.
    p.click(".cvp-play")
    assert root.get_attribute("data-playing") is not None
    at = frame(root)
    p.keyboard.press("ArrowRight")
    assert root.get_attribute("data-playing") is None
    assert frame(root) in (at + 1, at + 2)
    # Speed 4x, no loop: playing runs to the last frame and stops there.
    p.select_option(".cvp-speed", "4")
    p.uncheck(".cvp-loop")
    p.keyboard.press("Home")
    p.focus(".cvp-play")
    p.keyboard.press("Space")  # a focused button: toggled once, not twice
    assert root.get_attribute("data-playing") is not None
    p.wait_for_function("() => !document.querySelector('[data-convanim-player]')"
                        ".hasAttribute('data-playing')", timeout=20_000)
    assert frame(root) == count - 1
    # Loop on: it wraps around to the first frame.
    p.check(".cvp-loop")
    p.click(".cvp-play")
    p.wait_for_function("() => document.querySelector('[data-convanim-player]')"
                        ".getAttribute('data-frame') === '0'", timeout=20_000)
    assert page.errors == []


def lit(p: Any) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for panel, cell in p.eval_on_selector_all(
            ".cvp-hl", "els => els.map(e => [e.dataset.panel, e.dataset.cell])"):
        found.setdefault(panel, set()).add(cell)
    return found


@pytest.mark.parametrize("name", ["conv", "dilated", "scatter", "gather", "sequence"])
def test_hover_highlights_the_receptive_field(tmp_path: Path, page: Page, name: str) -> None:
    _, html_path = both(tmp_path, name)
    meta = read_player(html_path)[2]
    expected = reach(SPECS[name])
    root = open_player(page, html_path)
    p = page.page
    p.keyboard.press("End")  # the last frame shows the input grid the kernel slid over
    assert frame(root) == int(root.get_attribute("data-frames")) - 1
    kernel = "kernel_shape" in meta
    outputs = p.eval_on_selector_all("[data-panel=output]", "els => els.map(e => e.dataset.cell)")
    assert set(outputs) == {f"{r},{c}" for r in range(meta["output_shape"][0])
                            for c in range(meta["output_shape"][1])}
    for cell in outputs:
        p.hover(f'[data-panel=output][data-cell="{cell}"]')
        got = lit(p)
        want = expected.get(cell, {"inputs": set(), "taps": set()})
        assert got.get("input", set()) == want["inputs"], cell
        assert got.get("kernel", set()) == (want["taps"] if kernel else set()), cell
    # The other way round: an input cell lights up every output it reaches.
    for cell in sorted({c for v in expected.values() for c in v["inputs"]})[:6]:
        p.hover(f'[data-panel=input][data-cell="{cell}"]:not([hidden])')
        outs = {o for o, v in expected.items() if cell in v["inputs"]}
        assert lit(p).get("output", set()) == outs, cell
    # Focus does what hover does (keyboard users).
    p.mouse.move(0, 0)
    p.focus('[data-panel=output][data-cell="0,0"]')
    assert lit(p).get("input", set()) == expected["0,0"]["inputs"]
    p.keyboard.press("Tab")
    assert lit(p).get("input", set()) == expected["0,1" if "0,1" in expected else "1,0"][
        "inputs"]
    assert page.errors == []


@pytest.mark.parametrize("spec", [
    {"i": 5, "k": 3, "s": 2, "p": 1, "style": "perspective"},
    {"i": 3, "k": 2, "s": 2, "p": 1, "mode": "transposed", "style": "perspective"},
])
def test_hover_on_perspective_planes(tmp_path: Path, page: Page, spec: dict) -> None:
    # Cells are parallelograms: each hover cell is clipped to its own, so the point under
    # the mouse picks exactly one cell, and the receptive field lights as in the flat style.
    html_path = convanim.render(spec, tmp_path / "p.html")
    expected = reach(spec)
    root = open_player(page, html_path)
    p = page.page
    p.keyboard.press("End")
    assert frame(root) == int(root.get_attribute("data-frames")) - 1
    outputs = p.eval_on_selector_all("[data-panel=output]", "els => els.map(e => e.dataset.cell)")
    assert set(outputs) == set(expected)
    assert "polygon" in p.eval_on_selector("[data-panel=output]", "e => e.style.clipPath")
    for cell in outputs:
        p.hover(f'[data-panel=output][data-cell="{cell}"]')
        got = lit(p)
        assert got.get("input", set()) == expected[cell]["inputs"], cell
        assert got.get("kernel", set()) == expected[cell]["taps"], cell
        # The cell under the mouse is the one hovered, not a neighbour's bounding box.
        box = p.eval_on_selector(f'[data-panel=output][data-cell="{cell}"]',
                                 "e => { const b = e.getBoundingClientRect();"
                                 " return [b.x + b.width / 2, b.y + b.height / 2]; }")
        under = p.evaluate("([x, y]) => document.elementFromPoint(x, y).dataset.cell", box)
        assert under == cell
    assert page.errors == []


def stack_reach(spec: dict[str, Any]) -> dict[str, dict[str, set[str]]]:
    """Output "map,row,col" -> input "channel,row,col" cells and weight "a,b,row,col"
    indices, from PyTorch's autograd (ones everywhere: every connection has gradient > 0)."""
    import torch
    import torch.nn.functional as F

    s = convanim.Spec.from_dict(spec)
    x = torch.ones((1, s.in_channels, *s.i), dtype=torch.float64, requires_grad=True)
    w = torch.ones(s.op.weight_shape(s), dtype=torch.float64, requires_grad=True)
    pad = tuple(before for before, _ in s.p)
    out: dict[str, dict[str, set[str]]] = {}
    fn = F.conv_transpose2d if s.mode == "transposed" else F.conv2d
    y = fn(x, w, None, s.s, pad, groups=s.groups)[0]
    for index in np.ndindex(*y.shape):
        gx, gw = torch.autograd.grad(y[index], (x, w), retain_graph=True)
        out[",".join(map(str, index))] = {
            "inputs": {",".join(map(str, n)) for n in zip(*np.nonzero(gx[0].numpy()))},
            "taps": {",".join(map(str, n)) for n in zip(*np.nonzero(gw.numpy()))}}
    return out


@pytest.mark.parametrize("spec", [
    {"i": 4, "k": 3, "s": 2, "p": 1, "in_channels": 4, "out_channels": 2, "groups": 2},
    {"i": 2, "k": 3, "s": 2, "mode": "transposed", "in_channels": 2, "out_channels": 2},
])
def test_hover_in_a_channel_stack_lights_its_group_and_filter(tmp_path: Path, page: Page,
                                                                spec: dict) -> None:
    html_path = convanim.render(spec, tmp_path / "stack.html")
    expected = stack_reach(spec)
    root = open_player(page, html_path)
    p = page.page
    p.keyboard.press("End")  # the grid the kernel slid over
    assert frame(root) == int(root.get_attribute("data-frames")) - 1
    outputs = p.eval_on_selector_all("[data-panel=output]", "els => els.map(e => e.dataset.cell)")
    assert set(outputs) == set(expected)
    for cell in outputs:
        p.hover(f'[data-panel=output][data-cell="{cell}"]')
        got = lit(p)
        assert got.get("input", set()) == expected[cell]["inputs"], cell
        assert got.get("kernel", set()) == expected[cell]["taps"], cell
    for cell in sorted({c for v in expected.values() for c in v["inputs"]})[:6]:
        p.hover(f'[data-panel=input][data-cell="{cell}"]:not([hidden])')
        outs = {o for o, v in expected.items() if cell in v["inputs"]}
        assert lit(p).get("output", set()) == outs, cell
    assert page.errors == []


@pytest.mark.parametrize("spec", [
    {"i": 4, "k": 3, "s": 2, "p": 1, "in_channels": 4, "out_channels": 2, "groups": 2},
    {"i": 2, "k": 3, "s": 2, "mode": "transposed", "in_channels": 2, "out_channels": 4,
     "groups": 2},
    {"i": 5, "k": 3, "dims": 1, "in_channels": 2, "out_channels": 3},
])
def test_stack_hover_cells_sit_on_the_values_they_name(spec: dict) -> None:
    # Distinct values everywhere: a hover cell whose key names x[c, r, col], w[a, b, r, col]
    # or y[map, r, col] must sit on the panel cell drawing that very number (y from PyTorch).
    import torch
    import torch.nn.functional as F

    from convanim.draw.animate import Renderer
    from convanim.draw.player import player_metadata
    from convanim.geometry import plan as make_plan

    s = convanim.Spec.from_dict(spec)
    rng = np.random.default_rng(3)
    x = rng.permutation(np.prod((s.in_channels, *s.i))).reshape(s.in_channels, *s.i) + 1.0
    w_shape = s.op.weight_shape(s)
    w = (rng.permutation(np.prod(w_shape)).reshape(w_shape) + 1.0) / 8
    the_plan = make_plan(s, x, w)
    renderer = Renderer(the_plan)
    meta = player_metadata(renderer)
    assert meta["key_dims"] == [3, 3, 4]
    xt, wt = torch.as_tensor(x)[None], torch.as_tensor(w)
    if s.dims == 1:
        y = F.conv1d(xt, wt, None, s.s, s.p[0][0], groups=s.groups)[0].numpy()[:, None]
        x, w = x[:, None], w[:, :, None]
    elif s.mode == "transposed":
        y = F.conv_transpose2d(xt, wt, None, s.s, 0, groups=s.groups)[0].numpy()
    else:
        y = F.conv2d(xt, wt, None, s.s, s.p[0][0], groups=s.groups)[0].numpy()
    outs = np.reshape(meta["outputs"], (-1, 5))
    assert len(outs) == y.size
    for o, r, c, pr, pc in outs:
        assert the_plan.target.values[pr, pc] == pytest.approx(y[o, r, c])
    taps = np.reshape(meta["taps"], (-1, 6))
    assert len(taps) == np.count_nonzero(w == w)
    for a, b, r, c, pr, pc in taps:
        assert the_plan.kernel[pr, pc] == w[a, b, r, c]
    for name, flat in meta["inputs"].items():
        grid, (r0, c0) = the_plan.grids[name], renderer.scene.offsets[name]
        for ch, r, c, pr, pc in np.reshape(flat, (-1, 5)):
            assert grid.values[pr - r0, pc - c0] == x[ch, r, c]


def test_player_works_in_an_iframe_and_pasted_twice(tmp_path: Path, page: Page) -> None:
    from convanim.writers.html import extract_fragment

    _, first = both(tmp_path, "conv")
    _, second = both(tmp_path, "pool")
    host = tmp_path / "host.html"
    fragments = [extract_fragment(f.read_text(encoding="utf-8")) for f in (first, second)]
    host.write_text("<!doctype html><meta charset=utf-8><body><p>A blog post.</p>"
                    + "".join(fragments) + f'<iframe src="{first.name}" width="600" '
                    'height="700"></iframe></body>', encoding="utf-8")
    p = page.page
    p.goto(host.as_uri())
    p.wait_for_function("() => document.querySelectorAll('[data-ready]').length === 2")
    frame_el = p.frame_locator("iframe").locator("[data-convanim-player][data-ready]")
    assert frame_el.get_attribute("data-frames") == str(len(read_player(first)[0]))
    players = p.locator("[data-convanim-player]")
    players.nth(1).focus()
    p.keyboard.press("Home")
    assert players.nth(1).get_attribute("data-frame") == "0"
    assert players.nth(0).get_attribute("data-playing") is not None  # untouched
    assert page.errors == []


def test_gallery_page_shows_every_figure_in_a_working_player(page: Page) -> None:
    index = Path(__file__).resolve().parents[1] / "outputs" / "gallery" / "index.html"
    text = index.read_text(encoding="utf-8")
    p = page.page
    p.set_viewport_size({"width": 1200, "height": 30000})  # every lazy frame in view
    p.goto(index.as_uri())
    count = text.count('<figure id="')
    assert count > 0 and text.count('<iframe class="player"') == count
    p.wait_for_function(f"() => document.querySelectorAll('iframe.player').length === {count}")
    for frame_el in p.locator("iframe.player").all():
        inner = frame_el.element_handle().content_frame()
        inner.wait_for_selector("[data-convanim-player][data-ready]", timeout=20_000)
        name = frame_el.get_attribute("src")
        gif = index.parent / name.replace(".html", ".gif")
        if gif.exists():
            frames = int(inner.locator("[data-convanim-player]").get_attribute("data-frames"))
            with Image.open(gif) as im:
                assert frames == im.n_frames, name
            # The player's own script and style (~10 KB) are a fixed cost: a tiny figure (the
            # two-frame chains) may spend them on top of 1.5x, never more.
            # Perspective figures' diagonal edges and projection lines deflate (and base64)
            # worse than GIF's LZW packs them: their deltas may take 1.75x.
            ratio = 1.75 if name.startswith("perspective_") else 1.5
            limit = max(ratio * gif.stat().st_size, gif.stat().st_size + 10_240)
            # The poster (the last frame as a PNG, for readers without scripts) comes on top.
            player = (index.parent / name).read_text(encoding="utf-8")
            poster = re.search(r'<img class="cvp-poster"[^>]* src="(data:image/png;base64,'
                               r'[^"]*)"', player)
            assert poster is not None, name
            assert len(player.encode()) - len(poster.group(1)) <= limit, name
    broken = p.eval_on_selector_all("img", "els => els.filter(e => !e.complete || "
                                    "e.naturalWidth === 0).map(e => e.src)")
    assert broken == []
    # Each frame grew to its player's height (the player reports it to the page).
    # The height arrives by postMessage, after the player is ready: wait for every one.
    p.wait_for_function("() => [...document.querySelectorAll('iframe.player')]"
                        ".every(e => e.style.height.endsWith('px'))", polling=200,
                        timeout=20_000)
    heights = p.eval_on_selector_all("iframe.player", "els => els.map(e => e.style.height)")
    assert all(h.endswith("px") for h in heights), heights
    assert page.errors == []


def test_stack_hover_map_on_random_specs_names_the_drawn_values() -> None:
    # Random channel stacks (conv, transposed, pooling; 1-D and 2-D; groups, padding,
    # dilation) with distinct values: every listed output, input and weight cell sits on
    # the panel cell that draws the number its key names (outputs from PyTorch).
    from convanim.draw.animate import Renderer
    from convanim.draw.player import player_metadata
    from convanim.geometry import plan as make_plan
    from convanim.geometry.ops.channels import stacked
    from tests.test_channels_oracle import _case, _torch

    rng = np.random.default_rng(7)
    checked = 0
    while checked < 40:
        kw, x, w, _, _, spec = _case(rng)
        if spec is None or not stacked(spec) or x.size > 80:
            continue
        checked += 1
        x = rng.permutation(x.size).reshape(x.shape) + 1.0
        if w is not None:
            w = (rng.permutation(w.size).reshape(w.shape) + 1.0) / 8
        the_plan = make_plan(spec, x, w)
        renderer = Renderer(the_plan)
        meta = player_metadata(renderer)
        y = _torch(kw, x, w, the_plan.b)
        y2 = y.reshape(y.shape[0], -1, y.shape[-1])
        outs = np.reshape(meta["outputs"], (-1, 5))
        assert len(outs) == y.size, kw
        for o, r, c, pr, pc in outs:
            assert the_plan.target.values[pr, pc] == pytest.approx(y2[o, r, c]), kw
        x2 = x.reshape(x.shape[0], -1, x.shape[-1])
        for name, flat in meta["inputs"].items():
            grid, (r0, c0) = the_plan.grids[name], renderer.scene.offsets[name]
            for ch, r, c, pr, pc in np.reshape(flat, (-1, 5)):
                assert grid.values[pr - r0, pc - c0] == x2[ch, r, c], kw
        if w is not None:
            w4 = w.reshape(*w.shape[:2], -1, w.shape[-1])
            taps = np.reshape(meta["taps"], (-1, 6))
            # A weight that only ever meets padding links nothing and gets no hover cell.
            used = {tuple(tap) for f in the_plan.frames for _, _, tap in f.links}
            assert len(taps) == len(used), kw
            for a, b, r, c, pr, pc in taps:
                assert the_plan.kernel[pr, pc] == w4[a, b, r, c], kw
        else:
            assert "taps" not in meta, kw


def shown_unresampled(shot: np.ndarray, frame: np.ndarray) -> bool:
    """``frame`` pixel for pixel in an element screenshot. Chromium rounds the clip outward:
    an odd-width element centred on the page sits half a pixel off, so the clip is one pixel
    wider and the (pixel-snapped, unresampled) frame is at offset 0 or 1 in it."""
    h, w = frame.shape[:2]
    if not (0 <= shot.shape[0] - h <= 1 and 0 <= shot.shape[1] - w <= 1):
        return False
    return any(np.array_equal(shot[dy: dy + h, dx: dx + w], frame)
               for dx in range(shot.shape[1] - w + 1) for dy in range(shot.shape[0] - h + 1))
