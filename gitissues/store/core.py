"""The store core: read fresh, resolve, transact a change. Every operation module (edits,
claims, the work graph, sync, the activity log, doctor) is written against this small API; the
facade (`gitissues.store.Store`, what `open_store` returns and the CLI calls) sits on top.

Reads check the index against the store first (cheap: one ref read in branch mode) and answer
from SQLite in one consistent read; writes compute a change on the current state and hand it to
the backend, which applies it atomically and moves the index.
"""

from __future__ import annotations

import json
import os
from functools import cached_property

from gitissues import fs, git, ids, timeutil
from gitissues.errors import Ambiguous, InvalidData, NotFound, UsageError
from gitissues.model import Issue
from gitissues.store.backend import Change
from gitissues.store.index import Index

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from gitissues.store.backend import Backend, Snapshot

DEFAULT_LIMIT = 50
# seconds a limited list gathers the matches, then walks the issues in order, before it gathers
# them to the end (see `query.compiling`); the rows are the same whichever plan finishes
PLAN_BUDGET = (0.002, 0.02)
TREE_SETTINGS = ".issue-facade/config.yaml"  # its presence is what makes a tree-mode store


class ListResult:
    """Issues a query found; `more` says the limit cut the list; `warnings` name malformed
    files that were skipped."""

    def __init__(self, issues: list[Issue], more: bool = False,
                 warnings: list[str] | None = None) -> None:
        self.issues, self.more, self.warnings = issues, more, warnings or []


def detect_mode(paths: git.RepoPaths) -> str:
    return "tree" if fs.exists(os.path.join(paths.top, TREE_SETTINGS)) else "branch"


def issue_from_row(data: dict[str, Any]) -> Issue:
    """An issue from its index row (JSON with `path`)."""
    path = data.pop("path", None)
    issue = Issue.from_dict(data, path or "<index>")
    issue.path = path
    return issue


class StoreCore:
    def __init__(self, paths: git.RepoPaths, mode: str | None = None) -> None:
        self.paths = paths
        self.mode = mode or detect_mode(paths)
        self.backend: Backend
        if self.mode == "tree":
            from gitissues.store.tree import TreeBackend

            self.backend = TreeBackend(paths)
            self.index_path = os.path.join(paths.git_dir, "issue-facade", "index-tree.sqlite")
        else:
            from gitissues.store.branch import BranchBackend

            self.backend = BranchBackend(paths)
            self.index_path = os.path.join(paths.common_dir, "issue-facade",
                                           "index-branch.sqlite")

    @cached_property
    def index(self) -> Index:
        return Index(self.index_path)

    def fresh(self) -> Index:
        """The index, brought up to the store's current state first."""
        self.backend.refresh(self.index)
        return self.index

    # --- identity and settings ------------------------------------------------------------

    @cached_property
    def actor(self) -> str:
        from gitissues import identity

        return identity.agent(self.paths, self.settings())[0]

    @cached_property
    def agent_type(self) -> str | None:
        from gitissues import identity

        return identity.agent_type(self.settings())[0]

    def settings(self) -> dict:
        """The repository settings; {} when they do not parse (commands that depend on them
        read them strictly through `backend.settings()`)."""
        try:
            return self.backend.settings()
        except InvalidData:
            return {}

    # --- reading ----------------------------------------------------------------------------

    def resolve(self, ref: str) -> str:
        """The one issue id that `ref` names (full id, unique prefix, bare hex, `#N`, or the
        id an imported issue had in its old tracker: an exact id, then an old id, then a
        prefix)."""
        try:
            ref, shaped = ids.check_ref(ref), True
        except UsageError:
            if not ids.is_alias(ref.strip()):
                raise
            ref, shaped = ref.strip(), False
        index = self.fresh()
        with index.reading():
            remote = ids.remote_ref(ref)
            if remote:
                return _resolve_remote(index, remote[0], remote[1], ref)
            found = index.resolve(ref) if shaped else []
            if ref not in found and "-" in ref:
                aliased = index.resolve_alias(ref)
                if len(aliased) > 1:
                    raise Ambiguous(f"{ref!r} is ambiguous: it is the old id of "
                                    f"{', '.join(aliased[:5])}", candidates=aliased)
                found = aliased or found
            bad = index.bad_files()
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise Ambiguous(f"{ref!r} is ambiguous: it matches {', '.join(found[:5])}",
                            candidates=found)
        from pathlib import Path  # only for an id that names nothing

        for path, message in bad:
            stem = Path(path).stem
            if stem == ref or stem.startswith(ref) or stem.rsplit("-", 1)[-1].startswith(ref):
                raise InvalidData(message, file=path)
        raise NotFound(f"no issue {ref!r}")

    def get(self, ref: str) -> Issue:
        issue_id = self.resolve(ref)
        data = self.index.get(issue_id)
        if data is None:
            raise NotFound(f"no issue {ref!r}")
        return issue_from_row(data)

    def list(self, query: Iterable[str] | str = (), limit: int | None = DEFAULT_LIMIT,
             extra_where: str | None = None) -> ListResult:
        from gitissues import query as q

        index = self.fresh()
        try:
            parsed = q.parse(query if isinstance(query, str) else list(query))
            me = self.actor if parsed.uses_me else None
            compiled = q.compile(parsed, me=me, now=timeutil.now(), extra=extra_where)
        except q.QueryError as exc:
            raise UsageError(str(exc), term=exc.term, position=exc.position) from None
        sql, params = q.select_sql(compiled, None if not limit else limit + 1)
        plans: list = [(sql, params, None)]
        if limit and compiled.scan_where:
            plans[:0] = [(sql, params, PLAN_BUDGET[0]),
                         (*q.select_sql(compiled, limit + 1, scan=True), PLAN_BUDGET[1])]
        with index.reading():
            rows = index.first_done(plans)
            bad = index.bad_files()
        more = bool(limit) and len(rows) > limit
        issues = [issue_from_row(json.loads(r[0])) for r in rows[: limit or None]]
        return ListResult(issues, more, [m for _, m in bad])

    def all_issues(self) -> list[Issue]:
        index = self.fresh()
        return [issue_from_row(json.loads(r[0]))
                for r in index.rows("SELECT json FROM issues ORDER BY created, id")]

    def warnings(self) -> list[str]:
        return [m for _, m in self.fresh().bad_files()]

    # --- writing ----------------------------------------------------------------------------

    def transact(self, fn: Callable[[Snapshot], Change]) -> Change:
        """Compute a change with `fn` on the current state and apply it atomically; `fn` is
        called again on the new state whenever another writer got there first."""
        return self.backend.transact(self.index, fn)

    def change(self, op: str, summary: str, issues: list[Issue], commit: bool = False
               ) -> Change:
        return Change(op=op, actor=self.actor, summary=summary, issues=issues,
                      agent_type=self.agent_type, commit=commit)

    def update(self, ref: str, mutate: Callable[[Issue], str | None], op: str = "edit",
               commit: bool = False) -> Issue:
        """Apply `mutate` to the current version of one issue; it returns a summary, or None
        when it changed nothing (then nothing is written and `changed` is False)."""
        issue_id = self.resolve(ref)

        def fn(snap: Snapshot) -> Change:
            issue = snap.get(issue_id)
            if issue is None:
                raise NotFound(f"issue {issue_id} is gone")
            before = issue.to_dict()
            summary = mutate(issue)
            if summary is None or issue.to_dict() == before:
                return self.change(op, "no change", [], commit)
            issue.updated = timeutil.now_str()
            validated(issue.to_dict())
            return self.change(op, summary, [issue], commit)

        change = self.transact(fn)
        if change.issues:
            issue = self.with_path(change.issues[0])
            issue.changed = True
            return issue
        issue = self.get(issue_id)
        issue.changed = False
        return issue

    def with_path(self, issue: Issue) -> Issue:
        issue.path = issue.path or self.backend.display_path(issue.id)
        return issue


def validated(data: dict[str, Any]) -> Issue:
    """An issue built from values a caller gave: a fault in them is a usage error."""
    try:
        return Issue.from_dict(data, data.get("id") or "<new issue>")
    except InvalidData as exc:
        raise UsageError(exc.message, **exc.details) from None


def _resolve_remote(index: Index, bridge: str | None, number: str, ref: str) -> str:
    """`#N` names the issue one bridge numbers N (any bridge, if only one does); `NAME#N`
    the one bridge NAME numbers N: an index lookup, whatever the store's size."""
    matches = index.keyed(f"remote:{bridge}" if bridge else "remote:", number)
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise Ambiguous(f"{ref!r} is ambiguous: {', '.join(matches)}; use NAME#{number}",
                        candidates=matches)
    raise NotFound(f"no issue mapped to {ref!r}")
