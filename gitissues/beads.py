"""Switching from beads (SPEC §3, `gi import --from beads`): the JSONL that beads and beads_rust
keep in `.beads/issues.jsonl`, one issue a line, becomes gi issues in one commit.

beads ids (`bd-a1b2`, `bd-1dez.1`, `beads_rust-07b`) do not fit gi's `<prefix>-<hex>`, so each
issue gets a new id made from a hash of its beads id (the same file gives the same ids on every
clone, so two clones that import it merge cleanly) and keeps the old one in `links.beads`, which
the index resolves (`gi show bd-a1b2`). An issue whose beads id already resolves is left alone,
so importing the same file again adds nothing.
"""

from __future__ import annotations

from gitissues import edits, ids, timeutil
from gitissues.errors import InvalidData
from gitissues.model import TYPES

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from gitissues.model import Issue
    from gitissues.store.core import StoreCore

SOURCE = ids.ALIAS_LINKS[0]  # "beads": the links key that keeps an issue's beads id
# beads status -> gi status; a status not listed here becomes `blocked` (never ready, as in
# beads, where only `open` is ready work) and, like `hooked`, is kept as the label status:NAME
STATUSES = {"open": "open", "in_progress": "in_progress", "blocked": "blocked",
            "closed": "closed", "hooked": "in_progress"}
KEPT_AS_IS = ("open", "in_progress", "blocked", "closed")
TOMBSTONE = "tombstone"
BLOCKS = "blocks"
PARENT_KINDS = ("parent-child", "parent_child")
SECTIONS = (("design", "Design"), ("acceptance_criteria", "Acceptance criteria"),
            ("notes", "Notes"))
ID_LENGTHS = (6, 8, 10, 12)  # longer only when the shorter id is taken by another issue


class BeadsImport:
    """What an import did: the issues it created, what it skipped (`tombstone`: deleted in
    beads; `existing`: imported before), and the dependencies it read, by kind."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.skipped = {TOMBSTONE: 0, "existing": 0}
        self.dependencies: dict[str, int] = {}
        self.unresolved = 0  # dependencies on issues not in the file (kept as links)

    def to_json(self) -> dict[str, Any]:
        return {"imported": len(self.issues), "skipped": dict(self.skipped),
                "dependencies": dict(sorted(self.dependencies.items())),
                "unresolved": self.unresolved,
                "issues": [i.to_json() for i in self.issues]}


def import_beads(store: StoreCore, records: Iterable[tuple[str, Any]]) -> BeadsImport:
    """Import `(where, data)` records of a beads JSONL file in one change. Every record is
    checked before anything is written; a malformed one is `InvalidData` naming its line."""
    result = BeadsImport()
    rows: dict[str, tuple[str, dict]] = {}
    for where, data in records:
        rec = _checked(where, data)
        if rec["id"] in rows:
            raise InvalidData(f"{where}: beads id {rec['id']} appears twice (also at "
                              f"{rows[rec['id']][0]}); nothing was imported", file=where)
        rows[rec["id"]] = (where, rec)
    live = {bid: row for bid, row in rows.items() if row[1]["status"] != TOMBSTONE}
    result.skipped[TOMBSTONE] = len(rows) - len(live)
    index = store.fresh()
    with index.reading():
        known = {bid: found[0] for bid in live if (found := index.resolve_alias(bid))}
        taken = index.ids()
    result.skipped["existing"] = len(known)
    prefix = str(store.settings().get("prefix") or ids.DEFAULT_PREFIX)
    new_ids = dict(known)
    for bid in sorted(live.keys() - known.keys()):
        new_ids[bid] = _new_id(prefix, bid, taken)
        taken.add(new_ids[bid])
    out = [(where, _issue(rec, new_ids, result)) for bid, (where, rec) in live.items()
           if bid not in known]
    result.issues = edits.import_issues(store, out)
    return result


def _new_id(prefix: str, beads_id: str, taken: set[str]) -> str:
    digest = ids.sha1_hex(f"{SOURCE}\0{beads_id}".encode())
    for length in ID_LENGTHS:
        if f"{prefix}-{digest[:length]}" not in taken:
            return f"{prefix}-{digest[:length]}"
    raise InvalidData(f"no free id for beads issue {beads_id}")  # 2**48 ids: not in practice


def _issue(rec: dict, new_ids: dict[str, str], result: BeadsImport) -> dict[str, Any]:
    """The gi issue (as a dict for `edits.import_issues`) of one checked beads record."""
    own = new_ids[rec["id"]]
    status = STATUSES.get(rec["status"], "blocked")
    labels = list(rec["labels"])
    if rec["status"] not in KEPT_AS_IS:
        labels.append(f"status:{rec['status']}")
    itype = rec["issue_type"] if rec["issue_type"] in TYPES else "task"
    if rec["issue_type"] not in TYPES:
        labels.append(f"type:{rec['issue_type']}")
    links: dict[str, Any] = {SOURCE: rec["id"]}
    depends_on: list[str] = []
    parent = None
    for dep in rec["dependencies"]:
        kind = "parent-child" if dep["type"] in PARENT_KINDS else dep["type"]
        result.dependencies[kind] = result.dependencies.get(kind, 0) + 1
        target = new_ids.get(dep["depends_on_id"])
        if target == own:
            continue
        if target and kind == BLOCKS:
            depends_on.append(target)
        elif target and kind == "parent-child" and parent is None:
            parent = target
        else:  # related, discovered-from, …, and anything whose other end is not in the file
            result.unresolved += target is None
            links.setdefault(kind, []).append(target or dep["depends_on_id"])
    if parent is None and rec.get("parent") in new_ids and new_ids[rec["parent"]] != own:
        parent = new_ids[rec["parent"]]
    if rec.get("external_ref"):
        links["external_ref"] = rec["external_ref"]
    created = rec["created_at"] or timeutil.now_str()
    updated = rec["updated_at"] or created
    closed = (rec["closed_at"] or updated) if status == "closed" else None
    author = rec.get("created_by") or rec.get("owner") or ""
    assignees = [rec["assignee"]] if rec.get("assignee") else []
    comments = [_comment(rec["id"], str(c.get("id", n)), c.get("author") or "",
                         c["created_at"] or created, c["text"])
                for n, c in enumerate(rec["comments"])]
    if closed and rec.get("close_reason"):  # as `gi close --reason` keeps it
        comments.append(_comment(rec["id"], "close", (assignees or [author])[0], closed,
                                 f"Closed: {rec['close_reason']}"))
    data = {"id": own, "title": " ".join(rec["title"].split()) or rec["id"], "status": status,
            "type": itype, "priority": rec["priority"], "labels": labels,
            "assignees": assignees, "parent": parent, "depends_on": depends_on,
            "created": created, "updated": updated, "closed": closed, "links": links,
            "body": _body(rec), "comments": comments}
    if author:
        data["author"] = author
    return data


def _comment(beads_id: str, key: str, author: str, created: str, body: str) -> dict[str, Any]:
    digest = ids.sha1_hex(f"{SOURCE}\0{beads_id}\0{key}".encode())
    return {"id": f"c-{digest[:8]}", "author": author, "created": created, "body": body}


def _body(rec: dict) -> str:
    """The description, then design, acceptance criteria and notes as sections of it."""
    parts = [rec["description"].strip()] if rec["description"].strip() else []
    parts += [f"## {heading}\n\n{rec[key].strip()}" for key, heading in SECTIONS
              if rec[key].strip()]
    return "\n\n".join(parts) + "\n" if parts else ""


# --- checking one record ------------------------------------------------------------------------

def _checked(where: str, data: Any) -> dict[str, Any]:
    """The fields of one beads record that the import reads, checked and defaulted; a
    malformed record is `InvalidData` naming its line and field (beads' own names)."""
    if not isinstance(data, dict):
        raise InvalidData(f"{where}: expected a JSON object (one beads issue)", file=where)

    def fail(key: str, message: str) -> InvalidData:
        return InvalidData(f"{where}: field {key!r}: {message}", file=where, field=key)

    def text(key: str, default: str = "") -> str:
        v = data.get(key)
        if v is None:
            return default
        if not isinstance(v, str):
            raise fail(key, f"expected text, got {type(v).__name__}")
        return v

    def time(d: dict, key: str) -> str | None:
        v = d.get(key)
        if v in (None, ""):
            return None
        try:
            return timeutil.normalize_time(v)
        except (TypeError, ValueError):
            raise fail(key, f"not an RFC 3339 time: {v!r}") from None

    def records(key: str, needed: tuple[str, ...]) -> list[dict]:
        v = data.get(key) or []
        if not isinstance(v, list) or not all(
                isinstance(x, dict) and all(isinstance(x.get(k), str) for k in needed)
                for x in v):
            raise fail(key, f"expected a list of objects with {', '.join(needed)}")
        return v

    rec = {k: text(k) for k in ("id", "title", "description", "design",
                                "acceptance_criteria", "notes")}
    if not ids.is_alias(rec["id"]):
        raise fail("id", f"not a beads issue id: {data.get('id')!r}")
    rec["status"] = text("status", "open") or "open"
    rec["issue_type"] = text("issue_type", "task") or "task"
    priority = data.get("priority", 2)
    if priority is None:
        priority = 2
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 4:
        raise fail("priority", f"{priority!r} is not a whole number from 0 to 4")
    rec["priority"] = priority
    labels = data.get("labels") or []
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise fail("labels", "expected a list of text values")
    rec["labels"] = labels
    for key in ("assignee", "created_by", "owner", "close_reason", "external_ref", "parent"):
        rec[key] = text(key)
    for key in ("created_at", "updated_at", "closed_at"):
        rec[key] = time(data, key)
    rec["dependencies"] = [{"depends_on_id": d["depends_on_id"],
                            "type": d.get("type") or BLOCKS}
                           for d in records("dependencies", ("depends_on_id",))]
    if not all(isinstance(d["type"], str) for d in rec["dependencies"]):
        raise fail("dependencies", "a dependency's type must be text")
    rec["comments"] = [{**c, "created_at": time(c, "created_at")}
                       for c in records("comments", ("text",))]
    return rec
