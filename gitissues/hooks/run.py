"""What the installed hooks do once the shell script has seen a reference verb. Nothing here
may stop a commit: every problem comes back as a warning for the hook to print, and a
repository with no store gives no warning at all."""

from __future__ import annotations

import subprocess

from gitissues import git
from gitissues.errors import GiError
from gitissues.hooks.refs import references

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from gitissues.store import Store
    from gitissues.store.backend import Change, Snapshot


def _store(start: str = ".") -> Store | None:
    """The repository's store, or None when it has none (then the hooks stay silent)."""
    from gitissues.store import open_store

    store = open_store(start)
    return store if store.backend.initialized() else None


def _resolved(store: Store, message: str) -> tuple[list[str], list[str]]:
    """The ids the message refers to, and a warning for each reference that names none."""
    found: list[str] = []
    warnings = []
    for _verb, ref in references(message):
        try:
            issue_id = store.resolve(ref)
        except GiError as exc:
            warnings.append(f"commit message refers to {ref}: {exc.message}")
            continue
        if issue_id not in found:
            found.append(issue_id)
    return found, warnings


def commit_msg(message_file: str) -> list[str]:
    """Warnings about references in the message file that name no issue."""
    store = _store()
    if store is None:
        return []
    with open(message_file, encoding="utf-8", errors="replace") as f:
        return _resolved(store, f.read())[1]


def post_commit() -> list[str]:
    """Link HEAD to every issue its message refers to, in one store change."""
    store = _store()
    if store is None:
        return []
    paths: git.RepoPaths = store.paths
    out = subprocess.run(["git", "log", "-1", "--format=%H%n%B", "HEAD"], cwd=paths.top,
                         capture_output=True, text=True)
    if out.returncode != 0:
        return [f"cannot read the new commit: {out.stderr.strip()}"]
    commit, _, message = out.stdout.partition("\n")
    issue_ids, _warnings = _resolved(store, message)  # commit-msg already warned
    if issue_ids:
        link(store, commit, issue_ids)
    return []


def link(store: Store, commit: str, issue_ids: list[str]) -> Change:
    """Add `commit` to `links.commits` of each issue (those that have it already are left
    alone): one store change, so one `commit.linked` event per issue in the log."""
    from gitissues import timeutil

    def fn(snap: Snapshot) -> Change:
        changed = []
        for issue_id in issue_ids:
            issue = snap.get(issue_id)
            commits = issue.links.setdefault("commits", []) if issue else [commit]
            if issue is None or commit in commits:
                continue
            commits.append(commit)
            issue.updated = timeutil.now_str()
            changed.append(issue)
        return store.change("commit.link", f"link commit {commit[:12]}", changed)

    return store.transact(fn)
