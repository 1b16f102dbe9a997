"""gi setup's JSON editing: a member or an array item goes in with the file's own layout and
comes out again leaving exactly the bytes that were there (any JSON, any layout)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitissues.agents import jsonedit
from gitissues.errors import InvalidData

KEYS = st.text(st.characters(codec="utf-8", exclude_characters='"\\'), max_size=8)
SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=10)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(KEYS, inner, max_size=3), max_leaves=10)
LAYOUTS = st.sampled_from([None, 2, 4, "\t", 0])
ENTRY = {"command": "gi", "args": ["mcp"]}


def _dump(value: object, layout: object, trailing: str) -> str:
    if layout is None:
        return json.dumps(value) + trailing
    return json.dumps(value, indent=layout, ensure_ascii=False) + trailing


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS.filter(lambda k: k != "mcpServers"), VALUES, max_size=4),
       st.one_of(st.none(), st.dictionaries(KEYS.filter(lambda k: k != "gi"), VALUES,
                                            min_size=1, max_size=3)),
       LAYOUTS, st.sampled_from(["", "\n", "\r\n", "  \n"]))
def test_a_member_in_and_out_gives_back_the_bytes(doc, servers, layout, trailing) -> None:
    if servers is not None:
        doc = {**doc, "mcpServers": servers}
    text = _dump(doc, layout, trailing)
    added = jsonedit.put_member(text, "f", ["mcpServers"], "gi", ENTRY)
    data = json.loads(added)
    assert data["mcpServers"]["gi"] == ENTRY
    assert {k: v for k, v in data.items() if k != "mcpServers"} == \
        {k: v for k, v in doc.items() if k != "mcpServers"}
    assert jsonedit.put_member(added, "f", ["mcpServers"], "gi", ENTRY) == added
    assert jsonedit.drop_member(added, "f", ["mcpServers"], "gi") == text


def _ours(item: object) -> bool:
    return item == {"hooks": [{"type": "command", "command": "gi prime"}]}


@settings(max_examples=200, deadline=None)
@given(st.lists(VALUES, max_size=3), st.dictionaries(KEYS, VALUES, max_size=3), LAYOUTS)
def test_an_array_item_in_and_out_gives_back_the_bytes(items, other, layout) -> None:
    doc = {**other, "hooks": {"SessionStart": items}} if items else other
    text = _dump(doc, layout, "\n")
    item = {"hooks": [{"type": "command", "command": "gi prime"}]}
    added = jsonedit.put_item(text, "f", ["hooks", "SessionStart"], item, _ours)
    assert json.loads(added)["hooks"]["SessionStart"] == [*items, item]
    assert jsonedit.put_item(added, "f", ["hooks", "SessionStart"], item, _ours) == added
    assert jsonedit.drop_item(added, "f", ["hooks", "SessionStart"], _ours) == text


def test_an_emptied_container_goes_and_the_rest_stays() -> None:
    text = '{\n  "a": 1,\n  "mcpServers": {\n    "gi": {"command": "x"}\n  }\n}\n'
    assert jsonedit.drop_member(text, "f", ["mcpServers"], "gi") == '{\n  "a": 1\n}\n'
    first = '{"mcpServers": {"gi": {}, "b": 2}}'
    assert jsonedit.drop_member(first, "f", ["mcpServers"], "gi") == '{"mcpServers": {"b": 2}}'


@pytest.mark.parametrize("text", ["", "[1]", '{"a": ', '{"mcpServers": 3}', "{} {}"])
def test_what_is_not_an_object_of_objects_is_refused(text) -> None:
    with pytest.raises(InvalidData):
        jsonedit.put_member(text, "f", ["mcpServers"], "gi", ENTRY)
