"""Project webhooks on the fake forges: list (paged, with `Link`), create, get and delete, in
each API's shapes and with its own refusals. No API ever sends a secret back (GitHub masks it),
so tests read `fake.state.hooks[id].secret` to see what was registered.

- Gitea/Forgejo (`/api/v1/repos/{owner}/{repo}/hooks`, swagger `Hook`, `CreateHookOption`):
  `type` and `config` are required, `config` needs `url` and `content_type` (`json` or `form`),
  else 422 with Gitea's message; `active` defaults to false; no `events` means `push`.
- GitHub (`/repos/{owner}/{repo}/hooks`, OpenAPI `hook`): `config.url` is required and a
  second hook for the same URL is refused (422 "Hook already exists on this repository");
  `events` defaults to `push`, `active` to true; the secret comes back as `********`.
- GitLab (`/api/v4/projects/:id/hooks`, doc/api/project_webhooks.md): `url` is required (400
  `url is missing`, as Grape answers); `push_events` defaults to true, the other events to
  false; `token` is never returned; a delete answers 204.
"""

from __future__ import annotations

from typing import Any

from fakes.server import ApiError, Reply, Request, iso
from fakes.state import Hook

GITEA_TYPES = ("dingtalk", "discord", "gitea", "gogs", "msteams", "slack", "telegram", "feishu",
               "wechatwork", "packagist", "forgejo")
# GitLab's event switches and their defaults when a hook is created through the API
GITLAB_EVENTS = {"push_events": True, "tag_push_events": False, "issues_events": False,
                 "confidential_issues_events": False, "note_events": False,
                 "confidential_note_events": False, "merge_requests_events": False,
                 "job_events": False, "pipeline_events": False, "wiki_page_events": False,
                 "deployment_events": False, "releases_events": False,
                 "feature_flag_events": False, "repository_update_events": False,
                 "emoji_events": False, "resource_access_token_events": False}


class _Hooks:
    """What the three share: a hook by id, and a delete."""

    state: Any

    def _hook(self, q: Request, key: str = "id") -> Hook:
        hook = self.state.hooks.get(int(q.params[key]))
        if hook is None:
            raise ApiError(404, "Not Found")
        return hook

    def _delete_hook(self, q: Request, key: str = "id") -> Reply:
        del self.state.hooks[self._hook(q, key).id]
        return Reply(204)


class GiteaHooks(_Hooks):
    """Mixed into FakeGitea: `hook_routes()` from its constructor."""

    flavor: str
    base_url: str

    def hook_routes(self, repo: str) -> None:
        r = self.route  # type: ignore[attr-defined]
        r("GET", repo + r"/hooks", lambda q: self._page(  # type: ignore[attr-defined]
            self._checked(q), list(self.state.hooks.values()), self.gitea_hook_json))
        r("POST", repo + r"/hooks", self.create_gitea_hook)
        r("GET", repo + r"/hooks/(?P<id>\d+)",
          lambda q: Reply(200, self.gitea_hook_json(self._hook(self._checked(q)))))
        r("DELETE", repo + r"/hooks/(?P<id>\d+)", lambda q: self._delete_hook(self._checked(q)))

    def _checked(self, q: Request) -> Request:
        self._repo(q)  # type: ignore[attr-defined]
        return q

    def gitea_hook_json(self, h: Hook) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": h.id, "type": h.extra.get("type", "gitea"), "branch_filter": "*",
            "config": {"url": h.url, "content_type": h.extra.get("content_type", "json")},
            "events": list(h.events), "authorization_header": "", "active": h.active,
            "updated_at": iso(h.updated_at), "created_at": iso(h.created_at)}
        if self.flavor == "forgejo":
            out |= {"url": h.url, "content_type": out["config"]["content_type"],
                    "metadata": None}
        return out

    def create_gitea_hook(self, q: Request) -> Reply:
        self._repo(q)  # type: ignore[attr-defined]
        body = q.body if isinstance(q.body, dict) else {}
        config = body.get("config")
        if not body.get("type") or not isinstance(config, dict):
            raise ApiError(422, "[Type]: Required" if not body.get("type")
                           else "[Config]: Required")
        if body["type"] not in GITEA_TYPES:
            raise ApiError(422, f"Invalid hook type: {body['type']}")
        for name in ("url", "content_type"):
            if name not in config:
                raise ApiError(422, f"Missing config option: {name}")
        if config["content_type"] not in ("json", "form"):
            raise ApiError(422, "Invalid content type")
        hook = self.state.add_hook(str(config["url"]), list(body.get("events") or ["push"]),
                                   str(config.get("secret") or ""),
                                   bool(body.get("active", False)), type=body["type"],
                                   content_type=config["content_type"])
        return Reply(201, self.gitea_hook_json(hook))


class GitHubHooks(_Hooks):
    """Mixed into FakeGitHub: `hook_routes()` from its constructor."""

    def hook_routes(self, repo: str) -> None:
        r = self.route  # type: ignore[attr-defined]
        r("GET", repo + r"/hooks", lambda q: self._page(  # type: ignore[attr-defined]
            self._checked(q), list(self.state.hooks.values()), self.github_hook_json))
        r("POST", repo + r"/hooks", self.create_github_hook)
        r("GET", repo + r"/hooks/(?P<id>\d+)",
          lambda q: Reply(200, self.github_hook_json(self._hook(self._checked(q)))))
        r("DELETE", repo + r"/hooks/(?P<id>\d+)", lambda q: self._delete_hook(self._checked(q)))

    def _checked(self, q: Request) -> Request:
        self._repo(q)  # type: ignore[attr-defined]
        return q

    def github_hook_json(self, h: Hook) -> dict[str, Any]:
        url = f"{self._api()}/hooks/{h.id}"  # type: ignore[attr-defined]
        config: dict[str, Any] = {"content_type": h.extra.get("content_type", "form"),
                                  "insecure_ssl": h.extra.get("insecure_ssl", "0"),
                                  "url": h.url}
        if h.secret:
            config["secret"] = "********"
        return {"type": "Repository", "id": h.id, "name": "web", "active": h.active,
                "events": list(h.events), "config": config, "updated_at": iso(h.updated_at),
                "created_at": iso(h.created_at), "url": url, "test_url": f"{url}/test",
                "ping_url": f"{url}/pings", "deliveries_url": f"{url}/deliveries",
                "last_response": {"code": None, "status": "unused", "message": None}}

    def create_github_hook(self, q: Request) -> Reply:
        self._repo(q)  # type: ignore[attr-defined]
        body = q.body if isinstance(q.body, dict) else {}
        config = body.get("config") if isinstance(body.get("config"), dict) else {}
        if body.get("name", "web") != "web":
            raise ApiError(422, "name", errors=[{"resource": "Hook", "code": "invalid",
                                                 "field": "name"}])
        if not config.get("url"):
            raise ApiError(422, "url", errors=[{"resource": "Hook", "code": "custom",
                                                "message": "Config must have a URL"}])
        if any(h.url == config["url"] for h in self.state.hooks.values()):
            raise ApiError(422, "exists", errors=[{
                "resource": "Hook", "code": "custom",
                "message": "Hook already exists on this repository"}])
        hook = self.state.add_hook(str(config["url"]), list(body.get("events") or ["push"]),
                                   str(config.get("secret") or ""),
                                   bool(body.get("active", True)),
                                   content_type=config.get("content_type") or "form",
                                   insecure_ssl=str(config.get("insecure_ssl", "0")))
        return Reply(201, self.github_hook_json(hook),
                     {"Location": f"{self._api()}/hooks/{hook.id}"})  # type: ignore[attr-defined]


class GitLabHooks(_Hooks):
    """Mixed into FakeGitLab: `hook_routes()` from its constructor."""

    project_id: int

    def hook_routes(self, project: str) -> None:
        r = self.route  # type: ignore[attr-defined]
        r("GET", project + r"/hooks", lambda q: self._offset(  # type: ignore[attr-defined]
            self._checked(q), list(self.state.hooks.values()), self.gitlab_hook_json))
        r("POST", project + r"/hooks", self.create_gitlab_hook)
        r("GET", project + r"/hooks/(?P<hook>\d+)",
          lambda q: Reply(200, self.gitlab_hook_json(self._hook(self._checked(q), "hook"))))
        r("DELETE", project + r"/hooks/(?P<hook>\d+)",
          lambda q: self._delete_hook(self._checked(q), "hook"))

    def _checked(self, q: Request) -> Request:
        self._project(q)  # type: ignore[attr-defined]
        return q

    def gitlab_hook_json(self, h: Hook) -> dict[str, Any]:
        switches = {k: bool(h.extra.get(k, default)) for k, default in GITLAB_EVENTS.items()}
        return {"id": h.id, "url": h.url, "name": "", "description": "",
                "project_id": self.project_id, **switches, "push_events_branch_filter": "",
                "enable_ssl_verification": bool(h.extra.get("enable_ssl_verification", True)),
                "alert_status": "executable" if h.active else "disabled",
                "disabled_until": None, "url_variables": [], "custom_headers": [],
                "custom_webhook_template": None, "branch_filter_strategy": "wildcard",
                "created_at": h.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")}

    def create_gitlab_hook(self, q: Request) -> Reply:
        body = self._args(self._checked(q))  # type: ignore[attr-defined]
        if not str(body.get("url") or "").strip():
            raise ApiError(400, "", body={"error": "url is missing"})
        switches = {k: _boolean(body.get(k, default)) for k, default in GITLAB_EVENTS.items()}
        events = [k.removesuffix("_events") for k, on in switches.items() if on]
        hook = self.state.add_hook(str(body["url"]), events, str(body.get("token") or ""),
                                   **switches, enable_ssl_verification=_boolean(
                                       body.get("enable_ssl_verification", True)))
        return Reply(201, self.gitlab_hook_json(hook))


def _boolean(value: Any) -> bool:
    """GitLab reads `true`, `"true"` and `1` alike (a form or a query sends strings)."""
    return value is True or str(value).lower() in ("true", "1")
