"""A user map wraps a platform (gitissues.bridges.users.UserMapped): what it translates goes
through the map, and everything else the platform offers stays reachable — a webhook's pull of
one issue (`get`) and webhook management (`list_hooks`, …) once worked only unwrapped."""

from __future__ import annotations

from gitissues.bridges.base import Remote, RemoteComment
from gitissues.bridges.users import UserMapped


class Platform:
    requests = 3

    def get(self, key: str) -> Remote | None:
        if key == "gone":
            return None
        return Remote(key, f"https://x/{key}", "2026-11-27T00:00:00Z",
                      {"assignees": ["octo-ada"]},
                      [RemoteComment("c1", "octo-bob", "2026-11-27T00:00:00Z", "hi")])

    def list_hooks(self) -> list[dict]:
        return [{"id": "7", "url": "https://h", "events": ["issues"], "active": True}]


def test_get_goes_through_the_user_map():
    mapped = UserMapped(Platform(), {"ada": "octo-ada", "bob": "octo-bob"})
    remote = mapped.get("42")
    assert remote is not None and remote.key == "42"
    assert remote.fields["assignees"] == ["ada"]
    assert [c.author for c in remote.comments] == ["bob"]
    assert mapped.get("gone") is None


def test_the_platforms_other_methods_stay_reachable():
    mapped = UserMapped(Platform(), {})
    assert mapped.list_hooks()[0]["id"] == "7"
    assert mapped.requests == 3
    assert not hasattr(mapped, "add_hook")  # what the platform lacks, the wrapper lacks
