"""Which remote issue an authentic delivery is about, read from each platform's payload.

A delivery is only a nudge: its payload names the project and the issue, and the receiver then
pulls that issue through the bridge (the tracker's API says what it looks like now). Nothing in
the payload is written to the store, so an old delivery replayed later cannot bring back an old
title, and a payload that names no issue (a push, a ping, a pull or merge request) is ignored.
"""

from __future__ import annotations

from gitissues.webhooks.verify import Delivery

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Named:
    """The issue a delivery names: the bridge platform, the names its project goes by (any
    of them may be what `gi bridge add --project` saved) and the issue's key (what its URL
    names: a number, a GitLab iid, a Jira or Linear key)."""

    def __init__(self, platform: str, projects: tuple[str, ...], key: str) -> None:
        self.platform, self.projects, self.key = platform, projects, key

    def __repr__(self) -> str:
        return f"Named({self.platform!r}, {self.projects!r}, {self.key!r})"

    def matches(self, project: Any) -> bool:
        """Whether a saved bridge's project is this one (names compare without case, as the
        trackers treat them)."""
        wanted = str(project or "").strip().strip("/").lower()
        return bool(wanted) and wanted in (p.lower() for p in self.projects)


def named(delivery: Delivery) -> Named | str:
    """The issue `delivery` is about, or why it is about none (a reason to log)."""
    p = delivery.payload
    if delivery.platform in ("github", "gitea", "forgejo"):
        return _forge(p, "gitea" if delivery.platform == "forgejo" else delivery.platform)
    if delivery.platform == "gitlab":
        return _gitlab(p)
    if delivery.platform == "jira":
        return _jira(p)
    return _linear(p)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    """A name or number from a payload as text; anything else (a list, a bool) as nothing."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value).strip()


def _forge(p: dict[str, Any], platform: str) -> Named | str:
    """GitHub and Gitea/Forgejo: `issues`, `issue_comment` (and Gitea's `issue_label`, …)
    carry the issue; one with `pull_request` set, or Gitea's `is_pull`, is a pull request."""
    issue = _dict(p.get("issue"))
    number = _text(issue.get("number"))
    if not number:
        return "names no issue"
    if issue.get("pull_request") or p.get("is_pull") is True:
        return "a pull request"
    project = _text(_dict(p.get("repository")).get("full_name"))
    if not project:
        return "names no repository"
    return Named(platform, (project,), number)


def _gitlab(p: dict[str, Any]) -> Named | str:
    """Issue hooks (`object_kind` issue or work_item) name the issue in `object_attributes`;
    note hooks on an issue in `issue`. Merge requests, pipelines, pushes: ignored."""
    kind, attrs = _text(p.get("object_kind")), _dict(p.get("object_attributes"))
    if kind in ("issue", "work_item"):
        iid = _text(attrs.get("iid"))
    elif kind == "note" and attrs.get("noteable_type") == "Issue":
        iid = _text(_dict(p.get("issue")).get("iid"))
    elif kind in ("merge_request", "note"):
        return "a merge request" if kind == "merge_request" or \
            attrs.get("noteable_type") == "MergeRequest" else "names no issue"
    else:
        return "names no issue"
    project = _dict(p.get("project"))
    names = tuple(n for n in (_text(project.get("path_with_namespace")),
                              _text(project.get("id")) or _text(p.get("project_id"))) if n)
    if not iid:
        return "names no issue"
    if not names:
        return "names no project"
    return Named("gitlab", names, iid)


def _jira(p: dict[str, Any]) -> Named | str:
    """Issue and comment events carry `issue` with its `key`; the project key is in its fields
    (else the key's prefix, `FOO` of `FOO-123`)."""
    issue = _dict(p.get("issue"))
    key = _text(issue.get("key"))
    if not key:
        return "names no issue"
    project = _text(_dict(_dict(issue.get("fields")).get("project")).get("key"))
    return Named("jira", (project or key.rpartition("-")[0],), key)


def _linear(p: dict[str, Any]) -> Named | str:
    """`type` Issue names the issue in `data`, Comment in `data.issue`; the team key is the
    project (else the identifier's prefix, `ENG` of `ENG-123`)."""
    data = _dict(p.get("data"))
    kind = _text(p.get("type"))
    if kind == "Comment":
        data = _dict(data.get("issue"))
    elif kind != "Issue":
        return "names no issue"
    key = _text(data.get("identifier"))
    if not key:
        return "names no issue"
    team = _text(_dict(data.get("team")).get("key"))
    return Named("linear", (team or key.rpartition("-")[0],), key)
