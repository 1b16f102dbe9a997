"""The GitLab platform reads GitLab's own issue payloads (../shared/recorded/gitlab: GitLab's
documentation example as go-gitlab keeps it) and names projects as the API wants them."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fakes.schemas import RECORDED, need

from gitissues.bridges.gitlab import GitLab, comment_of, remote_of
from gitissues.bridges.http import Http
from gitissues.errors import UsageError


def recorded(name: str) -> dict[str, Any]:
    return json.loads(need(RECORDED / "gitlab" / "go-gitlab-testdata" / name).read_text())


def test_an_issue_payload_becomes_a_remote() -> None:
    item = recorded("issue_move.json")
    remote = remote_of(item, [])
    assert (remote.key, remote.remote_id) == ("11", "92")  # iid addresses it, id is global
    assert remote.url == "http://example.com/example/example/issues/11"
    assert remote.updated == "2016-04-07T12:20:17Z"  # gi's form: whole seconds, UTC
    assert remote.marked is None
    assert remote.fields == {"title": "Sit voluptas tempora quisquam aut doloribus et.",
                             "body": "Repellat voluptas quibusdam voluptatem exercitationem.",
                             "status": "open", "priority": 2, "labels": [],
                             "assignees": ["axel.block"], "milestone": None}


def test_a_closed_labelled_issue_with_gi_marker() -> None:
    item = {**recorded("issue_move.json"), "state": "closed", "description": None,
            "labels": ["bug", "status:blocked", "priority:0"], "milestone": {"title": "v1"}}
    fields = remote_of(item, []).fields
    assert (fields["status"], fields["priority"], fields["labels"]) == ("closed", 0, ["bug"])
    assert (fields["body"], fields["milestone"]) == ("", "v1")
    item["description"] = "text\r\n\n<!-- gi:gi-abc123 -->"
    remote = remote_of(item, [])
    assert (remote.fields["body"], remote.marked) == ("text", "gi-abc123")


def test_a_note_payload_becomes_a_comment() -> None:
    author = recorded("issue_move.json")["author"]
    note = {"id": 302, "body": "looks good\n\n<!-- gi:c-1a2b3c -->", "author": author,
            "created_at": "2016-04-07T12:20:17.596Z", "system": False}
    c = comment_of(note)
    assert (c.key, c.author, c.created, c.body, c.local_id) == (
        "302", "solon.cremin", "2016-04-07T12:20:17Z", "looks good", "c-1a2b3c")


def _platform(project: str) -> GitLab:
    client = httpx.Client(base_url="https://gitlab.example.com")
    return GitLab(Http(client, bridge="t"), project)


@pytest.mark.parametrize(("project", "api"), [
    ("acme/widgets", "/api/v4/projects/acme%2Fwidgets"),
    ("acme/platform/backend/widgets", "/api/v4/projects/acme%2Fplatform%2Fbackend%2Fwidgets"),
    ("4312005", "/api/v4/projects/4312005"),
])
def test_a_project_is_one_encoded_path_segment_or_an_id(project: str, api: str) -> None:
    assert _platform(project).api == api


@pytest.mark.parametrize("project", ["", "widgets", "acme//widgets", "/"])
def test_a_project_that_is_neither_is_a_usage_error(project: str) -> None:
    with pytest.raises(UsageError, match="GitLab project"):
        _platform(project)
