"""The read-only copy of a branch-mode store in every working tree (`.issue-facade/issues/`), so
agents can `cat` and `grep` the issues without running `gi`.

The index is shared by all worktrees of a repository, so whoever moves the index (a writer, or a
reader catching up) brings every worktree's copy along, inside the index's write lock. Each copy
records the store commit it shows in `.issue-facade/.token`; a copy whose token is not the one
the index moved from (a new worktree, `git clean -fdX`, a killed write) is compared file by file
with the store and made to match.
"""

from __future__ import annotations

import os

from gitissues import fs, git
from gitissues.store.backend import write_atomic

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

COPY_DIR = ".issue-facade"
TOKEN = ".token"


class Copies:
    def __init__(self, paths: git.RepoPaths) -> None:
        self.paths = paths
        self.tmp_dir = os.path.join(paths.common_dir, "issue-facade", "tmp")

    def root(self, worktree: str) -> str:
        return os.path.join(worktree, COPY_DIR)

    def token(self, worktree: str) -> str | None:
        try:
            return fs.read_text(os.path.join(self.root(worktree), TOKEN)).strip() or None
        except OSError:
            return None

    def fresh(self, worktree: str, tip: str | None) -> bool:
        """This worktree's copy shows `tip` (one small file read: every command asks); with
        no store there is no copy to keep."""
        return self.token(worktree) == tip

    def sync_all(self, old: str | None, new: str | None, delta: Mapping[str, bytes | None],
                 listing: Callable[[], dict[str, str]], read: Callable[[list[str]], dict],
                 force: bool = False) -> None:
        """Bring every worktree's copy to `new`: the `delta` (store path → bytes, None: gone)
        where the copy shows `old`, else a full comparison with `listing()` ({path: blob id}
        at `new`) whose differing blobs come from `read`."""
        for worktree in git.worktrees(self.paths):
            have = self.token(worktree)
            if have == new and not force:
                continue
            if have is not None and have == old and not force:
                for path, data in delta.items():
                    self._put(worktree, path, data)
            elif new is not None or fs.is_dir(self.root(worktree)):
                self._resync(worktree, listing() if new else {}, read)
            self._set_token(worktree, new)

    def _put(self, worktree: str, path: str, data: bytes | None) -> None:
        target = os.path.join(self.root(worktree), path)
        if data is None:
            fs.unlink(target)
            return
        try:
            if fs.read_bytes(target) == data:
                return
        except OSError:
            pass
        write_atomic(target, data, 0o444, durable=False, tmp_dir=self.tmp_dir)

    def _set_token(self, worktree: str, tip: str | None) -> None:
        if tip is None:
            fs.unlink(os.path.join(self.root(worktree), TOKEN))
        else:
            write_atomic(os.path.join(self.root(worktree), TOKEN), tip.encode() + b"\n",
                         durable=False, tmp_dir=self.tmp_dir)

    def files(self, worktree: str) -> dict[str, str]:
        """Store path → file of every file in this worktree's copy of `issues/`."""
        root = self.root(worktree)
        out: dict[str, str] = {}
        for top, _dirs, names in os.walk(os.path.join(root, "issues")):
            for name in names:
                full = os.path.join(top, name)
                out[full[len(root) + 1:]] = full
        return out

    def differences(self, worktree: str, want: Mapping[str, str]) -> tuple[list[str], list[str]]:
        """(store paths missing or different in the copy, extra files in the copy)."""
        from gitissues.git.plumbing import blob_oid

        have = self.files(worktree)
        wrong = []
        for path, blob in want.items():
            try:
                if blob_oid(fs.read_bytes(have[path])) != blob:
                    wrong.append(path)
            except (KeyError, OSError):
                wrong.append(path)
        return sorted(wrong), sorted(set(have) - set(want))

    def _resync(self, worktree: str, want: dict[str, str],
                read: Callable[[list[str]], dict]) -> None:
        wrong, extra = self.differences(worktree, want)
        blobs = read([want[p] for p in wrong])
        for path in wrong:
            data = blobs.get(want[path])
            if data is not None:
                self._put(worktree, path, data)
        for path in extra:
            fs.unlink(os.path.join(self.root(worktree), path))
