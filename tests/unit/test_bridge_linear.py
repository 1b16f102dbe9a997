"""The Linear bridge's parts: the ids it chooses (its markers), states and priority, reading
Linear's rate-limit answers, and the calls a webhook uses (`get`, the HookAdmin methods),
against the fake Linear over real HTTP."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fakes.linear import RATELIMITED, FakeLinear
from hypothesis import given
from hypothesis import strategies as st

from gitissues.bridges import linear_fields as lf
from gitissues.bridges import linear_ids, ratelimit
from gitissues.bridges.http import Http
from gitissues.bridges.linear import Linear
from gitissues.errors import NotFound

TEAM = "6578cf0f-58b5-424f-87ae-a1d5ab7746e3"
KEY = "lin_api_unitKey"

prefixes = st.from_regex(r"[a-z][a-z0-9]{0,3}(-[a-z0-9]{1,2})?", fullmatch=True)
hexes = st.from_regex(r"[0-9a-f]{6,12}", fullmatch=True)


@given(prefixes, hexes)
def test_an_issue_id_comes_back_from_the_uuid_gi_gives_it(prefix, digits):
    made = linear_ids.issue_uuid(TEAM, f"{prefix}-{digits}")
    parsed = uuid.UUID(made)
    assert parsed.version == 4 and str(parsed) == made  # what Linear takes as an id
    assert linear_ids.marked(TEAM, made) == f"{prefix}-{digits}"
    assert linear_ids.marked("another-team", made) is None
    assert linear_ids.marked(TEAM, made, linear_ids.COMMENT) is None


@given(hexes, hexes)
def test_a_comment_id_comes_back_and_differs_by_issue(digits, other):
    a = linear_ids.comment_uuid(TEAM, "issue-a", f"c-{digits}")
    b = linear_ids.comment_uuid(TEAM, "issue-b", f"c-{digits}")
    assert a != b and uuid.UUID(a).version == 4
    assert linear_ids.marked(TEAM, a, linear_ids.COMMENT) == f"c-{digits}"
    assert linear_ids.marked(TEAM, a) is None


def test_ids_too_long_to_hold_are_hashed_and_name_nothing():
    made = linear_ids.issue_uuid(TEAM, "averyverylongprefix-abcdef")
    assert made == linear_ids.issue_uuid(TEAM, "averyverylongprefix-abcdef")
    assert uuid.UUID(made).version == 4 and linear_ids.marked(TEAM, made) is None
    assert linear_ids.marked(TEAM, str(uuid.uuid4())) is None
    assert linear_ids.marked(TEAM, "not a uuid") is None


STATES = [{"id": "b", "name": "Backlog", "type": "backlog", "position": 0},
          {"id": "t", "name": "Todo", "type": "unstarted", "position": 1},
          {"id": "r", "name": "In Review", "type": "started", "position": 3},
          {"id": "p", "name": "In Progress", "type": "started", "position": 2},
          {"id": "d", "name": "Done", "type": "completed", "position": 4},
          {"id": "c", "name": "Canceled", "type": "canceled", "position": 5}]


@pytest.mark.parametrize("status, states, want", [
    ("open", STATES, ("t", False)),
    ("in_progress", STATES, ("p", False)),  # the first started state by position
    ("closed", STATES, ("d", False)),
    ("blocked", STATES, ("t", True)),  # no Blocked state: open, and the label
    ("blocked", [*STATES, {"id": "x", "name": "Blocked", "type": "started", "position": 2.5}],
     ("x", False)),
    ("in_progress", [*STATES, {"id": "x", "name": "blocked", "type": "started", "position": 1.5}],
     ("p", False)),
    ("open", [s for s in STATES if s["type"] != "unstarted"], ("b", False)),
])
def test_a_status_goes_to_the_first_state_of_its_type(status, states, want):
    assert lf.state_for(status, states) == want


@pytest.mark.parametrize("state, labels, want", [
    ({"type": "backlog"}, [], "open"), ({"type": "unstarted"}, [], "open"),
    ({"type": "triage"}, [], "open"), ({"type": "started"}, [], "in_progress"),
    ({"type": "completed"}, [], "closed"), ({"type": "canceled"}, [], "closed"),
    ({"type": "started", "name": "Blocked"}, [], "blocked"),
    ({"type": "unstarted"}, ["status:blocked"], "blocked"),
    ({"type": "completed"}, ["status:blocked"], "closed"),
])
def test_a_state_reads_as_a_status(state, labels, want):
    assert lf.status_of(state, labels) == want


def test_priority_is_a_lossless_order_keeping_match():
    assert [lf.TO_LINEAR[p] for p in range(5)] == [1, 2, 3, 4, 0]
    assert all(lf.FROM_LINEAR[lf.TO_LINEAR[p]] == p for p in range(5))


def test_linears_rate_limit_answers_are_read():
    request = httpx.Request("POST", "https://api.linear.app/graphql")
    limited = httpx.Response(400, json=RATELIMITED, request=request,
                             headers={"X-RateLimit-Requests-Reset": "1709287200500"})
    assert ratelimit.is_rate_limited(limited)
    assert ratelimit.limit_wait(limited, 1709287200.0) == pytest.approx(0.5)
    other = httpx.Response(400, json={"errors": [{"message": "bad", "extensions": {
        "code": "GRAPHQL_VALIDATION_FAILED"}}]}, request=request)
    assert not ratelimit.is_rate_limited(other)
    assert ratelimit.remaining(httpx.Headers({"X-RateLimit-Requests-Remaining": "0"})) == 0


@pytest.fixture
def linear():
    with FakeLinear(key=KEY) as fake:
        client = httpx.Client(base_url=fake.base_url, headers={"Authorization": KEY})
        yield fake, Linear(Http(client, bridge="work", token_env="LINEAR_API_KEY",
                                say=lambda m: None), "eng")
        client.close()


def test_get_pulls_one_issue_with_its_comments(linear):
    fake, platform = linear
    issue = fake.ws.add_issue("Hooked", "body", labels=["Bug"])
    fake.ws.add_comment(issue, "a word", user="mona")
    got = platform.get(issue.id)
    assert got is not None and got.key == issue.id and got.remote_id == "ENG-1"
    assert got.fields["title"] == "Hooked" and got.fields["labels"] == ["Bug"]
    assert [(c.author, c.body) for c in got.comments] == [("mona", "a word")]
    assert platform.get(str(uuid.uuid4())) is None
    elsewhere = fake.ws.add_issue("Other team", team=fake.ws.add_team("OPS", "Operations"))
    assert platform.get(elsewhere.id) is None


def test_hooks_are_listed_added_and_removed_for_the_team(linear):
    fake, platform = linear
    assert platform.list_hooks() == []
    made = platform.add_hook("https://hooks.example.com/hooks/linear", "s3cret")
    assert made["url"] == "https://hooks.example.com/hooks/linear" and made["active"]
    assert made["events"] == ["Issue", "Comment"]
    stored = fake.ws.webhooks[made["id"]]
    assert (stored.secret, stored.team) == ("s3cret", fake.ws.team.id)
    assert platform.list_hooks() == [made]
    platform.remove_hook(made["id"])
    assert platform.list_hooks() == []
    with pytest.raises(NotFound):
        platform.remove_hook(made["id"])


@pytest.mark.parametrize("status", [401, 400, 200])
def test_a_refused_key_is_an_auth_error_whatever_the_status(linear, status):
    from fakes.linear import UNAUTHENTICATED

    from gitissues.errors import AuthError

    fake, platform = linear
    fake.fail(status, body=UNAUTHENTICATED)
    with pytest.raises(AuthError, match="LINEAR_API_KEY"):
        platform.team()


def test_long_nested_lists_are_read_to_the_end(linear):
    fake, platform = linear
    issue = fake.ws.add_issue("Busy", labels=[f"l{n}" for n in range(25)])
    for n in range(45):
        fake.ws.add_comment(issue, f"comment {n}")
    blockers = [fake.ws.add_issue(f"Blocker {n}") for n in range(23)]
    for b in blockers:
        fake.ws.block(b, issue)
    got = {r.key: r for r in platform.changed(None)}[issue.id]
    assert len(got.fields["labels"]) == 25
    assert [c.body for c in got.comments] == [f"comment {n}" for n in range(45)]
    assert set(platform.blockers_seen[issue.id]) == {b.id for b in blockers}
    assert fake.count(path="^GiComments$") == 1 and fake.count(path="^GiLabelsOf$") == 1


def test_a_team_whose_remembered_id_is_gone_is_found_by_its_key_again(linear):
    fake, platform = linear
    fake.ws.add_issue("Here")
    assert [r.fields["title"] for r in platform.changed(None)] == ["Here"]
    team = fake.ws.team
    fake.ws.teams[str(uuid.uuid4())] = fake.ws.teams.pop(team.id)  # a remembered id now stale
    again = Linear(platform.http, "ENG")
    assert again.team()["key"] == "ENG"
    assert fake.ops[-2:] == [("GiTeamById", 200), ("GiTeam", 200)]
