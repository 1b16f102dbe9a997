"""What a Linear team has that gi's fields name: its workflow states, labels, people and
project milestones, each read once a run (SPEC §8).

Labels go by name, compared without case, the team's and the workspace's (names are unique
across a team); a missing one is created in the team, several in one request. The assignee by
display name, e-mail or name (Linear takes one; others stay in gi). The milestone is the
project milestone of that name in one of the team's projects: gi creates neither projects nor
milestones, so one that is not there stays in gi only.
"""

from __future__ import annotations

from gitissues.bridges import linear_fields as lf
from gitissues.bridges import linear_queries as q
from gitissues.bridges.linear_api import LinearError, pages

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from gitissues.bridges.linear_api import Api


class TeamData:
    """The lookups of one team (`team()` gives its id, resolved on first use)."""

    def __init__(self, api: Api, team: Callable[[], str]) -> None:
        self.api, self.team = api, team
        self._states: list[dict[str, Any]] | None = None
        self._labels: dict[str, dict[str, Any]] | None = None  # lower-cased name → label
        self._users: dict[str, str | None] = {}
        self._milestones: dict[str, tuple[str, str]] | None = None  # name → (id, project)

    def states(self) -> list[dict[str, Any]]:
        if self._states is None:
            self._states = self.api.call(q.STATES, {"team": self.team()})[
                "team"]["states"]["nodes"]
        return self._states

    def label_ids(self, names: list[str], again: bool = True) -> list[str]:
        """The ids of the labels `names` (no case), the missing ones created in the team."""
        if self._labels is None:
            self._labels = {}
            for lb in pages(self.api, q.LABELS, {"team": self.team()}, ("issueLabels",)):
                if not lb.get("isGroup"):
                    self._labels.setdefault(str(lb["name"]).lower(), lb)
        missing = list(dict.fromkeys(n for n in names if n.lower() not in self._labels))
        if missing:
            variables = {f"l{n}": {"name": name, "teamId": self.team()}
                         for n, name in enumerate(missing)}
            try:
                data = self.api.call(q.label_creates(len(missing)), variables)
            except LinearError:
                if not again:
                    raise
                self._labels = None  # made meanwhile by someone else: read them again, once
                return self.label_ids(names, again=False)
            for n in range(len(missing)):
                made = data[f"l{n}"]["issueLabel"]
                self._labels[str(made["name"]).lower()] = made
        return list(dict.fromkeys(self._labels[n.lower()]["id"] for n in names
                                  if n.lower() in self._labels))

    def assignee(self, names: list[str]) -> str | None:
        """The first of `names` Linear knows (it takes one assignee); None: unassigned."""
        for name in names:
            if name not in self._users:
                found = self.api.call(q.USERS, {"name": name})["users"]["nodes"]
                exact = [u for u in found if u.get("active", True)
                         and name.lower() in (lf.login(u).lower(), str(u.get("email")).lower(),
                                              str(u.get("name")).lower())]
                self._users[name] = exact[0]["id"] if exact else None
            if self._users[name]:
                return self._users[name]
        return None

    def milestone(self, name: str | None) -> tuple[str, str] | None:
        if not name:
            return None
        if self._milestones is None:
            self._milestones = {}
            data = self.api.call(q.MILESTONES, {"team": self.team()})
            for project in data["team"]["projects"]["nodes"]:
                for m in project["projectMilestones"]["nodes"]:
                    self._milestones.setdefault(m["name"], (m["id"], project["id"]))
        return self._milestones.get(name)
