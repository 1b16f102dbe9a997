"""Jira's webhooks for `gi webhook register|list|remove` (`base.HookAdmin` of `jira.Jira`).

Both deployments keep admin webhooks at `/rest/webhooks/1.0/webhook` (a Jira administrator's
token may manage them; on Cloud that is an API token with email, on Data Center a personal
access token). A webhook there belongs to the site, narrowed to the project by its JQL filter
(`project = "KEY"`); the secret goes in `secret`, and Jira then signs each delivery with
HMAC-SHA256 in `X-Hub-Signature` (what `webhooks.verify` checks). Cloud's
`/rest/api/3/webhook` is not used: it registers dynamic webhooks for Connect and OAuth 2.0 apps
only (they expire after 30 days and are not signed), which an API token cannot do.
"""

from __future__ import annotations

from gitissues.errors import NotFound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitissues.bridges.jira_site import JiraSite as Jira

ADMIN = "/rest/webhooks/1.0/webhook"
EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created",
          "comment_updated", "comment_deleted", "issuelink_created", "issuelink_deleted")
FILTER = "issue-related-events-section"


def _shown(hook: dict[str, Any]) -> dict[str, Any]:
    hook_id = str(hook.get("self") or "").rstrip("/").rpartition("/")[2] or str(
        hook.get("id") or "")
    return {"id": hook_id, "url": hook.get("url"), "events": list(hook.get("events") or []),
            "active": bool(hook.get("enabled", True)), "name": hook.get("name"),
            "jql": (hook.get("filters") or {}).get(FILTER) or ""}


def _ours(j: Jira, jql: str) -> bool:
    """A hook that fires for the project: its JQL names it, or it has none (every issue)."""
    words = jql.replace('"', " ").replace("'", " ").split()
    return not jql.strip() or j.project in words


def list_hooks(j: Jira) -> list[dict[str, Any]]:
    found = j.http.request("GET", ADMIN).json() or []
    return [h for h in (_shown(x) for x in found if isinstance(x, dict)) if _ours(j, h["jql"])]


def add_hook(j: Jira, url: str, secret: str) -> dict[str, Any]:
    body = {"name": f"gi ({j.project})", "url": url, "events": list(EVENTS),
            "filters": {FILTER: f'project = "{j.project}"'}, "excludeBody": False,
            "secret": secret}
    made = j.http.request("POST", ADMIN, json=body).json() or {}
    return _shown(made)


def remove_hook(j: Jira, hook_id: str) -> None:
    if not hook_id.isdigit():
        raise NotFound(f"no Jira webhook {hook_id!r} (ids are numbers)")
    j.http.request("DELETE", f"{ADMIN}/{hook_id}")
