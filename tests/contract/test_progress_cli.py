"""`gi progress`: structured agent metadata under `agent:` (SPEC §2, §3, issue 4)."""

from __future__ import annotations

import pytest


def ok(sb, *args: str):
    r = sb.gi(*args)
    assert r.code == 0, r
    return r


def test_progress_stage_and_checkpoints_in_one_change(sandbox):
    sb = sandbox
    a = sb.create("Work")
    n = sb.store_commits()
    r = ok(sb, "progress", a, "--progress", "0.75", "--stage", "implementation",
           "--checkpoint", "analysis", "--checkpoint", "design", "--json")
    assert r.json["id"] == a
    assert r.json["agent"] == {"progress": 0.75, "stage": "implementation",
                               "checkpoints": ["analysis", "design"]}
    assert sb.store_commits() == n + 1
    assert "Gi-Op: progress" in sb.git("log", "-1", "--format=%B", sb.STORE_REF)
    assert sb.show(a)["agent"] == r.json["agent"]
    text = ok(sb, "progress", a).out  # no flags: what is recorded, no change
    assert "0.75" in text and "implementation" in text and "analysis, design" in text
    assert sb.store_commits() == n + 1


def test_checkpoints_append_without_duplicates_and_other_keys_survive(sandbox):
    sb = sandbox
    a = sb.create("Work")
    ok(sb, "edit", a, "--set", "agent.model=claude", "--set", "agent.stage=start")
    ok(sb, "progress", a, "--checkpoint", "one")
    ok(sb, "progress", a, "--checkpoint", "one", "--checkpoint", "two", "--stage", "review")
    assert sb.show(a)["agent"] == {"model": "claude", "stage": "review",
                                   "checkpoints": ["one", "two"]}
    path = sb.repo / ".issue-facade" / sb.show(a)["path"]
    text = path.read_text()
    assert "agent:" in text and "checkpoints:" in text and "model: claude" in text


def test_show_displays_progress(sandbox):
    sb = sandbox
    a = sb.create("Work")
    ok(sb, "progress", a, "--progress", "0.5", "--stage", "testing")
    out = ok(sb, "show", a).out
    assert "0.5" in out and "testing" in out


def test_stage_is_queryable(sandbox):
    sb = sandbox
    a, b = sb.create("One"), sb.create("Two")
    ok(sb, "progress", a, "--stage", "review")
    ok(sb, "progress", b, "--stage", "design")
    r = ok(sb, "list", "stage:review", "--json")
    assert [i["id"] for i in r.json] == [a]
    r = ok(sb, "list", "-stage:review", "--json")
    assert [i["id"] for i in r.json] == [b]


def test_progress_is_logged(sandbox):
    sb = sandbox
    a = sb.create("Work")
    ok(sb, "progress", a, "--progress", "0.25", "--stage", "analysis")
    last = ok(sb, "log", a, "--json").json[-1]
    assert last["type"] == "issue.updated"
    assert last["fields"] == {"agent.progress": {"old": None, "new": 0.25},
                              "agent.stage": {"old": None, "new": "analysis"}}


@pytest.mark.parametrize("value", ["-0.1", "1.01", "nan", "abc"])
def test_progress_outside_zero_to_one_is_a_usage_error(sandbox, value):
    sb = sandbox
    a = sb.create("Work")
    n = sb.store_commits()
    r = sb.gi("progress", a, "--progress", value, "--json")
    assert r.code == 2, r
    assert r.err_json["error"]["code"] == "usage"
    assert sb.store_commits() == n


def test_progress_of_an_unknown_issue_is_not_found(sandbox):
    sb = sandbox
    sb.create("Work")
    assert sb.gi("progress", "gi-ffffff", "--stage", "x").code == 3
