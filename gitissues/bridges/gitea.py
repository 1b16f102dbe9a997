"""Gitea and Forgejo (also Codeberg), API v1: issues of one repository (SPEC §8).

Pull requests share the issue numbers and list; they are asked away (`type=issues`) and skipped
if one slips through (`pull_request` set). Labels and milestones are referred to by id, so the
names gi uses are looked up once per run and created when missing.
"""

from __future__ import annotations

from gitissues.bridges import labels as forge
from gitissues.bridges.base import (
    Remote,
    RemoteComment,
    keeping_marker,
    normal_text,
    owner_repo,
    strip_marker,
    with_marker,
)
from gitissues.errors import NotFound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from gitissues.bridges.http import Http

PAGE = 50  # Gitea's default MAX_RESPONSE_ITEMS
LABEL_COLOR = "#c5def5"


class Gitea:
    """One repository on one Gitea/Forgejo instance, through `http` (its client's base URL is
    the instance root, its headers carry the token)."""

    def __init__(self, http: Http, project: str) -> None:
        owner, repo = owner_repo(project, "Gitea")
        self.http = http
        self.api = f"/api/v1/repos/{owner}/{repo}"
        self._labels: dict[str, int] | None = None
        self._milestones: dict[str, int] | None = None

    @property
    def requests(self) -> int:
        return self.http.requests

    # --- reading -------------------------------------------------------------------------

    def changed(self, since: str | None) -> Iterator[Remote]:
        params: dict[str, Any] = {"state": "all", "type": "issues", "limit": PAGE}
        if since:
            params["since"] = since
        for item in self.http.pages(f"{self.api}/issues", params, scheme="total-count"):
            if item.get("pull_request"):
                continue
            yield self._remote(item, self._comments(item))

    def _comments(self, item: dict[str, Any]) -> list[RemoteComment]:
        if not item.get("comments"):
            return []
        out = []
        for c in self.http.pages(f"{self.api}/issues/{item['number']}/comments",
                                 scheme="link"):
            body, local_id = strip_marker(c.get("body") or "")
            out.append(RemoteComment(str(c["id"]), (c.get("user") or {}).get("login") or "",
                                     c.get("created_at") or "", normal_text(body), local_id))
        return out

    def _remote(self, item: dict[str, Any], comments: list[RemoteComment]) -> Remote:
        body, marked = strip_marker(item.get("body") or "")
        names = [lb["name"] for lb in item.get("labels") or []]
        fields = {"title": item.get("title") or "", "body": normal_text(body),
                  **forge.from_forge(item.get("state") or "open", names),
                  "assignees": sorted(a["login"] for a in item.get("assignees") or []),
                  "milestone": (item.get("milestone") or {}).get("title") or None}
        return Remote(str(item["number"]), item.get("html_url") or "",
                      item.get("updated_at") or "", fields, comments, marked,
                      remote_id=str(item["id"]))

    # --- writing -------------------------------------------------------------------------

    def create(self, fields: dict[str, Any], marker: str) -> Remote:
        state, names = forge.to_forge(fields)
        payload: dict[str, Any] = {"title": fields.get("title") or "",
                                   "body": with_marker(fields.get("body") or "", marker),
                                   "labels": self._label_ids(names),
                                   "assignees": list(fields.get("assignees") or [])}
        if fields.get("milestone"):
            payload["milestone"] = self._milestone_id(fields["milestone"])
        item = self.http.request("POST", f"{self.api}/issues", json=payload).json()
        if state == "closed":
            item = self.http.request("PATCH", f"{self.api}/issues/{item['number']}",
                                     json={"state": "closed"}, idempotent=True).json()
        return self._remote(item, [])

    def update(self, key: str, fields: dict[str, Any], changed: set[str]) -> Remote:
        state, names = forge.to_forge(fields)
        patch: dict[str, Any] = {}
        if "title" in changed:
            patch["title"] = fields.get("title") or ""
        if "body" in changed:
            current = self.http.request("GET", f"{self.api}/issues/{key}").json()
            patch["body"] = keeping_marker(current.get("body") or "", fields.get("body") or "")
        if changed & {"status"}:
            patch["state"] = state
        if "assignees" in changed:
            patch["assignees"] = list(fields.get("assignees") or [])
        if "milestone" in changed:
            patch["milestone"] = (self._milestone_id(fields["milestone"])
                                  if fields.get("milestone") else 0)
        if changed & {"labels", "status", "priority"}:
            self.http.request("PUT", f"{self.api}/issues/{key}/labels",
                              json={"labels": self._label_ids(names)})
        item = self.http.request("PATCH", f"{self.api}/issues/{key}", json=patch,
                                 idempotent=True).json()
        return self._remote(item, [])

    def add_comment(self, key: str, body: str, marker: str) -> str:
        item = self.http.request("POST", f"{self.api}/issues/{key}/comments",
                                 json={"body": with_marker(body, marker)}).json()
        return str(item["id"])

    def get(self, key: str) -> Remote | None:
        try:
            item = self.http.request("GET", f"{self.api}/issues/{key}").json()
        except NotFound:
            return None
        if item.get("pull_request"):
            return None
        return self._remote(item, self._comments(item))

    def _label_ids(self, names: list[str]) -> list[int]:
        if self._labels is None:
            self._labels = {lb["name"]: lb["id"]
                            for lb in self.http.pages(f"{self.api}/labels", {"limit": PAGE},
                                                      scheme="total-count")}
        for name in names:
            if name not in self._labels:
                made = self.http.request("POST", f"{self.api}/labels",
                                         json={"name": name, "color": LABEL_COLOR}).json()
                self._labels[name] = made["id"]
        return [self._labels[n] for n in names]

    def _milestone_id(self, title: str) -> int:
        if self._milestones is None:
            self._milestones = {m["title"]: m["id"] for m in self.http.pages(
                f"{self.api}/milestones", {"state": "all", "limit": PAGE},
                scheme="total-count")}
        if title not in self._milestones:
            made = self.http.request("POST", f"{self.api}/milestones",
                                     json={"title": title}).json()
            self._milestones[title] = made["id"]
        return self._milestones[title]

    # --- webhooks (base.HookAdmin) --------------------------------------------------------

    def list_hooks(self) -> list[dict[str, Any]]:
        return [hook_of(h) for h in self.http.pages(f"{self.api}/hooks", {"limit": PAGE},
                                                    scheme="total-count")]

    def add_hook(self, url: str, secret: str) -> dict[str, Any]:
        # Gitea makes a hook inactive unless told otherwise; Forgejo takes type gitea as well
        made = self.http.request("POST", f"{self.api}/hooks", json={
            "type": "gitea", "active": True, "events": ["issues", "issue_comment"],
            "config": {"url": url, "content_type": "json", "secret": secret}}).json()
        return hook_of(made)

    def remove_hook(self, hook_id: str) -> None:
        from urllib.parse import quote

        self.http.request("DELETE", f"{self.api}/hooks/{quote(hook_id, safe='')}")


def hook_of(item: dict[str, Any]) -> dict[str, Any]:
    """A Gitea/Forgejo webhook as `HookAdmin` shows it (Gitea keeps the URL in its config)."""
    url = (item.get("config") or {}).get("url") or item.get("url") or ""
    return {"id": str(item["id"]), "url": url, "events": list(item.get("events") or []),
            "active": bool(item.get("active"))}
