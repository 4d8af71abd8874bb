"""A hostile user's inputs (issue 9): every bad value is exit 2 with one line naming the
option, quickly, from the command line; the API raises SpecError or TypeError."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convanim import Spec, SpecError
from convanim.cli import cli
from convanim.draw.text import charmap, drawable, face_for, get_font
from convanim.geometry import compute, plan

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BIG = "9" * 5000
NEST = "[" * 3000
PYTHON_ERROR = re.compile(r"\b[A-Z][a-z]+(Error|Exception)\b")

CASES = [
    (["-i", BIG, "-k", "3"], "--input-size", "5000-digit"),
    (["-i", "5", "-k", BIG], "--kernel-size", "5000-digit"),
    (["-i", "5", "-k", "3", "--input-values", f"[{BIG}]"], "--input-values", "5000-digit"),
    (["--input-values", NEST], "--input-values", "nest more than"),
    (["-i", NEST, "-k", "3"], "--input-size", "nest more than"),
    (["-i", "5", "-k", "3", "-s", "9223372036854775808"], "--stride", "19-digit"),
    (["-m", "transposed", "-i", "3", "-k", "3", "-s", str(2**63)], "--stride", "at most"),
    (["-p", "[[[1]]]"], "--padding", "nests lists"),
    (["--seed", BIG], "--seed", "far too large"),
    (["--width", BIG], "--width", "far too large"),
    (["--dims", "１"], "--dims", "digits 0-9"),
    (["--seed", "١٢"], "--seed", "digits 0-9"),
    (["--fps", "２"], "--fps", "digits 0-9"),
    (["--width", "100", "-o", "w.gif"], "--width",
     "width=100 must be between 160 and 8000; use e.g. width=160"),
    (["-i", "3", "-k", "2", "--input-values", "[[true,1,1],[1,1,1],[1,1,1]]"],
     "--input-values", "true/false"),
    (["-i", "2", "-k", "1", "--input-values", "[[1e308,1],[1,1]]"], "--input-values",
     "beyond"),
    (["-o", ""], "--output", "not a usable file name"),
    (["--name", "x"], "--name", "config file"),
    (["-o", "/dev/null"], "--output", "not a regular file"),
    (["-o", "a" * 300 + ".gif"], "--output", "more than the 255"),
    (["-o", "afile/sub.gif"], "--output", "is a file"),
    (["-o", "afile/sub"], "--output", "is a file"),
    (["-o", "adir.gif"], "--output", "is a folder"),
    (["-o", "same.png", "--storyboard", "same.png"], "--storyboard", "own path"),
]


@pytest.mark.parametrize(("args", "flag", "words"), CASES)
def test_a_bad_value_is_one_line_naming_the_option_exit_2_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], flag: str, words: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir.gif").mkdir()
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["render", *args])
    assert time.perf_counter() - start < 1.0
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"convanim: error: {flag}: ") and words in lines[0], lines[0]
    assert not PYTHON_ERROR.search(lines[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir.gif", "afile"]


def test_batch_into_a_file_is_refused_in_one_line(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    (tmp_path / "a.yaml").write_text("input_size: 3\nkernel_size: 2\n")
    for args in (["-o", "afile"], ["-o", "out", "-j", "２"]):
        result = CliRunner().invoke(cli, ["batch", "a.yaml", *args])
        assert result.exit_code == 2
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert not PYTHON_ERROR.search(result.output)


def test_a_yaml_integer_of_5000_digits_is_refused_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(f"input_size: 3\nkernel_size: 2\nseed: {BIG}\n")
    result = CliRunner().invoke(cli, ["render", str(tmp_path / "a.yaml")])
    assert result.exit_code == 2
    assert result.output.startswith(f"convanim: error: {tmp_path / 'a.yaml'}:3")


def test_solve_refuses_foreign_digits_naming_from() -> None:
    result = CliRunner().invoke(cli, ["solve", "--from", "１６", "--to", "32"])
    assert result.exit_code == 2 and result.output.startswith("convanim: error: --from: ")


# ------------------------------------------------------------ fuzzed command lines

DIGITS = st.sampled_from("0123456789１２３٣٤۵߁᠑")
NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.text(DIGITS, min_size=1, max_size=40),
    st.integers(0, 6000).map(lambda n: "9" * n),
    st.integers(1, 200).map(lambda n: "[" * n + "1" + "]" * n),
    st.integers(1, 200).map(lambda n: "[" * n),
)
SIZE_FLAGS = ["-i", "-k", "-s", "-p", "-d", "--output-padding", "--dims", "--seed", "--fps",
              "--frame-ms", "--hold-ms", "--width", "--cell-px", "--dpi", "--input-values",
              "--kernel-values", "--max-frames"]


@FAST
@given(st.lists(st.tuples(st.sampled_from(SIZE_FLAGS), NUMBERS), min_size=1, max_size=4))
def test_any_number_in_any_option_is_accepted_or_one_line_exit_2(pairs: list) -> None:
    # --max-frames 1 (last, so it wins over a fuzzed one) keeps accepted specs from drawing.
    args = ["render"] + [item for pair in pairs for item in pair] + ["--max-frames", "1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, (args, result.output, result.exception)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("convanim: error: "), lines
    assert not PYTHON_ERROR.search(lines[0]), lines[0]


# ------------------------------------------------------------ the API


@FAST
@given(st.dictionaries(st.sampled_from(["i", "k", "s", "p", "d", "output_padding"]),
                       st.one_of(st.integers(min_value=-(2**70), max_value=2**70),
                                 st.floats(), st.integers(1, 60).map(lambda n: [[[[n]]]]),
                                 st.text(DIGITS, min_size=1, max_size=30)),
                       min_size=1))
def test_spec_with_any_huge_or_odd_number_is_built_or_a_spec_error(kwargs: dict) -> None:
    kwargs = {"i": 5, "k": 3, **kwargs}
    try:
        spec = Spec(**kwargs)
    except SpecError as err:
        assert "\n" not in str(err) and len(str(err)) < 300
        return
    assert max(spec.output_shape) <= 10**8


@pytest.mark.parametrize("bad", [None, "abc", 3, {"i": 3}])
def test_plan_and_compute_of_a_non_spec_are_type_errors_that_say_what_to_pass(bad) -> None:
    for call in (lambda: plan(bad), lambda: compute(bad, [[1]])):
        with pytest.raises(TypeError, match=r"needs a Spec .* Spec\(i=5, k=3\)"):
            call()


@pytest.mark.parametrize("seed", [-1, 2**64, 1.5, True, "3"])
def test_a_bad_seed_is_a_spec_error(seed) -> None:
    with pytest.raises(SpecError, match="seed=") as info:
        plan(Spec(i=3, k=2), seed=seed)
    assert info.value.param == "seed"


# ------------------------------------------------------------ text the font cannot draw


@FAST
@given(st.text(max_size=30))
def test_any_title_is_drawable_after_the_glyph_fallback(text: str) -> None:
    shown = drawable(text)
    for char in shown:  # each character is in the character map of a face in both weights
        for bold in (False, True):
            entry = face_for(char, bold=bold)
            assert entry is not None and ord(char) in charmap(entry[1]), (char, bold)
    assert len(shown) <= len(text)
    get_font(9, 100).render(shown)
    get_font(9, 100, bold=True).render(shown)


def test_a_title_with_cjk_emoji_tab_and_del_renders(tmp_path: Path) -> None:
    for title in ("卷", "😀 🦄", "a\tb", "a\x7fb", "\u200b"):
        result = CliRunner().invoke(cli, ["render", "-i", "3", "-k", "2", "--title", title,
                                          "-o", str(tmp_path / "t.gif")])
        assert result.exit_code == 0, result.output
        assert result.output.startswith("wrote ")  # no warning lines either
