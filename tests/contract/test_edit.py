"""`gi edit`, `close`, `reopen`, `comment` (SPEC §2, §3), round-trip YAML and `--file`."""

from __future__ import annotations

import re
import time

import pytest

TIME_RE = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


def test_edit_every_field(sandbox):
    sb = sandbox
    issue_id = sb.create("Original title", "--label", "keep", "--label", "drop",
                         "--assignee", "bob")
    before = sb.show(issue_id)
    time.sleep(1.05)  # times are to the second: the edit must show a later one
    r = sb.gi(
        "edit", issue_id, "--title", "New title", "--status", "in_progress", "--type", "bug",
        "--priority", "0", "--add-label", "auth", "--remove-label", "drop",
        "--assign", "alice", "--unassign", "bob", "--milestone", "Q1 Release",
        "--set", "team=backend", "--set", "agent.stage=x", "--json",
    )
    assert r.code == 0, r
    assert r.json["id"] == issue_id
    doc = sb.show(issue_id)
    assert doc == {**r.json}
    assert doc["title"] == "New title"
    assert doc["status"] == "in_progress"
    assert doc["type"] == "bug"
    assert doc["priority"] == 0
    assert doc["labels"] == ["keep", "auth"]
    assert doc["assignees"] == ["alice"]
    assert doc["milestone"] == "Q1 Release"
    assert doc["team"] == "backend"
    assert doc["agent"] == {"stage": "x"}
    assert doc["created"] == before["created"]
    assert doc["updated"] > before["updated"]
    assert doc["closed"] is None


def test_edit_set_keeps_other_agent_keys(sandbox):
    sb = sandbox
    issue_id = sb.create("Agent metadata")
    assert sb.gi("edit", issue_id, "--set", "agent.stage=design").code == 0
    assert sb.gi("edit", issue_id, "--set", "agent.owner=planner").code == 0
    assert sb.show(issue_id)["agent"] == {"stage": "design", "owner": "planner"}


@pytest.mark.parametrize("args", [
    ("--status", "done"), ("--priority", "7"), ("--type", "story"), ("--title", ""),
    ("--set", "id=gi-000000"),
])
def test_edit_invalid_values_are_usage_errors(sandbox, args):
    sb = sandbox
    issue_id = sb.create("Stable")
    n = sb.store_commits()
    r = sb.gi("edit", issue_id, *args, "--json")
    assert r.code == 2, r
    assert r.err_json["error"]["code"] == "usage"
    assert sb.store_commits() == n
    assert sb.show(issue_id)["title"] == "Stable"


def test_edit_missing_issue_exits_3(sandbox):
    sb = sandbox
    sb.create("Something")
    r = sb.gi("edit", "gi-000000", "--title", "x")
    assert r.code == 3, r


def test_close_and_reopen(sandbox):
    sb = sandbox
    issue_id = sb.create("To close")
    n_comments = len(sb.show(issue_id)["comments"])
    r = sb.gi("close", issue_id, "--reason", "duplicate of gi-abcdef", "--json")
    assert r.code == 0, r
    doc = sb.show(issue_id)
    assert doc["status"] == "closed"
    assert re.fullmatch(TIME_RE, doc["closed"] or "")
    assert len(doc["comments"]) == n_comments + 1
    comment = doc["comments"][-1]
    assert "duplicate of gi-abcdef" in comment["body"]
    assert comment["author"] == "tester"

    r = sb.gi("reopen", issue_id, "--json")
    assert r.code == 0, r
    doc = sb.show(issue_id)
    assert doc["status"] == "open"
    assert doc["closed"] is None
    assert len(doc["comments"]) == n_comments + 1


def test_edit_status_closed_sets_closed_time(sandbox):
    sb = sandbox
    issue_id = sb.create("Closed by edit")
    assert sb.gi("edit", issue_id, "--status", "closed").code == 0
    doc = sb.show(issue_id)
    assert doc["status"] == "closed"
    assert re.fullmatch(TIME_RE, doc["closed"] or "")
    assert sb.gi("edit", issue_id, "--status", "open").code == 0
    assert sb.show(issue_id)["closed"] is None


def test_comment_appends(sandbox, tmp_path):
    sb = sandbox
    issue_id = sb.create("Discussed")
    assert sb.gi("comment", issue_id, "first").code == 0
    r = sb.gi("comment", issue_id, "--body-file", "-", input="second\nwith two lines\n")
    assert r.code == 0, r
    comments = sb.show(issue_id)["comments"]
    assert [c["body"] for c in comments] == ["first", "second\nwith two lines\n"]
    for c in comments:
        assert c["author"] == "tester"
        assert re.fullmatch(TIME_RE, c["created"])
        assert re.fullmatch(r"c-[0-9a-f]+", c["id"])
    assert comments[0]["id"] != comments[1]["id"]


def test_comment_needs_text(sandbox):
    sb = sandbox
    issue_id = sb.create("Quiet")
    n = sb.store_commits()
    r = sb.gi("comment", issue_id, "--json")
    assert r.code == 2, r
    assert sb.store_commits() == n


HAND_WRITTEN = """\
# An issue written by hand; this comment must survive.
title: Hand written issue   # trailing comment on the title
id: gi-abc123
zz_custom:   # an unknown key, placed early
  nested: [1, 2]
  note: keep me
status: open
priority: 3  # triaged by alice
author: alice
created: 2026-01-02T03:04:05Z
updated: 2026-01-02T03:04:05Z

# the labels, in flow style
labels: [x, y]
body: |
  Line one.
  Line two.
"""


def test_round_trip_keeps_comments_order_and_unknown_keys(sandbox):
    sb = sandbox
    assert sb.gi("init", "--mode", "tree").code == 0
    path = sb.repo / ".issue-facade" / "issues" / "ab" / "gi-abc123.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HAND_WRITTEN)

    doc = sb.show("gi-abc123")
    assert doc["zz_custom"] == {"nested": [1, 2], "note": "keep me"}
    assert doc["priority"] == 3

    r = sb.gi("edit", "gi-abc123", "--priority", "0")
    assert r.code == 0, r
    new = path.read_text().splitlines()
    old = HAND_WRITTEN.splitlines()
    assert len(new) == len(old), "\n".join(new)
    changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    assert ("priority: 3  # triaged by alice", "priority: 0  # triaged by alice") in changed, (
        "\n".join(new))
    others = [(a, b) for a, b in changed if not a.startswith("priority:")]
    assert len(others) <= 1 and all(a.startswith("updated:") for a, _ in others), others
    if others:
        assert re.fullmatch(r"updated: " + TIME_RE, others[0][1]), others

    doc = sb.show("gi-abc123")
    assert doc["priority"] == 0
    assert doc["zz_custom"] == {"nested": [1, 2], "note": "keep me"}
    assert doc["title"] == "Hand written issue"
    assert doc["labels"] == ["x", "y"]


def test_round_trip_comment_survives_label_edit(sandbox):
    sb = sandbox
    assert sb.gi("init", "--mode", "tree").code == 0
    path = sb.repo / ".issue-facade" / "issues" / "ab" / "gi-abc123.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HAND_WRITTEN)
    assert sb.gi("edit", "gi-abc123", "--add-label", "z").code == 0
    text = path.read_text()
    for line in ("# An issue written by hand; this comment must survive.",
                 "title: Hand written issue   # trailing comment on the title",
                 "# the labels, in flow style", "priority: 3  # triaged by alice",
                 "  note: keep me"):
        assert line in text.splitlines(), text
    keys = [ln.split(":")[0] for ln in text.splitlines() if re.match(r"^[a-z_]+:", ln)]
    assert keys[:6] == ["title", "id", "zz_custom", "status", "priority", "author"], keys
    assert sb.show("gi-abc123")["labels"] == ["x", "y", "z"]


def test_edit_from_file_branch_mode(sandbox, tmp_path):
    sb = sandbox
    issue_id = sb.create("Edit me via a file", "--label", "a")
    path = sb.show(issue_id)["path"]
    text = sb.git_bytes("show", f"issue-facade:{path}").decode()
    assert "Edit me via a file" in text
    edited = text.replace("Edit me via a file", "Edited via a file") + "extra_key: kept\n"
    f = tmp_path / "edited.yaml"
    f.write_text(edited)
    n = sb.store_commits()
    r = sb.gi("edit", issue_id, "--file", str(f), "--json")
    assert r.code == 0, r
    assert sb.store_commits() == n + 1
    doc = sb.show(issue_id)
    assert doc["title"] == "Edited via a file"
    assert doc["extra_key"] == "kept"
    assert doc["labels"] == ["a"]

    tip = sb.store_tip()
    bad = tmp_path / "bad.yaml"
    bad.write_text(edited.replace("status: open", "status: bogus"))
    assert "status: bogus" in bad.read_text()
    r = sb.gi("edit", issue_id, "--file", str(bad), "--json")
    assert r.code == 5, r
    assert "message" in r.err_json["error"]
    assert "bad.yaml" in r.err and "status" in r.err, r
    assert sb.store_tip() == tip
    assert sb.show(issue_id)["status"] == "open"

    other = sb.create("Another")
    r = sb.gi("edit", other, "--file", str(f))
    assert r.code == 5, r  # the file's id is not this issue's
    assert sb.show(other)["title"] == "Another"


def test_edit_from_a_partial_file_keeps_every_key_it_leaves_out(sandbox, tmp_path):
    """A file with only some keys changes only those; `key: null` removes one."""
    sb = sandbox
    issue_id = sb.create("Keep me", "--priority", "1", "--label", "a", "--milestone", "M1")
    assert sb.gi("edit", issue_id, "--status", "blocked", "--set", "note=extra").code == 0
    for k in range(14):
        assert sb.gi("comment", issue_id, f"comment {k}").code == 0
    before = sb.show(issue_id)
    partial = tmp_path / "partial.yaml"
    partial.write_text("title: Retitled\nmilestone: null\nnote: null\n")
    r = sb.gi("edit", issue_id, "--file", str(partial), "--json")
    assert r.code == 0, r
    after = r.json
    assert after["title"] == "Retitled"
    assert after["milestone"] is None and "note" not in after
    for key in ("status", "priority", "labels", "comments", "created", "author"):
        assert after[key] == before[key], key
    assert len(after["comments"]) == 14
    assert sb.gi("edit", issue_id, "--file", str(partial), "--json").json["title"] == "Retitled"


def test_edit_from_a_partial_file_is_validated(sandbox, tmp_path):
    sb = sandbox
    issue_id = sb.create("Valid")
    tip = sb.store_tip()
    for text in ("priority: 9\n", "agent:\n  progress: abc\n", "id: gi-000000\n", "- a list\n",
                 "title: null\n"):
        f = tmp_path / "f.yaml"
        f.write_text(text)
        r = sb.gi("edit", issue_id, "--file", str(f), "--json")
        assert r.code == 5, (text, r)
        assert "f.yaml" in r.err_json["error"]["message"], r
    assert sb.store_tip() == tip


def test_an_edit_that_changes_nothing_says_so_and_writes_nothing(sandbox):
    sb = sandbox
    issue_id = sb.create("Same", "--label", "a")
    tip = sb.store_tip()
    for args in (["--add-label", "a"], ["--title", "Same"], ["--remove-label", "zzz"]):
        r = sb.gi("edit", issue_id, *args)
        assert r.code == 0 and "nothing written" in r.out, r
    assert sb.store_tip() == tip
    r = sb.gi("close", issue_id)
    assert r.code == 0
    tip = sb.store_tip()
    r = sb.gi("close", issue_id)
    assert r.code == 0 and "nothing written" in r.out, r
    assert sb.store_tip() == tip
    r = sb.gi("edit", issue_id)
    assert r.code == 2 and "nothing to change" in r.err, r
