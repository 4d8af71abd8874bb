"""``mode: upsample`` with every method against PyTorch: ``F.interpolate`` (nearest,
linear/bilinear with and without align_corners) and bed of nails (a transposed convolution
with a one-hot corner kernel, an independent construction).

Values: exact for nearest and bed of nails and for bilinear weights that are exact binary
fractions (scales 1, 2, 4 without align_corners); otherwise PyTorch's compiled kernel may
round differently, so bilinear is checked to 1e-12 relative (frames show 2 decimals),
and a Jacobian entry below 1e-9 (rounding of an exactly-zero weight) is no connection.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convanim import Spec, SpecError, compute, plan
from convanim.explain import explain_shape

torch = pytest.importorskip("torch", reason="torch is the oracle: pip install torch==2.13.0")
oracle = pytest.importorskip("tests.oracle")

METHODS = ["nearest", "bilinear", "linear", "bed_of_nails", "bed-of-nails"]


@st.composite
def kwargs_strategy(draw: st.DrawFn) -> dict:
    dims = draw(st.sampled_from([1, 2]))
    i = draw(st.lists(st.integers(1, 6), min_size=dims, max_size=dims))
    scale = draw(st.lists(st.integers(0, 5), min_size=dims, max_size=dims))
    method = draw(st.sampled_from(METHODS))
    kwargs = {"mode": "upsample", "dims": dims, "i": i, "scale": scale,
              draw(st.sampled_from(["method", "interpolation"])): method}
    if draw(st.booleans()):
        kwargs["align_corners"] = draw(st.booleans())
    return kwargs


def _canonical(method: str) -> str:
    return {"linear": "bilinear", "bed-of-nails": "bed_of_nails"}.get(method, method)


def _exact(spec: Spec) -> bool:
    return (spec.method != "bilinear" or (not spec.align_corners
            and all(s in (1, 2, 4) for s in spec.scale)))


@settings(max_examples=300, deadline=None)
@given(kwargs_strategy(), st.integers(0, 2**32 - 1))
def test_random_upsample_methods_match_pytorch(kwargs: dict, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 5, size=kwargs["i"]).astype(float)
    method = _canonical(kwargs.get("method", kwargs.get("interpolation")))
    align = kwargs.get("align_corners", False)
    try:
        spec = Spec(**kwargs)
    except SpecError:
        spec = None
    try:
        expected = oracle.interpolate_direct(kwargs["i"], kwargs["scale"], method, align, x)
        torch_ok = expected.size > 0
    except (RuntimeError, ValueError):
        torch_ok = False
    assert (spec is not None) == torch_ok, f"torch accepts={torch_ok}, convanim disagrees"
    if spec is None:
        return
    assert spec.output_shape == expected.shape
    got = compute(spec, x)
    if _exact(spec):
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    p = plan(spec, x)
    links = [link for frame in p.frames for link in frame.links]
    pairs = [(out, src) for out, src, _ in links]
    assert not [pair for pair, n in Counter(pairs).items() if n > 1], "a link appears twice"
    assert set(pairs) == oracle.interpolate_connectivity(spec)
    written = np.full(spec.output_shape, np.nan).reshape(p.target.shape)
    for frame in p.frames:
        if frame.phase == "slide":
            written[frame.cells[:, 0], frame.cells[:, 1]] = frame.sums
            if len(frame.weights):  # the shown terms add up to the written value
                np.testing.assert_allclose(frame.products.sum(), frame.value, atol=1e-9)
                assert len(frame.window) <= 2 ** spec.dims
    np.testing.assert_array_equal(written.reshape(spec.output_shape), got)


@pytest.mark.parametrize("kwargs", [
    {"i": (3, 2), "scale": (2, 3), "method": "bilinear"},
    {"i": (3, 2), "scale": (2, 3), "method": "bilinear", "align_corners": True},
    {"i": 4, "scale": 3, "method": "linear", "dims": 1},
    {"i": (2, 3), "scale": 2, "method": "nearest"},
])
def test_shape_gives_pytorch_code_that_torch_runs(kwargs: dict) -> None:
    spec = Spec(mode="upsample", **kwargs)
    report = explain_shape(spec).to_json()
    assert report["axes"][0]["formula"] == "o = i*scale"
    layer = eval(report["pytorch"], {"nn": torch.nn})  # our own generated code
    x = np.arange(float(np.prod(spec.i))).reshape(spec.i)
    got = layer(torch.as_tensor(x)[None, None])[0, 0].numpy()
    np.testing.assert_allclose(got, compute(spec, x), rtol=1e-12)


def test_bed_of_nails_code_is_the_transposed_conv_with_a_corner_weight() -> None:
    spec = Spec(i=(2, 3), mode="upsample", method="bed_of_nails", scale=(2, 3))
    report = explain_shape(spec).to_json()
    assert report["keras"] is None and report["keras_reason"].startswith("Keras has no")
    layer = eval(report["pytorch"].split("#")[0], {"nn": torch.nn})
    with torch.no_grad():
        layer.weight.zero_()
        layer.weight[0, 0, 0, 0] = 1.0
    x = np.arange(6.0).reshape(2, 3)
    got = layer(torch.as_tensor(x, dtype=torch.float32)[None, None])[0, 0].detach().numpy()
    np.testing.assert_array_equal(got, compute(spec, x))


def test_keras_names_are_aliases() -> None:
    spec = Spec(i=3, mode="upsample", interpolation="bilinear")
    assert spec.method == "bilinear" and not spec.align_corners
    assert explain_shape(spec).to_json()["keras"] == (
        'layers.UpSampling2D(size=2, interpolation="bilinear")')
    corners = Spec(i=3, mode="upsample", method="bilinear", align_corners=True)
    assert "align_corners" in explain_shape(corners).to_json()["keras_reason"]


@pytest.mark.parametrize(("kwargs", "param"), [
    ({"i": 3, "mode": "upsample", "align_corners": True}, "align_corners"),
    ({"i": 3, "mode": "upsample", "method": "bed-of-nails", "align_corners": True},
     "align_corners"),
    ({"i": 3, "mode": "upsample", "method": "bilinear", "align_corners": "yes"},
     "align_corners"),
    ({"i": 3, "mode": "upsample", "method": "bicubic"}, "method"),
])
def test_refusals_name_the_parameter(kwargs: dict, param: str) -> None:
    with pytest.raises(SpecError) as err:
        Spec(**kwargs)
    assert err.value.param == param
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("size_from", "size_to", "dims"), [(16, 32, 2), (5, 15, 1), (3, 12, 2)])
def test_solve_suggests_upsamplers_that_torch_runs_to_the_size(size_from: int, size_to: int,
                                                               dims: int) -> None:
    import json

    from click.testing import CliRunner

    from convanim.cli import cli

    result = CliRunner().invoke(cli, ["solve", "--from", str(size_from), "--to", str(size_to),
                                      "--dims", str(dims), "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)["upsamplers"]
    assert {u["mode"] for u in found} == ({"upsample", "pixelshuffle"} if dims == 2
                                          else {"upsample"})
    for item in found:
        layer = eval(item["pytorch"], {"nn": torch.nn})
        r = size_to // size_from
        channels = r * r if item["mode"] == "pixelshuffle" else 1
        x = torch.rand(1, channels, *([size_from] * dims), dtype=torch.float64)
        assert tuple(layer(x).shape[2:]) == (size_to,) * dims
    text = CliRunner().invoke(cli, ["solve", "--from", "16", "--to", "32"]).output
    assert 'nn.Upsample(scale_factor=2, mode="nearest")' in text
    none = CliRunner().invoke(cli, ["solve", "--from", "16", "--to", "30", "--json"]).output
    assert json.loads(none)["upsamplers"] == []
