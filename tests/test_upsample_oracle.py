"""``mode: upsample`` (``method: nearest``) against PyTorch's ``F.interpolate``.

Random 1-D and 2-D specs, square or not: the same accept/refuse decision as PyTorch for the
same sizes, ``compute`` and every frame's written value equal PyTorch's output, and the plan's
links are exactly the Jacobian's support (each output cell reads one input cell, once).
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


@st.composite
def upsample_kwargs(draw: st.DrawFn) -> dict:
    dims = draw(st.sampled_from([1, 2]))
    i = draw(st.lists(st.integers(1, 6), min_size=dims, max_size=dims))
    scale = draw(st.lists(st.integers(-1, 4), min_size=dims, max_size=dims))
    key = draw(st.sampled_from(["scale", "scale_factor"]))
    return {"mode": "upsample", "dims": dims, "i": i, key: scale}


@settings(max_examples=300, deadline=None)
@given(upsample_kwargs(), st.integers(0, 2**32 - 1))
def test_random_upsample_specs_match_pytorch(kwargs: dict, seed: int) -> None:
    rng = np.random.default_rng(seed)
    scale = kwargs.get("scale", kwargs.get("scale_factor"))
    x = rng.integers(-3, 5, size=kwargs["i"]).astype(float)
    try:
        spec = Spec(**kwargs)
    except SpecError:
        spec = None
    try:
        expected = oracle.upsample_direct(kwargs["i"], scale, x)
        torch_ok = expected.size > 0
    except (RuntimeError, ValueError):
        torch_ok = False
    assert (spec is not None) == torch_ok, f"torch accepts={torch_ok}, convanim disagrees"
    if spec is None:
        return
    assert spec.output_shape == expected.shape
    np.testing.assert_array_equal(compute(spec, x), expected)
    np.testing.assert_array_equal(compute(spec, x), oracle.upsample_reference(spec, x))
    p = plan(spec, x)
    links = [link for frame in p.frames for link in frame.links]
    assert all(tap == () for _, _, tap in links)
    pairs = [(out, src) for out, src, _ in links]
    assert not [pair for pair, n in Counter(pairs).items() if n > 1], "a link appears twice"
    assert set(pairs) == oracle.upsample_connectivity(spec)
    written = np.full(spec.output_shape, np.nan).reshape(p.target.shape)
    for frame in p.frames:
        if frame.phase == "slide":
            written[frame.cells[:, 0], frame.cells[:, 1]] = frame.sums
    np.testing.assert_array_equal(written.reshape(spec.output_shape), expected)


def test_shape_gives_pytorch_and_keras_code_that_torch_runs() -> None:
    spec = Spec(i=(3, 2), mode="upsample", scale=(2, 3))
    report = explain_shape(spec).to_json()
    assert report["axes"][1]["formula"] == "o = i*scale"
    assert report["output_shape"] == [6, 6]
    assert report["keras"] == 'layers.UpSampling2D(size=(2, 3), interpolation="nearest")'
    layer = eval(report["pytorch"], {"nn": torch.nn})  # our own generated code
    x = np.arange(6.0).reshape(3, 2)
    got = layer(torch.as_tensor(x)[None, None])[0, 0].numpy()
    np.testing.assert_array_equal(got, compute(spec, x))


@pytest.mark.parametrize(("kwargs", "param"), [
    ({"i": 3, "mode": "upsample", "k": 2}, "kernel_size"),
    ({"i": 3, "mode": "upsample", "p": 1}, "padding"),
    ({"i": 3, "mode": "upsample", "method": "cubic"}, "method"),
    ({"i": 3, "mode": "upsample", "scale": 0}, "scale"),
    ({"i": 3, "k": 3, "scale": 2}, "scale"),
    ({"i": 3, "mode": "upsample", "view": "scatter"}, "view"),
])
def test_upsample_refusals_name_the_parameter(kwargs: dict, param: str) -> None:
    with pytest.raises(SpecError) as err:
        Spec(**kwargs)
    assert err.value.param == param
    assert "\n" not in str(err.value)


def test_flags_and_yaml_keys_come_from_the_op(tmp_path, monkeypatch) -> None:
    import json

    from click.testing import CliRunner

    from convanim.cli import cli

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    flags = runner.invoke(cli, ["shape", "--json", "-m", "upsample", "-i", "3,2",
                                "--scale-factor", "2,3"])
    assert flags.exit_code == 0, flags.output
    assert json.loads(flags.output)["output_shape"] == [6, 6]
    (tmp_path / "up.yaml").write_text("mode: upsample\ninput_size: 4\nscale_factor: 3\n")
    yaml = runner.invoke(cli, ["shape", "--json", "up.yaml"])
    assert yaml.exit_code == 0, yaml.output
    assert json.loads(yaml.output)["spec"]["scale"] == 3
    (tmp_path / "bad.yaml").write_text("mode: conv\ninput_size: 4\nkernel_size: 2\nscale: 2\n")
    bad = runner.invoke(cli, ["shape", "bad.yaml"])
    assert bad.exit_code == 2
    assert "bad.yaml:4: scale: scale=2 only applies to mode 'upsample'" in bad.output
