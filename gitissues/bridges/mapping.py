"""One issue across a bridge: its mapping under `remote.<bridge>` (where it is, the last
version both sides agreed on, which comment is which), and the §6 merge of a remote version
into it. `engine` runs these over whole listings."""

from __future__ import annotations

import hashlib

from gitissues import timeutil
from gitissues.bridges.base import MAPPED, Remote, comparable
from gitissues.model import Comment, Issue

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def fields_of(issue: Issue, keys: tuple[str, ...] = MAPPED) -> dict[str, Any]:
    return {k: getattr(issue, k) for k in keys}


def agreed(fields: dict[str, Any], keys: tuple[str, ...] = MAPPED) -> dict[str, Any]:
    """Fields as a base records them: comparable, the body as a hash (a body can be long)."""
    out = comparable(fields, keys)
    out["body"] = _digest(out["body"])
    return out


def mapping_of(issue: Issue, bridge: str) -> dict[str, Any] | None:
    found = (issue.remote or {}).get(bridge)
    return found if isinstance(found, dict) else None


def rebase(issue: Issue, bridge: str, remote: Remote, remote_fields: dict[str, Any],
           sent: set[str] | frozenset[str] = frozenset(), keys: tuple[str, ...] = MAPPED
           ) -> None:
    """Record in `remote.<bridge>` where the issue is and, field by field, the version both
    sides agreed on: `base` on gi's side (a field the two still differ on keeps its old base;
    a field just `sent` is agreed as gi has it) and, where the tracker shows it differently,
    `seen`: how it looks there. A tracker that cannot hold a value (an assignee with no account
    there) then shows it its own way without either side looking changed."""
    mapping = dict(mapping_of(issue, bridge) or {})
    mine, theirs = agreed(fields_of(issue, keys), keys), agreed(remote_fields, keys)
    old = mapping.get("base") or {}
    base = {k: mine[k] if (mine[k] == theirs[k] or k in sent) else old.get(k) for k in keys}
    mapping.update({"number": remote.key, "url": remote.url, "synced": timeutil.now_str(),
                    "base": {k: v for k, v in base.items() if v is not None}})
    seen = {k: theirs[k] for k in keys if theirs[k] != base[k]}
    if seen:
        mapping["seen"] = seen
    else:
        mapping.pop("seen", None)
    if remote.remote_id is not None:
        mapping["id"] = remote.remote_id
    issue.remote = {**(issue.remote or {}), bridge: mapping}


def remote_changed(mapping: dict[str, Any], remote_fields: dict[str, Any],
                   keys: tuple[str, ...] = MAPPED) -> set[str]:
    """The fields the tracker changed since gi last saw them."""
    base = mapping.get("base") or {}
    seen = {k: base.get(k) for k in keys}
    seen.update(mapping.get("seen") or {})
    theirs = agreed(remote_fields, keys)
    if not base and not mapping.get("seen"):
        return set(keys)
    return {k for k in keys if theirs[k] != seen[k]}


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


def merged_with(issue: Issue, remote: Remote, bridge: str, keys: tuple[str, ...] = MAPPED
                ) -> tuple[Issue, list[dict[str, Any]]]:
    """`issue` with the remote version merged in (§6) and the conflicts it resolved;
    comments are mirrored separately (`add_remote_comments`)."""
    from gitissues.merge import merge_issues

    if comparable(fields_of(issue, keys), keys) == comparable(remote.fields, keys):
        return issue.copy(), []
    mapping = mapping_of(issue, bridge) or {}
    moved = remote_changed(mapping, remote.fields, keys)
    if not moved:
        return issue.copy(), []
    theirs = issue.copy()
    for k, v in remote.fields.items():
        if k in moved:  # what the tracker did not change stays as gi has it
            setattr(theirs, k, v)
    theirs.updated = remote.updated or issue.updated
    base = _base_for(mapping, fields_of(issue, keys), remote.fields)
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


def pulled(issue: Issue, bridge: str, remote: Remote, keys: tuple[str, ...] = MAPPED
           ) -> tuple[Issue, list[dict[str, Any]]]:
    """The local issue after pulling `remote` into it, and the conflicts resolved."""
    merged, conflicts = merged_with(issue, remote, bridge, keys)
    add_remote_comments(merged, bridge, remote)
    rebase(merged, bridge, remote, remote.fields, keys=keys)
    if conflicts:  # the remote's losing value is now seen (and on record): push sends ours
        _seen(merged, bridge, remote.fields, {c["field"] for c in conflicts}, keys)
    if _same(merged, issue):
        return issue, []
    merged.updated = max(issue.updated or "", remote.updated or "")
    return merged, conflicts


def _seen(issue: Issue, bridge: str, remote_fields: dict[str, Any], fields: set[str],
          keys: tuple[str, ...] = MAPPED) -> None:
    """Base `fields` on the remote's values, so a conflict a pull resolved for the local side
    is recorded once and then pushed, not found again by every pull."""
    theirs = agreed(remote_fields, keys)
    base = dict((mapping_of(issue, bridge) or {}).get("base") or {})
    for k in fields & set(keys):
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
