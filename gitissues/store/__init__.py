"""The Store: every operation of the CLI and the Python API, over one backend and its index.

Reads check the index against the store first (cheap: one ref read in branch mode) and answer
from SQLite; writes compute a change on the current state and hand it to the backend, which
applies it atomically and updates the index.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path

from gitissues import git, ids, timeutil
from gitissues.errors import Ambiguous, Conflict, InvalidData, NotFound, UsageError
from gitissues.model import STATUSES, TYPES, Comment, Issue
from gitissues.store.backend import Change
from gitissues.store.index import Index

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

    from gitissues.store.backend import Backend, Snapshot

DEFAULT_LIMIT = 50


class ListResult:
    """Issues a query found; `more` says the limit cut the list; `warnings` name malformed
    files that were skipped."""

    def __init__(self, issues: list[Issue], more: bool = False,
                 warnings: list[str] | None = None) -> None:
        self.issues, self.more, self.warnings = issues, more, warnings or []


def open_store(path: str | os.PathLike[str] = ".") -> Store:
    """The store of the repository that contains `path`."""
    paths = git.find_repo(path)
    return Store(paths)


TREE_SETTINGS = ".issue-facade/config.yaml"  # its presence is what makes a tree-mode store


def detect_mode(paths: git.RepoPaths) -> str:
    return "tree" if (paths.worktree / TREE_SETTINGS).exists() else "branch"


class Store:
    def __init__(self, paths: git.RepoPaths, mode: str | None = None) -> None:
        self.paths = paths
        self.mode = mode or detect_mode(paths)
        self.backend: Backend
        if self.mode == "tree":
            from gitissues.store.tree import TreeBackend

            self.backend = TreeBackend(paths)
            self.index_path = paths.gitdir / "issue-facade" / "index-tree.sqlite"
        else:
            from gitissues.store.branch import BranchBackend

            self.backend = BranchBackend(paths)
            self.index_path = paths.commondir / "issue-facade" / "index-branch.sqlite"

    @cached_property
    def index(self) -> Index:
        return Index(self.index_path)

    def _fresh(self) -> Index:
        self.backend.refresh(self.index)
        return self.index

    # --- identity -----------------------------------------------------------------------------

    @cached_property
    def actor(self) -> str:
        from gitissues import identity

        return identity.agent(self.paths, self._settings_or_empty())[0]

    @cached_property
    def agent_type(self) -> str | None:
        from gitissues import identity

        return identity.agent_type(self._settings_or_empty())[0]

    def _settings_or_empty(self) -> dict:
        try:
            return self.backend.settings()
        except InvalidData:
            return {}

    # --- reading ------------------------------------------------------------------------------

    def resolve(self, ref: str) -> str:
        """The one issue id that `ref` names (full id, unique prefix, bare hex, `#N`)."""
        ref = ids.check_ref(ref)
        index = self._fresh()
        m = ids.REMOTE_REF_RE.fullmatch(ref)
        if m:
            return self._resolve_remote(index, m.group(1), m.group(2), ref)
        found = index.resolve(ref)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise Ambiguous(f"{ref!r} is ambiguous: it matches {', '.join(found[:5])}",
                            candidates=found)
        for path, message in index.bad_files():
            stem = Path(path).stem
            if stem == ref or stem.startswith(ref) or stem.rsplit("-", 1)[-1].startswith(ref):
                raise InvalidData(message, file=path)
        raise NotFound(f"no issue {ref!r}")

    def _resolve_remote(self, index: Index, bridge: str | None, number: str, ref: str) -> str:
        matches = []
        for (raw,) in index.rows("SELECT json FROM issues WHERE json LIKE '%\"remote\": {\"%'"):
            remote = json.loads(raw).get("remote") or {}
            for name, mapping in remote.items():
                if bridge not in (None, name) or not isinstance(mapping, dict):
                    continue
                if str(mapping.get("number", mapping.get("key", ""))) == number:
                    matches.append(json.loads(raw)["id"])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise Ambiguous(f"{ref!r} is ambiguous: {', '.join(matches)}; use NAME#{number}")
        raise NotFound(f"no issue mapped to {ref!r}")

    def get(self, ref: str) -> Issue:
        issue_id = self.resolve(ref)
        data = self.index.get(issue_id)
        if data is None:
            raise NotFound(f"no issue {ref!r}")
        return _from_row(data)

    def list(self, query: Iterable[str] | str = (), limit: int | None = DEFAULT_LIMIT,
             extra_where: str | None = None) -> ListResult:
        from gitissues import query as q

        index = self._fresh()
        try:
            parsed = q.parse(query if isinstance(query, str) else list(query))
            me = self.actor if parsed.uses_me else None
            compiled = q.compile(parsed, me=me, now=timeutil.now())
        except q.QueryError as exc:
            raise UsageError(str(exc), term=exc.term, position=exc.position) from None
        if extra_where:
            compiled.where = f"({compiled.where}) AND ({extra_where})"
        sql, params = q.select_sql(compiled, None if not limit else limit + 1)
        rows = index.rows(sql, params)
        more = bool(limit) and len(rows) > limit
        issues = [_from_row(json.loads(r[0])) for r in rows[: limit or None]]
        return ListResult(issues, more, [m for _, m in index.bad_files()])

    def all_issues(self) -> list[Issue]:
        index = self._fresh()
        return [_from_row(json.loads(r[0]))
                for r in index.rows("SELECT json FROM issues ORDER BY created, id")]

    def warnings(self) -> list[str]:
        return [m for _, m in self._fresh().bad_files()]

    # --- writing ------------------------------------------------------------------------------

    def _transact(self, fn: Callable[[Snapshot], Change]) -> Change:
        return self.backend.transact(self.index, fn)

    def _change(self, op: str, summary: str, issues: list[Issue], commit: bool = False) -> Change:
        return Change(op=op, actor=self.actor, summary=summary, issues=issues,
                      agent_type=self.agent_type, commit=commit)

    def create(self, title: str, *, body: str = "", type: str = "task", priority: int = 2,
               labels: Iterable[str] = (), assignees: Iterable[str] = (),
               depends_on: Iterable[str] = (), parent: str | None = None,
               milestone: str | None = None, commit: bool = False) -> Issue:
        deps = [self.resolve(d) for d in depends_on]
        parent_id = self.resolve(parent) if parent else None
        fields = dict(title=title, body=body, type=type, priority=priority,
                      labels=list(labels), assignees=list(assignees), depends_on=deps,
                      parent=parent_id, milestone=milestone)
        check_fields(fields)

        def fn(snap: Snapshot) -> Change:
            prefix = str(snap.settings().get("prefix") or ids.DEFAULT_PREFIX)
            now = timeutil.now_str()
            for length in (6, 6, 6, 8, 8, 10, 12):
                new_id = ids.new_id(prefix, f"{title}\0{self.actor}\0{now}", length)
                if not snap.exists(new_id) and not self.index.get(new_id):
                    break
            issue = _validated({"id": new_id, **fields, "author": self.actor,
                                "created": now, "updated": now})
            return self._change("create", title, [issue], commit)

        change = self._transact(fn)
        return self._with_path(change.issues[0])

    def update(self, ref: str, mutate: Callable[[Issue], str | None], op: str = "edit",
               commit: bool = False) -> Issue:
        """Apply `mutate` to the current version of one issue; it returns a summary, or None
        when it changed nothing."""
        issue_id = self.resolve(ref)

        def fn(snap: Snapshot) -> Change:
            issue = snap.get(issue_id)
            if issue is None:
                raise NotFound(f"issue {issue_id} is gone")
            before = issue.to_dict()
            summary = mutate(issue)
            if summary is None or issue.to_dict() == before:
                return self._change(op, "no change", [], commit)
            issue.updated = timeutil.now_str()
            _validated(issue.to_dict())
            return self._change(op, summary, [issue], commit)

        change = self._transact(fn)
        return self._with_path(change.issues[0]) if change.issues else self.get(issue_id)

    def edit(self, ref: str, *, title: str | None = None, body: str | None = None,
             status: str | None = None, type: str | None = None, priority: int | None = None,
             add_labels: Iterable[str] = (), remove_labels: Iterable[str] = (),
             assign: Iterable[str] = (), unassign: Iterable[str] = (),
             milestone: str | None = None, set_fields: dict[str, Any] | None = None,
             commit: bool = False) -> Issue:
        given = {k: v for k, v in dict(title=title, status=status, type=type,
                                       priority=priority).items() if v is not None}
        check_fields(given)
        add_labels, remove_labels = list(add_labels), list(remove_labels)
        assign, unassign = list(assign), list(unassign)

        def mutate(issue: Issue) -> str | None:
            changed = []
            for key, value in given.items():
                if getattr(issue, key) != value:
                    changed.append(key)
                    setattr(issue, key, value)
            if body is not None and issue.body != body:
                issue.body, _ = body, changed.append("body")
            if milestone is not None and issue.milestone != (milestone or None):
                issue.milestone, _ = milestone or None, changed.append("milestone")
            if _set_merge(issue.labels, add_labels, remove_labels):
                changed.append("labels")
            if _set_merge(issue.assignees, assign, unassign):
                changed.append("assignees")
            if status is not None:
                _status_side_effects(issue)
            for key, value in (set_fields or {}).items():
                _set_path(issue, key, value)
                changed.append(key)
            return "edit " + ", ".join(changed) if changed else None

        return self.update(ref, mutate, "edit", commit)

    def close(self, ref: str, reason: str | None = None, commit: bool = False) -> Issue:
        def mutate(issue: Issue) -> str | None:
            if issue.status == "closed":
                return None
            issue.status = "closed"
            _status_side_effects(issue)
            if reason:
                issue.comments.append(_comment(self.actor, f"Closed: {reason}"))
            return reason or "close"

        return self.update(ref, mutate, "close", commit)

    def reopen(self, ref: str, commit: bool = False) -> Issue:
        def mutate(issue: Issue) -> str | None:
            if issue.status != "closed":
                return None
            issue.status = "open"
            _status_side_effects(issue)
            return "reopen"

        return self.update(ref, mutate, "reopen", commit)

    def comment(self, ref: str, body: str, commit: bool = False) -> Issue:
        if not body.strip():
            raise UsageError("a comment needs some text")

        def mutate(issue: Issue) -> str:
            issue.comments.append(_comment(self.actor, body))
            return issue.comments[-1].id

        return self.update(ref, mutate, "comment", commit)

    def import_issues(self, records: Iterable[tuple[str, Any]]) -> list[Issue]:
        """Import `(where, data)` records in one change; ids are kept, duplicates refused."""
        now = timeutil.now_str()
        issues: list[Issue] = []
        seen: dict[str, str] = {}
        prefix: str | None = None
        for where, data in records:
            if not isinstance(data, dict):
                raise InvalidData(f"{where}: expected a JSON object")
            data = {k: v for k, v in data.items() if k != "path"}
            if not data.get("id"):
                prefix = prefix or str(self._settings_or_empty().get("prefix") or "gi")
                data["id"] = ids.new_id(prefix, f"{data.get('title')}\0{where}")
            data.setdefault("author", self.actor)
            data.setdefault("created", now)
            data.setdefault("updated", data["created"])
            issue = Issue.from_dict(data, where)
            if issue.id in seen:
                raise Conflict(f"{where}: duplicate id {issue.id} (also at {seen[issue.id]})",
                               id=issue.id)
            seen[issue.id] = where
            issues.append(issue)
        existing = self._fresh().ids() & seen.keys()
        if existing:
            first = sorted(existing)[0]
            raise Conflict(f"{seen[first]}: issue {first} already exists in the store "
                           f"({len(existing)} duplicate id(s)); nothing was imported", id=first)

        def fn(snap: Snapshot) -> Change:
            clash = [i.id for i in issues if snap.exists(i.id)]
            if clash:
                raise Conflict(f"issue {clash[0]} already exists in the store; nothing was "
                               "imported", id=clash[0])
            return self._change("import", f"import {len(issues)} issues", issues)

        if issues:
            self._transact(fn)
        return [self._with_path(i) for i in issues]

    def _with_path(self, issue: Issue) -> Issue:
        issue.path = issue.path or self.backend.display_path(issue.id)
        return issue

    # --- claims and sync (gitissues.claims, gitissues.sync) ------------------------------------

    def claim(self, ref: str, ttl: str | None = None, remote: str | None = None) -> Issue:
        from gitissues import claims

        return claims.claim(self, ref, ttl, remote)

    def claim_next(self, query: Iterable[str] | str = (), ttl: str | None = None,
                   remote: str | None = None) -> Issue:
        from gitissues import claims

        return claims.claim_next(self, query, ttl, remote)

    def release(self, ref: str, remote: str | None = None) -> Issue:
        from gitissues import claims

        return claims.release(self, ref, remote)

    def extend(self, ref: str, ttl: str | None = None, remote: str | None = None) -> Issue:
        from gitissues import claims

        return claims.extend(self, ref, ttl, remote)

    def claims(self, expired: bool = False) -> list[Issue]:
        from gitissues import claims

        return claims.listing(self, expired)

    def sync(self, remote: str | None = None, strategy: str | None = None,
             pull: bool = True, push: bool = True) -> dict[str, Any]:
        from gitissues import sync

        return sync.sync(self, remote, strategy, pull=pull, push=push)

    # --- the work graph, progress and the activity stream (gitissues.graph, .activity) ------

    def dep_add(self, a: str, b: str) -> Issue:
        from gitissues import graph

        return graph.dep_add(self, a, b)

    def dep_rm(self, a: str, b: str) -> Issue:
        from gitissues import graph

        return graph.dep_rm(self, a, b)

    def ready(self, query: Iterable[str] | str = (), limit: int | None = DEFAULT_LIMIT
              ) -> ListResult:
        terms = [query] if isinstance(query, str) else list(query)
        return self.list(["is:ready", *terms], limit)

    def blocked(self, query: Iterable[str] | str = (), limit: int | None = DEFAULT_LIMIT
                ) -> list[tuple[Issue, list[Issue]]]:
        from gitissues import graph

        return graph.blocked(self, query, limit)

    def progress(self, ref: str, progress: float | None = None, stage: str | None = None,
                 checkpoints: Iterable[str] = ()) -> Issue:
        from gitissues import graph

        return graph.progress(self, ref, progress, stage, list(checkpoints))

    def events(self, since: str | None = None, issue: str | None = None,
               agent: str | None = None) -> list[dict[str, Any]]:
        from gitissues import activity

        return activity.events(self, since=since, issue=issue, agent=agent)

    # --- maintenance --------------------------------------------------------------------------

    def reindex(self) -> int:
        self.backend.rebuild(self.index)  # type: ignore[attr-defined]
        return len(self.index.ids())

    def init(self, mode: str = "branch", prefix: str | None = None) -> dict[str, Any]:
        from gitissues.store.maintenance import init_store

        return init_store(self, mode, prefix)

    def doctor(self, fix: bool = False) -> list[dict[str, Any]]:
        from gitissues.store.maintenance import doctor

        return doctor(self, fix)


# --- helpers ------------------------------------------------------------------------------------

def _from_row(data: dict[str, Any]) -> Issue:
    path = data.pop("path", None)
    issue = Issue.from_dict(data, path or "<index>")
    issue.source = None
    issue.path = path
    return issue


def check_fields(fields: dict[str, Any]) -> None:
    """Values given as arguments are usage errors when wrong, not invalid data."""
    if "title" in fields and not str(fields["title"]).strip():
        raise UsageError("a title must not be empty")
    if "status" in fields and fields["status"] not in STATUSES:
        raise UsageError(f"invalid status {fields['status']!r}: use {', '.join(STATUSES)}")
    if "type" in fields and fields["type"] not in TYPES:
        raise UsageError(f"invalid type {fields['type']!r}: use {', '.join(TYPES)}")
    p = fields.get("priority")
    if p is not None and (isinstance(p, bool) or not isinstance(p, int) or not 0 <= p <= 4):
        raise UsageError(f"invalid priority {p!r}: use a whole number from 0 to 4")


def _validated(data: dict[str, Any]) -> Issue:
    try:
        return Issue.from_dict(data, data.get("id") or "<new issue>")
    except InvalidData as exc:
        raise UsageError(exc.message, **exc.details) from None


def _set_merge(values: list[str], add: list[str], remove: list[str]) -> bool:
    before = list(values)
    for v in add:
        if v not in values:
            values.append(v)
    for v in remove:
        while v in values:
            values.remove(v)
    return values != before


def _status_side_effects(issue: Issue) -> None:
    if issue.status == "closed":
        issue.closed = issue.closed or timeutil.now_str()
        issue.claim = None
    else:
        issue.closed = None


def _comment(author: str, body: str) -> Comment:
    import hashlib

    digest = hashlib.sha256(f"{author}\0{body}\0{os.urandom(8).hex()}".encode()).hexdigest()
    return Comment(id=f"c-{digest[:8]}", author=author, created=timeutil.now_str(), body=body)


def _set_path(issue: Issue, key: str, value: Any) -> None:
    """`--set KEY=VALUE`: any key, dotted for nesting (agent.stage=review); validated after."""
    parts = key.split(".")
    if not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", p) for p in parts):
        raise UsageError(f"invalid key {key!r} for --set")
    if parts[0] in ("id", "path"):
        raise UsageError(f"{parts[0]} cannot be changed")
    data = issue.to_dict()
    node = data
    for p in parts[:-1]:
        if not isinstance(node.get(p), dict):
            node[p] = {}
        node = node[p]
    node[parts[-1]] = value
    new = _validated(data)
    source = issue.source
    issue.__dict__.update(new.__dict__)
    issue.source = source
