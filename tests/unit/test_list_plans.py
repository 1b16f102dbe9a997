"""A limited list tries its equivalent plans in turn (gather the matches, walk the issues in
order, gather to the end): the rows are the same whichever finishes, and an interrupted plan
changes nothing."""

from __future__ import annotations

import json

import pytest

from gitissues.store import core, open_store
from gitissues.store.index import Index

QUERIES = [["label:auth"], ["label:ui"], ["label:rare"], ["assignee:bob"], ["crash"],
           ["crash", "priority:<=2"], ["-label:auth", "login"], ["label:auth", "is:ready"],
           ["label:auth", "milestone:v9"], ["label:nosuch"], ["is:blocked"],
           ["is:blocked", "label:ui"], ["is:ready", "crash"], ["-is:blocked", "label:auth"],
           ["label:auth", "sort:updated"], ["label:ui", "sort:created"],
           ["crash", "sort:updated-asc"]]


@pytest.fixture(scope="module")
def store(make_sandbox):
    sb = make_sandbox()
    words = ["login crash", "token parser", "cache index", "merge branch"]
    records = [{"id": f"gi-{n:06x}", "title": f"{words[n % 4]} {n}", "priority": n % 5,
                "labels": ["auth"] * (n % 3 == 0) + ["ui"] * (n % 2 == 0) + ["rare"] * (n == 77),
                "assignees": ["bob"] * (n % 7 == 0), "milestone": "v9" if n == 300 else None,
                "depends_on": [f"gi-{n - 1:06x}"] if n % 5 == 0 and n else [],
                "status": "closed" if n % 10 == 9 else "open",
                "created": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T10:00:00Z"}
               for n in range(400)]
    jsonl = "".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n"
                    for r in records)
    assert sb.gi("import", "-", input=jsonl).code == 0
    return sb


def listed(sb, monkeypatch, budgets, terms, limit):
    for key, value in sb.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(core, "PLAN_BUDGET", budgets)
    return [i.id for i in open_store(sb.repo).list(terms, limit=limit).issues]


@pytest.mark.parametrize("terms", QUERIES, ids=[" ".join(q) for q in QUERIES])
def test_every_plan_gives_the_same_rows(store, monkeypatch, terms):
    for limit in (1, 20, None):
        got = {budgets: listed(store, monkeypatch, budgets, terms, limit)
               for budgets in ((60.0, 60.0), (0.0, 60.0), (0.0, 0.0))}
        assert len(set(map(tuple, got.values()))) == 1, (limit, got)
    assert listed(store, monkeypatch, (60.0, 60.0), ["label:rare"], 20) == ["gi-00004d"]


def test_gi_blocked_with_a_query_agrees_across_plans(store, monkeypatch):
    """`gi blocked` adds its own condition: every plan keeps it (the walk plan once lost it)."""
    for key, value in store.env.items():
        monkeypatch.setenv(key, value)
    found = {}
    for budgets in ((60.0, 60.0), (0.0, 60.0), (0.0, 0.0)):
        monkeypatch.setattr(core, "PLAN_BUDGET", budgets)
        found[budgets] = [(i.id, [b.id for b in bs])
                          for i, bs in open_store(store.repo).blocked(["label:auth"], limit=10)]
    assert len(set(map(repr, found.values()))) == 1, found
    rows = found[(60.0, 60.0)]
    assert len(rows) == 10 and all(blockers for _, blockers in rows)


def test_an_interrupted_plan_gives_way_and_keeps_the_snapshot(tmp_path):
    index = Index(tmp_path / "i.sqlite")
    index.db.execute("CREATE TABLE t(x)")
    index.db.execute("INSERT INTO t VALUES(1)")
    slow = ("WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 10000000)"
            " SELECT count(*) FROM n")
    with index.reading():
        assert index.rows("SELECT count(*) FROM t") == [(1,)]  # the snapshot is taken
        other = Index(tmp_path / "i.sqlite")
        other.db.execute("INSERT INTO t VALUES(2)")
        rows = index.first_done([(slow, [], 0.0), ("SELECT count(*) FROM t", [], 0.5),
                                 ("SELECT 'never'", [], None)])
        assert rows == [(1,)]  # the second plan, on the snapshot the transaction began with
        assert index.first_done([(slow, [], 0.0), ("SELECT sum(x) FROM t", [], None)]) == [(1,)]
    assert index.rows("SELECT count(*) FROM t") == [(2,)]


def test_a_failing_plan_is_an_error_not_a_fallback(tmp_path):
    index = Index(tmp_path / "i.sqlite")
    with pytest.raises(Exception, match="no such table"):
        index.first_done([("SELECT * FROM missing", [], 1.0), ("SELECT 1", [], None)])
