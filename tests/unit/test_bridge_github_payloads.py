"""The GitHub platform reads what GitHub really sends: the issue, issue list and comment
answers recorded by PyGithub against api.github.com (../shared/recorded/github/
pygithub-replaydata), and writes what its API description asks for."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fakes.schemas import pygithub_exchanges

from gitissues.bridges import registry
from gitissues.bridges.base import normal_text
from gitissues.bridges.github import NOT_PLANNED, GitHub, comment_of, remote_of, to_github
from gitissues.bridges.http import Http
from gitissues.errors import UsageError


def answer(name: str, method: str, path: str) -> Any:
    """The body of the first recorded exchange of `name` with this method and path."""
    for e in pygithub_exchanges(name):
        if e["method"] == method and e["path"] == path and e["status"] < 300:
            return e["body"]
    raise AssertionError(f"{name} has no {method} {path}")


def test_a_recorded_issue_in_gi_terms():
    item = answer("Issue.setUp.txt", "GET", "/repos/PyGithub/PyGithub/issues/28")
    remote = remote_of(item, [])
    assert (remote.key, remote.remote_id) == ("28", str(item["id"]))
    assert remote.url == "https://github.com/PyGithub/PyGithub/issues/28"
    assert remote.updated == item["updated_at"] and remote.marked is None
    assert remote.fields == {"title": item["title"], "body": "Body edited by PyGithub",
                             "status": "closed", "priority": 2, "labels": ["bug", "question"],
                             "assignees": ["jacquev6"], "milestone": "Version 1.4"}


def test_recorded_close_reasons():
    path = "/repos/PyGithub/PyGithub/issues/28"
    dropped = answer("Issue.testEditWithStateReasonNotPlanned.txt", "PATCH", path)
    assert (dropped["state"], dropped["state_reason"]) == ("closed", "not_planned")
    fields = remote_of(dropped, []).fields
    assert fields["status"] == "closed" and fields["labels"] == ["Bug", NOT_PLANNED]
    assert to_github(fields)[::2] == ("closed", "not_planned")
    reopened = answer("Issue.testEditWithStateReasonReopened.txt", "PATCH", path)
    fields = remote_of(reopened, []).fields
    assert reopened["state_reason"] == "reopened" and fields["status"] == "open"
    assert NOT_PLANNED not in fields["labels"]


@pytest.mark.parametrize("name", ["Issue945.testReservedPaginatedListAttributePreservation.txt",
                                  "GraphQl.testPaginationAndRestIntegration.txt"])
def test_recorded_issue_lists_without_their_pull_requests(name):
    """Both recorded lists mix pull requests into the issues, as GitHub does."""
    page = next(e for e in pygithub_exchanges(name)
                if e["method"] == "GET" and e["path"].endswith("/issues"))["body"]
    prs = {str(i["number"]) for i in page if "pull_request" in i}
    assert prs and len(prs) < len(page)

    def serve(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/issues"):
            return httpx.Response(200, json=page)
        assert request.url.path.endswith("/issues/comments"), request.url
        return httpx.Response(200, json=[])

    client = httpx.Client(base_url="https://api.github.com", transport=httpx.MockTransport(serve))
    github = GitHub(Http(client, bridge="hub"), "acme/widgets")
    keys = [r.key for r in github.changed(None)]
    assert keys == [str(i["number"]) for i in page if str(i["number"]) not in prs]
    assert all(r.fields["title"] for r in github.changed("2025-01-01T00:00:00Z"))


def test_recorded_comments():
    body = answer("Issue.testGetComments.txt", "GET", "/repos/PyGithub/PyGithub/issues/28/comments")
    comments = [comment_of(c) for c in body]
    assert any("\r\n" in c["body"] for c in body)  # as typed on github.com
    assert [(c.key, c.author, c.created, c.body, c.local_id) for c in comments] == [
        (str(c["id"]), c["user"]["login"], c["created_at"], normal_text(c["body"]), None)
        for c in body]
    made = answer("Issue.testCreateComment.txt", "POST",
                  "/repos/PyGithub/PyGithub/issues/28/comments")
    assert comment_of({**made, "body": made["body"] + "\n\n<!-- gi:c-123abc -->"}).local_id == \
        "c-123abc"


def test_to_github_keeps_not_planned_as_a_plain_label_on_an_open_issue():
    fields = {"status": "in_progress", "labels": [NOT_PLANNED, "x"], "priority": 1}
    assert to_github(fields) == ("open", [NOT_PLANNED, "x", "status:in_progress",
                                          "priority:1"], None)
    assert to_github({"status": "closed", "labels": ["x"]}) == ("closed", ["x"], "completed")


def test_a_project_is_owner_slash_repo():
    client = httpx.Client(base_url="https://api.github.com")
    for bad in ("acme", "acme/", "/widgets", "a/b/c"):
        with pytest.raises(UsageError, match="owner/repo"):
            GitHub(Http(client, bridge="hub"), bad)


def test_github_is_paced_unless_gi_bridge_pace_says_otherwise(monkeypatch):
    monkeypatch.delenv("GI_BRIDGE_PACE", raising=False)
    assert registry.pace_for("github") == 1.0 and registry.pace_for("gitea") == 0.0
    monkeypatch.setenv("GI_BRIDGE_PACE", "0")
    assert registry.pace_for("github") == 0.0
    monkeypatch.setenv("GI_BRIDGE_PACE", "0.25")
    assert registry.pace_for("gitea") == 0.25
    for bad in ("soon", "-1", "nan", "3600"):
        monkeypatch.setenv("GI_BRIDGE_PACE", bad)
        with pytest.raises(UsageError, match="GI_BRIDGE_PACE"):
            registry.pace_for("github")


def test_the_registry_opens_github_with_its_headers_and_pace(monkeypatch):
    monkeypatch.delenv("GI_BRIDGE_PACE", raising=False)
    target = {"platform": "github", "base_url": "https://ghe.example/api/v3",
              "project": "acme/widgets", "token": "ghp_x"}
    github = registry.open_platform("hub", target)
    assert isinstance(github, GitHub) and github.http.pace == 1.0
    headers = github.http.client.headers
    assert headers["authorization"] == "Bearer ghp_x"
    assert headers["accept"] == "application/vnd.github+json"
    assert headers["x-github-api-version"] == "2022-11-28"
    built = github.http.client.build_request("GET", f"{github.api}/issues").url
    assert str(built) == "https://ghe.example/api/v3/repos/acme/widgets/issues"


def test_the_fakes_repository_comment_list_fits_the_schema_and_honours_since():
    """The route tests/fakes/github.py gained for this platform, as GitHub describes it."""
    from fakes.github import FakeGitHub
    from fakes.schemas import check, github_schema

    with FakeGitHub() as fake, httpx.Client(base_url=fake.base_url, headers=fake.auth) as c:
        issue = fake.add_issue("one")
        pr = fake.add_issue("a pull request", pull_request=True)
        first = fake.add_comment(issue.number, "first")
        fake.add_comment(pr.number, "on the pull request")
        last = fake.add_comment(issue.number, "last")
        every = c.get("/repos/acme/widgets/issues/comments").json()
        assert [x["id"] for x in every] == sorted(x["id"] for x in every)
        assert len(every) == 3
        for x in every:
            check(x, github_schema("issue-comment"))
        since = c.get("/repos/acme/widgets/issues/comments",
                      params={"since": last.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")}).json()
        assert [x["id"] for x in since] == [last.id] and first.id != last.id


def test_the_fake_ignores_a_state_reason_unless_the_state_changes():
    """As GitHub's description of PATCH /issues/{n} says."""
    from fakes.github import FakeGitHub

    with FakeGitHub() as fake, httpx.Client(base_url=fake.base_url, headers=fake.auth) as c:
        fake.add_issue("done", state="closed")
        r = c.patch("/repos/acme/widgets/issues/1",
                    json={"state": "closed", "state_reason": "not_planned"})
        assert r.json()["state_reason"] == "completed"
        c.patch("/repos/acme/widgets/issues/1", json={"state": "open"})
        r = c.patch("/repos/acme/widgets/issues/1",
                    json={"state": "closed", "state_reason": "not_planned"})
        assert r.json()["state_reason"] == "not_planned"


def _recorded_files() -> list[str]:
    from fakes.schemas import RECORDED

    folder = RECORDED / "github" / "pygithub-replaydata"
    return sorted(p.name for p in folder.glob("*.txt")) if folder.is_dir() else []


@pytest.mark.parametrize("name", _recorded_files() or ["(../shared/recorded is absent)"])
def test_every_recorded_issue_and_comment_answer_parses(name):
    """Every issue-shaped and comment-shaped body in every recorded exchange reads into gi's
    terms (pull requests in issue lists are skipped by the platform, not by this test)."""
    exchanges = pygithub_exchanges(name)
    for e in exchanges:
        bodies = e["body"] if isinstance(e["body"], list) else [e["body"]]
        for item in bodies:
            if not isinstance(item, dict):
                continue
            if {"number", "title", "state", "labels"} <= item.keys():
                remote = remote_of(item, [])
                assert remote.key == str(item["number"])
                assert remote.fields["status"] in ("open", "closed")
                assert remote.fields["title"] == item["title"]
            elif {"id", "body", "user", "created_at"} <= item.keys() and "issue_url" in item:
                comment = comment_of(item)
                assert comment.key == str(item["id"])
                assert comment.body == normal_text(comment.body)
