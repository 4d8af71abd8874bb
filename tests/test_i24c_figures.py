"""Issue 24 for compare, chains, traces and their players: what a newcomer reads unaided.

The numbers a caption states (taps per output cell, paths per output cell) are checked against
PyTorch run on all-ones tensors, independently of the plans that drew them; the rest checks
the pictures themselves: one colour per role across panels, legend tints equal to the drawn
tints, grids and legends at one height, numbers legible, a caption per player frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from click.testing import CliRunner
from PIL import Image

from convanim.cli import cli
from convanim.draw.chain import TraceScene, chain_frames, trace_plans
from convanim.draw.compare import reads_per_cell, what_to_compare
from convanim.draw.figure import header_height, row
from convanim.draw.options import RenderOptions
from convanim.draw.themes import THEMES, rgb
from convanim.geometry import Spec, plan
from convanim.geometry.chain import Chain, output_paths
from convanim.writers.html import read_player

REPO = Path(__file__).resolve().parent.parent
ONES = torch.ones


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a, float))[None, None]


@pytest.mark.parametrize("i,k,s,p,op", [(3, 3, 2, 1, 1), (4, 4, 2, 1, 0), (3, 2, 2, 0, 0),
                                        (2, 3, 3, 0, 0), (4, 5, 2, 2, 1)])
def test_taps_per_output_cell_are_torch_s_on_ones(i: int, k: int, s: int, p: int, op: int
                                                 ) -> None:
    spec = Spec(i=i, k=k, s=s, p=p, output_padding=op, mode="transposed", view="scatter")
    want = F.conv_transpose2d(ONES(1, 1, i, i, dtype=torch.float64),
                              ONES(1, 1, k, k, dtype=torch.float64), stride=s, padding=p,
                              output_padding=op)[0, 0].numpy()
    np.testing.assert_array_equal(reads_per_cell(plan(spec)), want)
    text = what_to_compare([plan(spec)])
    inner = {int(v) for v in want[1:-1, 1:-1].ravel()}
    assert ("checkerboard" in text) == (len(inner) > 1), text
    found = sorted({int(v) for v in want.ravel() if v})
    assert f"sums {', '.join(map(str, found[:-1]))}" in text or len(found) == 1


def test_conv_taps_and_the_caption_name_each_panel() -> None:
    spec = Spec(i=6, k=3, p=1)
    want = F.conv2d(ONES(1, 1, 6, 6), ONES(1, 1, 3, 3), padding=1)[0, 0].numpy()
    np.testing.assert_array_equal(reads_per_cell(plan(spec)), want)
    text = what_to_compare([plan(Spec(i=3, mode="upsample")), plan(spec)])
    assert text.startswith("Same 6×6 output: ")
    assert "upsample copies one input cell" in text and "conv sums up to 9 products" in text


def test_caption_of_both_gallery_comparisons() -> None:
    from convanim.gallery import find_configs, make_jobs

    jobs = {j.name: j for j in make_jobs(find_configs([REPO / "configs/upsampling"]),
                                          Path("o"), {}).jobs if j.panels}
    texts = {name: what_to_compare([plan(p.spec, p.x, p.w, seed=p.seed) for p in job.panels])
             for name, job in jobs.items()}
    assert texts["compare"].startswith("Same 6×6 output from a 3×3 input: nearest copies")
    assert "bilinear blends up to 4 input cells" in texts["compare"]
    assert "checkerboard" in texts["checkerboard_compare"]
    assert "checkerboard" not in texts["compare"]  # kernel 2, stride 2: no overlap


def test_one_tap_is_the_written_colour_in_every_theme() -> None:
    for theme in THEMES.values():
        assert theme.look("overlap1") == theme.done
        fills = [theme.look(f"overlap{n}").fill for n in range(1, 5)]
        assert len(set(fills)) == 4 and theme.current.fill not in fills


def test_compare_panels_share_grid_and_legend_heights_and_show_their_numbers() -> None:
    specs = [Spec(i=3, mode="upsample"), Spec(i=3, mode="upsample", method="bilinear"),
             Spec(i=3, k=2, s=2, mode="transposed", view="scatter")]
    options = RenderOptions()
    parts, _ = row([plan(s, seed=3) for s in specs], [None] * 3, options, 12,
                   header_height("caption", options, 900))
    tops = {part.y + part.renderer.layout.panels["grid"].y for part in parts}
    legends = {part.y + min(item.swatch[1] for item in part.renderer.layout.legend)
               for part in parts}
    assert len(tops) == 1 and len(legends) == 1
    for part in parts:
        layout = part.renderer.layout
        assert "numbers hidden" not in layout.title
        font = layout.fonts["value"]
        assert font is not None and font.size_px >= 10


def test_trace_whole_input_frame_counts_paths_as_torch_does() -> None:
    chain = Chain.build(3, [{"mode": "transposed", "kernel_size": 3, "stride": 2}] * 2)
    y = ONES(1, 1, 3, 3, dtype=torch.float64)
    w = ONES(1, 1, 3, 3, dtype=torch.float64)
    want = F.conv_transpose2d(F.conv_transpose2d(y, w, stride=2), w, stride=2)[0, 0].numpy()
    np.testing.assert_array_equal(output_paths(chain), want)
    last = trace_plans(chain)[-1]
    assert last.frames[0].caption.endswith("a checkerboard")
    resize = Chain.build(4, [{"mode": "upsample", "scale": 2},
                             {"kernel_size": 3, "padding": 1}])
    up = F.interpolate(ONES(1, 1, 4, 4), scale_factor=2, mode="nearest")
    want = F.conv2d(up, ONES(1, 1, 3, 3), padding=1)[0, 0].numpy()
    np.testing.assert_array_equal(output_paths(resize), want)
    assert "even: 9 paths to every cell" in trace_plans(resize)[-1].frames[0].caption


def _colours(image: np.ndarray) -> set[tuple[int, int, int]]:
    return {tuple(c) for c in np.unique(image.reshape(-1, 3), axis=0).tolist()}


def test_trace_legend_tints_are_the_drawn_tints() -> None:
    chain = Chain.build(3, [{"mode": "transposed", "kernel_size": 3, "stride": 2}] * 2)
    theme = THEMES["light"]
    frames = [f.copy() for f, _ in chain_frames(chain, RenderOptions(), view="trace")]
    plans = trace_plans(chain)
    for image, the_plan in zip(frames, plans):
        legend = TraceScene(the_plan).legend()
        looks = [look for look, _ in legend]
        assert "window" not in looks  # the pure window hue is never drawn on a counted cell
        shown = _colours(image)
        for look in looks:  # every legend tint is a tint the frame draws (beyond its swatch)
            fill = rgb(theme.look(look).fill)
            mask = np.all(image == fill, axis=2)
            assert mask.sum() > 2 * 12 * 12, (look, the_plan.frames[0].caption)
        # Every shade of "written" drawn is named in the legend.
        for n in range(1, 5):
            if rgb(theme.look(f"overlap{n}").fill) in shown:
                assert f"overlap{n}" in looks or (n == 1 and "done" in looks)
    assert {look for look, _ in TraceScene(plans[-1]).legend()} >= {
        "overlap1", "overlap2", "overlap3", "overlap4"}


def test_chain_layout_stays_put_between_frames() -> None:
    chain = Chain.build(7, [{"kernel_size": 3}, {"kernel_size": 3, "stride": 2}])
    from convanim.draw.chain import chain_parts

    parts, _ = chain_parts(chain, RenderOptions())
    assert len({p.renderer.layout.panels["grid"].y for p in parts}) == 1
    assert len({min(i.swatch[1] for i in p.renderer.layout.legend) for p in parts}) == 1
    # The field in the caption, from autograd: the input cells output (0, 0) and (0, 1) of
    # the all-ones chain depend on.
    x = torch.ones(1, 1, 7, 7, requires_grad=True)
    w = torch.ones(1, 1, 3, 3)
    y = F.conv2d(F.conv2d(x, w), w, stride=2)
    boxes = []
    for col in (0, 1):
        (grad,) = torch.autograd.grad(y[0, 0, 0, col], x, retain_graph=True)
        rows, cols = np.nonzero(grad[0, 0].numpy())
        boxes.append((rows.max() - rows.min() + 1, cols.min()))
    size, step = boxes[0][0], boxes[1][1] - boxes[0][1]
    last = parts[-1].renderer.plan.frames[-1].caption
    assert last.endswith(f"each output cell sees {size}×{size} input cells of the chain; "
                         f"one step moves {step} input cells")


def test_vgg_chain_numbers_are_legible_or_left_out_with_a_note() -> None:
    import yaml

    from convanim.draw.chain import chain_parts

    cfg = yaml.safe_load((REPO / "configs/chains/vgg16_blocks.yaml").read_text())
    parts, size = chain_parts(Chain.build(cfg["i"], cfg["layers"]), RenderOptions())
    sizes = set()
    for part in parts:
        layout = part.renderer.layout
        font = layout.fonts["value"]
        assert (font is not None and font.size_px >= 10) or "numbers hidden" in layout.title
        sizes.add(layout.cell_px)
    assert len(sizes) == 1 and size[0] <= 1280


@pytest.mark.parametrize("kind", ["chain", "trace", "compare"])
def test_player_has_one_caption_per_frame(tmp_path: Path, kind: str) -> None:
    out = tmp_path / f"{kind}.html"
    if kind == "compare":
        args = ["compare", str(REPO / "configs/upsampling/compare.yaml"), "-o", str(out)]
    else:
        args = ["render", str(REPO / "configs/chains/two_3x3.yaml"), "-o", str(out),
                "--view", "gather" if kind == "chain" else "trace"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    frames, _, meta = read_player(out)
    captions = meta["captions"]
    assert len(captions) == len(frames) and all(captions) and meta["caption_drawn"]
    assert len(set(captions)) > 1
    if kind == "compare":
        assert captions[0].startswith("Same 6×6 output from a 3×3 input")
    elif kind == "trace":
        assert captions[-1].startswith("All 2 layers") and "paths" in captions[-1]
    else:
        assert captions[0].startswith("Layer 1 of 2")


def test_player_caption_text_follows_the_frame_in_chromium(tmp_path: Path, page: object
                                                           ) -> None:
    from tests.test_player import frame, open_player

    out = tmp_path / "trace.html"
    result = CliRunner().invoke(cli, ["render", str(REPO / "configs/chains/two_3x3.yaml"),
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    _, _, meta = read_player(out)
    root = open_player(page, out)  # type: ignore[arg-type]
    p = page.page  # type: ignore[attr-defined]
    p.keyboard.press("Home")
    for index in range(int(root.get_attribute("data-frames"))):
        assert frame(root) == index
        text = p.eval_on_selector(".cvp-caption", "e => e.textContent")
        assert text == meta["captions"][index]
        # Drawn in the frame, the text is for screen readers: seen once, not twice.
        box = p.eval_on_selector(".cvp-caption", "e => e.getBoundingClientRect().height")
        assert box <= 1
        p.keyboard.press("ArrowRight")
    assert page.errors == []  # type: ignore[attr-defined]



def test_gallery_page_gives_a_figure_wider_than_its_column_the_full_width(
        tmp_path: Path, page: object, monkeypatch: pytest.MonkeyPatch) -> None:
    configs = tmp_path / "configs" / "conv"
    configs.mkdir(parents=True)
    # One small figure (a column's width) and one single-layer figure drawn ~730 px wide.
    (configs / "small.yaml").write_text("i: 3\nk: 2\n")
    (configs / "large.yaml").write_text("i: 12\nk: 3\np: 1\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["gallery", "-j", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    index = tmp_path / "outputs" / "gallery" / "index.html"
    assert 'class="wide"' not in index.read_text(encoding="utf-8")  # decided by the page
    p = page.page  # type: ignore[attr-defined]
    p.set_viewport_size({"width": 1200, "height": 3000})
    p.goto(index.as_uri())
    p.wait_for_function("() => [...document.querySelectorAll('iframe.player')]"
                        ".every(e => e.style.height.endsWith('px'))", polling=100,
                        timeout=20_000)
    drawn = {}
    for name in ("small", "large"):
        with Image.open(tmp_path / "outputs" / "gallery" / f"{name}.gif") as im:
            drawn[name] = im.size[0]
    p.wait_for_timeout(300)
    wide = p.eval_on_selector_all("figure", "els => Object.fromEntries(els.map(e => "
                                  "[e.id, [e.classList.contains('wide'), "
                                  "e.querySelector('iframe').clientWidth]]))")
    assert not wide["small.gif"][0] and drawn["small"] < 1.5 * wide["small.gif"][1]
    assert drawn["large"] > 1.5 * 400 and wide["large.gif"][0]
    assert wide["large.gif"][1] >= drawn["large"]  # shown at its own size, not shrunk
    assert page.errors == []  # type: ignore[attr-defined]
