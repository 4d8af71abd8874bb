"""Tests for convanim.config: YAML files -> canonical option entries or one ConfigError."""

from __future__ import annotations

import itertools
import pickle
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convanim.config import (
    ALIASES,
    MAX_FILE_BYTES,
    MAX_NODES,
    OPTION_NAMES,
    ConfigError,
    Entry,
    canonical_key,
    load_entries,
    locate,
)


def write(tmp_path: Path, text: str, name: str = "a.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_entries(path)
    return info.value


# --- option names -------------------------------------------------------------


def test_option_names_and_aliases() -> None:
    # 38: frame and quiet became keys too (issue 22: every flag of the table is a key); then
    # hidpi (issue 25), pair and open (26), and the photo input's four (29)
    assert len(OPTION_NAMES) == len(set(OPTION_NAMES)) == 45
    assert {"i", "k", "s", "p", "d"} <= ALIASES.keys()
    assert set(ALIASES.values()) <= set(OPTION_NAMES)
    assert ALIASES["output-padding"] == "output_padding"
    assert canonical_key("k") == "kernel_size"
    assert canonical_key("max-frames") == "max_frames"
    assert canonical_key("mode") == "mode"


def test_canonical_key_did_you_mean_names_where() -> None:
    with pytest.raises(ConfigError) as info:
        canonical_key("kernal_size", where="configs/a.yaml:4")
    err = info.value
    assert str(err) == ("configs/a.yaml:4: unknown key 'kernal_size'; "
                        "did you mean 'kernel_size' (or 'k')?")
    assert (err.path, err.line, err.key) == (Path("configs/a.yaml"), 4, "kernal_size")
    with pytest.raises(ConfigError, match=r"^option: unknown key 'Kernel-Size'.*'kernel_size'"):
        canonical_key("Kernel-Size", where="option")


def test_canonical_key_lists_valid_keys_without_close_match() -> None:
    with pytest.raises(ConfigError, match="valid keys: input_size, kernel_size"):
        canonical_key("zzzqqq")


# --- good files ---------------------------------------------------------------


def test_single_file_canonicalizes_keys_and_keeps_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        # one animation
        i: [5, 5]
        k: 3
        output-padding: 1
        p: [[1, 0], [2, 1]]
        padding-mode: zeros
        stride: "2,1"
        values: yes
        input_values:
          - [1, 2]
          - [3, 4.5]
        title: demo
        """,
    )
    [entry] = load_entries(path)
    assert entry.name is None
    assert entry.path == path
    assert entry.line == 2
    assert dict(entry.options) == {
        "input_size": [5, 5],
        "kernel_size": 3,
        "output_padding": 1,
        "padding": [[1, 0], [2, 1]],
        "padding_mode": "zeros",
        "stride": "2,1",
        "values": True,
        "input_values": [[1, 2], [3, 4.5]],
        "title": "demo",
    }
    assert entry.lines["input_size"] == 2
    assert entry.lines["input_values"] == 9
    assert entry.lines["title"] == 12
    assert locate(entry, "k") == f"{path}:3"
    assert locate(entry, "seed") == f"{path}:2"


def test_multi_file_merges_defaults_and_entry_overrides(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        defaults:
          k: 3
          fps: 12
          loop: no
        animations:
          - name: plain
            i: 5
          - name: strided
            kernel-size: 5
            s: 2
        """,
    )
    plain, strided = load_entries(path)
    assert (plain.name, plain.line, strided.name, strided.line) == ("plain", 6, "strided", 8)
    assert dict(plain.options) == {"kernel_size": 3, "fps": 12, "loop": False, "input_size": 5}
    assert dict(strided.options) == {"kernel_size": 5, "fps": 12, "loop": False, "stride": 2}
    assert plain.lines["kernel_size"] == 2  # inherited: points into defaults
    assert strided.lines["kernel_size"] == 9  # overridden: points at the entry
    assert locate(strided, "fps") == f"{path}:3"
    assert "name" not in plain.options
    # Batch rendering may ship entries to worker processes.
    assert pickle.loads(pickle.dumps(strided)) == strided


def test_merge_keys_work_and_explicit_keys_win(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        defaults: &base
          k: 3
          fps: 10
        animations:
          - <<: *base
            name: a
            kernel_size: 5
        """,
    )
    [entry] = load_entries(path)
    assert dict(entry.options) == {"kernel_size": 5, "fps": 10}
    assert entry.lines == {"kernel_size": 7, "fps": 3}


def test_empty_mapping_is_one_entry_with_no_options(tmp_path: Path) -> None:
    [entry] = load_entries(write(tmp_path, "{}\n"))
    assert entry.options == {} and entry.lines == {}


# --- key errors ---------------------------------------------------------------


def test_typo_gets_did_you_mean_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "i: 5\nfps: 3\n\nkernal_size: 3\n")
    err = error(path)
    assert str(err) == f"{path}:4: unknown key 'kernal_size'; did you mean 'kernel_size' (or 'k')?"
    assert (err.path, err.line, err.key) == (path, 4, "kernal_size")


def test_typo_of_structure_key_is_suggested(tmp_path: Path) -> None:
    err = error(write(tmp_path, "animation:\n  - name: a\n"))
    assert "did you mean 'animations'?" in str(err)


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    err = error(write(tmp_path, "k: 3\nfps: 2\nk: 4\n"))
    assert err.line == 3
    assert "duplicate key 'k' (first on line 1)" in str(err)


def test_duplicate_key_via_alias_names_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "defaults:\n  kernel_size: 3\n  k: 5\nanimations: [{name: a}]\n")
    err = error(path)
    assert (err.line, err.key) == (3, "kernel_size")
    assert "'k' repeats 'kernel_size' from line 2" in str(err)


def test_kebab_and_snake_of_same_option_are_duplicates(tmp_path: Path) -> None:
    err = error(write(tmp_path, "max_frames: 3\nmax-frames: 4\n"))
    assert err.line == 2 and "line 1" in str(err)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("k: 3\n1: 2\n", 2, "keys must be names, got a number (1)"),
        ("k: 3\non: 2\n", 2, "keys must be names, got a boolean (on)"),
        ("k: 3\n[a, b]: 2\n", 2, "a key must be a plain name, not a list"),
    ],
)
def test_non_string_keys(tmp_path: Path, text: str, line: int, words: str) -> None:
    err = error(write(tmp_path, text))
    assert err.line == line and words in str(err)


# --- value types --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        ("i: 5\nloop: 1\n", 2, "loop", "expected true or false, got a number (1)"),
        ("values: 'yes'\n", 1, "values", "expected true or false, got the string 'yes'"),
        ("title: 2024\n", 1, "title", "expected a string, got a number (2024); quote it"),
        ("mode: [a]\n", 1, "mode", "expected a string, got a list"),
        ("seed: 1.5\n", 1, "seed", "expected a whole number"),
        ("k:\n  a: 1\n", 2, "kernel_size", "got a mapping"),
        ("i: []\n", 1, "input_size", "got an empty list"),
        ("k:\n", 1, "kernel_size", "got an empty value; give a value or delete the line"),
        ("i:\n  - 3\n  - yes\n", 3, "input_size", "list items must be numbers, got a boolean"),
        ("p: [[1, 0], [x, 1]]\n", 1, "padding", "list items must be numbers, got the string"),
        ("kernel_values: 3\n", 1, "kernel_values", "expected a (nested) list of numbers"),
        ("input_values:\n  - [1, 2]\n  - [3, {a: 1}]\n", 3, "input_values", "got a mapping"),
        ("fps: true\n", 1, "fps", "expected a number, got a boolean"),
    ],
)
def test_wrong_value_types(tmp_path: Path, text: str, line: int, key: str, words: str) -> None:
    err = error(write(tmp_path, text))
    assert (err.line, err.key) == (line, key)
    assert f"{key}: " in str(err) and words in str(err)


def test_padding_names_and_size_strings_pass_through(tmp_path: Path) -> None:
    [entry] = load_entries(write(tmp_path, "p: same\ni: '3,2'\nk: [3, 2]\nd: 1.5\n"))
    assert dict(entry.options) == {
        "padding": "same",
        "input_size": "3,2",
        "kernel_size": [3, 2],
        "dilation": 1.5,
    }


def test_date_like_and_bad_explicit_tags_are_errors(tmp_path: Path) -> None:
    assert "reads as a date; quote it" in str(error(write(tmp_path, "title: 2020-01-01\n")))
    assert "cannot read 'abc' as !!int" in str(error(write(tmp_path, "k: !!int abc\n")))
    assert "'!!binary' is not supported" in str(error(write(tmp_path, "title: !!binary aGk=\n")))


# --- file shapes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "file is empty"),
        ("# only a comment\n\n", "file is empty"),
        ("- k: 3\n- k: 5\n", "top level must be a mapping of options (or defaults: + animations:)"),
        ("3\n", "not a number (3)"),
        ("hello\n", "not the string 'hello'"),
        ("k: 3\n---\nk: 5\n", "invalid YAML: but found another document"),
        ("k: [1, 2\n", "invalid YAML"),
    ],
)
def test_bad_top_level(tmp_path: Path, text: str, words: str) -> None:
    err = error(write(tmp_path, text))
    assert words in str(err)
    assert str(err).startswith(str(tmp_path / "a.yaml"))


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"k: 3\n\x89PNG\x00\x00\x00\rIHDR\n")
    err = error(path)
    assert "binary file" in str(err) and err.line == 2


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes("k: 3\ntitle: café\n".encode("latin-1"))
    err = error(path)
    assert err.line == 2 and "not valid UTF-8 (byte 0xe9); save the file as UTF-8" in str(err)


def test_utf16_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes("k: 3\n".encode("utf-16"))
    assert "UTF-16" in str(error(path))
    path.write_bytes("k: 3\n".encode("utf-8-sig"))
    assert load_entries(path)[0].options == {"kernel_size": 3}


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "no such file" in str(error(tmp_path / "nope.yaml"))
    assert "is a directory" in str(error(tmp_path))


def test_control_character_reports_line(tmp_path: Path) -> None:
    err = error(write(tmp_path, 'k: 3\ntitle: "a\x07"\n'))
    assert err.line == 2 and "#x0007" in str(err)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("animations: {name: a}\n", 1, "animations: expected a list of mappings with name:"),
        ("animations: []\n", 1, "got an empty list"),
        ("animations:\n  - name: a\n  - 3\n", 3, "animations[2]: expected a mapping"),
        ("animations:\n  - name: a\n  - k: 3\n", 3, "animations[2]: missing name:"),
        ("animations:\n  - name: ''\n", 2, "name: expected a non-empty name"),
        ("animations:\n  - name: 7\n", 2, "name: expected a non-empty name, got a number"),
        ("defaults: [1]\nanimations: [{name: a}]\n", 1, "defaults: expected a mapping"),
        ("defaults:\nanimations: [{name: a}]\n", 1, "defaults: expected a mapping"),
        ("defaults: {k: 3}\n", 1, "defaults: given without animations:"),
        ("defaults: {name: x}\nanimations: [{name: a}]\n", 1, "name: not allowed in defaults"),
        ("k: 3\nanimations: [{name: a}]\n", 1, "k: next to 'animations:' options go under"),
        ("animations: [{name: a}]\nextra: 1\n", 2, "unknown top-level key 'extra'"),
        ("defaults: {kk: 3}\nanimations: [{name: a}]\n", 1, "unknown key 'kk'"),
    ],
)
def test_bad_batch_structure(tmp_path: Path, text: str, line: int, words: str) -> None:
    err = error(write(tmp_path, text))
    assert err.line == line and words in str(err)


def test_duplicate_animation_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        animations:
          - name: a
            k: 3
          - name: b
          - k: 5
            name: a
        """,
    )
    err = error(path)
    assert (err.line, err.key) == (6, "name")
    assert "duplicate animation name 'a' (first on line 2)" in str(err)


# --- safety -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "k: 3\ntitle: !!python/object/apply:os.system ['echo hacked']\n",
        "junk: !!python/name:os.system\n",
        "k: !!python/tuple [1, 2]\n",
    ],
)
def test_python_tags_refused(tmp_path: Path, text: str) -> None:
    err = error(write(tmp_path, text))
    assert "is refused: config files are plain data (safe YAML only)" in str(err)


def test_unknown_local_tag_refused(tmp_path: Path) -> None:
    assert "YAML tag '!thing' is not supported" in str(error(write(tmp_path, "k: !thing 3\n")))


def billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    names = "abcdefghij"[:levels]
    for prev, cur in itertools.pairwise(names):
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_refused_fast(tmp_path: Path) -> None:
    path = write(tmp_path, billion_laughs())
    start = time.perf_counter()
    err = error(path)
    assert time.perf_counter() - start < 1.0
    assert f"more than {MAX_NODES} YAML nodes (billion-laughs guard)" in str(err)
    assert err.line == 5  # first level whose expansion passes the limit


def test_alias_bomb_inside_an_option_value_refused(tmp_path: Path) -> None:
    rows = ", ".join(["*r"] * (MAX_NODES // 12 + 1))  # each *r is 12 nodes
    text = f"kernel_values: &r [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]\ninput_values: [{rows}]\n"
    assert "billion-laughs guard" in str(error(write(tmp_path, text)))


def test_merge_key_bomb_refused(tmp_path: Path) -> None:
    lines = ["a: &a {k: 1}"]
    for prev, cur in itertools.pairwise("abcdefghi"):
        lines.append(f"{cur}: &{cur} {{<<: [" + ", ".join([f"*{prev}"] * 9) + "]}")
    start = time.perf_counter()
    assert "billion-laughs guard" in str(error(write(tmp_path, "\n".join(lines))))
    assert time.perf_counter() - start < 1.0


def test_moderate_aliases_allowed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        kernel_values: &kv [[1, 0], [0, 1]]
        input_values: [*kv, *kv]
        """,
    )
    [entry] = load_entries(path)
    assert entry.options["input_values"] == [[[1, 0], [0, 1]], [[1, 0], [0, 1]]]


def test_recursive_alias_refused(tmp_path: Path) -> None:
    err = error(write(tmp_path, "k: 3\ninput_values: &a [1, *a]\n"))
    assert err.line == 2 and "refers to a node containing it" in str(err)


def test_deep_nesting_refused(tmp_path: Path) -> None:
    err = error(write(tmp_path, "input_values: " + "[" * 5000 + "\n"))
    assert "nested more than" in str(err)


def test_too_many_nodes_refused(tmp_path: Path) -> None:
    text = "input_values: [" + ", ".join(["1"] * (MAX_NODES + 1)) + "]\n"
    assert len(text) < MAX_FILE_BYTES
    assert f"more than {MAX_NODES} YAML nodes" in str(error(write(tmp_path, text)))


def test_oversized_file_refused_fast(tmp_path: Path) -> None:
    path = write(tmp_path, "k: 3\n" + "# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    start = time.perf_counter()
    err = error(path)
    assert time.perf_counter() - start < 1.0
    assert f"larger than {MAX_FILE_BYTES // 1024} KiB" in str(err) and err.line is None


def test_huge_integer_is_a_config_error(tmp_path: Path) -> None:
    assert "cannot read" in str(error(write(tmp_path, "seed: " + "9" * 5000 + "\n")))


# --- properties: nothing but entries or ConfigError ---------------------------


def load_or_config_error(path: Path) -> None:
    try:
        entries = load_entries(path)
    except ConfigError as err:
        assert str(err).startswith(str(path))
        assert str(err).count("\n") <= 1
    else:
        assert entries and all(isinstance(entry, Entry) for entry in entries)


PROPERTY = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FRAGMENTS = [
    *OPTION_NAMES[:12], "k", "i", "defaults", "animations", "name", "<<", ":", ": ", "- ",
    "\n", "  ", "[", "]", "{", "}", ",", "&a ", "*a", "!!python/object:os.system ",
    "!!int ", "!!binary ", "!x ", "yes", "null", "3", "-1", "2.5", "0x1f", "'q'", '"', "#",
    "---", "...", "?", "|", ">", "%YAML 1.1", "2020-01-01", "=", "\t", "\x07", "é",
]  # fmt: skip


@PROPERTY
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40))
def test_yaml_token_soup(tmp_path: Path, parts: list[str]) -> None:
    path = tmp_path / "soup.yaml"
    path.write_text("".join(parts), encoding="utf-8")
    load_or_config_error(path)


@PROPERTY
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_random_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "junk.yaml"
    path.write_bytes(data)
    load_or_config_error(path)


KEYS = st.one_of(
    st.sampled_from([*OPTION_NAMES, *ALIASES, "defaults", "animations"]),
    st.text(max_size=8),
    st.integers(),
    st.booleans(),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=10),
    st.sampled_from(["same", "3,2", "valid"]),
)
STRUCTURES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=20,
)


@PROPERTY
@given(STRUCTURES, st.booleans())
def test_random_structures(tmp_path: Path, data: object, flow: bool) -> None:
    path = tmp_path / "data.yaml"
    path.write_text(yaml.safe_dump(data, default_flow_style=flow), encoding="utf-8")
    load_or_config_error(path)


@settings(PROPERTY, max_examples=100)
@given(st.dictionaries(st.sampled_from(sorted(ALIASES)), SCALARS, min_size=1, max_size=6))
def test_random_batches(tmp_path: Path, options: dict[str, object]) -> None:
    document = {"defaults": options, "animations": [{"name": "a", **options}, {"name": "b"}]}
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    load_or_config_error(path)
