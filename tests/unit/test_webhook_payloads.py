"""Which issue a delivery names (gitissues.webhooks.payloads), read from every recorded webhook
payload in ../shared/recorded and from the ones built from the platforms' specs (Gitea, Jira,
Linear: see tests/fakes/webhooks.py)."""

from __future__ import annotations

import json

import pytest
from fakes.gitea import FakeGitea
from fakes.webhooks import GO_GITLAB, OCTOKIT, gitea_event, jira_event, linear_event, recorded

from gitissues.webhooks.payloads import Named, named
from gitissues.webhooks.verify import Delivery


def read(platform: str, payload: dict | bytes) -> Named | str:
    doc = json.loads(payload) if isinstance(payload, bytes) else payload
    return named(Delivery(platform, "d", "", doc))


@pytest.mark.parametrize("name", ["issues.opened", "issues.reopened", "issues.deleted",
                                  "issue_comment.created", "issue_comment.deleted"])
def test_every_recorded_github_issue_payload_names_its_issue(name: str) -> None:
    got = read("github", recorded(OCTOKIT / f"{name}.payload.json"))
    assert isinstance(got, Named)
    assert (got.platform, got.projects, got.key) == ("github", ("Codertocat/Hello-World",), "1")
    assert got.matches("codertocat/hello-world") and not got.matches("Codertocat/Other")


def test_a_github_comment_on_a_pull_request_and_a_ping_name_no_issue() -> None:
    doc = recorded(OCTOKIT / "issue_comment.created.payload.json")
    doc["issue"]["pull_request"] = {"url": "https://api.github.com/repos/o/r/pulls/1"}
    assert read("github", doc) == "a pull request"
    assert read("github", {"zen": "Design for failure.", "hook_id": 1}) == "names no issue"
    assert read("github", {"issue": {"number": 3}}) == "names no repository"
    assert read("github", {"issue": {"number": [3]}, "repository": {}}) == "names no issue"


def test_gitea_and_forgejo_payloads_name_their_issue_and_skip_pull_requests() -> None:
    with FakeGitea() as fake:
        issue = fake.add_issue("Gitea issue", "")
        comment = fake.add_comment(issue.number, "hi")
        opened, commented = gitea_event(fake, issue.number), gitea_event(
            fake, issue.number, comment=comment.id)
    for platform in ("gitea", "forgejo"):
        for body in (opened, commented):
            got = read(platform, body)
            assert isinstance(got, Named)
            assert (got.platform, got.projects, got.key) == ("gitea", ("acme/widgets",),
                                                             str(issue.number))
    doc = json.loads(commented)
    doc["is_pull"] = True
    assert read("gitea", doc) == "a pull request"


def test_recorded_gitlab_issue_and_note_hooks_name_the_issue_by_iid_and_project() -> None:
    got = read("gitlab", recorded(GO_GITLAB / "webhooks_issue.json"))
    assert isinstance(got, Named)
    assert (got.key, got.projects) == ("23", ("gitlabhq/gitlab-test", "1"))
    assert got.matches("1") and got.matches("GitlabHQ/gitlab-test/")
    note = read("gitlab", recorded(GO_GITLAB / "webhooks_note_issue.json"))
    assert isinstance(note, Named) and (note.key, note.projects) == (
        "17", ("gitlab-org/gitlab-test", "5"))
    on_mr = recorded(GO_GITLAB / "webhooks_note_issue.json")
    on_mr["object_attributes"]["noteable_type"] = "MergeRequest"
    assert read("gitlab", on_mr) == "a merge request"
    assert read("gitlab", {"object_kind": "merge_request"}) == "a merge request"
    assert read("gitlab", {"object_kind": "push"}) == "names no issue"
    assert read("gitlab", {"object_kind": "issue", "object_attributes": {"iid": 4}}) == \
        "names no project"


def test_jira_and_linear_payloads_name_the_issue_key_and_project() -> None:
    got = read("jira", jira_event("FOO-123", "FOO"))
    assert isinstance(got, Named) and (got.key, got.projects) == ("FOO-123", ("FOO",))
    assert got.matches("foo")
    bare = read("jira", {"webhookEvent": "jira:issue_updated", "issue": {"key": "BAR-9"}})
    assert isinstance(bare, Named) and bare.projects == ("BAR",)
    assert read("jira", {"webhookEvent": "project_created"}) == "names no issue"
    for kind in ("Issue", "Comment"):
        got = read("linear", linear_event("ENG-7", "ENG", kind=kind))
        assert isinstance(got, Named) and (got.key, got.projects) == ("ENG-7", ("ENG",))
    assert read("linear", {"type": "IssueLabel", "data": {"id": "x"}}) == "names no issue"
    assert read("linear", {"type": "Issue", "data": {"identifier": "OPS-2"}}).projects == \
        ("OPS",)
