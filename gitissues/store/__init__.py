"""The Store: every operation of the CLI and the Python API (SPEC §10), one method each.

It is a thin facade. The store core (`gitissues.store.core`: read fresh, resolve, transact a
change) holds the state; the operations live in their own modules (`edits`, `claims`, `graph`,
`sync`, `activity`, `store.maintenance`), written against the core, and are imported only when
called, so a read loads none of them.
"""

from __future__ import annotations

import os

from gitissues import git
from gitissues.store.core import (
    DEFAULT_LIMIT,
    TREE_SETTINGS,
    ListResult,
    StoreCore,
    detect_mode,
    issue_from_row,
)

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from gitissues.beads import BeadsImport
    from gitissues.leases.held import Held
    from gitissues.leases.model import Lease
    from gitissues.model import Issue

__all__ = ["DEFAULT_LIMIT", "TREE_SETTINGS", "ListResult", "Store", "detect_mode",
           "issue_from_row", "open_store"]


def open_store(path: str | os.PathLike[str] = ".") -> Store:
    """The store of the repository that contains `path`."""
    return Store(git.find_repo(path))


class Store(StoreCore):
    # --- issues (gitissues.edits) -------------------------------------------------------------

    def create(self, title: str, **fields: Any) -> Issue:
        from gitissues import edits

        return edits.create(self, title, **fields)

    def edit(self, ref: str, **fields: Any) -> Issue:
        from gitissues import edits

        return edits.edit(self, ref, **fields)

    def close(self, ref: str, reason: str | None = None, commit: bool = False) -> Issue:
        from gitissues import edits

        return edits.close(self, ref, reason, commit)

    def reopen(self, ref: str, commit: bool = False) -> Issue:
        from gitissues import edits

        return edits.reopen(self, ref, commit)

    def comment(self, ref: str, body: str, commit: bool = False) -> Issue:
        from gitissues import edits

        return edits.comment(self, ref, body, commit)

    def import_issues(self, records: Iterable[tuple[str, Any]]) -> list[Issue]:
        from gitissues import edits

        return edits.import_issues(self, records)

    def import_beads(self, records: Iterable[tuple[str, Any]]) -> BeadsImport:
        from gitissues import beads

        return beads.import_beads(self, records)

    # --- claims and sync (gitissues.claims, gitissues.sync) ------------------------------------

    def claim(self, ref: str, ttl: str | None = None, remote: str | None = None) -> Issue:
        from gitissues import claims

        return claims.claim(self, ref, ttl, remote)

    def claim_next(self, query: Iterable[str] | str = (), ttl: str | None = None,
                   remote: str | None = None) -> Issue:
        from gitissues import claims

        return claims.claim_next(self, query, ttl, remote)

    def release(self, ref: str, remote: str | None = None) -> Issue:
        from gitissues import claims

        return claims.release(self, ref, remote)

    def extend(self, ref: str, ttl: str | None = None, remote: str | None = None) -> Issue:
        from gitissues import claims

        return claims.extend(self, ref, ttl, remote)

    def claims(self, expired: bool = False) -> list[Issue]:
        from gitissues import claims

        return claims.listing(self, expired)

    def sync(self, remote: str | None = None, strategy: str | None = None,
             pull: bool = True, push: bool = True) -> dict[str, Any]:
        from gitissues import sync

        return sync.sync(self, remote, strategy, pull=pull, push=push)

    # --- leases (gitissues.leases) -------------------------------------------------------------

    def lease(self, resource: str, ttl: str | None = None, remote: str | None = None,
              wait: str | None = None, heartbeat: bool | float = False) -> Held:
        """`with store.lease("db-migration", ttl="5m") as held:` holds the lease for the
        block and releases it on leaving, also through an exception; `heartbeat=True` (or
        seconds) keeps extending it from a background thread while the block runs."""
        from gitissues.leases.held import Held

        return Held(self, resource, ttl, remote, wait, heartbeat)

    def acquire_lease(self, resource: str, ttl: str | None = None, remote: str | None = None,
                      wait: str | None = None) -> Lease:
        from gitissues.leases import ops

        return ops.acquire(self, resource, ttl, remote, wait)

    def release_lease(self, resource: str, remote: str | None = None) -> Lease:
        from gitissues.leases import ops

        return ops.release(self, resource, remote)

    def extend_lease(self, resource: str, ttl: str | None = None,
                     remote: str | None = None) -> Lease:
        from gitissues.leases import ops

        return ops.extend(self, resource, ttl, remote)

    def leases(self, expired: bool = False) -> list[Lease]:
        from gitissues.leases import ops

        return ops.listing(self, expired)

    def show_lease(self, resource: str) -> Lease:
        from gitissues.leases import ops

        return ops.show(self, resource)

    # --- the work graph, progress and the activity stream (gitissues.graph, .activity) ------

    def dep_add(self, a: str, b: str) -> Issue:
        from gitissues import graph

        return graph.dep_add(self, a, b)

    def dep_rm(self, a: str, b: str) -> Issue:
        from gitissues import graph

        return graph.dep_rm(self, a, b)

    def ready(self, query: Iterable[str] | str = (), limit: int | None = DEFAULT_LIMIT
              ) -> ListResult:
        if isinstance(query, str):  # one string holds many terms: the parser splits it
            return self.list(f"is:ready {query}", limit)
        return self.list(["is:ready", *query], limit)

    def blocked(self, query: Iterable[str] | str = (), limit: int | None = DEFAULT_LIMIT
                ) -> list[tuple[Issue, list[Issue]]]:
        from gitissues import graph

        return graph.blocked(self, query, limit)

    def progress(self, ref: str, progress: float | None = None, stage: str | None = None,
                 checkpoints: Iterable[str] = ()) -> Issue:
        from gitissues import graph

        return graph.progress(self, ref, progress, stage, list(checkpoints))

    def events(self, since: str | None = None, issue: str | None = None,
               agent: str | None = None) -> list[dict[str, Any]]:
        from gitissues import activity

        return activity.events(self, since=since, issue=issue, agent=agent)

    # --- maintenance --------------------------------------------------------------------------

    def reindex(self) -> int:
        self.backend.rebuild(self.index)  # type: ignore[attr-defined]
        return len(self.index.ids())

    def init(self, mode: str = "branch", prefix: str | None = None) -> dict[str, Any]:
        from gitissues.store.maintenance import init_store

        return init_store(self, mode, prefix)

    def doctor(self, fix: bool = False) -> list[dict[str, Any]]:
        from gitissues.store.doctor import doctor

        return doctor(self, fix)
