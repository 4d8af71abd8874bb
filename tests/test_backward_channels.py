"""``view: backward`` of channel stacks (in/out channels, groups) against PyTorch.

For random conv and transposed specs with channels and groups (1-D and 2-D, stride,
dilation, per-side and named padding, output_padding, bias): ``dL/dx`` and ``dL/dW`` from
``torch.autograd.grad`` of PyTorch's own layer (``groups=``) equal :func:`gradients`, every
written frame's value and the sum of its products; part 1's and part 2's links, turned
back, are the forward links ``((o, *y), (c, *x), (*slot, *tap))`` PyTorch's one-hot
Jacobians give, each once; the player's hover links decode to the same; the frame count and
largest grid the budget reads equal the plan's.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convanim import Spec
from convanim.draw.animate import Renderer
from convanim.draw.options import RenderOptions
from convanim.draw.player import player_metadata
from convanim.geometry import SpecError, plan
from convanim.geometry.ops.backward import gradients, output_gradient
from convanim.geometry.ops.backward_channels import Sheet

torch.set_num_threads(1)


def _forward(spec: Spec, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """PyTorch's grouped layer on ``(C_in, *i)``: per-side padding by F.pad (conv), or the
    full transposed result cropped (transposed, its output_padding cells as zeros)."""
    conv = F.conv1d if spec.dims == 1 else F.conv2d
    conv_t = F.conv_transpose1d if spec.dims == 1 else F.conv_transpose2d
    if spec.mode == "transposed":
        full = conv_t(x[None], w, stride=spec.s, dilation=spec.d, groups=spec.groups)[0]
        extra = [v for op in reversed(spec.output_padding) for v in (0, op)]
        full = F.pad(full, extra)
        region = tuple(slice(b, b + o) for (b, _), o in zip(spec.p, spec.output_shape))
        return full[(slice(None), *region)]
    pads = [v for before, after in reversed(spec.p) for v in (before, after)]
    return conv(F.pad(x[None], pads), w, stride=spec.s, dilation=spec.d,
                groups=spec.groups)[0]


def _autograd(spec: Spec, x: np.ndarray, w: np.ndarray, dy: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    y = _forward(spec, xt, wt)
    assert tuple(y.shape) == (spec.out_channels, *spec.output_shape)
    gx, gw = torch.autograd.grad(y, (xt, wt), torch.tensor(dy, dtype=torch.float64))
    return gx.numpy(), gw.numpy()


def _links(spec: Spec, w_shape: tuple[int, ...]) -> set[tuple[tuple[int, ...], ...]]:
    """Every ((o, *y), (c, *x), weight index) PyTorch connects: a one-hot weight at a time
    over a batch of one-hot inputs, the nonzero outputs."""
    x_shape = (spec.in_channels, *spec.i)
    n_in = int(np.prod(x_shape))
    basis = torch.eye(n_in, dtype=torch.float64).reshape(n_in, *x_shape)
    found = set()
    for n in range(int(np.prod(w_shape))):
        w = torch.zeros(int(np.prod(w_shape)), dtype=torch.float64)
        w[n] = 1.0
        w = w.reshape(w_shape)
        out = torch.stack([_forward(spec, basis[b], w) for b in range(n_in)])
        for idx in torch.nonzero(out).tolist():
            assert out[tuple(idx)] == 1.0  # each link once
            src = tuple(int(v) for v in np.unravel_index(idx[0], x_shape))
            weight = tuple(int(v) for v in np.unravel_index(n, w_shape))
            found.add((tuple(idx[1:]), src, weight))
    return found


def _kwargs(rng: np.random.Generator) -> dict:
    dims = int(rng.integers(1, 3))
    mode = str(rng.choice(["conv", "transposed"]))

    def size(lo: int, hi: int):
        return int(rng.integers(lo, hi + 1)) if dims == 1 or rng.integers(2) else \
            [int(rng.integers(lo, hi + 1)), int(rng.integers(lo, hi + 1))]

    groups = int(rng.choice([1, 1, 2, 3]))
    cin = groups * int(rng.integers(1, 3))
    cout = groups * int(rng.integers(1, 3))
    if cin == cout == 1:
        cout = 2
    kw: dict = {"dims": dims, "mode": mode, "view": "backward", "i": size(1, 4),
                "k": size(1, 3), "s": size(1, 3), "d": size(1, 2) if rng.integers(3) == 0 else 1,
                "in_channels": cin, "out_channels": cout, "groups": groups,
                "bias": bool(rng.integers(2))}
    form = int(rng.integers(3))
    if form == 0:
        kw["p"] = size(0, 2)
    elif form == 1:
        kw["p"] = str(rng.choice(["valid", "same", "full"]))
    if mode == "transposed" and rng.integers(2):
        kw["output_padding"] = size(0, 2)
    return kw


def _specs(count: int) -> list[Spec]:
    specs, n = [], 0
    while len(specs) < count:
        n += 1
        try:
            specs.append(Spec(**_kwargs(np.random.default_rng([281, n]))))
        except SpecError:
            continue
    return specs


SPECS = _specs(48)


def _part(the_plan, index: int) -> str:
    second = next(n for n, f in enumerate(the_plan.frames)
                  if f.phase == "input" and f.grid == "forward")
    return "a" if index < second else "b"


def _written(spec: Spec, w_shape: tuple[int, ...]) -> dict[tuple[int, int], tuple]:
    """The written panel's cells: ``("x", c, *cell)`` or ``("w", *slot, *tap)``."""
    sheet = Sheet.of(spec)
    cells: dict[tuple[int, int], tuple] = {}
    for c in range(spec.in_channels):
        for r, col in np.ndindex(*sheet.ax.i):
            cells[sheet.dx_cell(c, r, col)] = (c, *((r, col) if spec.dims == 2 else (col,)))
    for slot in np.ndindex(*w_shape[:2]):
        for tap in np.ndindex(*sheet.ax.k):
            user = tap if spec.dims == 2 else (tap[1],)
            cells[sheet.slice_cell(slot, tap, sheet.dw_row)] = (*slot, *user)
    return cells


@pytest.mark.parametrize("chunk", range(2))
def test_values_frames_and_links_equal_autograd(chunk: int) -> None:
    mismatches = checked = 0
    for spec in SPECS[chunk * 24: (chunk + 1) * 24]:
        p = plan(spec)
        dy = output_gradient(spec, p.x, p.w)
        assert dy.shape == (spec.out_channels, *spec.output_shape) and (dy != 0).all()
        gx, gw = _autograd(spec, p.x, p.w, dy)
        dx, dw = gradients(spec, p.x, p.w, dy)
        mismatches += not (np.allclose(dx, gx) and np.allclose(dw, gw))
        written = _written(spec, p.w.shape)
        seen_a, seen_b = set(), set()
        for n, f in enumerate(p.frames):
            if f.phase != "slide":
                continue
            index = written[tuple(int(v) for v in f.cells[0])]
            want = gx[index] if _part(p, n) == "a" else gw[index]
            (seen_a if _part(p, n) == "a" else seen_b).add(index)
            mismatches += not np.isclose(f.value, want)
            mismatches += not np.isclose(float(np.sum(f.products)), want)
            checked += 1
        # One frame per cell of dL/dx and per weight.
        mismatches += len(seen_a) != gx.size or len(seen_b) != gw.size
        forward = _links(spec, p.w.shape)
        links_a = [(y, x, t) for n, f in enumerate(p.frames) if _part(p, n) == "a"
                   for x, y, t in f.links]
        links_b = [(y, x, t) for n, f in enumerate(p.frames) if _part(p, n) == "b"
                   for t, x, y in f.links]
        mismatches += len(links_a) != len(set(links_a)) or set(links_a) != forward
        mismatches += len(links_b) != len(set(links_b)) or set(links_b) != forward
        # Part 2's products are the linked x times dL/dy, each once.
        for n, f in enumerate(p.frames):
            if f.phase == "slide" and _part(p, n) == "b":
                want = sum(p.x[x] * dy[y] for _, x, y in f.links)
                mismatches += not np.isclose(want, f.value)
    assert mismatches == 0 and checked > 400


def test_budget_numbers_are_the_plans() -> None:
    """``frame_count`` and ``largest_grid`` (read before any work) equal the plan's frames
    and its largest panel side; every map fits its block."""
    for spec in SPECS:
        p = plan(spec)
        assert spec.op.frame_count(spec) == len(p.frames)
        sides = [n for g in p.grids.values() for n in g.shape]
        sides += [*p.target.shape, *p.kernel.shape]
        assert spec.op.largest_grid(spec) == max(sides), spec


def test_the_player_hover_links_are_pytorchs() -> None:
    """The page's links, five numbers a key: part 0 ``(dx cell, dy cell, weight)``, part 1
    ``(weight, grid cell, operand cell)``; decoded, both are PyTorch's forward links, and
    every hovered key has a cell on the page."""
    for spec in SPECS[:12:3]:
        p = plan(spec)
        meta = player_metadata(Renderer(p, RenderOptions(cell_px=20)))
        assert meta["key_dims"] == [5, 5, 5]
        flat = np.array(meta["links"]).reshape(-1, 15)
        forward = _links(spec, p.w.shape)

        def cell(key: np.ndarray, dims: int = spec.dims) -> tuple[int, ...]:
            return (int(key[1]), int(key[4])) if dims == 1 else \
                (int(key[1]), int(key[3]), int(key[4]))

        def weight(key: np.ndarray, dims: int = spec.dims) -> tuple[int, ...]:
            return (int(key[1]), int(key[2]), *cell(key, dims)[1:])

        a = {(cell(r[5:10]), cell(r[0:5]), weight(r[10:15])) for r in flat if r[0] == 0}
        grid_is_dy = spec.mode == "transposed"
        b = {((cell(r[5:10]), cell(r[10:15])) if grid_is_dy else
              (cell(r[10:15]), cell(r[5:10]))) + (weight(r[0:5]),) for r in flat if r[0] == 1}
        assert a == forward and b == forward
        outputs = {tuple(meta["outputs"][n: n + 5]) for n in range(0, len(meta["outputs"]), 7)}
        taps = {tuple(meta["taps"][n: n + 5]) for n in range(0, len(meta["taps"]), 7)}
        inputs = {tuple(flat_in[n: n + 5]) for flat_in in meta["inputs"].values()
                  for n in range(0, len(flat_in), 7)}
        assert {tuple(r[:5]) for r in flat} <= outputs
        assert {tuple(r[10:]) for r in flat} <= taps
        assert {tuple(r[5:10]) for r in flat} <= inputs


def test_renders_and_refuses_in_one_line(tmp_path) -> None:
    from click.testing import CliRunner

    from convanim.cli import cli

    runner = CliRunner()
    for args in (["-i", "4", "-k", "3", "-s", "2", "-p", "1", "--in-channels", "2",
                  "--out-channels", "2", "--bias"],
                 ["-m", "transposed", "-i", "3", "-k", "2", "-s", "2", "--in-channels", "2",
                  "--out-channels", "4", "--groups", "2"],
                 ["--dims", "1", "-i", "5", "-k", "3", "-d", "2", "--in-channels", "3",
                  "--groups", "depthwise"]):
        out = tmp_path / "f.png"
        result = runner.invoke(cli, ["render", *args, "--view", "backward", "--frame",
                                     "last", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000
    result = runner.invoke(cli, ["render", "-i", "5", "-k", "3", "--in-channels", "40",
                                 "--view", "backward", "-o", str(tmp_path / "big.gif")])
    assert result.exit_code == 2 and "--in-channels" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "big.gif").exists()


def test_printed_input_gradient_layer_gives_autograds_dx() -> None:
    """``shape --view backward``'s layer for a stack (out_channels back to in_channels, the
    same groups), run with the forward weight on dL/dy, gives autograd's dL/dx."""
    from convanim.explain import explain_shape
    from convanim.explain.describe import backward_facts

    for spec in SPECS[:24]:
        facts = backward_facts(spec)
        assert facts["input_gradient"] in "\n".join(explain_shape(spec).lines())
        layer = eval(facts["input_gradient"], {"nn": torch.nn})  # the printed code, run
        convs = [m for m in layer.modules() if isinstance(m, torch.nn.modules.conv._ConvNd)]
        p = plan(spec)
        dy = output_gradient(spec, p.x, p.w)
        gx, _ = _autograd(spec, p.x, p.w, dy)
        with torch.no_grad():
            convs[0].weight.copy_(torch.tensor(p.w))
            reads = facts["input_gradient_reads"]
            seen = torch.tensor(dy[(slice(None), *(slice(0, n) for n in reads))])
            got = layer.double()(seen[None])[0].numpy()
        assert np.allclose(got, gx), spec


def test_gradient_checkerboard_with_channels_is_autograds() -> None:
    """``overlap --gradient`` with channels: one input channel's paths, through 1 or 2
    stacked grouped layers with dL/dy and W all ones, as autograd gives every channel."""
    from convanim.explain.overlap import gradient_counts

    checked = 0
    for spec in SPECS:
        layers = 2 if spec.in_channels == spec.out_channels else 1
        try:
            maps = gradient_counts(spec, layers)
        except SpecError:
            layers, maps = 1, gradient_counts(spec, 1)
        chain = [spec.replace(view="gather")]
        for _ in maps[1:]:
            chain.append(chain[-1].replace(i=chain[-1].output_shape))
        x = torch.ones((spec.in_channels, *spec.i), dtype=torch.float64, requires_grad=True)
        values, inputs = x, [x]
        for n, layer in enumerate(chain):
            ones = torch.ones(spec.op.weight_shape(layer), dtype=torch.float64)
            values = _forward(layer, values, ones)
            if n + 1 < len(chain):
                inputs.append(values)
        grads = torch.autograd.grad(values, inputs, torch.ones_like(values))
        for got, want in zip(maps, reversed(grads)):
            assert all(np.array_equal(got, channel) for channel in want.numpy())
            checked += 1
    assert checked > len(SPECS)


def test_player_hover_in_chromium(tmp_path, page) -> None:
    """In the page: hovering a cell of dL/dx[c] lights the dL/dy[o] cells and the weights
    W[o, c] feeding it; at the end, hovering dL/dW[o, c] lights the cells of x[c] and
    dL/dy[o] it sums, each PyTorch's links."""
    import convanim

    kwargs = {"i": 3, "k": 2, "s": 2, "p": 1, "in_channels": 2, "out_channels": 2,
              "view": "backward"}
    spec = Spec.from_dict(kwargs)
    html = convanim.render(kwargs, tmp_path / "b.html")
    links = _links(spec, spec.op.weight_shape(spec))

    def key(part: int, a: int, b: int, cell: tuple[int, ...]) -> str:
        return ",".join(map(str, (part, a, b, *cell)))

    def lit() -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for panel, cell in page.page.eval_on_selector_all(
                ".cvp-hl", "els => els.map(e => [e.dataset.panel, e.dataset.cell])"):
            found.setdefault(panel, set()).add(cell)
        return found

    p = page.page
    p.goto(html.resolve().as_uri())
    p.wait_for_selector("[data-convanim-player][data-ready]")
    p.keyboard.press("Home")
    for x in sorted({x for _, x, _ in links}):
        p.hover(f'[data-panel=output][data-cell="{key(0, x[0], 0, x[1:])}"]')
        got = lit()
        assert got.get("input", set()) == {key(0, y[0], 0, y[1:]) for y, xx, _ in links
                                           if xx == x}, x
        assert got.get("kernel", set()) == {key(0, w[0], w[1], w[2:]) for _, xx, w in links
                                            if xx == x}, x
    p.keyboard.press("End")
    for w in sorted({w for _, _, w in links}):
        p.hover(f'[data-panel=output][data-cell="{key(1, w[0], w[1], w[2:])}"]')
        got = lit()
        assert got.get("input", set()) == {key(1, x[0], 0, x[1:]) for _, x, ww in links
                                           if ww == w}, w
        assert got.get("kernel", set()) == {key(1, y[0], 0, y[1:]) for y, _, ww in links
                                            if ww == w}, w
    assert page.errors == []


def test_without_numbers_the_labels_fit_and_the_kernel_panel_is_left_out(tmp_path) -> None:
    """``values: false`` drops the kernel panel (its labels too) and the cells stay wide
    enough for every word under a map."""
    from convanim.draw.layout import Layout
    from convanim.draw.scene import Scene

    spec = Spec(i=4, k=3, s=2, p=1, in_channels=2, out_channels=2, view="backward")
    scene = Scene(plan(spec), values=False)
    layout = Layout.build(scene, RenderOptions(values=False))
    texts = scene.slice_labels()
    font = layout.fonts["caption"]
    boxes = []
    for n, (panel, *_rest) in enumerate(scene.plan.labels):
        slot = layout.slots.get(f"block_{n}")
        if panel not in layout.panels:
            assert slot is None
            continue
        width = font.measure(texts[f"block_{n}"])
        middle = (slot.x0 + slot.x1) / 2
        boxes.append((slot.baseline, middle - width / 2, middle + width / 2))
    for a in boxes:  # words on one line never touch
        for b in boxes:
            if a is not b and a[0] == b[0]:
                assert a[2] <= b[1] or b[2] <= a[1], (a, b)
    assert boxes
