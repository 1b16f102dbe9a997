"""A fake Jira for one project over real HTTP: Cloud (REST v3: ADF bodies, `/search/jql` with
`nextPageToken`, Basic email:token) or Data Center (REST v2: wiki markup, `/search` with
`startAt`/`maxResults`/`total`, a personal access token as Bearer).

Serves what the bridge uses: JQL search (the subset in `jira_shapes.jql_filter`), one issue,
create and edit (refusing what real Jira refuses: no summary, an unknown type or version, a
label with a space, a description in the other flavour's form, a field `screen_refuses`
names), transitions through a workflow that forbids some moves, comments, "Blocks" links,
priorities, the project with its issue types, versions, assignable users, `/myself`, issue
properties and admin webhooks. Errors have Jira's body, `{"errorMessages": [...], "errors":
{...}}`; faults (429 with `Retry-After` / `X-RateLimit-Reset`, 5xx) come from `fail()`.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from fakes.jira_project import ProjectRoutes
from fakes.jira_shapes import Shapes, jql_filter
from fakes.jira_state import JiraState, text
from fakes.server import ApiError, FakeForge, Reply, Request

API = r"/rest/api/(?P<v>[23])"
ISSUE = API + r"/issue/(?P<key>[A-Za-z0-9_-]+)"


class FakeJira(ProjectRoutes, FakeForge):
    etags = False

    def __init__(self, token: str = "fake-token", flavor: str = "cloud", project: str = "ACME",
                 login: str = "bridge", email: str = "bridge@example.com",
                 time_zone: str = "America/New_York") -> None:
        super().__init__(token=token, login=login)
        self.flavor, self.cloud, self.email = flavor, flavor == "cloud", email
        self.state = JiraState(project, login, time_zone)  # type: ignore[assignment]
        self.comment_cap = 5000  # comments a search or an issue brings inline
        self.screen_refuses: set[str] = set()  # fields no edit or create may set
        self.page_cap = 100
        self.hook_secrets: dict[int, str | None] = {}  # the secret each webhook was made with
        self.sent: list[tuple[str, str, dict[str, str], Any]] = []  # method, path, query, body
        r = self.route
        r("GET", API + r"/search/jql", self.search_jql)
        r("GET", API + r"/search", self.search)
        r("GET", ISSUE, self.get_issue)
        r("PUT", ISSUE, self.edit_issue)
        r("POST", API + r"/issue", self.create_issue)
        r("GET", ISSUE + r"/transitions", self.list_transitions)
        r("POST", ISSUE + r"/transitions", self.do_transition)
        r("GET", ISSUE + r"/comment", self.list_comments)
        r("POST", ISSUE + r"/comment", self.add_comment_route)
        r("PUT", ISSUE + r"/properties/(?P<prop>[\w.-]+)", self.set_property)
        r("POST", API + r"/issueLink", self.link)
        r("DELETE", API + r"/issueLink/(?P<id>\d+)", self.unlink)
        r("GET", API + r"/priority", lambda q: Reply(200, [self.shapes.priority(p)
                                                           for p in self.state.priorities]))
        r("GET", API + r"/project/(?P<key>[A-Z0-9_]+)", self.get_project)
        r("GET", API + r"/project/(?P<key>[A-Z0-9_]+)/versions", self.list_versions)
        r("POST", API + r"/version", self.create_version)
        r("GET", API + r"/user/assignable/search", self.assignable)
        r("GET", API + r"/myself", lambda q: Reply(200, self.shapes.user(self.state.users[q.user])))
        r("GET", r"/rest/webhooks/1.0/webhook", lambda q: Reply(200, list(
            self.state.webhooks.values())))
        r("POST", r"/rest/webhooks/1.0/webhook", self.create_webhook)
        r("DELETE", r"/rest/webhooks/1.0/webhook/(?P<id>\d+)", self.delete_webhook)

    def route(self, method: str, pattern: str, handler: Any) -> None:
        """Every request a route answers is kept with its body (`sent`), to check against
        Jira's description."""
        def logged(q: Request) -> Reply:
            self.sent.append((q.method, q.path, dict(q.query), q.body))
            return handler(q)

        super().route(method, pattern, logged)

    @property
    def shapes(self) -> Shapes:
        return Shapes(self.state, self.base_url, self.cloud)

    @property
    def auth(self) -> dict[str, str]:
        if self.cloud:
            pair = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
            return {"Authorization": f"Basic {pair}"}
        return {"Authorization": f"Bearer {self.token}"}

    def text(self, words: str) -> Any:
        return text(words, self.cloud)

    # -- FakeForge's hooks --

    def token_from(self, headers: dict[str, str]) -> str | None:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if self.cloud and scheme.lower() == "basic":
            try:
                email, _, token = base64.b64decode(value).decode().partition(":")
            except ValueError:
                return None
            return token if email == self.email else None
        if not self.cloud and scheme.lower() == "bearer":
            return value.strip()
        return None

    def error_body(self, status: int, message: str, extra: dict[str, Any]) -> Any:
        if "body" in extra:
            return extra["body"]
        if status == 401:
            message = "You are not authenticated. Authentication required to perform this " \
                      "operation."
        if "errors" in extra:
            return {"errorMessages": [], "errors": extra["errors"]}
        return {"errorMessages": [message], "errors": {}}

    # -- seeding from a test --

    def add_issue(self, summary: str, body: str = "", **kw: Any) -> Any:  # type: ignore[override]
        with self.lock:
            return self.state.add_issue(summary, self.text(body) if body else None, **kw)

    def add_comment(self, key: str, body: str, **kw: Any) -> Any:  # type: ignore[override]
        with self.lock:
            return self.state.add_comment(key, self.text(body), **kw)

    # -- handlers --

    def _version(self, q: Request) -> None:
        if (q.params["v"] == "3") != self.cloud:
            raise ApiError(404, "Not Found")

    def _issue(self, q: Request) -> Any:
        self._version(q)
        key = q.params["key"]
        issue = self.state.issues.get(key) or next(
            (i for i in self.state.issues.values() if str(i.id) == key), None)
        if issue is None:
            raise ApiError(404, "Issue does not exist or you do not have permission to see it.")
        return issue

    def _render(self, issue: Any, q: Request, default_all: bool = True) -> dict[str, Any]:
        given = q.query.get("fields")
        fields = [f.strip() for f in given.split(",")] if given else (None if default_all
                                                                      else [])
        props = [p for p in q.query.get("properties", "").split(",") if p]
        return self.shapes.issue(issue, fields, props, self.comment_cap)

    def search_jql(self, q: Request) -> Reply:
        self._version(q)
        if not self.cloud:
            raise ApiError(404, "Not Found")
        rows = jql_filter(self.state, q.query.get("jql", ""))
        size = min(max(int(q.query.get("maxResults", "50")), 1), self.page_cap)
        start = 0
        if q.query.get("nextPageToken"):
            try:
                start = json.loads(base64.b64decode(q.query["nextPageToken"]))["at"]
            except ValueError:
                raise ApiError(400, "The provided next page token is invalid.") from None
        page = rows[start:start + size]
        out: dict[str, Any] = {"issues": [self._render(i, q, False) for i in page],
                               "isLast": start + size >= len(rows)}
        if not out["isLast"]:
            out["nextPageToken"] = base64.b64encode(json.dumps(
                {"at": start + size}).encode()).decode()
        return Reply(200, out)

    def search(self, q: Request) -> Reply:
        self._version(q)
        if self.cloud:  # Cloud's old /search is gone
            raise ApiError(410, "The requested API has been removed. Please migrate to the "
                                "/rest/api/3/search/jql API.")
        rows = jql_filter(self.state, q.query.get("jql", ""))
        start = max(int(q.query.get("startAt", "0")), 0)
        size = min(max(int(q.query.get("maxResults", "50")), 1), self.page_cap)
        return Reply(200, {"expand": "schema,names", "startAt": start, "maxResults": size,
                           "total": len(rows), "issues": [
                               self._render(i, q) for i in rows[start:start + size]]})

    def get_issue(self, q: Request) -> Reply:
        return Reply(200, self._render(self._issue(q), q))

    def create_issue(self, q: Request) -> Reply:
        self._version(q)
        body = q.body if isinstance(q.body, dict) else {}
        f = body.get("fields") or {}
        if (f.get("project") or {}).get("key") != self.state.project:
            raise ApiError(400, "", errors={"project": "Specify a valid project ID or key"})
        if not str(f.get("summary") or "").strip():
            raise ApiError(400, "", errors={"summary": "You must specify a summary of the "
                                                       "issue."})
        kind = self._type(f.get("issuetype"))
        self._check(f)
        issue = self.state.add_issue(str(f["summary"]), issuetype=kind, reporter=q.user)
        self._set(issue, f)
        for prop in body.get("properties") or []:
            issue.properties[str(prop["key"])] = prop["value"]
        return Reply(201, {"id": str(issue.id), "key": issue.key,
                           "self": f"{self.shapes.api}/issue/{issue.id}"})

    def edit_issue(self, q: Request) -> Reply:
        issue = self._issue(q)
        f = (q.body or {}).get("fields") or {}
        if "summary" in f and not str(f["summary"] or "").strip():
            raise ApiError(400, "", errors={"summary": "You must specify a summary of the "
                                                       "issue."})
        if "issuetype" in f:
            issue.issuetype = self._type(f["issuetype"])
        self._check(f)
        if "summary" in f:
            issue.summary = str(f["summary"])
        self._set(issue, f)
        self.state.touch(issue)
        return Reply(204)

    def _type(self, given: Any) -> str:
        given = given or {}
        for tid, name, _ in self.state.issue_types:
            if given.get("id") == tid or given.get("name") == name:
                return name
        raise ApiError(400, "", errors={"issuetype": "Specify a valid issue type"})

    def _check(self, f: dict[str, Any]) -> None:
        """What real Jira refuses in a create or an edit."""
        refused = {k: f"Field '{k}' cannot be set. It is not on the appropriate screen, or "
                      "unknown." for k in f if k in self.screen_refuses}
        if refused:
            raise ApiError(400, "", errors=refused)
        if f.get("description") is not None:
            if self.cloud and not (isinstance(f["description"], dict)
                                   and f["description"].get("type") == "doc"):
                raise ApiError(400, "", errors={"description": "Operation value must be an "
                                                               "Atlassian Document (see the "
                                                               "Atlassian Document Format)"})
            if not self.cloud and not isinstance(f["description"], str):
                raise ApiError(400, "", errors={"description": "Operation value must be a "
                                                               "string"})
        for label in f.get("labels") or []:
            if " " in label:
                raise ApiError(400, "", errors={"labels": f"The label '{label}' contains "
                                                          "spaces which is invalid."})
        if f.get("priority") and f["priority"].get("name") not in self.state.priorities:
            raise ApiError(400, "", errors={"priority": "Specify a valid priority"})
        for v in f.get("fixVersions") or []:
            if v.get("name") not in self.state.versions:
                raise ApiError(400, "", errors={"fixVersions": f"Version name "
                                                               f"'{v.get('name')}' is not valid"})
        if f.get("assignee") and self._person(f["assignee"]) is None:
            raise ApiError(400, "", errors={"assignee": "User cannot be assigned issues."})

    def _person(self, given: dict[str, Any]) -> Any:
        user = self.state.user_by(account_id=given.get("accountId")) if self.cloud \
            else self.state.user_by(name=given.get("name"))
        return user if user is not None and user.assignable else None

    def _set(self, issue: Any, f: dict[str, Any]) -> None:
        if "description" in f:
            issue.description = f["description"]
        if "labels" in f:
            issue.labels = list(dict.fromkeys(f["labels"] or []))
        if f.get("priority"):
            issue.priority = f["priority"]["name"]
        if "assignee" in f:
            issue.assignee = self._person(f["assignee"]).name if f["assignee"] else None
        if "fixVersions" in f:
            issue.fix_versions = [v["name"] for v in f["fixVersions"] or []]

    def list_transitions(self, q: Request) -> Reply:
        issue = self._issue(q)
        return Reply(200, {"expand": "transitions", "transitions": [
            {"id": t.id, "name": t.name, "to": self.shapes.status(t.to), "hasScreen": False,
             "isGlobal": not t.sources, "isInitial": False, "isAvailable": True,
             "isConditional": False, "isLooped": False}
            for t in self.state.transitions_from(issue.status)]})

    def do_transition(self, q: Request) -> Reply:
        issue = self._issue(q)
        wanted = str(((q.body or {}).get("transition") or {}).get("id"))
        found = next((t for t in self.state.transitions_from(issue.status) if t.id == wanted),
                     None)
        if found is None:
            raise ApiError(400, f"Transition id '{wanted}' is not valid for this issue.")
        issue.status = found.to
        self.state.touch(issue)
        return Reply(204)

    def list_comments(self, q: Request) -> Reply:
        issue = self._issue(q)
        start = max(int(q.query.get("startAt", "0")), 0)
        size = min(max(int(q.query.get("maxResults", "50")), 1), 100)
        return Reply(200, self.shapes.comments(issue.key, start, size))

    def add_comment_route(self, q: Request) -> Reply:
        issue = self._issue(q)
        body = (q.body or {}).get("body")
        if not body or (self.cloud and not (isinstance(body, dict) and body.get("content"))):
            raise ApiError(400, "", errors={"comment": "Comment body can not be empty!"})
        return Reply(201, self.shapes.comment(self.state.add_comment(issue.key, body, q.user)))

    def set_property(self, q: Request) -> Reply:
        issue = self._issue(q)
        issue.properties[q.params["prop"]] = q.body
        return Reply(200)

    def link(self, q: Request) -> Reply:
        self._version(q)
        body = q.body or {}
        kind = (body.get("type") or {}).get("name")
        inward = (body.get("inwardIssue") or {}).get("key")
        outward = (body.get("outwardIssue") or {}).get("key")
        if kind not in ("Blocks", "Relates"):
            raise ApiError(404, f"No issue link type with name '{kind}' found.")
        for key in (inward, outward):
            if key not in self.state.issues:
                raise ApiError(404, f"Issue Does Not Exist: {key}")
        self.state.add_link(inward, outward, kind)
        return Reply(201)

    def unlink(self, q: Request) -> Reply:
        self._version(q)
        link = self.state.links.pop(int(q.params["id"]), None)
        if link is None:
            raise ApiError(404, "No issue link with id exists.")
        for key in (link.source, link.dest):
            self.state.touch(self.state.issues[key])
        return Reply(204)
