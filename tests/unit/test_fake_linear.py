"""The fake Linear is honest: it refuses what Linear refuses (a document that does not fit the
schema, one too complex, a bad key) in Linear's shapes, answers in the shapes of the recorded
real responses, and every document the bridge sends is valid against Linear's schema."""

from __future__ import annotations

import json

import httpx
import pytest
from fakes.linear import FakeLinear, schema
from fakes.schemas import RECORDED, need
from graphql import parse, validate

from gitissues.bridges import linear_queries as q

KEY = "lin_api_unit"


@pytest.fixture(scope="module")
def fake():
    with FakeLinear(key=KEY) as f:
        yield f


def post(fake, query, variables=None, key=KEY):
    return httpx.post(f"{fake.base_url}/graphql", headers={"Authorization": key},
                      json={"query": query, "variables": variables or {}})


def bridge_documents() -> dict[str, str]:
    docs = {k: v for k, v in vars(q).items()
            if k.isupper() and isinstance(v, str) and ("query " in v or "mutation " in v)
            and k != "ISSUE_FIELDS"}
    docs |= {"updates(50)": q.updates(50), "label_creates(3)": q.label_creates(3),
             "relation_changes(2, 2)": q.relation_changes(2, 2)}
    return docs


@pytest.mark.parametrize("name", sorted(bridge_documents()))
def test_every_document_the_bridge_sends_is_valid_against_linears_schema(name):
    errors = validate(schema(), parse(bridge_documents()[name]))
    assert not errors, [e.message for e in errors]


def test_a_document_that_does_not_fit_the_schema_is_refused_as_linear_does(fake):
    r = post(fake, "query Bad { issues(first: 5) { nodes { id titel } } }")
    assert r.status_code == 400
    error = r.json()["errors"][0]
    assert "titel" in error["message"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    r = post(fake, "query Vars($n: Int!) { issues(first: $n) { nodes { id } } }",
             {"n": "five"})
    assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] == \
        "GRAPHQL_VALIDATION_FAILED"


def test_a_query_over_10000_points_is_refused(fake):
    r = post(fake, "query Big { issues(first: 250) { nodes { id comments(first: 100) "
                   "{ nodes { id user { id } } } } } }")
    assert r.status_code == 400 and "too complex" in r.json()["errors"][0]["message"]
    r = post(fake, q.ISSUES, {"filter": None})
    assert r.status_code == 200 and int(r.headers["X-Complexity"]) <= 10_000


def test_a_bad_key_is_401_authentication_error(fake):
    r = post(fake, q.TEAM_BY_KEY, {"key": "ENG"}, key="lin_api_nope")
    assert r.status_code == 401
    assert r.json()["errors"][0]["extensions"]["code"] == "AUTHENTICATION_ERROR"


def test_a_missing_entity_is_200_with_an_input_error(fake):
    r = post(fake, q.ISSUE, {"id": "00000000-0000-4000-8000-000000000000"})
    assert r.status_code == 200 and r.json()["data"] is None
    error = r.json()["errors"][0]
    assert error["message"] == "Entity not found: Issue"
    assert error["extensions"]["code"] == "INPUT_ERROR" and error["path"] == ["issue"]


def test_every_answer_carries_linears_rate_limit_headers(fake):
    r = post(fake, q.TEAM_BY_KEY, {"key": "ENG"})
    assert int(r.headers["X-RateLimit-Requests-Remaining"]) <= \
        int(r.headers["X-RateLimit-Requests-Limit"])
    assert int(r.headers["X-RateLimit-Requests-Reset"]) > 10**12  # epoch milliseconds


def recorded(name: str):
    return json.loads(need(RECORDED / "linear" / "faros-airbyte-linear-source" / name)
                      .read_text())


@pytest.mark.parametrize("name, query, path", [
    ("teams_input.json", "query T { teams { nodes { id name description createdAt updatedAt "
                         "members { nodes { id } } } } }", ("teams",)),
    ("users.json", "query U { users { nodes { id name displayName email createdAt } } }",
     ("users",)),
    ("labels.json", "query L { issueLabels { nodes { id description createdAt name } } }",
     ("issueLabels",)),
    ("cycles.json", "query C($t: String!) { team(id: $t) { cycles { nodes { id name number "
                    "progress startsAt endsAt createdAt } } } }", ("team", "cycles")),
    ("projects.json", "query P($t: String!) { team(id: $t) { projects { nodes { id name "
                      "description createdAt updatedAt } } } }", ("team", "projects")),
])
def test_answers_have_the_shapes_and_values_of_the_recorded_responses(name, query, path):
    want = recorded(name)
    with FakeLinear(key=KEY) as f:
        r = post(f, query, {"t": f.ws.team.id})
        assert r.status_code == 200, r.text
        got = r.json()["data"]
        for step in path:
            got = got[step]
        assert got["nodes"] == want
