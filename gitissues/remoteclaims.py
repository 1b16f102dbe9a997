"""Claims through a remote (SPEC §6): the remote's sharded arbiter refs decide
(gitissues.arbiter), the store branch records.

1. One fetch brings the remote's store and arbiter refs; the store is merged in (so an issue
   created on another clone can be claimed, and one created here travels with the claim).
2. The decision is a non-forced push of the issue's shard: exactly one claimant wins; a loser
   decides again on the shard as it is now (exit 4 naming the holder, or — `--next` — the
   next ready issue).
3. The winner records the claim on its store branch (a compare-and-swap commit, as a local
   claim) and publishes the store with one push; if the remote moved meanwhile, the next claim
   or `gi sync` of this clone publishes it: the claim already holds at the arbiter, so nothing
   is decided on the store branch.

If the process dies after the arbiter took its claim, the claim holds at the arbiter until it
expires: other claimants get exit 4 naming the holder, and the same agent claiming again
extends it and records it.
"""

from __future__ import annotations

import random

from gitissues import testhooks, timeutil
from gitissues.errors import Conflict, NotFound, UsageError, claimed
from gitissues.model import Claim

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import timedelta

    from gitissues.arbiter import Arbiter, Record
    from gitissues.model import Issue
    from gitissues.store.core import StoreCore

SPREAD = 16  # claim --next: the free issues of the top priority it picks among


def arbiter_for(store: StoreCore, remote: str, what: str = "claim") -> Arbiter:
    """The remote's arbiter, fetched, with the remote's store merged into ours."""
    from gitissues import sync
    from gitissues.arbiter import Arbiter

    if store.mode != "branch":
        raise UsageError(f"{what}s through a remote need the branch store (gi init)")
    arbiter = Arbiter(store, remote)
    theirs = arbiter.fetch()
    if theirs is None:  # the remote has no store yet: publish ours first
        sync.sync(store, remote, None)
        theirs = arbiter.fetch()
        if theirs is None:
            raise UsageError(f"{remote} has no issue store and nothing to push")
    sync.merge_remote(store, theirs, None)
    return arbiter


def grant(issue: Issue, record: dict[str, str]) -> str:
    """Set on `issue` the claim the remote's arbiter granted: the arbiter decided, so a claim
    the store still shows for someone else is undone."""
    agent, expires = record["agent"], record["expires_at"]
    issue.updated = timeutil.now_str()
    if issue.claim is not None and issue.claim.agent == agent:
        issue.claim.expires_at = expires
        return f"extend claim to {expires}"
    issue.drop_claim()
    assigned = agent not in issue.assignees
    if assigned:
        issue.assignees.append(agent)
    issue.claim = Claim(agent=agent, claimed_at=record["claimed_at"], expires_at=expires,
                        assigned=assigned)
    issue.status = "in_progress"
    return f"claimed by {agent} until {expires}"


def _holder(record: Record | None, now: str) -> str | None:
    return record["agent"] if record and record["expires_at"] > now else None


def _taker(store: StoreCore, issue_id: str, agent: str, span: timedelta
           ) -> Callable[[Record | None], Record | None]:
    """Decide a claim on the arbiter's current record: refused (exit 4) while another agent's
    claim is live there — or on the store, when the store's claim is the newer one (a claim
    made without the remote); the same agent extends."""
    def decide(current: Record | None) -> Record | None:
        now = timeutil.now()
        now_s, expires = timeutil.format_time(now), timeutil.format_time(now + span)
        issue = store.get(issue_id)
        if issue.status == "closed":
            raise Conflict(f"{issue_id} is closed; reopen it before claiming", id=issue_id)
        holder = _holder(current, now_s)
        if holder and holder != agent:
            assert current is not None
            raise claimed(issue_id, holder, current["expires_at"])
        live = issue.live_claim(now_s)
        if live and live.agent != agent and (
                current is None or current["claimed_at"] < live.claimed_at):
            raise claimed(issue_id, live.agent, live.expires_at)
        if holder == agent and current is not None:
            return {**current, "expires_at": max(current["expires_at"], expires)}
        return {"issue": issue_id, "agent": agent, "claimed_at": now_s, "expires_at": expires}

    return decide


def _record(store: StoreCore, arbiter: Arbiter, issue_id: str, record: Record | None,
            op: str) -> Issue:
    """Write what the arbiter granted onto the store branch, then publish the store."""
    assert record is not None
    testhooks.die("AFTER_REMOTE_ACCEPT")

    def fn(snap):  # noqa: ANN001, ANN202
        issue = snap.get(issue_id)
        if issue is None:
            raise NotFound(f"no issue {issue_id}")
        return store.change(op, grant(issue, record), [issue])

    change = store.transact(fn)
    publish(store, arbiter.remote)
    return store.with_path(change.issues[0])


def publish(store: StoreCore, remote: str) -> bool:
    """Push the store branch as it is: it holds the remote's store as of this command's fetch,
    so the push is a fast-forward unless someone published meanwhile. False then: the next
    claim or sync of this clone publishes it. The claim already holds at the arbiter, and a
    fetch, merge and push again here made every claimant wait for the others (measured at 8
    clones x 4 agents: 2.0 s a claim for that step, against 0.2 s for one push)."""
    from gitissues import sync

    tip = store.backend.tip()
    return tip is None or sync.push_commit(store, remote, tip)


def claim(store: StoreCore, ref: str, span: timedelta, remote: str) -> Issue:
    arbiter = arbiter_for(store, remote)
    issue_id = store.resolve(ref)
    record = arbiter.swap(issue_id, _taker(store, issue_id, store.actor, span), "claim")
    return _record(store, arbiter, issue_id, record, "claim")


def claim_next(store: StoreCore, candidates: Callable[[], Iterable[Issue]], span: timedelta,
               remote: str, nothing: str) -> Issue:
    """A ready issue of the first ready one's priority that the arbiter lets this agent take,
    picked at random among the first few such (SPREAD): agents that all went for the oldest
    would meet at every issue, each meeting a lost push for all but one of them. Issues that
    others hold at the arbiter (their store records may not have arrived yet) are passed over;
    an issue that another agent took meanwhile sends this one to the rest."""
    arbiter = arbiter_for(store, remote)
    agent = store.actor
    tried: set[str] = set()
    while True:
        now, pool, priority = timeutil.now_str(), [], None
        for candidate in candidates():
            if candidate.id in tried or _holder(arbiter.record(candidate.id), now) not in (
                    None, agent):
                continue
            if priority is None:
                priority = candidate.priority
            if candidate.priority != priority or len(pool) == SPREAD:
                break
            pool.append(candidate.id)
        if not pool:
            raise NotFound(nothing)
        issue_id = random.choice(pool)
        tried.add(issue_id)
        try:
            record = arbiter.swap(issue_id, _taker(store, issue_id, agent, span), "claim")
        except Conflict:
            continue  # another agent got there first (or it was closed): another one
        return _record(store, arbiter, issue_id, record, "claim")


def release(store: StoreCore, ref: str, remote: str) -> str:
    """Take the record off the arbiter (refused while another agent's claim is live there);
    the issue's id, for the store's release (gitissues.claims) and `publish` after it."""
    arbiter = arbiter_for(store, remote)
    issue_id, agent = store.resolve(ref), store.actor

    def decide(current: Record | None) -> Record | None:
        holder = _holder(current, timeutil.now_str())
        if holder and holder != agent:
            raise Conflict(f"{issue_id} is claimed by {holder}, not {agent}", id=issue_id,
                           holder=holder)
        return None

    arbiter.swap(issue_id, decide, "release")
    return issue_id


def extend(store: StoreCore, ref: str, span: timedelta, remote: str) -> Issue:
    """Prolong this agent's claim at the arbiter by `span` from now, then on the store."""
    arbiter = arbiter_for(store, remote)
    issue_id, agent = store.resolve(ref), store.actor

    def decide(current: Record | None) -> Record | None:
        now = timeutil.now()
        now_s = timeutil.format_time(now)
        holder = _holder(current, now_s)
        other = holder if holder != agent else None
        if other is None and holder is None:
            other = _taken(store, issue_id, agent, now_s)  # a claim made without the remote
        if current is None or current["agent"] != agent or other:
            raise Conflict(f"{issue_id} is not claimed by {agent}"
                           + (f" (held by {other})" if other else ""), id=issue_id)
        return {**current, "expires_at": timeutil.format_time(now + span)}

    return _record(store, arbiter, issue_id, arbiter.swap(issue_id, decide, "extend"), "extend")


def _taken(store: StoreCore, issue_id: str, agent: str, now: str) -> str | None:
    """Another agent's live claim on the store (one made without the remote)."""
    live = store.get(issue_id).live_claim(now)
    return live.agent if live and live.agent != agent else None
