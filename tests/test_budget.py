"""The resource budget: refusals before any work, the arithmetic against the real layout and
plan, and a memory ceiling for the largest accepted inputs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from convanim import Spec, SpecError, animate
from convanim.budget import (
    EARLY_SLACK,
    MAX_FRAME_PIXELS,
    MEMORY_BOUND_MB,
    check_frame,
    frame_size,
)
from convanim.cli import cli
from convanim.draw.layout import Layout
from convanim.draw.options import RenderOptions
from convanim.draw.scene import Scene
from convanim.explain import keras_code, overlap_counts, solve
from convanim.geometry import plan
from convanim.geometry.links import inputs_read, same_links, tap_counts
from tests.strategies import valid_specs

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ------------------------------------------------------------ refusals: exit 2, < 1 s, no file


@pytest.mark.parametrize(("args", "figure", "flag"), [
    (["-i", "96", "-k", "96", "--cell-px", "200"], "a frame would be about", "--cell-px"),
    (["-i", "96", "-k", "96", "--cell-px", "200", "--dpi", "600"], "pixels", "--cell-px"),
    (["-i", "40", "-k", "40", "--cell-px", "200"], "16,000,000", "--cell-px"),
    (["-i", "40", "-k", "1", "--storyboard", "sb.png"], "would tile 1,602 frames",
     "--storyboard"),
    (["-i", "16", "-k", "3", "--storyboard", "sb.pdf"], "PDF storyboard would draw",
     "--storyboard"),
    (["-i", "30", "-k", "3", "-o", "a.mp4"], "the MP4 would encode", "--output"),
    # --dpi is resolution only (text), so the cells decide: 24 of 200 px is over the limit.
    (["-i", "24", "-k", "3", "--cell-px", "200"], "a frame would be", "--cell-px"),
])
def test_a_render_over_budget_is_refused_at_once_naming_figure_limit_and_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], figure: str, flag: str
) -> None:
    monkeypatch.chdir(tmp_path)
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["render", *args])
    assert time.perf_counter() - start < 1.0
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert len(line.splitlines()) == 1
    assert line.startswith(f"convanim: error: {flag}: ") and figure in line
    assert "more than the limit" in line and ("; use" in line or "; write" in line)
    assert not list(tmp_path.rglob("*.*"))


def test_the_api_refuses_the_same_before_any_work() -> None:
    start = time.perf_counter()
    with pytest.raises(SpecError, match="more than the limit 16,000,000") as info:
        animate({"i": 96, "k": 96}, cell_px=200)
    assert time.perf_counter() - start < 1.0
    assert info.value.param == "cell_px"


def test_animation_frames_are_capped_and_can_be_streamed() -> None:
    anim = animate({"i": 40, "k": 1}, max_frames=10**5, cell_px=8, values=False)
    with pytest.raises(SpecError, match="iter_frames"):
        _ = anim.frames
    first = next(anim.iter_frames())
    assert first.shape[1::-1] == anim.layout.size


# ------------------------------------------------------------ the arithmetic is honest


@FAST
@given(spec=valid_specs(max_input=9),
       sizing=st.sampled_from([{}, {"cell_px": 12}, {"cell_px": 60}, {"width": 900}]),
       dpi=st.sampled_from([100, 250]), values=st.booleans())
def test_the_frame_estimate_is_near_the_real_layout(spec: Spec, sizing: dict, dpi: int,
                                                    values: bool) -> None:
    options = RenderOptions(dpi=dpi, values=values, **sizing)
    try:
        real = Layout.build(Scene(plan(spec), values), options).size
    except SpecError:
        return  # too narrow a width: refused by the layout itself
    est = frame_size(spec, dpi=dpi, values=values, **sizing)
    ratio = est[0] * est[1] / (real[0] * real[1])
    # Early refusals allow EARLY_SLACK, so an estimate may never be that far over (it would
    # refuse an input that fits); under (text-heavy small grids) is caught by the exact
    # check on the real layout, and the hostile cases above are refused early.
    assert ratio < EARLY_SLACK


def test_the_renderer_checks_the_real_size_exactly() -> None:
    # 13 cells of 200 px: the estimate lets it through (under 2.5x), the real layout does not.
    with pytest.raises(SpecError, match="a frame would be 5174x3407"):
        animate({"i": 13, "k": 3}, cell_px=200)
    check_frame(4000, 4000, 1)  # exactly the limit is accepted
    with pytest.raises(SpecError):
        check_frame(4000, 4001, 1)
    assert MAX_FRAME_PIXELS == 4000 * 4000


def _plan_links(spec: Spec, keep: int) -> set:
    return {link[:keep] for frame in plan(spec).frames for link in frame.links}


@FAST
@given(a=valid_specs(max_input=6), b=valid_specs(max_input=6))
# Found by this test: two taps of one window read the same cell through replicate padding.
@example(a=Spec(mode="maxpool", i=1, k=1, padding_mode="reflect"),
         b=Spec(mode="maxpool", i=1, k=(1, 2), p="same", padding_mode="replicate"))
def test_link_arithmetic_matches_the_plans_links(a: Spec, b: Spec) -> None:
    # The oracle is the plan's own frames, built cell by cell.
    for spec in (a, b):
        np.testing.assert_array_equal(tap_counts(spec), _plan_counts(spec))
        read = {link[1] for link in _plan_links(spec, 3)}
        assert inputs_read(spec) == len(read)
    if a.mode == b.mode and a.output_shape == b.output_shape:
        keep = 2 if a.mode in ("maxpool", "avgpool") else 3
        assert same_links(a, b, keep == 3) == (_plan_links(a, keep) == _plan_links(b, keep))


def _plan_counts(spec: Spec) -> np.ndarray:
    counts = np.zeros(spec.output_shape, dtype=np.int64)
    for frame in plan(spec).frames:
        for out, _, _ in frame.links:
            counts[out] += 1
    return counts


def test_shape_solve_and_overlap_of_huge_inputs_take_no_time() -> None:
    start = time.perf_counter()
    assert keras_code(Spec(i=100_000, k=3, p="same")) == (
        'layers.Conv2D(1, 3, use_bias=False, padding="same")')
    assert overlap_counts(Spec(i=(90, 96), k=3, s=2, mode="transposed")).shape == (181, 193)
    assert solve(2000, 1000)[0].spec.output_shape == (1000,)
    assert time.perf_counter() - start < 3


# ------------------------------------------------------------ memory ceiling

CEILING_SCRIPT = r"""
import resource, sys
limit = int(sys.argv[1]) * 2**20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from convanim.cli import main
sys.argv = ["convanim", *sys.argv[2:]]
main()
"""


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is enforced on Linux")
@pytest.mark.parametrize("args", [
    # The largest frame accepted (near 16 Mpx), a handful of frames.
    ["-m", "maxpool", "-i", "15", "-k", "15", "-s", "1", "--cell-px", "200", "-o", "big.gif"],
    # The largest MP4 frame accepted (near 2.5 Mpx): ffmpeg gets the same ceiling.
    ["-m", "maxpool", "-i", "12", "-k", "12", "-s", "1", "--cell-px", "100", "-o", "big.mp4"],
    # The largest storyboard page accepted (near 100 Mpx).
    ["-i", "16", "-k", "3", "--cell-px", "25", "-o", "a.gif", "--storyboard", "big.png"],
])
def test_the_largest_accepted_frames_render_under_the_memory_bound(
    tmp_path: Path, args: list[str]
) -> None:
    # RLIMIT_AS caps address space, which is at least the memory used; OpenBLAS would map a
    # buffer per core that it never touches.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    ceiling = MEMORY_BOUND_MB
    result = subprocess.run([sys.executable, "-c", CEILING_SCRIPT, str(ceiling), "render",
                             *args], cwd=tmp_path, capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / args[-1]).stat().st_size > 0
