"""Three-way merge of issues, field by field (SPEC §6). Used by sync, the tree-mode merge
driver and the bridges.

The result never depends on which side is "ours": sets merge their adds and removes, comments
unite by id, the body merges line by line, and a scalar changed on both sides goes to the later
`updated` (then a stable tie-break), its losing value kept on record as a `Conflict`. `claim`,
`status`, `closed` and `assignees` are joined by the rules of gitissues.claimmerge, so the result
is a state one agent could have produced. Not even the bytes depend on the side: keys new on
either side come in sorted order after the base's, equal values are picked by their text, and
the merged file is written in the base's layout (gi's canonical one when the base has none). So
two clones that merge the same pair of versions get the same file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gitissues import claimmerge
from gitissues.errors import UsageError
from gitissues.model import Issue

SET_FIELDS = ("labels", "assignees", "depends_on")
RECORDS = "conflicts"  # the merge driver's records of resolved conflicts: united like a set
STRATEGIES = ("merge", "ours", "theirs", "newer")


@dataclass
class Conflict:
    """A value that lost a both-sides change, kept so nothing is silently dropped."""

    issue: str | None
    field: str
    kept: Any
    lost: Any
    file: str | None = None  # a conflict outside any issue (the settings file)

    def to_json(self) -> dict[str, Any]:
        out = {"issue": self.issue, "field": self.field, "kept": self.kept, "lost": self.lost}
        return {**out, "file": self.file} if self.file else out


def check_strategy(strategy: str | None) -> str:
    s = strategy or "merge"
    if s in STRATEGIES or (s.startswith("command:") and len(s) > len("command:")):
        return s
    raise UsageError(f"invalid strategy {s!r}: use merge, ours, theirs, newer or command:PROGRAM")


_MISSING: Any = type("Missing", (), {"__repr__": lambda s: "<missing>"})()


def _key(value: Any) -> str:
    """A canonical text of a value, for comparing (a missing key differs from any value)."""
    if value is _MISSING:
        return "\0missing"
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _recorded(value: Any) -> Any:
    return None if value is _MISSING else value


def _either(a: Any, b: Any) -> Any:
    """One of two equal values (equal by `_key`, maybe not in key order), the same one
    whichever side each came from."""
    if a is _MISSING or b is _MISSING:
        return a
    return a if json.dumps(a, ensure_ascii=False) <= json.dumps(b, ensure_ascii=False) else b


class _Merger:
    """`ours_time`, `theirs_time`: when each side last changed (an issue's `updated`)."""

    def __init__(self, issue_id: str | None, ours_time: str, theirs_time: str, strategy: str,
                 merge_text: Callable[[str, str, str], str | None],
                 file: str | None = None) -> None:
        self.issue_id, self.strategy, self.merge_text = issue_id, strategy, merge_text
        self.file = file
        self.conflicts: list[Conflict] = []
        # Which side wins a both-sides change: the later time, then the larger value.
        self.ours_newer, self.same_time = ours_time > theirs_time, ours_time == theirs_time

    def ours_wins(self, ours: Any, theirs: Any) -> bool:
        """Which side's value a both-sides change keeps: by the strategy, else the later
        `updated`, then the larger value."""
        if self.strategy in ("ours", "theirs"):
            return self.strategy == "ours"
        if self.same_time:
            return _key(ours) > _key(theirs)
        return self.ours_newer

    def _pick(self, field: str, ours: Any, theirs: Any) -> Any:
        win, lose = (ours, theirs) if self.ours_wins(ours, theirs) else (theirs, ours)
        self.conflicts.append(Conflict(self.issue_id, field, _recorded(win), _recorded(lose),
                                       self.file))
        return win

    def scalar(self, field: str, base: Any, ours: Any, theirs: Any) -> Any:
        if _key(ours) == _key(theirs):
            return _either(ours, theirs)
        if _key(ours) == _key(base):
            return theirs
        if _key(theirs) == _key(base):
            return ours
        if isinstance(ours, dict) and isinstance(theirs, dict) and (
                field != "claim" or self.file):
            return self.mapping(field, base if isinstance(base, dict) else {}, ours, theirs)
        return self._pick(field, ours, theirs)

    def mapping(self, field: str, base: dict, ours: dict, theirs: dict) -> dict:
        out = {}
        for k in _keys(base, ours, theirs):
            b, o, t = base.get(k, _MISSING), ours.get(k, _MISSING), theirs.get(k, _MISSING)
            v = self.scalar(f"{field}.{k}" if field else k, b, o, t)
            if v is not _MISSING:
                out[k] = v
        return out

    def set(self, base: list, ours: list, theirs: list) -> list:
        if _key(ours) == _key(theirs):
            return _either(ours, theirs)
        if _key(theirs) == _key(base):
            return ours
        if _key(ours) == _key(base):
            return theirs
        b, o, t = set(map(_key, base)), set(map(_key, ours)), set(map(_key, theirs))
        removed = (b - o) | (b - t)
        added = sorted(((o - b) | (t - b)) - removed)
        by_key: dict[str, Any] = {}
        for x in [*base, *ours, *theirs]:
            k = _key(x)
            by_key[k] = _either(by_key[k], x) if k in by_key else x
        kept = [x for x in base if _key(x) not in removed]
        return kept + [by_key[k] for k in added if k not in {_key(x) for x in kept}]

    def comments(self, base: list, ours: list, theirs: list) -> list:
        if _key(ours) == _key(theirs):
            return _either(ours, theirs)
        if _key(theirs) == _key(base):
            return ours
        if _key(ours) == _key(base):
            return theirs
        base_by = {c["id"]: c for c in base}
        ours_by, theirs_by = {c["id"]: c for c in ours}, {c["id"]: c for c in theirs}
        out = []
        for cid in ours_by.keys() | theirs_by.keys():
            o, t = ours_by.get(cid), theirs_by.get(cid)
            if o is None or t is None:
                gone = cid in base_by  # deleted on one side: a deletion of an unchanged comment
                kept = o or t
                if gone and _key(kept) == _key(base_by[cid]):
                    continue
                out.append(kept)
            else:
                out.append(self.scalar(f"comments.{cid}", base_by.get(cid), o, t))
        return sorted(out, key=lambda c: (c.get("created") or "", c["id"]))

    def body(self, base: str, ours: str, theirs: str) -> str:
        if ours == theirs or theirs == base:
            return ours
        if ours == base:
            return theirs
        merged = self.merge_text(base, ours, theirs)
        return merged if merged is not None else self._pick("body", ours, theirs)


def _keys(base: dict, ours: dict, theirs: dict) -> list[str]:
    """The base's keys in its order, then the keys new on either side, sorted: an order that
    does not depend on which side is ours."""
    return [*base, *sorted((ours.keys() | theirs.keys()) - base.keys())]


def merge_issues(base: Issue | dict | None, ours: Issue, theirs: Issue, strategy: str = "merge",
                 merge_text: Callable[[str, str, str], str | None] | None = None,
                 ) -> tuple[Issue, list[Conflict]]:
    """The merged issue and the conflicts it resolved. `merge_text(base, ours, theirs)` does
    the line-level body merge and returns None when the edits overlap. `base` may be a partial
    mapping of fields (see storemerge._common_first_version)."""
    if strategy == "newer":
        o, t = ours.updated or "", theirs.updated or ""
        keep, other = (ours, theirs) if (o, _key(ours.to_dict())) >= (
            t, _key(theirs.to_dict())) else (theirs, ours)
        conflicts = [Conflict(ours.id, "*", keep.updated, other.updated)]
        return keep.copy(), conflicts
    if isinstance(base, dict):  # a partial base: the fields both sides agreed on
        b = {"id": ours.id, **base}
    else:
        b = base.to_dict() if base else {"id": ours.id}
    o, t = ours.to_dict(), theirs.to_dict()
    m = _Merger(ours.id, o.get("updated") or "", t.get("updated") or "", strategy,
                merge_text or (lambda *_: None))
    o2, t2 = _one_claim(m, b, o, t)
    out: dict[str, Any] = {}
    for k in _keys(b, o2, t2):
        bv, ov, tv = b.get(k, _MISSING), o2.get(k, _MISSING), t2.get(k, _MISSING)
        if k == "updated":
            continue
        if k in SET_FIELDS or (k == RECORDS and all(
                isinstance(v, list) or v is _MISSING for v in (bv, ov, tv))):
            out[k] = m.set(_list(bv), _list(ov), _list(tv))
        elif k == "links":
            out[k] = _merge_links(m, _dict(bv), _dict(ov), _dict(tv))
        elif k == "comments":
            out[k] = m.comments(_list(bv), _list(ov), _list(tv))
        elif k == "body":
            out[k] = m.body(_str(bv), _str(ov), _str(tv))
        else:
            v = m.scalar(k, bv, ov, tv)
            if v is not _MISSING:
                out[k] = v
    out["updated"] = max(o.get("updated") or "", t.get("updated") or "")
    _settle(m, out, b, (o, t), (o2, t2))
    merged = Issue.from_dict(out, ours.path or ours.id)
    # written in the base's layout: the one version both sides share
    merged.source = base.source if isinstance(base, Issue) else None
    merged.path = ours.path
    return merged, m.conflicts


def merge_mappings(base: dict, ours: dict, theirs: dict, ours_time: str, theirs_time: str,
                   strategy: str, file: str) -> tuple[dict, list[Conflict]]:
    """A file of settings, merged key by key at any depth by the same rules as an issue's
    fields; `*_time` says when each side changed it (the later wins a both-sides change).
    The conflicts name `file` and no issue."""
    m = _Merger(None, ours_time, theirs_time,
                strategy if strategy in ("ours", "theirs") else "merge", lambda *_: None, file)
    return m.mapping("", base, ours, theirs), m.conflicts


def _one_claim(m: _Merger, b: dict, o: dict, t: dict) -> tuple[dict, dict]:
    """Both sides changed the claim: the losing side's claim operation is undone as a whole
    (claimmerge rule 1) before the fields merge, and its claim set to the winner's (the same
    on both sides, whatever the base says: it may be partial)."""
    bc, oc, tc = b.get("claim"), o.get("claim"), t.get("claim")
    if _key(oc) in (_key(tc), _key(bc)) or _key(tc) == _key(bc):
        return o, t
    if m.ours_wins(oc, tc):
        return o, {**claimmerge.undo_claim_change(b, t), "claim": oc}
    return {**claimmerge.undo_claim_change(b, o), "claim": tc}, t


def _settle(m: _Merger, out: dict, b: dict, sides: tuple[dict, dict],
            undone: tuple[dict, dict]) -> None:
    """Make the result consistent (claimmerge rule 3) and its conflict records say what it
    holds: the lost claims of the sides as they were, the lost statuses and closing times of
    the sides with a lost claim operation undone (that status went with the claim)."""
    holders = list(out.get("assignees") or [])
    claimmerge.settle(out, [b, *sides])
    m.conflicts = [c for c in m.conflicts if c.field not in ("claim", "status", "closed")]
    closings = [s.get("closed") for s in undone if s.get("status") == "closed"]
    for field, values in (("claim", [s.get("claim") for s in sides]),
                          ("status", [s.get("status") for s in undone]),
                          ("closed", closings if out.get("status") == "closed" else [])):
        found = claimmerge.records(field, out.get(field), b.get(field), values)
        m.conflicts += [Conflict(m.issue_id, field, kept, lost)
                        for kept, lost in sorted(found, key=lambda r: _key(r[1]))]
    if out.get("assignees") != holders:  # the holder of the claim put back
        m.conflicts.append(Conflict(m.issue_id, "assignees", out["assignees"], holders))


def _merge_links(m: _Merger, base: dict, ours: dict, theirs: dict) -> dict:
    out = m.mapping("links", {k: v for k, v in base.items() if k != "commits"},
                    {k: v for k, v in ours.items() if k != "commits"},
                    {k: v for k, v in theirs.items() if k != "commits"})
    out["commits"] = m.set(_list(base.get("commits")), _list(ours.get("commits")),
                           _list(theirs.get("commits")))
    return out


def _list(v: Any) -> list:
    return list(v) if isinstance(v, list) else []


def _dict(v: Any) -> dict:
    return dict(v) if isinstance(v, dict) else {}


def _str(v: Any) -> str:
    return v if isinstance(v, str) else ""
