"""What each MCP tool does: one handler per tool of `catalog.TOOLS`, each a thin call on the
one store the server keeps open, answering a small JSON document (see `render`).

The store is long-lived but never stale: every read checks the index against the store's ref
tip first (`StoreCore.fresh`), so a write by another process (the CLI, another agent, a pull)
shows on the next call. The agent is worked out again on every call (SPEC §7, with the MCP
client's name after `agent.id` and before git's `user.name`), so a later `gi config set
agent.id` counts at once.
"""

from __future__ import annotations

from gitissues import identity
from gitissues.errors import UsageError
from gitissues.mcp import paging, render
from gitissues.mcp.catalog import DEFAULT_LIMIT
from gitissues.store import Store

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from gitissues.model import Issue

    Handler = Callable[[Store, dict[str, Any]], dict[str, Any]]


class SessionStore(Store):
    """The store as one MCP session sees it: the acting agent includes the client's name."""

    client: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.totals = paging.Totals()

    @property  # type: ignore[override]
    def actor(self) -> str:
        return identity.agent(self.paths, self.settings, client=self.client)[0]


def _written(issue: Issue, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"issue": render.line(issue)}
    if issue.changed is False:
        doc["changed"] = False
    return {**doc, **extra}


def _page(page: paging.Page, lines: list[str] | None = None) -> dict[str, Any]:
    """`{total, issues: [one line each], cursor?, warnings?}`."""
    doc: dict[str, Any] = {"total": page.total, "issues": lines if lines is not None else
                           [render.line(i) for i in page.issues]}
    if page.cursor:
        doc["cursor"] = page.cursor
    if page.warnings:
        doc["warnings"] = [f"skipped a malformed issue file: {w}" for w in page.warnings]
    return doc


def _totals(store: Store) -> paging.Totals | None:
    return getattr(store, "totals", None)


def _limit(args: dict[str, Any]) -> int:
    return int(args.get("limit") or DEFAULT_LIMIT)


def ready(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    terms = f"is:ready {args.get('query') or ''}".strip()
    return _page(paging.issues(store, terms, _limit(args), args.get("cursor"), "ready",
                               totals=_totals(store)))


def list_(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    terms = args.get("query") or ""
    return _page(paging.issues(store, terms, _limit(args), args.get("cursor"), "list",
                               totals=_totals(store)))


def blocked(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    from gitissues.query import UNCLOSED_DEPS

    page = paging.issues(store, args.get("query") or "", _limit(args), args.get("cursor"),
                         "blocked", extra=UNCLOSED_DEPS, totals=_totals(store))
    by = _blockers(store, [i.id for i in page.issues])
    lines = [render.line(i) + (" <- " + render.cut(", ".join(by[i.id]), 60) if by.get(i.id)
                               else "") for i in page.issues]
    return _page(page, lines=lines)


def _blockers(store: Store, wanted: list[str]) -> dict[str, list[str]]:
    """The unclosed dependencies of each of `wanted`, by id."""
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    with store.index.reading():
        rows = store.index.rows(
            "SELECT d.issue, x.id FROM deps d JOIN issues x ON x.id = d.dep"
            f" WHERE x.status != 'closed' AND d.issue IN ({marks}) ORDER BY d.rowid", wanted)
    by: dict[str, list[str]] = {}
    for issue_id, dep_id in rows:
        by.setdefault(issue_id, []).append(dep_id)
    return by


def show(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    issue = store.get(args["id"])
    return render.full(issue, store.mode) if args.get("full") else render.compact(
        issue, store.mode)


def claim(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    if args.get("next"):
        if args.get("id"):
            raise UsageError("claim: give id, or next: true (with query), not both")
        issue = store.claim_next(args.get("query") or "", args.get("ttl"))
    else:
        if not args.get("id"):
            raise UsageError("claim: give id, or next: true", argument="id")
        if args.get("query"):
            raise UsageError("claim: query goes with next: true", argument="query")
        issue = store.claim(args["id"], args.get("ttl"))
    assert issue.claim is not None
    return _written(issue, expires_at=issue.claim.expires_at)


def release(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    return _written(store.release(args["id"]))


def extend(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    issue = store.extend(args["id"], args.get("ttl"))
    return _written(issue, expires_at=issue.claim.expires_at if issue.claim else None)


def create(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    issue = store.create(
        args["title"], body=args.get("body") or "", type=args.get("type") or "task",
        priority=args.get("priority", 2), labels=args.get("label", ()),
        assignees=args.get("assignee", ()), depends_on=args.get("depends_on", ()),
        parent=args.get("parent"), milestone=args.get("milestone"))
    return {"id": issue.id, "issue": render.line(issue)}


_EDITS = {"add_label": "add_labels", "remove_label": "remove_labels", "set": "set_fields"}


def edit(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    fields = {_EDITS.get(k, k): v for k, v in args.items() if k != "id"}
    if not fields:
        raise UsageError("edit: nothing to change: give title, body, status, type, priority, "
                         "add_label, remove_label, assign, unassign, milestone or set")
    return _written(store.edit(args["id"], **fields))


def comment(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    issue = store.comment(args["id"], args["text"])
    return _written(issue, comment=issue.comments[-1].id if issue.comments else None)


def close(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    return _written(store.close(args["id"], args.get("reason")))


def progress(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    issue = store.progress(args["id"], args.get("progress"), args.get("stage"),
                           args.get("checkpoint", ()))
    keys = ("progress", "stage", "checkpoints")
    return _written(issue, agent={k: issue.agent[k] for k in keys if k in issue.agent})


def dep_add(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    return _written(store.dep_add(args["id"], args["depends_on"]))


def dep_rm(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    return _written(store.dep_rm(args["id"], args["depends_on"]))


def log(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    events, total, earlier = paging.events(store, _limit(args), args.get("cursor"),
                                           args.get("id"), args.get("agent"),
                                           args.get("since"))
    doc: dict[str, Any] = {"total": total, "events": [_event(e) for e in events]}
    if earlier:
        doc["cursor"] = earlier
    return doc


def _event(e: dict[str, Any]) -> str:
    """`time actor issue type {fields}` on one line."""
    fields = render.cut(render.dumps(e.get("fields") or {}), 160)
    return render.one_line(f"{e['time']} {e['actor'] or '?'} {e['issue'] or '-'} {e['type']} "
                           f"{fields}", 260)


def sync(store: Store, args: dict[str, Any]) -> dict[str, Any]:
    return store.sync(args.get("remote"), args.get("strategy"))


HANDLERS: dict[str, Handler] = {
    "ready": ready, "claim": claim, "release": release, "extend": extend, "show": show,
    "list": list_, "create": create, "edit": edit, "comment": comment, "close": close,
    "progress": progress, "dep_add": dep_add, "dep_rm": dep_rm, "blocked": blocked,
    "log": log, "sync": sync,
}
