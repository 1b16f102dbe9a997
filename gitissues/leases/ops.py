"""Leases (SPEC §12): exclusive use of any resource, with the semantics of claims (§6).

A lease is one compare-and-swap commit on the store that writes (or removes) the resource's
file under `leases/`. Every decision — is it free, does it overlap a live lease of another
agent, who holds it — is made inside the change function, so it is made again on the new tip
whenever a race is lost; through a remote, the decision is made the same way on the lease's
shard of the remote's arbiter refs and pushed without force, exactly as a claim's
(gitissues.arbiter), so of N agents on any number of clones exactly one gets it, and leases of
different names never meet on one ref.
"""

from __future__ import annotations

import random
import time

from gitissues import testhooks, timeutil
from gitissues.errors import Conflict, NotFound
from gitissues.leases.model import FOLDER, Lease, lease_path, parse_all
from gitissues.leases.patterns import check_resource, conflict, is_path, matches

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import timedelta
    from typing import Any

    from gitissues.store.backend import Change, Snapshot
    from gitissues.store.core import StoreCore

DEFAULT_TTL = "10m"
PRUNE_AFTER = 3600  # seconds after its expiry that a lease file is removed by the next lease
WAIT_STEP = (0.05, 1.0)  # --wait: the first pause between attempts, and the longest


def _setting(store: StoreCore, key: str) -> Any:
    leases = store.settings().get("leases") or {}
    return leases.get(key) if isinstance(leases, dict) else None


def ttl_of(store: StoreCore, ttl: str | None) -> timedelta:
    return timeutil.parse_duration(ttl or str(_setting(store, "ttl") or DEFAULT_TTL))


def remote_of(store: StoreCore, remote: str | None) -> str | None:
    """The remote that arbitrates: `--remote NAME`; bare `--remote` (""): `leases.remote`,
    else the claims' remote (`claims.remote`, else origin); nothing: `leases.remote` or none.
    A value from the settings must name a configured remote."""
    configured = _setting(store, "remote")
    if remote is None and not configured:
        return None
    from gitissues import sync
    from gitissues.git import transport

    if remote:
        return sync.remote_name(store, remote)
    if configured:
        return transport.check_remote(store.paths, str(configured), setting="leases.remote")
    return sync.remote_name(store, None)


def held_by_other(resource: str, lease: Lease) -> Conflict:
    """Exit 4 naming the holder and the expiry (and the lease, when another overlaps)."""
    what = (f"{resource} is leased" if lease.resource == resource
            else f"{resource} overlaps the lease on {lease.resource}, held")
    return Conflict(f"{what} by {lease.holder} until {lease.expires_at}", resource=resource,
                    lease=lease.resource, holder=lease.holder, expires_at=lease.expires_at)


# --- the changes ------------------------------------------------------------------------------

def _take(store: StoreCore, snap: Snapshot, resource: str, span: timedelta,
          must_hold: bool = False) -> tuple[Change, Lease]:
    """Acquire (or, held already, extend) the lease on `resource` at this snapshot. Leases
    that expired long ago leave in the same commit."""
    agent, now = store.actor, timeutil.now()
    now_s = timeutil.format_time(now)
    leases, _ = parse_all(snap.files(FOLDER))
    target = lease_path(resource)
    old = leases.get(target)
    if must_hold and (old is None or old.holder != agent):
        if old is not None and old.live(now_s):
            raise Conflict(f"{resource} is leased by {old.holder} until {old.expires_at}, not "
                           f"by {agent}", resource=resource, lease=resource,
                           holder=old.holder, expires_at=old.expires_at)
        raise NotFound(f"{agent} holds no lease on {resource}", resource=resource)
    for path, lease in leases.items():
        if lease.holder != agent and lease.live(now_s) and (
                path == target or conflict(resource, lease.resource)):
            raise held_by_other(resource, lease)
    expires = timeutil.format_time(now + span)
    if old is not None and old.holder == agent and old.live(now_s):
        new = Lease(resource, agent, old.acquired_at, max(old.expires_at, expires))
        op = "lease.extend"
    else:
        new = Lease(resource, agent, now_s, expires)
        op = "lease.acquire"
    change = store.change(op, f"{resource} by {agent} until {new.expires_at}", [])
    change.files[target] = new.encode()
    cutoff = timeutil.format_time(now - timeutil.timedelta(seconds=PRUNE_AFTER))
    for path, lease in leases.items():
        if path != target and lease.expires_at <= cutoff:
            change.files[path] = None
    return change, new


def _give_back(store: StoreCore, snap: Snapshot, resource: str) -> tuple[Change, Lease]:
    agent, now_s = store.actor, timeutil.now_str()
    leases, _ = parse_all(snap.files(FOLDER))
    target = lease_path(resource)
    old = leases.get(target)
    if old is None:
        raise NotFound(f"no lease on {resource}", resource=resource)
    if old.holder != agent and old.live(now_s):
        raise Conflict(f"{resource} is leased by {old.holder} until {old.expires_at}, not by "
                       f"{agent}", resource=resource, lease=resource, holder=old.holder,
                       expires_at=old.expires_at)
    change = store.change("lease.release", f"{resource} released by {agent}", [])
    change.files[target] = None
    return change, old


def _apply(store: StoreCore, resource: str,
           compute: Callable[[Snapshot], tuple[Change, Lease]], remote: str | None) -> Lease:
    """Commit the change `compute` makes, locally or through `remote`; the lease it names."""
    made: list[Lease] = []

    def fn(snap: Snapshot) -> Change:
        change, lease = compute(snap)
        made.append(lease)
        return change

    if remote is None:
        store.transact(fn)
        return made[-1]
    if not store.backend.initialized():
        store.init()  # type: ignore[attr-defined]  # the facade's; a lease may come first
    return _through_arbiter(store, resource, compute, remote)


def _through_arbiter(store: StoreCore, resource: str,
                     compute: Callable[[Snapshot], tuple[Change, Lease]], remote: str) -> Lease:
    """Decide on the lease's shard of the remote's arbiter refs (gitissues.arbiter), whose
    lease files are the only ones seen: exactly one of the agents racing for a resource (or for
    overlapping paths, which all meet on one shard) wins; then the same files are written on
    the store branch, which is published as a claim's is."""
    from gitissues import remoteclaims

    arbiter = remoteclaims.arbiter_for(store, remote, "lease")
    made: list[tuple[Change, Lease]] = []

    def change(tip: str | None) -> dict[str, bytes | None]:
        made.append(compute(_Shard(arbiter.files(tip, FOLDER))))
        return made[-1][0].files

    arbiter.swap_files(shard_of(resource), change, f"gi: lease {resource}")
    testhooks.die("AFTER_REMOTE_ACCEPT")
    decision, lease = made[-1]
    store.transact(lambda snap: decision)
    remoteclaims.publish(store, remote)
    return lease


class _Shard:
    """What a lease decision reads (`Snapshot.files`), from an arbiter shard's files."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self._files = files

    def files(self, folder: str) -> dict[str, bytes]:
        return self._files if folder == FOLDER else {}


def shard_of(resource: str) -> str:
    """Every path lease on one shard (overlapping patterns must meet), a name on its own."""
    from gitissues.arbiter import shard

    return "leases/paths" if is_path(resource) else shard("leases", resource)


# --- the operations -----------------------------------------------------------------------------

def acquire(store: StoreCore, resource: str, ttl: str | None = None,
            remote: str | None = None, wait: str | None = None,
            on_wait: Callable[[Conflict], None] | None = None) -> Lease:
    """Take the lease (the holder taking it again extends it). With `wait`, a lease held by
    another agent is tried again, pausing longer each time, until it is free or `wait` has
    passed; `on_wait` hears of the first refusal."""
    check_resource(resource)
    span, arbiter = ttl_of(store, ttl), remote_of(store, remote)
    deadline = None if wait is None else (
        time.monotonic() + timeutil.parse_duration(wait).total_seconds())
    pause = WAIT_STEP[0]
    while True:
        try:
            return _apply(store, resource, lambda snap: _take(store, snap, resource, span),
                          arbiter)
        except Conflict as exc:
            left = None if deadline is None else deadline - time.monotonic()
            if left is None or "holder" not in exc.details:
                raise
            if left <= 0:
                raise Conflict(f"{exc.message} (waited {wait})", **exc.details) from None
            if on_wait is not None and pause == WAIT_STEP[0]:
                on_wait(exc)
            time.sleep(min(left, pause * random.uniform(0.5, 1.5)))
            pause = min(pause * 2, WAIT_STEP[1])


def extend(store: StoreCore, resource: str, ttl: str | None = None,
           remote: str | None = None) -> Lease:
    """Prolong a lease this agent holds (exit 3 when it holds none, 4 when another does)."""
    check_resource(resource)
    span = ttl_of(store, ttl)
    return _apply(store, resource,
                  lambda snap: _take(store, snap, resource, span, must_hold=True),
                  remote_of(store, remote))


def release(store: StoreCore, resource: str, remote: str | None = None) -> Lease:
    """Give the lease back; the lease as it was. An expired lease anyone may clear."""
    check_resource(resource)
    return _apply(store, resource, lambda snap: _give_back(store, snap, resource),
                  remote_of(store, remote))


def current(store: StoreCore) -> tuple[list[Lease], list[str]]:
    """Every lease in the store (live or not), by resource, and warnings for unreadable files."""
    leases, warnings = parse_all(store.backend.files(FOLDER))  # type: ignore[attr-defined]
    return sorted(leases.values(), key=lambda x: x.resource), warnings


def listing(store: StoreCore, expired: bool = False, warnings: list[str] | None = None
            ) -> list[Lease]:
    """Live (or expired) leases; unreadable lease files are named in `warnings`."""
    now = timeutil.now_str()
    leases, bad = current(store)
    if warnings is not None:
        warnings += bad
    return [x for x in leases if x.live(now) != expired]


def show(store: StoreCore, resource: str) -> Lease:
    """The lease on exactly `resource` (expired or not); exit 3 when there is none."""
    check_resource(resource)
    for lease in current(store)[0]:
        if lease.resource == resource:
            return lease
    raise NotFound(f"no lease on {resource}", resource=resource)


def blocking(store: StoreCore, paths: Iterable[str]) -> list[tuple[str, Lease]]:
    """(path, lease) for each path that a live path lease of another agent covers."""
    now, agent = timeutil.now_str(), store.actor
    leases = [x for x in current(store)[0]
              if is_path(x.resource) and x.live(now) and x.holder != agent]
    return [(p, lease) for p in paths for lease in leases if matches(lease.resource, p)]
