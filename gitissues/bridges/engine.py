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

import hashlib

from gitissues import timeutil
from gitissues.bridges.base import MAPPED, MARKER, Platform, Remote, comparable
from gitissues.model import Comment, Issue

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitissues.store.core import Snapshot, StoreCore

OVERLAP = 120  # seconds re-read before a pull cursor: remote clocks and listings lag


class Counts:
    """What one direction of one bridge did (`gi bridge … --json`)."""

    def __init__(self) -> None:
        self.created = self.updated = self.unchanged = self.requests = 0
        self.cursor: str | None = None

    def to_json(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "requests": self.requests}


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def fields_of(issue: Issue) -> dict[str, Any]:
    return {k: getattr(issue, k) for k in MAPPED}


def agreed(fields: dict[str, Any]) -> dict[str, Any]:
    """Fields as a base records them: comparable, the body as a hash (a body can be long)."""
    out = comparable(fields)
    out["body"] = _digest(out["body"])
    return out


def mapping_of(issue: Issue, bridge: str) -> dict[str, Any] | None:
    found = (issue.remote or {}).get(bridge)
    return found if isinstance(found, dict) else None


def rebase(issue: Issue, bridge: str, remote: Remote, remote_fields: dict[str, Any]) -> None:
    """Record in `remote.<bridge>` where the issue is and, field by field, the value both sides
    now hold (a field they still differ on keeps its old base)."""
    mapping = dict(mapping_of(issue, bridge) or {})
    mine, theirs = agreed(fields_of(issue)), agreed(remote_fields)
    old = mapping.get("base") or {}
    base = {k: mine[k] if mine[k] == theirs[k] else old.get(k) for k in MAPPED}
    mapping.update({"number": remote.key, "url": remote.url, "synced": timeutil.now_str(),
                    "base": {k: v for k, v in base.items() if v is not None}})
    if remote.remote_id is not None:
        mapping["id"] = remote.remote_id
    issue.remote = {**(issue.remote or {}), bridge: mapping}


def _base_for(mapping: dict[str, Any], local: dict[str, Any], remote: dict[str, Any]
              ) -> dict[str, Any]:
    """The recorded base as `merge_issues` takes it: the body is whichever side still hashes
    to the base (the side that did not change it); when both changed it, none."""
    base = dict(mapping.get("base") or {})
    digest = base.pop("body", None)
    for side in (local, remote):
        if agreed(side)["body"] == digest:
            base["body"] = side["body"]
            break
    return base


def merged_with(issue: Issue, remote: Remote, bridge: str
                ) -> tuple[Issue, list[dict[str, Any]]]:
    """`issue` with the remote version merged in (§6) and the conflicts it resolved;
    comments are mirrored separately (`add_remote_comments`)."""
    from gitissues.merge import merge_issues

    if comparable(fields_of(issue)) == comparable(remote.fields):
        return issue.copy(), []
    theirs = issue.copy()
    for k, v in remote.fields.items():
        setattr(theirs, k, v)
    theirs.updated = remote.updated or issue.updated
    base = _base_for(mapping_of(issue, bridge) or {}, fields_of(issue), remote.fields)
    merged, conflicts = merge_issues(base, issue, theirs)
    merged.comments = list(issue.comments)
    merged.remote = dict(issue.remote or {})
    return merged, [c.to_json() for c in conflicts]


def _comment_id(bridge: str, key: str) -> str:
    return "c-" + _digest(f"{bridge}\0{key}")[:6]


def add_remote_comments(issue: Issue, bridge: str, remote: Remote) -> None:
    """Mirror remote comments not yet mirrored: each becomes exactly one local comment (its
    key recorded, or, for one gi posted, the local comment its marker names)."""
    mapping = dict(mapping_of(issue, bridge) or {})
    known = dict(mapping.get("comments") or {})
    mirrored = set(known.values())
    have = {c.id for c in issue.comments}
    for rc in remote.comments:
        if rc.key in mirrored:
            continue
        if rc.local_id and rc.local_id in have:
            known[rc.local_id] = rc.key
            continue
        cid = _comment_id(bridge, rc.key)
        if cid not in have:
            issue.comments.append(Comment(id=cid, author=rc.author, created=rc.created,
                                          body=rc.body))
        known[cid] = rc.key
    if known != (mapping.get("comments") or {}):
        mapping["comments"] = known
        issue.remote = {**(issue.remote or {}), bridge: mapping}


def pulled(issue: Issue, bridge: str, remote: Remote) -> tuple[Issue, list[dict[str, Any]]]:
    """The local issue after pulling `remote` into it, and the conflicts resolved."""
    merged, conflicts = merged_with(issue, remote, bridge)
    add_remote_comments(merged, bridge, remote)
    rebase(merged, bridge, remote, remote.fields)
    if conflicts:  # the remote's losing value is now seen (and on record): push sends ours
        _seen(merged, bridge, remote.fields, {c["field"] for c in conflicts})
    if _same(merged, issue):
        return issue, []
    merged.updated = max(issue.updated or "", remote.updated or "")
    return merged, conflicts


def _seen(issue: Issue, bridge: str, remote_fields: dict[str, Any], fields: set[str]) -> None:
    """Base `fields` on the remote's values, so a conflict a pull resolved for the local side
    is recorded once and then pushed, not found again by every pull."""
    theirs, base = agreed(remote_fields), dict((mapping_of(issue, bridge) or {}).get("base") or {})
    for k in fields & set(MAPPED):
        if theirs[k] is None:
            base.pop(k, None)
        else:
            base[k] = theirs[k]
    issue.remote = {**(issue.remote or {}), bridge: {**(mapping_of(issue, bridge) or {}),
                                                     "base": base}}


def _same(a: Issue, b: Issue) -> bool:
    """Equal but for when the mapping was last synced."""
    def bare(i: Issue) -> dict[str, Any]:
        d = i.to_dict()
        d["remote"] = {k: {x: y for x, y in v.items() if x != "synced"}
                       if isinstance(v, dict) else v for k, v in (d.get("remote") or {}).items()}
        return d
    return bare(a) == bare(b)


# --- pull --------------------------------------------------------------------------------------

def pull(store: StoreCore, bridge: str, platform: Platform, since: str | None,
         dry_run: bool = False) -> Counts:
    """Bring new and changed remote issues into the store (one commit per issue written)."""
    counts = Counts()
    start = _earlier(since, OVERLAP) if since else None
    by_key, by_id = _mapped(store, bridge)
    newest = since
    for remote in platform.changed(start):
        if remote.updated and (newest is None or remote.updated > newest):
            newest = remote.updated
        local_id = by_key.get(remote.key) or (remote.marked if remote.marked in by_id else None)
        if local_id is None:
            counts.created += 1
            if not dry_run:
                by_key[remote.key] = _create_local(store, bridge, remote).id
            continue
        changed = _pull_one(store, bridge, local_id, remote, dry_run)
        counts.updated += changed
        counts.unchanged += not changed
    counts.requests, counts.cursor = platform.requests, newest
    return counts


def _earlier(stamp: str, seconds: int) -> str:
    from gitissues.timeutil import format_time, parse_time, timedelta

    return format_time(parse_time(stamp) - timedelta(seconds=seconds))


def _mapped(store: StoreCore, bridge: str) -> tuple[dict[str, str], dict[str, Issue]]:
    by_key, by_id = {}, {}
    for issue in store.all_issues():
        by_id[issue.id] = issue
        mapping = mapping_of(issue, bridge)
        if mapping and mapping.get("number") is not None:
            by_key[str(mapping["number"])] = issue.id
    return by_key, by_id


def _create_local(store: StoreCore, bridge: str, remote: Remote) -> Issue:
    from gitissues.edits import fresh_id
    from gitissues.store.core import validated

    def fn(snap: Snapshot):
        prefix = str(snap.settings().get("prefix") or "gi")
        now = timeutil.now_str()
        new_id = fresh_id(prefix, f"{bridge}\0{remote.key}\0{now}", snap.exists)
        issue = validated({"id": new_id, **_plain(remote.fields), "author": store.actor,
                           "created": now, "updated": remote.updated or now})
        add_remote_comments(issue, bridge, remote)
        rebase(issue, bridge, remote, remote.fields)
        return store.change("bridge.pull", f"from {bridge} #{remote.key}", [issue])

    return store.transact(fn).issues[0]


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def _pull_one(store: StoreCore, bridge: str, issue_id: str, remote: Remote,
              dry_run: bool) -> bool:
    if dry_run:
        issue = store.get(issue_id)
        return pulled(issue, bridge, remote)[0] is not issue

    def fn(snap: Snapshot):
        issue = snap.get(issue_id)
        merged, conflicts = pulled(issue, bridge, remote) if issue else (None, [])
        if merged is None or merged is issue:
            return store.change("bridge.pull", "no change", [])
        change = store.change("bridge.pull", f"from {bridge} #{remote.key}", [merged])
        change.conflicts = conflicts
        return change

    return bool(store.transact(fn).issues)


# --- push --------------------------------------------------------------------------------------

def push(store: StoreCore, bridge: str, platform: Platform, dry_run: bool = False) -> Counts:
    """Send local issues that are new or differ from their base; record each create at once."""
    counts = Counts()
    marked = _marked_remotes(platform, store, bridge)
    for issue in store.all_issues():
        mapping = mapping_of(issue, bridge)
        mine = fields_of(issue)
        if mapping is None:
            found = marked.get(issue.id)
            counts.created += found is None
            if dry_run:
                continue
            remote = found or platform.create(_plain(mine), MARKER.format(issue.id))
            _save(store, bridge, issue.id, remote)
            _push_comments(store, bridge, issue.id, platform, remote.key)
            continue
        now, base = agreed(mine), mapping.get("base") or {}
        changed = {k for k in MAPPED if now[k] != base.get(k)}
        if not changed:
            counts.unchanged += 1
        else:
            counts.updated += 1
            if not dry_run:
                remote = platform.update(str(mapping["number"]), _plain(mine), changed)
                _save(store, bridge, issue.id, remote)
        if not dry_run:
            _push_comments(store, bridge, issue.id, platform, str(mapping["number"]))
    counts.requests = platform.requests
    return counts


def _marked_remotes(platform: Platform, store: StoreCore, bridge: str) -> dict[str, Remote]:
    """Remote issues gi created whose record never reached the store (a killed push)."""
    unmapped = {i.id for i in store.all_issues() if mapping_of(i, bridge) is None}
    if not unmapped:
        return {}
    return {r.marked: r for r in platform.changed(None) if r.marked in unmapped}


def _save(store: StoreCore, bridge: str, issue_id: str, remote: Remote) -> None:
    """Record the remote issue right after it was written (created or updated)."""
    def mutate(issue: Issue) -> str:
        rebase(issue, bridge, remote, remote.fields)
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
