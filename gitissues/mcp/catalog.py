"""The MCP tools: their names (the CLI's command names, SPEC §3), one-line descriptions and
input schemas, and the check of a call's arguments against them.

Every tool's description and schema is sent to the model at the start of each session, so they
are kept terse: all of them together stay under 2,500 tokens (a test measures the real
`tools/list` answer). Arguments carry the CLI's names (`id`, `query`, `ttl`, `next`, …).
"""

from __future__ import annotations

from gitissues.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

STATUSES = ["open", "in_progress", "blocked", "closed"]
TYPES = ["bug", "feature", "task", "epic", "chore"]
MAX_LIMIT = 100
DEFAULT_LIMIT = 20

_STR: dict[str, Any] = {"type": "string"}
_STRS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
_ID = {"type": "string", "description": "issue id or unique prefix"}
_QUERY = {"type": "string", "description": "query terms, e.g. label:ui priority:<=1 crash"}
_LIMIT = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
          "description": f"default {DEFAULT_LIMIT}"}
_CURSOR = {"type": "string", "description": "from the previous page"}
_TTL = {"type": "string", "description": "30m, 2h, 1d"}
_PAGED = {"query": _QUERY, "limit": _LIMIT, "cursor": _CURSOR}
_LISTED = " One line each: id status priority title @holder; total, cursor for more."


def _tool(description: str, properties: dict[str, Any], required: tuple[str, ...] = ()
          ) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return {"description": description, "inputSchema": schema}


TOOLS: dict[str, dict[str, Any]] = {
    "ready": _tool("Open, unclaimed issues whose dependencies are closed, by priority then age."
                   + _LISTED, _PAGED),
    "claim": _tool("Take exclusive work on an issue, or next: true for the first ready one "
                   "(query narrows). Someone else's live claim is a conflict naming them.",
                   {"id": _ID, "next": {"type": "boolean"}, "query": _QUERY, "ttl": _TTL}),
    "release": _tool("Give your claim back.", {"id": _ID}, ("id",)),
    "extend": _tool("Prolong your claim.", {"id": _ID, "ttl": _TTL}, ("id",)),
    "show": _tool("One issue, compact; full: true for every field. Long text is cut, with a "
                  "note saying where the rest is.",
                  {"id": _ID, "full": {"type": "boolean"}}, ("id",)),
    "list": _tool("Issues matching a query (default is:open; is:closed, label:, assignee:me, "
                  "sort:updated, words…)." + _LISTED, _PAGED),
    "create": _tool("Create an issue.", {
        "title": _STR, "body": _STR, "type": {"enum": TYPES},
        "priority": {"type": "integer", "minimum": 0, "maximum": 4,
                     "description": "0 critical … 4 backlog; default 2"},
        "label": _STRS, "assignee": _STRS, "depends_on": _STRS, "parent": _STR,
        "milestone": _STR}, ("title",)),
    "edit": _tool("Update fields of an issue.", {
        "id": _ID, "title": _STR, "body": _STR, "status": {"enum": STATUSES},
        "type": {"enum": TYPES}, "priority": {"type": "integer", "minimum": 0, "maximum": 4},
        "add_label": _STRS, "remove_label": _STRS, "assign": _STRS, "unassign": _STRS,
        "milestone": _STR, "set": {"type": "object", "description": "any field: {KEY: VALUE}"}},
        ("id",)),
    "comment": _tool("Add a comment.", {"id": _ID, "text": _STR}, ("id", "text")),
    "close": _tool("Close an issue (ends its claim).", {"id": _ID, "reason": _STR}, ("id",)),
    "progress": _tool("Record your progress on an issue.", {
        "id": _ID, "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "stage": _STR, "checkpoint": _STRS}, ("id",)),
    "dep_add": _tool("id depends on depends_on (a cycle is refused).",
                     {"id": _ID, "depends_on": _ID}, ("id", "depends_on")),
    "dep_rm": _tool("id no longer depends on depends_on.",
                    {"id": _ID, "depends_on": _ID}, ("id", "depends_on")),
    "blocked": _tool("Open issues with an unclosed dependency, each with its blockers."
                     + _LISTED, _PAGED),
    "log": _tool("Activity, newest page first (lines oldest first); cursor for older.", {
        "id": _ID, "agent": _STR, "since": {"type": "string", "description": "1d, 2h or a date"},
        "limit": _LIMIT, "cursor": _CURSOR}),
    "sync": _tool("Fetch, merge and push the issues with a git remote.",
                  {"remote": {"type": "string", "description": "default origin"},
                   "strategy": {"enum": ["merge", "ours", "theirs", "newer"]}}),
}

_JSON_TYPES: dict[str, Any] = {"string": str, "integer": int, "number": (int, float),
                               "boolean": bool, "array": list, "object": dict}


def checked(name: str, arguments: Any) -> dict[str, Any]:
    """The arguments of a call to tool `name`, held to its schema: an unknown argument, a
    value of the wrong type or outside its range is a usage error that names it."""
    tool = TOOLS[name]["inputSchema"]
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise UsageError(f"{name}: arguments must be an object")
    props = tool["properties"]
    unknown = sorted(set(arguments) - set(props))
    if unknown:
        raise UsageError(f"{name}: unknown argument {', '.join(map(repr, unknown))}; "
                         f"it takes {', '.join(props) or 'none'}", argument=unknown[0])
    for key in tool.get("required", ()):
        if arguments.get(key) in (None, ""):
            raise UsageError(f"{name}: {key} is required", argument=key)
    out = {}
    for key, value in arguments.items():
        if value is not None:
            out[key] = _value(name, key, value, props[key])
    return out


def _value(tool: str, key: str, value: Any, spec: dict[str, Any]) -> Any:
    where = f"{tool}: {key}"
    if "enum" in spec:
        if value not in spec["enum"]:
            raise UsageError(f"{where} must be one of {', '.join(spec['enum'])}, not {value!r}",
                             argument=key)
        return value
    kind = spec["type"]
    if kind == "number" and isinstance(value, str):
        value = _number(where, value, key)
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, _JSON_TYPES[kind]) or (kind != "boolean" and
                                                    isinstance(value, bool)):
        raise UsageError(f"{where} must be {'an' if kind[0] in 'aio' else 'a'} {kind}, "
                         f"not {type(value).__name__}", argument=key)
    if kind == "array" and not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where} must be a list of strings", argument=key)
    low, high = spec.get("minimum"), spec.get("maximum")
    if (low is not None and value < low) or (high is not None and value > high):
        raise UsageError(f"{where} must be between {low} and {high}, not {value}",
                         argument=key)
    return value


def _number(where: str, text: str, key: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"{where} must be a number, not {text!r}", argument=key) from None
