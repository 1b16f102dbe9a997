"""GitHub (and GitHub Enterprise Server), REST v3: issues of one repository (SPEC §8).

The client's base URL is the API root (`https://api.github.com`, `https://ghe.example/api/v3`).
Pull requests share the issue list and numbers; they carry a `pull_request` key and are
skipped. Labels, assignees and milestones go by name, login and number: missing labels are
created first (so they get gi's colour, not GitHub's grey), milestones are looked up by title
and created when missing, once per run. An assignee GitHub cannot assign (an agent's name, a
login without access) would fail the whole request, so it is checked once per run and stays in
gi only.

Comments come from the repository-wide list (`/issues/comments?since=…`), one paged request for
every issue of a pull instead of one per issue, made only when a listed issue has comments and
they are wanted: a pull that finds nothing new costs the issue list and that one list (≤ 2
requests), a push looking for its markers only the issue list. Comments older than the cursor
were mirrored by the pull that saw them first, and the engine adds only comments it has not
mirrored, so the window is enough.

Closing reasons: gi has one `closed` status, GitHub says why (`state_reason`). A close as
`not_planned` arrives as `closed` plus the label `status:not_planned` (the forge convention of
SPEC §8 for what has no field, like `status:blocked`), and a closed gi issue with that label is
closed on GitHub as `not_planned`, without the label; without it, as `completed`. On an issue
that is not closed the label is an ordinary label. Any other reason (`duplicate`) reads as a
plain close and is left alone as long as gi does not ask for `not_planned`. GitHub ignores
`state_reason` unless the state changes, so a reason changed on a closed issue is written by
reopening and closing it again.
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
from gitissues.errors import NotFound, RemoteError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from gitissues.bridges.http import Http

PAGE = 100  # GitHub's largest page
LABEL_COLOR = "c5def5"  # GitHub takes colours without the '#'
NOT_PLANNED = "status:not_planned"


class GitHub:
    """One repository on GitHub or a GitHub Enterprise Server, through `http` (its client's
    base URL is the API root, its headers carry the token and the API version)."""

    def __init__(self, http: Http, project: str) -> None:
        owner, repo = owner_repo(project, "GitHub")
        self.http = http
        self.api = f"/repos/{owner}/{repo}"
        self._labels: dict[str, str] | None = None  # lower-cased name → name
        self._milestones: dict[str, int] | None = None  # title → number
        self._assignable: dict[str, bool] = {}  # login → may be assigned here

    @property
    def requests(self) -> int:
        return self.http.requests

    # --- reading -------------------------------------------------------------------------

    def changed(self, since: str | None) -> Iterator[Remote]:
        params: dict[str, Any] = {"state": "all", "sort": "updated", "direction": "asc",
                                  "per_page": PAGE}
        if since:
            params["since"] = since
        comments = _Comments(self.http, f"{self.api}/issues/comments", since)
        # the whole list first: a comment written while it is read is then either in the
        # comment list or newer than the cursor this pull leaves
        listed = [remote_of(item, comments if item.get("comments") else None)
                  for item in self.http.pages(f"{self.api}/issues", params, scheme="link")
                  if not item.get("pull_request")]
        yield from listed

    # --- writing -------------------------------------------------------------------------

    def create(self, fields: dict[str, Any], marker: str) -> Remote:
        state, names, reason = to_github(fields)
        payload: dict[str, Any] = {"title": fields.get("title") or "",
                                   "body": with_marker(fields.get("body") or "", marker),
                                   "labels": self._label_names(names),
                                   "assignees": self._logins(fields.get("assignees") or [])}
        if fields.get("milestone"):
            payload["milestone"] = self._milestone_number(fields["milestone"])
        item = self.http.request("POST", f"{self.api}/issues", json=payload).json()
        if state == "closed":
            item = self._patch(str(item["number"]), {"state": "closed", "state_reason": reason})
        return remote_of(item, [])

    def update(self, key: str, fields: dict[str, Any], changed: set[str]) -> Remote:
        state, names, reason = to_github(fields)
        patch: dict[str, Any] = {}
        if "title" in changed:
            patch["title"] = fields.get("title") or ""
        if "body" in changed:
            current = self.http.get_json(f"{self.api}/issues/{key}")
            patch["body"] = keeping_marker((current or {}).get("body") or "",
                                           fields.get("body") or "")
        if changed & {"labels", "status", "priority"}:
            patch["labels"] = self._label_names(names)
            patch["state"] = state
            if state == "closed":
                patch["state_reason"] = reason
        if "assignees" in changed:
            patch["assignees"] = self._logins(fields.get("assignees") or [])
        if "milestone" in changed:
            patch["milestone"] = (self._milestone_number(fields["milestone"])
                                  if fields.get("milestone") else None)
        item = self._patch(key, patch)
        if state == "closed" and "state" in patch and _reason_differs(item, reason):
            # already closed for another reason, which GitHub keeps unless the state changes
            self._patch(key, {"state": "open"})
            item = self._patch(key, {"state": "closed", "state_reason": reason})
        return remote_of(item, [])

    def add_comment(self, key: str, body: str, marker: str) -> str:
        item = self.http.request("POST", f"{self.api}/issues/{key}/comments",
                                 json={"body": with_marker(body, marker)}).json()
        return str(item["id"])

    def get(self, key: str) -> Remote | None:
        try:
            item = self.http.request("GET", f"{self.api}/issues/{key}").json()
        except NotFound:
            return None
        except RemoteError as exc:
            if exc.details.get("status") == 410:  # deleted (or issues turned off)
                return None
            raise
        if item.get("pull_request"):
            return None
        comments = [comment_of(c) for c in self.http.pages(
            f"{self.api}/issues/{key}/comments", {"per_page": PAGE}, scheme="link")
        ] if item.get("comments") else []
        return remote_of(item, comments)

    def _patch(self, key: str, patch: dict[str, Any]) -> dict[str, Any]:
        return self.http.request("PATCH", f"{self.api}/issues/{key}", json=patch,
                                 idempotent=True).json()

    def _logins(self, assignees: list[str]) -> list[str]:
        """The assignees GitHub will take: one login it cannot assign (an agent's name, someone
        without access) would fail the whole request with 422, so those stay in gi only."""
        from urllib.parse import quote

        for login in assignees:
            if login not in self._assignable:
                try:
                    self.http.request("GET", f"{self.api}/assignees/{quote(login, safe='')}")
                    self._assignable[login] = True
                except NotFound:
                    self._assignable[login] = False
        return [a for a in assignees if self._assignable[a]]

    def _label_names(self, names: list[str]) -> list[str]:
        """`names` as the repository spells them (GitHub's label names ignore case), each
        created first when missing."""
        if not names:
            return []
        if self._labels is None:
            self._labels = {lb["name"].lower(): lb["name"] for lb in self.http.pages(
                f"{self.api}/labels", {"per_page": PAGE}, scheme="link")}
        for name in names:
            if name.lower() not in self._labels:
                self._create_label(name)
                self._labels[name.lower()] = name
        return [self._labels[n.lower()] for n in names]

    def _create_label(self, name: str) -> None:
        try:
            self.http.request("POST", f"{self.api}/labels",
                              json={"name": name, "color": LABEL_COLOR})
        except RemoteError as exc:
            if exc.details.get("status") != 422:  # 422: made meanwhile by someone else
                raise

    def _milestone_number(self, title: str) -> int:
        if self._milestones is None:
            self._milestones = {m["title"]: m["number"] for m in self.http.pages(
                f"{self.api}/milestones", {"state": "all", "per_page": PAGE}, scheme="link")}
        if title not in self._milestones:
            made = self.http.request("POST", f"{self.api}/milestones",
                                     json={"title": title}).json()
            self._milestones[title] = made["number"]
        return self._milestones[title]

    # --- webhooks (base.HookAdmin) --------------------------------------------------------

    def list_hooks(self) -> list[dict[str, Any]]:
        return [hook_of(h) for h in self.http.pages(f"{self.api}/hooks", {"per_page": PAGE},
                                                    scheme="link")]

    def add_hook(self, url: str, secret: str) -> dict[str, Any]:
        # signed in X-Hub-Signature-256; insecure_ssl "0": the certificate is checked
        made = self.http.request("POST", f"{self.api}/hooks", json={
            "name": "web", "active": True, "events": ["issues", "issue_comment"],
            "config": {"url": url, "content_type": "json", "secret": secret,
                       "insecure_ssl": "0"}}).json()
        return hook_of(made)

    def remove_hook(self, hook_id: str) -> None:
        from urllib.parse import quote

        self.http.request("DELETE", f"{self.api}/hooks/{quote(hook_id, safe='')}")


class _Comments:
    """The repository's comments changed since a pull's cursor, by issue number: listed once,
    when the first issue's comments are wanted (a push looking for its markers never is)."""

    def __init__(self, http: Http, url: str, since: str | None) -> None:
        self.http, self.url, self.since = http, url, since
        self._by_issue: dict[str, list[RemoteComment]] | None = None

    def of(self, number: str) -> list[RemoteComment]:
        if self._by_issue is None:
            params: dict[str, Any] = {"per_page": PAGE}
            if self.since:
                params["since"] = self.since
            self._by_issue = {}
            for c in self.http.pages(self.url, params, scheme="link"):
                issue = str(c.get("issue_url") or "").rstrip("/").rpartition("/")[2]
                self._by_issue.setdefault(issue, []).append(comment_of(c))
        return self._by_issue.get(number, [])


class _Listed(Remote):
    """A listed issue whose comments are read from `_Comments` on first use."""

    _loaded: list[RemoteComment] | None = None
    source: _Comments | None = None

    @property  # type: ignore[override]
    def comments(self) -> list[RemoteComment]:
        if self._loaded is None:
            self._loaded = self.source.of(self.key) if self.source else []
        return self._loaded

    @comments.setter
    def comments(self, value: list[RemoteComment]) -> None:
        self._loaded = value or None


# --- GitHub's shapes and gi's fields -------------------------------------------------------

def remote_of(item: dict[str, Any], comments: list[RemoteComment] | _Comments | None
              ) -> Remote:
    """A GitHub issue (as listed, fetched or returned by a write) in gi's terms, with its
    comments or where to find them."""
    body, marked = strip_marker(item.get("body") or "")
    state = item.get("state") or "open"
    names = [lb["name"] if isinstance(lb, dict) else str(lb) for lb in item.get("labels") or []]
    fields: dict[str, Any] = {"title": item.get("title") or "", "body": normal_text(body),
                              **forge.from_forge(state, names),
                              "assignees": sorted(a["login"] for a in item.get("assignees") or []),
                              "milestone": (item.get("milestone") or {}).get("title") or None}
    if state == "closed" and item.get("state_reason") == "not_planned" \
            and NOT_PLANNED not in fields["labels"]:
        fields["labels"] = [*fields["labels"], NOT_PLANNED]
    args = (str(item["number"]), item.get("html_url") or "", item.get("updated_at") or "",
            fields)
    if isinstance(comments, _Comments):
        listed = _Listed(*args, marked=marked, remote_id=str(item["id"]))
        listed.source = comments
        return listed
    return Remote(*args, comments or [], marked, remote_id=str(item["id"]))


def comment_of(c: dict[str, Any]) -> RemoteComment:
    body, local_id = strip_marker(c.get("body") or "")
    return RemoteComment(str(c["id"]), (c.get("user") or {}).get("login") or "",
                         c.get("created_at") or "", normal_text(body), local_id)


def to_github(fields: dict[str, Any]) -> tuple[str, list[str], str | None]:
    """(`open`|`closed`, the labels to set, the `state_reason` of a close) for gi's fields."""
    state, names = forge.to_forge(fields)
    if state != "closed":
        return state, names, None
    planned = NOT_PLANNED not in names
    return state, [n for n in names if n != NOT_PLANNED], \
        "completed" if planned else "not_planned"


def _reason_differs(item: dict[str, Any], reason: str | None) -> bool:
    return (item.get("state_reason") == "not_planned") != (reason == "not_planned")


def hook_of(item: dict[str, Any]) -> dict[str, Any]:
    """A GitHub webhook as `HookAdmin` shows it (its own `url` is the API's, not the target)."""
    return {"id": str(item["id"]), "url": (item.get("config") or {}).get("url") or "",
            "events": list(item.get("events") or []), "active": bool(item.get("active"))}
