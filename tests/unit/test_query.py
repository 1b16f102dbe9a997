"""The query language (SPEC §5) against the store's own index (`gitissues.store.index.Index`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitissues import query
from gitissues.model import Issue
from gitissues.query import QueryError
from gitissues.store.index import Index

NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)

def at(delta: timedelta) -> str:
    return (NOW + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def ago(**kw: float) -> str:
    return at(-timedelta(**kw))


def later(**kw: float) -> str:
    return at(timedelta(**kw))


A1, A2, A3, A4, A5, A6, A7, A8, A9 = (f"gi-aa000{n}" for n in range(1, 10))
A10, A11, A12 = (f"gi-aa00{n}" for n in range(10, 13))
B1, B2, C1 = "gi-bb0001", "gi-bb0002", "ops-cc0001"

ISSUES = [
    dict(id=A1, title="Login crashes on empty password", status="open", type="bug", priority=1,
         labels=["auth", "ui"], assignees=["alice"], milestone="Q1 Release", author="alice",
         created=ago(hours=2), updated=ago(hours=1), body="Stack trace attached.",
         comments=["Reproduced on main."]),
    dict(id=A2, title="Add dark mode", status="open", type="feature", priority=2, labels=["ui"],
         milestone="Q1 Release", author="bob", created=ago(days=3), updated=ago(days=2),
         body="Users want a darker theme."),
    dict(id=A3, title="Refactor auth module", status="in_progress", type="task", priority=2,
         labels=["auth"], assignees=["agent-coder"], author="alice", created=ago(days=10),
         updated=ago(minutes=30), claim=("agent-coder", later(minutes=20)),
         stage="implementation"),
    dict(id=A4, title="Fix flaky test", status="in_progress", type="task", priority=3,
         labels=["ci"], assignees=["agent-old"], author="bob", created=ago(days=20),
         updated=ago(hours=5), claim=("agent-old", ago(minutes=10)), stage="analysis"),
    dict(id=A5, title="Upgrade database", status="blocked", type="chore", priority=1,
         assignees=["bob"], milestone="Q2", author="bob", created=ago(days=40),
         updated=ago(days=40), deps=[A2], body="Needs a downtime window."),
    dict(id=A6, title="Write docs for the API", status="open", type="task", priority=4,
         labels=["docs", "wontfix"], author="carol", created="2026-11-01T10:00:00Z",
         updated="2026-11-05T00:00:00Z", deps=[A7]),
    dict(id=A7, title="Old crash in parser", status="closed", type="bug", priority=0,
         labels=["parser"], author="alice", created="2026-10-01T00:00:00Z",
         updated="2026-11-10T08:00:00Z", closed="2026-11-10T08:00:00Z",
         comments=["Crash fixed by the tokenizer patch."]),
    dict(id=A8, title="Q1 roadmap", status="open", type="epic", priority=1,
         milestone="Q1 Release", author="carol", created="2026-11-20T23:59:59Z",
         updated="2026-11-21T00:00:00Z"),
    dict(id=A9, title="Roadmap subtask", status="open", type="task", priority=2, parent=A8,
         author="dave", created="2026-11-20T00:00:00Z", updated="2026-11-22T00:00:00Z",
         deps=[A10]),
    dict(id=A10, title="Investigate memory leak", status="in_progress", type="bug", priority=0,
         assignees=["bob"], author="bob", created=ago(hours=5), updated=ago(hours=5),
         body="Heap grows without bound."),
    dict(id=A11, title="Remove deprecated flags", status="closed", type="chore", priority=3,
         labels=["cleanup"], assignees=["alice"], author="alice", created=ago(days=30),
         updated=ago(days=3), closed=ago(days=3)),
    dict(id=B1, title="Search is slow", status="open", type="bug", priority=2, labels=["perf"],
         author="dave", created=ago(hours=30), updated=ago(hours=30), deps=["gi-ff9999"],
         body='The query takes "forever" (10s) with NEAR AND OR * syntax.'),
    dict(id=B2, title="Crash when title has a colon: yes", status="open", type="bug",
         priority=1, labels=["Auth"], parent=A8, claim=("agent-x", later(hours=1)),
         author="erin", created=ago(hours=20), updated=ago(hours=20),
         comments=["See https://example.com/issue for details."]),
    dict(id=C1, title="Deploy pipeline", status="open", type="task", priority=3, labels=["ci"],
         assignees=["carol", "agent-coder"], milestone="Q2", author="carol",
         created="2026-11-01T00:00:00Z", updated=ago(hours=48), stage="review"),
    dict(id=A12, title="Typo in readme", status="open", type="chore", priority=4, author="dave",
         created=ago(days=6), updated=ago(days=6), claim=("agent-old", ago(hours=1)),
         body="teh typo"),
]
ALL = {i["id"] for i in ISSUES}
CLOSED = {A7, A11}
OPEN = ALL - CLOSED
READY_ORDER = [A1, A8, B1, A2, A4, C1, A12, A6]


def _issue(n: int, spec: dict) -> Issue:
    agent, expires = spec.get("claim", (None, None))
    return Issue.from_dict({
        "id": spec["id"], "title": spec["title"], "status": spec["status"],
        "type": spec["type"], "priority": spec["priority"], "labels": spec.get("labels", []),
        "assignees": spec.get("assignees", []), "milestone": spec.get("milestone"),
        "parent": spec.get("parent"), "depends_on": spec.get("deps", []),
        "author": spec.get("author"), "created": spec["created"], "updated": spec["updated"],
        "closed": spec.get("closed"),
        "claim": {"agent": agent, "claimed_at": spec["created"], "expires_at": expires}
        if agent else None,
        "agent": {"stage": spec["stage"]} if spec.get("stage") else {},
        "body": spec.get("body", ""),
        "comments": [{"id": f"c-{n:02x}{k:04x}", "author": "x", "created": spec["created"],
                      "body": text} for k, text in enumerate(spec.get("comments", []))]})


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """The store's own index (schema, tokenizer and all), filled through its own `put`."""
    index = Index(tmp_path_factory.mktemp("index") / "index.sqlite")
    with index.writing():
        for n, spec in enumerate(ISSUES, 1):
            index.put(f"issues/{spec['id']}.yaml", _issue(n, spec))
    yield index
    index.close()


def run(db: Index, terms: list[str] | str, me: str | None = None,
        limit: int | None = None) -> list[str]:
    """The ids the query selects, in order; its walk-in-order form (`scan_where`), when it has
    one, must select the very same rows in the same order."""
    compiled = query.compile(query.parse(terms), me=me, now=NOW)
    sql, params = query.select_sql(compiled, limit)
    found = [json.loads(row[0])["id"] for row in db.rows(sql, params)]
    if compiled.scan_where:
        scan_sql, scan_params = query.select_sql(compiled, limit, scan=True)
        assert scan_sql != sql and scan_params == params
        assert [json.loads(row[0])["id"] for row in db.rows(scan_sql, scan_params)] == found
    return found


CASES = [
    # the implicit status rule and is:/status:
    ([], None, OPEN),
    (["is:open"], None, OPEN),
    (["is:closed"], None, CLOSED),
    (["-is:closed"], None, OPEN),
    (["status:open"], None, {A1, A2, A6, A8, A9, B1, B2, C1, A12}),
    (["status:in_progress"], None, {A3, A4, A10}),
    (["is:in_progress"], None, {A3, A4, A10}),
    (["is:in-progress"], None, {A3, A4, A10}),
    (["status:closed,blocked"], None, {A5, A7, A11}),
    (["-status:open"], None, {A3, A4, A5, A7, A10, A11}),
    (["is:blocked"], None, {A5, A9}),
    (["-is:blocked"], None, ALL - {A5, A9}),
    (["is:ready"], None, set(READY_ORDER)),
    (["is:claimed"], None, {A3, B2}),
    (["-is:claimed"], None, OPEN - {A3, B2}),
    (["is:ready,claimed"], None, set(READY_ORDER) | {A3, B2}),
    (["is:closed", "is:ready"], None, set()),
    # type, label, assignee, author
    (["type:bug"], None, {A1, A10, B1, B2}),
    (["type:bug", "is:closed"], None, {A7}),
    (["type:epic,chore"], None, {A5, A8, A12}),
    (["-type:task"], None, {A1, A2, A5, A8, A10, B1, B2, A12}),
    (["label:auth"], None, {A1, A3, B2}),
    (["label:AUTH"], None, {A1, A3, B2}),
    (["label:auth,ui"], None, {A1, A2, A3, B2}),
    (["label:auth", "label:ui"], None, {A1}),
    (["-label:wontfix"], None, OPEN - {A6}),
    (["label:none"], None, {A5, A8, A9, A10, A12}),
    (["-label:none"], None, {A1, A2, A3, A4, A6, B1, B2, C1}),
    (["assignee:bob"], None, {A5, A10}),
    (["-assignee:bob"], None, OPEN - {A5, A10}),
    (["assignee:me"], "alice", {A1}),
    (["assignee:none"], None, {A2, A6, A8, A9, B1, B2, A12}),
    (["-assignee:none"], None, {A1, A3, A4, A5, A10, C1}),
    (["assignee:agent-coder"], None, {A3, C1}),
    (["assignee:none,bob"], None, {A2, A6, A8, A9, B1, B2, A12, A5, A10}),
    (["author:alice"], None, {A1, A3}),
    (["author:ALICE"], None, {A1, A3}),
    (["author:me"], "carol", {A6, A8, C1}),
    (["-author:bob"], None, {A1, A3, A6, A8, A9, B1, B2, C1, A12}),
    # priority
    (["priority:1"], None, {A1, A5, A8, B2}),
    (["priority:<=1"], None, {A10, A1, A5, A8, B2}),
    (["priority:<1"], None, {A10}),
    (["priority:=0"], None, {A10}),
    (["priority:p0"], None, {A10}),
    (["priority:>3"], None, {A6, A12}),
    (["priority:>=3"], None, {A4, C1, A6, A12}),
    (["priority:1..2"], None, {A1, A5, A8, B2, A2, A3, A9, B1}),
    (["priority:3.."], None, {A4, C1, A6, A12}),
    (["priority:..0"], None, {A10}),
    (["priority:0,4"], None, {A10, A6, A12}),
    (["-priority:2..4"], None, {A10, A1, A5, A8, B2}),
    # milestone, parent, claimed-by, stage, id
    (["milestone:Q1 Release"], None, {A1, A2, A8}),
    (['milestone:"Q1 Release"'], None, {A1, A2, A8}),
    ('milestone:"Q1 Release"', None, {A1, A2, A8}),
    ("milestone:'Q1 Release'", None, {A1, A2, A8}),
    (["milestone:q1 release"], None, {A1, A2, A8}),
    (["milestone:Q2"], None, {A5, C1}),
    ('milestone:Q2,"Q1 Release"', None, {A1, A2, A8, A5, C1}),
    (["milestone:none"], None, {A3, A4, A6, A9, A10, B1, B2, A12}),
    (["-milestone:Q2"], None, OPEN - {A5, C1}),
    (["parent:gi-aa0008"], None, {A9, B2}),
    (["parent:aa0008"], None, {A9, B2}),
    (["parent:gi-aa00"], None, {A9, B2}),
    (["parent:none"], None, OPEN - {A9, B2}),
    (["-parent:gi-aa0008"], None, OPEN - {A9, B2}),
    (["claimed-by:agent-coder"], None, {A3}),
    (["claimed-by:agent-old"], None, set()),
    (["claimed-by:none"], None, OPEN - {A3, B2}),
    (["claimed-by:me"], "agent-x", {B2}),
    (["-claimed-by:agent-x"], None, OPEN - {B2}),
    (["stage:implementation"], None, {A3}),
    (["stage:review,analysis"], None, {C1, A4}),
    (["stage:none"], None, OPEN - {A3, A4, C1}),
    (["id:gi-aa001"], None, {A10, A12}),
    (["id:bb"], None, {B1, B2}),
    (["id:ops"], None, {C1}),
    (["id:cc0001"], None, {C1}),
    (["id:GI-BB0001"], None, {B1}),
    (["-id:gi-aa"], None, {B1, B2, C1}),
    # relative times: created:<7d = less than 7 days ago; updated:>24h = more than 24h ago
    (["created:<7d"], None, {A1, A2, A8, A9, A10, B1, B2, A12}),
    (["created:>7d"], None, {A3, A4, A5, A6, C1}),
    (["created:<2w"], None, {A1, A2, A3, A8, A9, A10, B1, B2, A12}),
    (["updated:<24h"], None, {A1, A3, A4, A10, B2}),
    (["updated:>24h"], None, {A2, A5, A6, A8, A9, B1, C1, A12}),
    (["updated:<90m"], None, {A1, A3}),
    (["updated:<=30m"], None, {A3}),
    (["updated:<30m"], None, set()),
    (["updated:<1800s"], None, set()),
    (["closed:<7d"], None, set()),
    (["closed:<7d", "is:closed"], None, {A11}),
    (["closed:>7d", "is:closed"], None, {A7}),
    # absolute dates (whole UTC days) and times
    (["created:>=2026-11-20"], None, {A1, A2, A8, A9, A10, B1, B2}),
    (["created:>2026-11-20"], None, {A1, A2, A10, B1, B2}),
    (["created:2026-11-20"], None, {A8, A9}),
    (["created:=2026-11-20"], None, {A8, A9}),
    (["created:<2026-11-01"], None, {A5}),
    (["created:<=2026-11-01"], None, {A5, A6, C1}),
    (["created:<=2026-10-31"], None, {A5}),
    (["created:2026-11-01..2026-11-20"], None, {A3, A4, A6, A8, A9, C1, A12}),
    (["created:2026-11-21..*"], None, {A1, A2, A10, B1, B2}),
    (["created:..2026-10-31"], None, {A5}),
    (["created:2026-11-01,2026-11-20"], None, {A6, C1, A8, A9}),
    (["created:2026-11-20T23:59:59Z"], None, {A8}),
    (["created:>=2026-11-20T23:59:59Z"], None, {A1, A2, A8, A10, B1, B2}),
    (["created:2026-11-21T00:59:59+01:00"], None, {A8}),
    (["updated:2026-11-05"], None, {A6}),
    (["closed:2026-11-10", "is:closed"], None, {A7}),
    # full text over title, body and comments
    (["crash"], None, {A1, B2}),  # the index stems words: "crash" finds "crashes"
    (["crash*"], None, {A1, B2}),
    (['"empty password"'], None, {A1}),
    (['"password empty"'], None, set()),
    (["empty password"], None, {A1}),
    ("password empty", None, {A1}),
    (["reproduced"], None, {A1}),
    (["heap"], None, {A10}),
    (["tokenizer", "is:closed"], None, {A7}),
    (["-crash*"], None, OPEN - {A1, B2}),
    (['-"empty password"'], None, OPEN - {A1}),
    (["NEAR"], None, {B1}),
    (["AND", "OR"], None, {B1}),
    (['"forever"'], None, {B1}),
    (['"\\"forever\\""'], None, {B1}),
    (["10s"], None, {B1}),
    (["*"], None, OPEN),
    (["https://example.com/issue"], None, {B2}),
    (['"colon:"'], None, {B2}),
    (["12:30"], None, set()),
    (["std::vector"], None, set()),
    (["(syntax", "NEAR(", "AND)"], None, {B1}),
    (["search", "is:open"], None, {B1}),
    (["crash*", "label:auth"], None, {A1, B2}),
    ('label:auth "empty password"', None, {A1}),
    (['label:auth,ui', '-assignee:bob', 'milestone:Q1 Release', '"empty password"'], None,
     {A1}),
]


@pytest.mark.parametrize(("terms", "me", "expected"), CASES,
                         ids=[repr(c[0]) + (f" me={c[1]}" if c[1] else "") for c in CASES])
def test_query_matches_exactly(db, terms, me, expected):
    found = run(db, terms, me=me)
    assert sorted(found) == sorted(expected)


ORDER_CASES = [
    (["is:ready"], READY_ORDER),
    (["is:ready", "sort:priority"], READY_ORDER),
    (["is:ready", "sort:priority-asc"], READY_ORDER),
    (["is:ready", "sort:priority-desc"], [A12, A6, A4, C1, B1, A2, A1, A8]),
    (["priority:1"], [A1, B2, A8, A5]),
    (["label:auth,ui", "sort:created"], [A1, B2, A2, A3]),
    (["label:auth,ui", "sort:created-desc"], [A1, B2, A2, A3]),
    (["label:auth,ui", "sort:created-asc"], [A3, A2, B2, A1]),
    (["milestone:Q1 Release", "sort:updated"], [A1, A2, A8]),
    (["milestone:Q1 Release", "sort:updated-asc"], [A8, A2, A1]),
    (["type:bug", "sort:priority-desc", "sort:created-asc"], [B1, B2, A1, A10]),
    ("type:bug sort:priority-desc,created-asc", [B1, B2, A1, A10]),
]


@pytest.mark.parametrize(("terms", "expected"), ORDER_CASES, ids=[repr(c[0]) for c in ORDER_CASES])
def test_query_orders_exactly(db, terms, expected):
    assert run(db, terms) == expected


def test_default_order_clause():
    compiled = query.compile(query.parse([]), me=None, now=NOW)
    assert compiled.order_by == "i.priority ASC, i.created DESC, i.id ASC"
    assert compiled.where == "i.status != 'closed'"
    assert compiled.params == []
    assert compiled.text is None


def test_limit(db):
    assert run(db, ["is:ready"], limit=2) == READY_ORDER[:2]
    assert run(db, ["is:ready"], limit=None) == READY_ORDER
    sql, params = query.select_sql(query.compile(query.parse("is:ready"), me=None, now=NOW), 3)
    assert sql.startswith("SELECT i.json FROM issues i WHERE ") and sql.endswith(" LIMIT ?")
    assert params[-1] == 3


@pytest.mark.parametrize(("terms", "walks"), [
    (["label:auth"], True), (["-label:auth"], True), (["assignee:alice,bob"], True),
    (["crash"], True), (["-crash"], False), (["label:none"], False), (["priority:1"], False),
    (["label:auth", "sort:updated"], True), (["label:auth", "sort:created"], True),
    (["label:auth", "sort:priority"], True), (["label:auth", "sort:updated-asc"], False),
    (["crash", "sort:priority-desc"], False), (["is:ready", "crash"], True)])
def test_membership_terms_have_a_walk_in_order_form(db, terms, walks):
    """Labels, assignees and full text can be tested issue by issue, walking an order an index
    keeps (fast for a common value under a limit); other terms and other orders have no such
    form."""
    compiled = query.compile(query.parse(terms), me=None, now=NOW)
    assert (compiled.scan_where is not None) == walks
    if walks:
        assert compiled.scan_where.count("EXISTS") > compiled.where.count("EXISTS")
    for limit in (None, 1, 3):
        run(db, terms, limit=limit)


def test_text_is_one_match_expression():
    compiled = query.compile(query.parse(['"empty password"', "crash*", 'say "hi"']),
                             me=None, now=NOW)
    assert compiled.text == '"empty password" "crash"* "say ""hi"""'
    assert "i.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)" in compiled.where
    assert compiled.params[-1] == compiled.text


def test_user_values_are_parameters_never_sql():
    evil = "x' OR 1=1 --"
    terms = [f"label:{evil}", f"assignee:{evil}", f"milestone:{evil}", f"id:{evil}",
             f"parent:{evil}", f"stage:{evil}", f"author:{evil}", f"claimed-by:{evil}", evil]
    compiled = query.compile(query.parse(terms), me=None, now=NOW)
    assert "1=1" not in compiled.where and "'x" not in compiled.where
    assert compiled.params.count(evil) >= 6


def test_query_properties():
    assert not query.parse("label:x is:ready is:claimed").names_status
    assert query.parse("is:open").names_status
    assert query.parse("-is:closed").names_status
    assert query.parse("is:ready,blocked").names_status
    assert query.parse("status:open").names_status
    assert query.parse("assignee:bob,ME").uses_me
    assert query.parse("claimed-by:me").uses_me
    assert not query.parse("label:me milestone:me").uses_me
    assert query.parse("crash").has_text and not query.parse("is:open").has_text
    assert query.parse("label:x").sort == []
    q = query.parse("sort:updated sort:priority-desc sort:updated-asc")
    assert q.sort == [("updated", "desc"), ("priority", "desc")]


def test_string_and_list_forms_agree():
    as_string = query.parse('label:auth,ui -assignee:bob milestone:"Q1 Release" "empty pw" x')
    as_list = query.parse(["label:auth,ui", "-assignee:bob", "milestone:Q1 Release",
                           '"empty pw"', "x"])
    assert [(t.name, t.values, t.negated) for t in as_string.terms] == \
        [(t.name, t.values, t.negated) for t in as_list.terms]
    assert [t.name for t in as_list.terms] == ["label", "assignee", "milestone", None, None]


@pytest.mark.parametrize(("terms", "term", "position", "message"), [
    (["is:open", "foo:bar"], "foo:bar", 1, 'unknown qualifier "foo:" in term 2 ("foo:bar")'),
    ("crash -Foo:x", "-Foo:x", 1, 'unknown qualifier "Foo:" in term 2 ("-Foo:x")'),
    (["colon:"], "colon:", 0, 'unknown qualifier "colon:" in term 1 ("colon:")'),
    ("a b c mailto:x@y.z", "mailto:x@y.z", 3, 'unknown qualifier "mailto:" in term 4'),
])
def test_unknown_qualifier_names_term_and_position(terms, term, position, message):
    with pytest.raises(QueryError) as info:
        query.parse(terms)
    assert info.value.term == term
    assert info.value.position == position
    assert str(info.value).startswith(message)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("term", [
    "priority:x", "priority:5", "priority:..", "priority:<=", "priority:1..x", "priority:-1",
    "created:>7q", "created:7d", "updated:=24h", "created:2026-13-01", "created:..",
    "created:2026-11-01T25:00:00Z", "closed:yesterday", "created:>2026-11-01..2026-11-20",
    "created:<99999999999999999999d", "created:0001-01-01T00:30:00+01:00", "sort:bogus",
    "sort:priority-up", "-sort:created",
    "is:bogus", "status:ready", "type:story", "label:", "label:,", 'milestone:""',
])
def test_malformed_values_are_query_errors(term):
    with pytest.raises(QueryError) as info:
        query.parse(["is:open", term])
    assert info.value.term == term
    assert info.value.position == 1
    assert f'in term 2 ("{term}")' in str(info.value)


@pytest.mark.parametrize("term", ["assignee:me", "author:me", "claimed-by:me", "assignee:x,me"])
def test_me_without_identity_is_query_error(term):
    parsed = query.parse(["crash", term])
    with pytest.raises(QueryError) as info:
        query.compile(parsed, me=None, now=NOW)
    assert info.value.position == 1 and info.value.term == term
    assert query.compile(parsed, me="someone", now=NOW).params.count("someone") == 1


def test_a_claim_expiring_now_is_free(db):
    at_expiry = datetime(2026, 11, 24, 12, 20, 0, tzinfo=UTC)  # when A3's claim ends
    sql, params = query.select_sql(
        query.compile(query.parse("is:claimed"), me=None, now=at_expiry), None)
    assert [json.loads(r[0])["id"] for r in db.rows(sql, params)] == [B2]
    sql, params = query.select_sql(
        query.compile(query.parse("is:ready is:in_progress"), me=None, now=at_expiry), None)
    assert [json.loads(r[0])["id"] for r in db.rows(sql, params)] == [A3, A4]


def test_huge_ages_and_edge_dates_do_not_overflow(db):
    assert run(db, ["created:<999999999999999w"]) == run(db, [])
    assert run(db, ["created:>999999999999999w"]) == []
    assert run(db, ["created:>=9999-12-31"]) == []
    assert sorted(run(db, ["created:<=9999-12-31"])) == sorted(OPEN)
    assert run(db, ["created:<0001-01-01"]) == []


_QUALIFIER_PREFIXES = [f"{n}:" for n in (
    "is", "status", "type", "label", "assignee", "author", "priority", "milestone", "created",
    "updated", "closed", "parent", "claimed-by", "stage", "sort", "id")] + ["-", '"', "'", ""]
_WORDS = st.one_of(
    st.text(),
    st.tuples(st.sampled_from(_QUALIFIER_PREFIXES), st.text()).map("".join),
    st.tuples(st.sampled_from(_QUALIFIER_PREFIXES),
              st.text(alphabet="0123456789<>=.,:-*TZ+ smhdw\"'")).map("".join),
)


def _only_query_errors(db, terms, me):
    try:
        compiled = query.compile(query.parse(terms), me=me, now=NOW)
    except QueryError:
        return
    sql, params = query.select_sql(compiled, 5)
    rows = db.rows(sql, params)
    if compiled.scan_where:
        assert db.rows(*query.select_sql(compiled, 5, scan=True)) == rows


FUZZ = settings(max_examples=400, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(text=st.text(), me=st.sampled_from([None, "me"]))
def test_any_string_only_raises_query_error(db, text, me):
    _only_query_errors(db, text, me)


@FUZZ
@given(terms=st.lists(_WORDS, max_size=6), me=st.sampled_from([None, "me"]))
def test_any_terms_only_raise_query_error(db, terms, me):
    _only_query_errors(db, terms, me)
    _only_query_errors(db, " ".join(terms), me)
