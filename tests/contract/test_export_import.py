"""`gi export` / `gi import` (SPEC §3): JSON Lines, ids kept, one commit, duplicates refused."""

from __future__ import annotations

import json

import pytest

FIELDS = ("id", "title", "status", "type", "priority", "labels", "assignees", "milestone",
          "parent", "depends_on", "author", "created", "updated", "closed", "claim", "agent",
          "links", "remote", "body", "comments")


@pytest.fixture(scope="module")
def source(make_sandbox):
    sb = make_sandbox("export-src")
    a = sb.create("Exported bug", "--type", "bug", "--priority", "1", "--label", "auth",
                  "--assignee", "alice", "--milestone", "M1", "--body", "Line 1\nLine 2\n")
    b = sb.create("Exported child", "--parent", a, "--depends-on", a)
    c = sb.create("Exported and closed")
    for args in (("comment", a, "a comment"), ("close", c, "--reason", "done"),
                 ("edit", b, "--set", "agent.stage=design", "--set", "custom=1")):
        r = sb.gi(*args)
        assert r.code == 0, r
    r = sb.gi("export")
    assert r.code == 0, r
    sb.exported = r.out
    sb.ids = [a, b, c]
    return sb


def _records(text: str) -> dict[str, dict]:
    lines = text.splitlines()
    docs = [json.loads(line) for line in lines]
    assert all(isinstance(d, dict) for d in docs)
    return {d["id"]: d for d in docs}


def test_export_is_json_lines_of_every_issue(source):
    lines = source.exported.splitlines()
    assert len(lines) == 3, source.exported
    records = _records(source.exported)
    assert set(records) == set(source.ids)  # the closed one included
    for issue_id, rec in records.items():
        shown = source.show(issue_id)
        for key in FIELDS:
            assert rec[key] == shown[key], (issue_id, key)
    assert records[source.ids[2]]["status"] == "closed"
    assert records[source.ids[1]]["custom"] == 1 or records[source.ids[1]]["custom"] == "1"


def test_import_into_fresh_repo_keeps_everything_in_one_commit(sandbox, source, tmp_path):
    sb = sandbox
    f = tmp_path / "issues.jsonl"
    f.write_text(source.exported)
    assert sb.gi("init").code == 0
    n = sb.store_commits()
    r = sb.gi("import", str(f))
    assert r.code == 0, r
    assert sb.store_commits() == n + 1, "an import is exactly one commit"

    r = sb.gi("export")
    assert r.code == 0, r
    got, want = _records(r.out), _records(source.exported)
    assert set(got) == set(want)
    for issue_id in want:
        for key in FIELDS:
            assert got[issue_id][key] == want[issue_id][key], (issue_id, key)
        assert got[issue_id].get("custom") == want[issue_id].get("custom")

    # again: every id is a duplicate
    tip = sb.store_tip()
    r = sb.gi("import", str(f), "--json")
    assert r.code == 4, r
    assert any(i in r.err for i in source.ids), r
    assert sb.store_tip() == tip

    # a batch with one new and one duplicate record writes nothing
    batch = json.dumps({"id": "gi-c0ffee", "title": "New one"}) + "\n" + \
        source.exported.splitlines()[0] + "\n"
    r = sb.gi("import", "-", input=batch)
    assert r.code == 4, r
    assert json.loads(source.exported.splitlines()[0])["id"] in r.err
    assert sb.store_tip() == tip
    assert sb.gi("show", "gi-c0ffee").code == 3


def test_import_from_stdin(sandbox):
    sb = sandbox
    text = json.dumps({"id": "gi-d00d01", "title": "From stdin", "labels": ["a"]}) + "\n"
    r = sb.gi("import", "-", input=text)
    assert r.code == 0, r
    doc = sb.show("gi-d00d01")
    assert doc["title"] == "From stdin"
    assert doc["labels"] == ["a"]
    assert doc["status"] == "open"


def test_import_line_not_json(sandbox, tmp_path):
    sb = sandbox
    sb.create("Existing")
    tip = sb.store_tip()
    f = tmp_path / "bad.jsonl"
    f.write_text(json.dumps({"id": "gi-e00001", "title": "ok"}) + "\n{not json\n")
    r = sb.gi("import", str(f), "--json")
    assert r.code == 5, r
    msg = r.err_json["error"]["message"]
    assert "bad.jsonl:2" in msg or "line 2" in msg, msg
    assert sb.store_tip() == tip
    assert sb.gi("show", "gi-e00001").code == 3


def test_import_invalid_record(sandbox, tmp_path):
    sb = sandbox
    sb.create("Existing")
    tip = sb.store_tip()
    f = tmp_path / "invalid.jsonl"
    f.write_text(json.dumps({"id": "gi-e00002", "title": "ok"}) + "\n"
                 + json.dumps({"id": "gi-e00003", "title": "bad", "status": "bogus"}) + "\n")
    r = sb.gi("import", str(f))
    assert r.code == 5, r
    assert "status" in r.err, r
    assert "invalid.jsonl:2" in r.err or "line 2" in r.err, r
    assert sb.store_tip() == tip
    assert sb.gi("show", "gi-e00002").code == 3
