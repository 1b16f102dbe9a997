"""`gi list` / `search` / `ready` and the query language (SPEC §3, §5)."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(scope="module")
def store(make_sandbox):
    """A shared read-only store:

    A  bug      P0 open         labels auth,ui  assignee alice   body mentions 'segfault'
    B  feature  P3 open         labels ui                        title 'Add dark mode'
    C  task     P1 open         labels db       assignee tester  comment mentions 'zebra'
    D  chore    P2 closed       labels auth
    E  task     P2 in_progress  labels ops      assignee bob
    """
    sb = make_sandbox("list")
    ids = {
        "A": sb.create("Login crash", "--type", "bug", "--priority", "0", "--label", "auth",
                       "--label", "ui", "--assignee", "alice",
                       "--body", "A segfault in the password parser."),
        "B": sb.create("Add dark mode", "--type", "feature", "--priority", "3",
                       "--label", "ui", "--body", "Users want a darker theme."),
        "C": sb.create("Refactor db layer", "--priority", "1", "--label", "db",
                       "--assignee", "tester"),
        "D": sb.create("Old auth cleanup", "--type", "chore", "--label", "auth"),
        "E": sb.create("Rotate keys", "--label", "ops", "--assignee", "bob"),
    }
    for args in (("comment", ids["C"], "Spotted a zebra in the schema."),
                 ("close", ids["D"]),
                 ("edit", ids["E"], "--status", "in_progress")):
        r = sb.gi(*args)
        assert r.code == 0, r
    sb.ids = ids
    sb.names = {v: k for k, v in ids.items()}
    return sb


def listed(sb, *args: str) -> list[str]:
    """Names (A, B, …) of the issues `gi list ARGS --json` prints, in order."""
    r = sb.gi("list", *args, "--json")
    assert r.code == 0, r
    assert isinstance(r.json, list), r
    return [sb.names.get(i["id"], i["id"]) for i in r.json]


def test_default_lists_non_closed_in_default_order(store):
    # priority ascending, then created descending
    assert listed(store) == ["A", "C", "E", "B"]


def test_list_json_items_are_full_issues(store):
    r = store.gi("list", "--json")
    assert r.code == 0, r
    first = r.json[0]
    assert first == store.show(store.ids["A"])


def test_list_human_output(store):
    r = store.gi("list")
    assert r.code == 0, r
    positions = [r.out.find(store.ids[k]) for k in ("A", "C", "E", "B")]
    assert -1 not in positions, r
    assert positions == sorted(positions), "human output keeps the list order"
    assert store.ids["D"] not in r.out
    assert "Login crash" in r.out


def test_limit_cuts_and_says_so(store):
    r = store.gi("list", "--limit", "2", "--json")
    assert r.code == 0, r
    assert [store.names[i["id"]] for i in r.json] == ["A", "C"]
    assert r.err.strip(), "a cut list must say so on stderr"
    assert "limit" in r.err.lower()

    r = store.gi("list", "--limit", "0", "--json")
    assert r.code == 0, r
    assert len(r.json) == 4
    assert r.err == ""

    r = store.gi("list", "--limit", "4", "--json")
    assert r.code == 0, r
    assert len(r.json) == 4
    assert r.err == "", "a list that is not cut must not claim it is"


@pytest.mark.parametrize("query, expected", [
    (["label:auth"], ["A"]),
    (["label:auth,db"], ["A", "C"]),
    (["label:ui", "label:auth"], ["A"]),
    (["status:closed"], ["D"]),
    (["is:closed"], ["D"]),
    (["label:auth", "is:closed"], ["D"]),
    (["status:open"], ["A", "C", "B"]),
    (["is:open"], ["A", "C", "E", "B"]),
    (["status:in_progress"], ["E"]),
    (["status:open,closed"], ["A", "C", "D", "B"]),
    (["type:feature"], ["B"]),
    (["type:bug,feature"], ["A", "B"]),
    (["priority:<=1"], ["A", "C"]),
    (["priority:3"], ["B"]),
    (["assignee:bob"], ["E"]),
    (["assignee:me"], ["C"]),
    (["assignee:none"], ["B"]),
    (["author:tester"], ["A", "C", "E", "B"]),
    (["segfault"], ["A"]),
    (["zebra"], ["C"]),
    (['"dark mode"'], ["B"]),
    (["darker", "theme"], ["B"]),
    (["nosuchwordanywhere"], []),
    (["-label:ui"], ["C", "E"]),
    (["-label:ui", "-assignee:bob"], ["C"]),
    (["sort:priority-desc"], ["B", "E", "C", "A"]),
])
def test_query(store, query, expected):
    assert listed(store, *query) == expected


def test_unknown_qualifier_is_usage_error(store):
    r = store.gi("list", "bogus:x", "--json")
    assert r.code == 2, r
    assert r.out == ""
    assert "bogus" in r.err_json["error"]["message"]
    r = store.gi("list", "label:ui", "frobnicate:1")
    assert r.code == 2, r
    assert "frobnicate" in r.err


def test_search_equals_list(store):
    for query in (["label:ui"], ["zebra"], []):
        a = store.gi("search", *query, "--json")
        b = store.gi("list", *query, "--json")
        assert a.code == 0 == b.code, (a, b)
        assert a.json == b.json


@pytest.fixture(scope="module")
def dated(make_sandbox):
    """Issues with known creation times (imported), for sort: and time queries."""
    sb = make_sandbox("list-dated")
    records = [
        {"id": "gi-a00001", "title": "Oldest", "priority": 2,
         "created": "2026-01-01T00:00:00Z", "updated": "2026-01-05T00:00:00Z"},
        {"id": "gi-a00002", "title": "Middle", "priority": 2,
         "created": "2026-02-01T00:00:00Z", "updated": "2026-02-01T00:00:00Z"},
        {"id": "gi-a00003", "title": "Newest", "priority": 2,
         "created": "2026-03-01T00:00:00Z", "updated": "2026-03-01T00:00:00Z"},
    ]
    r = sb.gi("import", "-", input="".join(json.dumps(x) + "\n" for x in records))
    assert r.code == 0, r
    return sb


def _titles(sb, *query: str) -> list[str]:
    r = sb.gi("list", *query, "--json")
    assert r.code == 0, r
    return [i["title"] for i in r.json]


def test_sort_created(dated):
    assert _titles(dated, "sort:created-asc") == ["Oldest", "Middle", "Newest"]
    assert _titles(dated, "sort:created-desc") == ["Newest", "Middle", "Oldest"]
    # default: priority ascending, then created descending
    assert _titles(dated) == ["Newest", "Middle", "Oldest"]


def test_created_range(dated):
    assert _titles(dated, "created:2026-01-15..2026-02-15") == ["Middle"]


def test_default_limit_is_50(sandbox):
    sb = sandbox
    records = "".join(json.dumps({"title": f"Bulk {n}"}) + "\n" for n in range(53))
    r = sb.gi("import", "-", input=records)
    assert r.code == 0, r
    r = sb.gi("list", "--json")
    assert r.code == 0, r
    assert len(r.json) == 50
    assert r.err.strip()
    r = sb.gi("list", "--limit", "0", "--json")
    assert len(r.json) == 53


def test_ready(sandbox):
    sb = sandbox
    far, past = "2099-01-01T00:00:00Z", "2020-01-01T00:00:00Z"
    records = [
        {"id": "gi-b00001", "title": "R1 free", "priority": 1, "labels": ["x"]},
        {"id": "gi-b00002", "title": "R2 waits on R1", "priority": 0,
         "depends_on": ["gi-b00001"]},
        {"id": "gi-b00003", "title": "R3 closed", "status": "closed",
         "closed": "2026-01-01T00:00:00Z"},
        {"id": "gi-b00004", "title": "R4 claimed", "priority": 0,
         "claim": {"agent": "other", "claimed_at": past, "expires_at": far}},
        {"id": "gi-b00005", "title": "R5 claim expired", "priority": 0,
         "claim": {"agent": "other", "claimed_at": past, "expires_at": past}},
        {"id": "gi-b00006", "title": "R6 dep closed", "priority": 2,
         "depends_on": ["gi-b00003"], "labels": ["x"]},
    ]
    r = sb.gi("import", "-", input="".join(json.dumps(x) + "\n" for x in records))
    assert r.code == 0, r
    r = sb.gi("ready", "--json")
    assert r.code == 0, r
    assert [i["title"] for i in r.json] == ["R5 claim expired", "R1 free", "R6 dep closed"]
    r = sb.gi("ready", "label:x", "--json")
    assert r.code == 0, r
    assert [i["title"] for i in r.json] == ["R1 free", "R6 dep closed"]
