"""The bridge engine against an in-process platform (the HTTP platforms have their own
end-to-end tests over real HTTP): field-by-field merges with the §6 rules, comments mirrored
exactly once each way, no duplicate after a crash, bodies compared as servers rewrite them."""

from __future__ import annotations

import itertools
import json

import pytest

from gitissues.bridges import engine, mapping
from gitissues.bridges.base import Remote, RemoteComment, strip_marker
from gitissues.store import open_store

_clock = itertools.count(1)


def later() -> str:
    """Remote times that always move on, a minute a step, in 2030 (after any local time)."""
    n = next(_clock)
    return f"2030-01-01T{n // 60 % 24:02d}:{n % 60:02d}:00Z"


class MemoryPlatform:
    """A tracker in memory that stores what it is sent the way a forge does: bodies with CRLF
    line ends and trailing blanks (to prove they are compared normalised)."""

    def __init__(self) -> None:
        self.issues: dict[str, dict] = {}
        self.comments: dict[str, list[RemoteComment]] = {}
        self.requests = 0
        self.die_after_create = False

    def add(self, **fields) -> str:
        key = str(len(self.issues) + 1)
        full = {"title": "", "body": "", "status": "open", "labels": [], "assignees": [],
                "milestone": None, "priority": 2, **fields}
        self.issues[key] = {"fields": full, "updated": later(), "marked": None}
        self.comments[key] = []
        return key

    def edit(self, key: str, **fields) -> None:
        self.issues[key]["fields"].update(fields)
        self.issues[key]["updated"] = later()

    def comment(self, key: str, body: str, local_id: str | None = None) -> str:
        rk = f"{key}-{len(self.comments[key]) + 1}"
        self.comments[key].append(RemoteComment(rk, "remote-user", later(), body, local_id))
        self.issues[key]["updated"] = later()
        return rk

    def _remote(self, key: str) -> Remote:
        it = self.issues[key]
        return Remote(key, f"https://tracker.example/{key}", it["updated"],
                      json.loads(json.dumps(it["fields"])), list(self.comments[key]),
                      it["marked"], remote_id=f"id{key}")

    # the Platform protocol
    def changed(self, since):
        self.requests += 1
        for key, it in self.issues.items():
            if since is None or it["updated"] >= since:
                yield self._remote(key)

    def create(self, fields, marker):
        self.requests += 1
        body = (fields.get("body") or "").replace("\n", "\r\n") + "  \r\n\r\n" + marker
        key = self.add(**{**fields, "body": body})
        self.issues[key]["marked"] = strip_marker(body)[1]
        self.issues[key]["fields"]["body"] = strip_marker(body)[0]
        if self.die_after_create:
            raise KeyboardInterrupt("killed after the remote create")
        return self._remote(key)

    def update(self, key, fields, changed):
        self.requests += 1
        self.edit(key, **{k: fields.get(k) for k in changed})
        return self._remote(key)

    def add_comment(self, key, body, marker):
        self.requests += 1
        return self.comment(key, body, strip_marker(marker)[1])


@pytest.fixture
def store(sandbox, monkeypatch):
    for key, value in sandbox.env.items():
        monkeypatch.setenv(key, value)
    s = open_store(sandbox.repo)
    s.sb = sandbox
    return s


def sync(store, platform, bridge="work"):
    pulled = engine.pull(store, bridge, platform, None)
    pushed = engine.push(store, bridge, platform)
    return pulled, pushed


def only(store):
    issues = store.all_issues()
    assert len(issues) == 1, issues
    return issues[0]


def test_pull_creates_once_and_a_second_pull_changes_nothing(store):
    tracker = MemoryPlatform()
    tracker.add(title="Remote bug", body="Line one\r\nLine two  \r\n", labels=["ui"])
    first = engine.pull(store, "work", tracker, None)
    assert first.to_json()["created"] == 1
    issue = only(store)
    assert issue.title == "Remote bug" and issue.labels == ["ui"]
    assert issue.remote["work"]["number"] == "1" and issue.remote["work"]["id"] == "id1"
    tip = store.sb.store_tip()
    again = engine.pull(store, "work", tracker, None)
    assert again.to_json()["unchanged"] == 1 and again.created == again.updated == 0
    assert store.sb.store_tip() == tip


def test_push_creates_once_and_a_rewritten_body_is_no_change(store):
    store.create("Local task", body="First line\nSecond line\n")
    tracker = MemoryPlatform()
    assert engine.push(store, "work", tracker).created == 1
    assert len(tracker.issues) == 1  # stored with CRLF, trailing blanks and the marker
    pulled, pushed = sync(store, tracker)
    assert (pulled.updated, pushed.created, pushed.updated) == (0, 0, 0)
    assert len(tracker.issues) == 1 and len(store.all_issues()) == 1


def test_a_push_killed_after_the_remote_create_creates_no_duplicate(store):
    store.create("Only once")
    tracker = MemoryPlatform()
    tracker.die_after_create = True
    with pytest.raises(KeyboardInterrupt):
        engine.push(store, "work", tracker)
    assert len(tracker.issues) == 1 and mapping.mapping_of(only(store), "work") is None
    tracker.die_after_create = False
    assert engine.push(store, "work", tracker).created == 0
    engine.pull(store, "work", tracker, None)
    assert len(tracker.issues) == 1 and len(store.all_issues()) == 1
    assert only(store).remote["work"]["number"] == "1"


def test_edits_of_different_fields_on_both_sides_are_both_kept(store):
    tracker = MemoryPlatform()
    key = tracker.add(title="Shared", labels=["a"], priority=2)
    engine.pull(store, "work", tracker, None)
    issue = only(store)
    store.edit(issue.id, title="Renamed here")
    tracker.edit(key, labels=["a", "remote"], status="closed")
    sync(store, tracker)
    local = only(store)
    assert local.title == "Renamed here" and set(local.labels) == {"a", "remote"}
    assert local.status == "closed"
    assert tracker.issues[key]["fields"]["title"] == "Renamed here"
    pulled, pushed = sync(store, tracker)
    assert pulled.updated == pushed.updated == 0


def test_one_field_changed_on_both_sides_goes_to_the_later_with_the_loser_on_record(store):
    tracker = MemoryPlatform()
    key = tracker.add(title="Before")
    engine.pull(store, "work", tracker, None)
    issue = only(store)
    store.edit(issue.id, title="Local title")
    tracker.edit(key, title="Remote title")  # 2030: later than the local edit
    sync(store, tracker)
    assert only(store).title == "Remote title"
    assert tracker.issues[key]["fields"]["title"] == "Remote title"
    message = store.sb.git("log", "-1", "--format=%B", "--grep=bridge.pull",
                           "refs/heads/issue-facade")
    record = json.loads(message.split("Gi-Conflict: ", 1)[1].splitlines()[0])
    assert record["field"] == "title" and record["kept"] == "Remote title"
    assert record["lost"] == "Local title"
    events = json.loads(store.sb.gi("log", "--json").out)
    assert any(e.get("type") == "merge.conflict_resolved" for e in events), events


def test_comments_on_both_sides_are_each_there_once_on_both_sides(store):
    tracker = MemoryPlatform()
    key = tracker.add(title="Talk")
    engine.pull(store, "work", tracker, None)
    issue = only(store)
    store.comment(issue.id, "from gi")
    tracker.comment(key, "from the tracker")
    for _ in range(2):
        sync(store, tracker)
    local = [c.body for c in only(store).comments]
    remote = [c.body for c in tracker.comments[key]]
    assert sorted(local) == sorted(remote) == ["from gi", "from the tracker"]


def test_a_label_removed_on_one_side_and_another_added_on_the_other(store):
    tracker = MemoryPlatform()
    key = tracker.add(title="Labels", labels=["keep", "drop"])
    engine.pull(store, "work", tracker, None)
    issue = only(store)
    store.edit(issue.id, remove_labels=["drop"])
    tracker.edit(key, labels=["keep", "drop", "new"])
    sync(store, tracker)
    assert sorted(only(store).labels) == ["keep", "new"]
    assert sorted(tracker.issues[key]["fields"]["labels"]) == ["keep", "new"]


def test_dry_run_changes_nothing_on_either_side(store):
    store.create("Local")
    tracker = MemoryPlatform()
    tracker.add(title="Remote")
    tip = store.sb.store_tip()
    assert engine.pull(store, "work", tracker, None, dry_run=True).created == 1
    assert engine.push(store, "work", tracker, dry_run=True).created == 1
    assert store.sb.store_tip() == tip and len(tracker.issues) == 1


def test_two_bridges_keep_separate_mappings(store):
    one, two = MemoryPlatform(), MemoryPlatform()
    store.create("Everywhere")
    engine.push(store, "one", one)
    engine.push(store, "two", two)
    issue = only(store)
    assert set(issue.remote) == {"one", "two"}
    assert len(one.issues) == len(two.issues) == 1
    assert issue.remote["one"]["number"] == issue.remote["two"]["number"] == "1"
    assert engine.pull(store, "one", one, None).unchanged == 1


class LossyPlatform(MemoryPlatform):
    """A tracker that drops assignees it has no account for, as GitHub and GitLab do."""

    accounts = {"alice"}

    def _keep(self, fields):
        return {**fields, "assignees": [a for a in fields.get("assignees") or []
                                        if a in self.accounts]}

    def create(self, fields, marker):
        return super().create(self._keep(fields), marker)

    def update(self, key, fields, changed):
        return super().update(key, self._keep(fields), changed)


def test_a_value_the_tracker_cannot_hold_settles_and_is_kept_in_gi(store):
    issue = store.create("Assigned", assignees=["alice", "agent-7"])
    tracker = LossyPlatform()
    sync(store, tracker)
    assert tracker.issues["1"]["fields"]["assignees"] == ["alice"]
    for _ in range(2):
        pulled, pushed = sync(store, tracker)
        assert (pulled.updated, pushed.updated) == (0, 0)
    assert sorted(store.get(issue.id).assignees) == ["agent-7", "alice"]
    tracker.edit("1", title="Renamed there")  # the tracker's own edits still arrive
    sync(store, tracker)
    local = store.get(issue.id)
    assert local.title == "Renamed there" and sorted(local.assignees) == ["agent-7", "alice"]
    store.edit(issue.id, unassign=["alice"])  # and gi's edits still go out
    sync(store, tracker)
    assert tracker.issues["1"]["fields"]["assignees"] == []
    assert store.get(issue.id).assignees == ["agent-7"]
