"""A fake GitHub REST v3 for one repository, over real HTTP.

Serves what a two-way issue bridge uses: issues (list with state/since/sort/direction/per_page/
page; pull requests appear in that list with a `pull_request` key, as on GitHub), get, create,
PATCH (with `state_reason`, which GitHub ignores unless the state changes), comments (per issue
and for the whole repository), labels, milestones, users and webhooks (`fakes.hooks`). Every
answer carries the `x-ratelimit-*` headers; GETs carry a weak ETag, and a matching
`If-None-Match` is a 304 with no body that does not spend the rate limit. Errors have GitHub's
bodies (`message`, `documentation_url`, `status`; 422 adds `errors`).
"""

from __future__ import annotations

from typing import Any

from fakes.hooks import GitHubHooks
from fakes.server import ApiError, FakeForge, Reply, Request, iso, parse_time
from fakes.state import Comment, Issue, Label, Milestone, User

REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
ISSUE = REPO + r"/issues/(?P<number>\d+)"
DOCS = "https://docs.github.com/rest"
STATUS_TEXT = {401: "Bad credentials", 403: "Forbidden", 404: "Not Found",
               422: "Validation Failed", 429: "Too Many Requests", 500: "Server Error"}


class FakeGitHub(GitHubHooks, FakeForge):
    """`base_url` is the API root (as `https://api.github.com`); web links use `/web`."""

    etags = True
    max_per_page = 100
    rate_limit = 5000
    rate_reset = 1709287200  # 2024-03-01T10:00:00Z, an hour after the fake clock starts

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.rate_used = 0
        r = self.route
        r("GET", REPO + r"/issues", self.list_issues)
        r("POST", REPO + r"/issues", self.create_issue)
        r("GET", ISSUE, lambda q: Reply(200, self.issue_json(self._issue(q))))
        r("PATCH", ISSUE, self.edit_issue)
        r("GET", ISSUE + r"/comments", self.list_comments)
        r("POST", ISSUE + r"/comments", self.create_comment)
        r("GET", REPO + r"/issues/comments", self.list_repo_comments)
        r("GET", REPO + r"/issues/comments/(?P<id>\d+)",
          lambda q: Reply(200, self.comment_json(self._comment(q))))
        r("PATCH", REPO + r"/issues/comments/(?P<id>\d+)", self.edit_comment)
        r("GET", REPO + r"/labels", self.list_labels)
        r("POST", REPO + r"/labels", self.create_label)
        r("GET", REPO + r"/milestones", self.list_milestones)
        r("POST", REPO + r"/milestones", self.create_milestone)
        r("GET", REPO + r"/assignees/(?P<login>[^/]+)", self.check_assignee)
        r("GET", r"/users/(?P<login>[^/]+)", self.get_user)
        r("GET", r"/user", lambda q: Reply(200, self.user_json(self.state.user(q.user))))
        self.hook_routes(REPO)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def token_from(self, headers: dict[str, str]) -> str | None:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        return value.strip() if scheme.lower() in ("token", "bearer") else None

    def error_body(self, status: int, message: str, extra: dict[str, Any]) -> Any:
        body: dict[str, Any] = {"message": STATUS_TEXT.get(status, message),
                                "documentation_url": DOCS, "status": str(status)}
        if status == 422:
            body["errors"] = extra.get("errors") or [{"resource": "Issue", "code": "invalid",
                                                      "message": message}]
        return body

    def extra_headers(self, status: int, not_modified: bool) -> dict[str, str]:
        if not not_modified:
            self.rate_used += 1
        return {"x-ratelimit-limit": str(self.rate_limit),
                "x-ratelimit-remaining": str(max(0, self.rate_limit - self.rate_used)),
                "x-ratelimit-reset": str(self.rate_reset),
                "x-ratelimit-used": str(self.rate_used), "x-ratelimit-resource": "core"}

    # -- shapes --

    def user_json(self, u: User) -> dict[str, Any]:
        api = f"{self.base_url}/users/{u.login}"
        return {"login": u.login, "id": u.id, "node_id": f"MDQ6VXNlcj{u.id}",
                "avatar_url": f"{self.base_url}/avatars/u/{u.id}?v=4", "gravatar_id": "",
                "url": api, "html_url": f"{self.base_url}/web/{u.login}",
                "followers_url": f"{api}/followers",
                "following_url": f"{api}/following{{/other_user}}",
                "gists_url": f"{api}/gists{{/gist_id}}",
                "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
                "subscriptions_url": f"{api}/subscriptions",
                "organizations_url": f"{api}/orgs", "repos_url": f"{api}/repos",
                "events_url": f"{api}/events{{/privacy}}",
                "received_events_url": f"{api}/received_events", "type": "User",
                "user_view_type": "public", "site_admin": False}

    def label_json(self, lb: Label) -> dict[str, Any]:
        return {"id": lb.id, "node_id": f"LA_kwDO{lb.id}", "url":
                f"{self._api()}/labels/{lb.name}", "name": lb.name, "color": lb.color,
                "default": False, "description": lb.description or None}

    def milestone_json(self, ms: Milestone) -> dict[str, Any]:
        opened, closed = self.state.milestone_counts(ms)
        url = f"{self._api()}/milestones/{ms.number}"
        return {"url": url, "html_url": f"{self._web()}/milestone/{ms.number}",
                "labels_url": f"{url}/labels", "id": ms.id, "node_id": f"MI_kwDO{ms.id}",
                "number": ms.number, "title": ms.title, "description": ms.description or None,
                "creator": self.user_json(self.state.me), "open_issues": opened,
                "closed_issues": closed, "state": ms.state, "created_at": iso(ms.created_at),
                "updated_at": iso(ms.updated_at), "due_on": iso(ms.due_on),
                "closed_at": iso(ms.closed_at)}

    def _reactions(self, url: str) -> dict[str, Any]:
        return {"url": f"{url}/reactions", "total_count": 0, "+1": 0, "-1": 0, "laugh": 0,
                "hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0}

    def issue_json(self, i: Issue) -> dict[str, Any]:
        s, url = self.state, f"{self._api()}/issues/{i.number}"
        users = [self.user_json(s.user(a)) for a in i.assignees]
        out: dict[str, Any] = {
            "url": url, "repository_url": self._api(), "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments", "events_url": f"{url}/events",
            "html_url": f"{self._web()}/{'pull' if i.pull_request else 'issues'}/{i.number}",
            "id": i.id, "node_id": f"I_kwDO{i.id}", "number": i.number, "title": i.title,
            "user": self.user_json(s.user(i.author)),
            "labels": [self.label_json(s.label_named(n)) for n in i.labels],  # type: ignore[arg-type]
            "state": i.state, "locked": i.locked, "assignee": users[0] if users else None,
            "assignees": users, "milestone": None if i.milestone is None else
            self.milestone_json(s.milestones[i.milestone]),
            "comments": s.count_comments(i.number), "created_at": iso(i.created_at),
            "updated_at": iso(i.updated_at), "closed_at": iso(i.closed_at),
            "author_association": "OWNER", "active_lock_reason": None, "body": i.body or None,
            "reactions": self._reactions(url), "timeline_url": f"{url}/timeline",
            "performed_via_github_app": None, "state_reason": i.state_reason,
            "sub_issues_summary": {"total": 0, "completed": 0, "percent_completed": 0},
            "issue_dependencies_summary": {"blocked_by": 0, "blocking": 0,
                                           "total_blocked_by": 0, "total_blocking": 0},
        }
        if i.pull_request:
            pulls = f"{self._api()}/pulls/{i.number}"
            out["draft"] = False
            out["pull_request"] = {"url": pulls, "html_url": out["html_url"],
                                   "diff_url": out["html_url"] + ".diff",
                                   "patch_url": out["html_url"] + ".patch", "merged_at": None}
        return out

    def comment_json(self, c: Comment) -> dict[str, Any]:
        url = f"{self._api()}/issues/comments/{c.id}"
        return {"url": url, "html_url": f"{self._web()}/issues/{c.issue}#issuecomment-{c.id}",
                "issue_url": f"{self._api()}/issues/{c.issue}", "id": c.id,
                "node_id": f"IC_kwDO{c.id}", "user": self.user_json(self.state.user(c.author)),
                "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
                "author_association": "OWNER", "body": c.body,
                "reactions": self._reactions(url), "performed_via_github_app": None}

    # -- handlers --

    def list_issues(self, q: Request) -> Reply:
        self._repo(q)
        state, sort = q.query.get("state", "open"), q.query.get("sort", "created")
        if state not in ("open", "closed", "all") or sort not in ("created", "updated",
                                                                  "comments"):
            raise ApiError(422, "invalid state or sort")
        since = parse_time(q.query["since"]) if q.query.get("since") else None
        wanted = set(filter(None, q.query.get("labels", "").split(",")))
        rows = [i for i in self.state.issues.values() if state in ("all", i.state)
                and (since is None or i.updated_at >= since) and wanted <= set(i.labels)]
        key = {"created": lambda i: (i.created_at, i.id), "updated": lambda i: (i.updated_at,
               i.id), "comments": lambda i: (self.state.count_comments(i.number), i.id)}[sort]
        rows.sort(key=key, reverse=q.query.get("direction", "desc") != "asc")
        return self._page(q, rows, self.issue_json)

    def create_issue(self, q: Request) -> Reply:
        self._repo(q)
        body = self._body(q)
        self._check_title(body, required=True)
        ms = self._milestone(body["milestone"]) if body.get("milestone") is not None else None
        issue = self.state.add_issue(
            body["title"], body.get("body") or "", labels=self._label_names(body),
            assignees=self._assignable(body), author=q.user,
            milestone=ms.id if ms else None)
        return Reply(201, self.issue_json(issue), {"Location": f"{self._api()}/issues/"
                                                   f"{issue.number}"})

    def edit_issue(self, q: Request) -> Reply:
        issue, body, s = self._issue(q), self._body(q), self.state
        self._check_title(body, required=False)
        if body.get("state") not in (None, "open", "closed"):
            raise ApiError(422, "state", errors=[{"resource": "Issue", "field": "state",
                                                  "code": "invalid"}])
        reason = body.get("state_reason")
        if reason not in (None, "completed", "not_planned", "reopened", "duplicate"):
            raise ApiError(422, "state_reason", errors=[{"resource": "Issue", "code": "invalid",
                                                         "field": "state_reason"}])
        now = s.tick()
        issue.title = body.get("title", issue.title)
        issue.body = body.get("body", issue.body) or ""
        if "labels" in body:
            s.set_labels(issue, self._label_names(body))
        if "assignees" in body:
            issue.assignees = self._assignable(body)
        if "milestone" in body:
            issue.milestone = None if body["milestone"] is None else \
                self._milestone(body["milestone"]).id
        if body.get("state"):
            default = "completed" if body["state"] == "closed" else "reopened"
            s.set_state(issue, body["state"], reason or default, now)
        issue.updated_at = now
        return Reply(200, self.issue_json(issue))

    def list_comments(self, q: Request) -> Reply:
        issue = self._issue(q)
        since = parse_time(q.query["since"]) if q.query.get("since") else None
        rows = [c for c in self.state.issue_comments(issue.number)
                if since is None or c.updated_at >= since]
        return self._page(q, [self.comment_json(c) for c in rows])

    def list_repo_comments(self, q: Request) -> Reply:
        """Every comment of the repository (issues and pull requests), by ascending id unless
        `sort` says otherwise."""
        self._repo(q)
        since = parse_time(q.query["since"]) if q.query.get("since") else None
        rows = [c for c in self.state.comments.values() if not c.system
                and (since is None or c.updated_at >= since)]
        sort = q.query.get("sort")
        if sort not in (None, "created", "updated"):
            raise ApiError(422, "invalid sort")
        if sort is None:
            rows.sort(key=lambda c: c.id)
        else:
            rows.sort(key=lambda c: (getattr(c, f"{sort}_at"), c.id),
                      reverse=q.query.get("direction", "desc") != "asc")
        return self._page(q, [self.comment_json(c) for c in rows])

    def create_comment(self, q: Request) -> Reply:
        issue, body = self._issue(q), self._body(q)
        if not isinstance(body.get("body"), str) or not body["body"]:
            raise ApiError(422, "body", errors=[{"resource": "IssueComment",
                                                 "code": "missing_field", "field": "body"}])
        c = self.state.add_comment(issue.number, body["body"], author=q.user)
        return Reply(201, self.comment_json(c))

    def edit_comment(self, q: Request) -> Reply:
        c, body = self._comment(q), self._body(q)
        if not isinstance(body.get("body"), str) or not body["body"]:
            raise ApiError(422, "body", errors=[{"resource": "IssueComment",
                                                 "code": "missing_field", "field": "body"}])
        c.body, c.updated_at = body["body"], self.state.tick()
        return Reply(200, self.comment_json(c))

    def list_labels(self, q: Request) -> Reply:
        self._repo(q)
        return self._page(q, [self.label_json(lb) for lb in self.state.labels.values()])

    def create_label(self, q: Request) -> Reply:
        self._repo(q)
        body = self._body(q)
        name = str(body.get("name") or "")
        if not name.strip():
            raise ApiError(422, "name", errors=[{"resource": "Label", "code": "missing_field",
                                                 "field": "name"}])
        if self.state.label_named(name):
            raise ApiError(422, "name", errors=[{"resource": "Label", "code": "already_exists",
                                                 "field": "name"}])
        label = self.state.add_label(name, body.get("color") or "ededed",
                                     body.get("description") or "")
        return Reply(201, self.label_json(label))

    def list_milestones(self, q: Request) -> Reply:
        self._repo(q)
        state = q.query.get("state", "open")
        rows = [m for m in self.state.milestones.values() if state in ("all", m.state)]
        return self._page(q, [self.milestone_json(m) for m in rows])

    def create_milestone(self, q: Request) -> Reply:
        self._repo(q)
        body = self._body(q)
        title = str(body.get("title") or "")
        taken = any(m.title == title for m in self.state.milestones.values())
        if not title.strip() or taken:
            raise ApiError(422, "title", errors=[{"resource": "Milestone", "field": "title",
                                                  "code": "already_exists" if taken
                                                  else "missing_field"}])
        due = parse_time(body["due_on"]) if body.get("due_on") else None
        ms = self.state.add_milestone(title, body.get("description") or "",
                                      body.get("state") or "open", due)
        return Reply(201, self.milestone_json(ms))

    def check_assignee(self, q: Request) -> Reply:
        """204 when the login may be assigned (here: a user the fake knows), else 404."""
        self._repo(q)
        if q.params["login"] not in self.state.users:
            raise ApiError(404, "Not Found")
        return Reply(204)

    def get_user(self, q: Request) -> Reply:
        user = self.state.users.get(q.params["login"])
        if user is None:
            raise ApiError(404, "Not Found")
        return Reply(200, {**self.user_json(user), "name": user.name, "email": None})

    # -- helpers --

    def _api(self) -> str:
        return f"{self.base_url}/repos/{self.state.owner}/{self.state.repo}"

    def _web(self) -> str:
        return f"{self.base_url}/web/{self.state.owner}/{self.state.repo}"

    def _repo(self, q: Request) -> None:
        if (q.params["owner"], q.params["repo"]) != (self.state.owner, self.state.repo):
            raise ApiError(404, "Not Found")

    def _issue(self, q: Request) -> Issue:
        self._repo(q)
        issue = self.state.issues.get(int(q.params["number"]))
        if issue is None:
            raise ApiError(404, "Not Found")
        return issue

    def _comment(self, q: Request) -> Comment:
        self._repo(q)
        c = self.state.comments.get(int(q.params["id"]))
        if c is None:
            raise ApiError(404, "Not Found")
        return c

    def _body(self, q: Request) -> dict[str, Any]:
        if not isinstance(q.body, dict):
            raise ApiError(400, "Problems parsing JSON")
        return q.body

    def _check_title(self, body: dict[str, Any], required: bool) -> None:
        if (required or "title" in body) and not str(body.get("title") or "").strip():
            raise ApiError(422, "title", errors=[{"resource": "Issue", "code": "missing_field",
                                                  "field": "title"}])

    def _label_names(self, body: dict[str, Any]) -> list[str]:
        return [x["name"] if isinstance(x, dict) else str(x) for x in body.get("labels") or []]

    def _assignable(self, body: dict[str, Any]) -> list[str]:
        """The logins to assign; one that cannot be assigned (here: unknown) fails the whole
        request with 422, as on GitHub."""
        logins = [str(a) for a in body.get("assignees") or []]
        bad = [a for a in logins if a not in self.state.users]
        if bad:
            raise ApiError(422, "assignees", errors=[{
                "resource": "Issue", "field": "assignees", "code": "invalid",
                "message": f"assignees {', '.join(bad)} cannot be assigned to this issue"}])
        return logins

    def _milestone(self, number: Any) -> Milestone:
        ms = next((m for m in self.state.milestones.values() if m.number == number), None)
        if ms is None:
            raise ApiError(422, "milestone", errors=[{"resource": "Issue", "code": "invalid",
                                                      "field": "milestone", "value": number}])
        return ms

    def _page(self, q: Request, rows: list[Any], render: Any = None) -> Reply:
        """One page of `rows`, each rendered by `render` (only the page's are rendered)."""
        page, size = self.page_args(q, "per_page")
        last = max(1, -(-len(rows) // size))
        link = self.link_header(q, page, last)
        shown = rows[(page - 1) * size:page * size]
        return Reply(200, [render(r) for r in shown] if render else shown,
                     {"Link": link} if link else {})
