"""One table of options, one front door (issue 22): every door takes and refuses the same.

The command line is run through click's runner with an output folder that does not exist:
the front door checks everything before the output path, so an accepted request ends in
"directory ... does not exist" without drawing anything, and a refused one names the option.
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import convanim
from convanim import api
from convanim.cli import cli
from convanim.config import ConfigError, canonical_key, parse_entries
from convanim.draw.options import RenderOptions
from convanim.geometry.ops import FIELDS
from convanim.request import RequestError, from_mapping, from_text
from convanim.request.door import COMMAND
from convanim.request.table import API, OPTIONS, TABLE, taken_by

ROOT = Path(__file__).resolve().parents[1]
FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
MISSING = "no-such-folder-i22/x.gif"
ACCEPTED = re.compile(r"directory no-such-folder-i22 does not exist")


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["render", *args])
    return result.exit_code, result.output.strip()


def reason(cli_line: str) -> str:
    """The CLI's sentence without ``convanim: error: --flag:``."""
    text = cli_line.removeprefix("convanim: error: ")
    return text.split(": ", 1)[1] if text.startswith("-") else text


# ------------------------------------------------------------ the table is every door's


def test_every_table_entry_is_a_flag_a_key_and_a_keyword() -> None:
    flags = {opt for param in COMMAND.params for opt in (*param.opts, *param.secondary_opts)}
    for option in TABLE:
        assert option.flag in flags, option.name
        for key in option.keys:
            assert canonical_key(key) == option.name, key
    assert {f.name for f in FIELDS} <= set(OPTIONS)  # an op's own fields join by themselves
    from convanim.sphinx import OPTION_KEYS

    assert {key for option in TABLE for key in option.keys} <= set(OPTION_KEYS)


def test_every_flag_of_render_is_in_the_table() -> None:
    from convanim.cli import render

    own = {"config", "name", "cell", "per_layer"}  # the file, its entry and the trace's cell
    names = {param.name for param in render.params} - own
    assert names == {option.name for option in taken_by("render")}


def test_the_readme_options_table_matches_the_table() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("| option | meaning |")
    rows = text[start:text.index("\n\n", start)].splitlines()[2:]
    written = {flag for row in rows for flag in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)",
                                                             row.split(" | ")[0])}
    flags = {flag for option in TABLE for flag in option.flags}
    flags |= {f"--no-{option.flag[2:]}" for option in TABLE if option.kind == "bool"}
    flags |= {option.off for option in TABLE if option.off}
    assert written <= flags, written - flags  # the README names no flag the table lacks
    # Every option of render is in the options table, or (an op's channels, --dims, --quiet)
    # in the README's own section for it.
    for option in taken_by("render"):
        assert option.flag in written or f"`{option.flag}" in text or \
            f"{option.flag} " in text, option.flag


def test_drawing_defaults_and_ranges_are_the_tables() -> None:
    drawn = RenderOptions()
    for name in ("frame_ms", "hold_ms", "loop", "dpi", "theme", "layout", "style", "transparent",
                 "max_frames", "values"):
        assert getattr(drawn, name) == OPTIONS[name].default, name
    for name in ("frame_ms", "hold_ms", "width", "cell_px", "dpi", "height", "max_slides",
                 "columns", "max_frames"):
        low, high = OPTIONS[name].low, OPTIONS[name].high
        RenderOptions(**{name: int(low)})
        RenderOptions(**{name: int(high)})
        with pytest.raises(convanim.SpecError):
            RenderOptions(**{name: int(high) + 1})


# ------------------------------------------------------------ the drift issue 22 found


@pytest.mark.parametrize(("flag", "value", "words"), [
    ("--width", "8001", "width=8001 must be between 160 and 8000; use e.g. width=8000"),
    ("--frame-ms", "15", "frame_ms=15 must be between 20 and 60000; use e.g. frame_ms=20"),
    ("--fps", "nan", "fps=nan is not a finite number"),
    ("--fps", "inf", "fps=inf is not a finite number"),
    ("--dims", "1.5", "dims=1.5 is not a whole number"),
    ("--max-frames", "0", "max_frames=0 must be between 1 and 10000000"),
    ("--mode", "transpose", "did you mean 'transposed'?"),
    ("--theme", "drak", "did you mean 'dark'?"),
])
def test_the_cli_and_the_api_refuse_in_the_same_words(flag: str, value: str, words: str
                                                       ) -> None:
    code, line = run_cli("-i", "5", "-k", "3", flag, value, "-o", MISSING)
    assert code == 2 and line.startswith(f"convanim: error: {flag}: ") and words in line, line
    name = flag[2:].replace("-", "_")
    typed: object = value
    if name in ("width", "frame_ms", "max_frames"):
        typed = int(value)
    elif name in ("fps", "dims"):
        typed = float(value)
    with pytest.raises(RequestError) as err:
        api.check({"i": 5, "k": 3}, **{name: typed})
    assert err.value.key == name and err.value.reason == reason(line)
    assert str(err.value) == f"{name}: {reason(line)}"


def test_yaml_nan_is_refused_at_its_line() -> None:
    with pytest.raises(RequestError) as err:
        from_text("i: 5\nk: 3\nfps: .nan\n", "page.md", first_line=4)
    assert (err.value.source, err.value.line, err.value.key) == ("page.md", 6, "fps")
    assert err.value.reason.startswith("fps=nan is not a finite number")


def test_the_96_cell_grid_limit_is_the_apis_too() -> None:
    code, line = run_cli("-i", "100", "-k", "3", "-o", MISSING)
    with pytest.raises(RequestError) as err:
        api.render({"i": 100, "k": 3}, "never.gif")
    assert code == 2 and "limit 96" in line and err.value.reason == reason(line)
    assert not Path("never.gif").exists()


def test_max_frames_has_one_default() -> None:
    assert api.check({"i": 5, "k": 3}).options["max_frames"] == OPTIONS["max_frames"].default
    assert RenderOptions().max_frames == 5000


@pytest.mark.parametrize(("call", "key", "words"), [
    (lambda: api.render({"i": 4, "k": 3}, b"a.gif"), "output", "got bytes"),
    (lambda: api.animate({"i": 4, "k": 3}, storyboard=b"s.png"), "storyboard", "got bytes"),
    (lambda: api.check({"i": 4, "k": 3}, values=1), "values",
     "expected true or false, got a number (1)"),
    (lambda: api.check({"i": 4, "k": 3}, seed=True), "seed", "bool, not a whole number"),
    (lambda: api.check({"i": 4, "k": 3}, fps=1 + 2j), "fps", "complex, not a number"),
    (lambda: api.check({"i": 4, "k": 3}, dpi=b"100"), "dpi", "bytes, not a whole number"),
    (lambda: api.check({"i": 4, "k": 3}, width=float("inf")), "width", "not a finite number"),
    (lambda: api.check({"i": 4, "k": 3}, width=300.5), "width", "not a whole number"),
    (lambda: api.check({"i": 4, "k": 3}, theme=3), "theme", "expected a string, got a number"),
    (lambda: api.check({"i": 4, "k": 3}, x=np.ones((4, 4)) * 1j), "input_values", "real"),
])
def test_odd_python_values_are_refused_with_the_parameters_name(call, key: str, words: str
                                                                ) -> None:
    with pytest.raises(RequestError) as err:
        call()
    assert err.value.key == key and words in str(err.value), str(err.value)
    assert "\n" not in str(err.value)


def test_compute_refuses_a_complex_array() -> None:
    spec = convanim.Spec(i=3, k=2)
    with pytest.raises(convanim.SpecError, match="input_values must be nested lists of real"):
        convanim.compute(spec, np.ones((3, 3), complex), np.ones((2, 2)))
    with pytest.raises(convanim.SpecError, match="kernel_values"):
        convanim.compute(spec, np.ones((3, 3)), [[1, 2], [3, 1j]])


# ------------------------------------------------------------ did-you-mean


@pytest.mark.parametrize(("key", "typo", "meant"), [
    ("mode", "transpose", "transposed"), ("method", "bilinar", "bilinear"),
    ("padding_mode", "reflekt", "reflect"), ("layout", "stacke", "stacked"),
    ("style", "perspectiv", "perspective"), ("view", "scater", "scatter"),
])
def test_choice_typos_get_a_did_you_mean_at_every_door(key: str, typo: str, meant: str
                                                        ) -> None:
    mode = {"method": ["-m", "upsample"]}.get(key, [])
    code, line = run_cli("-i", "4", *mode, "--" + key.replace("_", "-"), typo, "-o", MISSING)
    assert code == 2 and line.endswith(f"did you mean {meant!r}?"), line
    spec = {"i": 4, **({"mode": "upsample"} if mode else {"k": 3})}
    with pytest.raises(RequestError) as from_yaml:
        from_mapping({**spec, key: typo}, "doc.md", lines={key: 9})
    assert str(from_yaml.value) == f"doc.md:9: {key}: {reason(line)}"
    with pytest.raises(RequestError) as from_api:
        api.check(spec, **{key: typo})
    assert from_api.value.reason == reason(line)


# ------------------------------------------------------------ wrong doors


@pytest.mark.parametrize("command", ["shape", "overlap", "compare"])
def test_a_chain_config_at_a_one_layer_door_says_it_is_a_chain(command: str, tmp_path: Path
                                                               ) -> None:
    args = [command, "configs/chains/two_3x3.yaml",
            *(["-o", str(tmp_path / "c.gif")] if command == "compare" else [])]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "this file is a chain of 2 layers" in result.output
    assert "kernel_size" not in result.output and "convanim render" in result.output


def test_a_chain_config_at_the_sphinx_door_says_it_is_a_chain() -> None:
    from convanim.request.door import check_entry

    entry = parse_entries(Path("configs/chains/two_3x3.yaml").read_text(),
                          "configs/chains/two_3x3.yaml")[0]
    with pytest.raises(RequestError, match="this file is a chain"):
        check_entry(entry)


@pytest.mark.parametrize("args", [["-o", "a.gif", "-o", "a.html"],
                                  ["--output=a.gif", "-o", "b.gif"],
                                  ["--storyboard", "a.png", "--storyboard", "b.pdf"]])
def test_an_output_given_twice_is_refused(tmp_path: Path, args: list[str]) -> None:
    code, line = run_cli("-i", "4", "-k", "3", *[str(tmp_path / a) if a.endswith(
        (".gif", ".html", ".png", ".pdf")) and "=" not in a else a for a in args])
    assert code == 2 and "given twice" in line, line
    assert not list(tmp_path.iterdir())


def test_a_size_flag_given_twice_still_overrides() -> None:
    code, line = run_cli("-i", "4", "-k", "3", "-i", "6", "-o", MISSING)
    assert code == 2 and ACCEPTED.search(line), line


@pytest.mark.parametrize("groups", ["1", "2"])
def test_depth_multiplier_with_explicit_groups_is_refused(groups: str) -> None:
    result = CliRunner().invoke(cli, ["shape", "-i", "5", "-k", "3", "--in-channels", "2",
                                      "--depth-multiplier", "2", "--groups", groups])
    assert result.exit_code == 2
    assert f"--groups: depth_multiplier=2 sets out_channels and groups itself, so groups=" \
           f"{groups} would be dropped" in result.output
    with pytest.raises(RequestError, match="drop groups"):
        api.check({"i": 5, "k": 3, "in_channels": 2, "depth_multiplier": 2, "groups": 1})
    ok = CliRunner().invoke(cli, ["shape", "-i", "5", "-k", "3", "--in-channels", "2",
                                  "--depth-multiplier", "2", "--groups", "depthwise"])
    assert ok.exit_code == 0, ok.output


# ------------------------------------------------------------ random option sets


def _values(name: str) -> st.SearchStrategy[object]:
    option = OPTIONS[name]
    if option.kind == "choice":
        typos = [c[:-1] for c in option.choices[:2]] + ["zzz"]
        return st.sampled_from([*option.choices, *option.choices, *typos])
    if option.kind == "bool":
        return st.booleans()
    if option.kind == "int" and option.field is None:
        low, high = int(option.low or 0), int(option.high or 10**7)
        valid = st.integers(low, min(high, low + 600))
        return st.one_of(valid, valid, st.integers(low - 2, low + 2),
                         st.integers(high - 2, high + 2),
                         st.sampled_from([2.5, 400.0, math.nan, math.inf, "abc"]))
    if option.kind == "float":
        valid = st.floats(0.5, 50)
        return st.one_of(valid, valid, st.floats(0, 60, allow_nan=False), st.sampled_from(
            [math.nan, -math.inf, "x"]))
    if option.kind in ("int", "count"):
        return st.one_of(st.integers(0, 4), st.sampled_from(["depthwise", "two"]))
    if option.kind == "size":
        return st.one_of(st.integers(0, 7), st.sampled_from(["3,2", "2x", "1,1,1"]))
    if option.kind == "padding":
        return st.one_of(st.integers(0, 3), st.sampled_from(["same", "valid", "wide"]))
    return st.sampled_from({"size": ["640x360", "10x10", "abc"], "aspect": ["16:9", "0:1"],
                            "frames": ["1,2", "last", "key", "zz"],
                            "title": ["Hi", "two\nlines"]}.get(name, ["x"]))


# Options of the command line alone (a photo's input, --pair, --open) are not keywords.
RANDOM = [o.name for o in TABLE if o.kind not in ("matrix", "path") and API in o.commands
          and o.name not in ("input_size", "kernel_size", "frame", "quiet", "view")]


def _flag_words(name: str, value: object) -> list[str]:
    option = OPTIONS[name]
    if option.kind == "bool":
        return [option.flag if value else (option.off or f"--no-{option.flag[2:]}")]
    return [option.flag, str(value)]


@FAST
@given(st.integers(1, 9), st.integers(1, 4),
       st.lists(st.sampled_from(RANDOM), min_size=1, max_size=3, unique=True).flatmap(
           lambda names: st.fixed_dictionaries({n: _values(n) for n in names})),
       st.sampled_from(["gather", "scatter", None]))
def test_random_option_sets_the_cli_and_the_api_accept_and_refuse_alike(
        i: int, k: int, options: dict[str, object], view: str | None) -> None:
    if view is not None:
        options = {**options, "view": view}
    words = ["-i", str(i), "-k", str(k)]
    # Flags in the table's order: click checks flags in the order given and keywords in the
    # table's, so with two bad values both doors name the same one first.
    for name in sorted(options, key=list(OPTIONS).index):
        words += _flag_words(name, options[name])
    code, line = run_cli(*words, "-o", MISSING)
    assert code == 2 and len(line.splitlines()) == 1, line
    cli_accepts = bool(ACCEPTED.search(line))
    event("accepted" if cli_accepts else "refused")
    seed = options.pop("seed", 0)
    try:
        api.check({"i": i, "k": k}, seed=seed, **options)
    except RequestError as err:
        assert not cli_accepts, f"the API refuses what the CLI takes: {err}"
        assert err.reason == reason(line), (str(err), line)
    else:
        assert cli_accepts, f"the API takes what the CLI refuses: {line}"


# ------------------------------------------------------------ one error type, layering


def test_the_plugins_see_one_error_type_and_no_click() -> None:
    for name in ("sphinx.py", "mkdocs.py"):
        tree = ast.parse((ROOT / "convanim" / name).read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                    for alias in node.names}
        imported |= {node.module for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and node.module}
        assert not any(m == "click" or m.startswith("click.") for m in imported), name
    with pytest.raises(RequestError) as err:
        from_text("i: 5\nk: 3\nwidth: 9\n", "page.md", first_line=3)
    assert not isinstance(err.value, click.ClickException)
    assert type(err.value).__mro__[1:3] == (ConfigError, convanim.SpecError)
    assert (err.value.source, err.value.line, err.value.key) == ("page.md", 5, "width")


def _imports(path: Path) -> set[tuple[str, str]]:
    """(module, name) for every ``from module import name`` in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {(node.module, alias.name) for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module for alias in node.names}


def test_draw_imports_nothing_above_it() -> None:
    above = ("convanim.request", "convanim.api", "convanim.cli", "convanim.config",
             "convanim.options", "convanim.commands", "convanim.sphinx", "convanim.mkdocs",
             "convanim.embed", "convanim.gallery")
    for path in (ROOT / "convanim" / "draw").glob("*.py"):
        for module, _ in _imports(path):
            assert not module.startswith(above), (path.name, module)


def test_commands_do_not_import_their_parent_cli() -> None:
    for path in (ROOT / "convanim" / "commands").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "from convanim.cli" not in text and "from convanim import cli" not in text


@pytest.mark.parametrize("name", ["api.py", "cli.py", "options.py", "config.py",
                                  "config_keys.py", "sphinx.py", "mkdocs.py", "embed.py",
                                  "request/door.py", "request/entries.py", "request/errors.py",
                                  "request/table.py", "commands/explain.py",
                                  "commands/chain.py", "commands/compare.py"])
def test_the_door_imports_no_private_name_across_modules(name: str) -> None:
    for module, imported in _imports(ROOT / "convanim" / name):
        if module.startswith("convanim") and not imported.startswith("__"):
            assert not imported.startswith("_"), (name, module, imported)


# ------------------------------------------------------------ budget at the document's line


def test_an_oversized_box_is_refused_at_the_documents_line() -> None:
    with pytest.raises(RequestError) as directive:
        from_mapping({"i": 5, "k": 3, "size": "8000x8000"}, "index.rst", lines={"size": 14},
                     line=10)
    assert str(directive.value) == ("index.rst:14: size: a frame would be 8000x8000 = "
                                    "64,000,000 pixels, more than the limit 16,000,000; use a "
                                    "smaller size")
    with pytest.raises(RequestError) as fence:
        from_text("i: 5\nk: 3\nsize: 8000x8000\n", "docs/page.md", first_line=7)
    assert (fence.value.source, fence.value.line, fence.value.key) == ("docs/page.md", 9,
                                                                       "size")
    code, line = run_cli("-i", "5", "-k", "3", "--size", "8000x8000", "-o", MISSING)
    assert code == 2 and reason(line) == directive.value.reason
    with pytest.raises(RequestError) as keyword:
        api.check({"i": 5, "k": 3}, width=4000, height=4001)
    assert keyword.value.key == "height" and "16,004,000 pixels" in str(keyword.value)
