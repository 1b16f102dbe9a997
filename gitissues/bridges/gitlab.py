"""GitLab (gitlab.com and self-managed), REST API v4: issues of one project (SPEC §8).

The project is a path (`group/sub/repo`, URL-encoded into one path segment) or a numeric id.
Issues are addressed by `iid` (the Remote key); their global `id` is the remote id. Merge
requests are a separate API and never listed. Labels travel as names (GitLab creates missing
ones itself); assignees and milestones go by id, looked up once per run.

Notes cost one request per issue, so they are asked only when the issue has user notes
(`user_notes_count`), and not again while the issue's `updated_at` and note count are what they
were when its notes were last read (a new note moves both): the notes are remembered in the
bridge's ETag cache under that pair, so a pull with no remote change is one list request.
System notes ("closed", "changed the description") and internal notes are never imported.
"""

from __future__ import annotations

from urllib.parse import quote

from gitissues import timeutil
from gitissues.bridges import labels as forge
from gitissues.bridges.base import (
    Remote,
    RemoteComment,
    keeping_marker,
    normal_text,
    strip_marker,
    with_marker,
)
from gitissues.errors import NotFound, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from gitissues.bridges.http import Http

PAGE = 100  # GitLab's largest per_page


class GitLab:
    """One project on one GitLab instance, through `http` (its client's base URL is the
    instance root, its headers carry `PRIVATE-TOKEN`)."""

    def __init__(self, http: Http, project: str) -> None:
        project = project.strip().strip("/")
        parts = project.split("/")
        if not project or (not project.isdigit() and (len(parts) < 2 or not all(parts))):
            raise UsageError(f"a GitLab project is a path such as group/repo or a numeric id, "
                             f"not {project!r}")
        self.http = http
        self.api = f"/api/v4/projects/{quote(project, safe='')}"
        self._users: dict[str, int | None] = {}
        self._milestones: dict[str, int] = {}

    @property
    def requests(self) -> int:
        return self.http.requests

    # --- reading -------------------------------------------------------------------------

    def changed(self, since: str | None) -> Iterator[Remote]:
        # keyset pages (by updated_at, id) cannot skip an issue edited while we page; a GitLab
        # without keyset for issues ignores the parameter and pages by offset, with a Link too
        params: dict[str, Any] = {"scope": "all", "state": "all", "order_by": "updated_at",
                                  "sort": "asc", "per_page": PAGE, "pagination": "keyset"}
        if since:
            params["updated_after"] = since
        for item in self.http.pages(f"{self.api}/issues", params, scheme="next-page"):
            yield remote_of(item, self._notes(item))

    def _notes(self, item: dict[str, Any]) -> list[RemoteComment]:
        count = item.get("user_notes_count") or 0
        if not count:
            return []
        url = f"{self.api}/issues/{item['iid']}/notes"
        memo = f"{url}#user-notes"
        version = f"{item.get('updated_at')} {count}"
        seen = self.http.etags.get(memo)
        if seen is not None and seen[0] == version and isinstance(seen[1], list):
            notes = seen[1]
        else:
            params = {"sort": "asc", "order_by": "created_at", "per_page": PAGE}
            notes = [note for note in self.http.pages(url, params, scheme="next-page")
                     if not note.get("system") and not note.get("internal")]
            self.http.etags.put(memo, version, notes)
        return [comment_of(note) for note in notes]

    # --- writing -------------------------------------------------------------------------

    def create(self, fields: dict[str, Any], marker: str) -> Remote:
        state, names = forge.to_forge(fields)
        payload: dict[str, Any] = {"title": fields.get("title") or "",
                                   "description": with_marker(fields.get("body") or "", marker),
                                   "labels": ",".join(names)}
        ids = self._user_ids(fields.get("assignees") or [])
        if ids:
            payload["assignee_ids"] = ids
        if fields.get("milestone"):
            payload["milestone_id"] = self._milestone_id(fields["milestone"])
        item = self.http.request("POST", f"{self.api}/issues", json=payload).json()
        if state == "closed":
            item = self.http.request("PUT", f"{self.api}/issues/{item['iid']}",
                                     json={"state_event": "close"}).json()
        return remote_of(item, [])

    def update(self, key: str, fields: dict[str, Any], changed: set[str]) -> Remote:
        state, names = forge.to_forge(fields)
        put: dict[str, Any] = {}
        if "title" in changed:
            put["title"] = fields.get("title") or ""
        if "body" in changed:
            current = self.http.request("GET", f"{self.api}/issues/{key}").json()
            put["description"] = keeping_marker(current.get("description") or "",
                                                fields.get("body") or "")
        if "status" in changed:
            put["state_event"] = "close" if state == "closed" else "reopen"
        if changed & {"labels", "status", "priority"}:
            put["labels"] = ",".join(names)
        if "assignees" in changed:
            put["assignee_ids"] = self._user_ids(fields.get("assignees") or [])
        if "milestone" in changed:
            put["milestone_id"] = (self._milestone_id(fields["milestone"])
                                   if fields.get("milestone") else 0)
        item = self.http.request("PUT", f"{self.api}/issues/{key}", json=put).json()
        return remote_of(item, [])

    def add_comment(self, key: str, body: str, marker: str) -> str:
        item = self.http.request("POST", f"{self.api}/issues/{key}/notes",
                                 json={"body": with_marker(body, marker)}).json()
        return str(item["id"])

    def get(self, key: str) -> Remote | None:
        try:
            item = self.http.request("GET", f"{self.api}/issues/{key}").json()
        except NotFound:
            return None
        return remote_of(item, self._notes(item))

    def _user_ids(self, usernames: list[str]) -> list[int]:
        """GitLab ids of these users; a name with no GitLab account (an agent's, say) is
        left out, as GitLab could not assign it anyway."""
        for name in usernames:
            if name not in self._users:
                found = self.http.get_json("/api/v4/users", {"username": name}) or []
                match = [u for u in found if str(u.get("username")).lower() == name.lower()]
                self._users[name] = int(match[0]["id"]) if match else None
        return [i for i in (self._users[n] for n in usernames) if i is not None]

    def _milestone_id(self, title: str) -> int:
        if title not in self._milestones:
            found = self.http.get_json(f"{self.api}/milestones",
                                       {"title": title, "include_ancestors": "true"}) or []
            match = [m for m in found if m.get("title") == title]
            if match:
                self._milestones[title] = int(match[0]["id"])
            else:
                made = self.http.request("POST", f"{self.api}/milestones",
                                         json={"title": title}).json()
                self._milestones[title] = int(made["id"])
        return self._milestones[title]

    # --- webhooks (base.HookAdmin) --------------------------------------------------------

    def list_hooks(self) -> list[dict[str, Any]]:
        return [hook_of(h) for h in self.http.pages(f"{self.api}/hooks", {"per_page": PAGE},
                                                    scheme="next-page")]

    def add_hook(self, url: str, secret: str) -> dict[str, Any]:
        # the token comes back in X-Gitlab-Token; GitLab would add push events unless told not
        made = self.http.request("POST", f"{self.api}/hooks", json={
            "url": url, "token": secret, "issues_events": True, "note_events": True,
            "push_events": False, "enable_ssl_verification": True}).json()
        return hook_of(made)

    def remove_hook(self, hook_id: str) -> None:
        self.http.request("DELETE", f"{self.api}/hooks/{quote(hook_id, safe='')}")


def remote_of(item: dict[str, Any], comments: list[RemoteComment]) -> Remote:
    """A GitLab issue (as the API sends it) in gi's terms."""
    body, marked = strip_marker(item.get("description") or "")
    names = [lb if isinstance(lb, str) else lb.get("name") or ""
             for lb in item.get("labels") or []]
    state = "closed" if item.get("state") == "closed" else "open"
    fields = {"title": item.get("title") or "", "body": normal_text(body),
              **forge.from_forge(state, names),
              "assignees": sorted(a["username"] for a in item.get("assignees") or []),
              "milestone": (item.get("milestone") or {}).get("title") or None}
    return Remote(str(item["iid"]), item.get("web_url") or "", _time(item.get("updated_at")),
                  fields, comments, marked, remote_id=str(item["id"]))


def comment_of(note: dict[str, Any]) -> RemoteComment:
    """A GitLab note in gi's terms (the caller has left out system notes)."""
    body, local_id = strip_marker(note.get("body") or "")
    return RemoteComment(str(note["id"]), (note.get("author") or {}).get("username") or "",
                         _time(note.get("created_at")), normal_text(body), local_id)


def _time(value: Any) -> str:
    """GitLab's `2024-03-01T09:00:05.652Z` as gi writes times (whole seconds, UTC): mixed
    forms would compare wrongly as text; a cursor a fraction early only re-reads."""
    if not value:
        return ""
    try:
        return timeutil.normalize_time(value)
    except ValueError:
        return ""


def hook_of(item: dict[str, Any]) -> dict[str, Any]:
    """A GitLab webhook as `HookAdmin` shows it: its events are the `*_events` switches that
    are on (`issues`, `note`); one GitLab disabled after failed deliveries is not active."""
    events = [k.removesuffix("_events") for k, on in item.items()
              if k.endswith("_events") and on is True]
    return {"id": str(item["id"]), "url": item.get("url") or "", "events": events,
            "active": item.get("alert_status", "executable") == "executable"}
