"""The activity stream: every change as an event, derived from the store's commit history
(gitissues.events derives them, one commit at a time).

There is no second copy of the data: each store commit is diffed against its first parent and
its trailers (`Gi-Actor`, `Gi-Op`, `Gi-Conflict`) name who did it and how. Parsing thousands of
YAML blobs is slow, so the derived events are cached in the index's SQLite file, in tables of
our own, per commit: a call only derives commits it has not seen, and after a reset or a branch
switch it drops the events of commits that are no longer in the history.

Tree mode has no store history: the log there is the history of HEAD's commits that touch
`.issue-facade/issues/`; uncommitted edits show up once committed.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from datetime import datetime

from gitissues import git, ids, testhooks, timeutil
from gitissues.errors import NotFound, UsageError
from gitissues.events import TREE_TOP, Deriver
from gitissues.git.history import Commit, History

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from gitissues.store.core import StoreCore
    from gitissues.store.index import Index

TYPES = ("issue.created", "issue.updated", "status.changed", "comment.added", "claim.acquired",
         "claim.released", "claim.extended", "claim.expired", "dependency.added",
         "dependency.removed", "commit.linked", "merge.conflict_resolved", "lease.acquired",
         "lease.released", "lease.extended", "lease.expired")
VERSION = "3"  # 2: tree-mode merges yield merge.conflict_resolved; 3: lease events
TREE_NOTE = ("tree mode: the log shows commits of the current branch that touch "
             f"{TREE_TOP}/; uncommitted edits appear once they are committed")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS activity_meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS activity_commits(commit_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS activity(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE,
  commit_id TEXT NOT NULL, type TEXT NOT NULL, time TEXT NOT NULL, actor TEXT, issue TEXT,
  fields TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS activity_time ON activity(time);
CREATE INDEX IF NOT EXISTS activity_issue ON activity(issue);
CREATE INDEX IF NOT EXISTS activity_commit ON activity(commit_id)
"""


def _source(store: StoreCore) -> tuple[str, str | None]:
    """(directory of issue files in the commits, the commit whose history is the log)."""
    if store.mode == "tree":
        return TREE_TOP, git.head_commit(store.paths)
    return ids.ISSUES_DIR, store.backend.tip()  # type: ignore[attr-defined]


def _prepare(index: Index) -> None:
    if _meta(index, "version") != VERSION:
        with index.writing():
            for t in ("activity", "activity_commits", "activity_meta"):
                index.db.execute(f"DROP TABLE IF EXISTS {t}")
            for stmt in _SCHEMA.split(";"):
                index.db.execute(stmt)
            _set_meta(index, "version", VERSION)


def _meta(index: Index, key: str) -> str | None:
    try:
        row = index.db.execute("SELECT value FROM activity_meta WHERE key=?", (key,)).fetchone()
    except sqlite3.OperationalError:  # no table yet
        return None
    return row[0] if row else None


def _set_meta(index: Index, key: str, value: str | None) -> None:
    index.db.execute("INSERT OR REPLACE INTO activity_meta VALUES(?, ?)", (key, value))


def update(store: StoreCore) -> Index:
    """Bring the cached events up to the current history; returns the index that holds them."""
    index = store.fresh()
    _prepare(index)
    top, target = _source(store)
    if _meta(index, "tip") == target:
        return index
    objects = History(store.paths) if target else None
    for _ in range(5):
        base = _meta(index, "tip")
        if base == target:
            return index
        new: list[Commit] = []
        stale: set[str] = set()
        if objects is None:
            stale = {r[0] for r in index.rows("SELECT commit_id FROM activity_commits")}
        elif (base and objects.has_commit(base) and objects.is_ancestor(target, base)
              and _source(store)[1] != target):
            return index  # the ref moved on and another process already went further
        elif base and objects.has_commit(base) and objects.is_ancestor(base, target):
            new = list(objects.commits(target, stop_at=base))
        else:
            done = {r[0] for r in index.rows("SELECT commit_id FROM activity_commits")}
            every = list(objects.commits(target))
            new = [c for c in every if c.id not in done]
            stale = done - {c.id for c in every}
        rows = []
        if objects is not None:
            deriver = Deriver(objects, top, index if store.mode == "branch" else None, target)
            for c in reversed(new):  # oldest first: sequence numbers follow the history
                rows += deriver.commit(c)
        with index.writing():
            if _meta(index, "tip") != base:
                continue  # someone else moved it meanwhile: look again
            for gone in stale:
                index.db.execute("DELETE FROM activity WHERE commit_id=?", (gone,))
                index.db.execute("DELETE FROM activity_commits WHERE commit_id=?", (gone,))
            index.db.executemany("INSERT OR IGNORE INTO activity_commits VALUES(?)",
                                 [(c.id,) for c in new])
            index.db.executemany(
                "INSERT OR IGNORE INTO activity(id, commit_id, type, time, actor, issue, fields)"
                " VALUES(?,?,?,?,?,?,?)", rows)
            _set_meta(index, "tip", target)
        return index
    return index


# --- reading --------------------------------------------------------------------------------

def parse_since(value: str | datetime | None, now: datetime | None = None) -> str | None:
    """`--since`: an RFC 3339 time or an age (`1d`, `2h`) → the earliest event time shown."""
    if value is None or isinstance(value, datetime):
        return None if value is None else timeutil.format_time(value)
    text = value.strip()
    if re.fullmatch(r"\d+[smhdw]", text):
        return timeutil.format_time((now or timeutil.now()) - timeutil.parse_duration(text))
    try:
        return timeutil.format_time(timeutil.parse_time(text))
    except ValueError:
        raise UsageError(f"invalid --since {value!r}: use an RFC 3339 time "
                         "(2026-11-24T06:00:00Z, 2026-11-24) or an age like 1d or 2h") from None


def select(index: Index, since: str | None = None, issue: str | None = None,
           agent: str | None = None, after: int | None = None, limit: int | None = None
           ) -> list[tuple[int, dict[str, Any]]]:
    """(sequence number, event) pairs in time order; with `limit`, the newest `limit`."""
    where, params = ["1"], []
    for clause, value in (("time >= ?", since), ("issue = ?", issue),
                          ("actor = ? COLLATE NOCASE", agent), ("seq > ?", after)):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = (f"SELECT seq, id, type, time, actor, issue, fields FROM activity"
           f" WHERE {' AND '.join(where)}")
    if limit:
        rows = index.rows(sql + " ORDER BY time DESC, seq DESC LIMIT ?", [*params, limit])[::-1]
    else:
        rows = index.rows(sql + " ORDER BY time, seq", params)
    return [(r[0], {"id": r[1], "type": r[2], "time": r[3], "actor": r[4], "issue": r[5],
                    "fields": json.loads(r[6])}) for r in rows]


def _issue_id(store: StoreCore, index: Index, ref: str | None) -> str | None:
    if ref is None:
        return None
    try:
        return store.resolve(ref)
    except NotFound:  # an issue no longer in the store still has its history
        if ids.is_id(ref) and index.rows("SELECT 1 FROM activity WHERE issue=? LIMIT 1", (ref,)):
            return ref
        raise


def listing(store: StoreCore, since: str | datetime | None = None, issue: str | None = None,
            agent: str | None = None, limit: int | None = None
            ) -> list[tuple[int, dict[str, Any]]]:
    """(sequence number, event) pairs oldest first; `limit`: only the newest that many."""
    return listing_and_mark(store, since, issue, agent, limit)[0]


def listing_and_mark(store: StoreCore, since: str | datetime | None = None,
                     issue: str | None = None, agent: str | None = None,
                     limit: int | None = None
                     ) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """`listing`, and the newest sequence number at that moment, read together: `follow`
    from it shows every event the listing could not (a concurrent `gi log` may derive new
    ones in between)."""
    cutoff = parse_since(since)
    index = update(store)
    issue_id = _issue_id(store, index, issue)
    with index.reading():
        return select(index, cutoff, issue_id, agent, limit=limit), last_seq(index)


def events(store: StoreCore, since: str | datetime | None = None, issue: str | None = None,
           agent: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Events oldest first; `limit`: only the newest that many."""
    return [e for _, e in listing(store, since, issue, agent, limit)]


def follow(store: StoreCore, issue: str | None = None, agent: str | None = None,
           after: int | None = None, poll: float = 0.2, since: str | datetime | None = None
           ) -> Iterator[dict[str, Any]]:
    """Events that land after sequence number `after` (default: now), forever; the store ref
    is polled every `poll` seconds, so local writes and pulls both show within a second."""
    testhooks.pause("LOG_FOLLOW")
    index = update(store)
    issue_id = _issue_id(store, index, issue)
    cutoff = parse_since(since)
    after = last_seq(index) if after is None else after
    seen: object = None  # select once at once: events may have landed since `after`
    while True:
        tip = _source(store)[1]
        if tip != seen:
            index = update(store)
            seen = tip
            for seq, event in select(index, cutoff, issue_id, agent, after=after):
                after = max(after, seq)
                yield event
        time.sleep(poll)


def last_seq(index: Index) -> int:
    """The newest sequence number: `follow` shows what comes after it."""
    return int(index.rows("SELECT ifnull(max(seq), 0) FROM activity")[0][0])


def seq_of(index: Index, event_id: str) -> int | None:
    """The sequence number of the event `event_id` (for resuming a stream after it), or None
    when the stream holds no such event."""
    rows = index.rows("SELECT seq FROM activity WHERE id = ?", (event_id,))
    return int(rows[0][0]) if rows else None
