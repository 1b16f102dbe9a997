"""gitissues.activity: events derived from the store's history, and their cache."""

from __future__ import annotations

import json

import pytest

from gitissues import activity
from gitissues import events as derive
from gitissues.errors import UsageError
from gitissues.model import Claim, Comment, Issue
from gitissues.store import open_store

SHA = "ab" * 20


def issue(**kw) -> Issue:
    return Issue(id="gi-aaaaaa", title="T", created="2026-11-24T06:00:00Z", **kw)


def kinds(events) -> list[str]:
    return [k for k, _ in events]


# --- one change ---------------------------------------------------------------------------------

def test_status_change_carries_closed():
    out = derive.diff(issue(), issue(status="closed", closed="2026-11-24T07:00:00Z"))
    assert out == [("status.changed", {"status": {"old": "open", "new": "closed"},
                                       "closed": {"old": None, "new": "2026-11-24T07:00:00Z"}})]


def test_field_changes_are_issue_updated_without_updated():
    out = derive.diff(issue(priority=2, updated="a"), issue(priority=0, labels=["x"],
                                                              updated="b"))
    assert out == [("issue.updated", {"priority": {"old": 2, "new": 0},
                                      "labels": {"old": [], "new": ["x"]}})]


def test_agent_keys_are_reported_one_by_one():
    out = derive.diff(issue(agent={"model": "m"}), issue(agent={"model": "m", "stage": "s"}))
    assert out == [("issue.updated", {"agent.stage": {"old": None, "new": "s"}})]


def test_dependencies_comments_and_commits():
    old = issue(depends_on=["gi-bbbbbb"])
    new = issue(depends_on=["gi-cccccc"], links={"commits": [SHA]},
                comments=[Comment("c-1234", "bob", "2026-11-24T06:30:00Z", "hi")])
    assert derive.diff(old, new) == [
        ("dependency.added", {"dependency": "gi-cccccc"}),
        ("dependency.removed", {"dependency": "gi-bbbbbb"}),
        ("comment.added", {"comment": "c-1234", "author": "bob", "body": "hi"}),
        ("commit.linked", {"commit": SHA}),
    ]


def claim(agent: str, expires: str = "2026-11-24T07:30:00Z") -> Claim:
    return Claim(agent, "2026-11-24T07:00:00Z", expires)


@pytest.mark.parametrize("old, new, op, when, expected", [
    (None, claim("a"), "claim", "2026-11-24T07:00:00Z", ["claim.acquired"]),
    (claim("a"), claim("a", "2026-11-24T08:00:00Z"), "extend", "2026-11-24T07:10:00Z",
     ["claim.extended"]),
    (claim("a"), None, "release", "2026-11-24T07:10:00Z", ["claim.released"]),
    (claim("a"), None, "claim.expired", "2026-11-24T07:10:00Z", ["claim.expired"]),
    (claim("a"), None, "edit", "2026-11-24T09:00:00Z", ["claim.expired"]),
    (claim("a"), None, "release", "2026-11-24T09:00:00Z", ["claim.released"]),
    (claim("a"), claim("b", "2026-11-24T10:00:00Z"), "claim", "2026-11-24T09:00:00Z",
     ["claim.expired", "claim.acquired"]),
])
def test_claim_events(old, new, op, when, expected):
    assert kinds(derive.diff(issue(claim=old), issue(claim=new), op, when)) == expected


def test_trailers_and_conflicts():
    msg = ("merge: sync\n\nGi-Actor: alice\nGi-Op: sync\n"
           'Gi-Conflict: {"issue": "gi-aaaaaa", "field": "title", "kept": "A", "lost": "B"}\n'
           "Gi-Conflict: not json\n")
    found, conflicts = derive.trailers(msg)
    assert found == {"Gi-Actor": "alice", "Gi-Op": "sync"}
    assert conflicts == [{"issue": "gi-aaaaaa", "field": "title", "kept": "A", "lost": "B"}]


def test_since_accepts_ages_and_times():
    from datetime import UTC, datetime

    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert activity.parse_since("1d", now) == "2026-11-23T12:00:00Z"
    assert activity.parse_since("2h", now) == "2026-11-24T10:00:00Z"
    assert activity.parse_since("2026-11-20", now) == "2026-11-20T00:00:00Z"
    with pytest.raises(UsageError):
        activity.parse_since("yesterday", now)


# --- through the store --------------------------------------------------------------------------

@pytest.fixture
def store(sandbox, monkeypatch):
    for key, value in sandbox.env.items():
        monkeypatch.setenv(key, value)
    return open_store(sandbox.repo)


def test_events_of_a_short_history_are_stable(store, sandbox):
    a = store.create("A", labels=["x"]).id
    b = store.create("B").id
    store.dep_add(a, b)
    store.comment(a, "hello")
    store.close(b)
    events = store.events()
    assert [(e["type"], e["issue"]) for e in events] == [
        ("issue.created", a), ("issue.created", b), ("dependency.added", a),
        ("comment.added", a), ("status.changed", b)]
    assert events[0]["fields"] == {"title": "A", "status": "open", "type": "task",
                                   "priority": 2, "labels": ["x"]}
    assert all(set(e) == {"id", "type", "time", "actor", "issue", "fields"} for e in events)
    assert {e["actor"] for e in events} == {"tester"}
    tip = sandbox.store_tip()
    assert events[-1]["id"] == f"{tip}:0"
    store.index.db.execute("DELETE FROM activity_meta")  # a lost cache is rebuilt the same
    store.index.db.execute("DELETE FROM activity")
    assert store.events() == events
    assert [e["type"] for e in store.events(issue=b)] == ["issue.created", "status.changed"]
    assert store.events(agent="nobody") == []
    assert store.events(since="2999-01-01") == []
    assert activity.events(store, limit=2) == events[-2:]


def test_only_new_commits_are_derived(store, monkeypatch):
    a = store.create("A").id
    store.events()
    seen = []
    original = derive.Deriver.commit
    monkeypatch.setattr(derive.Deriver, "commit",
                        lambda self, c: seen.append(c.id) or original(self, c))
    store.edit(a, priority=1)
    assert [e["type"] for e in store.events()][-1] == "issue.updated"
    assert len(seen) == 1


def test_a_reset_drops_the_events_of_lost_commits(store, sandbox):
    a = store.create("A").id
    keep = sandbox.store_tip()
    store.edit(a, title="B")
    assert len(store.events()) == 2
    sandbox.git("update-ref", sandbox.STORE_REF, keep)
    assert [e["type"] for e in store.events()] == ["issue.created"]


def test_merge_commits_give_only_their_conflicts(store, sandbox):
    a = store.create("A").id
    base = sandbox.store_tip()
    store.edit(a, title="Ours")
    ours = sandbox.store_tip()
    record = {"issue": a, "field": "title", "kept": "Ours", "lost": "Theirs"}
    msg = f"merge: sync\n\nGi-Actor: bob\nGi-Op: sync\nGi-Conflict: {json.dumps(record)}\n"
    tree = sandbox.git("rev-parse", f"{ours}^{{tree}}")
    merge = sandbox.git("commit-tree", tree, "-p", ours, "-p", base, "-m", msg)
    sandbox.git("update-ref", sandbox.STORE_REF, merge)
    last = store.events()[-1]
    assert last["type"] == "merge.conflict_resolved" and last["actor"] == "bob"
    assert last["issue"] == a and last["fields"] == {k: record[k] for k in ("field", "kept",
                                                                             "lost")}
    assert len(store.events()) == 3


def test_a_big_import_reads_created_events_from_the_index(store, monkeypatch):
    records = [(f"line {k}", {"id": f"gi-{k:06x}", "title": f"T{k}", "labels": ["l"]})
               for k in range(derive._BULK + 5)]
    store.import_issues(records)
    parsed = []
    original = derive.Deriver.issue
    monkeypatch.setattr(derive.Deriver, "issue",
                        lambda self, blob, path: parsed.append(path) or original(self, blob, path))
    events = store.events()
    assert len(events) == len(records) and parsed == []
    assert events[3]["fields"] == {"title": "T3", "status": "open", "type": "task",
                                   "priority": 2, "labels": ["l"]}
