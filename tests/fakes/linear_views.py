"""The fake Linear's objects as its GraphQL schema shows them: one view class per type, whose
attributes and methods graphql-core's default resolver reads by the schema's field names
(a method gets the field's arguments), and Relay connections (filters: `linear_filters`)."""

from __future__ import annotations

from typing import Any

from fakes.linear_filters import error, matches
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
