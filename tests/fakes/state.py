"""In-memory tracker state shared by the fake forges: users, issues (and pull requests, which
GitHub and Gitea list among issues), comments, labels, milestones and webhooks, plus a clock.

Each fake renders these records in its own API's shape; tests seed and inspect them directly
(`fake.add_issue(...)`, `fake.issues[1].title`). The clock moves one second on every change so
that "updated since" pulls see a strict order without sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass
class User:
    id: int
    login: str
    name: str = ""
    email: str = ""


@dataclass
class Label:
    id: int
    name: str
    color: str = "ededed"
    description: str = ""


@dataclass
class Milestone:
    id: int
    number: int
    title: str
    description: str = ""
    state: str = "open"  # "open" | "closed"
    due_on: datetime | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    closed_at: datetime | None = None


@dataclass
class Comment:
    id: int
    issue: int  # the issue's number
    body: str
    author: str
    created_at: datetime
    updated_at: datetime
    system: bool = False  # GitLab system notes ("closed", "changed title ...")


@dataclass
class Issue:
    id: int
    number: int
    title: str
    body: str
    author: str
    created_at: datetime
    updated_at: datetime
    state: str = "open"  # "open" | "closed"
    state_reason: str | None = None
    closed_at: datetime | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: int | None = None  # a Milestone id
    pull_request: bool = False
    locked: bool = False


@dataclass
class Hook:
    """A project webhook: where it posts, for which events, and the secret it signs with (which
    no API ever sends back); `extra` holds what only one platform has."""

    id: int
    url: str
    events: list[str]
    secret: str
    active: bool
    created_at: datetime
    updated_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)


class Tracker:
    """One repository's issues and everything they refer to, with id counters that look real."""

    def __init__(self, owner: str, repo: str, login: str) -> None:
        self.owner, self.repo = owner, repo
        self.users: dict[str, User] = {}
        self.issues: dict[int, Issue] = {}
        self.comments: dict[int, Comment] = {}
        self.labels: dict[int, Label] = {}
        self.milestones: dict[int, Milestone] = {}
        self.hooks: dict[int, Hook] = {}
        self._clock = datetime(2024, 3, 1, 9, 0, 0, tzinfo=UTC)
        self._ids = {"user": 583230, "issue": 2195810000, "comment": 1998765000,
                     "label": 6480000000, "milestone": 10650000, "hook": 471250000}
        self.me = self.add_user(login, name=login.title())

    def tick(self) -> datetime:
        """The time of a change: one second after the previous change."""
        self._clock += timedelta(seconds=1)
        return self._clock

    def next_id(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    # -- seeding (also used by the request handlers) --

    def add_user(self, login: str, name: str = "", email: str = "") -> User:
        user = User(self.next_id("user"), login, name or login, email or f"{login}@example.com")
        self.users[login] = user
        return user

    def add_label(self, name: str, color: str = "ededed", description: str = "") -> Label:
        label = Label(self.next_id("label"), name, color.lstrip("#").lower(), description)
        self.labels[label.id] = label
        return label

    def add_milestone(self, title: str, description: str = "", state: str = "open",
                      due_on: datetime | None = None) -> Milestone:
        now = self.tick()
        number = len(self.milestones) + 1
        ms = Milestone(self.next_id("milestone"), number, title, description, state, due_on,
                       now, now, now if state == "closed" else None)
        self.milestones[ms.id] = ms
        return ms

    def add_issue(self, title: str, body: str = "", *, labels: list[str] | None = None,
                  state: str = "open", assignees: list[str] | None = None,
                  milestone: str | int | None = None, author: str | None = None,
                  pull_request: bool = False) -> Issue:
        """Seed an issue (or a pull request); unknown labels, users and milestones are created."""
        now = self.tick()
        number = len(self.issues) + 1
        issue = Issue(self.next_id("issue"), number, title, body, self.user(author).login,
                      now, now, pull_request=pull_request)
        self.issues[number] = issue
        self.set_labels(issue, labels or [])
        issue.assignees = [self.user(a).login for a in assignees or []]
        if milestone is not None:
            issue.milestone = self.milestone_for(milestone).id
        if state == "closed":
            self.set_state(issue, "closed", "completed", now)
        return issue

    def add_comment(self, number: int, body: str, author: str | None = None,
                    system: bool = False) -> Comment:
        now = self.tick()
        comment = Comment(self.next_id("comment"), number, body, self.user(author).login,
                          now, now, system)
        self.comments[comment.id] = comment
        self.issues[number].updated_at = now
        return comment

    def add_hook(self, url: str, events: list[str], secret: str = "", active: bool = True,
                 **extra: Any) -> Hook:
        now = self.tick()
        hook = Hook(self.next_id("hook"), url, list(dict.fromkeys(events)), secret, active, now,
                    now, extra)
        self.hooks[hook.id] = hook
        return hook

    # -- lookups and changes --

    def user(self, login: str | None) -> User:
        if login is None:
            return self.me
        return self.users.get(login) or self.add_user(login)

    def label_named(self, name: str) -> Label | None:
        return next((lb for lb in self.labels.values() if lb.name == name), None)

    def milestone_for(self, ref: str | int) -> Milestone:
        for ms in self.milestones.values():
            if ref in (ms.title, ms.id, ms.number):
                return ms
        return self.add_milestone(str(ref))

    def set_labels(self, issue: Issue, names: list[str]) -> None:
        for name in names:
            if self.label_named(name) is None:
                self.add_label(name)
        issue.labels = list(dict.fromkeys(names))

    def set_state(self, issue: Issue, state: str, reason: str | None, now: datetime) -> None:
        if state == issue.state:
            return
        issue.state = state
        issue.closed_at = now if state == "closed" else None
        issue.state_reason = reason if state == "closed" else (reason or "reopened")

    def issue_comments(self, number: int) -> list[Comment]:
        return sorted((c for c in self.comments.values() if c.issue == number),
                      key=lambda c: (c.created_at, c.id))

    def count_comments(self, number: int) -> int:
        return sum(1 for c in self.comments.values() if c.issue == number and not c.system)

    def milestone_counts(self, ms: Milestone) -> tuple[int, int]:
        """(open, closed) issues in a milestone."""
        states = [i.state for i in self.issues.values() if i.milestone == ms.id]
        return states.count("open"), states.count("closed")
