"""Jira's payloads in gi's terms (SPEC §8): the real recordings in ../shared/recorded/jira read
as remote issues and comments, the status / priority / type tables and their settings, the
JQL time in the user's zone, picking a transition, one issue fetched alone (`get`, for
webhooks) and the admin webhooks (`HookAdmin`)."""

from __future__ import annotations

import json
import random

import httpx
import pytest
from fakes.jira import FakeJira
from fakes.schemas import RECORDED, need

from gitissues.bridges import jira_write, ratelimit
from gitissues.bridges.http import Http
from gitissues.bridges.jira_fields import Tables
from gitissues.bridges.jira_site import JiraSite
from gitissues.bridges.registry import open_platform
from gitissues.bridges.users import UserMapped
from gitissues.errors import AuthError, NotFound, UsageError


def site(cloud: bool = True, base: str = "https://sample.atlassian.net", **settings):
    http = Http(httpx.Client(base_url=base), bridge="work")
    return JiraSite(http, "FOO", {"deployment": "cloud" if cloud else "datacenter",
                                  **settings})


def recorded(name: str):
    return json.loads(need(RECORDED / "jira" / name).read_text())


def test_a_recorded_issue_in_gi_terms():
    item = recorded("atlassian-python-api-responses/issue_FOO-123_GET.json")
    remote = site().remote_of(item)
    assert (remote.key, remote.url, remote.updated, remote.remote_id) == (
        "FOO-123", "https://sample.atlassian.net/browse/FOO-123", "2022-07-11T10:25:48Z",
        "138135")
    assert remote.fields == {"title": "Sample", "body": "Some Issue Description",
                             "status": "open", "labels": ["sample"], "assignees": [],
                             "milestone": None, "priority": 2, "type": "epic",
                             "depends_on": []}
    assert remote.marked is None and remote.comments == []


def test_recorded_comments_in_gi_terms():
    page = recorded("atlassian-python-api-responses/issue_FOO-123_comment_list_GET.json")
    comments = site(users={"martyn": "557058:dc675182-d776-46f5-90fb-fe5637b71397"}
                    ).comments("FOO-123", page)
    assert [(c.key, c.author, c.created) for c in comments][0] == (
        "10000", "martyn", "2022-10-25T19:21:33Z")
    assert comments[0].body == "Some Text comment" and comments[0].local_id is None


def test_the_recorded_transitions_are_picked_by_where_they_lead():
    offered = recorded("go-jira-mock-data/transitions.json")["transitions"]
    j = site()
    assert jira_write.pick(j, offered, "closed")["name"] == "QA Review"
    assert jira_write.pick(j, offered, "in_progress")["name"] == "Close Issue"
    assert jira_write.pick(j, offered, "blocked") is None
    named = site(transitions={"closed": "close issue"})
    assert jira_write.pick(named, offered, "closed")["id"] == "2"  # the name the bridge gave


def test_a_recorded_data_center_project_gives_its_issue_types():
    project = recorded("go-jira-mock-data/project.json")
    names = [t["name"] for t in project["issueTypes"] if not t.get("subtask")]
    tables = Tables()
    assert tables.type_name("bug", names) == "Bug"
    assert tables.type_name("feature", names) in names
    assert tables.type_name("chore", names) == "Task"


def test_status_priority_and_type_tables_and_their_settings():
    t = Tables()
    assert [t.status_of({"name": n, "statusCategory": {"key": k}}) for n, k in [
        ("To Do", "new"), ("In Review", "indeterminate"), ("Blocked", "indeterminate"),
        ("Won't Do", "done")]] == ["open", "in_progress", "blocked", "closed"]
    assert [t.priority_of({"name": n}) for n in ["Highest", "High", "Medium", "Low",
                                                 "Lowest", "Blocker", "Trivial", "?"]] == [
        0, 1, 2, 3, 4, 0, 4, 2]
    assert t.priority_name(0, ["Blocker", "Critical", "Major"]) == "Blocker"
    assert t.priority_name(4, ["Blocker", "Critical", "Major"]) is None
    assert [t.type_of({"name": n}) for n in ["Bug", "Story", "Task", "Epic", "Sub-task",
                                              "Spike"]] == [
        "bug", "feature", "task", "epic", "task", "task"]
    mine = Tables({"statuses": {"In Review": "blocked"}, "priorities": {"P1": 0},
                   "types": {"Spike": "chore"}, "transitions": {"closed": ["Ship it"]}})
    assert mine.status_of({"name": "in review", "statusCategory": {"key": "indeterminate"}}
                          ) == "blocked"
    assert mine.priority_of({"name": "P1"}) == 0 and mine.type_of({"name": "Spike"}) == "chore"
    assert mine.type_name("chore", ["Task", "Spike"]) == "Spike"
    assert mine.transitions == {"closed": ["Ship it"]}
    for bad in ({"statuses": {"X": "done"}}, {"priorities": {"P1": 7}},
                {"types": {"Spike": "story"}}, {"transitions": {"done": "Ship"}},
                {"statuses": ["X"]}):
        with pytest.raises(UsageError):
            Tables(bad)


def test_the_cursor_is_the_users_wall_clock_an_hour_earlier_near_a_clock_change():
    j = site()
    j.http.etags.put(f"{j.site}{j.api}/myself#gi", "1", {"timeZone": "America/New_York"})
    assert j.jql_time("2024-03-01T09:00:59Z") == "2024-03-01 04:00"
    assert j.jql_time("2024-03-10T07:30:00Z") == "2024-03-10 01:30"  # clocks go forward at 2
    j.http.etags.put(f"{j.site}{j.api}/myself#gi", "1", {"timeZone": "Nowhere/Special"})
    assert j.jql_time("2024-03-01T09:00:00Z") == "2024-02-29 19:00"  # any zone: 14 h early
    assert j.jql("2024-03-01T09:00:00Z").startswith('project = "FOO" AND updated >= "')


def test_comment_markers_come_off_in_both_forms():
    cloud, dc = site(), site(cloud=False)
    body = cloud.marked(cloud.rich("hello"), "c-5e6f70")
    assert body["content"][-1]["content"][0]["marks"][0]["attrs"]["color"] == "#97a0af"
    assert cloud.unmark(body) == (cloud.rich("hello"), "c-5e6f70")
    assert dc.unmark(dc.marked(dc.rich("hello"), "c-5e6f70")) == ("hello", "c-5e6f70")
    assert dc.unmark("gi:c-1 in prose stays") == ("gi:c-1 in prose stays", None)


def test_a_project_is_its_key_and_cloud_needs_an_email():
    with pytest.raises(UsageError):
        JiraSite(Http(httpx.Client(base_url="https://x"), bridge="w"), "acme/widgets")
    with pytest.raises(AuthError, match="JIRA_EMAIL"):
        JiraSite.auth("t", {"deployment": "cloud", "email": None})
    assert JiraSite.auth("t", {"deployment": "datacenter"})["Authorization"] == "Bearer t"
    assert JiraSite.auth("t", {"deployment": "cloud", "email": "a@b.c"})["Authorization"] \
        == "Basic YUBiLmM6dA=="


def test_jiras_iso_reset_time_is_read():
    headers = httpx.Headers({"X-RateLimit-Reset": "2024-06-05T14:30Z"})
    assert ratelimit.reset_at(headers) == 1717597800.0
    waits: list[float] = []
    replies = iter([httpx.Response(429, headers=headers), httpx.Response(200, json={})])
    client = httpx.Client(base_url="https://x", transport=httpx.MockTransport(
        lambda request: next(replies)))
    http = Http(client, bridge="w", sleep=waits.append, say=lambda m: None,
                clock=lambda: 1717597800.0 - 20, rng=random.Random(1))
    http.request("GET", "/rest/api/3/search/jql")
    assert waits == [20.0]


@pytest.fixture(params=["cloud", "datacenter"])
def opened(request):
    with FakeJira(token="t", flavor=request.param) as fake:
        target = {"platform": "jira", "base_url": fake.base_url, "project": "ACME",
                  "token": "t", "email": fake.email, "deployment": request.param}
        yield fake, open_platform("work", target, settings={"users": {"mia": "x"}})


def test_get_fetches_one_issue_for_a_webhook(opened):
    fake, jira = opened
    fake.add_issue("Alone", "the body", labels=["x"])
    remote = jira.get("ACME-1")
    assert (remote.key, remote.fields["title"], remote.fields["body"]) == (
        "ACME-1", "Alone", "the body")
    assert jira.get("ACME-404") is None
    assert UserMapped(jira, {"mia": "x"}).get("ACME-1").key == "ACME-1"
    assert fake.count("GET", r"/issue/ACME-1$") == 2


def test_admin_webhooks_are_listed_added_and_removed(opened):
    fake, jira = opened
    fake.state.webhooks[90] = {"name": "other", "url": "https://elsewhere", "enabled": True,
                               "events": ["jira:issue_created"], "self":
                               f"{fake.base_url}/rest/webhooks/1.0/webhook/90",
                               "filters": {"issue-related-events-section": "project = OTHER"}}
    admin = UserMapped(jira, {})  # the user map hands webhooks through
    made = admin.add_hook("https://hooks.example/hooks/jira", "s3cret")
    assert made["url"] == "https://hooks.example/hooks/jira" and made["active"]
    assert "jira:issue_updated" in made["events"] and "comment_created" in made["events"]
    assert fake.hook_secrets[int(made["id"])] == "s3cret"
    assert [h["id"] for h in admin.list_hooks()] == [made["id"]]  # not OTHER's
    admin.remove_hook(made["id"])
    assert admin.list_hooks() == []
    with pytest.raises(NotFound):
        admin.remove_hook(made["id"])
    with pytest.raises(NotFound):
        admin.remove_hook("not-a-number")
