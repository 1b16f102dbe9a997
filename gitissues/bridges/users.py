"""People and agents whose gi name differs from their login on the tracker: a bridge's
`users` setting maps gi names to remote logins (`bridges.work.users: {agent-7: ci-bot}`); a
name it does not list is the same on both sides."""

from __future__ import annotations

from gitissues.bridges.base import Remote

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from gitissues.bridges.base import Platform


class UserMapped:
    """`platform` seen through a user map: assignees and comment authors go out as remote
    logins and come back as gi names."""

    def __init__(self, platform: Platform, users: dict[str, str]) -> None:
        self.platform = platform
        self.out = {str(k): str(v) for k, v in users.items()}
        self.back = {v: k for k, v in self.out.items()}

    @property
    def requests(self) -> int:
        return self.platform.requests

    def _sent(self, fields: dict[str, Any]) -> dict[str, Any]:
        names = fields.get("assignees") or []
        return {**fields, "assignees": [self.out.get(n, n) for n in names]}

    def _got(self, remote: Remote) -> Remote:
        names = remote.fields.get("assignees") or []
        remote.fields = {**remote.fields, "assignees": sorted(self.back.get(n, n)
                                                              for n in names)}
        for c in remote.comments:
            c.author = self.back.get(c.author, c.author)
        return remote

    def changed(self, since: str | None) -> Iterator[Remote]:
        for remote in self.platform.changed(since):
            yield self._got(remote)

    def create(self, fields: dict[str, Any], marker: str) -> Remote:
        return self._got(self.platform.create(self._sent(fields), marker))

    def update(self, key: str, fields: dict[str, Any], changed: set[str]) -> Remote:
        return self._got(self.platform.update(key, self._sent(fields), changed))

    def add_comment(self, key: str, body: str, marker: str) -> str:
        return self.platform.add_comment(key, body, marker)

    def get(self, key: str) -> Remote | None:
        found = self.platform.get(key)
        return None if found is None else self._got(found)
