"""Pull and push between the store and one platform (SPEC §8), field by field.

Each mapped issue keeps, under `remote.<bridge>`, where it is (`id`, `number`, `url`), when it
was last synced, the last version both sides agreed on (`base`: the MAPPED fields, the body as
a hash) and which local comment is which remote one (`comments`). A pull merges the remote
version into the local one with the §6 rules against that base (`merge.merge_issues`), so a
remote edit and a local edit of different fields are both kept, and a clash on one field goes
to the later change with the loser on record (`Gi-Conflict`, shown as merge.conflict_resolved).
A push sends what differs from the base. Nothing is created twice: every remote create is
recorded in the store right after it succeeds, and carries a marker naming the gi id, so a
push killed in between finds its issue on the next run.
"""

from __future__ import annotations

from gitissues import timeutil
from gitissues.bridges import lookup
from gitissues.bridges.base import MAPPED, MARKER, Platform, Remote, keys_of
from gitissues.bridges.mapping import (
    add_remote_comments,
    agreed,
    fields_of,
    mapping_of,
    pulled,
    rebase,
)
from gitissues.bridges.refs import localised, remote_refs
from gitissues.model import Issue

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from gitissues.store.core import Snapshot, StoreCore

OVERLAP = 10  # seconds re-read before a pull cursor: a listing can lag a write by a moment


class Counts:
    """What one direction of one bridge did (`gi bridge … --json`)."""

    def __init__(self) -> None:
        self.created = self.updated = self.unchanged = self.requests = 0
        self.cursor: str | None = None
        # remote key → (local id, "created" | "updated" | "unchanged"), for a webhook's log
        self.outcomes: dict[str, tuple[str, str]] = {}

    def to_json(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "requests": self.requests}


# --- pull --------------------------------------------------------------------------------------

BATCH = 500  # remote issues written to the store in one commit (fewer trees rewritten)


def pull(store: StoreCore, bridge: str, platform: Platform, since: str | None,
         dry_run: bool = False, tick: Callable[[int], None] | None = None) -> Counts:
    """Bring new and changed remote issues into the store, a commit per batch of them."""
    counts = Counts()
    before = platform.requests
    keys = keys_of(platform)
    start = _earlier(since, OVERLAP) if since else None
    by_key, known = lookup.mapped(store, bridge)
    newest = since
    batch: list[Remote] = []
    waiting: list[tuple[Remote, set[str]]] = []  # named an issue not known yet
    for remote in platform.changed(start):
        if remote.updated and (newest is None or remote.updated > newest):
            newest = remote.updated
        batch.append(remote)
        if tick:
            tick(1)
        if len(batch) >= BATCH:
            waiting += _pull_batch(store, bridge, batch, by_key, known, counts, dry_run, keys)
            batch = []
    if batch:
        waiting += _pull_batch(store, bridge, batch, by_key, known, counts, dry_run, keys)
    # a link to an issue a later batch brought in: merged again now that it is known
    again = [r for r, missing in waiting if missing <= by_key.keys()]
    if again and not dry_run:
        _pull_batch(store, bridge, again, by_key, known, Counts(), dry_run, keys)
    counts.requests, counts.cursor = platform.requests - before, newest
    return counts


def pull_remotes(store: StoreCore, bridge: str, remotes: list[Remote],
                 dry_run: bool = False, keys: tuple[str, ...] = MAPPED) -> Counts:
    """Bring these remote issues (fetched one by one, as a webhook names them) into the store,
    merged exactly as `pull` merges what it lists (`keys`: the platform's `keys_of`); no
    cursor moves (nothing else was read)."""
    counts = Counts()
    by_key, known = lookup.mapped_to(store, bridge, remotes)
    for start in range(0, len(remotes), BATCH):
        _pull_batch(store, bridge, remotes[start:start + BATCH], by_key, known, counts,
                    dry_run, keys)
    return counts


def _earlier(stamp: str, seconds: int) -> str:
    from gitissues.timeutil import format_time, parse_time, timedelta

    return format_time(parse_time(stamp) - timedelta(seconds=seconds))


def _pull_batch(store: StoreCore, bridge: str, batch: list[Remote], by_key: dict[str, str],
                known: set[str], counts: Counts, dry_run: bool,
                keys: tuple[str, ...] = MAPPED) -> list[tuple[Remote, set[str]]]:
    """One commit for a batch: new remote issues created, changed ones merged (§6). Returns
    the remotes that named issues not known yet (and which)."""
    from gitissues.edits import fresh_id
    from gitissues.store.core import validated

    tally: dict[str, int] = {}
    waiting: list[tuple[Remote, set[str]]] = []

    def fn(snap: Snapshot):
        tally.update(created=0, updated=0, unchanged=0)
        waiting.clear()
        outcomes.clear()
        written: dict[str, Issue] = {}
        conflicts: list[dict[str, Any]] = []
        made: dict[str, str] = {}
        prefix = str(snap.settings().get("prefix") or "gi")
        now = timeutil.now_str()
        where: dict[str, str] = {}
        # mapped since by_key was read (a webhook's pull meanwhile): asked once for the batch
        since = snap.mapped(bridge, [r.key for r in batch if r.key not in by_key])
        for remote in batch:  # every id first, so that links within the batch resolve
            local_id = by_key.get(remote.key) or made.get(remote.key) or (
                remote.marked if remote.marked in known else None) or since.get(remote.key)
            if local_id is None or (local_id not in made.values() and not snap.exists(local_id)):
                local_id = fresh_id(prefix, f"{bridge}\0{remote.key}\0{now}",
                                    lambda i: snap.exists(i) or i in made.values())
                made[remote.key] = local_id
            where[remote.key] = local_id
        for listed in batch:
            remote, missing = localised(listed, lambda k: by_key.get(k) or where.get(k))
            if missing:
                waiting.append((listed, missing))
            local_id = where[remote.key]
            issue = written.get(local_id) or (None if local_id in made.values()
                                               else snap.get(local_id))
            if issue is None:
                tally["created"] += 1
                outcomes[remote.key] = (local_id, "created")
                issue = validated({"id": local_id, **_plain(remote.fields),
                                   "author": store.actor, "created": now,
                                   "updated": remote.updated or now})
                add_remote_comments(issue, bridge, remote)
                rebase(issue, bridge, remote, remote.fields, keys=keys)
                written[local_id] = issue
                continue
            merged, found = pulled(issue, bridge, remote, keys)
            if merged is issue:
                tally["unchanged"] += 0 if local_id in written else 1
                outcomes.setdefault(remote.key, (issue.id, "unchanged"))
                continue
            tally["updated"] += 0 if local_id in written else 1
            outcomes[remote.key] = (merged.id, "updated")
            written[local_id] = merged
            conflicts += found
        if dry_run or not written:
            return store.change("bridge.pull", "no change", [])
        change = store.change("bridge.pull", f"from {bridge}: {len(written)} issues",
                              list(written.values()))
        change.conflicts = conflicts
        tally_made.clear()
        tally_made.update(made)
        return change

    tally_made: dict[str, str] = {}  # the attempt that was committed (fn may run again)
    outcomes: dict[str, tuple[str, str]] = {}
    store.transact(fn)
    by_key.update(tally_made)
    counts.outcomes.update(outcomes)
    for k, v in tally.items():
        setattr(counts, k, getattr(counts, k) + v)
    return list(waiting)


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


# --- push --------------------------------------------------------------------------------------

def push(store: StoreCore, bridge: str, platform: Platform, dry_run: bool = False,
         since: str | None = None, tick: Callable[[int], None] | None = None) -> Counts:
    """Send local issues that are new or differ from their base; record each create at once.
    `since` (the last finished push) bounds the search for issues a killed push created."""
    counts = Counts()
    before = platform.requests
    keys = keys_of(platform)
    issues = store.all_issues()
    number_of = {i.id: str(m["number"]) for i in issues
                 if (m := mapping_of(i, bridge)) and m.get("number") is not None}
    id_of = {key: local_id for local_id, key in number_of.items()}
    marked = _marked_remotes(platform, issues, bridge, since)
    updated: list[tuple[str, Remote, set[str]]] = []
    linked_later: list[str] = []  # issues whose dependencies had no remote key yet

    def local(remote: Remote) -> Remote:
        if "depends_on" not in keys:  # nothing to translate: leave a queued result unread
            return remote
        return localised(remote, id_of.get)[0]

    for issue in issues:
        if tick:
            tick(1)
        mapping = mapping_of(issue, bridge)
        mine, unlinked = remote_refs(fields_of(issue, keys), number_of)
        held = {"depends_on"} if unlinked else set()
        if mapping is None:
            found = marked.get(issue.id)
            counts.created += found is None
            if dry_run:
                continue
            remote = found or platform.create(_plain(mine), MARKER.format(issue.id))
            number_of[issue.id], id_of[remote.key] = remote.key, issue.id
            sent = set() if found else set(keys) - remote.unsent - held
            _save(store, bridge, issue.id, local(remote), sent, keys)
            _push_comments(store, bridge, issue.id, platform, remote.key)
            if unlinked:
                linked_later.append(issue.id)
            continue
        now, base = agreed(fields_of(issue, keys), keys), mapping.get("base") or {}
        changed = {k for k in keys if now[k] != base.get(k)}
        if not changed:
            counts.unchanged += 1
        else:
            counts.updated += 1
            if not dry_run:
                remote = platform.update(str(mapping["number"]), _plain(mine), changed)
                updated.append((issue.id, local(remote), changed - remote.unsent - held))
                if unlinked and "depends_on" in changed:
                    linked_later.append(issue.id)
                if len(updated) >= BATCH:
                    _save_many(store, bridge, updated, keys)
                    updated = []
        known = (mapping.get("comments") or {}) if mapping else {}
        if not dry_run and any(c.id not in known for c in issue.comments):
            _push_comments(store, bridge, issue.id, platform, str(mapping["number"]))
    _save_many(store, bridge, updated, keys)
    if linked_later:  # every create is done: the dependencies they named have keys now
        _link_later(store, bridge, platform, linked_later, number_of, keys, local)
    counts.requests = platform.requests - before
    return counts


def _link_later(store: StoreCore, bridge: str, platform: Platform, ids: list[str],
                number_of: dict[str, str], keys: tuple[str, ...],
                local: Callable[[Remote], Remote]) -> None:
    """Send the dependencies of issues whose first push named issues created after them."""
    done = []
    for issue_id in ids:
        issue = store.get(issue_id)
        mine, unlinked = remote_refs(fields_of(issue, keys), number_of)
        if unlinked or issue_id not in number_of:
            continue  # a dependency that never reached the tracker: tried on the next push
        remote = platform.update(number_of[issue_id], _plain(mine), {"depends_on"})
        done.append((issue_id, local(remote), {"depends_on"} - remote.unsent))
    _save_many(store, bridge, done, keys)


def _save_many(store: StoreCore, bridge: str,
               updated: list[tuple[str, Remote, set[str]]], keys: tuple[str, ...] = MAPPED
               ) -> None:
    """Record updates sent, a batch a commit (sending one again after a crash is harmless,
    unlike a create, which is recorded at once)."""
    if not updated:
        return

    def fn(snap: Snapshot):
        written = []
        for issue_id, remote, sent in updated:
            issue = snap.get(issue_id)
            if issue is not None:
                rebase(issue, bridge, remote, remote.fields, sent, keys)
                written.append(issue)
        return store.change("bridge.push", f"to {bridge}: {len(written)} issues", written)

    store.transact(fn)


def _marked_remotes(platform: Platform, issues: list[Issue], bridge: str, since: str | None
                    ) -> dict[str, Remote]:
    """Remote issues gi created whose record never reached the store (a killed push): they
    changed after the last finished push began (a pull before the push maps them too)."""
    unmapped = {i.id for i in issues if mapping_of(i, bridge) is None}
    if not unmapped:
        return {}
    start = _earlier(since, OVERLAP) if since else None
    return {r.marked: r for r in platform.changed(start) if r.marked in unmapped}


def _save(store: StoreCore, bridge: str, issue_id: str, remote: Remote, sent: set[str],
          keys: tuple[str, ...] = MAPPED) -> None:
    """Record the remote issue right after it was created."""
    def mutate(issue: Issue) -> str:
        rebase(issue, bridge, remote, remote.fields, sent, keys)
        return f"to {bridge} #{remote.key}"

    store.update(issue_id, mutate, "bridge.push")


def _push_comments(store: StoreCore, bridge: str, issue_id: str, platform: Platform,
                   key: str) -> None:
    issue = store.get(issue_id)
    mapping = mapping_of(issue, bridge) or {}
    known = mapping.get("comments") or {}
    for c in issue.comments:
        if c.id in known:
            continue
        remote_key = platform.add_comment(key, c.body, MARKER.format(c.id))

        def mutate(i: Issue, cid: str = c.id, rk: str = remote_key) -> str:
            m = dict(mapping_of(i, bridge) or {})
            m["comments"] = {**(m.get("comments") or {}), cid: rk}
            i.remote = {**(i.remote or {}), bridge: m}
            return f"comment {cid} to {bridge}"

        store.update(issue_id, mutate, "bridge.push")
