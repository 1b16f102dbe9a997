"""Claims (SPEC §6): exclusive work on an issue, as a compare-and-swap commit on the store ref,
and across clones as a push that the shared remote accepts for exactly one claimant.

Every decision (is it free? who holds it?) is made inside the change function, so it is made
again on the new tip whenever a race is lost. Through a remote, the remote's sharded arbiter
refs decide and the store records (gitissues.remoteclaims).
"""

from __future__ import annotations

from gitissues import timeutil
from gitissues.errors import Conflict, NotFound, claimed
from gitissues.model import Claim, Issue

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import timedelta
    from typing import Any

    from gitissues.store.backend import Change, Snapshot
    from gitissues.store.core import StoreCore

    ChangeFn = Callable[[Snapshot], Change]

DEFAULT_TTL = "30m"
NEXT_CANDIDATES = 16  # ready issues claim --next reads before it reads them all



def _setting(store: StoreCore, key: str) -> Any:
    claims = store.settings().get("claims") or {}
    return claims.get(key) if isinstance(claims, dict) else None


def _ttl(store: StoreCore, ttl: str | None) -> timedelta:
    return timeutil.parse_duration(ttl or str(_setting(store, "ttl") or DEFAULT_TTL))


def _remote(store: StoreCore, remote: str | None) -> str | None:
    """The remote that arbitrates claims: `--remote [NAME]`, else config `claims.remote`
    (sync, and the merge code it brings, is imported only when there is one)."""
    if remote is None and not _setting(store, "remote"):
        return None
    from gitissues.sync import remote_name

    return remote_name(store, remote or None)


def _take(issue: Issue, agent: str, ttl: timedelta) -> str:
    """Claim `issue` for `agent` or explain who holds it; the same agent extends."""
    now = timeutil.now()
    now_s = timeutil.format_time(now)
    if issue.status == "closed":
        raise Conflict(f"{issue.id} is closed; reopen it before claiming", id=issue.id)
    live = issue.live_claim(now_s)
    expires = timeutil.format_time(now + ttl)
    if live and live.agent != agent:
        raise claimed(issue.id, live.agent, live.expires_at)
    issue.updated = now_s
    if live:
        live.expires_at = max(live.expires_at, expires)
        return f"extend claim to {live.expires_at}"
    issue.drop_claim()  # an expired claim of someone else: undone before ours is taken
    assigned = agent not in issue.assignees
    if assigned:
        issue.assignees.append(agent)
    issue.claim = Claim(agent=agent, claimed_at=now_s, expires_at=expires, assigned=assigned)
    issue.status = "in_progress"
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


def _on_one(store: StoreCore, ref: str, act: Callable[[Issue], Change]) -> Issue:
    """Run `act` on the current version of one issue on this clone's store."""
    def make() -> tuple[ChangeFn, str]:
        issue_id = store.resolve(ref)

        def fn(snap: Snapshot) -> Change:
            issue = snap.get(issue_id)
            if issue is None:
                raise NotFound(f"no issue {issue_id}")
            return act(issue)

        return fn, issue_id

    return _run(store, make)


def claim(store: StoreCore, ref: str, ttl: str | None, remote: str | None) -> Issue:
    span, agent = _ttl(store, ttl), store.actor
    through = _remote(store, remote)
    if through is not None:
        from gitissues import remoteclaims

        return remoteclaims.claim(store, ref, span, through)
    return _on_one(store, ref,
                   lambda issue: store.change("claim", _take(issue, agent, span), [issue]))


def claim_next(store: StoreCore, query: Iterable[str] | str, ttl: str | None,
               remote: str | None) -> Issue:
    """Take the first ready issue (by the `ready` order) in one atomic step."""
    span, agent = _ttl(store, ttl), store.actor
    terms = [query] if isinstance(query, str) else list(query)
    # one string holds many terms: the parser splits it (a list holds one term a word)
    ready: list[str] | str = (f"is:ready {query}" if isinstance(query, str)
                              else ["is:ready", *terms])

    nothing = "nothing is ready to claim" + (f" for {' '.join(terms)}" if any(terms) else "")
    through = _remote(store, remote)
    if through is not None:
        from gitissues import remoteclaims

        return remoteclaims.claim_next(store, lambda: ready_candidates(store, ready), span,
                                       through, nothing)

    def make() -> tuple[ChangeFn, None]:
        def fn(snap: Snapshot) -> Change:
            now = timeutil.now_str()
            for candidate in ready_candidates(store, ready):
                issue = snap.get(candidate.id)
                if issue is not None and _ready_in(snap, issue, now):
                    return store.change("claim", _take(issue, agent, span), [issue])
            raise NotFound(nothing)

        return fn, None

    return _run(store, make)


def ready_candidates(store: StoreCore, terms: list[str] | str) -> Iterable[Issue]:
    """The ready issues in order, the first few read first: the first is nearly always free,
    and reading every ready issue costs ~1 s at 10,000. The rest only if those are all taken."""
    first = store.list(terms, limit=NEXT_CANDIDATES)
    yield from first.issues
    if first.more:
        yield from store.list(terms, limit=None).issues[NEXT_CANDIDATES:]


def release(store: StoreCore, ref: str, remote: str | None) -> Issue:
    through = _remote(store, remote)
    if through is None:
        return release_here(store, ref)
    from gitissues import remoteclaims

    issue = release_here(store, remoteclaims.release(store, ref, through))
    remoteclaims.publish(store, through)
    return issue


def release_here(store: StoreCore, ref: str) -> Issue:
    """Release on this clone's store only (also the second step of a remote release)."""
    agent = store.actor

    def act(issue: Issue) -> Change:
        now = timeutil.now_str()
        live = issue.live_claim(now)
        if live and live.agent != agent:
            raise Conflict(f"{issue.id} is claimed by {live.agent}, not {agent}",
                           id=issue.id, holder=live.agent)
        if issue.claim is None:
            return store.change("release", "not claimed", [])
        issue.drop_claim()
        issue.updated = now
        return store.change("release", f"released by {agent}", [issue])

    return _on_one(store, ref, act)


def extend(store: StoreCore, ref: str, ttl: str | None, remote: str | None) -> Issue:
    agent, span = store.actor, _ttl(store, ttl)
    through = _remote(store, remote)
    if through is not None:
        from gitissues import remoteclaims

        return remoteclaims.extend(store, ref, span, through)

    def act(issue: Issue) -> Change:
        if issue.claim is None or issue.claim.agent != agent:
            holder = issue.live_claim(timeutil.now_str())
            raise Conflict(f"{issue.id} is not claimed by {agent}"
                           + (f" (held by {holder.agent})" if holder else ""), id=issue.id)
        return store.change("extend", _take(issue, agent, span), [issue])

    return _on_one(store, ref, act)


def listing(store: StoreCore, expired: bool) -> list[Issue]:
    now = timeutil.now_str()  # gi's own timestamp: safe as SQL text
    op = "<=" if expired else ">"
    return store.list(["is:open"], limit=None, extra_where=(
        "i.rowid IN (SELECT rowid FROM issues WHERE claim_agent IS NOT NULL"  # issues_claim
        f" AND claim_expires {op} '{now}')")).issues


def _run(store: StoreCore, make: Callable[[], tuple[ChangeFn, str | None]]) -> Issue:
    """Apply the change on this clone's store; a change that wrote nothing (releasing an
    unclaimed issue) answers with the issue as it is."""
    fn, issue_id = make()
    change = store.transact(fn)
    if change.issues:
        return store.with_path(change.issues[0])
    if issue_id is None:
        raise NotFound("no issue changed")
    return store.get(issue_id)
