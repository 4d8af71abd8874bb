"""Max-unpooling's picture against PyTorch: the pooled map and the indices drawn beside the
input are ``max_pool(return_indices=True)``'s two results, each pooled cell is filled in by
the frame of its window (not yet written before, written after), and the unpooling stage
reads exactly that pooled value and index and writes ``max_unpool``'s cell."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim import Spec, plan
from convanim.draw.layout import Layout
from convanim.draw.options import RenderOptions
from convanim.draw.scene import Scene

torch = pytest.importorskip("torch", reason="torch is the oracle: pip install torch==2.13.0")
F = torch.nn.functional


def torch_pool(spec: Spec, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PyTorch's pooled values, flat indices and unpooled output for ``x``."""
    pool, unpool = ((F.max_pool1d, F.max_unpool1d) if spec.dims == 1
                    else (F.max_pool2d, F.max_unpool2d))
    xt = torch.as_tensor(x.reshape(spec.i))[None, None]
    y, idx = pool(xt, spec.k, spec.s, return_indices=True)
    out = unpool(y, idx, spec.k, spec.s, output_size=xt.shape[2:])
    return y[0, 0].numpy(), idx[0, 0].numpy(), out[0, 0].numpy()


@st.composite
def specs(draw: st.DrawFn) -> tuple[Spec, np.ndarray]:
    dims = draw(st.sampled_from([1, 2]))
    i = tuple(draw(st.integers(2, 7)) for _ in range(dims))
    k = tuple(draw(st.integers(1, n)) for n in i)
    s = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    seed = draw(st.integers(0, 2**16))
    x = np.random.default_rng(seed).integers(0, 4, size=i).astype(float)  # many ties
    return Spec(i=i, k=k, s=s, dims=dims, mode="maxunpool"), x


@settings(max_examples=60, deadline=None)
@given(specs())
def test_pooled_map_and_indices_are_torchs(case: tuple[Spec, np.ndarray]) -> None:
    spec, x = case
    y, idx, out = torch_pool(spec, x)
    p = plan(spec, x)
    grid = p.grids["pooling"]
    first = [f for f in p.frames if f.phase == "slide" and len(f.fills)]
    assert len(first) == y.size
    pooled = np.array([grid.values[tuple(f.fills[0])] for f in first]).reshape(y.shape)
    index = np.array([grid.values[tuple(f.fills[1])] for f in first]).reshape(y.shape)
    np.testing.assert_array_equal(pooled, y)
    np.testing.assert_array_equal(index, idx)
    # Each fill's pooled cell is the max its own window saw.
    for frame in first:
        assert grid.values[tuple(frame.fills[0])] == frame.products.max() == frame.value
    # The unpooling stage reads a pooled value and its index and writes max_unpool's cell.
    second = [f for f in p.frames if f.phase == "slide" and not len(f.fills)]
    width = spec.i[-1]
    written = np.zeros(p.target.shape)
    for frame in second:
        value, flat = (grid.values[tuple(cell)] for cell in frame.window)
        (r, c), = frame.cells
        assert r * width + c == flat and frame.sums[0] == value
        written[r, c] = value
    np.testing.assert_array_equal(written.reshape(out.shape), out)


def test_pooled_cells_wait_then_stay_written() -> None:
    spec = Spec(i=4, k=2, mode="maxunpool")
    scene = Scene(plan(spec))
    panel = scene.panels["grid"]
    fills = [f.fills for f in scene.plan.frames if len(f.fills)]
    scene.advance(0)
    pending, current, done = (scene.code(n) for n in ("pending", "current", "done"))
    every = np.concatenate(fills)
    assert (panel.look[every[:, 0], every[:, 1]] == pending).all()
    assert (panel.main[every[:, 0], every[:, 1]] == "").all()
    for n, cells in enumerate(fills, start=1):
        scene.advance(n)
        assert (panel.look[cells[:, 0], cells[:, 1]] == current).all()
        earlier = np.concatenate(fills[:n - 1]) if n > 1 else np.zeros((0, 2), int)
        assert (panel.look[earlier[:, 0], earlier[:, 1]] == done).all()
        later = np.concatenate(fills[n:]) if n < len(fills) else np.zeros((0, 2), int)
        assert (panel.look[later[:, 0], later[:, 1]] == pending).all()


def test_each_map_is_labelled_under_it() -> None:
    scene = Scene(plan(Spec(i=(5, 4), k=2, mode="maxunpool")))
    layout = Layout.build(scene, RenderOptions())
    words = [scene.texts[f"block_{n}"] for n in range(3)]
    assert words == ["input x", "pooled", "indices"]
    box = layout.panels["grid"]
    input_slot, pooled_slot = layout.slots["block_0"], layout.slots["block_1"]
    # Under its own map: the pooled map (2 rows) is shorter than the input (5 rows).
    assert pooled_slot.baseline < input_slot.baseline
    assert input_slot.baseline > box.y + 5 * box.px
    assert scene.grid_title("pooling") == "Max pooling 5×4 → 2×2"
