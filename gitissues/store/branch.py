"""Branch mode: the store is the orphan branch `issue-facade`, written with git plumbing only.

Every change is one commit; the ref moves only by compare-and-swap from the commit the change
was computed on, and a lost race is recomputed on the new tip. The user's HEAD, index and
working tree are never touched, except for the ignored read-only copy at `.issue-facade/issues/`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from gitissues import git, ids, yamlio
from gitissues.errors import Conflict, InvalidData
from gitissues.model import Issue
from gitissues.store.backend import REF, Change, write_atomic
from gitissues.store.index import Index

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitissues.store.backend import Snapshot

SETTINGS_FILE = "config.yaml"
COPY_DIR = ".issue-facade"
MAX_ATTEMPTS = 200


PARALLEL_PARSE_AT = 2000


def _parse(item: tuple[str, bytes]) -> tuple[str, Issue | str]:
    path, data = item
    try:
        return path, Issue.from_yaml(data.decode("utf-8", "replace"), path)
    except InvalidData as exc:
        return path, exc.message


def parse_files(files: list[tuple[str, bytes]]) -> list[tuple[str, Issue | str]]:
    """Parse issue files: (path, Issue or the error message). A big batch (a first read in a
    fresh clone, a reindex) is spread over the cores: YAML parsing is most of its cost."""
    workers = min(os.cpu_count() or 1, 8)
    if len(files) < PARALLEL_PARSE_AT or workers < 2:
        return [_parse(f) for f in files]
    import multiprocessing

    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # no fork here (Windows): parse in this process
        return [_parse(f) for f in files]
    with ctx.Pool(workers) as pool:
        return pool.map(_parse, files, chunksize=256)


def _backoff(most: float) -> None:
    """Sleep a random while after a lost race, so racing writers spread out."""
    import random  # only a lost race pays for it

    time.sleep(random.uniform(0, most))


class BranchSnapshot:
    def __init__(self, objects: git.ObjectStore, tip: str | None) -> None:
        self.objects, self.tip = objects, tip

    def get(self, issue_id: str) -> Issue | None:
        path = ids.issue_path(issue_id)
        data = self.objects.blob_at(self.tip, path)
        return None if data is None else Issue.from_yaml(data.decode("utf-8"), path)

    def exists(self, issue_id: str) -> bool:
        return self.objects.blob_at(self.tip, ids.issue_path(issue_id)) is not None

    def settings(self) -> dict:
        data = self.objects.blob_at(self.tip, SETTINGS_FILE)
        return _parse_settings(data)


def _parse_settings(data: bytes | None) -> dict:
    if not data:
        return {}
    loaded = yamlio.load_fast(data.decode("utf-8"), SETTINGS_FILE)
    if not isinstance(loaded, dict):
        raise InvalidData(f"{SETTINGS_FILE}: settings must be a mapping")
    return loaded


class BranchBackend:
    mode = "branch"

    def __init__(self, paths: git.RepoPaths) -> None:
        self.paths = paths
        self.copy_root = paths.worktree / COPY_DIR

    @cached_property
    def objects(self) -> git.ObjectStore:
        return git.ObjectStore(self.paths)

    def display_path(self, issue_id: str) -> str:
        return ids.issue_path(issue_id)

    def tip(self) -> str | None:
        """The store's commit; a clone whose remote has the store gets a local branch for it."""
        tip = git.read_ref(self.paths, REF)
        if tip is None:
            remote = git.read_ref(self.paths, "refs/remotes/origin/issue-facade")
            if remote and self.objects.cas_ref(REF, remote, None):
                tip = remote
            else:
                tip = git.read_ref(self.paths, REF)
        return tip

    def initialized(self) -> bool:
        return self.tip() is not None

    def settings(self) -> dict:
        return BranchSnapshot(self.objects, self.tip()).settings()

    # --- the index and the read-only copy -----------------------------------------------------

    def refresh(self, index: Index) -> None:
        tip = self.tip()
        if index.meta("token") == tip:
            return
        with index.writing():
            self._catch_up(index, tip)

    def _catch_up(self, index: Index, tip: str | None) -> None:
        """Inside an index write: move the index and the copy from their state to `tip`."""
        old = index.meta("token")
        if old == tip:
            return
        stale: set[str] = set()
        if tip is None:
            changes: list[tuple[str, str | None]] = []
            index.clear()
            stale = self._copy_files()
        elif old and self.objects.has_commit(old):
            changes = list(self.objects.changed_files(old, tip, ids.ISSUES_DIR))
        else:  # no usable base: index everything, and make the copy match the tip exactly
            index.clear()
            changes = list(self.objects.files_under(tip, ids.ISSUES_DIR))
            stale = self._copy_files() - {p for p, _ in changes}
        for path in stale:
            self._remove_copy(path)
        files = []
        for path, blob in changes:
            if blob is None:
                index.drop(path)
                self._remove_copy(path)
                continue
            data = self.objects.blob(blob)
            self._write_copy(path, data, check_same=True)
            files.append((path, data))
        for path, parsed in parse_files(files):
            if isinstance(parsed, Issue):
                index.put(path, parsed)
            else:
                index.put_bad(path, parsed)
        index.set_meta("token", tip)
        if tip:
            git.ensure_excluded(self.paths, f"/{COPY_DIR}/")

    def _write_copy(self, path: str, data: bytes, check_same: bool = False) -> None:
        target = self.copy_root / path
        if check_same:  # reading is far cheaper than replacing, on a rebuild most are the same
            try:
                if target.read_bytes() == data:
                    return
            except OSError:
                pass
        write_atomic(target, data, 0o444, durable=False)

    def _remove_copy(self, path: str) -> None:
        (self.copy_root / path).unlink(missing_ok=True)

    def _copy_files(self) -> set[str]:
        """Store-relative paths of the files in the read-only copy (temp files included)."""
        root = self.copy_root / ids.ISSUES_DIR
        if not root.exists():
            return set()
        return {p.relative_to(self.copy_root).as_posix() for p in root.rglob("*") if p.is_file()}

    def rebuild(self, index: Index) -> None:
        with index.writing():
            index.clear()
            self._catch_up(index, self.tip())

    # --- writing ------------------------------------------------------------------------------

    def transact(self, index: Index, fn: Callable[[Snapshot], Change]) -> Change:
        def build(tip: str | None) -> tuple[Change, dict[str, bytes | None]]:
            change = fn(BranchSnapshot(self.objects, tip))
            files = self.change_files(change)
            if tip is None and files:  # the first write creates the store
                settings = {"mode": "branch", "prefix": ids.DEFAULT_PREFIX}
                files[SETTINGS_FILE] = yamlio.emit(settings).encode()
            return change, files

        tip, new, change, files = self._commit_loop(build)
        if new is not None:
            self._after_write(index, tip, new, change, files)
        return change

    def change_files(self, change: Change) -> dict[str, bytes | None]:
        """The files a change writes, by store path."""
        return {ids.issue_path(i.id): i.to_yaml().encode("utf-8") for i in change.issues}

    def _commit_loop(self, build: Callable[[str | None], tuple[Change, dict[str, bytes | None]]]
                     ) -> tuple[str | None, str | None, Change, dict[str, bytes | None]]:
        """Commit what `build(tip)` says on the current tip and move the ref by
        compare-and-swap; a lost race builds again on the new tip. Returns (old tip, new
        commit or None when there was nothing to write, change, files)."""
        for attempt in range(MAX_ATTEMPTS):
            tip = self.tip()
            change, files = build(tip)
            if not files:
                return tip, None, change, files
            new = self.objects.commit_files(tip, files, change.message(), self._author(change))
            if self.objects.cas_ref(REF, new, tip):
                return tip, new, change, files
            self._clear_stale_lock(attempt)
            _backoff(min(0.002 * (attempt + 1), 0.05))
        raise self._gave_up()

    def _gave_up(self) -> Conflict:
        lock = self.stale_lock()
        if lock is not None:
            return Conflict(f"{REF} is locked ({lock} exists); if no gi or git process is "
                            "running, `gi doctor --fix` removes it", lock=str(lock))
        return Conflict(f"could not update {REF}: other writers kept moving it; try again")

    def _after_write(self, index: Index, old: str | None, new: str, change: Change,
                     files: dict[str, bytes | None]) -> None:
        with index.writing():
            if index.meta("token") != old:
                self._catch_up(index, new)
                return
            for i in change.issues:
                path = ids.issue_path(i.id)
                data = files[path]
                assert data is not None
                self._write_copy(path, data)
                i.source = data.decode("utf-8")
                index.put(path, i)
            index.set_meta("token", new)
            git.ensure_excluded(self.paths, f"/{COPY_DIR}/")

    @cached_property
    def _email(self) -> str | None:
        return git.config_get(self.paths, "user.email")

    def _author(self, change: Change) -> tuple[str, str]:
        """Asked of git once per process, not once per compare-and-swap attempt."""
        email = self._email if change.actor else None
        return change.actor, email or f"{change.actor or 'gi'}@issue-facade.invalid"

    def _clear_stale_lock(self, attempt: int) -> None:
        """A writer killed while holding the ref lock leaves `<ref>.lock` behind; a live writer
        holds it for microseconds, so one older than 10 s is debris."""
        if attempt < 5:
            return
        lock = self.paths.commondir / (REF + ".lock")
        try:
            if time.time() - lock.stat().st_mtime > 10:
                os.unlink(lock)
        except FileNotFoundError:
            pass

    def write_settings(self, settings: dict, actor: str) -> None:
        change = Change(op="config", actor=actor, summary="update settings")
        data = yamlio.emit(settings).encode()
        self._commit_loop(lambda tip: (change, {SETTINGS_FILE: data}))

    def stale_lock(self) -> Path | None:
        lock = self.paths.commondir / (REF + ".lock")
        return lock if lock.exists() else None
