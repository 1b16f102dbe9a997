"""`engine.pull_remotes`: remote issues fetched one by one (as a webhook names them) merge into
the store exactly as `engine.pull` merges what it lists, one commit for the lot, and say what
became of each; no cursor moves."""

from __future__ import annotations

import pytest

from gitissues.bridges import engine, lookup
from gitissues.bridges.base import Remote, RemoteComment
from gitissues.store import open_store


@pytest.fixture
def store(sandbox, monkeypatch):
    for key, value in sandbox.env.items():
        monkeypatch.setenv(key, value)
    return open_store(sandbox.repo)


def remote(key: str, title: str, updated: str, **fields) -> Remote:
    full = {"title": title, "body": "", "status": "open", "labels": [], "assignees": [],
            "milestone": None, "priority": 2, **fields}
    return Remote(key, f"https://tracker.example/{key}", updated, full)


@pytest.mark.parametrize("bridge", ["hook", "my-hook_2"])
def test_new_then_changed_then_unchanged(store, sandbox, bridge: str) -> None:
    commits = sandbox.store_commits()
    made = engine.pull_remotes(store, bridge, [remote("1", "One", "2030-01-01T00:00:00Z"),
                                               remote("2", "Two", "2030-01-01T00:00:00Z")])
    assert (made.created, made.updated, made.unchanged) == (2, 0, 0)
    assert sandbox.store_commits() == commits + 1  # one commit for both
    one, two = made.outcomes["1"][0], made.outcomes["2"][0]
    assert made.outcomes == {"1": (one, "created"), "2": (two, "created")}
    assert store.get(one).remote[bridge]["number"] == "1"

    store.edit(one, priority=0)  # a local edit of another field than the remote's
    changed = remote("1", "One, retitled", "2030-01-02T00:00:00Z")
    changed.comments = [RemoteComment("c1", "mona", "2030-01-02T00:00:00Z", "Looks right")]
    again = engine.pull_remotes(store, bridge, [changed, remote("2", "Two",
                                                                "2030-01-01T00:00:00Z")])
    assert again.outcomes == {"1": (one, "updated"), "2": (two, "unchanged")}
    merged = store.get(one)
    assert (merged.title, merged.priority) == ("One, retitled", 0)
    assert [c.body for c in merged.comments] == ["Looks right"]
    assert "last_pull" not in (store.settings().get("bridges") or {}).get(bridge, {})


def test_an_issue_gi_created_there_is_found_by_its_marker(store) -> None:
    mine = store.create("Made here")
    found = remote("9", "Made here", "2030-01-01T00:00:00Z")
    found.marked = mine.id
    counts = engine.pull_remotes(store, "hook", [found])
    assert counts.outcomes == {"9": (mine.id, "updated")}
    assert len(store.all_issues()) == 1


def test_a_remote_issue_mapped_meanwhile_is_not_created_twice(store, monkeypatch) -> None:
    """A webhook's pull and `gi bridge pull` look the mapping up before their transaction;
    when the other one created the issue in between, the transaction finds it and merges."""
    first = engine.pull_remotes(store, "hook", [remote("5", "Five", "2030-01-01T00:00:00Z")])
    made = first.outcomes["5"][0]
    # this pull's lookup ran before the first one committed: it saw no mapping
    monkeypatch.setattr(lookup, "mapped_to", lambda store, bridge, remotes: ({}, set()))
    again = engine.pull_remotes(store, "hook",
                                [remote("5", "Five, again", "2030-01-02T00:00:00Z")])
    assert again.outcomes == {"5": (made, "updated")}
    assert [i.title for i in store.all_issues()] == ["Five, again"]
