"""The state behind the fake Jira (tests/fakes/jira.py): one project's issues, comments, links,
versions, its workflow (statuses and the transitions between them), users, and a clock that
moves one second on every change, so "updated since" searches see a strict order.

Descriptions and comment bodies are kept in the flavour's own form: an ADF document on Cloud,
wiki markup on Data Center (tests seed them that way, or as plain text with `text()`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass
class User:
    account_id: str  # Cloud's id
    name: str  # Data Center's user name
    display: str
    email: str
    assignable: bool = True


@dataclass
class Status:
    id: str
    name: str
    category: str  # new | indeterminate | done


@dataclass
class Transition:
    id: str
    name: str
    to: str  # a status name
    sources: tuple[str, ...] = ()  # status names it starts from; () = from any (global)


@dataclass
class Comment:
    id: int
    key: str
    body: Any
    author: str  # a user name
    created: datetime
    updated: datetime


@dataclass
class Issue:
    id: int
    key: str
    summary: str
    description: Any
    status: str
    priority: str
    issuetype: str
    reporter: str
    created: datetime
    updated: datetime
    labels: list[str] = field(default_factory=list)
    assignee: str | None = None  # a user name
    fix_versions: list[str] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class Link:
    id: int
    type: str
    source: str  # the issue that "blocks" (the request's inwardIssue)
    dest: str  # the issue that "is blocked by" it


STATUSES = [Status("10000", "To Do", "new"), Status("3", "In Progress", "indeterminate"),
            Status("10001", "Blocked", "indeterminate"), Status("10002", "Done", "done")]
# a workflow that forbids some moves: nothing goes straight from To Do to Blocked
WORKFLOW = [Transition("11", "Start progress", "In Progress", ("To Do", "Blocked")),
            Transition("21", "Block", "Blocked", ("In Progress",)),
            Transition("31", "Done", "Done", ("To Do", "In Progress", "Blocked")),
            Transition("41", "Reopen", "To Do", ("Done",)),
            Transition("51", "Stop progress", "To Do", ("In Progress",))]
PRIORITIES = ["Highest", "High", "Medium", "Low", "Lowest"]
ISSUE_TYPES = [("10001", "Task", False), ("10002", "Bug", False), ("10003", "Story", False),
               ("10004", "Epic", False), ("10005", "Sub-task", True)]
LINK_TYPES = {"Blocks": ("10000", "is blocked by", "blocks"),
              "Relates": ("10003", "relates to", "relates to")}


def text(words: str, cloud: bool) -> Any:
    """Plain text as a description or comment body in the flavour's form."""
    if not cloud:
        return words
    paragraphs = [p for p in words.split("\n\n") if p]
    return {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs]}


class JiraState:
    """One project (key `project`) and everything its issues refer to."""

    def __init__(self, project: str, login: str, time_zone: str) -> None:
        self.project, self.project_id = project, 10000
        self.time_zone = time_zone
        self.users: dict[str, User] = {}
        self.statuses = {s.name: s for s in STATUSES}
        self.workflow = list(WORKFLOW)
        self.priorities = list(PRIORITIES)
        self.issue_types = list(ISSUE_TYPES)
        self.issues: dict[str, Issue] = {}
        self.comments: dict[int, Comment] = {}
        self.links: dict[int, Link] = {}
        self.versions: dict[str, int] = {}  # name → id
        self.webhooks: dict[int, dict[str, Any]] = {}
        self._clock = datetime(2024, 3, 1, 9, 0, 0, tzinfo=UTC)
        self._ids = {"issue": 10000, "comment": 10000, "link": 10000, "version": 10000,
                     "hook": 0}
        self.me = self.add_user(login)

    def tick(self) -> datetime:
        self._clock += timedelta(seconds=1)
        return self._clock

    def next_id(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    def add_user(self, name: str, display: str = "", assignable: bool = True) -> User:
        n = len(self.users) + 1
        user = User(f"5b10a2844c20165700ede{n:03d}", name, display or name.title(),
                    f"{name}@example.com", assignable)
        self.users[name] = user
        return user

    def user_by(self, *, account_id: str | None = None, name: str | None = None
                ) -> User | None:
        return next((u for u in self.users.values()
                     if (account_id is not None and u.account_id == account_id)
                     or (name is not None and u.name == name)), None)

    def add_issue(self, summary: str, description: Any = None, *, status: str = "To Do",
                  priority: str = "Medium", issuetype: str = "Task",
                  labels: list[str] | None = None, assignee: str | None = None,
                  fix_versions: list[str] | None = None, reporter: str | None = None,
                  properties: dict[str, Any] | None = None) -> Issue:
        now = self.tick()
        number = len(self.issues) + 1
        for name in fix_versions or []:
            self.version(name)
        if assignee is not None and assignee not in self.users:
            self.add_user(assignee)
        issue = Issue(self.next_id("issue"), f"{self.project}-{number}", summary, description,
                      status, priority, issuetype, reporter or self.me.name, now, now,
                      list(labels or []), assignee, list(fix_versions or []),
                      dict(properties or {}))
        self.issues[issue.key] = issue
        return issue

    def add_comment(self, key: str, body: Any, author: str | None = None) -> Comment:
        now = self.tick()
        if author is not None and author not in self.users:
            self.add_user(author)
        comment = Comment(self.next_id("comment"), key, body, author or self.me.name, now, now)
        self.comments[comment.id] = comment
        self.issues[key].updated = now
        return comment

    def add_link(self, blocker: str, blocked: str, kind: str = "Blocks") -> Link:
        link = Link(self.next_id("link"), kind, blocker, blocked)
        self.links[link.id] = link
        now = self.tick()
        for key in (blocker, blocked):
            if key in self.issues:
                self.issues[key].updated = now
        return link

    def version(self, name: str) -> int:
        if name not in self.versions:
            self.versions[name] = self.next_id("version")
        return self.versions[name]

    def touch(self, issue: Issue) -> None:
        issue.updated = self.tick()

    def transitions_from(self, status: str) -> list[Transition]:
        return [t for t in self.workflow if not t.sources or status in t.sources]

    def issue_comments(self, key: str) -> list[Comment]:
        return sorted((c for c in self.comments.values() if c.key == key),
                      key=lambda c: (c.created, c.id))

    def issue_links(self, key: str) -> list[tuple[Link, str, str]]:
        """(link, the side the other issue is on as Jira names it, the other key)."""
        out = []
        for link in self.links.values():
            if link.dest == key:
                out.append((link, "inwardIssue", link.source))
            elif link.source == key:
                out.append((link, "outwardIssue", link.dest))
        return out
