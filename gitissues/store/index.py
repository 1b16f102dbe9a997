"""The derived SQLite index: fast answers for reads, rebuilt from the store at will.

It records the store state it reflects (`meta.token`: the ref tip in branch mode; per-file stat
stamps in tree mode), so every read can check it against the store first and never serve a
stale answer; a read of several statements runs in one transaction (`reading`), so it sees one
state of the store. In branch mode `files.stamp` is each file's blob id. Deleting it loses
nothing.
"""

from __future__ import annotations

import json
import os

try:  # the C module itself: the `sqlite3` package adds only date adapters, and imports the
    import _sqlite3 as sqlite3  # `datetime` module for them (~1.5 ms for every process)
except ImportError:  # an interpreter without it
    import sqlite3

from gitissues.ids import aliases_of
from gitissues.model import Issue

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

SCHEMA_VERSION = "9"
_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE issues(
  rowid INTEGER PRIMARY KEY,
  id TEXT UNIQUE NOT NULL, hex TEXT NOT NULL, path TEXT UNIQUE NOT NULL,
  title TEXT NOT NULL, status TEXT NOT NULL, type TEXT NOT NULL, priority INTEGER NOT NULL,
  milestone TEXT, parent TEXT, author TEXT,
  created TEXT NOT NULL, updated TEXT NOT NULL, closed TEXT,
  claim_agent TEXT, claim_expires TEXT, stage TEXT,
  json TEXT NOT NULL);
CREATE INDEX issues_hex ON issues(hex);
CREATE INDEX issues_order ON issues(priority, created DESC, id);
CREATE INDEX issues_by_created ON issues(created DESC, priority, id);
CREATE INDEX issues_by_updated ON issues(updated DESC, priority, created DESC, id);
CREATE INDEX issues_claim ON issues(claim_expires) WHERE claim_agent IS NOT NULL;
CREATE TABLE labels(issue TEXT NOT NULL, label TEXT NOT NULL);
CREATE INDEX labels_label ON labels(label COLLATE NOCASE);
CREATE INDEX labels_issue ON labels(issue);
CREATE TABLE assignees(issue TEXT NOT NULL, name TEXT NOT NULL);
CREATE INDEX assignees_name ON assignees(name COLLATE NOCASE);
CREATE INDEX assignees_issue ON assignees(issue);
CREATE TABLE deps(issue TEXT NOT NULL, dep TEXT NOT NULL);
CREATE INDEX deps_issue ON deps(issue);
CREATE INDEX deps_dep ON deps(dep);
CREATE TABLE aliases(issue TEXT NOT NULL, alias TEXT NOT NULL);
CREATE INDEX aliases_alias ON aliases(alias);
CREATE INDEX aliases_issue ON aliases(issue);
CREATE VIRTUAL TABLE fts USING fts5(title, body, comments, tokenize="porter unicode61");
CREATE TABLE files(path TEXT PRIMARY KEY, stamp TEXT, issue TEXT);
CREATE INDEX files_issue ON files(issue);
CREATE TABLE bad(path TEXT PRIMARY KEY, message TEXT NOT NULL);
CREATE TABLE keys(issue TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX keys_value ON keys(value, kind);
CREATE INDEX keys_issue ON keys(issue);
"""
_TABLES = ("meta", "issues", "labels", "assignees", "deps", "aliases", "fts", "files", "bad",
           "keys")


class Index:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.db.execute("PRAGMA synchronous=NORMAL")
        if self._version() != SCHEMA_VERSION:
            self._use_wal()
            with self.writing():
                if self._version() != SCHEMA_VERSION:
                    self._create()

    def close(self) -> None:
        """Close the connection; the last one open on the file also folds the WAL into it and
        removes it. Done as soon as the index is dropped (`__del__`): a sqlite3 connection
        sits in a reference cycle with its statement cache, so it would otherwise wait for the
        garbage collector, which `gi` skips at exit."""
        db = getattr(self, "db", None)
        if db is not None:
            db.close()

    __del__ = close

    def _use_wal(self) -> None:
        """WAL lets readers go on while one process writes; the mode is kept in the file, so
        only a new index sets it. Switching takes an exclusive lock and skips SQLite's busy
        handler, so processes racing to create the index retry."""
        import random
        import time

        for _ in range(200):
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError:
                time.sleep(random.uniform(0.005, 0.02))
        self.db.execute("PRAGMA journal_mode=WAL")

    def _version(self) -> str | None:
        try:
            return self.meta("schema")
        except sqlite3.OperationalError:
            return None

    def _create(self) -> None:
        for t in _TABLES:
            self.db.execute(f"DROP TABLE IF EXISTS {t}")
        for stmt in _SCHEMA.split(";"):
            if stmt.strip():
                self.db.execute(stmt)
        self.set_meta("schema", SCHEMA_VERSION)

    def reading(self) -> _Transaction:
        """One consistent view for several statements (WAL: a snapshot taken at the first
        read); a writer that commits meanwhile is not seen half-way."""
        return _Transaction(self, "BEGIN", undo=False)

    def writing(self) -> _Transaction:
        """One writer at a time (BEGIN IMMEDIATE); readers keep reading the last commit (WAL)."""
        return _Transaction(self, "BEGIN IMMEDIATE", undo=True)

    def clear(self) -> None:
        self._create()

    # --- meta ---------------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", (key, value))

    # --- writing ------------------------------------------------------------------------------

    def put(self, path: str, issue: Issue, stamp: str | None = None) -> None:
        """Index one issue file; a second file with the same id is recorded as bad. A file that
        held the same issue before is updated in place (its row keeps its rowid), and only the
        tables whose part changed are rewritten: a label, status or claim change leaves the
        full-text index alone, which halves the pages a write and the WAL fold move."""
        d = issue.to_dict()
        claim = d["claim"] or {}
        stage = d["agent"].get("stage") if isinstance(d["agent"], dict) else None
        values = (issue.title, issue.status, issue.type,
                  issue.priority, issue.milestone, issue.parent, issue.author, issue.created,
                  issue.updated, issue.closed, claim.get("agent"), claim.get("expires_at"),
                  None if stage is None else str(stage),
                  json.dumps({**d, "path": path}, ensure_ascii=False))
        comments = "\n".join(c.body for c in issue.comments)
        row = self.db.execute("SELECT rowid, id, json FROM issues WHERE path=?",
                              (path,)).fetchone()
        if row is None or row[1] != issue.id:
            self._insert(path, issue, stamp, values, comments, d)
            return
        rowid, old = row[0], json.loads(row[2])
        self.db.execute(
            "UPDATE issues SET title=?, status=?, type=?, priority=?,"
            " milestone=?, parent=?, author=?, created=?, updated=?, closed=?, claim_agent=?,"
            " claim_expires=?, stage=?, json=? WHERE rowid=?", (*values, rowid))
        for table, key, new in (("labels", "labels", issue.labels),
                                ("assignees", "assignees", issue.assignees),
                                ("deps", "depends_on", issue.depends_on)):
            if old.get(key) != new:
                self.db.execute(f"DELETE FROM {table} WHERE issue=?", (issue.id,))
                self.db.executemany(f"INSERT INTO {table} VALUES(?,?)",
                                    [(issue.id, x) for x in new])
        aliases = aliases_of(issue.links)
        if aliases_of(old.get("links")) != aliases:
            self.db.execute("DELETE FROM aliases WHERE issue=?", (issue.id,))
            self.db.executemany("INSERT INTO aliases VALUES(?,?)",
                                [(issue.id, x) for x in aliases])
        if _keys(old) != _keys(d):
            self.db.execute("DELETE FROM keys WHERE issue=?", (issue.id,))
            self.db.executemany("INSERT INTO keys VALUES(?,?,?)", _keys(d))
        if (old.get("title"), old.get("body"), _comments_text(old)) != (
                issue.title, issue.body, comments):
            self.db.execute("DELETE FROM fts WHERE rowid=?", (rowid,))
            self.db.execute("INSERT INTO fts(rowid, title, body, comments) VALUES(?,?,?,?)",
                            (rowid, issue.title, issue.body, comments))
        self.db.execute("INSERT OR REPLACE INTO files VALUES(?,?,?)", (path, stamp, issue.id))

    def _insert(self, path: str, issue: Issue, stamp: str | None, values: tuple,
                comments: str, d: dict[str, Any]) -> None:
        self.drop(path)
        other = self.db.execute("SELECT path FROM issues WHERE id=?", (issue.id,)).fetchone()
        if other:
            self.put_bad(path, f"{path}: duplicate id {issue.id} (also in {other[0]})", stamp)
            return
        cur = self.db.execute(
            "INSERT INTO issues(id, hex, path, title, status, type, priority, milestone, parent,"
            " author, created, updated, closed, claim_agent, claim_expires, stage, json)"
            " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (issue.id, issue.id.rsplit("-", 1)[1], path, *values))
        rowid = cur.lastrowid
        self.db.executemany("INSERT INTO labels VALUES(?,?)", [(issue.id, x) for x in issue.labels])
        self.db.executemany(
            "INSERT INTO assignees VALUES(?,?)", [(issue.id, x) for x in issue.assignees])
        self.db.executemany(
            "INSERT INTO deps VALUES(?,?)", [(issue.id, x) for x in issue.depends_on])
        self.db.executemany(
            "INSERT INTO aliases VALUES(?,?)", [(issue.id, x) for x in aliases_of(issue.links)])
        self.db.execute("INSERT INTO fts(rowid, title, body, comments) VALUES(?,?,?,?)",
                        (rowid, issue.title, issue.body, comments))
        self.db.executemany("INSERT INTO keys VALUES(?,?,?)", _keys(d))
        self.db.execute("INSERT OR REPLACE INTO files VALUES(?,?,?)", (path, stamp, issue.id))

    def put_bad(self, path: str, message: str, stamp: str | None = None) -> None:
        self.drop(path)
        self.db.execute("INSERT OR REPLACE INTO bad VALUES(?,?)", (path, message))
        self.db.execute("INSERT OR REPLACE INTO files VALUES(?,?,NULL)", (path, stamp))

    def drop(self, path: str) -> None:
        row = self.db.execute("SELECT rowid, id FROM issues WHERE path=?", (path,)).fetchone()
        if row:
            rowid, issue_id = row
            self.db.execute("DELETE FROM issues WHERE rowid=?", (rowid,))
            self.db.execute("DELETE FROM fts WHERE rowid=?", (rowid,))
            for t in ("labels", "assignees", "deps", "aliases", "keys"):
                self.db.execute(f"DELETE FROM {t} WHERE issue=?", (issue_id,))
        self.db.execute("DELETE FROM bad WHERE path=?", (path,))
        self.db.execute("DELETE FROM files WHERE path=?", (path,))

    # --- reading ------------------------------------------------------------------------------

    def resolve(self, ref: str) -> list[str]:
        """Ids that a full id, an id prefix or bare hex names (at most a few, for messages)."""
        if "-" in ref:
            col, val = "id", ref
        else:
            col, val = "hex", ref
        rows = self.db.execute(
            f"SELECT id FROM issues WHERE {col} >= ? AND {col} < ? ORDER BY id LIMIT 6",
            (val, val + "\uffff"),
        ).fetchall()
        exact = [r[0] for r in rows if r[0] == ref]
        return exact or [r[0] for r in rows]

    def resolve_alias(self, alias: str) -> list[str]:
        """Ids of the issues that keep `alias` as their id in another tracker (`ids.aliases_of`)."""
        return [r[0] for r in self.db.execute(
            "SELECT DISTINCT issue FROM aliases WHERE alias=? ORDER BY issue LIMIT 6", (alias,))]

    def get(self, issue_id: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT json FROM issues WHERE id=?", (issue_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def get_with_stamp(self, issue_id: str) -> tuple[dict[str, Any], str | None] | None:
        """The issue and its file's stamp (the blob id in branch mode)."""
        row = self.db.execute("SELECT i.json, f.stamp FROM issues i JOIN files f"
                              " ON f.path = i.path WHERE i.id=?", (issue_id,)).fetchone()
        return (json.loads(row[0]), row[1]) if row else None

    def path_of(self, issue_id: str) -> str | None:
        row = self.db.execute("SELECT path FROM files WHERE issue=?", (issue_id,)).fetchone()
        return row[0] if row else None

    def rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, params).fetchall()

    def first_done(self, plans: list[tuple[str, list[Any], float | None]]
                   ) -> list[tuple[Any, ...]]:
        """The rows of the first of `plans` (equivalent statements, each with a time budget in
        seconds; None: no limit) that finishes within its budget. For `ORDER BY … LIMIT`, which
        plan is fast depends on how many rows match, which SQLite's planner cannot know; an
        interrupted statement leaves the read transaction and its snapshot as they were."""
        from time import perf_counter

        for sql, params, budget in plans:
            if budget is None:
                return self.rows(sql, params)
            deadline = perf_counter() + budget
            self.db.set_progress_handler(lambda end=deadline: perf_counter() > end, 1000)
            try:
                return self.rows(sql, params)
            except sqlite3.OperationalError as exc:
                if "interrupt" not in str(exc):
                    raise
            finally:
                self.db.set_progress_handler(None, 0)
        raise ValueError("no plan without a budget")

    def mapped(self, bridge: str, keys: list[str] | None = None) -> dict[str, str]:
        """Remote number on `bridge` → the issue mapped to it (only `keys`, when given): the
        keys table finds the bridge's issues, their JSON gives the number as mapped."""
        sql = ("SELECT id, json_extract(json, ?) FROM issues WHERE id IN "
               "(SELECT issue FROM keys WHERE kind = ?")
        args: list[Any] = [f'$.remote."{bridge}".number', f"remote:{bridge}"]
        if keys is not None:
            sql += f" AND value IN ({','.join('?' * len(keys))})"
            args += keys
        return {str(n): i for i, n in self.db.execute(sql + ")", args) if n is not None}

    def keyed(self, kind: str, value: str) -> list[str]:
        """Issues found by `value` (`commit`: one in `links.commits`; `remote:NAME`: the
        number on bridge NAME; `remote:`, on any bridge)."""
        if kind.endswith(":"):  # every kind that starts so
            where, args = "kind >= ? AND kind < ?", (kind, kind[:-1] + ";")
        else:
            where, args = "kind = ?", (kind,)
        return [r[0] for r in self.db.execute(
            f"SELECT DISTINCT issue FROM keys WHERE value=? AND {where} ORDER BY issue",
            (value, *args))]

    def bad_files(self) -> list[tuple[str, str]]:
        return self.rows("SELECT path, message FROM bad ORDER BY path")  # type: ignore[return-value]

    def stamps(self) -> dict[str, str | None]:
        return dict(self.db.execute("SELECT path, stamp FROM files").fetchall())

    def ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM issues")}


def _comments_text(data: dict[str, Any]) -> str | None:
    """The comments' text as the full-text index holds it, from an issue's index JSON (None
    when the JSON does not have the shape `put` wrote: then the row is rewritten)."""
    try:
        return "\n".join(c["body"] for c in data.get("comments") or [])
    except (TypeError, KeyError):
        return None


def _keys(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """What `keyed` finds an issue by: its linked commits, its number (or key) per bridge."""
    issue = data.get("id")
    links, remote = data.get("links"), data.get("remote")
    commits = links.get("commits") if isinstance(links, dict) else None
    out = [(issue, "commit", c) for c in commits or () if isinstance(c, str)]
    for name, mapping in (remote.items() if isinstance(remote, dict) else ()):
        number = mapping.get("number", mapping.get("key")) if isinstance(mapping, dict) else None
        if number is not None and number != "":
            out.append((issue, f"remote:{name}", str(number)))
    return out


class _Transaction:
    """`with index.reading()` / `with index.writing()`: BEGIN, then COMMIT at the end; with
    `undo`, an exception rolls back instead. (A class, not `contextlib.contextmanager`:
    contextlib costs every `gi` ~1 ms to import.)"""

    def __init__(self, index: Index, begin: str, undo: bool) -> None:
        self.index, self.begin, self.undo = index, begin, undo

    def __enter__(self) -> Index:
        self.index.db.execute(self.begin)
        return self.index

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.index.db.execute("ROLLBACK" if kind is not None and self.undo else "COMMIT")
