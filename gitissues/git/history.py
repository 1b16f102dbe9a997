"""History walks, tree diffs and text merges through pygit2, for the commands that need many
of them in one run (sync's merges, the activity log). Single changes use `plumbing` instead:
importing pygit2 costs ~70 ms.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator

from gitissues.git import RepoPaths

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

# A store commit: id, parent ids, message, time (seconds since the epoch), author name.
Commit = namedtuple("Commit", "id parents message time author")


class History:
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
        (path, old blob id or None, new blob id or None), in path order.

        Trees are compared entry by entry and a subtree whose id is the same on both sides
        is never opened: one issue changed among 10,000 costs two small trees per level, where
        a full diff read every entry of both (~20 ms: the web board follows every write)."""
        new_top = self._subtree(commit.id, top)
        old_top = self._subtree(commit.parents[0], top) if commit.parents else None
        out: list[tuple[str, str | None, str | None]] = []
        self._compare(top, old_top, new_top, out)
        out.sort(key=lambda change: change[0])
        yield from out

    def _subtree(self, commit: str, path: str) -> Any:
        try:
            entry = self.repo[commit].tree[path]
        except KeyError:
            return None
        return self.repo[entry.id] if entry.type_str == "tree" else None

    def _compare(self, prefix: str, old: Any, new: Any,
                 out: list[tuple[str, str | None, str | None]]) -> None:
        """What differs below two trees (None: absent), as a diff of them reports it: a file,
        or a tree replaced by a file, is one path removed and one added."""
        olds = {e.name: e for e in old} if old is not None else {}
        news = {e.name: e for e in new} if new is not None else {}
        for name in olds.keys() | news.keys():
            a, b = olds.get(name), news.get(name)
            if a is not None and b is not None and a.id == b.id and a.filemode == b.filemode:
                continue
            path = f"{prefix}/{name}"
            a_tree = a is not None and a.type_str == "tree"
            b_tree = b is not None and b.type_str == "tree"
            if a_tree or b_tree:
                self._compare(path, self.repo[a.id] if a_tree else None,
                              self.repo[b.id] if b_tree else None, out)
            if a is not None and b is not None and not a_tree and not b_tree:
                out.append((path, str(a.id), str(b.id)))
            elif a is not None and not a_tree:
                out.append((path, str(a.id), None))
            elif b is not None and not b_tree:
                out.append((path, None, str(b.id)))
