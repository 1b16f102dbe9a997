"""The activity stream: every change as an event, derived from the store's commit history.

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
from datetime import UTC, datetime

from gitissues import git, ids, timeutil
from gitissues.errors import InvalidData, NotFound, UsageError
from gitissues.git.history import Commit, ObjectStore
from gitissues.model import Issue

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from gitissues.store.core import StoreCore
    from gitissues.store.index import Index

TYPES = ("issue.created", "issue.updated", "status.changed", "comment.added", "claim.acquired",
         "claim.released", "claim.extended", "claim.expired", "dependency.added",
         "dependency.removed", "commit.linked", "merge.conflict_resolved")
VERSION = "2"  # 2: tree-mode merges yield merge.conflict_resolved
TREE_TOP = ".issue-facade/issues"
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
_TRAILER = re.compile(r"^(Gi-[A-Za-z-]+):[ \t]*(.*)$", re.M)
_ANY_TRAILER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*:[ \t]")
_HANDLED = {"id", "updated", "status", "closed", "claim", "depends_on", "comments", "links",
            "agent"}
_BULK = 100  # a commit creating more issues than this reads them from the index when it can


# --- deriving events from one change --------------------------------------------------------

def created_fields(d: dict[str, Any]) -> dict[str, Any]:
    """What an `issue.created` event says: the essentials, plus what was set."""
    out = {k: d.get(k) for k in ("title", "status", "type", "priority")}
    out.update({k: d[k] for k in ("labels", "assignees", "milestone", "parent", "depends_on")
                if d.get(k)})
    return out


def diff(old: Issue, new: Issue, op: str = "", when: str = "") -> list[tuple[str, dict]]:
    """Events `(type, fields)` for one issue changed from `old` to `new` by a commit with op
    `op` at time `when`."""
    out: list[tuple[str, dict]] = []
    if old.status != new.status:
        fields: dict[str, Any] = {"status": {"old": old.status, "new": new.status}}
        if old.closed != new.closed:
            fields["closed"] = {"old": old.closed, "new": new.closed}
        out.append(("status.changed", fields))
    out += _claim_events(old, new, op, when)
    out += [("dependency.added", {"dependency": d}) for d in new.depends_on
            if d not in old.depends_on]
    out += [("dependency.removed", {"dependency": d}) for d in old.depends_on
            if d not in new.depends_on]
    before = {c.id: c.to_dict() for c in old.comments}
    after = {c.id: c.to_dict() for c in new.comments}
    out += [("comment.added", {"comment": c["id"], "author": c["author"], "body": c["body"]})
            for cid, c in after.items() if cid not in before]
    old_commits = old.links.get("commits") or []
    out += [("commit.linked", {"commit": c}) for c in new.links.get("commits") or []
            if c not in old_commits]
    changed = _field_changes(old, new)
    touched = {k: v for k, v in before.items() if after.get(k) != v}
    if touched:
        changed["comments"] = {"old": list(touched.values()),
                               "new": [after[k] for k in touched if k in after]}
    if changed:
        out.append(("issue.updated", changed))
    return out


def _field_changes(old: Issue, new: Issue) -> dict[str, dict]:
    a, b = old.to_dict(), new.to_dict()
    out: dict[str, dict] = {}
    if old.status == new.status and a["closed"] != b["closed"]:  # else status.changed says it
        out["closed"] = {"old": a["closed"], "new": b["closed"]}
    for key in dict.fromkeys([*a, *b]):
        if key not in _HANDLED and a.get(key) != b.get(key):
            out[key] = {"old": a.get(key), "new": b.get(key)}
    la = {k: v for k, v in a["links"].items() if k != "commits"}
    lb = {k: v for k, v in b["links"].items() if k != "commits"}
    if la != lb:
        out["links"] = {"old": la, "new": lb}
    for key in dict.fromkeys([*a["agent"], *b["agent"]]):
        if a["agent"].get(key) != b["agent"].get(key):
            out[f"agent.{key}"] = {"old": a["agent"].get(key), "new": b["agent"].get(key)}
    return out


def _claim_events(old: Issue, new: Issue, op: str, when: str) -> list[tuple[str, dict]]:
    oc, nc = old.claim, new.claim
    if oc == nc:
        return []
    out: list[tuple[str, dict]] = []
    lapsed = oc is not None and (op == "claim.expired" or (
        op != "release" and bool(when) and oc.expires_at <= when))
    if oc is not None and (nc is None or nc.agent != oc.agent):
        kind = "claim.expired" if lapsed else "claim.released"
        out.append((kind, {"agent": oc.agent, "expires_at": oc.expires_at}))
    if nc is not None and (oc is None or nc.agent != oc.agent):
        out.append(("claim.acquired", {"agent": nc.agent, "claimed_at": nc.claimed_at,
                                       "expires_at": nc.expires_at}))
    elif nc is not None and oc is not None:
        out.append(("claim.extended", {"agent": nc.agent, "expires_at": {
            "old": oc.expires_at, "new": nc.expires_at}}))
    return out


def trailers(message: str) -> tuple[dict[str, str], list[dict]]:
    """The commit's `Gi-*` trailers (first of each) and its `Gi-Conflict` records, read only
    from the trailer block: the last paragraph, when every line of it is a trailer (so no text
    in a subject or body can pass for one)."""
    found: dict[str, str] = {}
    conflicts = []
    block = message.replace("\r\n", "\n").strip("\n").rsplit("\n\n", 1)[-1]
    if not all(_ANY_TRAILER.match(line) for line in block.split("\n")):
        return found, conflicts
    for key, value in _TRAILER.findall(block):
        if key == "Gi-Conflict":
            try:
                record = json.loads(value)
            except ValueError:
                continue
            if isinstance(record, dict):
                conflicts.append(record)
        else:
            found.setdefault(key, value.strip())
    return found, conflicts


def _resolved(record: dict) -> dict[str, Any]:
    """A `merge.conflict_resolved` event's fields; `file` names a file that is not an issue
    (the settings)."""
    fields = {k: record.get(k) for k in ("field", "kept", "lost")}
    return {**fields, "file": record["file"]} if record.get("file") else fields


# --- walking the history --------------------------------------------------------------------

def _paired(changes: list[tuple[str, str | None, str | None]]
            ) -> list[tuple[str, str | None, str | None]]:
    """A file removed at one path and added at another for the same issue (a layout
    migration, a merge placing it anew) is one change of that issue, not a new issue. In id
    order: the layout orders paths by a hash."""
    gone = {ids.id_of_path(p): old for p, old, new in changes if new is None}
    added = {ids.id_of_path(p) for p, old, new in changes if old is None and new is not None}
    out = []
    for path, old, new in sorted(changes, key=lambda c: (ids.id_of_path(c[0]) or "", c[0])):
        issue_id = ids.id_of_path(path)
        if new is None and issue_id in added:
            continue
        if old is None and new is not None and issue_id in gone:
            old = gone[issue_id]
        out.append((path, old, new))
    return out


class _Deriver:
    """Events of commits, each blob parsed at most once per run."""

    def __init__(self, objects: ObjectStore, top: str, index: Index | None,
                 target: str | None) -> None:
        self.objects, self.top, self.index, self.target = objects, top, index, target
        self.parsed: dict[str, Issue | None] = {}
        self.at_target: dict[str, str] | None = None

    def issue(self, blob: str, path: str) -> Issue | None:
        if blob not in self.parsed:
            try:
                text = self.objects.blob(blob).decode("utf-8")
                self.parsed[blob] = Issue.from_yaml(text, path)
            except (InvalidData, UnicodeDecodeError):
                self.parsed[blob] = None
        return self.parsed[blob]

    def commit(self, c: Commit) -> list[tuple[str, ...]]:
        found, conflicts = trailers(c.message)
        actor = found.get("Gi-Actor") or c.author
        op = found.get("Gi-Op", "")
        when = timeutil.format_time(datetime.fromtimestamp(c.time, UTC))
        events: list[tuple[str, str | None, dict]] = []
        if len(c.parents) > 1:  # the sides' changes were logged on the sides
            if not conflicts and self.top == TREE_TOP and self._touches(c):
                conflicts = self._recorded(c)  # tree mode: the merge driver's records
            events = [("merge.conflict_resolved", r.get("issue"), _resolved(r))
                      for r in conflicts]
        elif self._touches(c):
            changes = _paired([x for x in self.objects.commit_changes(c, self.top)
                               if x[0].endswith(".yaml")])
            bulk = self._bulk([x for x in changes if x[1] is None])
            for path, old_blob, new_blob in changes:
                events += self._file(path, old_blob, new_blob, op, when, bulk)
        return [(f"{c.id}:{n}", c.id, kind, when, actor, issue,
                 json.dumps(fields, ensure_ascii=False))
                for n, (kind, issue, fields) in enumerate(events)]

    def _file(self, path: str, old_blob: str | None, new_blob: str | None, op: str, when: str,
              bulk: dict[str, dict]) -> list[tuple[str, str | None, dict]]:
        if new_blob is None:
            return []  # gi never deletes an issue; a removed file is not an event of the list
        if old_blob is None:
            data = bulk.get(path)
            if data is None:
                issue = self.issue(new_blob, path)
                data = issue.to_dict() if issue else None
            return [("issue.created", data["id"], created_fields(data))] if data else []
        old, new = self.issue(old_blob, path), self.issue(new_blob, path)
        if new is None:
            return []
        if old is None:  # the file was broken before: all we can say is what it says now
            return [("issue.updated", new.id, {"file": {"old": None, "new": path}})]
        return [(kind, new.id, fields) for kind, fields in diff(old, new, op, when)]

    def _recorded(self, c: Commit) -> list[dict]:
        """The conflict records (`conflicts:` in an issue) that a tree-mode merge added."""
        from gitissues.merge_driver import new_records

        out = []
        for path, _old, new in self.objects.commit_changes(c, self.top):
            data = self.objects.blob(new) if new and path.endswith(".yaml") else b""
            if b"conflicts" in data:
                out += new_records(data, [self.objects.blob_at(p, path) for p in c.parents],
                                   path)
        return out

    def _touches(self, c: Commit) -> bool:
        """Cheap test before a full tree diff (tree mode: most code commits touch no issue)."""
        if not c.parents:
            return True
        repo = self.objects.repo

        def sub(commit_id: str) -> Any:
            try:
                return repo[commit_id].tree[self.top].id
            except KeyError:
                return None

        return sub(c.id) != sub(c.parents[0])

    def _bulk(self, added: list[tuple[str, str | None, str | None]]) -> dict[str, dict]:
        """Created issues of a big import, from the index rows when their blob is still the
        one at the tip the index reflects (no YAML parsing)."""
        if len(added) <= _BULK or self.index is None or self.target is None:
            return {}
        if self.at_target is None:
            self.at_target = dict(self.objects.files_under(self.target, self.top))
        wanted = [p for p, _, new in added if new and self.at_target.get(p) == new]
        out: dict[str, dict] = {}
        db = self.index.db
        db.execute("BEGIN")  # one consistent read: the token and the rows
        try:
            if self.index.meta("token") == self.target:
                for p in wanted:
                    row = db.execute("SELECT json FROM issues WHERE path=?", (p,)).fetchone()
                    if row:
                        out[p] = json.loads(row[0])
        finally:
            db.execute("COMMIT")
        return out


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
    objects = ObjectStore(store.paths) if target else None
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
            deriver = _Deriver(objects, top, index if store.mode == "branch" else None, target)
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
    cutoff = parse_since(since)
    index = update(store)
    return select(index, cutoff, _issue_id(store, index, issue), agent, limit=limit)


def events(store: StoreCore, since: str | datetime | None = None, issue: str | None = None,
           agent: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """Events oldest first; `limit`: only the newest that many."""
    return [e for _, e in listing(store, since, issue, agent, limit)]


def follow(store: StoreCore, issue: str | None = None, agent: str | None = None,
           after: int | None = None, poll: float = 0.2) -> Iterator[dict[str, Any]]:
    """Events that land after sequence number `after` (default: now), forever; the store ref
    is polled every `poll` seconds, so local writes and pulls both show within a second."""
    index = update(store)
    issue_id = _issue_id(store, index, issue)
    after = last_seq(index) if after is None else after
    seen = _meta(index, "tip")
    while True:
        tip = _source(store)[1]
        if tip != seen:
            index = update(store)
            seen = tip
            for seq, event in select(index, None, issue_id, agent, after=after):
                after = max(after, seq)
                yield event
        time.sleep(poll)


def last_seq(index: Index) -> int:
    """The newest sequence number: `follow` shows what comes after it."""
    return int(index.rows("SELECT ifnull(max(seq), 0) FROM activity")[0][0])
