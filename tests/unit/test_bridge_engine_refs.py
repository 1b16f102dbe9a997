"""The engine's extra fields (SPEC §8, Jira): a platform naming `extra_fields` gets `type` and
`depends_on` mapped too, `depends_on` translated between local ids and remote keys both ways
(links within one listing, across batches, to issues pushed later in the same run, to issues
gi cannot hold), and a write the tracker did not take (`unsent`) is tried again."""

from __future__ import annotations

import itertools
import json

import pytest

from gitissues.bridges import engine
from gitissues.bridges.base import Remote, strip_marker
from gitissues.store import open_store

_clock = itertools.count(1)


def later() -> str:
    n = next(_clock)
    return f"2030-01-01T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z"


class LinkingPlatform:
    """A tracker in memory with issue types and "blocked by" links by key (as Jira has)."""

    extra_fields = ("type", "depends_on")

    def __init__(self) -> None:
        self.issues: dict[str, dict] = {}
        self.requests = 0
        self.refuse_status: set[str] = set()  # statuses no transition reaches
        self.updates: list[tuple[str, set[str]]] = []

    def add(self, **fields) -> str:
        key = f"ACME-{len(self.issues) + 1}"
        full = {"title": "", "body": "", "status": "open", "labels": [], "assignees": [],
                "milestone": None, "priority": 2, "type": "task", "depends_on": [], **fields}
        self.issues[key] = {"fields": full, "updated": later(), "marked": None}
        return key

    def _remote(self, key: str) -> Remote:
        it = self.issues[key]
        return Remote(key, f"https://jira.example/browse/{key}", it["updated"],
                      json.loads(json.dumps(it["fields"])), [], it["marked"])

    def changed(self, since):
        self.requests += 1
        for key, it in sorted(self.issues.items(), key=lambda kv: kv[1]["updated"]):
            if since is None or it["updated"] >= since:
                yield self._remote(key)

    def get(self, key):
        return self._remote(key) if key in self.issues else None

    def _write(self, key, fields, changed):
        it = self.issues[key]
        unsent = set()
        for k in changed:
            if k == "status" and fields.get(k) in self.refuse_status:
                unsent.add(k)
                continue
            it["fields"][k] = fields.get(k)
        it["updated"] = later()
        remote = self._remote(key)
        remote.unsent = unsent
        return remote

    def create(self, fields, marker):
        self.requests += 1
        key = self.add(title=fields.get("title") or "")
        self.issues[key]["marked"] = strip_marker(marker)[1]
        return self._write(key, fields, set(fields) - {"title"})

    def update(self, key, fields, changed):
        self.requests += 1
        self.updates.append((key, set(changed)))
        return self._write(key, fields, changed)

    def add_comment(self, key, body, marker):
        raise AssertionError("no comments here")


@pytest.fixture
def store(sandbox, monkeypatch):
    for key, value in sandbox.env.items():
        monkeypatch.setenv(key, value)
    return open_store(sandbox.repo)


def by_title(store):
    return {i.title: i for i in store.all_issues()}


def test_links_within_one_listing_become_depends_on_in_either_order(store):
    jira = LinkingPlatform()
    blocked = jira.add(title="Blocked", depends_on=["ACME-2"], type="bug")
    jira.add(title="Blocker")
    counts = engine.pull(store, "work", jira, None)
    assert counts.created == 2
    got = by_title(store)
    assert got["Blocked"].depends_on == [got["Blocker"].id] and got["Blocked"].type == "bug"
    assert got["Blocked"].remote["work"]["number"] == blocked
    again = engine.pull(store, "work", jira, None)
    assert (again.created, again.updated) == (0, 0)
    assert engine.push(store, "work", jira).updated == 0


def test_a_link_to_an_issue_a_later_batch_brings_is_merged_after_it(store, monkeypatch):
    monkeypatch.setattr(engine, "BATCH", 1)
    jira = LinkingPlatform()
    jira.add(title="First", depends_on=["ACME-3"])
    jira.add(title="Second")
    jira.add(title="Third")
    engine.pull(store, "work", jira, None)
    got = by_title(store)
    assert got["First"].depends_on == [got["Third"].id]
    assert engine.push(store, "work", jira).updated == 0


def test_a_link_gi_cannot_hold_is_left_out_and_never_pushed_away(store):
    jira = LinkingPlatform()
    jira.add(title="Linked elsewhere", depends_on=["OTHER-9"])
    engine.pull(store, "work", jira, None)
    assert by_title(store)["Linked elsewhere"].depends_on == []
    assert engine.pull(store, "work", jira, None).updated == 0
    assert engine.push(store, "work", jira).updated == 0 and not jira.updates


def test_new_issues_depending_on_each_other_are_linked_once_both_exist(store):
    s = store
    blocker = s.create("Blocker")
    blocked = s.create("Blocked", depends_on=[blocker.id])
    jira = LinkingPlatform()
    # "Blocked" may be pushed before "Blocker" exists remotely: linked in a second pass
    counts = engine.push(s, "work", jira)
    assert counts.created == 2
    keys = {it["fields"]["title"]: k for k, it in jira.issues.items()}
    assert jira.issues[keys["Blocked"]]["fields"]["depends_on"] == [keys["Blocker"]]
    assert by_title(s)["Blocked"].remote["work"]["base"]["depends_on"] == [blocker.id]
    assert engine.push(s, "work", jira).updated == 0
    assert engine.pull(s, "work", jira, None).updated == 0
    assert blocked.id in {i.id for i in s.all_issues()}


def test_type_travels_both_ways_for_a_platform_that_maps_it(store):
    jira = LinkingPlatform()
    key = jira.add(title="Typed", type="feature")
    engine.pull(store, "work", jira, None)
    issue = by_title(store)["Typed"]
    assert issue.type == "feature"
    store.update(issue.id, lambda i: setattr(i, "type", "epic") or "retyped", "edit")
    assert engine.push(store, "work", jira).updated == 1
    assert jira.issues[key]["fields"]["type"] == "epic"


def test_a_status_the_tracker_did_not_take_is_tried_again(store):
    jira = LinkingPlatform()
    key = jira.add(title="Stuck")
    engine.pull(store, "work", jira, None)
    issue = by_title(store)["Stuck"]
    store.update(issue.id, lambda i: setattr(i, "status", "blocked") or "block", "edit")
    jira.refuse_status = {"blocked"}
    for _ in range(2):
        assert engine.push(store, "work", jira).updated == 1
    assert [c for _, c in jira.updates] == [{"status"}, {"status"}]
    assert engine.pull(store, "work", jira, None).updated == 0  # not a remote change
    assert by_title(store)["Stuck"].status == "blocked"
    jira.refuse_status = set()
    assert engine.push(store, "work", jira).updated == 1
    assert jira.issues[key]["fields"]["status"] == "blocked"
    assert engine.push(store, "work", jira).updated == 0
