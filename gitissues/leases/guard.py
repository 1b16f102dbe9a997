"""The pre-commit guard (SPEC §12): a commit may not touch a path that a live lease of another
agent covers. `gi lease check --staged` asks it; the pre-commit hook
(`hooks/scripts/pre-commit`) runs that only when the store holds a path lease at all, which it
tells from the lease files' names without starting Python. `git commit --no-verify` skips
hooks, and with them this guard, as git users expect."""

from __future__ import annotations

from gitissues import git
from gitissues.leases import ops

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from gitissues.leases.model import Lease
    from gitissues.store.core import StoreCore


def staged_paths(paths: git.RepoPaths) -> list[bytes]:
    """Every path the next commit changes (added, modified, removed; both sides of a rename),
    from the index git is committing (a hook sees `GIT_INDEX_FILE` when git set one)."""
    proc = git.run(paths, "diff", "--cached", "--name-only", "-z", "--no-renames",
                   "--no-ext-diff", input=b"", check=False)
    if proc.returncode != 0:  # no commit yet: everything staged is new
        proc = git.run(paths, "ls-files", "-z", "--cached", input=b"")
    return [p for p in proc.stdout.split(b"\0") if p]


def blocked(store: StoreCore, paths: Iterable[str], staged: bool = False
            ) -> list[tuple[str, Lease]]:
    """(path, lease) for every given path — and with `staged`, every path of the next commit
    — that a live path lease held by another agent covers."""
    wanted: list[str | bytes] = list(paths)
    if staged:
        wanted += staged_paths(store.paths)
    found = ops.blocking(store, (p.encode("utf-8", "surrogateescape") if isinstance(p, str)
                                 else p for p in wanted))
    return [(p.decode("utf-8", "surrogateescape"), lease) for p, lease in found]


def warnings(store: StoreCore) -> list[str]:
    """Lease files that could not be read (they exclude nothing, so say so)."""
    return ops.current(store)[1]
