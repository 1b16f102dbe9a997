"""The fake Jira answers in Jira's shapes: Cloud's against the Jira Cloud platform OpenAPI
description (every kind of answer the bridge reads, validated with jsonschema), Data Center's
against the real v2 recordings in ../shared/recorded/jira (same keys, same JSON types)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fakes.jira import FakeJira
from fakes.schemas import RECORDED, jira_schema, need
from fakes.schemas import check as check_schema


def _rfc3339(value: Any) -> Any:
    """Jira writes times as `2022-10-25T20:21:33.277+0100` (see the recordings), which its
    description calls date-time; the offset gets its colon before the format is checked."""
    if isinstance(value, dict):
        return {k: _rfc3339(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rfc3339(v) for v in value]
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+[+-]\d{4}", value):
        return value[:-2] + ":" + value[-2:]
    return value


def check(instance: Any, schema: dict[str, Any]) -> None:
    check_schema(_rfc3339(instance), schema)


def seeded(fake: FakeJira) -> FakeJira:
    fake.state.add_user("mia", "Mia Krystof")
    fake.add_issue("first", "body", issuetype="Bug", priority="High", labels=["crash"],
                   fix_versions=["v1"], assignee="mia")
    fake.add_issue("second", status="Done")
    fake.state.add_link("ACME-2", "ACME-1")
    fake.add_comment("ACME-1", "a comment", author="mia")
    return fake


@pytest.fixture
def cloud() -> Iterator[tuple[FakeJira, httpx.Client]]:
    with (seeded(FakeJira(flavor="cloud")) as fake,
          httpx.Client(base_url=f"{fake.base_url}/rest/api/3", headers=fake.auth) as c):
        yield fake, c


@pytest.fixture
def dc() -> Iterator[tuple[FakeJira, httpx.Client]]:
    with (seeded(FakeJira(flavor="datacenter")) as fake,
          httpx.Client(base_url=f"{fake.base_url}/rest/api/2", headers=fake.auth) as c):
        yield fake, c


def ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json() if r.content else None


FIELDS = "summary,description,status,priority,issuetype,labels,assignee,fixVersions," \
         "issuelinks,comment,updated,project"


def test_cloud_answers_fit_the_openapi_schemas(cloud: tuple[FakeJira, httpx.Client]) -> None:
    fake, c = cloud
    page = ok(c.get("/search/jql", params={"jql": 'project = "ACME" ORDER BY updated ASC',
                                           "fields": FIELDS, "properties": "gi",
                                           "maxResults": 1}))
    check(page, jira_schema("SearchAndReconcileResults"))
    assert page["nextPageToken"] and not page["isLast"]
    last = ok(c.get("/search/jql", params={"jql": 'project = "ACME"', "fields": FIELDS,
                                           "nextPageToken": page["nextPageToken"]}))
    assert last["isLast"] and "nextPageToken" not in last
    issue = ok(c.get("/issue/ACME-1"))
    made = ok(c.post("/issue", json={"fields": {"project": {"key": "ACME"}, "summary": "new",
                                                "issuetype": {"name": "Task"}}}), 201)
    check(made, jira_schema("CreatedIssue"))
    for bean in [*page["issues"], *last["issues"], issue]:
        check(bean, jira_schema("IssueBean"))
        f = bean["fields"]
        check(f["status"], jira_schema("StatusDetails"))
        check(f["priority"], jira_schema("Priority"))
        check(f["issuetype"], jira_schema("IssueTypeDetails"))
        check(f["project"], jira_schema("ProjectDetails"))
        check(f["comment"], jira_schema("PageOfComments"))
        for v in f["fixVersions"]:
            check(v, jira_schema("Version"))
        for link in f["issuelinks"]:
            check(link, jira_schema("IssueLink", required=False))
        if f["assignee"]:
            check(f["assignee"], jira_schema("UserDetails"))
    assert issue["fields"]["description"]["type"] == "doc"
    assert issue["fields"]["issuelinks"][0]["inwardIssue"]["key"] == "ACME-2"
    answers = {
        "Transitions": [ok(c.get("/issue/ACME-1/transitions"))],
        "PageOfComments": [ok(c.get("/issue/ACME-1/comment", params={"maxResults": 1}))],
        "Comment": [ok(c.post("/issue/ACME-1/comment", json={"body": fake.text("hi")}), 201)],
        "Project": [ok(c.get("/project/ACME"))],
        "User": [ok(c.get("/myself")), *ok(c.get("/user/assignable/search", params={
            "project": "ACME", "accountId": fake.state.users["mia"].account_id}))],
        "Version": [*ok(c.get("/project/ACME/versions")), ok(c.post("/version", json={
            "name": "v2", "projectId": fake.state.project_id}), 201)],
        "Priority": ok(c.get("/priority")),
    }
    for name, values in answers.items():
        assert values, name
        for value in values:
            check(value, jira_schema(name))


def test_cloud_errors_fit_the_error_collection(cloud: tuple[FakeJira, httpx.Client]) -> None:
    fake, c = cloud
    answers = [
        httpx.get(f"{fake.base_url}/rest/api/3/myself"),
        c.get("/issue/ACME-99"),
        c.post("/issue", json={"fields": {"project": {"key": "ACME"}, "summary": "",
                                          "issuetype": {"name": "Task"}}}),
        c.put("/issue/ACME-1", json={"fields": {"description": "a string, not ADF"}}),
        c.post("/issue/ACME-1/transitions", json={"transition": {"id": "21"}}),
        c.get("/search/jql", params={"jql": "assignee = currentUser()"}),
    ]
    assert [r.status_code for r in answers] == [401, 404, 400, 400, 400, 400]
    for r in answers:
        check(r.json(), jira_schema("ErrorCollection"))
    assert "summary" in answers[2].json()["errors"]


def _same_shape(ours: Any, real: Any, where: str = "") -> None:
    """Every key both have holds the same JSON type (objects compared inside)."""
    if isinstance(real, dict) and isinstance(ours, dict):
        for k in real.keys() & ours.keys():
            _same_shape(ours[k], real[k], f"{where}.{k}")
        return
    if real is None or ours is None:
        return
    assert type(ours) is type(real) or {type(ours), type(real)} <= {int, float}, \
        f"{where}: {type(ours).__name__} here, {type(real).__name__} in the recording"


def _recorded(name: str) -> Any:
    return json.loads(need(RECORDED / "jira" / name).read_text())


def test_data_center_answers_have_the_recorded_shapes(dc: tuple[FakeJira, httpx.Client]) -> None:
    fake, c = dc
    page = ok(c.get("/search", params={"jql": 'project = "ACME"', "startAt": 0,
                                       "maxResults": 1}))
    assert (page["startAt"], page["maxResults"], page["total"]) == (0, 1, 2)
    issue = ok(c.get("/issue/ACME-1"))
    real = _recorded("atlassian-python-api-responses/issue_FOO-123_GET.json")
    _same_shape(issue, real)
    for key in ("status", "priority", "issuetype", "comment", "project", "reporter"):
        assert set(real["fields"][key]) - set(issue["fields"][key]) <= {
            "accountId", "accountType", "avatarId", "hierarchyLevel", "projectCategory",
            "emailAddress"}, key
    assert isinstance(issue["fields"]["description"], str)
    assert issue["fields"]["reporter"]["name"] == "bridge"
    _same_shape(ok(c.get("/issue/ACME-1/comment")),
                _recorded("atlassian-python-api-responses/issue_FOO-123_comment_list_GET.json"))
    transitions = ok(c.get("/issue/ACME-1/transitions"))
    real_t = _recorded("go-jira-mock-data/transitions.json")
    _same_shape(transitions, real_t)
    assert set(real_t["transitions"][0]) - set(transitions["transitions"][0]) == {"fields"}
    _same_shape(ok(c.get("/priority")), _recorded("go-jira-mock-data/all_priorities.json"))
    _same_shape(ok(c.get("/project/ACME")), _recorded("go-jira-mock-data/project.json"))
    missing = c.get("/project/NOPE")
    assert missing.status_code == 404
    assert set(missing.json()) == set(_recorded("go-jira-mock-data/no_role.json"))


def test_each_flavour_refuses_the_others_api_and_credentials() -> None:
    with FakeJira(flavor="cloud") as cloud, FakeJira(flavor="datacenter") as dc:
        assert httpx.get(f"{cloud.base_url}/rest/api/2/search", headers=cloud.auth
                         ).status_code == 404
        assert httpx.get(f"{cloud.base_url}/rest/api/3/search", headers=cloud.auth
                         ).status_code == 410
        assert httpx.get(f"{dc.base_url}/rest/api/3/search/jql", headers=dc.auth
                         ).status_code == 404
        assert httpx.get(f"{cloud.base_url}/rest/api/3/myself", headers=dc.auth
                         ).status_code == 401
        assert httpx.get(f"{dc.base_url}/rest/api/2/myself", headers=cloud.auth
                         ).status_code == 401


def test_jql_finds_by_key_and_orders_by_update(dc: tuple[FakeJira, httpx.Client]) -> None:
    fake, c = dc
    fake.state.touch(fake.issues["ACME-1"])
    found = ok(c.get("/search", params={"jql": 'project = ACME AND key in (ACME-1, ACME-2) '
                                               "ORDER BY updated ASC"}))
    assert [i["key"] for i in found["issues"]] == ["ACME-2", "ACME-1"]
    one = ok(c.get("/search", params={"jql": "key = ACME-2"}))
    assert [i["key"] for i in one["issues"]] == ["ACME-2"]
    early = ok(c.get("/search", params={"jql": 'project = ACME AND updated >= "2024-03-01 04:00"'
                                                " ORDER BY key DESC"}))
    assert [i["key"] for i in early["issues"]] == ["ACME-2", "ACME-1"]
    late = ok(c.get("/search", params={"jql": 'project = ACME AND updated >= "2024-03-01 05:00"'}))
    assert late["issues"] == []  # 10:00Z: after every change (New York is 5 h behind)


def test_the_workflow_refuses_a_move_it_does_not_have(dc: tuple[FakeJira, httpx.Client]
                                                      ) -> None:
    fake, c = dc
    names = [t["name"] for t in ok(c.get("/issue/ACME-1/transitions"))["transitions"]]
    assert names == ["Start progress", "Done"]  # To Do: no Block
    r = c.post("/issue/ACME-1/transitions", json={"transition": {"id": "21"}})
    assert r.status_code == 400 and "not valid" in r.json()["errorMessages"][0]
    ok(c.post("/issue/ACME-1/transitions", json={"transition": {"id": "11"}}), 204)
    assert fake.issues["ACME-1"].status == "In Progress"
