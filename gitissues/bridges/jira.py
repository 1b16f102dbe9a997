"""Jira Cloud (REST v3) and Jira Data Center / Server (REST v2): the issues of one project
(SPEC §8), as `base.Platform` and `base.HookAdmin`.

`jira_site` reads (JQL search, one issue, the text and markers), `jira_write` writes (fields,
transitions, links, comments), `jira_hooks` manages webhooks; `jira_fields` holds the status,
priority and type tables; `jira_adf`, `jira_markdown`, `jira_wiki` and `jira_wiki_read` turn
Jira's rich text into gi's Markdown and back.
"""

from __future__ import annotations

from gitissues.bridges import jira_hooks, jira_write
from gitissues.bridges.jira_site import JiraSite

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitissues.bridges.base import Remote


class Jira(JiraSite):
    """One project on one Jira site (see `jira_site.JiraSite` for what it is made with)."""

    def create(self, fields: dict[str, Any], marker: str) -> Remote:
        return jira_write.create(self, fields, marker)

    def update(self, key: str, fields: dict[str, Any], changed: set[str]) -> Remote:
        return jira_write.update(self, key, fields, changed)

    def add_comment(self, key: str, body: str, marker: str) -> str:
        return jira_write.add_comment(self, key, body, marker)

    def list_hooks(self) -> list[dict[str, Any]]:
        return jira_hooks.list_hooks(self)

    def add_hook(self, url: str, secret: str) -> dict[str, Any]:
        return jira_hooks.add_hook(self, url, secret)

    def remove_hook(self, hook_id: str) -> None:
        jira_hooks.remove_hook(self, hook_id)
