"""The one issue model, used by the store, the index, merges, bridges and the CLI alike.

An `Issue` is built from a YAML document by `Issue.from_yaml` (validated, with errors naming the
file, line and field) and written back by `to_yaml`, which edits the original document in place
when there is one so that comments, key order, formatting and unknown keys survive.
"""

from __future__ import annotations

from gitissues import fields, ids

# yamlio is imported where a file is read or written: a read served by the index never needs it.
from gitissues.errors import InvalidData

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

STATUSES = ("open", "in_progress", "blocked", "closed")
TYPES = ("bug", "feature", "task", "epic", "chore")
PRIORITIES = range(0, 5)
_HEX = frozenset("0123456789abcdef")  # a commit id in links.commits: 40 or 64 of these
# Canonical key order of a file; anything else is an unknown key, kept where it stands.
KEYS = (
    "id", "title", "status", "type", "priority", "labels", "assignees", "milestone", "parent",
    "depends_on", "author", "created", "updated", "closed", "claim", "agent", "links", "remote",
    "body", "comments",
)
_ALWAYS_WRITTEN = ("id", "title", "status", "type", "priority", "labels", "assignees",
                   "author", "created", "updated")


class _Record:
    """Equality and repr by `to_dict()`. (Plain classes, not dataclasses: importing
    dataclasses pulls in inspect, ~8 ms on every `gi` call.)"""

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.to_dict() == other.to_dict()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_dict()!r})"


class Comment(_Record):
    def __init__(self, id: str, author: str, created: str, body: str,
                 extra: dict[str, Any] | None = None) -> None:
        self.id, self.author, self.created, self.body = id, author, created, body
        self.extra: dict[str, Any] = extra if extra is not None else {}

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "author": self.author, "created": self.created,
                "body": self.body, **self.extra}


class Claim(_Record):
    """`assigned`: the claim put the agent into `assignees` (so releasing takes it out)."""

    def __init__(self, agent: str, claimed_at: str, expires_at: str,
                 assigned: bool = False) -> None:
        self.agent, self.claimed_at, self.expires_at = agent, claimed_at, expires_at
        self.assigned = assigned

    def to_dict(self) -> dict[str, Any]:
        d = {"agent": self.agent, "claimed_at": self.claimed_at, "expires_at": self.expires_at}
        if self.assigned:
            d["assigned"] = True
        return d

    def live(self, now: str) -> bool:
        return self.expires_at > now


class Issue(_Record):
    """One issue. `source` is the file text it was read from (for round-trip writing) and
    `path` where it lives; neither takes part in equality."""

    def __init__(
        self, id: str, title: str, status: str = "open", type: str = "task", priority: int = 2,
        labels: list[str] | None = None, assignees: list[str] | None = None,
        milestone: str | None = None, parent: str | None = None,
        depends_on: list[str] | None = None, author: str = "", created: str = "",
        updated: str = "", closed: str | None = None, claim: Claim | None = None,
        agent: dict[str, Any] | None = None, links: dict[str, Any] | None = None,
        remote: dict[str, Any] | None = None, body: str = "",
        comments: list[Comment] | None = None, extra: dict[str, Any] | None = None,
        source: str | None = None, path: str | None = None,
    ) -> None:
        self.id, self.title, self.status, self.type = id, title, status, type
        self.priority = priority
        self.labels: list[str] = labels if labels is not None else []
        self.assignees: list[str] = assignees if assignees is not None else []
        self.milestone, self.parent = milestone, parent
        self.depends_on: list[str] = depends_on if depends_on is not None else []
        self.author, self.created, self.updated, self.closed = author, created, updated, closed
        self.claim = claim
        self.agent: dict[str, Any] = agent if agent is not None else {}
        self.links: dict[str, Any] = links if links is not None else {"commits": []}
        self.remote: dict[str, Any] = remote if remote is not None else {}
        self.body = body
        self.comments: list[Comment] = comments if comments is not None else []
        self.extra: dict[str, Any] = extra if extra is not None else {}
        self.source, self.path = source, path
        self.changed: bool | None = None  # after an update: whether anything was written

    # --- conversion -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Every key, defaults filled in, canonical order, then unknown keys: what JSON shows."""
        d: dict[str, Any] = {
            "id": self.id, "title": self.title, "status": self.status, "type": self.type,
            "priority": self.priority, "labels": list(self.labels),
            "assignees": list(self.assignees), "milestone": self.milestone,
            "parent": self.parent, "depends_on": list(self.depends_on), "author": self.author,
            "created": self.created, "updated": self.updated, "closed": self.closed,
            "claim": self.claim.to_dict() if self.claim else None,
            "agent": _copied(self.agent), "links": _copied(self.links),
            "remote": _copied(self.remote), "body": self.body,
            "comments": [c.to_dict() for c in self.comments],
        }
        d.update(_copied(self.extra))
        return d

    def to_json(self) -> dict[str, Any]:
        """The JSON form of SPEC §4: the file's keys plus `path`."""
        return {**self.to_dict(), "path": self.path}

    def to_file_dict(self) -> dict[str, Any]:
        """What a freshly written file holds: the essentials, plus optional keys that are set."""
        full = self.to_dict()
        return {k: v for k, v in full.items()
                if k in _ALWAYS_WRITTEN or k in self.extra or not _empty(k, v)}

    def to_yaml(self) -> str:
        """The file text; edits the original document when there is one (round-trip), unless
        that document is in gi's own canonical layout: then the layout is simply kept."""
        from gitissues import yamlio

        if self.source is None or _canonical(self.source, self.id):
            text = yamlio.emit(self.to_file_dict())
        else:
            from gitissues import roundtrip

            doc = yamlio.load_roundtrip(self.source, self.id)
            roundtrip.merge_into(doc, _build(doc, self.id, None).to_dict(), self.to_dict(), KEYS)
            text = yamlio.dump_roundtrip(doc)
        if len(text.encode("utf-8")) > yamlio.MAX_FILE_BYTES:
            raise InvalidData(
                f"{self.id}: the issue would be {len(text)} bytes, over the "
                f"{yamlio.MAX_FILE_BYTES} byte limit of an issue file", field="body")
        return text

    @classmethod
    def from_dict(cls, data: Any, where: str = "<input>", source: str | None = None) -> Issue:
        return _build(data, where, source)

    @classmethod
    def from_yaml(cls, text: str, where: str) -> Issue:
        from gitissues import yamlio

        data = yamlio.load_fast(text, where)
        try:
            return _build(data, where, text)
        except InvalidData as exc:
            raise _with_line(exc, text, where) from None

    # --- small helpers the store and CLI share ----------------------------------------------

    def live_claim(self, now: str) -> Claim | None:
        return self.claim if self.claim and self.claim.live(now) else None

    def drop_claim(self) -> None:
        """Undo the claim: its agent leaves `assignees` if the claim put it there, and the
        status goes back to open unless someone changed it meanwhile."""
        claim, self.claim = self.claim, None
        if claim is None:
            return
        if claim.assigned and claim.agent in self.assignees:
            self.assignees.remove(claim.agent)
        if self.status == "in_progress":
            self.status = "open"

    def copy(self) -> Issue:
        import copy

        return copy.deepcopy(self)


_ATOMS = (str, int, float, bool, type(None))


def _copied(value: Any) -> Any:
    """A deep copy of a JSON-like value (what `to_dict` hands out); anything else goes to
    `copy.deepcopy`. (The copy module, with weakref, costs every `gi` ~1 ms to import.)"""
    kind = type(value)
    if kind is dict:
        return {k: _copied(v) for k, v in value.items()}
    if kind is list:
        return [_copied(v) for v in value]
    if kind in _ATOMS:
        return value
    import copy

    return copy.deepcopy(value)


def _canonical(text: str, where: str) -> bool:
    """`text` is exactly what gi's emitter writes for the issue it holds."""
    from gitissues import yamlio

    try:
        return yamlio.emit(Issue.from_yaml(text, where).to_file_dict()) == text
    except InvalidData:
        return False


def _empty(key: str, value: Any) -> bool:
    if key == "links":
        return not value or value == {"commits": []}
    return value is None or value == [] or value == {} or value == ""


def _build(data: Any, where: str, source: str | None) -> Issue:
    if not isinstance(data, dict):
        raise InvalidData(f"{where}: an issue file must be a mapping of keys to values", file=where)
    issue_id = fields.string(data, "id", where, None)
    if not issue_id or not ids.is_id(issue_id):
        raise fields.fail(where, "id", f"missing or not an id like gi-7f3a9c: {issue_id!r}")
    title = fields.string(data, "title", where, "")
    if not title.strip():
        raise fields.fail(where, "title", "a non-empty title is required")
    status = fields.string(data, "status", where, "open")
    if status not in STATUSES:
        raise fields.fail(where, "status", f"{status!r} is not one of {', '.join(STATUSES)}")
    itype = fields.string(data, "type", where, "task")
    if itype not in TYPES:
        raise fields.fail(where, "type", f"{itype!r} is not one of {', '.join(TYPES)}")
    priority = data.get("priority", 2)
    if priority is None:
        priority = 2
    if isinstance(priority, bool) or not isinstance(priority, int) or priority not in PRIORITIES:
        raise fields.fail(where, "priority", f"{priority!r} is not a whole number from 0 to 4")
    for key in ("parent",):
        v = data.get(key)
        if v is not None and not (isinstance(v, str) and ids.is_id(v)):
            raise fields.fail(where, key, f"not an issue id: {v!r}")
    deps = fields.str_list(data, "depends_on", where)
    bad = [x for x in deps if not ids.is_id(x)]
    if bad:
        raise fields.fail(where, "depends_on", f"not issue ids: {', '.join(map(repr, bad))}")
    links = fields.mapping(data, "links", where)
    commits = links.get("commits") or []
    if not isinstance(commits, list) or not all(
        isinstance(c, str) and len(c) in (40, 64) and _HEX.issuperset(c) for c in commits
    ):
        raise fields.fail(where, "links", "links.commits must be a list of full commit ids")
    links["commits"] = list(commits)
    known = set(KEYS)
    return Issue(
        id=issue_id, title=title, status=status, type=itype, priority=priority,
        labels=fields.str_list(data, "labels", where),
        assignees=fields.str_list(data, "assignees", where),
        milestone=fields.string(data, "milestone", where, None), parent=data.get("parent"),
        depends_on=deps, author=fields.string(data, "author", where, ""),
        created=fields.time(data, "created", where) or "",
        updated=fields.time(data, "updated", where) or "",
        closed=fields.time(data, "closed", where), claim=_claim(data, where),
        agent=fields.mapping(data, "agent", where), links=links,
        remote=fields.mapping(data, "remote", where), body=fields.string(data, "body", where, ""),
        comments=_comments(data, where),
        extra={str(k): fields.plain(v, where, str(k)) for k, v in data.items() if k not in known},
        source=source,
    )


def _claim(d: dict, where: str) -> Claim | None:
    v = d.get("claim")
    if v is None:
        return None
    if not isinstance(v, dict) or not v.get("agent"):
        raise fields.fail(where, "claim", "expected a mapping with agent, claimed_at, expires_at")
    claimed = fields.time(v, "claimed_at", where, required=True)
    expires = fields.time(v, "expires_at", where, required=True)
    return Claim(agent=fields.text(str(v["agent"]), where, "claim"), claimed_at=claimed or "",
                 expires_at=expires or "", assigned=v.get("assigned") is True)


def _comments(d: dict, where: str) -> list[Comment]:
    v = d.get("comments")
    if v is None:
        return []
    if not isinstance(v, list):
        raise fields.fail(where, "comments", "expected a list of comments")
    out = []
    for n, c in enumerate(v):
        if not isinstance(c, dict) or not isinstance(c.get("id"), str):
            raise fields.fail(where, "comments", f"comment {n + 1} needs at least an id")
        out.append(Comment(
            id=c["id"], author=fields.string(c, "author", where, ""),
            created=fields.time(c, "created", where) or "",
            body=fields.string(c, "body", where, ""),
            extra={str(k): fields.plain(x, where, "comments") for k, x in c.items()
                   if k not in ("id", "author", "created", "body")},
        ))
    return out


def _with_line(exc: InvalidData, text: str, where: str) -> InvalidData:
    """Add the line of the offending field, found with the (slower) round-trip loader."""
    key = exc.details.get("field")
    if not key:
        return exc
    from gitissues import yamlio

    try:
        doc = yamlio.load_roundtrip(text, where)
        line = doc.lc.key(key)[0] + 1
    except Exception:
        return exc
    msg = exc.message.replace(f"{where}:", f"{where}:{line}:", 1)
    return InvalidData(msg, **{**exc.details, "line": line})
