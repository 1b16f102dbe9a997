"""In-memory state of a fake Linear workspace: teams with their workflow states, users, labels,
projects with milestones, issues, comments, relations and webhooks, plus a clock.

Seeded from the recordings in ../shared/recorded/linear (the team, user, labels, cycles and
project of a real workspace) when they are present. The clock moves one second on every change
so that "updated since" pulls see a strict order without sleeping. Markdown is rewritten on
save the way Linear's editor does (`rewrite`), so a bridge must not take that for an edit.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fakes.schemas import RECORDED

STATES = [("Backlog", "backlog"), ("Todo", "unstarted"), ("In Progress", "started"),
          ("In Review", "started"), ("Done", "completed"), ("Canceled", "canceled"),
          ("Duplicate", "canceled")]


def stamp(t: datetime | None) -> str | None:
    """A time as Linear writes it: milliseconds and a Z."""
    return None if t is None else t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def rewrite(text: str) -> str:
    """Markdown as Linear gives it back: `*`/`+` bullets as `-`, no trailing blanks, `\\n`."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [re.sub(r"^(\s*)[*+] ", r"\1- ", line).rstrip() for line in lines]
    return "\n".join(lines).strip("\n")


@dataclass
class Team:
    id: str
    key: str
    name: str
    created: datetime
    updated: datetime
    description: str | None = None


@dataclass
class State:
    id: str
    team: str
    name: str
    type: str
    position: float
    color: str = "#bec2c8"


@dataclass
class User:
    id: str
    name: str
    display: str
    email: str
    created: datetime
    active: bool = True


@dataclass
class Label:
    id: str
    name: str
    team: str | None
    created: datetime
    description: str | None = None
    group: bool = False
    color: str = "#bec2c8"


@dataclass
class Milestone:
    id: str
    name: str
    project: str


@dataclass
class Project:
    id: str
    name: str
    teams: list[str]
    created: datetime
    updated: datetime
    description: str = ""


@dataclass
class Issue:
    id: str
    team: str
    number: int
    title: str
    description: str | None
    state: str
    creator: str
    created: datetime
    updated: datetime
    priority: int = 0
    assignee: str | None = None
    labels: list[str] = field(default_factory=list)
    milestone: str | None = None
    project: str | None = None
    identifiers: list[str] = field(default_factory=list)  # previousIdentifiers


@dataclass
class Comment:
    id: str
    issue: str
    body: str
    user: str
    created: datetime
    updated: datetime


@dataclass
class Relation:
    id: str
    type: str
    issue: str  # the one that blocks
    related: str  # the one blocked
    created: datetime


@dataclass
class Webhook:
    id: str
    url: str
    team: str | None
    resources: list[str]
    secret: str | None
    enabled: bool
    label: str | None
    created: datetime


def _recorded(name: str) -> list[dict[str, Any]]:
    path = RECORDED / "linear" / "faros-airbyte-linear-source" / name
    return json.loads(path.read_text()) if path.exists() else []


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Workspace:
    """One workspace with one team (key `key`) to begin with."""

    def __init__(self, key: str = "ENG") -> None:
        self.clock = datetime(2024, 3, 1, 9, 0, 0, 123000, tzinfo=UTC)
        self.teams: dict[str, Team] = {}
        self.states: dict[str, State] = {}
        self.users: dict[str, User] = {}
        self.labels: dict[str, Label] = {}
        self.projects: dict[str, Project] = {}
        self.milestones: dict[str, Milestone] = {}
        self.issues: dict[str, Issue] = {}
        self.comments: dict[str, Comment] = {}
        self.said: dict[str, list[Comment]] = {}  # issue id → its comments, oldest first
        self.listed: tuple[str, list[Issue]] = ("", [])  # the last issue listing's pages
        self.relations: dict[str, Relation] = {}
        self.webhooks: dict[str, Webhook] = {}
        self.cycles = _recorded("cycles.json")
        team = (_recorded("teams_input.json") or [{}])[0]
        self.team = self.add_team(key, team.get("name") or "Engineering", team.get("id"),
                                  team.get("description"))
        if team:
            self.team.created, self.team.updated = (_time(team["createdAt"]),
                                                    _time(team["updatedAt"]))
        for u in _recorded("users.json") or [{"name": "Mona Lisa", "displayName": "mona",
                                              "email": "mona@example.com"}]:
            user = self.add_user(u["displayName"], u["name"], u["email"], u.get("id"))
            user.created = _time(u["createdAt"]) if u.get("createdAt") else user.created
        self.me = next(iter(self.users.values()))
        for lb in _recorded("labels.json"):
            self.labels[lb["id"]] = Label(lb["id"], lb["name"], self.team.id,
                                          _time(lb["createdAt"]), lb.get("description"))
        for p in _recorded("projects.json"):
            self.projects[p["id"]] = Project(p["id"], p["name"], [self.team.id],
                                             _time(p["createdAt"]), _time(p["updatedAt"]),
                                             p.get("description") or "")

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    # -- seeding --

    def add_team(self, key: str, name: str, id_: str | None = None,
                 description: str | None = None) -> Team:
        now = self.tick()
        team = Team(id_ or str(uuid.uuid4()), key, name, now, now, description)
        self.teams[team.id] = team
        for n, (state, kind) in enumerate(STATES):
            s = State(str(uuid.uuid4()), team.id, state, kind, float(n))
            self.states[s.id] = s
        return team

    def add_state(self, name: str, kind: str, position: float, team: Team | None = None
                  ) -> State:
        s = State(str(uuid.uuid4()), (team or self.team).id, name, kind, position)
        self.states[s.id] = s
        return s

    def add_user(self, display: str, name: str = "", email: str = "", id_: str | None = None
                 ) -> User:
        user = User(id_ or str(uuid.uuid4()), name or display.title(), display,
                    email or f"{display}@example.com", self.tick())
        self.users[user.id] = user
        return user

    def add_label(self, name: str, team: Team | None = None, workspace: bool = False) -> Label:
        label = Label(str(uuid.uuid4()), name, None if workspace else (team or self.team).id,
                      self.tick())
        self.labels[label.id] = label
        return label

    def add_milestone(self, name: str, project: str = "Roadmap") -> Milestone:
        found = next((p for p in self.projects.values() if p.name == project), None)
        if found is None:
            now = self.tick()
            found = Project(str(uuid.uuid4()), project, [self.team.id], now, now)
            self.projects[found.id] = found
        m = Milestone(str(uuid.uuid4()), name, found.id)
        self.milestones[m.id] = m
        return m

    def add_issue(self, title: str, description: str = "", *, state: str = "Todo",
                  labels: list[str] = (), assignee: str | None = None, priority: int = 0,
                  milestone: str | None = None, team: Team | None = None,
                  id_: str | None = None) -> Issue:
        team = team or self.team
        now = self.tick()
        number = 1 + sum(1 for i in self.issues.values() if i.team == team.id)
        issue = Issue(id_ or str(uuid.uuid4()), team.id, number, title, rewrite(description)
                      or None, self.state_named(state, team).id, self.me.id, now, now, priority)
        issue.labels = [self.label_named(n, team).id for n in labels]
        if assignee:
            issue.assignee = self.user_named(assignee).id
        if milestone:
            m = next((m for m in self.milestones.values() if m.name == milestone), None) \
                or self.add_milestone(milestone)
            issue.milestone, issue.project = m.id, m.project
        self.issues[issue.id] = issue
        return issue

    def add_comment(self, issue: Issue, body: str, user: str | None = None,
                    id_: str | None = None) -> Comment:
        now = self.tick()
        c = Comment(id_ or str(uuid.uuid4()), issue.id, rewrite(body),
                    self.user_named(user).id if user else self.me.id, now, now)
        self.comments[c.id] = c
        self.said.setdefault(issue.id, []).append(c)
        return c  # as in Linear, a comment does not move the issue's updatedAt

    def block(self, blocker: Issue, blocked: Issue, id_: str | None = None) -> Relation:
        now = self.tick()
        r = Relation(id_ or str(uuid.uuid4()), "blocks", blocker.id, blocked.id, now)
        self.relations[r.id] = r
        blocker.updated = blocked.updated = now
        return r

    def rename_team(self, key: str, team: Team | None = None) -> None:
        """A new key: every identifier of the team's issues changes (the old ones are kept in
        previousIdentifiers); the issues' updatedAt does not move."""
        team = team or self.team
        for issue in self.issues.values():
            if issue.team == team.id:
                issue.identifiers.append(self.identifier(issue))
        team.key, team.updated = key, self.tick()

    # -- lookups --

    def identifier(self, issue: Issue) -> str:
        return f"{self.teams[issue.team].key}-{issue.number}"

    def state_named(self, name: str, team: Team | None = None) -> State:
        tid = (team or self.team).id
        return next(s for s in self.states.values() if s.team == tid and s.name == name)

    def label_named(self, name: str, team: Team | None = None) -> Label:
        tid = (team or self.team).id
        found = next((lb for lb in self.labels.values() if lb.name.lower() == name.lower()
                      and lb.team in (tid, None)), None)
        return found or self.add_label(name, team)

    def user_named(self, display: str) -> User:
        found = next((u for u in self.users.values() if u.display == display), None)
        return found or self.add_user(display)

    def issue_by(self, ref: str) -> Issue | None:
        """By UUID, current identifier or a previous one (as `issue(id:)` looks them up)."""
        if ref in self.issues:
            return self.issues[ref]
        return next((i for i in self.issues.values() if ref == self.identifier(i)
                     or ref in i.identifiers), None)
