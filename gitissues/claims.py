"""Claims (SPEC §6): exclusive work on an issue, as a compare-and-swap commit on the store ref,
and across clones as a push that the shared remote accepts for exactly one claimant.

Every decision (is it free? who holds it?) is made inside the change function, so it is made
again on the new tip whenever a race is lost.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from gitissues import timeutil
from gitissues.errors import Conflict, NotFound, UsageError
from gitissues.model import Claim, Issue
from gitissues.store.backend import REF, Change

if TYPE_CHECKING:
    from gitissues.store import Store
    from gitissues.store.backend import Snapshot

DEFAULT_TTL = "30m"


def _ttl(store: Store, ttl: str | None) -> timedelta:
    claims = store._settings_or_empty().get("claims") or {}
    default = claims.get("ttl") if isinstance(claims, dict) else None
    return timeutil.parse_duration(ttl or str(default or DEFAULT_TTL))


def _remote(store: Store, remote: str | None) -> str | None:
    """The remote that arbitrates claims: `--remote [NAME]`, else config `claims.remote`."""
    if remote is not None:
        from gitissues.sync import remote_name

        return remote_name(store, remote or None)
    claims = store._settings_or_empty().get("claims") or {}
    configured = claims.get("remote") if isinstance(claims, dict) else None
    return str(configured) if configured else None


def _take(issue: Issue, agent: str, ttl: timedelta) -> str:
    """Claim `issue` for `agent` or explain who holds it; the same agent extends."""
    now = timeutil.now()
    now_s = timeutil.format_time(now)
    if issue.status == "closed":
        raise Conflict(f"{issue.id} is closed; reopen it before claiming", id=issue.id)
    live = issue.live_claim(now_s)
    expires = timeutil.format_time(now + ttl)
    if live and live.agent != agent:
        raise Conflict(f"{issue.id} is claimed by {live.agent} until {live.expires_at}",
                       id=issue.id, holder=live.agent, expires_at=live.expires_at)
    issue.updated = now_s
    if live:
        live.expires_at = max(live.expires_at, expires)
        return f"extend claim to {live.expires_at}"
    issue.claim = Claim(agent=agent, claimed_at=now_s, expires_at=expires)
    issue.status = "in_progress"
    if agent not in issue.assignees:
        issue.assignees.append(agent)
    return f"claimed by {agent} until {expires}"


def _ready_in(snap: Snapshot, issue: Issue, now: str) -> bool:
    if issue.status == "closed" or issue.live_claim(now):
        return False
    if issue.status not in ("open", "in_progress") or (
            issue.status == "in_progress" and issue.claim is None):
        return False
    for dep in issue.depends_on:
        blocker = snap.get(dep)
        if blocker is not None and blocker.status != "closed":
            return False
    return True


def claim(store: Store, ref: str, ttl: str | None, remote: str | None) -> Issue:
    issue_id, span = store.resolve(ref), _ttl(store, ttl)
    agent = store.actor

    def fn(snap: Snapshot) -> Change:
        issue = snap.get(issue_id)
        if issue is None:
            raise NotFound(f"no issue {issue_id}")
        return store._change("claim", _take(issue, agent, span), [issue])

    return _run(store, fn, _remote(store, remote))


def claim_next(store: Store, query: Iterable[str] | str, ttl: str | None,
               remote: str | None) -> Issue:
    """Take the first ready issue (by the `ready` order) in one atomic step."""
    span, agent = _ttl(store, ttl), store.actor
    terms = [query] if isinstance(query, str) else list(query)

    def fn(snap: Snapshot) -> Change:
        now = timeutil.now_str()
        for candidate in store.ready(terms, limit=None).issues:
            issue = snap.get(candidate.id)
            if issue is not None and _ready_in(snap, issue, now):
                return store._change("claim", _take(issue, agent, span), [issue])
        raise NotFound("nothing is ready to claim" + (f" for {' '.join(terms)}" if terms else ""))

    return _run(store, fn, _remote(store, remote))


def release(store: Store, ref: str, remote: str | None) -> Issue:
    issue_id, agent = store.resolve(ref), store.actor

    def fn(snap: Snapshot) -> Change:
        issue = snap.get(issue_id)
        if issue is None:
            raise NotFound(f"no issue {issue_id}")
        now = timeutil.now_str()
        live = issue.live_claim(now)
        if live and live.agent != agent:
            raise Conflict(f"{issue_id} is claimed by {live.agent}, not {agent}",
                           id=issue_id, holder=live.agent)
        if issue.claim is None:
            return store._change("release", "not claimed", [])
        issue.claim = None
        issue.updated = now
        if issue.status == "in_progress":
            issue.status = "open"
        return store._change("release", f"released by {agent}", [issue])

    return _run(store, fn, _remote(store, remote), issue_id)


def extend(store: Store, ref: str, ttl: str | None, remote: str | None) -> Issue:
    issue_id, agent, span = store.resolve(ref), store.actor, _ttl(store, ttl)

    def fn(snap: Snapshot) -> Change:
        issue = snap.get(issue_id)
        if issue is None:
            raise NotFound(f"no issue {issue_id}")
        if issue.claim is None or issue.claim.agent != agent:
            holder = issue.live_claim(timeutil.now_str())
            raise Conflict(f"{issue_id} is not claimed by {agent}"
                           + (f" (held by {holder.agent})" if holder else ""), id=issue_id)
        return store._change("extend", _take(issue, agent, span), [issue])

    return _run(store, fn, _remote(store, remote))


def listing(store: Store, expired: bool) -> list[Issue]:
    now = timeutil.now_str()
    op = "<=" if expired else ">"
    return [i for i in store.list(["is:open"], limit=None,
                                  extra_where=f"i.claim_agent IS NOT NULL AND "
                                              f"i.claim_expires {op} '{now}'").issues]


def _run(store: Store, fn: Callable[[Snapshot], Change], remote: str | None,
         issue_id: str | None = None) -> Issue:
    """Apply the change locally or through `remote`; a change that wrote nothing (releasing an
    unclaimed issue) answers with the issue as it is."""
    change = store._transact(fn) if remote is None else _through_remote(store, fn, remote)
    if change.issues:
        return store._with_path(change.issues[0])
    if issue_id is None:
        raise NotFound("no issue changed")
    return store.get(issue_id)


def _through_remote(store: Store, fn: Callable[[Snapshot], Change], remote: str) -> Change:
    """Build the change on the remote's tip and push it without force; the remote accepts it
    for exactly one of any racing claimants. Only then is it merged into the local store."""
    from gitissues import sync
    from gitissues.store.branch import BranchSnapshot

    backend: Any = store.backend
    if store.mode != "branch":
        raise UsageError("claims through a remote need the branch store (gi init)")
    for _ in range(sync.MAX_PUSH_ATTEMPTS * 3):
        theirs = sync.fetch(store, remote)
        if theirs is None:  # the remote has no store yet: publish ours first
            sync.sync(store, remote, None)
            theirs = sync.fetch(store, remote)
            if theirs is None:
                raise UsageError(f"{remote} has no issue store and nothing to push")
        sync.merge_remote(store, theirs, None)
        change = fn(BranchSnapshot(backend.objects, theirs))
        if not change.issues:
            return change
        commit = backend.objects.commit_files(theirs, backend.change_files(change),
                                              change.message(),
                                              backend._author(change))
        if sync.push_commit(store, remote, commit):
            sync.merge_remote(store, commit, None)
            return change
        time.sleep(random.uniform(0.01, 0.1))
    raise Conflict(f"{remote} kept moving; could not {REF.split('/')[-1]} claim in time")
