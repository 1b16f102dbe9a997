"""How Jira's fields read as gi's (SPEC §8): status, priority and issue type through tables a
bridge may override in its settings, and the pieces of an issue (times, links, people) as the
REST API sends them, v2 or v3.

Settings of a bridge, each a table (`gi config set bridges.work.statuses '{In Review: blocked}'`):
- `statuses`: Jira status name → gi status; a status not listed reads by its category
  (`new` → open, `indeterminate` → in_progress, `done` → closed), or as `blocked` when its name
  is Blocked;
- `transitions`: gi status → the name of the transition (or of the status it leads to) to take
  for it; without one, any transition to a status that reads as the wanted one;
- `priorities`: Jira priority name → 0..4 (defaults: Highest/Blocker 0, High/Critical 1,
  Medium/Major/Normal 2, Low/Minor 3, Lowest/Trivial 4);
- `types`: Jira issue type → gi type (defaults: Bug → bug, Story/New Feature/Improvement →
  feature, Task/Sub-task → task, Epic → epic); gi's `chore` goes out as Task unless a listed
  type reads as chore.
"""

from __future__ import annotations

from gitissues import timeutil
from gitissues.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

STATUSES = ("open", "in_progress", "blocked", "closed")
TYPES = ("bug", "feature", "task", "epic", "chore")
# the category keys of Jira 6 and later; older servers said in-flight and completed
CATEGORIES = {"new": "open", "indeterminate": "in_progress", "done": "closed",
              "undefined": "open", "in-flight": "in_progress", "completed": "closed"}
PRIORITIES = {"highest": 0, "blocker": 0, "high": 1, "critical": 1, "medium": 2, "major": 2,
              "normal": 2, "low": 3, "minor": 3, "lowest": 4, "trivial": 4}
PRIORITY_NAMES = ("Highest", "High", "Medium", "Low", "Lowest")
ISSUE_TYPES = {"bug": "bug", "story": "feature", "new feature": "feature",
               "improvement": "feature", "feature": "feature", "task": "task",
               "sub-task": "task", "subtask": "task", "epic": "epic", "chore": "chore"}
TYPE_NAMES = {"bug": ("Bug",), "feature": ("Story", "New Feature", "Improvement"),
              "task": ("Task",), "epic": ("Epic",), "chore": ("Chore", "Task")}
DEFAULT_PRIORITY = 2


class Tables:
    """The bridge's tables over the defaults, checked once when the bridge opens."""

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        given = settings or {}
        self.statuses = {k.lower(): v for k, v in _table(given, "statuses", STATUSES).items()}
        self.transitions = {k: v for k, v in _names(given, "transitions").items()}
        for status in self.transitions:
            if status not in STATUSES:
                raise UsageError(f"bridge setting transitions: {status!r} is not a gi status "
                                 f"({', '.join(STATUSES)})")
        self.priorities = {**PRIORITIES, **{k.lower(): v for k, v in
                                            _table(given, "priorities", range(5)).items()}}
        self.types = {**ISSUE_TYPES, **{k.lower(): v for k, v in
                                        _table(given, "types", TYPES).items()}}
        self.type_order = [k for k in _table(given, "types", TYPES)]

    def status_of(self, status: dict[str, Any] | None) -> str:
        """gi's status for a Jira status (`{name, statusCategory: {key}}`)."""
        status = status or {}
        name = str(status.get("name") or "").strip().lower()
        if name in self.statuses:
            return self.statuses[name]
        if name == "blocked":
            return "blocked"
        return CATEGORIES.get(str((status.get("statusCategory") or {}).get("key")), "open")

    def priority_of(self, priority: dict[str, Any] | None) -> int:
        name = str((priority or {}).get("name") or "").strip().lower()
        return self.priorities.get(name, DEFAULT_PRIORITY)

    def priority_name(self, wanted: int, available: list[str]) -> str | None:
        """The site's priority for gi's `wanted` (None: the site has none that reads so)."""
        for name in available:
            if self.priorities.get(name.lower()) == wanted:
                return name
        return None if available else PRIORITY_NAMES[wanted]

    def type_of(self, issuetype: dict[str, Any] | None) -> str:
        name = str((issuetype or {}).get("name") or "").strip().lower()
        return self.types.get(name, "task")

    def type_name(self, wanted: str, available: list[str]) -> str | None:
        """The project's issue type for gi's `wanted` type: a configured one first, then the
        defaults, then any type that reads as it; a chore falls back to a task."""
        by_lower = {a.lower(): a for a in available}
        for name in [*self.type_order, *TYPE_NAMES.get(wanted, ()),
                     *(a for a in available)]:
            if self.types.get(name.lower()) == wanted and name.lower() in by_lower:
                return by_lower[name.lower()]
            if wanted == "chore" and name == "Task" and "task" in by_lower:
                return by_lower["task"]
        return None


def _table(given: dict[str, Any], key: str, allowed: Any) -> dict[str, Any]:
    table = given.get(key) or {}
    if not isinstance(table, dict):
        raise UsageError(f"bridge setting {key} must map Jira names to gi values")
    for name, value in table.items():
        if value not in allowed:
            shown = ", ".join(str(a) for a in allowed)
            raise UsageError(f"bridge setting {key}.{name}: {value!r} is not one of {shown}")
    return {str(k): v for k, v in table.items()}


def _names(given: dict[str, Any], key: str) -> dict[str, list[str]]:
    table = given.get(key) or {}
    if not isinstance(table, dict):
        raise UsageError(f"bridge setting {key} must map gi statuses to transition names")
    return {str(k): [str(x) for x in (v if isinstance(v, list) else [v])]
            for k, v in table.items()}


# --- one issue ---------------------------------------------------------------------------

FIELDS = ("summary", "description", "status", "priority", "issuetype", "labels", "assignee",
          "fixVersions", "issuelinks", "comment", "updated", "project")
PROPERTY = "gi"  # the issue property naming the gi issue that gi created it for
BLOCKS = "blocks"  # the link type (by name, any case) that is gi's depends_on


def time_of(value: Any) -> str:
    """Jira's `2024-03-01T09:00:05.000+0100` as gi writes times (UTC, whole seconds)."""
    if not value:
        return ""
    try:
        return timeutil.normalize_time(value)
    except ValueError:
        return ""


def blockers(links: list[Any]) -> list[str]:
    """The keys of the issues an issue "is blocked by" (its inward Blocks links)."""
    out = []
    for link in links or []:
        kind = str(((link or {}).get("type") or {}).get("name") or "").lower()
        other = (link or {}).get("inwardIssue")
        if kind == BLOCKS and isinstance(other, dict) and other.get("key"):
            out.append(str(other["key"]))
    return sorted(set(out))


def person(user: Any, cloud: bool) -> str:
    """Who a Jira user is, as a bridge maps people: the account id on Cloud, the user name on
    Data Center."""
    if not isinstance(user, dict):
        return ""
    return str(user.get("accountId") if cloud else user.get("name") or user.get("key") or "")
