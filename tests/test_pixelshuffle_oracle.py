"""``mode: pixelshuffle`` against ``torch.nn.functional.pixel_shuffle``: accept/refuse,
values with the channel axis kept (also for one output channel), connectivity from the
Jacobian and every frame's written value."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim import Spec, SpecError, compute, plan
from convanim.explain import explain_shape
from convanim.geometry.plan import GAP

torch = pytest.importorskip("torch", reason="torch is the oracle: pip install torch==2.13.0")
F = torch.nn.functional


@st.composite
def kwargs_strategy(draw: st.DrawFn) -> dict:
    i = draw(st.lists(st.integers(1, 4), min_size=2, max_size=2))
    r = draw(st.integers(0, 3))
    kwargs = {"mode": "pixelshuffle", "i": i, "scale": r}
    if draw(st.booleans()):
        kwargs["in_channels"] = draw(st.integers(1, 18))
    return kwargs


@settings(max_examples=300, deadline=None)
@given(kwargs_strategy(), st.integers(0, 2**32 - 1))
def test_random_pixelshuffle_specs_match_pytorch(kwargs: dict, seed: int) -> None:
    r = kwargs["scale"]
    channels = kwargs.get("in_channels", r * r)
    x = np.random.default_rng(seed).integers(-3, 5, (channels, *kwargs["i"])).astype(float)
    try:
        spec = Spec(**kwargs)
    except SpecError:
        spec = None
    try:
        expected = F.pixel_shuffle(torch.as_tensor(x)[None], r)[0].numpy()
        torch_ok = r >= 1
    except (RuntimeError, ValueError):
        torch_ok = False
    assert (spec is not None) == torch_ok, f"torch accepts={torch_ok}, convanim disagrees"
    if spec is None:
        return
    got = compute(spec, x)
    assert got.shape == expected.shape == (channels // (r * r), *spec.output_shape)
    np.testing.assert_array_equal(got, expected)
    p = plan(spec, x)
    links = [link for frame in p.frames for link in frame.links]
    pairs = [(out, src) for out, src, _ in links]
    assert not [pair for pair, n in Counter(pairs).items() if n > 1], "a link appears twice"

    def run(t: torch.Tensor) -> torch.Tensor:
        return F.pixel_shuffle(t[None], r)[0]

    jac = torch.autograd.functional.jacobian(run, torch.as_tensor(x))
    support = {(tuple(i[:3]), tuple(i[3:])) for i in torch.nonzero(jac).tolist()}
    assert set(pairs) == support
    # Each drawn output cell (the maps apart, a blank row between two) is written once, by
    # its frame, with torch's value at the place its source names on the maps stacked down.
    stacked = expected.reshape(-1, expected.shape[-1])
    written = np.full(p.target.shape, np.nan)
    for frame in p.frames:
        if frame.phase == "slide":
            written[frame.cells[:, 0], frame.cells[:, 1]] = frame.sums
    real = p.target.kinds != GAP
    assert real.sum() == stacked.size and np.isnan(written[~real]).all()
    src = p.target.source[real]
    np.testing.assert_array_equal(written[real], stacked[src[:, 0], src[:, 1]])


def test_one_output_channel_keeps_the_channel_axis_and_code_runs() -> None:
    spec = Spec(i=(2, 3), mode="pixelshuffle", scale=2)
    x = np.arange(24.0).reshape(4, 2, 3)
    assert compute(spec, x).shape == (1, 4, 6)
    report = explain_shape(spec).to_json()
    layer = eval(report["pytorch"], {"nn": torch.nn})
    np.testing.assert_array_equal(layer(torch.as_tensor(x)[None])[0].numpy(), compute(spec, x))
    assert report["keras"] is None


@pytest.mark.parametrize(("kwargs", "param"), [
    ({"i": 3, "mode": "pixelshuffle", "dims": 1}, "dims"),
    ({"i": 3, "mode": "pixelshuffle", "scale": (2, 3)}, "scale"),
    ({"i": 3, "mode": "pixelshuffle", "in_channels": 6}, "in_channels"),
    ({"i": 3, "mode": "pixelshuffle", "k": 2}, "kernel_size"),
])
def test_refusals_name_the_parameter(kwargs: dict, param: str) -> None:
    with pytest.raises(SpecError) as err:
        Spec(**kwargs)
    assert err.value.param == param
    assert "\n" not in str(err.value)
