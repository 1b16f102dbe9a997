"""Linear's issues in gi's terms and back: workflow states, priority, labels, people (SPEC §8).

- Status by the state's type: `backlog`, `unstarted` and `triage` are open, `started` is
  in progress, `completed` and `canceled` are closed. A state named *Blocked* (any case, any
  type but those two) is `blocked`. A team without one carries `blocked` as the label
  `status:blocked` on an open state, as the forges do. On push a changed status moves the
  issue to the team's first state of the wanted type by position (open: `unstarted`, else
  `backlog`, else `triage`; in progress: the first `started` state not named Blocked; closed:
  `completed`, else `canceled`).
- Priority: gi's 0 (critical) … 4 (backlog) and Linear's 1 (urgent) … 4 (low), 0 (none) are
  both five steps, and Linear sorts *no priority* last; so gi p is Linear p + 1 for p < 4,
  and gi 4 is Linear 0. Nothing is lost either way; an issue with no priority in Linear is
  backlog in gi, and gi's default 2 is Linear's *medium*.
"""

from __future__ import annotations

from gitissues import timeutil
from gitissues.bridges import linear_ids
from gitissues.bridges.base import Remote, RemoteComment, normal_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

BLOCKED_LABEL = "status:blocked"
TO_LINEAR = {0: 1, 1: 2, 2: 3, 3: 4, 4: 0}
FROM_LINEAR = {v: k for k, v in TO_LINEAR.items()}
_CLOSED = ("completed", "canceled")
WANTED = {"open": ("unstarted", "backlog", "triage"), "in_progress": ("started",),
          "closed": ("completed", "canceled"), "blocked": ("unstarted", "backlog", "triage")}


def is_blocked_state(state: dict[str, Any]) -> bool:
    return str(state.get("name") or "").strip().lower() == "blocked" \
        and state.get("type") not in _CLOSED


def status_of(state: dict[str, Any] | None, labels: list[str]) -> str:
    kind = (state or {}).get("type")
    if kind in _CLOSED:
        return "closed"
    if is_blocked_state(state or {}) or BLOCKED_LABEL in labels:
        return "blocked"
    return "in_progress" if kind == "started" else "open"


def state_for(status: str, states: list[dict[str, Any]]) -> tuple[str | None, bool]:
    """(the state for gi's `status`, or None when the team has none of its kinds; whether the
    `status:blocked` label is wanted)."""
    ordered = sorted(states, key=lambda s: float(s.get("position") or 0))
    if status == "blocked":
        named = [s for s in ordered if is_blocked_state(s)]
        if named:
            return named[0]["id"], False
    for kind in WANTED.get(status, WANTED["open"]):
        found = [s for s in ordered if s.get("type") == kind and not is_blocked_state(s)]
        if found:
            return found[0]["id"], status == "blocked"
    return None, status == "blocked"


def remote_of(node: dict[str, Any], team: str, labels: list[str] | None = None,
              comments: list[dict[str, Any]] | None = None) -> Remote:
    """A Linear issue (as the GiIssue fragment reads it) in gi's terms; `labels`/`comments`
    given when the nested lists had more than one page."""
    names = labels if labels is not None else \
        [lb["name"] for lb in ((node.get("labels") or {}).get("nodes") or [])]
    assignee = node.get("assignee") or {}
    fields = {"title": node.get("title") or "",
              "body": normal_text(node.get("description") or ""),
              "status": status_of(node.get("state"), names),
              "priority": FROM_LINEAR.get(int(node.get("priority") or 0), 4),
              "labels": sorted(n for n in names if n != BLOCKED_LABEL),
              "assignees": [login(assignee)] if assignee else [],
              "milestone": (node.get("projectMilestone") or {}).get("name") or None}
    listed = comments if comments is not None else \
        ((node.get("comments") or {}).get("nodes") or [])
    said = sorted((comment_of(c, team) for c in listed), key=lambda c: (c.created, c.key))
    # a comment does not move the updatedAt; the pull's cursor must pass it all the same
    updated = max([time_of(node.get("updatedAt"))]
                  + [time_of(c.get("updatedAt")) for c in listed])
    return Remote(str(node["id"]), node.get("url") or "", updated, fields, said,
                  linear_ids.marked(team, str(node["id"])),
                  remote_id=node.get("identifier") or None)


def login(user: dict[str, Any]) -> str:
    """What gi calls a Linear user: the display name (the @handle), else the e-mail's."""
    return str(user.get("displayName") or str(user.get("email") or "").partition("@")[0]
               or user.get("name") or "")


def comment_of(c: dict[str, Any], team: str) -> RemoteComment:
    return RemoteComment(str(c["id"]), login(c.get("user") or {}), time_of(c.get("createdAt")),
                         normal_text(c.get("body") or ""),
                         linear_ids.marked(team, str(c["id"]), linear_ids.COMMENT))


def blockers(node: dict[str, Any]) -> dict[str, str]:
    """The issues that block this one (`blocks` relations pointing at it): their id → the
    relation's id."""
    return {r["issue"]["id"]: r["id"] for r in (node.get("inverseRelations") or {}).get(
        "nodes") or [] if r.get("type") == "blocks" and r.get("issue")}


def time_of(value: Any) -> str:
    """Linear's `2024-03-01T09:00:05.652Z` as gi writes times (whole seconds, UTC)."""
    if not value:
        return ""
    try:
        return timeutil.normalize_time(value)
    except ValueError:
        return ""
