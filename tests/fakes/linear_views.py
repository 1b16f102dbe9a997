"""The fake Linear's objects as its GraphQL schema shows them: one view class per type, whose
attributes and methods graphql-core's default resolver reads by the schema's field names
(a method gets the field's arguments). Filters and Relay connections are evaluated here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from graphql import GraphQLError

from fakes.linear_state import (
    Comment,
    Issue,
    Label,
    Milestone,
    Project,
    Relation,
    State,
    Team,
    User,
    Webhook,
    Workspace,
    stamp,
)

PRIORITY_LABELS = {0: "No priority", 1: "Urgent", 2: "High", 3: "Medium", 4: "Low"}


def error(message: str, code: str = "INPUT_ERROR", kind: str = "invalid input",
          shown: str | None = None) -> GraphQLError:
    """A GraphQL error with Linear's extensions."""
    return GraphQLError(message, extensions={
        "type": kind, "code": code, "statusCode": 400, "userError": True,
        "userPresentableMessage": shown or message})


def not_found(kind: str) -> GraphQLError:
    return error(f"Entity not found: {kind}", shown=f"Could not find referenced {kind}.")


# -- filters ----------------------------------------------------------------------------------

def _compare(value: Any, comparator: dict[str, Any]) -> bool:
    return all(_one(op, value, want) for op, want in comparator.items())


def _one(op: str, value: Any, want: Any) -> bool:
    if isinstance(value, datetime):
        want = [_when(w) for w in want] if isinstance(want, list) else \
            _when(want) if isinstance(want, str) else want
    if op in ("eq", "neq"):
        return (value == want) == (op == "eq")
    if op in ("in", "nin"):
        return (value in want) == (op == "in")
    if op in ("eqIgnoreCase", "neqIgnoreCase"):
        return (str(value).lower() == str(want).lower()) == (op == "eqIgnoreCase")
    if op in ("gt", "gte", "lt", "lte"):
        return value is not None and {"gt": value > want, "gte": value >= want,
                                      "lt": value < want, "lte": value <= want}[op]
    if op == "null":
        return (value is None) == bool(want)
    if op == "startsWith":
        return str(value).startswith(want)
    if op == "containsIgnoreCase":
        return str(want).lower() in str(value).lower()
    raise error(f"the fake cannot compare with {op}")


def _when(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise error(f"Invalid date: {text}") from None


def matches(ws: Workspace, kind: str, obj: Any, flt: dict[str, Any] | None) -> bool:
    """Whether `obj` (a record of `kind`) passes the filter `flt` (the subset gi uses)."""
    for key, want in (flt or {}).items():
        if key == "and":
            ok = all(matches(ws, kind, obj, f) for f in want)
        elif key == "or":
            ok = any(matches(ws, kind, obj, f) for f in want)
        elif (kind, key) in _NESTED:
            inner_kind, get = _NESTED[(kind, key)]
            inner = get(ws, obj)
            if inner_kind == "Comments":
                ok = _collection(ws, ws.said.get(obj.id, []), want)
            elif "null" in want:  # a nullable relation: {null: true} or {null: false, …}
                rest = {k: v for k, v in want.items() if k != "null"}
                ok = (inner is None) == bool(want["null"]) and (
                    inner is None or matches(ws, inner_kind, inner, rest))
            else:
                ok = inner is not None and matches(ws, inner_kind, inner, want)
        elif (kind, key) in _FIELDS:
            ok = _compare(_FIELDS[(kind, key)](obj), want)
        else:
            raise error(f"the fake cannot filter {kind} by {key}")
        if not ok:
            return False
    return True


def _collection(ws: Workspace, comments: list[Comment], want: dict[str, Any]) -> bool:
    for op, flt in want.items():
        if op == "some":
            ok = any(matches(ws, "Comment", c, flt) for c in comments)
        elif op == "every":
            ok = all(matches(ws, "Comment", c, flt) for c in comments)
        else:
            raise error(f"the fake cannot filter comments by {op}")
        if not ok:
            return False
    return True


_FIELDS = {
    ("Issue", "id"): lambda o: o.id, ("Issue", "updatedAt"): lambda o: o.updated,
    ("Issue", "createdAt"): lambda o: o.created, ("Issue", "number"): lambda o: o.number,
    ("Team", "id"): lambda o: o.id, ("Team", "key"): lambda o: o.key,
    ("Team", "name"): lambda o: o.name, ("User", "id"): lambda o: o.id,
    ("User", "displayName"): lambda o: o.display, ("User", "email"): lambda o: o.email,
    ("User", "name"): lambda o: o.name, ("User", "active"): lambda o: o.active,
    ("Label", "id"): lambda o: o.id, ("Label", "name"): lambda o: o.name,
    ("Label", "isGroup"): lambda o: o.group, ("Comment", "id"): lambda o: o.id,
    ("Comment", "updatedAt"): lambda o: o.updated, ("Comment", "createdAt"): lambda o: o.created,
}
_NESTED = {
    ("Issue", "team"): ("Team", lambda ws, o: ws.teams.get(o.team)),
    ("Issue", "comments"): ("Comments", lambda ws, o: o),
    ("Label", "team"): ("Team", lambda ws, o: ws.teams.get(o.team) if o.team else None),
    ("Comment", "issue"): ("Issue", lambda ws, o: ws.issues.get(o.issue)),
}


# -- Relay connections ------------------------------------------------------------------------

def connection(items: list[Any], render: Any, first: int | None = None,
               after: str | None = None, last: int | None = None,
               before: str | None = None) -> dict[str, Any]:
    """One page of `items` (records with an `id`): a cursor is the node's id, as Linear's are
    (the recorded IssueConnection of faros-ai's Linear source shows `cursor` = `node.id`)."""
    if last is not None or before is not None:
        raise error("the fake pages forwards only (first/after)")
    size = 50 if first is None else first
    if not 0 <= size <= 250:
        raise error("first must be between 0 and 250")
    start = 0
    if after:
        ids = [x.id for x in items]
        if after not in ids:
            raise error("Invalid cursor", shown=f"No entity found for cursor {after}")
        start = ids.index(after) + 1
    page = items[start:start + size]
    cursors = [x.id for x in page]
    nodes = [render(x) for x in page]
    return {"nodes": nodes, "edges": [{"node": n, "cursor": c} for n, c in zip(nodes, cursors,
                                                                              strict=True)],
            "pageInfo": {"hasNextPage": start + size < len(items),
                         "hasPreviousPage": start > 0,
                         "startCursor": cursors[0] if cursors else None,
                         "endCursor": cursors[-1] if cursors else None}}


def ordered(items: list[Any], order: str | None) -> list[Any]:
    """Linear's orderBy: createdAt (the default) or updatedAt, newest first."""
    key = "updated" if order == "updatedAt" else "created"
    return sorted(items, key=lambda x: (getattr(x, key), x.id), reverse=True)


# -- the views --------------------------------------------------------------------------------

class View:
    def __init__(self, ws: Workspace, obj: Any, base_url: str = "") -> None:
        self.ws, self.obj, self.base = ws, obj, base_url

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)

    @property
    def id(self) -> str:
        return self.obj.id


class TeamV(View):
    obj: Team

    key = property(lambda s: s.obj.key)
    name = property(lambda s: s.obj.name)
    description = property(lambda s: s.obj.description)
    createdAt = property(lambda s: stamp(s.obj.created))
    updatedAt = property(lambda s: stamp(s.obj.updated))

    def states(self, info: Any, **a: Any) -> dict[str, Any]:
        rows = [s for s in self.ws.states.values() if s.team == self.obj.id]
        return connection(rows, lambda s: StateV(self.ws, s), **_page(a))

    def members(self, info: Any, **a: Any) -> dict[str, Any]:
        return connection(list(self.ws.users.values()), lambda u: UserV(self.ws, u), **_page(a))

    def labels(self, info: Any, **a: Any) -> dict[str, Any]:
        rows = [lb for lb in self.ws.labels.values() if lb.team == self.obj.id]
        return connection(rows, lambda lb: LabelV(self.ws, lb), **_page(a))

    def projects(self, info: Any, **a: Any) -> dict[str, Any]:
        rows = [p for p in self.ws.projects.values() if self.obj.id in p.teams]
        return connection(rows, lambda p: ProjectV(self.ws, p), **_page(a))

    def cycles(self, info: Any, **a: Any) -> dict[str, Any]:
        rows = [_Row(c) for c in self.ws.cycles]
        return connection(rows, lambda c: c.data, **_page(a))


class _Row:
    def __init__(self, data: dict[str, Any]) -> None:
        self.id, self.data = data["id"], data


class StateV(View):
    obj: State

    name = property(lambda s: s.obj.name)
    type = property(lambda s: s.obj.type)
    position = property(lambda s: s.obj.position)
    color = property(lambda s: s.obj.color)
    team = property(lambda s: TeamV(s.ws, s.ws.teams[s.obj.team]))


class UserV(View):
    obj: User

    name = property(lambda s: s.obj.name)
    displayName = property(lambda s: s.obj.display)
    email = property(lambda s: s.obj.email)
    active = property(lambda s: s.obj.active)
    createdAt = property(lambda s: stamp(s.obj.created))


class LabelV(View):
    obj: Label

    name = property(lambda s: s.obj.name)
    isGroup = property(lambda s: s.obj.group)
    color = property(lambda s: s.obj.color)
    description = property(lambda s: s.obj.description)
    createdAt = property(lambda s: stamp(s.obj.created))
    team = property(lambda s: TeamV(s.ws, s.ws.teams[s.obj.team]) if s.obj.team else None)


class ProjectV(View):
    obj: Project

    name = property(lambda s: s.obj.name)
    description = property(lambda s: s.obj.description)
    createdAt = property(lambda s: stamp(s.obj.created))
    updatedAt = property(lambda s: stamp(s.obj.updated))

    def projectMilestones(self, info: Any, **a: Any) -> dict[str, Any]:
        rows = [m for m in self.ws.milestones.values() if m.project == self.obj.id]
        return connection(rows, lambda m: MilestoneV(self.ws, m), **_page(a))


class MilestoneV(View):
    obj: Milestone

    name = property(lambda s: s.obj.name)
    project = property(lambda s: ProjectV(s.ws, s.ws.projects[s.obj.project]))


class IssueV(View):
    obj: Issue

    title = property(lambda s: s.obj.title)
    description = property(lambda s: s.obj.description)
    priority = property(lambda s: float(s.obj.priority))
    priorityLabel = property(lambda s: PRIORITY_LABELS[s.obj.priority])
    number = property(lambda s: float(s.obj.number))
    identifier = property(lambda s: s.ws.identifier(s.obj))
    previousIdentifiers = property(lambda s: list(s.obj.identifiers))
    createdAt = property(lambda s: stamp(s.obj.created))
    updatedAt = property(lambda s: stamp(s.obj.updated))
    labelIds = property(lambda s: list(s.obj.labels))
    state = property(lambda s: StateV(s.ws, s.ws.states[s.obj.state]))
    team = property(lambda s: TeamV(s.ws, s.ws.teams[s.obj.team]))
    creator = property(lambda s: UserV(s.ws, s.ws.users[s.obj.creator]))
    assignee = property(lambda s: UserV(s.ws, s.ws.users[s.obj.assignee])
                        if s.obj.assignee else None)
    projectMilestone = property(lambda s: MilestoneV(s.ws, s.ws.milestones[s.obj.milestone])
                                if s.obj.milestone else None)
    project = property(lambda s: ProjectV(s.ws, s.ws.projects[s.obj.project])
                       if s.obj.project else None)

    @property
    def url(self) -> str:
        slug = "-".join("".join(c if c.isalnum() else " " for c in self.obj.title.lower())
                        .split())[:60]
        return f"https://linear.app/devcube/issue/{self.ws.identifier(self.obj)}/{slug}"

    def labels(self, info: Any, **a: Any) -> dict[str, Any]:
        rows = [self.ws.labels[x] for x in self.obj.labels]
        return connection(rows, lambda lb: LabelV(self.ws, lb), **_page(a))

    def comments(self, info: Any, **a: Any) -> dict[str, Any]:
        rows = [c for c in self.ws.said.get(self.obj.id, [])
                if matches(self.ws, "Comment", c, a.get("filter"))]
        return connection(ordered(rows, a.get("orderBy")), lambda c: CommentV(self.ws, c),
                          **_page(a))

    def relations(self, info: Any, **a: Any) -> dict[str, Any]:
        rows = [r for r in self.ws.relations.values() if r.issue == self.obj.id]
        return connection(rows, lambda r: RelationV(self.ws, r), **_page(a))

    def inverseRelations(self, info: Any, **a: Any) -> dict[str, Any]:
        rows = [r for r in self.ws.relations.values() if r.related == self.obj.id]
        return connection(rows, lambda r: RelationV(self.ws, r), **_page(a))


class CommentV(View):
    obj: Comment

    body = property(lambda s: s.obj.body)
    createdAt = property(lambda s: stamp(s.obj.created))
    updatedAt = property(lambda s: stamp(s.obj.updated))
    user = property(lambda s: UserV(s.ws, s.ws.users[s.obj.user]))
    issue = property(lambda s: IssueV(s.ws, s.ws.issues[s.obj.issue]))


class RelationV(View):
    obj: Relation

    type = property(lambda s: s.obj.type)
    createdAt = property(lambda s: stamp(s.obj.created))
    updatedAt = property(lambda s: stamp(s.obj.created))
    issue = property(lambda s: IssueV(s.ws, s.ws.issues[s.obj.issue]))
    relatedIssue = property(lambda s: IssueV(s.ws, s.ws.issues[s.obj.related]))


class WebhookV(View):
    obj: Webhook

    url = property(lambda s: s.obj.url)
    enabled = property(lambda s: s.obj.enabled)
    label = property(lambda s: s.obj.label)
    secret = property(lambda s: s.obj.secret)
    resourceTypes = property(lambda s: list(s.obj.resources))
    allPublicTeams = property(lambda s: False)
    teamIds = property(lambda s: [s.obj.team] if s.obj.team else [])
    createdAt = property(lambda s: stamp(s.obj.created))
    updatedAt = property(lambda s: stamp(s.obj.created))
    team = property(lambda s: TeamV(s.ws, s.ws.teams[s.obj.team]) if s.obj.team else None)


def _page(args: dict[str, Any]) -> dict[str, Any]:
    return {k: args.get(k) for k in ("first", "after", "last", "before")}
