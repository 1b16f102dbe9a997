"""The fake Jira's routes for what a project has besides issues: the project with its issue
types, versions, people who may be assigned, and the admin webhooks (tests/fakes/jira.py)."""

from __future__ import annotations

from typing import Any

from fakes.server import ApiError, Reply, Request


class ProjectRoutes:
    """Mixed into FakeJira, whose state, shapes and `_version`/`_person` these use."""

    state: Any
    shapes: Any
    base_url: str
    hook_secrets: dict[int, str | None]
    cloud: bool

    def _version(self, q: Request) -> None:
        raise NotImplementedError

    def _person(self, given: dict[str, Any]) -> Any:
        raise NotImplementedError

    def get_project(self, q: Request) -> Reply:
        self._version(q)
        if q.params["key"] != self.state.project:
            raise ApiError(404, f"No project could be found with key '{q.params['key']}'.")
        return Reply(200, self.shapes.project(types=True))

    def list_versions(self, q: Request) -> Reply:
        self.get_project(q)
        return Reply(200, [self.shapes.version(v) for v in self.state.versions])

    def create_version(self, q: Request) -> Reply:
        self._version(q)
        body = q.body or {}
        name = str(body.get("name") or "")
        if not name or str(body.get("projectId")) != str(self.state.project_id):
            raise ApiError(400, "", errors={"projectId": "Project must be specified to "
                                                         "create a version."})
        if name in self.state.versions:
            raise ApiError(400, "", errors={"name": "A version with this name already "
                                                    "exists in this project."})
        self.state.version(name)
        return Reply(201, self.shapes.version(name))

    def assignable(self, q: Request) -> Reply:
        self._version(q)
        given = {"accountId": q.query.get("accountId")} if self.cloud \
            else {"name": q.query.get("username")}
        user = self._person(given)
        return Reply(200, [self.shapes.user(user)] if user else [])

    def create_webhook(self, q: Request) -> Reply:
        body = q.body or {}
        if not body.get("url") or not body.get("name"):
            raise ApiError(400, "", errors={"url": "A webhook needs a name and a URL"})
        hook_id = self.state.next_id("hook")
        made = {"name": body["name"], "url": body["url"], "excludeBody": bool(
            body.get("excludeBody")), "filters": body.get("filters") or {},
            "events": list(body.get("events") or []), "enabled": True,
            "self": f"{self.base_url}/rest/webhooks/1.0/webhook/{hook_id}",
            "lastUpdatedUser": q.user, "lastUpdated": 1709283600000}
        self.state.webhooks[hook_id] = made
        self.hook_secrets[hook_id] = body.get("secret")
        return Reply(201, made)

    def delete_webhook(self, q: Request) -> Reply:
        if self.state.webhooks.pop(int(q.params["id"]), None) is None:
            raise ApiError(404, "Webhook not found")
        return Reply(204)
