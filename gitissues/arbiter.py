"""The shared remote as arbiter, sharded (SPEC §6, issue 15).

Pushing every claim to the one store branch makes N agents on N clones contend for one ref:
each lost push means fetch, merge and decide again, so 32 agents drain a queue no faster than
one. Here the decision is a small commit on one of 256 arbiter refs on the remote
(`refs/issue-facade/arbiter/claims/<2 hex of the id's SHA-1>`), holding one record file per
claimed issue; it moves only by a non-forced push, so for each ref the remote accepts exactly
one of the pushes computed from the same tip — exactly one claimant of an issue wins, while
claims of issues in different shards never meet. The store branch then records the claim (a
commit, as before) and is published with ordinary merges: it no longer decides anything, so a
lost push there costs a merge, never a decision.

A record: `{"issue", "agent", "claimed_at", "expires_at"}`; a released claim's file is removed.
Leases use the same machinery (`swap_files`): a name's lease on `leases/<2 hex of its SHA-1>`,
every path lease on `leases/paths` (overlapping patterns must meet on one ref), each shard
holding the lease files as the store does (`leases/<kind>-<sha1>.yaml`).
"""

from __future__ import annotations

import json
import random
import time

from gitissues import git
from gitissues.errors import Conflict
from gitissues.git import commits, transport

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from gitissues.git.objects import ObjectStore
    from gitissues.store.core import StoreCore

    Record = dict[str, str]
    Decide = Callable[[Record | None], Record | None]

ATTEMPTS = 60


def shard(kind: str, key: str) -> str:
    """The arbiter ref of `kind` (claims, leases) that decides `key`: one of 256."""
    from gitissues.ids import sha1_hex

    return f"{kind}/{sha1_hex(key.encode('utf-8', 'surrogateescape'))[:2]}"


def _name(issue_id: str) -> str:
    return f"{issue_id}.json"


class Arbiter:
    """The arbiter refs of `remote` as this clone last fetched them, and the compare-and-swap
    that moves one of them."""

    def __init__(self, store: StoreCore, remote: str) -> None:
        self.store, self.remote, self.paths = store, remote, store.paths
        self.local = transport.arbiter_tracking(remote)
        self._objects: ObjectStore | None = None

    def _read(self, tip: str | None, name: str) -> Record | None:
        """A record at `tip` (one object store for every read: `claim --next` reads many)."""
        from gitissues.git.objects import ObjectStore

        if self._objects is None:
            self._objects = ObjectStore(self.paths)
        return _decode(commits.read_path(self.paths, tip, name, self._objects))

    def fetch(self) -> str | None:
        """Fetch the remote's store branch and every arbiter ref in one go; the remote's store
        commit (None: it has no store)."""
        from gitissues import sync

        return sync.fetch(self.store, self.remote, arbiters=True)

    def record(self, issue_id: str) -> Record | None:
        """The issue's claim record as last fetched (None: no record)."""
        return self._read(git.read_ref(self.paths, self.local + shard("claims", issue_id)),
                          _name(issue_id))

    def swap(self, issue_id: str, decide: Decide, what: str) -> Record | None:
        """Replace the issue's claim record by `decide(current)` (None: remove it); `decide`
        raises to refuse. Returns what the remote holds now."""
        name = _name(issue_id)
        held: list[Record | None] = []

        def change(tip: str | None) -> dict[str, bytes | None]:
            current = self._read(tip, name)
            wanted = decide(current)
            held.append(wanted)
            if wanted == current:
                return {}
            return {name: None if wanted is None else
                    (json.dumps(wanted, sort_keys=True) + "\n").encode()}

        self.swap_files(shard("claims", issue_id), change, f"gi: {what} {issue_id}")
        return held[-1]

    def files(self, tip: str | None, folder: str) -> dict[str, bytes]:
        """{path: bytes} of the files directly in `folder` of a shard's commit `tip`."""
        from gitissues.store.branch_read import read_folder

        return read_folder(self.paths, tip, folder)

    def swap_files(self, shard: str, change: Callable[[str | None], dict[str, bytes | None]],
                   message: str) -> None:
        """Commit `change(tip)` — files to write or remove, computed on the shard's tip as
        last fetched; nothing: no commit — onto the shard and push it without force; a push
        that lost to another move of the shard fetches it and computes again. `change`
        raises to refuse."""
        track = self.local + shard
        for _ in range(ATTEMPTS):
            tip = git.read_ref(self.paths, track)
            files = change(tip)
            if not files:
                return
            commit = commits.write_commit(self.paths, tip, files, message,
                                          self.store.backend.author_of(self.store.actor))
            if transport.push(self.paths, self.remote, commit, transport.ARBITER + shard,
                              track).ok:
                return
            self._refetch(shard)
            time.sleep(random.uniform(0.0, 0.03))
        raise Conflict(f"{self.remote} kept moving; could not {message.removeprefix('gi: ')} "
                       "in time", remote=self.remote)

    def _refetch(self, shard: str) -> None:
        """The shard as the remote has it now; another agent of this clone fetching it at the
        same moment leaves it as fresh as ours would."""
        from gitissues.errors import RemoteError

        try:
            transport.fetch_ref(self.paths, self.remote, transport.ARBITER + shard,
                                self.local + shard)
        except RemoteError as exc:
            if "lock" not in exc.message.lower():
                raise


def _decode(data: bytes | None) -> Record | None:
    """A record file's content; one that does not parse counts as no record (it cannot be
    honoured, and the next claim writes a good one over it)."""
    if data is None:
        return None
    try:
        value = json.loads(data)
    except ValueError:
        return None
    if not isinstance(value, dict) or not all(
            isinstance(value.get(k), str) for k in ("agent", "claimed_at", "expires_at")):
        return None
    return value
