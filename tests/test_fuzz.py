"""Adversarial input never escapes as an uncaught exception: it ends in SpecError or exit code 2.

Examples tried per CI run: 1,200 specs + 1,000 command lines + the YAML loader's own fuzz tests
in test_config.py (over 1,000 more).
"""

from __future__ import annotations

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convanim import Spec, SpecError
from convanim.cli import cli

JUNK_SCALARS = st.one_of(
    st.integers(-5, 12), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
    st.text(max_size=8), st.sampled_from(["same", "valid", "full", "half", "3,2", "2x2", "1e3",
                                          "-1", "0", "[[1,0],[0,1]]", "transposed", "scatter"]),
)
JUNK = st.recursive(JUNK_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=2)),
    max_leaves=6)
SPEC_KEYS = ["i", "k", "s", "p", "d", "output_padding", "mode", "view", "padding_mode", "dims"]


@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({"i": JUNK, "k": JUNK},
                             optional={key: JUNK for key in SPEC_KEYS[2:]}))
def test_spec_from_junk_is_valid_or_a_spec_error(kwargs: dict) -> None:
    try:
        spec = Spec(**kwargs)
    except SpecError as err:
        assert str(err) and "\n" not in str(err)
        return
    assert all(n >= 1 for n in spec.output_shape)
    assert all(isinstance(n, int) for n in spec.output_shape)


FLAGS = ["-i", "-k", "-s", "-p", "-d", "--output-padding", "-m", "--view", "--padding-mode",
         "--dims", "--input-values", "--kernel-values", "--seed", "--fps", "--frame-ms",
         "--hold-ms", "--width", "--cell-px", "--dpi", "--theme", "--layout", "-o",
         "--storyboard"]
TOKENS = st.one_of(
    st.sampled_from(["3", "0", "-1", "2.5", "3,2", "1x4", "same", "full", "nan", "inf",
                     "99999999999999999999", "[[1,2],[3,4]]", "[1,", "transposed", "maxpool",
                     "scatter", "reflect", "x.gif", "/dev/null/x.gif", "", " ", "é", "\x00"]),
    st.text(max_size=6),
)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(FLAGS), TOKENS), max_size=6))
def test_render_command_line_from_junk_exits_2_with_one_line(pairs: list) -> None:
    # --max-frames 1 makes even a valid spec stop before drawing, so every example ends in
    # exit code 2 and the fuzz run stays fast.
    args = ["render", "--max-frames", "1"] + [item for pair in pairs for item in pair]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, (args, result.output, result.exception)
    assert "Traceback" not in result.output
    assert result.output.startswith("convanim: error: ")
    assert len([line for line in result.output.splitlines() if line.strip()]) <= 2


def test_huge_sizes_are_refused_before_any_work() -> None:
    result = CliRunner().invoke(cli, ["render", "-i", str(10**12), "-k", "3"])
    assert result.exit_code == 2
    assert "input_size has a 13-digit number" in result.output
    assert "at most 10,000,000" in result.output
    result = CliRunner().invoke(cli, ["render", "-i", str(10**6), "-k", "3"])
    assert result.exit_code == 2
    assert "too big to draw legibly" in result.output
    result = CliRunner().invoke(cli, ["render", "-i", "80", "-k", "3", "-s", "1"])
    assert result.exit_code == 2
    assert "6,086 frames, more than the limit 5,000" in result.output  # 78*78 slides + 2
