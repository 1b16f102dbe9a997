"""`gi init` and `gi doctor`: creating a store, and checking and repairing one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitissues import git, ids, timeutil
from gitissues.errors import UsageError

if TYPE_CHECKING:
    from gitissues.store import Store


def init_store(store: Store, mode: str, prefix: str | None) -> dict[str, Any]:
    if mode not in ("branch", "tree"):
        raise UsageError(f"invalid mode {mode!r}: use branch or tree")
    if prefix is not None:
        ids.check_prefix(prefix)
    if store.mode == "tree" and mode == "branch" and store.backend.initialized():
        raise UsageError(
            "this repository already has a tree-mode store (.issue-facade/config.yaml)")
    if mode == "tree" and store.mode != "tree":
        from gitissues.store import Store as _Store

        store = _Store(store.paths, mode="tree")
    settings = store.backend.settings() if store.backend.initialized() else {}
    created = not settings
    wanted = {"mode": mode, "prefix": prefix or settings.get("prefix") or ids.DEFAULT_PREFIX}
    if created or any(settings.get(k) != v for k, v in wanted.items()):
        store.backend.write_settings({**settings, **wanted}, store.actor)
    if mode == "tree":
        (store.paths.worktree / ".issue-facade" / ids.ISSUES_DIR).mkdir(parents=True, exist_ok=True)
        register_merge_driver(store.paths)
    else:
        git.ensure_excluded(store.paths, "/.issue-facade/")
    store.backend.refresh(store.index)
    return {"mode": mode, "prefix": wanted["prefix"], "created": created,
            "root": str(store.paths.worktree)}


def _problem(kind: str, message: str, path: str | None = None, fixed: bool = False) -> dict:
    return {"kind": kind, "message": message, "path": path, "fixed": fixed}


def doctor(store: Store, fix: bool) -> list[dict[str, Any]]:
    """Every problem found, each marked fixed or not."""
    problems: list[dict[str, Any]] = []
    backend: Any = store.backend
    if store.mode == "branch":
        lock = backend.stale_lock()
        if lock is not None:
            removed = False
            if fix:
                lock.unlink(missing_ok=True)
                removed = True
            problems.append(_problem("stale-lock", f"{lock} left by a killed writer",
                                     str(lock), removed))
    if fix:
        backend.rebuild(store.index)
    index = store._fresh()
    for path, message in index.bad_files():
        problems.append(_problem("invalid-file", message, path))
    for path in _stray_temp_files(store):
        if fix:
            Path(path).unlink(missing_ok=True)
        problems.append(_problem("temp-file", f"{path}: leftover temporary file", path, fix))
    known = index.ids()
    now = timeutil.now_str()
    expired = []
    for issue in store.all_issues():
        expected = backend.display_path(issue.id)
        if store.mode == "branch" and issue.path != expected:
            problems.append(_problem("misplaced", f"{issue.path}: should be at {expected}",
                                     issue.path))
        for dep in issue.depends_on:
            if dep not in known:
                problems.append(_problem(
                    "dangling-dependency", f"{issue.id} depends on unknown issue {dep}",
                    issue.path))
        if issue.claim and not issue.claim.live(now) and issue.status != "closed":
            expired.append(issue.id)
    for issue_id in expired:
        if fix:
            store.update(issue_id, _clear_claim, "claim.expired")
        problems.append(_problem("expired-claim", f"{issue_id}: claim expired", None, fix))
    return problems


def _clear_claim(issue: Any) -> str | None:
    if issue.claim is None:
        return None
    issue.claim = None
    if issue.status == "in_progress":
        issue.status = "open"
    return "clear expired claim"


def _stray_temp_files(store: Store) -> list[str]:
    root = store.paths.worktree / ".issue-facade"
    return [str(p) for p in root.rglob(".*.tmp")] if root.exists() else []





def gi_command() -> str:
    """The installed `gi`, by absolute path, for git to run without `gi` on PATH."""
    import shlex
    import shutil
    import sys

    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == "gi" and argv0.exists():
        return shlex.quote(str(argv0.resolve()))
    found = shutil.which("gi")
    if found:
        return shlex.quote(str(Path(found).resolve()))
    return f"{shlex.quote(sys.executable)} -m gitissues"


def register_merge_driver(paths: git.RepoPaths) -> None:
    """`.gitattributes` routes issue files to `gi merge-driver`; the repo config defines it."""
    from gitissues.merge_driver import ATTRIBUTES_LINE

    attributes = paths.worktree / ".gitattributes"
    text = attributes.read_text() if attributes.exists() else ""
    if ATTRIBUTES_LINE not in text.splitlines():
        sep = "" if not text or text.endswith("\n") else "\n"
        attributes.write_text(text + sep + ATTRIBUTES_LINE + "\n")
    git.run(paths, "config", "merge.issue-facade.name", "Issue Facade field-level merge")
    git.run(paths, "config", "merge.issue-facade.driver",
            f"{gi_command()} merge-driver %O %A %B %P")
