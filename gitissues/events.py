"""Events derived from one store commit: what changed in each issue file it touched, who did it
(its `Gi-*` trailers) and which merge conflicts it resolved (`Gi-Conflict`). The activity log
(gitissues.activity) caches what this derives."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from gitissues import ids, timeutil
from gitissues.errors import InvalidData
from gitissues.git.history import Commit, History
from gitissues.model import Issue

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

    from gitissues.store.index import Index

_TRAILER = re.compile(r"^(Gi-[A-Za-z-]+):[ \t]*(.*)$", re.M)
_ANY_TRAILER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*:[ \t]")
_HANDLED = {"id", "updated", "status", "closed", "claim", "depends_on", "comments", "links",
            "agent"}
TREE_TOP = ".issue-facade/issues"
_BULK = 100  # a commit creating more issues than this reads them from the index when it can


# --- deriving events from one change --------------------------------------------------------

def created_fields(d: dict[str, Any]) -> dict[str, Any]:
    """What an `issue.created` event says: the essentials, plus what was set."""
    out = {k: d.get(k) for k in ("title", "status", "type", "priority")}
    out.update({k: d[k] for k in ("labels", "assignees", "milestone", "parent", "depends_on")
                if d.get(k)})
    return out


def diff(old: Issue, new: Issue, op: str = "", when: str = "") -> list[tuple[str, dict]]:
    """Events `(type, fields)` for one issue changed from `old` to `new` by a commit with op
    `op` at time `when`."""
    out: list[tuple[str, dict]] = []
    if old.status != new.status:
        fields: dict[str, Any] = {"status": {"old": old.status, "new": new.status}}
        if old.closed != new.closed:
            fields["closed"] = {"old": old.closed, "new": new.closed}
        out.append(("status.changed", fields))
    out += _claim_events(old, new, op, when)
    out += [("dependency.added", {"dependency": d}) for d in new.depends_on
            if d not in old.depends_on]
    out += [("dependency.removed", {"dependency": d}) for d in old.depends_on
            if d not in new.depends_on]
    before = {c.id: c.to_dict() for c in old.comments}
    after = {c.id: c.to_dict() for c in new.comments}
    out += [("comment.added", {"comment": c["id"], "author": c["author"], "body": c["body"]})
            for cid, c in after.items() if cid not in before]
    old_commits = old.links.get("commits") or []
    out += [("commit.linked", {"commit": c}) for c in new.links.get("commits") or []
            if c not in old_commits]
    changed = _field_changes(old, new)
    touched = {k: v for k, v in before.items() if after.get(k) != v}
    if touched:
        changed["comments"] = {"old": list(touched.values()),
                               "new": [after[k] for k in touched if k in after]}
    if changed:
        out.append(("issue.updated", changed))
    return out


def _field_changes(old: Issue, new: Issue) -> dict[str, dict]:
    a, b = old.to_dict(), new.to_dict()
    out: dict[str, dict] = {}
    if old.status == new.status and a["closed"] != b["closed"]:  # else status.changed says it
        out["closed"] = {"old": a["closed"], "new": b["closed"]}
    for key in dict.fromkeys([*a, *b]):
        if key not in _HANDLED and a.get(key) != b.get(key):
            out[key] = {"old": a.get(key), "new": b.get(key)}
    la = {k: v for k, v in a["links"].items() if k != "commits"}
    lb = {k: v for k, v in b["links"].items() if k != "commits"}
    if la != lb:
        out["links"] = {"old": la, "new": lb}
    for key in dict.fromkeys([*a["agent"], *b["agent"]]):
        if a["agent"].get(key) != b["agent"].get(key):
            out[f"agent.{key}"] = {"old": a["agent"].get(key), "new": b["agent"].get(key)}
    return out


def _claim_events(old: Issue, new: Issue, op: str, when: str) -> list[tuple[str, dict]]:
    oc, nc = old.claim, new.claim
    if oc == nc:
        return []
    out: list[tuple[str, dict]] = []
    lapsed = oc is not None and (op == "claim.expired" or (
        op != "release" and bool(when) and oc.expires_at <= when))
    if oc is not None and (nc is None or nc.agent != oc.agent):
        kind = "claim.expired" if lapsed else "claim.released"
        out.append((kind, {"agent": oc.agent, "expires_at": oc.expires_at}))
    if nc is not None and (oc is None or nc.agent != oc.agent):
        out.append(("claim.acquired", {"agent": nc.agent, "claimed_at": nc.claimed_at,
                                       "expires_at": nc.expires_at}))
    elif nc is not None and oc is not None:
        out.append(("claim.extended", {"agent": nc.agent, "expires_at": {
            "old": oc.expires_at, "new": nc.expires_at}}))
    return out


def trailers(message: str) -> tuple[dict[str, str], list[dict]]:
    """The commit's `Gi-*` trailers (first of each) and its `Gi-Conflict` records, read only
    from the trailer block: the last paragraph, when every line of it is a trailer (so no text
    in a subject or body can pass for one)."""
    found: dict[str, str] = {}
    conflicts = []
    block = message.replace("\r\n", "\n").strip("\n").rsplit("\n\n", 1)[-1]
    if not all(_ANY_TRAILER.match(line) for line in block.split("\n")):
        return found, conflicts
    for key, value in _TRAILER.findall(block):
        if key == "Gi-Conflict":
            try:
                record = json.loads(value)
            except ValueError:
                continue
            if isinstance(record, dict):
                conflicts.append(record)
        else:
            found.setdefault(key, value.strip())
    return found, conflicts


def _resolved(record: dict) -> dict[str, Any]:
    """A `merge.conflict_resolved` event's fields; `file` names a file that is not an issue
    (the settings)."""
    fields = {k: record.get(k) for k in ("field", "kept", "lost")}
    return {**fields, "file": record["file"]} if record.get("file") else fields


# --- walking the history --------------------------------------------------------------------

def _paired(changes: list[tuple[str, str | None, str | None]]
            ) -> list[tuple[str, str | None, str | None]]:
    """A file removed at one path and added at another for the same issue (a layout
    migration, a merge placing it anew) is one change of that issue, not a new issue. In id
    order: the layout orders paths by a hash."""
    gone = {ids.id_of_path(p): old for p, old, new in changes if new is None}
    added = {ids.id_of_path(p) for p, old, new in changes if old is None and new is not None}
    out = []
    for path, old, new in sorted(changes, key=lambda c: (ids.id_of_path(c[0]) or "", c[0])):
        issue_id = ids.id_of_path(path)
        if new is None and issue_id in added:
            continue
        if old is None and new is not None and issue_id in gone:
            old = gone[issue_id]
        out.append((path, old, new))
    return out


class Deriver:
    """Events of commits, each blob parsed at most once per run."""

    def __init__(self, objects: History, top: str, index: Index | None,
                 target: str | None) -> None:
        self.objects, self.top, self.index, self.target = objects, top, index, target
        self.lease_top = top.rsplit("/", 1)[0] + "/leases" if "/" in top else "leases"
        self.parsed: dict[str, Issue | None] = {}
        self.at_target: dict[str, str] | None = None

    def issue(self, blob: str, path: str) -> Issue | None:
        if blob not in self.parsed:
            try:
                text = self.objects.blob(blob).decode("utf-8")
                self.parsed[blob] = Issue.from_yaml(text, path)
            except (InvalidData, UnicodeDecodeError):
                self.parsed[blob] = None
        return self.parsed[blob]

    def commit(self, c: Commit) -> list[tuple[str, ...]]:
        found, conflicts = trailers(c.message)
        actor = found.get("Gi-Actor") or c.author
        op = found.get("Gi-Op", "")
        when = timeutil.format_time(datetime.fromtimestamp(c.time, UTC))
        events: list[tuple[str, str | None, dict]] = []
        if len(c.parents) > 1:  # the sides' changes were logged on the sides
            if not conflicts and self.top == TREE_TOP and self._touches(c):
                conflicts = self._recorded(c)  # tree mode: the merge driver's records
            events = [("merge.conflict_resolved", r.get("issue"), _resolved(r))
                      for r in conflicts]
        else:
            if self._touches(c):
                changes = _paired([x for x in self.objects.commit_changes(c, self.top)
                                   if x[0].endswith(".yaml")])
                bulk = self._bulk([x for x in changes if x[1] is None])
                for path, old_blob, new_blob in changes:
                    events += self._file(path, old_blob, new_blob, op, when, bulk)
                # a bridge's pull merges one issue in an ordinary commit, its conflicts on
                # record
                events += [("merge.conflict_resolved", r.get("issue"), _resolved(r))
                           for r in conflicts]
            if self._touches(c, self.lease_top):
                events += self._leases(c, op, actor, when)
        return [(f"{c.id}:{n}", c.id, kind, when, actor, issue,
                 json.dumps(fields, ensure_ascii=False))
                for n, (kind, issue, fields) in enumerate(events)]

    def _file(self, path: str, old_blob: str | None, new_blob: str | None, op: str, when: str,
              bulk: dict[str, dict]) -> list[tuple[str, str | None, dict]]:
        if new_blob is None:
            return []  # gi never deletes an issue; a removed file is not an event of the list
        if old_blob is None:
            data = bulk.get(path)
            if data is None:
                issue = self.issue(new_blob, path)
                data = issue.to_dict() if issue else None
            return [("issue.created", data["id"], created_fields(data))] if data else []
        old, new = self.issue(old_blob, path), self.issue(new_blob, path)
        if new is None:
            return []
        if old is None:  # the file was broken before: all we can say is what it says now
            return [("issue.updated", new.id, {"file": {"old": None, "new": path}})]
        return [(kind, new.id, fields) for kind, fields in diff(old, new, op, when)]

    def _leases(self, c: Commit, op: str, actor: str, when: str
                ) -> list[tuple[str, str | None, dict]]:
        """The lease events of a commit (gitissues.leases.events); they name no issue."""
        from gitissues.leases import events as lease_events

        out: list[tuple[str, str | None, dict]] = []
        for path, old, new in self.objects.commit_changes(c, self.lease_top):
            if path.endswith(".yaml"):
                before = lease_events.read(self.objects.blob(old) if old else None, path)
                after = lease_events.read(self.objects.blob(new) if new else None, path)
                out += [(kind, None, fields) for kind, fields
                        in lease_events.diff(before, after, op, actor, when)]
        return out

    def _recorded(self, c: Commit) -> list[dict]:
        """The conflict records (`conflicts:` in an issue) that a tree-mode merge added."""
        from gitissues.merge_driver import new_records

        out = []
        for path, _old, new in self.objects.commit_changes(c, self.top):
            data = self.objects.blob(new) if new and path.endswith(".yaml") else b""
            if b"conflicts" in data:
                out += new_records(data, [self.objects.blob_at(p, path) for p in c.parents],
                                   path)
        return out

    def _touches(self, c: Commit, top: str | None = None) -> bool:
        """Cheap test before a full tree diff (tree mode: most code commits touch no issue;
        most store commits touch no lease)."""
        top = top or self.top
        repo = self.objects.repo

        def sub(commit_id: str) -> Any:
            try:
                return repo[commit_id].tree[top].id
            except KeyError:
                return None

        if not c.parents:
            return top == self.top or sub(c.id) is not None

        return sub(c.id) != sub(c.parents[0])

    def _bulk(self, added: list[tuple[str, str | None, str | None]]) -> dict[str, dict]:
        """Created issues of a big import, from the index rows when their blob is still the
        one at the tip the index reflects (no YAML parsing)."""
        if len(added) <= _BULK or self.index is None or self.target is None:
            return {}
        if self.at_target is None:
            self.at_target = dict(self.objects.files_under(self.target, self.top))
        wanted = [p for p, _, new in added if new and self.at_target.get(p) == new]
        out: dict[str, dict] = {}
        db = self.index.db
        db.execute("BEGIN")  # one consistent read: the token and the rows
        try:
            if self.index.meta("token") == self.target:
                for p in wanted:
                    row = db.execute("SELECT json FROM issues WHERE path=?", (p,)).fetchone()
                    if row:
                        out[p] = json.loads(row[0])
        finally:
            db.execute("COMMIT")
        return out
