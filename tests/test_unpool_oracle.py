"""``mode: maxunpool`` against PyTorch's ``max_pool(return_indices=True)`` +
``max_unpool(output_size=x.shape)``: accept/refuse, values on inputs full of ties (small
integers), connectivity (the Jacobian's support at that input) and both animation stages."""

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
def kwargs_strategy(draw: st.DrawFn) -> dict:
    dims = draw(st.sampled_from([1, 2]))
    i = draw(st.lists(st.integers(1, 7), min_size=dims, max_size=dims))
    k = draw(st.lists(st.integers(0, 4), min_size=dims, max_size=dims))
    kwargs = {"mode": "maxunpool", "dims": dims, "i": i, "k": k}
    if draw(st.booleans()):
        kwargs["s"] = draw(st.lists(st.integers(0, 4), min_size=dims, max_size=dims))
    return kwargs


@settings(max_examples=300, deadline=None)
@given(kwargs_strategy(), st.integers(0, 2**32 - 1), st.integers(1, 4))
def test_random_maxunpool_specs_match_pytorch(kwargs: dict, seed: int, spread: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, spread + 1, size=kwargs["i"]).astype(float)  # many ties
    try:
        spec = Spec(**kwargs)
    except SpecError:
        spec = None
    try:
        expected = oracle.maxunpool_direct(kwargs["i"], kwargs["k"], kwargs.get("s"), x)
        torch_ok = True
    except (RuntimeError, ValueError):
        torch_ok = False
    assert (spec is not None) == torch_ok, f"torch accepts={torch_ok}, convanim disagrees"
    if spec is None:
        return
    assert spec.output_shape == expected.shape
    np.testing.assert_array_equal(compute(spec, x), expected)
    p = plan(spec, x)
    links = [link for frame in p.frames for link in frame.links]
    pairs = [(out, src) for out, src, _ in links]
    assert not [pair for pair, n in Counter(pairs).items() if n > 1], "a link appears twice"
    assert set(pairs) == oracle.maxunpool_connectivity(spec, x)
    phases = [f.phase for f in p.frames]
    pooled = phases.index("pooled")
    first, second = p.frames[1:pooled], p.frames[pooled + 1:-1]
    assert len(first) == len(second) and all(f.phase == "slide" for f in first + second)
    written = np.zeros(spec.output_shape).reshape(p.target.shape)
    for pool_frame, place in zip(first, second):
        assert pool_frame.value == place.value == pool_frame.products[pool_frame.chosen]
        assert pool_frame.value == pool_frame.products.max()
        written[place.cells[:, 0], place.cells[:, 1]] = place.sums
    np.testing.assert_array_equal(written.reshape(spec.output_shape), expected)


def test_pytorch_code_runs_as_two_layers() -> None:
    spec = Spec(i=(5, 4), k=2, s=1, mode="maxunpool")
    report = explain_shape(spec).to_json()
    code, comment = report["pytorch"].split("  # ")
    pool = eval(code, {"nn": torch.nn})  # our own generated code
    unpool = eval(comment.split("then ")[1].split("(y,")[0], {"nn": torch.nn})
    x = torch.as_tensor(np.random.default_rng(1).integers(0, 3, (5, 4)).astype(float))[None, None]
    y, idx = pool(x)
    got = unpool(y, idx, output_size=x.shape[-2:])[0, 0].numpy()
    np.testing.assert_array_equal(got, compute(spec, x[0, 0].numpy()))
    assert report["output_shape"] == [5, 4] and report["keras"] is None


@pytest.mark.parametrize(("kwargs", "param"), [
    ({"i": 3, "k": 4, "mode": "maxunpool"}, "kernel_size"),
    ({"i": 4, "k": 2, "p": 1, "mode": "maxunpool"}, "padding"),
    ({"i": 4, "k": 2, "d": 2, "mode": "maxunpool"}, "dilation"),
])
def test_refusals_name_the_parameter(kwargs: dict, param: str) -> None:
    with pytest.raises(SpecError) as err:
        Spec(**kwargs)
    assert err.value.param == param
    assert "\n" not in str(err.value)
