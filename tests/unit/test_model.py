"""The Issue model: validation names file, line and field; edits keep hand-made formatting."""

from __future__ import annotations

import pytest

from gitissues.errors import InvalidData
from gitissues.model import Comment, Issue

HAND_MADE = """\
# A hand-written issue; this comment must survive.
title: Login crashes on empty password   # why it matters
id: gi-7f3a9c
labels: [auth]
custom_field:
  nested: kept   # unknown keys are preserved
created: 2026-11-24T06:00:00Z
updated: 2026-11-24T07:12:09Z
body: |
  Steps:
  1. open /login
"""


def test_defaults_for_a_minimal_file() -> None:
    issue = Issue.from_yaml("id: gi-abcdef\ntitle: Minimal\n", "m.yaml")
    assert (issue.status, issue.type, issue.priority) == ("open", "task", 2)
    assert issue.to_dict()["labels"] == [] and issue.to_dict()["claim"] is None


def test_edit_of_one_field_keeps_comments_order_and_unknown_keys() -> None:
    issue = Issue.from_yaml(HAND_MADE, "h.yaml")
    issue.priority = 0
    issue.labels.append("ui")
    text = issue.to_yaml()
    assert text.startswith("# A hand-written issue; this comment must survive.\n")
    assert "title: Login crashes on empty password   # why it matters\n" in text
    assert "  nested: kept   # unknown keys are preserved\n" in text
    assert "labels: [auth, ui]\n" in text
    assert text.index("title:") < text.index("id:")  # the author's key order
    assert "priority: 0\n" in text
    assert "status:" not in text  # defaults the file left out stay out
    again = Issue.from_yaml(text, "h.yaml")
    assert again.extra == {"custom_field": {"nested": "kept"}}
    assert again.body == "Steps:\n1. open /login\n"


def test_appended_comment_is_written_as_a_block() -> None:
    issue = Issue.from_yaml(HAND_MADE, "h.yaml")
    issue.comments.append(Comment("c-0001", "bob", "2026-11-24T08:00:00Z", "two\nlines"))
    again = Issue.from_yaml(issue.to_yaml(), "h.yaml")
    assert again.comments[0].body == "two\nlines"


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        ("id: gi-abcdef\ntitle: t\nstatus: done\n", "status", 3),
        ("id: gi-abcdef\ntitle: t\n\npriority: 7\n", "priority", 4),
        ("title: t\nid: ../etc\n", "id", 2),
        ("id: gi-abcdef\ntitle: t\ndepends_on: [nope]\n", "depends_on", 3),
        ("id: gi-abcdef\ntitle: t\ncreated: yesterday\n", "created", 3),
        ("id: gi-abcdef\ntitle: ''\n", "title", 2),
    ],
)
def test_validation_names_file_line_and_field(text: str, field: str, line: int) -> None:
    with pytest.raises(InvalidData) as exc:
        Issue.from_yaml(text, "bad.yaml")
    assert exc.value.message.startswith(f"bad.yaml:{line}: field '{field}'")


def test_new_issue_round_trips_through_the_canonical_emitter() -> None:
    issue = Issue(id="gi-0a1b2c", title="New: with colon", labels=["a b"], body="x\ny\n",
                  created="2026-11-24T06:00:00Z", updated="2026-11-24T06:00:00Z")
    again = Issue.from_yaml(issue.to_yaml(), "n.yaml")
    assert again.to_dict() == issue.to_dict()
