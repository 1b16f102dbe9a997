"""Changes to issues: create, edit, close, reopen, comment, import. Each is one change on the
store core (one commit in branch mode), computed on the current state of the issue."""

from __future__ import annotations

import os
import re

from gitissues import ids, timeutil
from gitissues.errors import Conflict, InvalidData, UsageError
from gitissues.model import STATUSES, TYPES, Comment, Issue
from gitissues.store.core import StoreCore, validated

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from gitissues.store.backend import Change, Snapshot

ID_LENGTHS = (6, 6, 6, 8, 8, 10, 12)  # longer only after a clash


def check_fields(fields: dict[str, Any]) -> None:
    """Values given as arguments are usage errors when wrong, not invalid data."""
    if "title" in fields:
        title = str(fields["title"])
        if not title.strip():
            raise UsageError("a title must not be empty")
        if "\n" in title:  # (a bare \r or an escape sequence is shown escaped, never run)
            raise UsageError("a title must be one line")
    if "status" in fields and fields["status"] not in STATUSES:
        raise UsageError(f"invalid status {fields['status']!r}: use {', '.join(STATUSES)}")
    if "type" in fields and fields["type"] not in TYPES:
        raise UsageError(f"invalid type {fields['type']!r}: use {', '.join(TYPES)}")
    p = fields.get("priority")
    if p is not None and (isinstance(p, bool) or not isinstance(p, int) or not 0 <= p <= 4):
        raise UsageError(f"invalid priority {p!r}: use a whole number from 0 to 4")


def fresh_id(prefix: str, seed: str, taken: Callable[[str], bool]) -> str:
    """A new id that `taken` does not know; longer ids only after a clash."""
    for length in ID_LENGTHS:
        new = ids.new_id(prefix, seed, length)
        if not taken(new):
            return new
    raise Conflict("could not find a free issue id; try again")


def create(store: StoreCore, title: str, *, body: str = "", type: str = "task",
           priority: int = 2, labels: Iterable[str] = (), assignees: Iterable[str] = (),
           depends_on: Iterable[str] = (), parent: str | None = None,
           milestone: str | None = None, commit: bool = False) -> Issue:
    deps = [store.resolve(d) for d in depends_on]
    parent_id = store.resolve(parent) if parent else None
    fields = dict(title=title, body=body, type=type, priority=priority, labels=list(labels),
                  assignees=list(assignees), depends_on=deps, parent=parent_id,
                  milestone=milestone)
    check_fields(fields)
    validated({"id": "gi-000000", **fields})  # every value checked before anything runs

    def fn(snap: Snapshot) -> Change:
        prefix = str(snap.settings().get("prefix") or ids.DEFAULT_PREFIX)
        now = timeutil.now_str()
        new_id = fresh_id(prefix, f"{title}\0{store.actor}\0{now}", snap.exists)
        issue = validated({"id": new_id, **fields, "author": store.actor, "created": now,
                           "updated": now})
        return store.change("create", title, [issue], commit)

    return store.with_path(store.transact(fn).issues[0])


def edit(store: StoreCore, ref: str, *, title: str | None = None, body: str | None = None,
         status: str | None = None, type: str | None = None, priority: int | None = None,
         add_labels: Iterable[str] = (), remove_labels: Iterable[str] = (),
         assign: Iterable[str] = (), unassign: Iterable[str] = (),
         milestone: str | None = None, set_fields: dict[str, Any] | None = None,
         commit: bool = False) -> Issue:
    given = {k: v for k, v in dict(title=title, status=status, type=type,
                                   priority=priority).items() if v is not None}
    check_fields(given)
    add_labels, remove_labels = list(add_labels), list(remove_labels)
    assign, unassign = list(assign), list(unassign)

    def mutate(issue: Issue) -> str | None:
        changed = []
        old_status = issue.status
        for key, value in given.items():
            if getattr(issue, key) != value:
                changed.append(key)
                setattr(issue, key, value)
        if body is not None and issue.body != body:
            issue.body, _ = body, changed.append("body")
        if milestone is not None and issue.milestone != (milestone or None):
            issue.milestone, _ = milestone or None, changed.append("milestone")
        if set_merge(issue.labels, add_labels, remove_labels):
            changed.append("labels")
        if set_merge(issue.assignees, assign, unassign):
            changed.append("assignees")
        for key, value in (set_fields or {}).items():
            if set_path(issue, key, value):
                changed.append(key)
        if issue.status != old_status:  # --status and --set status=… alike
            status_side_effects(issue)
        return "edit " + ", ".join(changed) if changed else None

    return store.update(ref, mutate, "edit", commit)


def close(store: StoreCore, ref: str, reason: str | None = None, commit: bool = False
          ) -> Issue:
    def mutate(issue: Issue) -> str | None:
        if issue.status == "closed":
            return None
        issue.status = "closed"
        status_side_effects(issue)
        if reason:
            issue.comments.append(new_comment(store.actor, f"Closed: {reason}"))
        return reason or "close"

    return store.update(ref, mutate, "close", commit)


def reopen(store: StoreCore, ref: str, commit: bool = False) -> Issue:
    def mutate(issue: Issue) -> str | None:
        if issue.status != "closed":
            return None
        issue.status = "open"
        status_side_effects(issue)
        return "reopen"

    return store.update(ref, mutate, "reopen", commit)


def comment(store: StoreCore, ref: str, body: str, commit: bool = False) -> Issue:
    if not body.strip():
        raise UsageError("a comment needs some text")
    validated({"id": "gi-000000", "title": "t", "body": body})

    def mutate(issue: Issue) -> str:
        issue.comments.append(new_comment(store.actor, body))
        return issue.comments[-1].id

    return store.update(ref, mutate, "comment", commit)


def edit_from_file(store: StoreCore, ref: str, text: str, where: str, commit: bool = False
                   ) -> Issue:
    """`gi edit ID --file F`: the keys F holds replace the issue's (validated; an `id` must
    be the issue's); keys F leaves out keep their values; `key: null` removes one. A whole
    file (every key the issue's file has) is taken as written, formatting and comments too."""
    from gitissues import schema, yamlio
    from gitissues.model import KEYS

    data = yamlio.load_fast(text, where)
    if not isinstance(data, dict):
        raise InvalidData(f"{where}: expected a mapping of issue keys", file=where)
    issue_id = store.resolve(ref)
    if data.get("id") not in (None, issue_id):
        raise InvalidData(f"{where}: field 'id': {data['id']} does not match the issue "
                          f"{issue_id}", file=where, field="id")

    def mutate(issue: Issue) -> str | None:
        current = issue.to_dict()
        merged = dict(current)
        for key, value in data.items():
            if value is None and key not in KEYS:
                merged.pop(key, None)
            elif key != "path":
                merged[key] = value
        new = Issue.from_dict(merged, where)
        broken = set(schema.errors(new.to_dict())) - set(schema.errors(current))
        if broken:
            raise InvalidData(f"{where}: " + "; ".join(sorted(broken)), file=where)
        if new.to_dict() == current:
            return None
        whole = set(data) >= set(issue.to_file_dict())
        source = text if whole else issue.source
        issue.__dict__.update(new.__dict__)
        issue.source = source
        return "edit from file"

    return store.update(issue_id, mutate, "edit", commit)


def import_issues(store: StoreCore, records: Iterable[tuple[str, Any]]) -> list[Issue]:
    """Import `(where, data)` records in one change; ids are kept, duplicates refused, and
    records without an id get a fresh one that clashes with nothing."""
    now = timeutil.now_str()
    issues: list[Issue] = []
    seen: dict[str, str] = {}
    pending: list[tuple[str, dict]] = []
    for where, data in records:
        if not isinstance(data, dict):
            raise InvalidData(f"{where}: expected a JSON object")
        data = {k: v for k, v in data.items() if k != "path"}
        data.setdefault("author", store.actor)
        data.setdefault("created", now)
        data.setdefault("updated", data["created"])
        if not data.get("id"):
            pending.append((where, data))
            continue
        issue = Issue.from_dict(data, where)
        if issue.id in seen:
            raise Conflict(f"{where}: duplicate id {issue.id} (also at {seen[issue.id]})",
                           id=issue.id)
        seen[issue.id] = where
        issues.append(issue)
    existing = store.fresh().ids()
    clash = existing & seen.keys()
    if clash:
        first = sorted(clash)[0]
        raise Conflict(f"{seen[first]}: issue {first} already exists in the store "
                       f"({len(clash)} duplicate id(s)); nothing was imported", id=first)
    prefix = str(store.settings().get("prefix") or ids.DEFAULT_PREFIX)
    for where, data in pending:
        data["id"] = fresh_id(prefix, f"{data.get('title')}\0{where}",
                              lambda i: i in seen or i in existing)
        issue = Issue.from_dict(data, where)
        seen[issue.id] = where
        issues.append(issue)

    def fn(snap: Snapshot) -> Change:
        taken = [i.id for i in issues if snap.exists(i.id)]
        if taken:
            raise Conflict(f"issue {taken[0]} already exists in the store; nothing was "
                           "imported", id=taken[0])
        return store.change("import", f"import {len(issues)} issues", issues)

    if issues:
        store.transact(fn)
    return [store.with_path(i) for i in issues]


# --- helpers ------------------------------------------------------------------------------------

def set_merge(values: list[str], add: list[str], remove: list[str]) -> bool:
    before = list(values)
    for v in add:
        if v not in values:
            values.append(v)
    for v in remove:
        while v in values:
            values.remove(v)
    return values != before


def status_side_effects(issue: Issue) -> None:
    """`closed` follows `status`; closing ends a claim."""
    if issue.status == "closed":
        issue.closed = issue.closed or timeutil.now_str()
        issue.claim = None
    else:
        issue.closed = None


def new_comment(author: str, body: str) -> Comment:
    seed = f"{author}\0{body}\0{os.urandom(8).hex()}".encode(errors="surrogatepass")
    digest = ids.sha1_hex(seed)
    return Comment(id=f"c-{digest[:8]}", author=author, created=timeutil.now_str(), body=body)


def set_path(issue: Issue, key: str, value: Any) -> bool:
    """`--set KEY=VALUE`: any key, dotted for nesting (agent.stage=review); validated after.
    True when it changed something."""
    parts = key.split(".")
    if not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", p) for p in parts):
        raise UsageError(f"invalid key {key!r} for --set")
    if parts[0] in ("id", "path"):
        raise UsageError(f"{parts[0]} cannot be changed")
    if len(parts) == 1 and parts[0] in ("title", "status", "type", "priority"):
        check_fields({parts[0]: value})
    data = issue.to_dict()
    node = data
    for p in parts[:-1]:
        if not isinstance(node.get(p), dict):
            node[p] = {}
        node = node[p]
    node[parts[-1]] = value
    new = validated(data)
    if new.to_dict() == issue.to_dict():
        return False
    from gitissues import schema

    broken = set(schema.errors(new.to_dict())) - set(schema.errors(issue.to_dict()))
    if broken:
        raise UsageError(f"--set {key}: " + "; ".join(sorted(broken))
                         + " (gi schema prints the issue file's schema)")
    source = issue.source
    issue.__dict__.update(new.__dict__)
    issue.source = source
    return True
