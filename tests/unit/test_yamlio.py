"""The canonical emitter must write what the YAML loader reads back, for any value we store."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitissues import yaml_canonical, yamlio
from gitissues.errors import InvalidData
from gitissues.fields import plain as _plain

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False), st.text(),
    st.sampled_from(["yes", "No", "null", "~", "2026-11-24T06:00:00Z", "0x1f", "1e3", "- a",
                     "a: b", "#x", "'q'", '"q"', "x\n", "\n\nx", " lead", "trail ", "\t",
                     "a\u2028b", "\x85", "\ufeff", "multi\nline\n\n", "[a]", "{a: 1}"]),
)
keys = st.text(min_size=1).filter(lambda k: k.strip() == k and "\n" not in k)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(keys, values, min_size=1, max_size=6))
def test_emit_then_load_gives_the_same_data(data: dict) -> None:
    text = yamlio.emit(data)
    assert _plain(yamlio.load_fast(text, "t")) == _plain(data)


def test_block_scalars_keep_exact_text() -> None:
    for body in ("a\n", "a", "a\n\n\n", "a\n  indented\n\nb\n", "x\n\ty\n"):
        assert yamlio.load_fast(yamlio.emit({"body": body}), "t")["body"] == body


def test_times_are_written_plain() -> None:
    assert yamlio.emit({"created": "2026-11-24T06:00:00Z"}) == "created: 2026-11-24T06:00:00Z\n"


def test_alias_bomb_is_refused() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, 10):
        refs = ",".join([f"*a{n - 1}"] * 9)
        lines.append(f"a{n}: &a{n} [{refs}]")
    text = "\n".join(lines) + "\n"
    with pytest.raises(InvalidData, match="anchors and aliases"):
        yamlio.load_fast(text, "bomb.yaml")
    with pytest.raises(InvalidData, match="anchors and aliases"):
        yamlio.load_roundtrip(text, "bomb.yaml")


def test_oversized_file_is_refused_before_parsing() -> None:
    text = "id: gi-abcdef\ntitle: x\nbody: " + "x" * (yamlio.MAX_FILE_BYTES + 1) + "\n"
    with pytest.raises(InvalidData, match="larger than the"):
        yamlio.load_fast(text, "big.yaml")


def test_parse_error_names_file_and_line() -> None:
    with pytest.raises(InvalidData) as exc:
        yamlio.load_fast("id: gi-abcdef\ntitle: [oops\n", "f.yaml")
    assert exc.value.message.startswith("f.yaml:")
    assert exc.value.details["line"] >= 2


# --- anchors and aliases: refused wherever they are, found wherever they hide ----------------

ANCHORED = {
    "scalar alias": "a: &x foo\nb: *x\n",
    "scalar anchor, no alias": "a: &x foo\nb: bar\n",
    "anchored key": "&k a: 1\n",
    "anchor in a flow list": "a: [&x 1, 2]\n",
    "tagged anchor": "a: !!str &x foo\n",
    "container alias": "a: &x {b: 1}\nc: *x\n",
    "anchor on a nested mapping": "a: &x\n  b: 1\n",
    "merge key": "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n",
}
NOT_ANCHORS = {
    "quoted": 'a: "&x"\nb: "*x"\nc: "R&D && *ptr"\n',
    "single-quoted, with a comment": "# hand-edited\na: '&x *x'\n",
    "block literal": "body: |\n  &x foo\n  *x\n  a && b\n",
    "block literal, with a comment": "# note\nbody: |\n  &x foo\n  *x\n",
    "inside a plain word": "a: R&D\nb: x*y\n",
}


@pytest.mark.parametrize("text", ANCHORED.values(), ids=ANCHORED.keys())
@pytest.mark.parametrize("load", [yamlio.load_fast, yamlio.load_roundtrip])
def test_any_anchor_or_alias_is_refused(load, text: str) -> None:
    with pytest.raises(InvalidData) as caught:
        load(text, "f.yaml")
    assert caught.value.message == "f.yaml: YAML anchors and aliases are not allowed"


@pytest.mark.parametrize("text", NOT_ANCHORS.values(), ids=NOT_ANCHORS.keys())
@pytest.mark.parametrize("load", [yamlio.load_fast, yamlio.load_roundtrip])
def test_ampersand_and_star_in_text_are_not_anchors(load, text: str) -> None:
    assert _plain(load(text, "f.yaml")) == _plain(yamlio._safe_yaml().load(text))


@pytest.mark.parametrize("text", ANCHORED.values(), ids=ANCHORED.keys())
def test_user_config_refuses_any_anchor(tmp_path, text: str) -> None:
    from gitissues.config_files import load_yaml_file
    from gitissues.config_keys import ConfigError

    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="anchors and aliases are not allowed"):
        load_yaml_file(path)


def test_user_config_keeps_ampersands_in_text(tmp_path) -> None:
    from gitissues.config_files import load_yaml_file

    path = tmp_path / "config.yaml"
    path.write_text(NOT_ANCHORS["single-quoted, with a comment"], encoding="utf-8")
    assert load_yaml_file(path) == {"a": "&x *x"}


def test_a_broken_document_with_an_ampersand_is_a_parse_error() -> None:
    with pytest.raises(InvalidData, match="f.yaml:2: YAML does not parse"):
        yamlio.load_fast("a: 'R&D\n", "f.yaml")


# --- the canonical reader in load_fast -------------------------------------------------------

def test_reading_an_emitted_issue_does_not_import_ruamel() -> None:
    script = (
        "import sys\n"
        "from gitissues import yamlio\n"
        "from gitissues.model import Issue, Comment\n"
        "i = Issue(id='gi-abcdef', title='t', labels=['a', 'b c'], created='2026-11-24T06:00:00Z',"
        " body='x\\n  y\\n', comments=[Comment('c1', 'me', '2026-11-24T06:00:00Z', 'hi')])\n"
        "text = yamlio.emit(i.to_file_dict())\n"
        "assert Issue.from_yaml(text, 'f') == i, text\n"
        "print(sorted(m for m in sys.modules if 'ruamel' in m))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout
    assert out == "[]\n"


@pytest.mark.parametrize("text", [
    "# a comment\nid: gi-abcdef\n",            # comments: ruamel reads them
    "a: 'single'\nb: >\n  folded\n",            # other styles
    "a:\n- 1\n- 2\n",                           # a sequence not indented under its key
    "a: {b: 1}\n",                              # a flow mapping
    "a: yes\nb: True\nc: 0o17\nd: 1_000\n",     # words and numbers emit would quote
    "---\na: 1\n...\n",
])
def test_other_yaml_is_read_by_ruamel(text: str) -> None:
    assert yaml_canonical.parse(text) is yaml_canonical.NOT_CANONICAL
    assert yamlio.load_fast(text, "f.yaml") == yamlio._safe_yaml().load(text)


@pytest.mark.parametrize("text", [
    "labels: [why?]\n",                         # libyaml stops at `?` in a flow (emit writes it)
    "a" * 1025 + ": 1\n",                       # libyaml's limit on an implicit key
    'a: "\\ud800"\n',                           # a surrogate escape
    'a: "\\U00110000"\n',
    "a: 9999-12-31T23:59:59.9999995Z\n",        # rounds past the year 9999
    "a: 2026-02-30T00:00:00Z\n",
    "a: " + "1" * 5000 + "\n",                  # more digits than int() reads
    "a: 1\na: 2\n",                             # duplicate keys
    "1: a\ntrue: b\n",                          # keys that are equal once loaded
    "a: |\n  x\n\tb: 1\n",
])
def test_fast_reader_refuses_what_libyaml_refuses(text: str) -> None:
    assert yaml_canonical.parse(text) is yaml_canonical.NOT_CANONICAL
    with pytest.raises(InvalidData):
        yamlio.load_fast(text, "f.yaml")


@pytest.mark.parametrize("text", [
    "",
    "\n",
    "a: 2026-11-24T06:00:00.1234565Z\nb: 2026-11-24T06:00:00.9999996Z\n",
    "2026-11-24T06:00:00Z: t\n1: i\n-1.5e+16: f\n.nan: x\nnull: z\nfalse: b\n",
    'a: [-.inf, .inf, .nan, -0.0, 0, true, null, "x, y", a/b_c.d@e!]\n',
    'a: "\\x00\\x85\\t\\r\\u2028\\ufeff\\U0001f600\\\\\\" é"\n',
    "a: |+\n  x\n\n\nb: |-\n  y\n     \n  z\nc:\n  - |\n    q\n  -\n    - {}\n    - []\n",
    "s:\n  - k: 1\n    l:\n      - m: [a]\n  - \"k\": 2\n  - \"k: v\"\n",
])
def test_fast_reader_gives_what_ruamel_gives(text: str) -> None:
    fast = yaml_canonical.parse(text)
    assert fast is not yaml_canonical.NOT_CANONICAL
    assert repr(fast) == repr(yamlio._safe_yaml().load(text))


@pytest.mark.parametrize("value", [
    {"labels": ["why?", "a?b"]},                      # `?` in a flow list
    {"agent": {"2026-11-24T06:00:00Z": "a time-like key"}},
    {"agent": {"t": "9999-12-31T23:59:59.9999995Z"}},  # rounds past year 9999 if plain
])
def test_what_emit_writes_reads_back(value) -> None:
    assert yamlio.load_fast(yamlio.emit(value), "x.yaml") == value
    assert yamlio._safe_yaml().load(yamlio.emit(value)) == value


def test_a_label_with_a_question_mark_survives_the_cli(sandbox) -> None:
    issue_id = sandbox.create("Why?", "--label", "why?")
    assert sandbox.gi("edit", issue_id, "--add-label", "ok").code == 0
    assert sandbox.show(issue_id)["labels"] == ["why?", "ok"]
    assert sandbox.gi("doctor").code == 0
