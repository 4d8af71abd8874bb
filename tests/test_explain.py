"""shape, solve and overlap against PyTorch and Keras' documented semantics, and as commands."""

from __future__ import annotations

import json
import math
from itertools import product

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from convanim import Spec, SpecError, plan
from convanim.cli import cli
from convanim.explain import (
    Bounds,
    alt_text,
    explain_shape,
    keras_code,
    keras_reason,
    layered_counts,
    link_counts,
    overlap_counts,
    pytorch_code,
    solve,
    uneven_axes,
)
from convanim.explain.draw import save_overlap
from tests.strategies import valid_specs

torch = pytest.importorskip("torch", reason="torch is the oracle: pip install torch==2.13.0")
oracle = pytest.importorskip("tests.oracle")
F = torch.nn.functional


def _values(spec: Spec, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.integers(-4, 5, size=spec.i).astype(float),
            rng.integers(-3, 4, size=spec.k).astype(float))


def run_pytorch(code: str, spec: Spec, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Build the printed module, give it the kernel ``w`` and run it on ``x``."""
    module = eval(code, {"nn": torch.nn, "float": float}).double()
    for layer in module.modules():
        if isinstance(layer, (torch.nn.modules.conv._ConvNd)):
            layer.weight.data = torch.as_tensor(w).reshape(1, 1, *spec.k)
            assert layer.bias is None  # the figure has no bias, nor has the printed layer
    with torch.no_grad():
        return module(torch.as_tensor(x)[None, None])[0, 0].numpy()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(valid_specs(max_input=9), st.integers(0, 2**16))
def test_shape_and_printed_pytorch_code_match_pytorch(spec: Spec, seed: int) -> None:
    report = explain_shape(spec).to_json()
    x, w = _values(spec, seed)
    out = run_pytorch(report["pytorch"], spec, x, w)
    assert tuple(report["output_shape"]) == out.shape == spec.output_shape
    assert [a["output"] for a in report["axes"]] == list(out.shape)
    np.testing.assert_allclose(out, oracle.reference(spec, x, w), atol=1e-9)
    assert max(len(line) for line in explain_shape(spec).lines()) <= 80


# -- Keras: the printed layer, run with TensorFlow's documented padding rules ----------------


class _Recorder:
    """Stands in for ``keras.layers``: calling a layer class records its arguments."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: (name, args, kwargs)


def _axes(value, dims: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, tuple) else (value,) * dims


def keras_forward(code: str, spec: Spec, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """What Keras computes: 'same' gives ceil(i/s) (conv, pool) or i*s (transposed) cells and
    pads the odd cell after; transposed 'valid' gives i*s + max(k-s, 0); 'causal' pads left."""
    name, args, kwargs = eval(code, {"layers": _Recorder()})
    dims = spec.dims
    pooling = "Pooling" in name
    k = _axes(kwargs["pool_size"] if pooling else args[1], dims)
    s = _axes(kwargs.get("strides") or (k if pooling else 1), dims)
    d = _axes(kwargs.get("dilation_rate", 1), dims)
    padding = kwargs.get("padding", "valid")
    span = [di * (ki - 1) + 1 for ki, di in zip(k, d)]
    xt = torch.as_tensor(x)[None, None]
    wt = torch.as_tensor(w)[None, None]
    if "Transpose" in name:
        n = xt.shape[2:]
        out = [ni * si + (max(sp - si, 0) if padding == "valid" else 0)
               for ni, si, sp in zip(n, s, span)]
        conv_t = F.conv_transpose1d if dims == 1 else F.conv_transpose2d
        full = conv_t(xt, wt, stride=s, dilation=d)[0, 0]
        result = torch.zeros(out, dtype=full.dtype)
        region = []
        for ni, si, sp, o, fn in zip(n, s, span, out, full.shape):
            before = max((ni - 1) * si + sp - o, 0) // 2 if padding == "same" else 0
            region.append(slice(before, min(before + o, fn)))
        result[tuple(slice(0, r.stop - r.start) for r in region)] = full[tuple(region)]
        return result.numpy()
    pads = []
    for ni, si, sp in zip(x.shape, s, span):
        if padding == "same":
            total = max((math.ceil(ni / si) - 1) * si + sp - ni, 0)
            pads.append((total // 2, total - total // 2))
        elif padding == "causal":
            pads.append((sp - 1, 0))
        else:
            pads.append((0, 0))
    flat = [v for pair in reversed(pads) for v in pair]
    fill = -math.inf if name.startswith("MaxPooling") else 0.0
    assert not (name.startswith("AveragePooling") and any(flat)), "Keras averages skip padding"
    xt = F.pad(xt, flat, value=fill)
    if pooling:
        pool = getattr(F, f"{'max' if name.startswith('Max') else 'avg'}_pool{dims}d")
        return pool(xt, k, s)[0, 0].numpy()
    conv = F.conv1d if dims == 1 else F.conv2d
    return conv(xt, wt, stride=s, dilation=d)[0, 0].numpy()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(valid_specs(max_input=9), st.integers(0, 2**16))
def test_printed_keras_code_follows_keras_semantics(spec: Spec, seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Positive inputs and distinct weights: two different layers cannot agree by accident.
    draws = [(rng.integers(1, 9, size=spec.i).astype(float),
              rng.permutation(np.prod(spec.k)).reshape(spec.k) + 1.0) for _ in range(2)]
    code = keras_code(spec)
    if code is not None:
        assert keras_reason(spec) is None
        for x, w in draws:
            out = keras_forward(code, spec, x, w)
            assert out.shape == spec.output_shape
            np.testing.assert_allclose(out, oracle.reference(spec, x, w), atol=1e-9)
        return
    assert keras_reason(spec)
    if (spec.padding_mode != "zeros" and any(v for pair in spec.p for v in pair)) or any(
            d != 1 for d in spec.d):
        return  # Keras has no such layer at all: nothing to run
    # No padding name may reproduce the spec, or keras_code missed a Keras form.
    layer = {"conv": "Conv{}D", "transposed": "Conv{}DTranspose", "maxpool": "MaxPooling{}D",
             "avgpool": "AveragePooling{}D"}[spec.mode].format(spec.dims)
    head = f"pool_size={spec.k}" if "Pool" in layer else f"1, {spec.k}"
    names = ["valid"] if spec.mode == "avgpool" else ["valid", "same"]
    for name in names + (["causal"] if layer == "Conv1D" else []):
        candidate = f'layers.{layer}({head}, strides={spec.s}, padding="{name}")'
        # One-hot inputs show exactly which output reads which input cell through which tap.
        n, w = int(np.prod(spec.i)), draws[0][1]
        basis = [np.eye(n)[j].reshape(spec.i) for j in range(n)]
        try:
            outs = [keras_forward(candidate, spec, x, w) for x in basis]
        except RuntimeError:  # too small for this padding: Keras refuses it too
            continue
        assert not all(out.shape == spec.output_shape and np.allclose(
            out, oracle.reference(spec, x, w)) for out, x in zip(outs, basis)), candidate


def test_keras_examples() -> None:
    assert keras_code(Spec(i=4, k=3, s=2, p="same", mode="transposed")) == \
        'layers.Conv2DTranspose(1, 3, strides=2, use_bias=False, padding="same")'
    assert keras_code(Spec(i=5, k=3, s=2, p=1)) == (
        'layers.Conv2D(1, 3, strides=2, use_bias=False, padding="same")')
    assert keras_code(Spec(i=9, k=3, p=(2, 0), d=1, dims=1)) == \
        'layers.Conv1D(1, 3, use_bias=False, padding="causal")'
    # k < s: Keras' transposed 'valid' pads the output to i*s (output_padding 1 here).
    assert keras_code(Spec(i=3, k=2, s=3, output_padding=1, mode="transposed")) == \
        'layers.Conv2DTranspose(1, 2, strides=3, use_bias=False, padding="valid")'
    assert keras_code(Spec(i=3, k=3, s=2, p=1, mode="transposed")) is None
    assert "6x6" in keras_reason(Spec(i=3, k=3, s=2, p=1, mode="transposed"))


# -- shape text --------------------------------------------------------------------------------


def _evaluate(numbers: str) -> int:
    return int(eval(numbers, {"floor": math.floor}))


@pytest.mark.parametrize("spec", [
    Spec(i=3, k=3, s=2, p=1, mode="transposed"),
    Spec(i=6, k=3, s=2, p=1, output_padding=1, mode="transposed"),
    Spec(i=7, k=3, s=2, d=2, mode="transposed"),
    Spec(i=5, k=3, s=2, p=1),
    Spec(i=6, k=3, s=2, p="same"),
    Spec(i=7, k=3, d=2),
    Spec(i=8, k=2, mode="maxpool"),
    Spec(i=4, k=3, s=2, p="same", mode="transposed"),
])
def test_formula_numbers_evaluate_to_the_output(spec: Spec) -> None:
    for axis in explain_shape(spec).to_json()["axes"]:
        assert _evaluate(axis["numbers"]) == axis["output"]


def test_shape_text_for_the_showcase() -> None:
    lines = explain_shape(Spec(i=3, k=3, s=2, p=1, mode="transposed")).lines()
    text = "\n".join(lines)
    assert "= (3-1)*2 + 3 - 2*1 = 5" in text
    assert "insert s-1 = 1 zero between input cells: 3x3 -> 5x5" in text
    assert "pad 1 on each side (k-1-p): 5x5 -> 7x7" in text
    assert "Checkerboard warning" in text and "kernel 4, stride 2, padding 2" in text
    assert "nn.ConvTranspose2d(1, 1, kernel_size=3, stride=2, padding=1, bias=False)" in lines
    assert "# no exact Keras form" in text


def test_unreached_rows_are_named() -> None:
    text = " ".join(explain_shape(Spec(i=6, k=3, s=2)).lines())
    assert "the last 1 row and the last 1 column of the padded input are never used" in text
    assert "input cells" in text
    text = " ".join(explain_shape(Spec(i=8, k=3, s=2, p=1, mode="maxpool")).lines())
    assert "padding only" in text
    assert "Unused" not in " ".join(explain_shape(Spec(i=5, k=3, s=2)).lines())


def test_checkerboard_warning_only_for_uneven_transposed() -> None:
    assert explain_shape(Spec(i=4, k=4, s=2, p=1, mode="transposed")).checkerboard is None
    assert explain_shape(Spec(i=5, k=3, s=2)).checkerboard is None
    assert "dilation 2" in explain_shape(Spec(i=4, k=2, s=2, d=2, mode="transposed")).checkerboard


def test_alt_text() -> None:
    assert alt_text(Spec(i=3, k=3, s=2, p=1, mode="transposed")) == (
        "Transposed convolution of a 3x3 input with a 3x3 kernel, stride 2, padding 1, "
        "giving a 5x5 output.")
    assert alt_text(Spec(i=4, k=2, mode="maxpool")) == (
        "Max pooling of a 4x4 input with a 2x2 window, stride 2, padding 0, "
        "giving a 2x2 output.")
    assert "padding 0 top, 1 bottom" in alt_text(Spec(i=4, k=2, p=((0, 1), (1, 0))))


# -- solve -------------------------------------------------------------------------------------


def torch_length(mode: str, i: int, k: int, s: int, p: int, op: int, d: int,
                 ceil: bool = False) -> int | None:
    """The output length PyTorch gives, or None when PyTorch refuses the parameters."""
    x = torch.zeros(1, 1, i, dtype=torch.float64)
    w = torch.zeros(1, 1, k, dtype=torch.float64)
    try:
        if mode == "conv":
            out = F.conv1d(x, w, stride=s, padding=p, dilation=d)
        elif mode == "transposed":
            out = F.conv_transpose1d(x, w, stride=s, padding=p, output_padding=op, dilation=d)
        elif mode == "maxpool":
            out = F.max_pool1d(x, k, s, p, d, ceil_mode=ceil)
        else:
            if d != 1:
                return None
            out = F.avg_pool1d(x, k, s, p, ceil_mode=ceil)
    except RuntimeError:
        return None
    return out.shape[-1] if out.shape[-1] > 0 else None


def brute_force(i: int, o: int, mode: str, bounds: Bounds) -> set[tuple[int, ...]]:
    found = set()
    for k, s, d in product(range(1, bounds.max_kernel + 1), range(1, bounds.max_stride + 1),
                           range(1, bounds.max_dilation + 1)):
        for p, op in product(range(d * (k - 1) + 1), range(max(s, d)) if mode == "transposed"
                             else [0]):
            floor = torch_length(mode, i, k, s, p, op, d)
            if floor == o:
                found.add((k, s, p, op, d))
            # Pooling's ceil_mode, where it gives another length than the floor.
            if mode in ("maxpool", "avgpool") and floor != o and torch_length(
                    mode, i, k, s, p, op, d, ceil=True) == o:
                found.add((k, s, p, op, d, True))
    return found


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 20), st.integers(1, 40), st.sampled_from(["conv", "transposed",
                                                                "maxpool", "avgpool"]),
       st.integers(1, 2))
def test_solve_is_complete_and_each_result_is_right(i: int, o: int, mode: str,
                                                    dilation: int) -> None:
    bounds = Bounds(max_kernel=5, max_stride=3, max_dilation=dilation)
    found = solve(i, o, mode, bounds)
    keys = [tuple(sol.params.values()) for sol in found]
    assert len(keys) == len(set(keys))
    assert set(keys) == brute_force(i, o, mode, bounds)
    assert [sol.key for sol in found] == sorted(sol.key for sol in found)
    for sol in found[:3]:
        layer = sol.layer(1)
        assert layer.output_shape == (o,)
        x, w = _values(layer, 0)
        assert run_pytorch(pytorch_code(layer), layer, x, w).shape == (o,)


def test_solve_answers_the_common_questions() -> None:
    best = solve(16, 32)[0]
    assert (best.spec.mode, best.params) == ("transposed", {
        "kernel_size": 4, "stride": 2, "padding": 1, "output_padding": 0, "dilation": 1})
    assert all(sol.even for sol in solve(16, 32)[:3])
    assert solve(28, 14, bounds=Bounds(kernel=3))[0].params == {
        "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 0, "dilation": 1}
    assert solve(32, 16, "maxpool")[0].params["kernel_size"] == 2
    assert solve(3, 99) == []
    with pytest.raises(SpecError):
        solve(0, 4)


# -- overlap -----------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(valid_specs(modes=("transposed",), max_input=9), st.integers(1, 3))
def test_overlap_counts_are_plan_links_and_pytorch_paths(spec: Spec, layers: int) -> None:
    assume(max(spec.output_shape) * max(spec.s) ** (layers - 1) <= 60)
    try:
        maps = layered_counts(spec, layers)
    except SpecError as err:  # e.g. 'full' padding crops a 1-cell map away
        assert err.param == "layers" and layers > 1
        return
    assert (maps[0] == link_counts(plan(spec))).all()
    assert (maps[0] == overlap_counts(spec.replace(view="scatter"))).all()
    values = np.ones(spec.i)
    for counts in maps:
        values = oracle.reference(spec.replace(i=values.shape), values, np.ones(spec.k))
        np.testing.assert_array_equal(counts, values)


@pytest.mark.parametrize(("k", "s", "d"), list(product(range(1, 6), range(1, 4), range(1, 3))))
def test_uneven_axes_match_the_interior_counts(k: int, s: int, d: int) -> None:
    span = d * (k - 1) + 1
    spec = Spec(i=3 * span + 3, k=k, s=s, d=d, mode="transposed", dims=1)
    interior = overlap_counts(spec)[span: -span]
    assert bool(uneven_axes(spec)) == (len(set(interior.tolist())) > 1)
    if d == 1:
        assert bool(uneven_axes(spec)) == (k % s != 0)


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_overlap_files_are_reproducible(tmp_path, suffix: str) -> None:
    spec = Spec(i=4, k=3, s=2, mode="transposed")
    rows = [(spec, layered_counts(spec, 2)), (spec.replace(k=4), layered_counts(
        spec.replace(k=4), 2))]
    first = save_overlap(rows, tmp_path / f"a{suffix}").read_bytes()
    second = save_overlap(rows, tmp_path / f"b{suffix}").read_bytes()
    assert first == second
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"a{suffix}", f"b{suffix}"]


# -- commands ----------------------------------------------------------------------------------


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), terminal_width=80)


@pytest.mark.parametrize("args", [
    [], ["-i", "16", "-k", "4", "-s", "2", "-p", "1", "-m", "transposed"],
    ["-i", "7,9", "-k", "3,2", "-s", "2", "-p", "[[0,1],[2,0]]", "-d", "1,2"],
    ["-i", "9", "-k", "3", "-s", "2", "--dims", "1", "--padding-mode", "reflect", "-p", "1"],
    ["-i", "4", "-k", "3", "-s", "2", "-p", "same", "-m", "transposed"],
])
def test_shape_command(args: list[str]) -> None:
    result = invoke("shape", *args)
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    data = json.loads(invoke("shape", *args, "--json").output)
    assert data["output_shape"] == list(build(args).output_shape)
    assert invoke("shape", *args, "--alt").output.strip() == data["alt"]


def build(args: list[str]) -> Spec:
    from convanim.options import DEFAULT_SPEC, SIZE, build_spec

    names = {"-i": "input_size", "-k": "kernel_size", "-s": "stride", "-p": "padding",
             "-d": "dilation", "-m": "mode", "--dims": "dims", "--padding-mode": "padding_mode"}
    return build_spec({names[a]: SIZE.convert(v, None, None)
                       for a, v in zip(args[::2], args[1::2])}, default=DEFAULT_SPEC)


@pytest.mark.parametrize(("args", "flag"), [
    (["shape", "-k", "0"], "--kernel-size"),
    (["shape", "-i", "5", "-k", "3", "-m", "sideways"], "--mode"),
    (["shape", "--json", "--alt"], "--alt"),
    (["solve", "--from", "0", "--to", "3"], "--from"),
    (["solve", "--to", "3"], "--from"),
    (["solve", "--from", "4", "--to", "8", "--max-kernel", "99"], "--max-kernel"),
    (["overlap", "-m", "conv"], "-m"),  # overlap is always transposed: no -m
    (["overlap", "--compare", "q=1"], "--compare"),
    (["overlap", "--compare", "k=0"], "--compare"),
    (["overlap", "-i", "9", "-k", "3", "-s", "3", "--layers", "4"], "--layers"),
    (["overlap", "-o", "map.gif"], "--output"),
])
def test_bad_values_exit_2_with_one_line(args: list[str], flag: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("convanim: error: ") and flag in lines[0]


def test_solve_command() -> None:
    result = invoke("solve", "--from", "16", "--to", "32")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    first = lines.index("  #  k  s  p op  d  overlap") + 1
    assert lines[first].split() == ["1", "4", "2", "1", "0", "1", "even"]
    assert lines[first + 1] == (
        "    nn.ConvTranspose2d(1, 1, kernel_size=4, stride=2, padding=1, bias=False)")
    result = invoke("solve", "--from", "28", "--to", "14", "--kernel", "3", "--json")
    data = json.loads(result.output)
    assert (data["total"], data["mode"]) == (1, "conv")
    assert {k: data["results"][0][k] for k in ("kernel_size", "stride", "padding")} == {
        "kernel_size": 3, "stride": 2, "padding": 1}
    none = invoke("solve", "--from", "3", "--to", "99")
    assert none.exit_code == 1 and "no transposed setting" in none.output
    assert json.loads(invoke("solve", "--from", "3", "--to", "99", "--json").output)[
        "total"] == 0


def test_overlap_command(tmp_path) -> None:
    out = tmp_path / "map.svg"
    result = invoke("overlap", "-i", "4", "-k", "3", "-s", "2", "--layers", "2", "--compare",
                    "k=4", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<?xml")
    text = " ".join(result.output.split())
    assert "k=3 s=2 p=0: 1, 2 or 4 taps per interior cell (uneven: checkerboard)" in text
    assert "k=4 s=2 p=0: 4 taps per interior cell (even)" in text
    assert max(len(line) for line in result.output.splitlines()) <= 80


@pytest.mark.parametrize("command", ["shape", "solve", "overlap"])
def test_help_has_an_example_and_fits_80_columns(command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output and f"convanim {command}" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
