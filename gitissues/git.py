"""The one module that talks to git.

Cheap functions (finding the repository, reading a ref) use plain file reads so the CLI's read
path never imports pygit2. Object work (blobs, trees, commits, diffs, compare-and-swap ref
updates) goes through pygit2, imported on first use. Fetch and push will run the system `git`,
so users' ssh keys, credential helpers and proxies keep working.
"""

from __future__ import annotations

import os
import re
from collections import namedtuple
from collections.abc import Iterator
from pathlib import Path

from gitissues.errors import GiError, UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

_OID_RE = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
TREE_MODE, BLOB_MODE = 0o040000, 0o100644


# A store commit: id, parent ids, message, time (seconds since the epoch), author name.
Commit = namedtuple("Commit", "id parents message time author")
# worktree: top of the working tree; gitdir: this worktree's git directory;
# commondir: the shared git directory (refs, objects, info/exclude).
RepoPaths = namedtuple("RepoPaths", "worktree gitdir commondir")


def find_repo(start: str | os.PathLike[str] = ".") -> RepoPaths:
    """Walk up from `start` to the enclosing repository, as git does, without running git."""
    here = Path(start).resolve()
    for d in (here, *here.parents):
        dotgit = d / ".git"
        if dotgit.is_dir():
            return RepoPaths(d, dotgit, _commondir(dotgit))
        if dotgit.is_file():
            text = dotgit.read_text().strip()
            if text.startswith("gitdir:"):
                gitdir = (d / text[len("gitdir:"):].strip()).resolve()
                return RepoPaths(d, gitdir, _commondir(gitdir))
    raise UsageError(f"not a git repository (or any parent up to /): {here}")


def _commondir(gitdir: Path) -> Path:
    f = gitdir / "commondir"
    return (gitdir / f.read_text().strip()).resolve() if f.is_file() else gitdir


def read_ref(paths: RepoPaths, name: str) -> str | None:
    """The commit a ref points at, from the loose ref file or packed-refs; None if absent."""
    try:
        text = (paths.commondir / name).read_text().strip()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        text = ""
    if text.startswith("ref:"):
        return read_ref(paths, text[4:].strip())
    if _OID_RE.match(text):
        return text
    try:
        with open(paths.commondir / "packed-refs") as f:
            for line in f:
                if line.endswith(f" {name}\n") and _OID_RE.match(line[: line.index(" ")]):
                    return line[: line.index(" ")]
    except FileNotFoundError:
        pass
    return None


def run(paths: RepoPaths, *args: str, check: bool = True, input: str | None = None,
        env: dict[str, str] | None = None) -> Any:
    """Run the system git in the working tree."""
    import subprocess

    proc = subprocess.run(
        ["git", *args], cwd=paths.worktree, capture_output=True, text=True, input=input,
        env={**os.environ, **(env or {})},
    )
    if check and proc.returncode != 0:
        raise GiError(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc


def config_get(paths: RepoPaths, key: str) -> str | None:
    proc = run(paths, "config", "--get", key, check=False)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def ensure_excluded(paths: RepoPaths, pattern: str) -> None:
    """Keep a derived directory out of `git status` without touching tracked files."""
    f = paths.commondir / "info" / "exclude"
    text = f.read_text() if f.exists() else ""
    if pattern not in text.splitlines():
        f.parent.mkdir(parents=True, exist_ok=True)
        with open(f, "a") as out:
            out.write(("" if text.endswith("\n") or not text else "\n") + pattern + "\n")


class ObjectStore:
    """pygit2 access to the objects and refs of one repository."""

    def __init__(self, paths: RepoPaths) -> None:
        import pygit2

        self._pygit2 = pygit2
        self.paths = paths
        self.repo = pygit2.Repository(str(paths.gitdir))

    # --- reading ---------------------------------------------------------------------------

    def has_commit(self, oid: str) -> bool:
        try:
            return self.repo[oid].type == self._pygit2.enums.ObjectType.COMMIT
        except (KeyError, ValueError):
            return False

    def blob_at(self, commit: str | None, path: str) -> bytes | None:
        if commit is None:
            return None
        try:
            entry = self.repo[commit].tree[path]
        except KeyError:
            return None
        return entry.data if entry.type_str == "blob" else None

    def files_under(self, commit: str, top: str) -> Iterator[tuple[str, str]]:
        """Every blob below `top` at `commit`: (path, blob id)."""
        try:
            tree = self.repo[commit].tree[top]
        except KeyError:
            return
        stack = [(top, tree)]
        while stack:
            prefix, t = stack.pop()
            for e in t:
                p = f"{prefix}/{e.name}"
                if e.type_str == "tree":
                    stack.append((p, self.repo[e.id]))
                elif e.type_str == "blob":
                    yield p, str(e.id)

    def changed_files(self, old: str | None, new: str, top: str
                      ) -> Iterator[tuple[str, str | None]]:
        """Blobs below `top` that differ between two commits (None: the empty tree):
        (path, new blob id or None)."""
        new_tree = self.repo[new].tree
        diff = (self.repo.diff(self.repo[old].tree, new_tree) if old is not None
                else new_tree.diff_to_tree(swap=True))
        for delta in diff.deltas:
            for side, gone in ((delta.old_file, True), (delta.new_file, False)):
                if not side.path.startswith(top + "/"):
                    continue
                if gone and delta.status_char() in ("D", "R"):
                    yield side.path, None
                elif not gone and delta.status_char() != "D":
                    yield side.path, str(side.id)

    def blob(self, oid: str) -> bytes:
        return self.repo[oid].data

    def first_version(self, tip: str, stop_at: str | None, path: str) -> bytes | None:
        """The content `path` had when it first appeared in `tip`'s history after `stop_at`."""
        first = None
        for c in self.commits(tip, stop_at):
            data = self.blob_at(c.id, path)
            if data is None:
                break
            first = data
        return first

    def merge_base(self, a: str, b: str) -> str | None:
        base = self.repo.merge_base(a, b)
        return str(base) if base else None

    def is_ancestor(self, ancestor: str, of: str) -> bool:
        return ancestor == of or self.repo.descendant_of(of, ancestor)

    def merge_text(self, base: str, ours: str, theirs: str) -> str | None:
        """git's line-level three-way merge; None where the edits overlap."""
        pg = self._pygit2

        def entry(text: str) -> Any:
            return pg.IndexEntry("text", self.repo.create_blob(text.encode()),
                                 pg.enums.FileMode.BLOB)

        result = self.repo.merge_file_from_index(entry(base), entry(ours), entry(theirs))
        return result.contents if result.automergeable else None

    def commits(self, tip: str, stop_at: str | None = None) -> Iterator[Commit]:
        """History of `tip`, newest first (topological), ending before `stop_at`."""
        sort = self._pygit2.enums.SortMode
        walker = self.repo.walk(tip, sort.TOPOLOGICAL | sort.TIME)
        if stop_at is not None and self.has_commit(stop_at):
            walker.hide(stop_at)
        for c in walker:
            yield Commit(str(c.id), [str(p) for p in c.parent_ids], c.message, c.commit_time,
                         c.author.name)

    def commit_changes(self, commit: Commit, top: str) -> Iterator[tuple[str, str | None,
                                                                       str | None]]:
        """Files below `top` that `commit` changed against its first parent:
        (path, old blob id or None, new blob id or None)."""
        new_tree = self.repo[commit.id].tree
        old_tree = self.repo[commit.parents[0]].tree if commit.parents else None
        diff = (self.repo.diff(old_tree, new_tree) if old_tree is not None
                else new_tree.diff_to_tree(swap=True))
        for d in diff.deltas:
            path = d.new_file.path if d.status_char() != "D" else d.old_file.path
            if not path.startswith(top + "/"):
                continue
            old = None if d.status_char() == "A" else str(d.old_file.id)
            new = None if d.status_char() == "D" else str(d.new_file.id)
            yield path, old, new

    # --- writing ---------------------------------------------------------------------------

    def commit_files(self, parent: str | None, changes: dict[str, bytes | None], message: str,
                     author: tuple[str, str], merged: tuple[str, ...] = ()) -> str:
        """A commit on `parent` with files set (bytes) or removed (None); returns its id.
        `merged` adds parents (a merge commit)."""
        base = self.repo[parent].tree if parent else None
        tree = self._update_tree(base, _nest(changes))
        sig = self._pygit2.Signature(author[0] or "gi", author[1] or "gi@issue-facade.invalid")
        parents = ([parent] if parent else []) + list(merged)
        return str(self.repo.create_commit(None, sig, sig, message, tree, parents))

    def _update_tree(self, tree: Any, changes: dict[str, Any]) -> Any:
        tb = self.repo.TreeBuilder(tree) if tree is not None else self.repo.TreeBuilder()
        for name, change in changes.items():
            if isinstance(change, dict):
                sub = None
                if tree is not None and name in tree and tree[name].type_str == "tree":
                    sub = self.repo[tree[name].id]
                oid = self._update_tree(sub, change)
                if len(self.repo[oid]) == 0:
                    if tb.get(name) is not None:
                        tb.remove(name)
                else:
                    tb.insert(name, oid, TREE_MODE)
            elif change is None:
                if tb.get(name) is not None:
                    tb.remove(name)
            else:
                tb.insert(name, self.repo.create_blob(change), BLOB_MODE)
        return tb.write()

    def cas_ref(self, name: str, new: str, old: str | None) -> bool:
        """Move `name` from `old` to `new` only if it still points at `old` (None: absent)."""
        GitError = self._pygit2.GitError
        try:
            if old is None:
                self.repo.references.create(name, new, force=False)
                return True
            ref = self.repo.references.get(name)
            if ref is None or str(ref.target) != old:
                return False
            ref.set_target(new, "gi: update store")
            return True
        except (GitError, ValueError, OSError, self._pygit2.AlreadyExistsError):
            return False  # moved, or locked by another writer this instant: a lost race


def _nest(changes: dict[str, bytes | None]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for path, data in changes.items():
        *dirs, name = path.split("/")
        node = root
        for d in dirs:
            node = node.setdefault(d, {})
        node[name] = data
    return root
