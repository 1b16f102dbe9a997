"""A fake GitLab API v4 for one project, over real HTTP.

Serves what a two-way issue bridge uses: issues (list with updated_after/order_by/sort/per_page/
page, and `pagination=keyset`), get, create, PUT with `state_event`, notes (with the system notes
GitLab writes on close, reopen and retitle), labels, milestones, users and webhooks
(`fakes.hooks`). The project is named
by id or by URL-encoded path. Offset pages carry `X-Page`, `X-Per-Page`, `X-Next-Page`,
`X-Prev-Page`, `X-Total`, `X-Total-Pages` (the totals omitted past 10,000 rows, as GitLab does)
and `Link`; keyset pages carry only a `Link` rel=next. GETs carry a weak ETag (304 on a match);
every answer carries `RateLimit-*`. Errors have GitLab's bodies (`{"message": ...}`, and
`{"error": "title is missing"}` / 400 `{"message": {"title": ["can't be blank"]}}`).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from email.utils import formatdate
from typing import Any
from urllib.parse import urlencode

from fakes.hooks import GitLabHooks
from fakes.server import ApiError, FakeForge, Reply, Request, parse_time
from fakes.state import Comment, Issue, Label, Milestone, User

PROJECT = r"/api/v4/projects/(?P<project>[^/]+)"
ISSUE = PROJECT + r"/issues/(?P<iid>\d+)"
TOTALS_LIMIT = 10_000  # GitLab stops counting (no X-Total/X-Total-Pages) past this many rows


def gl_time(t: datetime | None) -> str | None:
    return None if t is None else t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class FakeGitLab(GitLabHooks, FakeForge):
    etags = True
    default_per_page = 20
    max_per_page = 100
    project_id = 4312005
    rate_limit = 2000
    rate_reset = 1709287200

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.observed = 0
        r = self.route
        r("GET", PROJECT + r"/issues", self.list_issues)
        r("POST", PROJECT + r"/issues", self.create_issue)
        r("GET", ISSUE, lambda q: Reply(200, self.issue_json(self._issue(q))))
        r("PUT", ISSUE, self.edit_issue)
        r("GET", ISSUE + r"/notes", self.list_notes)
        r("POST", ISSUE + r"/notes", self.create_note)
        r("PUT", ISSUE + r"/notes/(?P<id>\d+)", self.edit_note)
        r("GET", PROJECT + r"/labels", lambda q: self._offset(
            q, list(self._project(q).labels.values()), self.label_json))
        r("POST", PROJECT + r"/labels", self.create_label)
        r("GET", PROJECT + r"/milestones", self.list_milestones)
        r("POST", PROJECT + r"/milestones", self.create_milestone)
        r("GET", r"/api/v4/users", self.find_users)
        r("GET", r"/api/v4/user", lambda q: Reply(200, self.user_json(self.state.user(q.user))))
        self.hook_routes(PROJECT)

    @property
    def auth(self) -> dict[str, str]:
        return {"PRIVATE-TOKEN": self.token}

    def token_from(self, headers: dict[str, str]) -> str | None:
        if "private-token" in headers:
            return headers["private-token"]
        scheme, _, value = headers.get("authorization", "").partition(" ")
        return value.strip() if scheme.lower() == "bearer" else None

    def error_body(self, status: int, message: str, extra: dict[str, Any]) -> Any:
        if "body" in extra:
            return extra["body"]
        if status == 429:
            return {"message": {"error": "This endpoint has been requested too many times. "
                                         "Try again later."}}
        return {"message": {401: "401 Unauthorized", 404: f"404 {message}",
                            405: "405 Method Not Allowed"}.get(status, message)}

    def extra_headers(self, status: int, not_modified: bool) -> dict[str, str]:
        self.observed += 1
        return {"RateLimit-Limit": str(self.rate_limit), "RateLimit-Observed":
                str(self.observed), "RateLimit-Remaining": str(max(0, self.rate_limit -
                                                                   self.observed)),
                "RateLimit-Reset": str(self.rate_reset),
                "RateLimit-ResetTime": formatdate(self.rate_reset, usegmt=True)}

    # -- shapes --

    def user_json(self, u: User) -> dict[str, Any]:
        return {"id": u.id, "username": u.login, "name": u.name, "state": "active",
                "avatar_url": f"{self.base_url}/uploads/-/system/user/avatar/{u.id}/avatar.png",
                "web_url": f"{self.base_url}/{u.login}"}

    def label_json(self, lb: Label) -> dict[str, Any]:
        issues = [i for i in self.state.issues.values() if lb.name in i.labels]
        return {"id": lb.id, "name": lb.name, "color": f"#{lb.color}", "text_color": "#FFFFFF",
                "description": lb.description or None, "description_html": lb.description,
                "open_issues_count": sum(i.state == "open" for i in issues),
                "closed_issues_count": sum(i.state == "closed" for i in issues),
                "open_merge_requests_count": 0, "subscribed": False, "priority": None,
                "is_project_label": True}

    def milestone_json(self, ms: Milestone) -> dict[str, Any]:
        return {"id": ms.id, "iid": ms.number, "project_id": self.project_id, "title": ms.title,
                "description": ms.description or None,
                "state": "active" if ms.state == "open" else "closed",
                "created_at": gl_time(ms.created_at), "updated_at": gl_time(ms.updated_at),
                "due_date": ms.due_on.strftime("%Y-%m-%d") if ms.due_on else None,
                "start_date": None, "web_url": f"{self._web()}/-/milestones/{ms.number}"}

    def issue_json(self, i: Issue) -> dict[str, Any]:
        s = self.state
        users = [self.user_json(s.user(a)) for a in i.assignees]
        ref = f"{s.owner}/{s.repo}#{i.number}"
        return {
            "id": i.id, "iid": i.number, "project_id": self.project_id, "title": i.title,
            "description": i.body or None, "state": "opened" if i.state == "open" else "closed",
            "created_at": gl_time(i.created_at), "updated_at": gl_time(i.updated_at),
            "closed_at": gl_time(i.closed_at), "closed_by": self.user_json(s.me)
            if i.state == "closed" else None, "labels": list(i.labels),
            "milestone": None if i.milestone is None else
            self.milestone_json(s.milestones[i.milestone]),
            "assignees": users, "assignee": users[0] if users else None,
            "author": self.user_json(s.user(i.author)), "type": "ISSUE", "issue_type": "issue",
            "user_notes_count": s.count_comments(i.number), "merge_requests_count": 0,
            "upvotes": 0, "downvotes": 0, "due_date": None, "confidential": False,
            "discussion_locked": None, "web_url": f"{self._web()}/-/issues/{i.number}",
            "time_stats": {"time_estimate": 0, "total_time_spent": 0,
                           "human_time_estimate": None, "human_total_time_spent": None},
            "task_completion_status": {"count": 0, "completed_count": 0}, "has_tasks": False,
            "references": {"short": f"#{i.number}", "relative": f"#{i.number}", "full": ref},
            "severity": "UNKNOWN", "moved_to_id": None, "service_desk_reply_to": None,
        }

    def note_json(self, c: Comment) -> dict[str, Any]:
        return {"id": c.id, "type": None, "body": c.body, "attachment": None,
                "author": self.user_json(self.state.user(c.author)),
                "created_at": gl_time(c.created_at), "updated_at": gl_time(c.updated_at),
                "system": c.system, "noteable_id": self.state.issues[c.issue].id,
                "noteable_type": "Issue", "noteable_iid": c.issue, "resolvable": False,
                "confidential": False, "internal": False, "commands_changes": {}}

    # -- handlers --

    def list_issues(self, q: Request) -> Reply:
        s, a = self._project(q), q.query
        state = a.get("state", "all")
        after = parse_time(a["updated_after"], 400) if a.get("updated_after") else None
        before = parse_time(a["updated_before"], 400) if a.get("updated_before") else None
        wanted = set(filter(None, a.get("labels", "").split(",")))
        order = a.get("order_by", "created_at")
        if order not in ("created_at", "updated_at") or a.get("sort", "desc") not in ("asc",
                                                                                       "desc"):
            raise ApiError(400, "order_by, sort does not have a valid value",
                           body={"error": "order_by, sort does not have a valid value"})
        rows = [i for i in s.issues.values() if not i.pull_request
                and state in ("all", {"open": "opened"}.get(i.state, i.state))
                and (after is None or i.updated_at >= after)
                and (before is None or i.updated_at <= before) and wanted <= set(i.labels)]
        key = (lambda i: (i.updated_at, i.id)) if order == "updated_at" else \
            (lambda i: (i.created_at, i.id))
        rows.sort(key=key, reverse=a.get("sort", "desc") == "desc")
        if a.get("pagination") == "keyset":
            return self._keyset(q, rows, key)
        return self._offset(q, rows, self.issue_json)

    def create_issue(self, q: Request) -> Reply:
        s, body = self._project(q), self._args(q)
        if "title" not in body:
            raise ApiError(400, "", body={"error": "title is missing"})
        if not str(body["title"] or "").strip():
            raise ApiError(400, "", body={"message": {"title": ["can't be blank"]}})
        issue = s.add_issue(str(body["title"]), body.get("description") or "", author=q.user,
                            labels=self._names(body.get("labels")),
                            assignees=self._logins(body.get("assignee_ids")))
        if body.get("milestone_id"):
            issue.milestone = self._milestone(body["milestone_id"]).id
        return Reply(201, self.issue_json(issue))

    def edit_issue(self, q: Request) -> Reply:
        s, issue, body = self.state, self._issue(q), self._args(q)
        if "title" in body and not str(body["title"] or "").strip():
            raise ApiError(400, "", body={"message": {"title": ["can't be blank"]}})
        event = body.get("state_event")
        if event not in (None, "close", "reopen"):
            raise ApiError(400, "", body={"error": "state_event does not have a valid value"})
        if "title" in body and body["title"] != issue.title:
            s.add_comment(issue.number, f"changed title from **{issue.title}** to "
                          f"**{body['title']}**", system=True)
            issue.title = body["title"]
        if "description" in body and (body["description"] or "") != issue.body:
            issue.body = body["description"] or ""
            s.add_comment(issue.number, "changed the description", system=True)
        if "labels" in body:
            s.set_labels(issue, self._names(body["labels"]))
        add, drop = self._names(body.get("add_labels")), self._names(body.get("remove_labels"))
        if add or drop:
            s.set_labels(issue, [n for n in issue.labels + add if n not in drop])
        if "assignee_ids" in body:
            issue.assignees = self._logins(body["assignee_ids"])
        if "milestone_id" in body:
            issue.milestone = self._milestone(body["milestone_id"]).id \
                if body["milestone_id"] else None
        now = s.tick()
        if event and {"close": "closed", "reopen": "open"}[event] != issue.state:
            s.set_state(issue, {"close": "closed", "reopen": "open"}[event], None, now)
            s.add_comment(issue.number, "closed" if event == "close" else "reopened",
                          system=True)
        issue.updated_at = s.tick()
        return Reply(200, self.issue_json(issue))

    def list_notes(self, q: Request) -> Reply:
        issue, a = self._issue(q), q.query
        key = "updated_at" if a.get("order_by") == "updated_at" else "created_at"
        rows = sorted(self.state.issue_comments(issue.number),
                      key=lambda c: (getattr(c, key), c.id), reverse=a.get("sort") != "asc")
        return self._offset(q, rows, self.note_json)

    def create_note(self, q: Request) -> Reply:
        issue, body = self._issue(q), self._args(q)
        if not str(body.get("body") or "").strip():
            raise ApiError(400, "", body={"error": "body is missing"})
        c = self.state.add_comment(issue.number, str(body["body"]), author=q.user)
        return Reply(201, self.note_json(c))

    def edit_note(self, q: Request) -> Reply:
        issue, body = self._issue(q), self._args(q)
        c = self.state.comments.get(int(q.params["id"]))
        if c is None or c.issue != issue.number:
            raise ApiError(404, "Note Not Found")
        if not str(body.get("body") or "").strip():
            raise ApiError(400, "", body={"message": {"note": ["can't be blank"]}})
        c.body, c.updated_at = str(body["body"]), self.state.tick()
        issue.updated_at = c.updated_at
        return Reply(200, self.note_json(c))

    def create_label(self, q: Request) -> Reply:
        s, body = self._project(q), self._args(q)
        name, color = str(body.get("name") or ""), str(body.get("color") or "")
        if not name.strip() or not color:
            raise ApiError(400, "", body={"error": f"{'name' if not name else 'color'} "
                                                   "is missing"})
        if s.label_named(name):
            raise ApiError(409, "Label already exists")
        return Reply(201, self.label_json(s.add_label(name, color, body.get("description")
                                                      or "")))

    def list_milestones(self, q: Request) -> Reply:
        s, state = self._project(q), q.query.get("state")
        rows = [m for m in s.milestones.values()
                if state is None or state == ("active" if m.state == "open" else "closed")]
        return self._offset(q, rows, self.milestone_json)

    def create_milestone(self, q: Request) -> Reply:
        s, body = self._project(q), self._args(q)
        if not str(body.get("title") or "").strip():
            raise ApiError(400, "", body={"error": "title is missing"})
        if any(m.title == body["title"] for m in s.milestones.values()):
            raise ApiError(400, "Milestone already exists")
        due = parse_time(body["due_date"], 400) if body.get("due_date") else None
        ms = s.add_milestone(str(body["title"]), body.get("description") or "", "open", due)
        return Reply(201, self.milestone_json(ms))

    def find_users(self, q: Request) -> Reply:
        name = q.query.get("username")
        rows = [u for u in self.state.users.values() if name is None or u.login == name]
        return self._offset(q, rows, self.user_json)

    # -- helpers --

    def _web(self) -> str:
        return f"{self.base_url}/{self.state.owner}/{self.state.repo}"

    def _project(self, q: Request) -> Any:
        s = self.state
        if q.params["project"] not in (str(self.project_id), f"{s.owner}/{s.repo}"):
            raise ApiError(404, "Project Not Found")
        return s

    def _issue(self, q: Request) -> Issue:
        issue = self._project(q).issues.get(int(q.params["iid"]))
        if issue is None or issue.pull_request:
            raise ApiError(404, "Issue Not Found")
        return issue

    def _args(self, q: Request) -> dict[str, Any]:
        """GitLab takes parameters from the query, a form or a JSON body alike."""
        return {**q.query, **(q.body if isinstance(q.body, dict) else {})}

    def _names(self, value: Any) -> list[str]:
        items = value.split(",") if isinstance(value, str) else list(value or [])
        return [str(x).strip() for x in items if str(x).strip()]

    def _logins(self, ids: Any) -> list[str]:
        by_id = {u.id: u.login for u in self.state.users.values()}
        return [by_id[int(x)] for x in self._names(ids) if int(x) in by_id]

    def _milestone(self, ref: Any) -> Milestone:
        ms = self.state.milestones.get(int(ref))
        if ms is None:
            raise ApiError(404, "Milestone Not Found")
        return ms

    def _offset(self, q: Request, rows: list[Any], render: Any) -> Reply:
        """One page of `rows`, rendered (only that page: lists can be 10,000 rows long)."""
        page, size = self.page_args(q, "per_page")
        total, last = len(rows), max(1, -(-len(rows) // size))
        counted = total <= TOTALS_LIMIT
        h = {"X-Page": str(page), "X-Per-Page": str(size),
             "X-Next-Page": str(page + 1) if page < last else "",
             "X-Prev-Page": str(page - 1) if page > 1 else ""}
        if counted:
            h |= {"X-Total": str(total), "X-Total-Pages": str(last)}
        link = self.link_header(q, page, last if counted else None)
        if not counted and page >= last:
            link = ", ".join(x for x in link.split(", ") if 'rel="next"' not in x)
        if link:
            h["Link"] = link
        return Reply(200, [render(x) for x in rows[(page - 1) * size:page * size]], h)

    def _keyset(self, q: Request, rows: list[Issue], key: Any) -> Reply:
        _, size = self.page_args(q, "per_page")
        if q.query.get("cursor"):
            try:
                mark = json.loads(base64.urlsafe_b64decode(q.query["cursor"]))
            except ValueError:
                raise ApiError(400, "", body={"error": "cursor is invalid"}) from None
            at = [i.number for i in rows].index(mark["iid"]) if any(
                i.number == mark["iid"] for i in rows) else len(rows)
            rows = rows[at + 1:]
        page, h = rows[:size], {"X-Per-Page": str(size)}
        if len(rows) > size:
            cursor = base64.urlsafe_b64encode(json.dumps({"iid": page[-1].number}).encode())
            args = {**q.query, "cursor": cursor.decode()}
            h["Link"] = f'<{self.base_url}{q.path}?{urlencode(args)}>; rel="next"'
        return Reply(200, [self.issue_json(i) for i in page], h)
