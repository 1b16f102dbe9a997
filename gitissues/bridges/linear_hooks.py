"""A Linear team's webhooks (`base.HookAdmin`, for `gi webhook register|list|remove`):
`webhookCreate` for the team, resource types Issue and Comment, signed with the secret given
(Linear signs each delivery with HMAC-SHA256 of it in `Linear-Signature`)."""

from __future__ import annotations

from gitissues.bridges import linear_queries as q
from gitissues.bridges.linear_api import pages

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitissues.bridges.linear_api import Api

HOOK_EVENTS = ["Issue", "Comment"]


class LinearHooks:
    """Mixed into `linear.Linear`, which gives `api` and `team()`."""

    api: Api

    def team(self) -> dict[str, Any]:
        raise NotImplementedError

    def list_hooks(self) -> list[dict[str, Any]]:
        team = self.team()["id"]
        return [_hook(h) for h in pages(self.api, q.HOOKS, {}, ("webhooks",))
                if (h.get("team") or {}).get("id") == team]

    def add_hook(self, url: str, secret: str) -> dict[str, Any]:
        given = {"url": url, "teamId": self.team()["id"], "resourceTypes": HOOK_EVENTS,
                 "secret": secret, "label": "gi", "enabled": True}
        data = self.api.call(q.HOOK_ADD, {"input": given}, idempotent=False)
        return _hook(data["webhookCreate"]["webhook"])

    def remove_hook(self, hook_id: str) -> None:
        self.api.call(q.HOOK_REMOVE, {"id": hook_id})


def _hook(h: dict[str, Any]) -> dict[str, Any]:
    return {"id": h["id"], "url": h.get("url"), "events": list(h.get("resourceTypes") or []),
            "active": bool(h.get("enabled"))}
