"""Joining the leases of two versions of the store (gi sync, and every claim or lease through a
remote), as claims join: whatever merges, one holder stays.

- A lease file changed on one side takes that side's version (an acquisition, an extension, a
  release).
- Changed on both: the same holder keeps the lease from the earlier start to the later end;
  two holders (each clone leased it while it looked free) keep the later acquisition (then the
  later end, then the larger name), and the other is on record as a `Gi-Conflict` with
  `file` (`merge.conflict_resolved` in `gi log`). A release on one side and a renewal on the
  other keep the lease: it ends by itself, where dropping it could free a resource in use.
- Two different leases that exclude each other (overlapping path patterns) taken on the two
  sides: the stronger by the same order stays, the other is dropped and on record.

Like the rest of a merge it never looks at the clock (an expired lease still counts), and its
result does not depend on which side is ours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gitissues.errors import InvalidData
from gitissues.git import plumbing
from gitissues.leases.model import FOLDER, Lease
from gitissues.leases.patterns import conflict
from gitissues.merge import Conflict as MergeConflict

if TYPE_CHECKING:
    from gitissues.git import RepoPaths

OURS, THEIRS = "ours", "theirs"


def _strength(lease: Lease) -> tuple[str, str, str, str]:
    return (lease.acquired_at, lease.expires_at, lease.holder, lease.resource)


def _folder_tree(paths: RepoPaths, commit: str | None) -> str | None:
    """The tree id of `leases/` at `commit`, read in-process (None: no such folder)."""
    from gitissues.git import commits
    from gitissues.git.objects import ObjectStore

    if commit is None:
        return None
    with ObjectStore(paths) as store:
        tree = commits.parse_commit(store.read(commit)[1]).tree
        return next((e.oid for e in commits.parse_tree(store.read(tree)[1])
                     if e.name == FOLDER), None)


def _decode(data: bytes | None, path: str) -> Lease | None:
    try:
        return Lease.decode(data, path) if data is not None else None
    except InvalidData:
        return None


def _join(a: Lease, b: Lease) -> tuple[Lease, Lease | None]:
    """One lease from two versions of the same file: (the result, the version it lost)."""
    if a.holder == b.holder:
        return Lease(a.resource, a.holder, min(a.acquired_at, b.acquired_at),
                     max(a.expires_at, b.expires_at)), None
    return (a, b) if _strength(a) > _strength(b) else (b, a)


def merge_leases(paths: RepoPaths, base: str | None, ours: str, theirs: str
                 ) -> tuple[dict[str, Any], list[MergeConflict]]:
    """The changes to make to `ours`' lease files ({path: bytes, (blob,) or None}), and the
    conflicts resolved on the way."""
    at = {c: _folder_tree(paths, c) for c in (base, ours, theirs)}
    if at[theirs] in (at[base], at[ours]):
        return {}, []  # nothing new there (or the very same leases)

    def changed(tip: str) -> dict[str, str | None]:
        if base is None:
            return dict(plumbing.ls_tree(paths, tip, FOLDER))
        return plumbing.diff_tree(paths, base, tip, FOLDER)

    mine, other = changed(ours), changed(theirs)
    blobs = plumbing.read_objects(paths, [b for b in (*mine.values(), *other.values()) if b])
    final: dict[str, Lease | None] = {}
    sides: dict[str, set[str]] = {}
    chosen: dict[str, Any] = {}  # path → what to write, where ours must change
    conflicts: list[MergeConflict] = []
    for path in sorted(mine.keys() | other.keys()):
        my_blob, their_blob = mine.get(path, ""), other.get(path, "")
        sides[path] = {s for s, b in ((OURS, my_blob), (THEIRS, their_blob)) if b != ""}
        a = _decode(blobs.get(my_blob) if my_blob else None, path)
        b = _decode(blobs.get(their_blob) if their_blob else None, path)
        if their_blob == "" or my_blob == their_blob:
            final[path] = a
        elif my_blob == "":
            final[path], chosen[path] = b, (their_blob,) if their_blob else None
        elif a is None or b is None:  # deleted (or unreadable) on one side: the lease stays
            final[path] = a or b
            if a is None and b is not None:
                chosen[path] = (their_blob,)
        else:
            joined, lost = _join(a, b)
            final[path] = joined
            if lost is not None:
                conflicts.append(MergeConflict(None, "lease", joined.to_json(), lost.to_json(),
                                               path))
            if joined == b and joined != a:
                chosen[path] = (their_blob,)
            elif joined != a:
                chosen[path] = joined.encode()
    for path in _rivals_dropped(final, sides, conflicts):
        chosen[path] = None
    return chosen, conflicts


def _rivals_dropped(final: dict[str, Lease | None], sides: dict[str, set[str]],
                    conflicts: list[MergeConflict]) -> list[str]:
    """Leases taken on opposite sides that exclude each other: from the strongest down, each
    stays unless a stronger one that stays excludes it. The paths dropped."""
    kept: list[str] = []
    dropped = []
    for path in sorted((p for p, x in final.items() if x is not None),
                       key=lambda p: _strength(final[p]), reverse=True):  # type: ignore[arg-type]
        lease = final[path]
        assert lease is not None
        winner = next((k for k in kept if final[k].holder != lease.holder  # type: ignore[union-attr]
                       and not (sides[k] == sides[path] and len(sides[k]) == 1)
                       and conflict(final[k].resource, lease.resource)), None)  # type: ignore[union-attr]
        if winner is None:
            kept.append(path)
            continue
        dropped.append(path)
        conflicts.append(MergeConflict(None, "lease", final[winner].to_json(),  # type: ignore[union-attr]
                                       lease.to_json(), path))
    return dropped
