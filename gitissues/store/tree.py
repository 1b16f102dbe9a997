"""Tree mode: issue files live in the working tree under `.issue-facade/issues/` and travel
with code branches. Writes happen under a file lock with atomic replace; any valid YAML file an
agent drops there is an issue. The index follows the files by their stat stamps.

Agents may edit the files by hand while `gi` writes: a change is computed from the bytes it read
and, just before replacing a file, those bytes are checked again; if someone changed the file
meanwhile, the change is computed again on what they wrote, so their edit is kept.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from gitissues import git, ids, testhooks, yamlio
from gitissues.errors import Conflict, InvalidData
from gitissues.model import Issue
from gitissues.store.backend import Change, encoded, write_atomic
from gitissues.store.index import Index

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitissues.store.backend import Snapshot

TOP = ".issue-facade"
ISSUES = f"{TOP}/{ids.ISSUES_DIR}"
SETTINGS = f"{TOP}/config.yaml"  # its presence is what makes a tree-mode store
MAX_ATTEMPTS = 50


def _stamp(st: os.stat_result) -> str:
    return f"{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_size}:{st.st_ino}"


class _Changed(Exception):
    """A file changed under us between reading it and replacing it."""


_UNSEEN = object()  # a file the change did not read: written as it is

def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


class TreeSnapshot:
    def __init__(self, backend: TreeBackend, index: Index) -> None:
        self.backend, self.index = backend, index
        self.seen: dict[str, bytes | None] = {}  # path → the bytes the change was computed on
        self.listed: set[str] = set()  # folders read whole: what was absent must stay so

    def path_of(self, issue_id: str) -> str:
        known = self.index.get(issue_id)
        return known["path"] if known else self.backend.display_path(issue_id)

    def _read(self, rel: str) -> bytes | None:
        data = _current(self.backend.paths.worktree / rel)
        self.seen.setdefault(rel, data)
        return data

    def get(self, issue_id: str) -> Issue | None:
        rel = self.path_of(issue_id)
        data = self._read(rel)
        if data is None:
            return None
        try:
            issue = Issue.from_yaml(data.decode("utf-8"), rel)
        except UnicodeDecodeError:
            raise InvalidData(f"{rel}: not UTF-8 text", file=rel) from None
        issue.path = rel
        return issue

    def exists(self, issue_id: str) -> bool:
        return self._read(self.path_of(issue_id)) is not None

    def mapped(self, bridge: str, keys: list[str]) -> dict[str, str]:
        """From the index as of this change's start, of files still there (tree mode: files
        are written at once)."""
        return {k: i for k, i in self.index.mapped(bridge, keys).items() if self.exists(i)}

    def settings(self) -> dict:
        return self.backend.settings()

    def files(self, folder: str) -> dict[str, bytes]:
        """The files directly in `.issue-facade/<folder>` (leases), each remembered as read,
        so the write checks it still holds those bytes; a file not there must still be
        absent when one is created."""
        self.listed.add(f"{TOP}/{folder}")
        out = self.backend.files(folder)
        for path, data in out.items():
            self.seen.setdefault(f"{TOP}/{path}", data)
        return out


class TreeBackend:
    mode = "tree"

    def __init__(self, paths: git.RepoPaths) -> None:
        self.paths = paths
        self.root = paths.worktree / ISSUES
        self.lock_path = paths.gitdir / "issue-facade" / "tree.lock"
        self.tmp_dir = paths.gitdir / "issue-facade" / "tmp"

    def display_path(self, issue_id: str) -> str:
        return f"{TOP}/{ids.issue_path(issue_id, self.layout())}"

    def layout(self) -> int:
        try:
            return ids.layout_of(self.settings())
        except InvalidData:
            return ids.LAYOUT

    def initialized(self) -> bool:
        return (self.paths.worktree / SETTINGS).exists()

    def files(self, folder: str) -> dict[str, bytes]:
        """The files directly in `.issue-facade/<folder>` (leases): {path: bytes}."""
        out = {}
        try:
            entries = list(os.scandir(self.paths.worktree / TOP / folder))
        except (FileNotFoundError, NotADirectoryError):
            return {}
        for e in entries:
            if e.is_file(follow_symlinks=False) and not e.name.startswith("."):
                data = _current(Path(e.path))
                if data is not None:
                    out[f"{folder}/{e.name}"] = data
        return out

    def settings(self) -> dict:
        f = self.paths.worktree / SETTINGS
        try:
            text = f.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except UnicodeDecodeError:
            raise InvalidData(f"{SETTINGS}: not UTF-8 text", file=SETTINGS) from None
        data = yamlio.load_fast(text, SETTINGS)
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise InvalidData(f"{SETTINGS}: settings must be a mapping", file=SETTINGS)
        return data

    def write_settings(self, settings: dict, actor: str) -> None:
        """Replace the settings whole (also over a file that does not parse)."""
        from gitissues.store.lock import FileLock

        with FileLock(self.lock_path):
            write_atomic(self.paths.worktree / SETTINGS, yamlio.emit(settings).encode(),
                         tmp_dir=self.tmp_dir)

    def update_settings(self, mutate: Callable[[dict], dict | None], actor: str) -> dict:
        """As the branch store's: read, change and write under the store's lock, so that two
        processes changing different settings at once both keep theirs."""
        import copy

        from gitissues.store.lock import FileLock

        with FileLock(self.lock_path):
            current = self.settings()
            wanted = mutate(copy.deepcopy(current))
            if wanted is None or wanted == current:
                return current
            write_atomic(self.paths.worktree / SETTINGS, yamlio.emit(wanted).encode(),
                         tmp_dir=self.tmp_dir)
            return wanted

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
        from gitissues.store.lock import FileLock

        with FileLock(self.lock_path):
            for _ in range(MAX_ATTEMPTS):
                self.refresh(index)
                snap = TreeSnapshot(self, index)
                change = fn(snap)
                try:
                    written = self._write(change, snap)
                except _Changed:
                    continue
                self.refresh(index)
                if written and self._commit_enabled(change):
                    self._commit(change, written)
                return change
        raise Conflict("issue files kept changing under gi while it wrote; try again")

    def _write(self, change: Change, snap: TreeSnapshot) -> list[str]:
        """Encode every file first (nothing is written if one fails), then put each one in
        place only if it still holds what the change was computed on. Where the system can
        swap two files atomically the check cannot be beaten: the file is swapped in, and the
        one it displaced is compared (and swapped back if someone wrote it meanwhile)."""
        planned = []
        for issue in change.issues:
            rel = snap.path_of(issue.id)
            planned.append((issue, rel, encoded(issue, rel)))
        for issue, rel, data in planned:
            self._place(self.paths.worktree / rel, data, snap.seen.get(rel, _UNSEEN))
            issue.source, issue.path = data.decode("utf-8"), rel
        written = [rel for _, rel, _ in planned]
        for path, content in change.files.items():  # leases
            rel = f"{TOP}/{path}"
            expected = snap.seen.get(rel, None if rel.rsplit("/", 1)[0] in snap.listed
                                     else _UNSEEN)
            if content is not None:
                self._place(self.paths.worktree / rel, content, expected)
            elif expected is not _UNSEEN and _current(self.paths.worktree / rel) != expected:
                raise _Changed(rel)
            else:
                (self.paths.worktree / rel).unlink(missing_ok=True)
            written.append(rel)
        return written

    def _place(self, target: Path, data: bytes, expected: bytes | None | object) -> None:
        from gitissues.store.lock import exchange

        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.tmp_dir / f".{target.name}.{os.getpid()}.{os.urandom(3).hex()}.tmp"
        write_atomic(tmp, data)
        testhooks.pause("TREE_BEFORE_PLACE")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if expected is None:  # a new file: only if nobody created it meanwhile
                try:
                    os.link(tmp, target)
                except FileExistsError:
                    raise _Changed(str(target)) from None
                return
            if expected is not _UNSEEN and _current(target) != expected:
                raise _Changed(str(target))  # changed while the change was computed
            if exchange(tmp, target):  # and if it changed in the last microseconds:
                displaced = tmp.read_bytes()
                if expected is not _UNSEEN and displaced != expected:
                    exchange(tmp, target)  # give them their file back, then start again
                    raise _Changed(str(target))
                return
            os.replace(tmp, target)
        except OSError as exc:
            if getattr(exc, "errno", None) != 18:  # EXDEV: tmp_dir on another file system
                raise
            if expected is not _UNSEEN and _current(target) != expected:
                raise _Changed(str(target)) from None
            write_atomic(target, data)
        finally:
            tmp.unlink(missing_ok=True)

    def _commit_enabled(self, change: Change) -> bool:
        return change.commit or self.settings().get("commit") is True

    def _commit(self, change: Change, written: list[str]) -> None:
        """Commit the files with the user's identity, or the agent's where git has none
        (branch mode commits as the agent too)."""
        env = {}
        if not git.config_get(self.paths, "user.name") or not git.config_get(
                self.paths, "user.email"):
            name = change.actor or "gi"
            email = f"{name}@issue-facade.invalid".replace(" ", "-")
            env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
                   "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
        present = [p for p in written if (self.paths.worktree / p).exists()]
        gone = [p for p in written if p not in present]  # a released lease
        if present:
            git.run(self.paths, "add", "--", *present, env=env)
        if gone:
            git.run(self.paths, "rm", "-q", "--cached", "--ignore-unmatch", "--", *gone,
                    env=env)
            tracked = git.run(self.paths, "ls-tree", "--name-only", "HEAD", "--", *gone,
                              check=False, env=env).stdout.split()
            gone = [p for p in gone if p in tracked]
        if present or gone:
            git.run(self.paths, "commit", "-q", "-m", change.message(), "--", *present, *gone,
                    env=env)
