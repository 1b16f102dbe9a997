"""Webhook deliveries as the trackers send them, pointed at a fake forge's issues, signed as
each platform signs, and posted over real HTTP (for the receiver's tests and its benchmark).

Payloads: GitHub's and GitLab's are the real ones in ../shared/recorded (octokit/webhooks,
go-gitlab's testdata) with the repository and issue number changed to the fake's. ../shared has
no Gitea, Jira or Linear webhook payload, so those are built from their specs: Gitea's envelope
(`IssuePayload` / `IssueCommentPayload` of Gitea's modules/structs/hook.go: action, number,
issue, comment, repository, sender, is_pull) around the fake's swagger-shaped Issue, Comment and
User; Jira's envelope (`timestamp`, `webhookEvent`, `issue_event_type_name`, `issue`) around the
recorded Jira issue FOO-123; Linear's `EntityWebhookPayload` (linear-schema.graphql: action,
type, data, createdAt, organizationId, url, webhookId, webhookTimestamp) around an
`IssueWebhookPayload`'s fields.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import time
from typing import Any
from urllib.parse import urlsplit

from fakes.schemas import RECORDED, need

OCTOKIT = RECORDED / "github" / "octokit-webhooks-payloads"
GO_GITLAB = RECORDED / "gitlab" / "go-gitlab-testdata"
JIRA_ISSUE = RECORDED / "jira" / "atlassian-python-api-responses" / "issue_FOO-123_GET.json"


def recorded(path: Any) -> Any:
    return json.loads(need(path).read_text())


def encoded(doc: Any) -> bytes:
    return json.dumps(doc).encode()


# --- payloads ------------------------------------------------------------------------------

def github_event(fake: Any, number: int, name: str = "issues.opened") -> bytes:
    """A recorded GitHub payload (`issues.opened`, `issue_comment.created`, …) about issue
    `number` of the fake's repository."""
    doc = recorded(OCTOKIT / f"{name}.payload.json")
    owner, repo = fake.state.owner, fake.state.repo
    doc["repository"].update(full_name=f"{owner}/{repo}", name=repo)
    doc["repository"]["owner"]["login"] = owner
    doc["issue"]["number"] = number
    return encoded(doc)


def gitea_event(fake: Any, number: int, comment: int | None = None) -> bytes:
    """Gitea's `issues` (or, with `comment`, `issue_comment`) payload about issue `number`."""
    s = fake.state
    issue = fake.issue_json(s.issues[number])
    repo = {"id": 41877, "owner": fake.user_json(s.me), "name": s.repo,
            "full_name": f"{s.owner}/{s.repo}", "html_url": f"{fake.base_url}/{s.owner}/{s.repo}",
            "private": False, "fork": False, "default_branch": "main"}
    if comment is None:
        return encoded({"action": "opened", "number": number, "issue": issue,
                        "repository": repo, "sender": fake.user_json(s.me), "commit_id": ""})
    return encoded({"action": "created", "issue": issue,
                    "comment": fake.comment_json(s.comments[comment]), "repository": repo,
                    "sender": fake.user_json(s.me), "is_pull": False})


def gitlab_event(fake: Any, iid: int, note: bool = False) -> bytes:
    """go-gitlab's recorded Issue Hook (or Note Hook on an issue) about issue `iid`."""
    doc = recorded(GO_GITLAB / ("webhooks_note_issue.json" if note else "webhooks_issue.json"))
    s = fake.state
    doc["project"].update(id=fake.project_id, path_with_namespace=f"{s.owner}/{s.repo}")
    if note:
        doc["project_id"] = fake.project_id
        doc["issue"]["iid"] = iid
    else:
        doc["object_attributes"]["iid"] = iid
    return encoded(doc)


def jira_event(key: str = "FOO-123", project: str = "FOO",
               event: str = "jira:issue_created") -> bytes:
    issue = recorded(JIRA_ISSUE)
    issue["key"] = key
    issue["fields"]["project"]["key"] = project
    return encoded({"timestamp": int(time.time() * 1000), "webhookEvent": event,
                    "issue_event_type_name": event.rpartition("_")[2], "issue": issue})


def linear_event(identifier: str = "ENG-7", team: str = "ENG", kind: str = "Issue",
                 at: float | None = None) -> bytes:
    """A Linear delivery sent at `at` (seconds since the epoch; default now)."""
    stamp = int((time.time() if at is None else at) * 1000)
    team_doc = {"id": "6578cf0f-58b5-424f-87ae-a1d5ab7746e3", "key": team, "name": "Devcube"}
    issue = {"id": "2b0a0f81-f259-488b-ba9a-ded7e4e7772d", "identifier": identifier,
             "title": "Webhook test", "number": int(identifier.rpartition("-")[2] or 0),
             "team": team_doc, "teamId": team_doc["id"], "url":
             f"https://linear.app/devcube/issue/{identifier}", "createdAt":
             "2022-06-20T15:35:31.141Z", "updatedAt": "2022-06-20T15:35:31.141Z",
             "priority": 0, "priorityLabel": "No priority", "labelIds": [], "labels": []}
    data = issue if kind == "Issue" else {"id": "c0ffee00-0000-4000-8000-000000000001",
                                          "body": "A comment", "issue": issue,
                                          "issueId": issue["id"],
                                          "createdAt": issue["createdAt"]}
    return encoded({"action": "create", "type": kind, "data": data,
                    "createdAt": issue["createdAt"], "organizationId": "org-1",
                    "url": issue["url"], "webhookId": "wh-1", "webhookTimestamp": stamp})


# --- signing and posting -------------------------------------------------------------------

def whsec(key: bytes = b"sixteen-byte-key") -> str:
    """A GitLab signing secret (`whsec_` and base64 of the key)."""
    return "whsec_" + base64.b64encode(key).decode()


def _hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed(scheme: str, body: bytes, secret: str, delivery: str, event: str = "issues",
           at: float | None = None) -> dict[str, str]:
    """The headers `scheme` (github, gitea, forgejo, gitlab-token, gitlab-signed, jira,
    linear) sends with `body`, signed with `secret`."""
    if scheme == "github":
        return {"X-Hub-Signature-256": "sha256=" + _hex(secret, body),
                "X-GitHub-Delivery": delivery, "X-GitHub-Event": event}
    if scheme == "gitea":
        return {"X-Gitea-Signature": _hex(secret, body), "X-Gitea-Delivery": delivery,
                "X-Gitea-Event": event}
    if scheme == "forgejo":  # Forgejo sends its own headers beside Gitea's (signature alone)
        return {"X-Forgejo-Signature": _hex(secret, body), "X-Forgejo-Delivery": delivery,
                "X-Forgejo-Event": event, "X-Gitea-Delivery": delivery, "X-Gitea-Event": event}
    if scheme == "jira":
        return {"X-Hub-Signature": "sha256=" + _hex(secret, body),
                "X-Atlassian-Webhook-Identifier": delivery}
    if scheme == "linear":
        return {"Linear-Signature": _hex(secret, body), "Linear-Delivery": delivery,
                "Linear-Event": "Issue"}
    if scheme == "gitlab-token":
        return {"X-Gitlab-Token": secret, "X-Gitlab-Event-UUID": delivery,
                "X-Gitlab-Event": "Issue Hook"}
    assert scheme == "gitlab-signed", scheme
    stamp = str(int(time.time() if at is None else at))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{delivery}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return {"webhook-id": delivery, "webhook-timestamp": stamp, "X-Gitlab-Event": "Issue Hook",
            "webhook-signature": "v1," + base64.b64encode(mac).decode()}


def post(url: str, body: bytes, headers: dict[str, str], method: str = "POST",
         timeout: float = 60.0) -> tuple[int, Any]:
    """(status, the JSON answer) of one request to `url` (a new connection each time, as
    the trackers send)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, parts.path or "/", body=body,
                     headers={"Content-Type": "application/json", **headers})
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    return response.status, json.loads(data) if data else None
