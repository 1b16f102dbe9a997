"""Reading a branch-mode store: issue files parsed for the index (a big batch on every core),
the settings file, and the snapshot a change is computed on — the index rows of exactly the
commit the change builds on, with the file's own text only where it is not in gi's layout."""

from __future__ import annotations

import os

from gitissues import ids, yamlio
from gitissues.errors import InvalidData
from gitissues.git import plumbing
from gitissues.model import Issue
from gitissues.store.backend import SETTINGS_FILE
from gitissues.store.index import Index

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from gitissues.git import RepoPaths

PARALLEL_PARSE_AT = 2000


class StaleSnapshot(Exception):
    """The index moved past the commit a change is being computed on: compute it again."""


def _parse(item: tuple[str, bytes]) -> tuple[str, Issue | str]:
    path, data = item
    try:
        issue = Issue.from_yaml(data.decode("utf-8"), path)
    except UnicodeDecodeError as exc:
        return path, f"{path}: not UTF-8 text (byte {exc.start})"
    except InvalidData as exc:
        return path, exc.message
    if ids.id_of_path(path) != issue.id:
        return path, f"{path}: id {issue.id} does not match the file name"
    return path, issue


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


def parse_settings(data: bytes | None) -> dict:
    if not data:
        return {}
    try:
        loaded = yamlio.load_fast(data.decode("utf-8"), SETTINGS_FILE)
    except UnicodeDecodeError:
        raise InvalidData(f"{SETTINGS_FILE}: not UTF-8 text", file=SETTINGS_FILE) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise InvalidData(f"{SETTINGS_FILE}: settings must be a mapping", file=SETTINGS_FILE)
    return loaded


class BranchSnapshot:
    """The store at commit `tip`, read from the index (which must reflect exactly `tip`)."""

    def __init__(self, paths: RepoPaths, index: Index, tip: str | None, settings: dict) -> None:
        self.paths, self.index, self.tip, self._settings = paths, index, tip, settings

    def _read(self, read: Callable[[Index], Any]) -> Any:
        """`read(index)` inside one read transaction of an index that reflects `tip`."""
        with self.index.reading():
            if self.index.meta("token") != self.tip:
                raise StaleSnapshot
            return read(self.index)

    def _row(self, issue_id: str) -> tuple[dict, str | None] | None:
        return self._read(lambda index: index.get_with_stamp(issue_id))

    def get(self, issue_id: str) -> Issue | None:
        found = self._row(issue_id)
        if found is None:
            return None
        data, blob = found
        path = data.pop("path")
        issue = Issue.from_dict(data, path)
        if _blob_of(issue) != blob:
            # not a file in gi's own layout (hand-written, or from an older gi): edit the real
            # text, round trip, so that its comments and formatting survive
            from gitissues.git import commits

            raw = commits.read_path(self.paths, self.tip, path)
            if raw is None:
                raise StaleSnapshot
            issue = Issue.from_yaml(raw.decode("utf-8"), path)
        issue.path = path
        return issue

    def exists(self, issue_id: str) -> bool:
        return self._row(issue_id) is not None

    def mapped(self, bridge: str, keys: list[str]) -> dict[str, str]:
        return self._read(lambda index: index.mapped(bridge, keys))

    def settings(self) -> dict:
        return self._settings

    def files(self, folder: str) -> dict[str, bytes]:
        """The files directly in `folder` (from the store's root) at the snapshot's commit:
        the few files that are not issues (leases), read without the index."""
        return read_folder(self.paths, self.tip, folder)


def read_folder(paths: RepoPaths, commit: str | None, folder: str) -> dict[str, bytes]:
    """{path: bytes} of the files directly in `folder` at `commit`, read in-process."""
    from gitissues.git import commits
    from gitissues.git.objects import ObjectStore

    if commit is None:
        return {}
    with ObjectStore(paths) as store:
        oid = commits.parse_commit(store.read(commit)[1]).tree
        for name in folder.split("/"):
            kind, data = store.read(oid)
            entry = next((e for e in commits.parse_tree(data) if e.name == name),
                         None) if kind == "tree" else None
            if entry is None or not commits.is_tree(entry.mode):
                return {}
            oid = entry.oid
        out = {}
        for e in commits.parse_tree(store.read(oid)[1]):
            if not commits.is_tree(e.mode):
                kind, blob = store.read(e.oid)
                if kind == "blob":
                    out[f"{folder}/{e.name}"] = blob
        return out


def _blob_of(issue: Issue) -> str | None:
    """The blob id the file would have in gi's own layout (None: it cannot be written)."""
    try:
        return plumbing.blob_oid(issue.to_yaml().encode("utf-8"))
    except (UnicodeError, InvalidData):
        return None
