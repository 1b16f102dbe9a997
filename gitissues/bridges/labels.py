"""Status and priority on the forges (SPEC §8): Gitea, GitHub and GitLab know only open and
closed, so `in_progress` and `blocked` travel as the labels `status:in_progress` and
`status:blocked`, and a priority other than the default as `priority:N`."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DEFAULT_PRIORITY = 2
_STATUS_LABELS = {"status:in_progress": "in_progress", "status:blocked": "blocked"}


def to_forge(fields: dict[str, Any]) -> tuple[str, list[str]]:
    """(`open`|`closed`, the labels to set) for gi's fields."""
    status = fields.get("status") or "open"
    labels = [x for x in fields.get("labels") or [] if not _ours(x)]
    if status in ("in_progress", "blocked"):
        labels.append(f"status:{status}")
    priority = fields.get("priority")
    if priority is not None and priority != DEFAULT_PRIORITY:
        labels.append(f"priority:{priority}")
    return ("closed" if status == "closed" else "open"), labels


def from_forge(state: str, labels: list[str]) -> dict[str, Any]:
    """gi's `status`, `priority` and `labels` for a forge issue's state and labels; a status
    label on a closed issue is ignored (closed wins)."""
    status, priority, plain = "open", DEFAULT_PRIORITY, []
    for name in labels:
        if name in _STATUS_LABELS:
            status = _STATUS_LABELS[name]
        elif name.startswith("priority:") and name[9:].isdigit() and int(name[9:]) <= 4:
            priority = int(name[9:])
        else:
            plain.append(name)
    if state == "closed":
        status = "closed"
    return {"status": status, "priority": priority, "labels": plain}


def _ours(name: str) -> bool:
    return name in _STATUS_LABELS or (name.startswith("priority:") and name[9:].isdigit())
