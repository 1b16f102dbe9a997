"""Dependencies across a bridge (SPEC §8): gi's `depends_on` and a tracker's blocking relations
(Linear: B `blocks` A is A `depends_on` B), for platforms that offer them.

Such a platform has `blockers_seen` (remote key → {blocker's key: relation id} of the issues its
last listing read, at no extra request), `blockers(keys)` (the same, read for other issues) and
`relate(add, remove)` (add: (blocker, blocked) key pairs; remove: relation ids). Other
platforms are left alone.

Only edges between two issues that are both mapped to the bridge travel; others stay where they
are. Each mapped issue keeps under `remote.<bridge>.links` the remote keys of the blockers both
sides last agreed on, and each direction merges edge by edge against it, as the §6 rules merge
a list: an edge added or removed on one side is added or removed on the other, and the first
time (no `links` yet) the two sets are joined. A pull never takes an edge that would close a
cycle in gi (the store never keeps one): that edge is left out of the agreed set, so it shows
again and again until someone breaks the cycle on the tracker.
"""

from __future__ import annotations

from gitissues.bridges.mapping import mapping_of
from gitissues.cycles import cycle_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitissues.model import Issue
    from gitissues.store.core import Snapshot, StoreCore


def _inner(platform: Any) -> Any:
    """The platform itself, under a wrapper such as `users.UserMapped`."""
    return getattr(platform, "platform", platform)


def merged(base: set[str] | None, mine: set[str], theirs: set[str]) -> set[str]:
    """The edges after a three-way merge of two sets against `base` (None: never agreed)."""
    if base is None:
        return mine | theirs
    return {x for x in mine | theirs | base
            if ((x in theirs) if (x in mine) == (x in base) else (x in mine))}


def agreed(base: set[str] | None, a: set[str], b: set[str]) -> set[str]:
    """What both sides hold now, and where they still differ, what they last agreed on."""
    old = base or set()
    return {x for x in a | b | old if ((x in a) if (x in a) == (x in b) else (x in old))}


def _keys(store: StoreCore, bridge: str) -> tuple[list[Issue], dict[str, str], dict[str, str]]:
    """(the mapped issues, local id → remote key, remote key → local id)."""
    issues, key_of = [], {}
    for issue in store.all_issues():
        mapping = mapping_of(issue, bridge)
        if mapping and mapping.get("number") is not None:
            issues.append(issue)
            key_of[issue.id] = str(mapping["number"])
    return issues, key_of, {v: k for k, v in key_of.items()}


def _base(issue: Issue, bridge: str) -> set[str] | None:
    found = (mapping_of(issue, bridge) or {}).get("links")
    return set(found) if isinstance(found, list) else None


def _record(issue: Issue, bridge: str, links: set[str]) -> None:
    mapping = dict(mapping_of(issue, bridge) or {})
    mapping["links"] = sorted(links)
    issue.remote = {**(issue.remote or {}), bridge: mapping}


def pull(store: StoreCore, bridge: str, platform: Any, dry_run: bool = False) -> int:
    """Merge the blockers the last listing read into `depends_on`; the issues changed."""
    seen: dict[str, dict[str, str]] = getattr(_inner(platform), "blockers_seen", None) or {}
    if not seen:
        return 0
    issues, key_of, id_of = _keys(store, bridge)
    wanted = {id_of[k]: set(v) & set(id_of) for k, v in seen.items() if k in id_of}
    idle = {i.id for i in issues if not _base(i, bridge)
            and not any(d in key_of for d in i.depends_on)}
    wanted = {k: v for k, v in wanted.items() if v or k not in idle}  # no edge either side
    if not wanted:
        return 0
    from gitissues.graph import edges

    graph = edges(store)
    changed: list[str] = []

    def fn(snap: Snapshot):
        changed.clear()
        deps = {k: list(v) for k, v in graph.items()}
        written = []
        for local_id, theirs in wanted.items():
            issue = snap.get(local_id)
            if issue is None:
                continue
            base = _base(issue, bridge)
            mine = {key_of[d] for d in issue.depends_on if d in key_of}
            target = merged(base, mine, theirs)
            keep = [d for d in issue.depends_on if d not in key_of or key_of[d] in target]
            for key in sorted(target - mine):
                if cycle_path(deps, local_id, id_of[key]) is None:
                    keep.append(id_of[key])
                    deps.setdefault(local_id, []).append(id_of[key])
            now = {key_of[d] for d in keep if d in key_of}
            links = agreed(base, now, theirs)
            if keep != issue.depends_on or links != (base or set()):  # [] is never recorded
                if keep != issue.depends_on:
                    changed.append(local_id)
                issue.depends_on = keep
                _record(issue, bridge, links)
                written.append(issue)
        if dry_run or not written:
            return store.change("bridge.pull", "no change", [])
        return store.change("bridge.pull", f"dependencies from {bridge}: {len(written)} issues",
                            written)

    store.transact(fn)
    return len(changed)


def push(store: StoreCore, bridge: str, platform: Any, dry_run: bool = False) -> int:
    """Add and remove the tracker's relations for edges gi changed; the issues changed."""
    inner = _inner(platform)
    if not hasattr(inner, "relate"):
        return 0
    issues, key_of, id_of = _keys(store, bridge)
    mine_of = {i.id: {key_of[d] for d in i.depends_on if d in key_of} for i in issues}
    todo = [i for i in issues if mine_of[i.id] != (_base(i, bridge) or set())]
    if not todo:
        return 0
    current = inner.blockers([key_of[i.id] for i in todo])
    add: list[tuple[str, str]] = []
    remove: list[str] = []
    links: dict[str, set[str]] = {}
    touched = 0
    for issue in todo:
        key, base = key_of[issue.id], _base(issue, bridge)
        there = {b: r for b, r in (current.get(key) or {}).items() if b in id_of}
        target = merged(base, mine_of[issue.id], set(there))
        add += [(b, key) for b in sorted(target - set(there))]
        remove += [there[b] for b in sorted(set(there) - target)]
        touched += target != set(there)
        links[issue.id] = agreed(base, mine_of[issue.id], target)
    if dry_run:
        return touched
    if add or remove:
        inner.relate(add, remove)

    def fn(snap: Snapshot):
        written = []
        for issue_id, agreed_links in links.items():
            issue = snap.get(issue_id)
            if issue is not None and (_base(issue, bridge) or set()) != agreed_links:
                _record(issue, bridge, agreed_links)
                written.append(issue)
        return store.change("bridge.push", f"dependencies to {bridge}: {len(written)} issues",
                            written)

    store.transact(fn)
    return touched
