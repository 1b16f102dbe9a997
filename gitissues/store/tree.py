"""Tree mode: issue files live in the working tree under `.issue-facade/issues/` and travel
with code branches. Writes happen under a file lock with atomic replace; any valid YAML file an
agent drops there is an issue. The index follows the files by their stat stamps."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from gitissues import git, ids, yamlio
from gitissues.errors import InvalidData
from gitissues.model import Issue
from gitissues.store.backend import Change, write_atomic
from gitissues.store.index import Index

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitissues.store.backend import Snapshot

TOP = ".issue-facade"
ISSUES = f"{TOP}/{ids.ISSUES_DIR}"
SETTINGS = f"{TOP}/config.yaml"  # = gitissues.store.TREE_SETTINGS


def _stamp(st: os.stat_result) -> str:
    return f"{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_size}:{st.st_ino}"


class TreeSnapshot:
    def __init__(self, backend: TreeBackend, index: Index) -> None:
        self.backend, self.index = backend, index

    def _path(self, issue_id: str) -> Path:
        known = self.index.get(issue_id)
        rel = known["path"] if known else self.backend.display_path(issue_id)
        return self.backend.paths.worktree / rel

    def get(self, issue_id: str) -> Issue | None:
        path = self._path(issue_id)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        rel = path.relative_to(self.backend.paths.worktree).as_posix()
        issue = Issue.from_yaml(text, rel)
        issue.path = rel
        return issue

    def exists(self, issue_id: str) -> bool:
        return self._path(issue_id).exists()

    def settings(self) -> dict:
        return self.backend.settings()


class TreeBackend:
    mode = "tree"

    def __init__(self, paths: git.RepoPaths) -> None:
        self.paths = paths
        self.root = paths.worktree / ISSUES
        self.lock_path = paths.gitdir / "issue-facade" / "tree.lock"

    def display_path(self, issue_id: str) -> str:
        return f"{TOP}/{ids.issue_path(issue_id)}"

    def initialized(self) -> bool:
        return (self.paths.worktree / SETTINGS).exists()

    def settings(self) -> dict:
        f = self.paths.worktree / SETTINGS
        if not f.exists():
            return {}
        data = yamlio.load_fast(f.read_text(encoding="utf-8"), SETTINGS)
        if not isinstance(data, dict):
            raise InvalidData(f"{SETTINGS}: settings must be a mapping")
        return data

    def write_settings(self, settings: dict, actor: str) -> None:
        write_atomic(self.paths.worktree / SETTINGS, yamlio.emit(settings).encode())

    def scan(self) -> dict[str, str]:
        """Every `*.yaml` under the issues directory, with its stat stamp."""
        found: dict[str, str] = {}
        stack = [self.root]
        while stack:
            d = stack.pop()
            try:
                entries = list(os.scandir(d))
            except (FileNotFoundError, NotADirectoryError):
                continue
            for e in entries:
                if e.is_dir(follow_symlinks=False):
                    stack.append(Path(e.path))
                elif e.name.endswith(".yaml") and not e.name.startswith("."):
                    rel = os.path.relpath(e.path, self.paths.worktree).replace(os.sep, "/")
                    found[rel] = _stamp(e.stat())
        return found

    def refresh(self, index: Index) -> None:
        current = self.scan()
        if current == index.stamps():
            return
        with index.writing():
            known = index.stamps()
            for path in known.keys() - current.keys():
                index.drop(path)
            # a renamed or replaced file may carry an id another changed file held: drop first
            changed = [p for p, s in current.items() if known.get(p) != s]
            for path in changed:
                index.drop(path)
            for path in sorted(changed):
                self._index_file(index, path, current[path])

    def _index_file(self, index: Index, path: str, stamp: str) -> None:
        try:
            text = (self.paths.worktree / path).read_text(encoding="utf-8")
            issue = Issue.from_yaml(text, path)
        except FileNotFoundError:
            return
        except UnicodeDecodeError:
            index.put_bad(path, f"{path}: not UTF-8 text", stamp)
            return
        except InvalidData as exc:
            index.put_bad(path, exc.message, stamp)
            return
        if Path(path).stem != issue.id:
            index.put_bad(path, f"{path}: id {issue.id} does not match the file name", stamp)
            return
        index.put(path, issue, stamp)

    def rebuild(self, index: Index) -> None:
        with index.writing():
            index.clear()
        self.refresh(index)

    def transact(self, index: Index, fn: Callable[[Snapshot], Change]) -> Change:
        from filelock import FileLock

        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.lock_path)):
            self.refresh(index)
            change = fn(TreeSnapshot(self, index))
            written = []
            for issue in change.issues:
                known = index.get(issue.id)
                rel = known["path"] if known else self.display_path(issue.id)
                data = issue.to_yaml().encode("utf-8")
                write_atomic(self.paths.worktree / rel, data)
                issue.source, issue.path = data.decode("utf-8"), rel
                written.append(rel)
            self.refresh(index)
            if written and self._commit_enabled(change):
                git.run(self.paths, "add", "--", *written)
                git.run(self.paths, "commit", "-q", "-m", change.message(), "--", *written)
        return change

    def _commit_enabled(self, change: Change) -> bool:
        return change.commit or bool(self.settings().get("commit"))
