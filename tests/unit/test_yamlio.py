"""The canonical emitter must write what the YAML loader reads back, for any value we store."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitissues import yamlio
from gitissues.errors import InvalidData
from gitissues.model import _plain

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


def test_alias_bomb_is_refused_fast() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, 10):
        refs = ",".join([f"*a{n - 1}"] * 9)
        lines.append(f"a{n}: &a{n} [{refs}]")
    text = "\n".join(lines) + "\n"
    start = time.perf_counter()
    with pytest.raises(InvalidData, match="anchors and aliases"):
        yamlio.load_fast(text, "bomb.yaml")
    with pytest.raises(InvalidData, match="anchors and aliases"):
        yamlio.load_roundtrip(text, "bomb.yaml")
    assert time.perf_counter() - start < 5  # generous: expansion would never finish


def test_oversized_file_is_refused_before_parsing() -> None:
    text = "id: gi-abcdef\ntitle: x\nbody: " + "x" * (yamlio.MAX_FILE_BYTES + 1) + "\n"
    with pytest.raises(InvalidData, match="larger than the"):
        yamlio.load_fast(text, "big.yaml")


def test_parse_error_names_file_and_line() -> None:
    with pytest.raises(InvalidData) as exc:
        yamlio.load_fast("id: gi-abcdef\ntitle: [oops\n", "f.yaml")
    assert exc.value.message.startswith("f.yaml:")
    assert exc.value.details["line"] >= 2
