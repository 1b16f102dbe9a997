"""`gi doctor [--fix]`: check a store and repair what can be repaired without losing anything.

Every repair that changes issues is a change function like any other write, so it decides on
the state it is applied to: a claim is cleared as expired only if it is still expired there.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitissues import ids, testhooks, timeutil
from gitissues.errors import InvalidData, NotFound

if TYPE_CHECKING:
    from gitissues.model import Issue
    from gitissues.store.core import StoreCore

STALE_AFTER = 2  # seconds: a live writer holds the ref lock for milliseconds
TMP_STALE_AFTER = 600


def _problem(kind: str, message: str, path: str | None = None, fixed: bool = False) -> dict:
    return {"kind": kind, "message": message, "path": path, "fixed": fixed}


def doctor(store: StoreCore, fix: bool) -> list[dict[str, Any]]:
    """Every problem found, each marked fixed or not."""
    if not store.backend.initialized():
        raise NotFound(f"no issue store in {store.paths.worktree} (gi init creates one)")
    problems: list[dict[str, Any]] = []
    if store.mode == "branch":
        problems += _branch_checks(store, fix)
        if any(p["kind"] == "missing-object" for p in problems):
            return problems  # nothing else can be read: touch nothing
        store.fresh()  # what every command does first: a copy merely behind is caught up
        problems += _copy_checks(store, fix)  # before the rebuild below repairs them
    else:
        problems += _tree_checks(store, fix)
    if fix:
        store.backend.rebuild(store.index)  # type: ignore[attr-defined]
    index = store.fresh()
    for path, message in index.bad_files():
        problems.append(_problem("invalid-file", message, path))
    issues = store.all_issues()
    problems += _schema_checks(issues)
    problems += _graph_checks(issues, index.ids())
    problems += _claim_checks(store, issues, fix)
    return problems


def _branch_checks(store: StoreCore, fix: bool) -> list[dict[str, Any]]:
    from gitissues.git import plumbing

    backend: Any = store.backend
    out: list[dict[str, Any]] = []
    lock = backend.stale_lock()
    if lock is not None:
        removed = fix and remove_stale_lock(Path(lock))
        out.append(_problem("stale-lock", f"{lock} left by a killed writer", str(lock), removed))
    tip = backend.tip()
    try:
        plumbing.ls_tree(store.paths, tip, ids.ISSUES_DIR)
    except InvalidData as exc:
        out.append(_problem("missing-object", exc.message))
        return out
    try:
        settings = store.backend.settings()
    except InvalidData as exc:
        out.append(_problem("invalid-settings", exc.message, "config.yaml"))
        settings = {}
    misplaced = [p for p in plumbing.ls_tree(store.paths, tip, ids.ISSUES_DIR)
                 if (i := ids.id_of_path(p)) and ids.issue_path(i) != p]
    if ids.layout_of(settings) < ids.LAYOUT or misplaced:
        moved = fix and backend.migrate(store.index)
        out.append(_problem("layout", f"{len(misplaced)} issue file(s) not in store layout "
                            f"{ids.LAYOUT} (gi doctor --fix moves them in one commit)",
                            None, bool(moved) or (fix and not misplaced)))
    for f in _temp_files(store.paths.commondir / "issue-facade" / "tmp"):
        if fix:
            f.unlink(missing_ok=True)
        out.append(_problem("temp-file", f"{f}: leftover temporary file", str(f), fix))
    return out


def _tree_checks(store: StoreCore, fix: bool) -> list[dict[str, Any]]:
    from gitissues.store.maintenance import merge_driver_registered, register_merge_driver

    out: list[dict[str, Any]] = []
    if not merge_driver_registered(store.paths):
        if fix:
            register_merge_driver(store.paths)
        out.append(_problem("merge-driver", "the gi merge driver is not registered in this "
                            "clone (.gitattributes + git config); gi init or gi doctor --fix "
                            "registers it", None, fix))
    root = store.paths.worktree / ".issue-facade"
    strays = [*(root.rglob(".*.tmp") if root.exists() else []),
              *_temp_files(store.paths.gitdir / "issue-facade" / "tmp")]
    for f in strays:
        if fix:
            f.unlink(missing_ok=True)
        out.append(_problem("temp-file", f"{f}: leftover temporary file", str(f), fix))
    return out


def _temp_files(folder: Path) -> list[Path]:
    """Temporary files of writes that were killed (old enough that no live write owns them)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    now = time.time()
    return [Path(e.path) for e in entries
            if e.name.endswith(".tmp") and now - e.stat().st_mtime > TMP_STALE_AFTER]


def _schema_checks(issues: list[Issue]) -> list[dict[str, Any]]:
    """Every issue against the shipped JSON Schema (`gi schema`)."""
    from gitissues import schema

    out = []
    for issue in issues:
        for message in schema.errors(issue.to_dict()):
            out.append(_problem("schema", f"{issue.path}: {message}", issue.path))
    return out


def _graph_checks(issues: list[Issue], known: set[str]) -> list[dict[str, Any]]:
    from gitissues.cycles import find_cycles

    out = []
    edges: dict[str, list[str]] = {}
    for issue in issues:
        edges[issue.id] = list(issue.depends_on)
        for dep in issue.depends_on:
            if dep not in known:
                out.append(_problem("dangling-dependency",
                                    f"{issue.id} depends on unknown issue {dep}", issue.path))
    for cycle in find_cycles(edges):
        out.append(_problem("dependency-cycle", "dependency cycle: " + " → ".join(cycle)
                            + " (none of these can become ready; gi dep rm breaks it)"))
    return out


def _copy_checks(store: StoreCore, fix: bool) -> list[dict[str, Any]]:
    """Every worktree's read-only copy holds exactly the store's files."""
    from gitissues import git
    from gitissues.git import plumbing

    backend: Any = store.backend
    tip = backend.tip()
    want = plumbing.ls_tree(store.paths, tip, ids.ISSUES_DIR) if tip else {}
    out = []
    for worktree in git.worktrees(store.paths):
        wrong, extra = backend.copies.differences(worktree, want)
        if wrong or extra:
            out.append(_problem("stale-copy", f"{worktree}/.issue-facade: {len(wrong)} file(s) "
                                f"missing or out of date, {len(extra)} extra", str(worktree),
                                fix))
    return out


def _clear_expired(issue: Issue) -> str | None:
    """Inside the change: only a claim that is expired now is cleared."""
    if issue.claim is None or issue.claim.live(timeutil.now_str()):
        return None
    issue.drop_claim()
    return "clear expired claim"


def _claim_checks(store: StoreCore, issues: list[Issue], fix: bool) -> list[dict[str, Any]]:
    now = timeutil.now_str()
    out = []
    for issue in issues:
        if issue.claim and not issue.claim.live(now) and issue.status != "closed":
            cleared = False
            if fix:
                testhooks.pause("DOCTOR_FIX")
                cleared = bool(store.update(issue.id, _clear_expired, "claim.expired").changed)
            message = f"{issue.id}: claim of {issue.claim.agent} expired"
            if fix and not cleared:
                message += " (taken again before it could be cleared: left as it is)"
            out.append(_problem("expired-claim", message, issue.path, cleared))
    return out


def remove_stale_lock(lock: Path) -> bool:
    """Remove a ref lock left by a killed writer, never a live writer's: the file is moved
    aside first, and put back if it turns out to be a different (new) one."""
    try:
        before = lock.stat()
    except FileNotFoundError:
        return True
    young = STALE_AFTER - (time.time() - before.st_mtime)
    if young > 0:  # wait until no live writer could still hold it
        time.sleep(young)
    aside = lock.with_name(f"{lock.name}.{os.getpid()}.stale")
    try:
        os.rename(lock, aside)
    except FileNotFoundError:
        return True
    after = aside.stat()
    if (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns):
        aside.unlink(missing_ok=True)
        return True
    with contextlib.suppress(OSError):  # a new writer's lock: give it back (fails if one
        os.link(aside, lock)            # exists again)
    aside.unlink(missing_ok=True)
    return False
