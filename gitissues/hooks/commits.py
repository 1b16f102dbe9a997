"""What the hooks read from git: the commit just made (in-process: a linked commit then starts
no git process), the commits a merge, a pull or a rebase brought onto a branch, and which
branch is the default one (SPEC §9: the target of `origin/HEAD`, else `main` if it exists,
else `master`)."""

from __future__ import annotations

import os

from gitissues import git

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Iterable


class Commit:
    """A commit as the hooks see it: its id, its parents and its message."""

    __slots__ = ("oid", "parents", "message")

    def __init__(self, oid: str, parents: list[str], message: str) -> None:
        self.oid, self.parents, self.message = oid, parents, message

    @property
    def subject(self) -> str:
        return self.message.strip().split("\n", 1)[0].strip()


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return ""


def head(paths: git.RepoPaths) -> Commit | None:
    """HEAD of this worktree, read from the object store without starting git."""
    from gitissues.git.commits import parse_commit
    from gitissues.git.objects import ObjectStore

    oid = git.head_commit(paths)
    if oid is None:
        return None
    with ObjectStore(paths) as objects:
        kind, data = objects.read(oid)
    if kind != "commit":
        return None
    parsed = parse_commit(data)
    return Commit(oid, list(parsed.parents), parsed.message.decode("utf-8", "replace"))


def current_branch(paths: git.RepoPaths) -> str | None:
    """The branch this worktree has checked out (`refs/heads/…`); None when HEAD is detached
    (in the middle of a rebase, for one)."""
    text = _read(os.path.join(paths.git_dir, "HEAD"))
    return text[4:].strip() if text.startswith("ref:") else None


def default_branch(paths: git.RepoPaths) -> str:
    """The local branch whose commits close issues: the one `origin/HEAD` names, else
    `main` if it exists, else `master`."""
    target = _read(os.path.join(paths.common_dir, "refs", "remotes", "origin", "HEAD"))
    prefix = "ref: refs/remotes/origin/"
    if target.startswith(prefix) and len(target) > len(prefix):
        return "refs/heads/" + target[len(prefix):]
    if git.read_ref(paths, "refs/heads/main") is not None:
        return "refs/heads/main"
    return "refs/heads/master"


def orig_head(paths: git.RepoPaths) -> str | None:
    """Where a merge, a pull or a rebase started from (`ORIG_HEAD`, kept per worktree)."""
    text = _read(os.path.join(paths.git_dir, "ORIG_HEAD"))
    return text if git.is_oid(text) else None


def brought(paths: git.RepoPaths, tip: str, base: str) -> list[Commit]:
    """The commits reachable from `tip` but not from `base`, oldest first: what a merge or a
    rebase brought (never the whole history)."""
    for oid in (tip, base):
        if not git.is_oid(oid):
            raise ValueError(f"not a commit id: {oid!r}")
    return _log(paths, ["--reverse", "--end-of-options", tip, f"^{base}"])


def read(paths: git.RepoPaths, oids: Iterable[str]) -> list[Commit]:
    """These commits (ids git gave the hook), in the order given."""
    wanted = [oid for oid in oids if git.is_oid(oid)]
    if not wanted:
        return []
    return _log(paths, ["--no-walk=unsorted", "--stdin"], "".join(f"{o}\n" for o in wanted))


def _log(paths: git.RepoPaths, args: list[str], stdin: str | None = None) -> list[Commit]:
    proc = git.run(paths, "log", "-z", "--format=%H %P%n%B", *args, input=stdin)
    found = []
    for record in proc.stdout.split("\0"):
        ids, _, message = record.partition("\n")
        oids = ids.split()
        if oids and git.is_oid(oids[0]):
            found.append(Commit(oids[0], oids[1:], message))
    return found
