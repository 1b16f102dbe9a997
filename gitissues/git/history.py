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
