"""A fake Gitea (or Forgejo) API v1 for one repository, over real HTTP.

Serves what a two-way issue bridge uses: issues (list with state/type/since/page/limit, get,
create, PATCH), comments, labels (repository and per issue), milestones, users and webhooks
(`fakes.hooks`). Answers carry
Gitea's shapes (swagger definitions Issue, Comment, Label, Milestone, User), `X-Total-Count` and
`Link` on lists, and Gitea's error bodies (`{"message", "url"}`, 404 with `errors`). Like Gitea,
an edit answers 201, and nil pointers and empty assignee lists come back as null.
"""

from __future__ import annotations

from typing import Any

from fakes.hooks import GiteaHooks
from fakes.server import ApiError, FakeForge, Reply, Request, iso, parse_time
from fakes.state import Comment, Issue, Label, Milestone, User

REPO = r"/api/v1/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
ISSUE = REPO + r"/issues/(?P<index>\d+)"


class FakeGitea(GiteaHooks, FakeForge):
    """`flavor="forgejo"` adds the fields Forgejo's User has on top of Gitea's (`pronouns`)."""

    default_per_page = 30
    max_per_page = 50

    def __init__(self, *args: Any, flavor: str = "gitea", **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.flavor = flavor
        r = self.route
        r("GET", REPO + r"/issues", self.list_issues)
        r("POST", REPO + r"/issues", self.create_issue)
        r("GET", ISSUE, self.get_issue)
        r("PATCH", ISSUE, self.edit_issue)
        r("GET", ISSUE + r"/comments", self.list_comments)
        r("POST", ISSUE + r"/comments", self.create_comment)
        r("PATCH", REPO + r"/issues/comments/(?P<id>\d+)", self.edit_comment)
        r("GET", ISSUE + r"/labels", lambda q: Reply(200, self._labels(self._issue(q))))
        r("PUT", ISSUE + r"/labels", lambda q: self.issue_labels(q, replace=True))
        r("POST", ISSUE + r"/labels", lambda q: self.issue_labels(q, replace=False))
        r("DELETE", ISSUE + r"/labels", self.clear_labels)
        r("DELETE", ISSUE + r"/labels/(?P<id>\d+)", self.remove_label)
        r("GET", REPO + r"/labels", self.list_labels)
        r("POST", REPO + r"/labels", self.create_label)
        r("GET", REPO + r"/milestones", self.list_milestones)
        r("POST", REPO + r"/milestones", self.create_milestone)
        r("GET", r"/api/v1/users/(?P<username>[^/]+)", self.get_user)
        r("GET", r"/api/v1/user", lambda q: Reply(200, self.user_json(self.state.user(q.user))))
        self.hook_routes(REPO)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def token_from(self, headers: dict[str, str]) -> str | None:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        return value.strip() if scheme.lower() in ("token", "bearer") else None

    def error_body(self, status: int, message: str, extra: dict[str, Any]) -> Any:
        body: dict[str, Any] = {"message": message, "url": f"{self.base_url}/api/swagger"}
        if status == 404:
            body = {"errors": [message], "message": "The target couldn't be found.",
                    "url": body["url"]}
        return body

    # -- shapes --

    def user_json(self, u: User) -> dict[str, Any]:
        out = {"id": u.id, "login": u.login, "login_name": "", "source_id": 0,
               "full_name": u.name, "email": u.email,
               "avatar_url": f"{self.base_url}/avatars/{u.id}", "html_url":
               f"{self.base_url}/{u.login}", "language": "", "is_admin": False,
               "last_login": "0001-01-01T00:00:00Z", "created": "2023-01-05T10:00:00Z",
               "restricted": False, "active": True, "prohibit_login": False, "location": "",
               "website": "", "description": "", "visibility": "public", "followers_count": 0,
               "following_count": 0, "starred_repos_count": 0}
        if self.flavor == "forgejo":
            out["pronouns"] = ""
        return out

    def label_json(self, lb: Label) -> dict[str, Any]:
        return {"id": lb.id, "name": lb.name, "exclusive": False, "is_archived": False,
                "color": lb.color, "description": lb.description,
                "url": f"{self._repo_api()}/labels/{lb.id}"}

    def milestone_json(self, ms: Milestone) -> dict[str, Any]:
        opened, closed = self.state.milestone_counts(ms)
        return {"id": ms.id, "title": ms.title, "description": ms.description,
                "state": ms.state, "open_issues": opened, "closed_issues": closed,
                "created_at": iso(ms.created_at), "updated_at": iso(ms.updated_at),
                "closed_at": iso(ms.closed_at), "due_on": iso(ms.due_on)}

    def issue_json(self, i: Issue) -> dict[str, Any]:
        s = self.state
        users = [self.user_json(s.user(a)) for a in i.assignees]
        html = f"{self.base_url}/{s.owner}/{s.repo}/{'pulls' if i.pull_request else 'issues'}"
        return {
            "id": i.id, "url": f"{self._repo_api()}/issues/{i.number}",
            "html_url": f"{html}/{i.number}", "number": i.number,
            "user": self.user_json(s.user(i.author)), "original_author": "",
            "original_author_id": 0, "title": i.title, "body": i.body, "ref": "", "assets": [],
            "labels": self._labels(i), "milestone": None if i.milestone is None else
            self.milestone_json(s.milestones[i.milestone]),
            "assignee": users[0] if users else None, "assignees": users or None,
            "state": i.state, "is_locked": i.locked, "comments": s.count_comments(i.number),
            "created_at": iso(i.created_at), "updated_at": iso(i.updated_at),
            "closed_at": iso(i.closed_at), "due_date": None,
            "pull_request": {"merged": False, "merged_at": None, "draft": False,
                             "html_url": f"{html}/{i.number}"} if i.pull_request else None,
            "repository": {"id": 41877, "name": s.repo, "owner": s.owner,
                           "full_name": f"{s.owner}/{s.repo}"},
            "pin_order": 0,
        }

    def comment_json(self, c: Comment) -> dict[str, Any]:
        issue = self.issue_json(self.state.issues[c.issue])
        return {"id": c.id, "html_url": f"{issue['html_url']}#issuecomment-{c.id}",
                "pull_request_url": "", "issue_url": issue["html_url"],
                "user": self.user_json(self.state.user(c.author)), "original_author": "",
                "original_author_id": 0, "body": c.body, "assets": [],
                "created_at": iso(c.created_at), "updated_at": iso(c.updated_at)}

    # -- handlers --

    def list_issues(self, q: Request) -> Reply:
        self._repo(q)
        state, kind = q.query.get("state", "open"), q.query.get("type", "")
        since = parse_time(q.query["since"]) if q.query.get("since") else None
        before = parse_time(q.query["before"]) if q.query.get("before") else None
        wanted = set(filter(None, q.query.get("labels", "").split(",")))
        rows = [i for i in self.state.issues.values()
                if state in ("all", i.state) and (not kind or (kind == "pulls") == i.pull_request)
                and (since is None or i.updated_at >= since)
                and (before is None or i.updated_at < before)
                and (not wanted or wanted & set(i.labels))]
        rows.sort(key=lambda i: (i.created_at, i.id), reverse=True)
        return self._page(q, rows, self.issue_json)

    def create_issue(self, q: Request) -> Reply:
        self._repo(q)
        body = self._body(q)
        if not str(body.get("title") or "").strip():
            raise ApiError(422, "[Title]: Required")
        s = self.state
        names = [self._label(x).name for x in body.get("labels") or []]
        ms = self._milestone(body["milestone"]).id if body.get("milestone") else None
        issue = s.add_issue(body["title"], body.get("body") or "", labels=names,
                            assignees=list(body.get("assignees") or []), author=q.user)
        issue.milestone = ms
        if body.get("closed"):
            s.set_state(issue, "closed", None, issue.updated_at)
        return Reply(201, self.issue_json(issue))

    def get_issue(self, q: Request) -> Reply:
        return Reply(200, self.issue_json(self._issue(q)))

    def edit_issue(self, q: Request) -> Reply:
        issue, body, s = self._issue(q), self._body(q), self.state
        if "title" in body and not str(body["title"] or "").strip():
            raise ApiError(422, "[Title]: Required")
        now = s.tick()
        issue.title = body.get("title", issue.title)
        issue.body = body.get("body", issue.body) or ""
        if "assignees" in body:
            issue.assignees = [s.user(a).login for a in body["assignees"] or []]
        if "milestone" in body:
            issue.milestone = self._milestone(body["milestone"]).id if body["milestone"] else None
        if body.get("state") in ("open", "closed"):
            s.set_state(issue, body["state"], None, now)
        issue.updated_at = now
        return Reply(201, self.issue_json(issue))

    def list_comments(self, q: Request) -> Reply:
        issue = self._issue(q)
        since = parse_time(q.query["since"]) if q.query.get("since") else None
        rows = [c for c in self.state.issue_comments(issue.number)
                if since is None or c.updated_at >= since]
        return Reply(200, [self.comment_json(c) for c in rows])

    def create_comment(self, q: Request) -> Reply:
        issue, body = self._issue(q), self._body(q)
        if not str(body.get("body") or "").strip():
            raise ApiError(422, "[Body]: Required")
        return Reply(201, self.comment_json(self.state.add_comment(issue.number, body["body"],
                                                                   author=q.user)))

    def edit_comment(self, q: Request) -> Reply:
        self._repo(q)
        c, body = self.state.comments.get(int(q.params["id"])), self._body(q)
        if c is None or c.system:
            raise ApiError(404, "comment does not exist")
        if not str(body.get("body") or "").strip():
            raise ApiError(422, "[Body]: Required")
        c.body, c.updated_at = body["body"], self.state.tick()
        self.state.issues[c.issue].updated_at = c.updated_at
        return Reply(200, self.comment_json(c))

    def issue_labels(self, q: Request, replace: bool) -> Reply:
        issue, body = self._issue(q), self._body(q)
        names = [self._label(x).name for x in body.get("labels") or []]
        self.state.set_labels(issue, names if replace else issue.labels + names)
        issue.updated_at = self.state.tick()
        return Reply(200, self._labels(issue))

    def clear_labels(self, q: Request) -> Reply:
        issue = self._issue(q)
        issue.labels, issue.updated_at = [], self.state.tick()
        return Reply(204)

    def remove_label(self, q: Request) -> Reply:
        issue, label = self._issue(q), self._label(int(q.params["id"]))
        if label.name in issue.labels:
            issue.labels.remove(label.name)
            issue.updated_at = self.state.tick()
        return Reply(204)

    def list_labels(self, q: Request) -> Reply:
        self._repo(q)
        return self._page(q, [self.label_json(lb) for lb in self.state.labels.values()])

    def create_label(self, q: Request) -> Reply:
        self._repo(q)
        body = self._body(q)
        name, color = str(body.get("name") or ""), str(body.get("color") or "")
        if not name.strip() or not color:
            raise ApiError(422, "[Name]: Required" if not name.strip() else "[Color]: Required")
        label = self.state.add_label(name, color, body.get("description") or "")
        return Reply(201, self.label_json(label))

    def list_milestones(self, q: Request) -> Reply:
        self._repo(q)
        state = q.query.get("state", "open")
        rows = [m for m in self.state.milestones.values() if state in ("all", m.state)]
        return self._page(q, [self.milestone_json(m) for m in rows])

    def create_milestone(self, q: Request) -> Reply:
        self._repo(q)
        body = self._body(q)
        if not str(body.get("title") or "").strip():
            raise ApiError(422, "[Title]: Required")
        due = parse_time(body["due_on"]) if body.get("due_on") else None
        ms = self.state.add_milestone(body["title"], body.get("description") or "",
                                      body.get("state") or "open", due)
        return Reply(201, self.milestone_json(ms))

    def get_user(self, q: Request) -> Reply:
        user = self.state.users.get(q.params["username"])
        if user is None:
            raise ApiError(404, f"user redirect does not exist [name: {q.params['username']}]")
        return Reply(200, self.user_json(user))

    # -- helpers --

    def _repo_api(self) -> str:
        return f"{self.base_url}/api/v1/repos/{self.state.owner}/{self.state.repo}"

    def _repo(self, q: Request) -> None:
        if (q.params["owner"], q.params["repo"]) != (self.state.owner, self.state.repo):
            raise ApiError(404, "repository does not exist")

    def _issue(self, q: Request) -> Issue:
        self._repo(q)
        issue = self.state.issues.get(int(q.params["index"]))
        if issue is None:
            raise ApiError(404, "issue does not exist")
        return issue

    def _body(self, q: Request) -> dict[str, Any]:
        if not isinstance(q.body, dict):
            raise ApiError(422, "[Body]: a JSON object is required")
        return q.body

    def _labels(self, issue: Issue) -> list[dict[str, Any]]:
        return [self.label_json(self.state.label_named(n)) for n in issue.labels]  # type: ignore[arg-type]

    def _label(self, ref: Any) -> Label:
        label = self.state.labels.get(ref) if isinstance(ref, int) else self.state.label_named(ref)
        if label is None:
            raise ApiError(404 if isinstance(ref, int) else 422, f"label does not exist [{ref}]")
        return label

    def _milestone(self, ref: Any) -> Milestone:
        ms = self.state.milestones.get(ref) if isinstance(ref, int) else None
        if ms is None:
            raise ApiError(404, f"milestone does not exist [id: {ref}]")
        return ms

    def _page(self, q: Request, rows: list[Any], render: Any = None) -> Reply:
        """One page of `rows`, each rendered by `render` (only the page's are rendered)."""
        page, size = self.page_args(q, "limit")
        last = max(1, -(-len(rows) // size))
        headers = {"X-Total-Count": str(len(rows))}
        link = self.link_header(q, page, last)
        if link:
            headers["Link"] = link
        shown = rows[(page - 1) * size:page * size]
        return Reply(200, [render(r) for r in shown] if render else shown, headers)
