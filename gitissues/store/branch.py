"""Branch mode: the store is the orphan branch `issue-facade`, written with git plumbing only.

Every change is one commit; the ref moves only by compare-and-swap from the commit the change
was computed on (`git update-ref NEW OLD`), and a lost race is recomputed on the new tip. The
user's HEAD, index and working tree are never touched, except for the ignored read-only copy at
`.issue-facade/issues/` in each worktree.

A change is computed from the derived index (checked to reflect the commit it builds on), so a
single-issue write starts no pygit2 and parses no YAML: only `git fast-import` and `git
update-ref` run. The index moves only inside its write lock, to the tip read inside that lock,
so it never goes back to an older state than one a reader has already seen.
"""

from __future__ import annotations

import os
from functools import cached_property

from gitissues import git, ids, testhooks
from gitissues.errors import Conflict
from gitissues.store.backend import REF, SETTINGS_FILE, Change
from gitissues.store.branch_settings import MAX_ATTEMPTS, SettingsWriter
from gitissues.store.branch_settings import backoff as _backoff
from gitissues.store.copy import COPY_DIR, Copies
from gitissues.store.upkeep import Pending

# What only a write or a catch-up of the index needs (the git object store, the ref update,
# the YAML of a file) is imported by the method that needs it: a read whose index is fresh
# loads none of it.

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from gitissues.store.backend import Snapshot
    from gitissues.store.index import Index



class Prepared:
    """A change and its commit on `tip`, not yet on any ref (`commit` None: nothing to write).
    (A plain class: a namedtuple costs every process ~0.1 ms to create.)"""

    __slots__ = ("tip", "commit", "change", "files")

    def __init__(self, tip: str | None, commit: str | None, change: Change,
                 files: dict[str, bytes | None]) -> None:
        self.tip, self.commit, self.change, self.files = tip, commit, change, files


class BranchBackend(SettingsWriter):
    mode = "branch"

    def __init__(self, paths: git.RepoPaths) -> None:
        self.paths = paths
        self.copies = Copies(paths)
        self.pending = Pending(paths)
        self._settings_cache: tuple[str | None, dict] | None = None

    def display_path(self, issue_id: str) -> str:
        return ids.issue_path(issue_id)

    def tip(self) -> str | None:
        """The store's commit; a clone whose remote has the store gets a local branch for it
        (created only if it still does not exist: two commands may do this at once). A claim
        that a remote accepted but that is not yet in the local branch (its process died in
        between) is brought in first."""
        tip = git.read_ref(self.paths, REF)
        if tip is None:
            from gitissues.git import refs

            remote = git.read_ref(self.paths, "refs/remotes/origin/issue-facade")
            if remote and refs.update_ref(self.paths, REF, remote, None,
                                              "gi: store branch from origin"):
                return remote
            tip = git.read_ref(self.paths, REF)
        if self.pending.commits():
            self.pending.settle()
            tip = git.read_ref(self.paths, REF)
        return tip

    def initialized(self) -> bool:
        return self.tip() is not None

    def files(self, folder: str) -> dict[str, bytes]:
        """The files directly in `folder` of the store now (leases): {path: bytes}."""
        from gitissues.store.branch_read import read_folder

        return read_folder(self.paths, self.tip(), folder)

    def settings(self) -> dict:
        return self.settings_at(self.tip())

    def settings_at(self, tip: str | None, index: Index | None = None) -> dict:
        """The settings file at `tip`: from the index when it reflects `tip` (a write then
        starts no extra git process), else from git."""
        if self._settings_cache is None or self._settings_cache[0] != tip:
            from gitissues.store.branch_read import parse_settings

            text = None
            if index is not None:
                with index.reading():
                    if index.meta("token") == tip:
                        text = index.meta("settings") or ""
            if text is not None:
                data = text.encode()
            else:
                from gitissues.git import commits

                data = commits.read_path(self.paths, tip, SETTINGS_FILE)
            self._settings_cache = (tip, parse_settings(data))
        return dict(self._settings_cache[1])

    # --- the index and the read-only copies -------------------------------------------------

    def refresh(self, index: Index) -> None:
        tip = self.tip()
        if index.meta("token") == tip and self.copies.fresh(self.paths.top, tip):
            return
        with index.writing():
            self._catch_up(index, self.tip())

    def _catch_up(self, index: Index, tip: str | None, force: bool = False) -> None:
        """Inside the index's write lock: move the index and every copy to `tip`."""
        from gitissues.git import plumbing
        from gitissues.model import Issue
        from gitissues.store.branch_read import parse_files

        old = index.meta("token")
        changes: dict[str, str | None] = {}
        if old != tip or force:
            if tip is None:
                index.clear()
            elif old and not force and plumbing.commit_exists(self.paths, old):
                changes = plumbing.diff_tree(self.paths, old, tip, ids.ISSUES_DIR,
                                             SETTINGS_FILE)
            else:
                changes = dict(plumbing.ls_tree(self.paths, tip, ids.ISSUES_DIR, SETTINGS_FILE))
                index.clear()
                index.set_meta("settings", "")
        blobs = plumbing.read_objects(self.paths, [b for b in changes.values() if b])
        delta: dict[str, bytes | None] = {}
        files = []
        for path, blob in changes.items():
            data = blobs.get(blob) if blob else None
            if blob is not None and data is None:
                raise plumbing.Missing(f"{path}: blob {blob} is missing from the repository")
            if path == SETTINGS_FILE:
                index.set_meta("settings", (data or b"").decode("utf-8", "replace"))
                continue
            delta[path] = data
            if data is None:
                index.drop(path)
            elif path.endswith(".yaml"):
                files.append((path, data))
        for path, parsed in parse_files(files):
            if isinstance(parsed, Issue):
                index.put(path, parsed, changes[path])
            else:
                index.put_bad(path, parsed, changes[path])
        index.set_meta("token", tip)
        self._sync_copies(old, tip, delta, force)

    def _sync_copies(self, old: str | None, tip: str | None,
                     delta: dict[str, bytes | None], force: bool = False) -> None:
        from gitissues.git import plumbing

        if tip is not None:
            git.ensure_excluded(self.paths, f"/{COPY_DIR}/")
        self.copies.sync_all(
            old, tip, delta,
            lambda: plumbing.ls_tree(self.paths, tip, ids.ISSUES_DIR) if tip else {},
            lambda oids: plumbing.read_objects(self.paths, oids), force=force)

    def rebuild(self, index: Index) -> None:
        with index.writing():
            self._catch_up(index, self.tip(), force=True)

    # --- writing ------------------------------------------------------------------------------

    def transact(self, index: Index, fn: Callable[[Snapshot], Change]) -> Change:
        from gitissues.git import refs

        waiting = refs.watch(self.paths, REF)
        prepared = None
        for attempt in range(MAX_ATTEMPTS):
            if prepared is None or git.read_ref(self.paths, REF) != prepared.tip:
                prepared = self.prepare(index, fn)  # (again) on the tip as it is now
                if prepared.commit is not None:
                    testhooks.die("BEFORE_PUBLISH")  # the commit written, the ref not moved
            if prepared.commit is None or self.publish(index, prepared):
                return prepared.change
            if waiting.stuck():
                raise waiting.conflict(REF)
            _backoff(min(0.002 * (attempt + 1), 0.05))
        raise self._gave_up()

    def prepare(self, index: Index, fn: Callable[[Snapshot], Change]) -> Prepared:
        """Compute the change on the current tip and write its commit; no ref moves (the
        remote claims push it before the local ref takes it)."""
        from gitissues import yamlio
        from gitissues.store.backend import encoded
        from gitissues.store.branch_read import BranchSnapshot

        def build(tip: str | None, settings: dict) -> tuple[Change, dict[str, bytes | None]]:
            snap = BranchSnapshot(self.paths, index, tip, settings)
            change = fn(snap)
            files: dict[str, bytes | None] = {}
            for issue in change.issues:
                path = index.path_of(issue.id) or self.display_path(issue.id)
                issue.path = path
                files[path] = encoded(issue, path)
            files.update(change.files)
            if tip is None and files:  # the first write creates the store
                files[SETTINGS_FILE] = yamlio.emit(self.new_settings()).encode()
            return change, files

        return self._build_commit(index, build)

    def publish(self, index: Index, prepared: Prepared) -> bool:
        """Move the ref to the prepared commit (compare-and-swap); False if it moved."""
        assert prepared.commit is not None
        from gitissues.git import refs

        if not refs.update_ref(self.paths, REF, prepared.commit, prepared.tip):
            return False
        self._after_write(index, prepared.tip, prepared.commit, prepared.change,
                          prepared.files)
        return True

    @staticmethod
    def new_settings(prefix: str | None = None) -> dict:
        return {"mode": "branch", "prefix": prefix or ids.DEFAULT_PREFIX, "layout": ids.LAYOUT}

    def _build_commit(self, index: Index | None,
                      build: Callable[[str | None, dict], tuple[Change, dict[str, bytes | None]]]
                      ) -> Prepared:
        """Write the commit that `build(tip, settings)` describes on the current tip. Without
        an index (a settings write) nothing is read from it and the layout stays as it is."""
        from gitissues import testhooks
        from gitissues.errors import GiError
        from gitissues.git import commits, plumbing
        from gitissues.store.branch_read import StaleSnapshot

        for _ in range(MAX_ATTEMPTS):
            tip = self.tip()
            if index is not None:
                self.refresh(index)
                if index.meta("token") != tip:
                    continue  # the ref moved while the index caught up
            settings = self.settings_at(tip, index) if index is not None else {}
            if index is not None and tip is not None and ids.layout_of(settings) < ids.LAYOUT:
                self.migrate(index)
                continue
            try:
                change, files = build(tip, settings)
            except StaleSnapshot:
                continue
            if not files:
                return Prepared(tip, None, change, files)
            testhooks.pause("BEFORE_COMMIT")
            try:
                new = commits.write_commit(self.paths, tip, files, change.message(),
                                            self._author(change))
            except GiError:
                if tip is not None and not plumbing.commit_exists(self.paths, tip):
                    raise plumbing.Missing(f"the store commit {tip} ({REF}) is missing from "
                                           "the repository; nothing was written") from None
                raise
            return Prepared(tip, new, change, files)
        raise self._gave_up()

    def _gave_up(self) -> Conflict:
        from gitissues.git import refs

        if self.stale_lock() is not None:
            return refs.watch(self.paths, REF).conflict(REF)
        return Conflict(f"could not update {REF}: other writers kept moving it; try again")

    def _after_write(self, index: Index, old: str | None, new: str, change: Change,
                     files: dict[str, bytes | None]) -> None:
        from gitissues.git import plumbing
        from gitissues.store.upkeep import maybe_gc

        with index.writing():
            tip = self.tip()
            if index.meta("token") != old or tip != new:
                self._catch_up(index, tip)  # others moved on: follow the ref, never go back
            else:
                for i in change.issues:
                    data = files[i.path]
                    assert data is not None
                    index.put(i.path, i, plumbing.blob_oid(data))
                if files.get(SETTINGS_FILE) is not None:
                    index.set_meta("settings", files[SETTINGS_FILE].decode())  # type: ignore[union-attr]
                index.set_meta("token", new)
                self._sync_copies(old, new, {p: d for p, d in files.items()
                                             if p.startswith(ids.ISSUES_DIR + "/")})
        maybe_gc(self.paths)

    def migrate(self, index: Index) -> bool:
        """Move every issue file to the current layout, in one commit (`Gi-Op: migrate`);
        False when there was nothing to move."""
        from gitissues import yamlio
        from gitissues.git import commits, plumbing, refs

        def build(tip: str | None, settings: dict) -> tuple[Change, dict[str, bytes | None]]:
            change = Change(op="migrate", actor="gi", summary=f"store layout {ids.LAYOUT}")
            if tip is None:
                return change, {}
            files: dict[str, bytes | None] = {}
            for path, blob in plumbing.ls_tree(self.paths, tip, ids.ISSUES_DIR).items():
                issue_id = ids.id_of_path(path)
                target = ids.issue_path(issue_id) if issue_id else path
                if target != path:
                    files[path], files[target] = None, (blob,)  # type: ignore[assignment]
            if ids.layout_of(settings) < ids.LAYOUT or files:
                files[SETTINGS_FILE] = yamlio.emit({**settings, "layout": ids.LAYOUT}).encode()
            return change, files

        for _ in range(MAX_ATTEMPTS):
            tip = self.tip()
            change, files = build(tip, self.settings_at(tip))
            if not files:
                return False
            new = commits.write_commit(self.paths, tip, files, change.message(),
                                        ("gi", "gi@issue-facade.invalid"))
            if refs.update_ref(self.paths, REF, new, tip):
                self.refresh(index)
                return True
            _backoff(0.01)
        raise self._gave_up()

    @cached_property
    def _email(self) -> str | None:
        return git.user_config(self.paths).get("user.email")

    def _author(self, change: Change) -> tuple[str, str]:
        """Asked of git once per process, not once per compare-and-swap attempt."""
        email = self._email if change.actor else None
        return change.actor, email or f"{change.actor or 'gi'}@issue-facade.invalid"

    def author_of(self, actor: str) -> tuple[str, str]:
        return self._author(Change(op="", actor=actor, summary=""))

    def stale_lock(self) -> os.PathLike[str] | None:
        lock = self.paths.commondir / (REF + ".lock")
        return lock if lock.exists() else None
