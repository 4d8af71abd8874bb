"""A channel stack's bias drawn as a cell of its own beside each filter (CS231n's figure):
the drawn bias cells, with the drawn filters, give PyTorch's output; each bias cell lights
up with its filter (it joins the sum) and the legend names it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim import Spec, plan
from convanim.draw.scene import Scene

torch = pytest.importorskip("torch", reason="torch is the oracle: pip install torch==2.13.0")


@st.composite
def stacks(draw: st.DrawFn) -> Spec:
    groups = draw(st.sampled_from([1, 2]))
    cin = groups * draw(st.integers(1, 2))
    cout = groups * draw(st.integers(1 if cin > 1 else 2, 2))  # a stack: two maps or more
    return Spec(i=draw(st.integers(3, 5)), k=draw(st.integers(1, 3)), s=draw(st.integers(1, 2)),
                p=draw(st.integers(0, 1)), in_channels=cin, out_channels=cout,
                groups=groups, bias=True)


@settings(max_examples=25, deadline=None)
@given(stacks(), st.integers(0, 2**16))
def test_drawn_bias_cells_give_torchs_output(spec: Spec, seed: int) -> None:
    p = plan(spec, seed=seed)
    assert len(p.bias_cells) == spec.out_channels
    drawn_bias = torch.tensor([p.kernel[cell] for cell in p.bias_cells], dtype=torch.float64)
    x = torch.as_tensor(np.asarray(p.x, np.float64))[None]
    w = torch.as_tensor(np.asarray(p.w, np.float64))
    y = torch.nn.functional.conv2d(x, w, drawn_bias, spec.s, spec.p[0][0] if isinstance(
        spec.p[0], tuple) else spec.p, groups=spec.groups)[0].numpy()
    np.testing.assert_allclose(np.asarray(p.y).reshape(y.shape), y)
    # Each filter's cells hold exactly torch's weights of that output channel, and its
    # bias cell sits on the filter's rows, right of all of them, after a blank column.
    for co, (r, c) in enumerate(p.bias_cells):
        rows, cols = np.nonzero(p.filters == co)
        weights = p.kernel[(p.filters == co) & ~np.isin(
            np.arange(p.kernel.size).reshape(p.kernel.shape), [r * p.kernel.shape[1] + c])]
        np.testing.assert_array_equal(np.sort(weights), np.sort(w[co].numpy().ravel()))
        assert p.filters[r, c] == co and rows.min() <= r <= rows.max()
        assert c == cols.max() and np.isnan(p.kernel[r, c - 1])


def test_bias_cell_lights_with_its_filter() -> None:
    p = plan(Spec(i=5, k=3, s=2, p=1, in_channels=3, out_channels=2, bias=True), seed=231)
    scene = Scene(p)
    kernel = scene.panels["kernel"]
    rows = (p.kernel.shape[0] + 1) // 2
    assert ("bias", "bias b: added to the sum") in scene.legend()
    for index, frame in enumerate(p.frames):
        scene.advance(index)
        if frame.phase != "slide":
            continue
        on = int(frame.taps[0, 0]) // rows
        for co, cell in enumerate(p.bias_cells):
            look = scene.looks[kernel.look[cell]]
            assert look == ("window+bias" if co == on else "bias")
        assert any(name == "kernel" and (cells == p.bias_cells[on]).all(axis=1).any()
                   for name, cells in scene.outlines)


def test_no_bias_no_cell() -> None:
    p = plan(Spec(i=4, k=3, in_channels=2, out_channels=2))
    assert p.bias_cells == () and not np.isnan(p.kernel[:, -1]).all()
