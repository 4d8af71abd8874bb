"""``mode: pixelunshuffle`` against ``torch.nn.functional.pixel_unshuffle``: accept/refuse,
shapes, values, connectivity from unshuffling an image of input indices, every frame's
written value, and the printed ``nn.PixelUnshuffle`` run on the input."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim import Spec, SpecError, compute, plan
from convanim.explain import explain_shape

torch = pytest.importorskip("torch", reason="torch is the oracle: pip install torch==2.13.0")
F = torch.nn.functional


@st.composite
def kwargs_strategy(draw: st.DrawFn) -> dict:
    i = draw(st.lists(st.integers(1, 8), min_size=2, max_size=2))
    r = draw(st.integers(0, 3))
    kwargs = {"mode": "pixelunshuffle", "i": i, "scale": r}
    if draw(st.booleans()):
        kwargs["in_channels"] = draw(st.integers(1, 3))
    return kwargs


@settings(max_examples=300, deadline=None)
@given(kwargs_strategy(), st.integers(0, 2**32 - 1))
def test_random_pixelunshuffle_specs_match_pytorch(kwargs: dict, seed: int) -> None:
    r = kwargs["scale"]
    channels = kwargs.get("in_channels", 1)
    x = np.random.default_rng(seed).integers(-3, 5, (channels, *kwargs["i"])).astype(float)
    try:
        spec = Spec(**kwargs)
    except SpecError as err:
        assert "\n" not in str(err)
        spec = None
    try:
        expected = F.pixel_unshuffle(torch.as_tensor(x)[None], r)[0].numpy()
        torch_ok = True
    except (RuntimeError, ValueError):
        torch_ok = False
    assert (spec is not None) == torch_ok, f"torch accepts={torch_ok}, convanim disagrees"
    if spec is None:
        return
    got = compute(spec, x)
    assert got.shape == expected.shape == (channels * r * r, *spec.output_shape)
    np.testing.assert_array_equal(got, expected)
    p = plan(spec, x)
    pairs = [(out, src) for frame in p.frames for out, src, _ in frame.links]
    assert not [pair for pair, n in Counter(pairs).items() if n > 1], "a link appears twice"

    # PyTorch moves an image of input indices: each output cell names the input it copies.
    index = torch.arange(x.size, dtype=torch.float64).reshape(x.shape)
    moved = F.pixel_unshuffle(index[None], r)[0]
    support = {(tuple(o), tuple(int(v) for v in np.unravel_index(int(moved[tuple(o)]),
                                                                  x.shape)))
               for o in np.ndindex(*moved.shape)}
    assert set(pairs) == support
    # Every output value is written once, in the tile the caption names.
    for frame in p.frames:
        if frame.phase == "slide":
            (oc, h, w), _, _ = frame.links[0]
            assert frame.value == expected[oc, h, w]
            assert p.target.values[tuple(frame.cells[0])] == expected[oc, h, w]
    np.testing.assert_array_equal(p.target.values, expected.reshape(-1, expected.shape[-1]))
    report = explain_shape(spec).to_json()
    layer = eval(report["pytorch"], {"nn": torch.nn})
    np.testing.assert_array_equal(layer(torch.as_tensor(x)[None])[0].numpy(), got)
    assert report["keras"] is None


def test_unshuffle_inverts_pixel_shuffle() -> None:
    x = np.arange(2 * 6 * 4.0).reshape(2, 6, 4)
    down = compute(Spec(i=(6, 4), mode="pixelunshuffle", scale=2, in_channels=2), x)
    up = compute(Spec(i=(3, 2), mode="pixelshuffle", scale=2, in_channels=8), down)
    np.testing.assert_array_equal(up, x)


@pytest.mark.parametrize(("kwargs", "param"), [
    ({"i": 4, "mode": "pixelunshuffle", "dims": 1}, "dims"),
    ({"i": 4, "mode": "pixelunshuffle", "scale": (2, 1)}, "scale"),
    ({"i": 5, "mode": "pixelunshuffle", "scale": 2}, "input_size"),
    ({"i": 4, "mode": "pixelunshuffle", "k": 2}, "kernel_size"),
])
def test_refusals_name_the_parameter(kwargs: dict, param: str) -> None:
    with pytest.raises(SpecError) as err:
        Spec(**kwargs)
    assert err.value.param == param
    assert "\n" not in str(err.value)
