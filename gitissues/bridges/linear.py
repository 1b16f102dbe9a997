"""Linear, GraphQL API at `<url>/graphql`: the issues of one team (SPEC §8).

`--project` is the team's key (ENG). The key can be renamed, which rewrites every issue's
identifier (ENG-12 becomes CORE-12), so an issue is known by its UUID: the mapping's `number`
is the UUID, its `id` the identifier at the last sync and `url` its page. The team's id is
remembered with the bridge's ETag cache; a run that finds the key renamed says so, reads every
issue once (their identifiers changed) and goes on.

A pull is one request when nothing changed: the team and the first page of issues changed
since the cursor (`updatedAt` ≥ it, Relay pages of 50) go in one document, each issue with
its labels, comments and blocking relations (`links` mirrors those). The
updates of a push go out 50 to a request, as aliases of one mutation, when the engine first
looks at one of their results. What gi creates carries the id gi chose for it
(`linear_ids`), so nothing is created twice and a pull knows gi's own issues and comments.

Labels, people, milestones and states are looked up by `linear_team`; states and priority
are translated by `linear_fields`.
"""

from __future__ import annotations

import sys

from gitissues.bridges import linear_fields as lf
from gitissues.bridges import linear_queries as q
from gitissues.bridges.base import Remote, strip_marker
from gitissues.bridges.linear_api import Api, LinearError, pages
from gitissues.bridges.linear_hooks import LinearHooks
from gitissues.bridges.linear_ids import comment_uuid, issue_uuid, relation_uuid
from gitissues.bridges.linear_team import TeamData
from gitissues.errors import NotFound, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from gitissues.bridges.http import Http

BATCH = 50  # issue updates in one request


class Linear(LinearHooks):
    """One team of a Linear workspace, through `http` (its client's base URL is the API root,
    its `Authorization` header the key as given)."""

    def __init__(self, http: Http, project: str) -> None:
        key = project.strip()
        if not key or not key.replace("_", "").isalnum():
            raise UsageError(f"a Linear project is a team key such as ENG, not {project!r}")
        self.http, self.api, self.key = http, Api(http), key.upper()
        self._team: dict[str, Any] | None = None
        self._forget = False  # the remembered team id names no team now
        self.known = TeamData(self.api, lambda: str(self.team()["id"]))
        self._queued: list[tuple[str, dict[str, Any], _Pending]] = []
        # issue key → {key of an issue that blocks it: the relation's id}, for what was read
        self.blockers_seen: dict[str, dict[str, str]] = {}

    @property
    def requests(self) -> int:
        return self.http.requests

    # --- the team ------------------------------------------------------------------------

    def _memo(self) -> str:
        return f"linear team {self.key}"

    def team(self) -> dict[str, Any]:
        """`{id, key, name}` of the bridge's team: by the id remembered from an earlier run
        when there is one (a renamed key still finds it), else by its key."""
        if self._team is None:
            remembered = None if self._forget else self.http.etags.get(self._memo())
            if remembered is not None:
                try:
                    self._found(self.api.call(
                        "query GiTeamById($id: String!) { team(id: $id) { id key name } }",
                        {"id": remembered[0]})["team"])
                except NotFound:
                    self._team = None
            if self._team is None:
                nodes = self.api.call(q.TEAM_BY_KEY, {"key": self.key})["teams"]["nodes"]
                if not nodes:
                    raise NotFound(f"bridge {self.http.bridge}: no Linear team with the key "
                                   f"{self.key} (a renamed team: gi bridge add "
                                   f"{self.http.bridge} --platform linear --project NEWKEY)")
                self._found(nodes[0])
        assert self._team is not None
        return self._team

    def _found(self, team: dict[str, Any]) -> bool:
        """Take `team` as the bridge's; True when its key is not the one seen last time."""
        remembered = self.http.etags.get(self._memo())
        before = (remembered[1] or {}).get("key") if remembered else self.key
        self._team = team
        self.http.etags.put(self._memo(), str(team["id"]), {"key": team["key"]})
        if str(team["key"]).upper() == str(before).upper():
            return False
        print(f"gi: bridge {self.http.bridge}: the Linear team {before} is now "
              f"{team['key']}; reading every issue again for their new identifiers "
              f"(gi bridge add {self.http.bridge} --platform linear --project {team['key']} "
              "saves the new key)", file=sys.stderr, flush=True)
        return True

    # --- reading -------------------------------------------------------------------------

    def changed(self, since: str | None) -> Iterator[Remote]:
        self.flush()
        first = None
        remembered = None if self._team else self.http.etags.get(self._memo())
        if remembered is not None:  # the team and the first page in one request
            try:
                data = self.api.call(q.TEAM_AND_ISSUES, {
                    "team": remembered[0], "filter": self._filter(remembered[0], since)})
            except NotFound:  # that team is gone: look its key up again
                self._forget = True
            else:
                if self._found(data["team"]):
                    since = None  # renamed: every identifier changed
                else:
                    first = {"issues": data["issues"]}
        team = self.team()["id"]
        for node in pages(self.api, q.ISSUES, {"filter": self._filter(team, since)},
                          ("issues",), first):
            yield self._remote(node)

    def _filter(self, team: str, since: str | None) -> dict[str, Any]:
        """The team's issues changed since `since`, or with a comment that was: a new comment
        does not move its issue's `updatedAt` in Linear."""
        found: dict[str, Any] = {"team": {"id": {"eq": team}}}
        if since:
            found["or"] = [{"updatedAt": {"gte": since}},
                           {"comments": {"some": {"updatedAt": {"gte": since}}}}]
        return found

    def get(self, key: str) -> Remote | None:
        self.flush()
        try:
            node = self.api.call(q.ISSUE, {"id": key})["issue"]
        except NotFound:
            return None
        if not node or (node.get("team") or {}).get("id") != self.team()["id"]:
            return None
        return self._remote(node)

    def _remote(self, node: dict[str, Any]) -> Remote:
        """An issue node as a Remote, with the rest of any nested list that had more."""
        team, labels, comments = self.team()["id"], None, None
        key = str(node["id"])
        if ((node.get("labels") or {}).get("pageInfo") or {}).get("hasNextPage"):
            labels = [x["name"] for x in pages(self.api, q.MORE_LABELS, {"id": key},
                                               ("issue", "labels"))]
        if ((node.get("comments") or {}).get("pageInfo") or {}).get("hasNextPage"):
            comments = pages(self.api, q.MORE_COMMENTS, {"id": key}, ("issue", "comments"))
        self._blockers_of(node)
        return lf.remote_of(node, team, labels, comments)

    def _blockers_of(self, node: dict[str, Any]) -> None:
        key = str(node["id"])
        if ((node.get("inverseRelations") or {}).get("pageInfo") or {}).get("hasNextPage"):
            node = {"inverseRelations": {"nodes": pages(
                self.api, q.MORE_RELATIONS, {"id": key}, ("issue", "inverseRelations"))}}
        self.blockers_seen[key] = lf.blockers(node)

    # --- relations (links.py) --------------------------------------------------------------

    def blockers(self, keys: list[str]) -> dict[str, dict[str, str]]:
        """The issues blocking each of `keys` (read now: a push's view must be fresh)."""
        out: dict[str, dict[str, str]] = {}
        for n in range(0, len(keys), q.PAGE):
            for node in pages(self.api, q.BLOCKERS, {"ids": keys[n:n + q.PAGE]}, ("issues",)):
                self._blockers_of(node)
                out[str(node["id"])] = self.blockers_seen[str(node["id"])]
        return out

    def relate(self, add: list[tuple[str, str]], remove: list[str]) -> None:
        """Create `blocks` relations (blocker, blocked) and delete relations, BATCH a request;
        each new relation's id is chosen from its two issues, so a repeat is refused, not
        doubled."""
        team = self.team()["id"]
        work = [("c", pair) for pair in add] + [("d", rid) for rid in remove]
        for n in range(0, len(work), BATCH):
            chunk = work[n:n + BATCH]
            made = [x for kind, x in chunk if kind == "c"]
            gone = [x for kind, x in chunk if kind == "d"]
            variables: dict[str, Any] = {
                f"c{i}": {"id": relation_uuid(team, a, b), "issueId": a, "relatedIssueId": b,
                          "type": "blocks"} for i, (a, b) in enumerate(made)}
            variables |= {f"d{i}": rid for i, rid in enumerate(gone)}
            self.api.call(q.relation_changes(len(made), len(gone)), variables)

    # --- writing -------------------------------------------------------------------------

    def create(self, fields: dict[str, Any], marker: str) -> Remote:
        self.flush()
        team = self.team()["id"]
        named = strip_marker(marker)[1]
        made = issue_uuid(team, named) if named else None
        given = {**self._input(fields, set(fields)), "teamId": team}
        if made:
            given["id"] = made
        try:
            node = self.api.call(q.CREATE, {"input": given})["issueCreate"]["issue"]
        except LinearError:
            node = self._existing(made)  # a re-run: the first attempt made it after all
            if node is None:
                raise
        return self._remote(node)

    def _existing(self, key: str | None) -> dict[str, Any] | None:
        if not key:
            return None
        try:
            node = self.api.call(q.ISSUE, {"id": key})["issue"]
        except NotFound:
            return None
        return node if (node.get("team") or {}).get("id") == self.team()["id"] else None

    def update(self, key: str, fields: dict[str, Any], changed: set[str]) -> Remote:
        """Queued; sent with up to BATCH others when a result is first looked at."""
        pending = _Pending(self, key)
        self._queued.append((key, self._input(fields, changed), pending))
        if len(self._queued) >= BATCH:
            self.flush()
        return pending

    def flush(self) -> None:
        """Send every queued update, BATCH to a request."""
        while self._queued:
            chunk, self._queued = self._queued[:BATCH], self._queued[BATCH:]
            variables: dict[str, Any] = {}
            for n, (key, given, _) in enumerate(chunk):
                variables[f"i{n}"], variables[f"u{n}"] = key, given
            data = self.api.call(q.updates(len(chunk)), variables)
            for n, (_, _, pending) in enumerate(chunk):
                pending.real = self._remote(data[f"u{n}"]["issue"])

    def add_comment(self, key: str, body: str, marker: str) -> str:
        named = strip_marker(marker)[1] or ""
        made = comment_uuid(self.team()["id"], key, named)
        try:
            self.api.call(q.COMMENT, {"input": {"id": made, "issueId": key, "body": body}})
        except LinearError:
            try:  # a re-run: the first attempt posted it after all
                found = self.api.call(q.COMMENT_BY_ID, {"id": made})["comment"]
            except NotFound:
                raise
            if ((found or {}).get("issue") or {}).get("id") != key:
                raise
        return made

    def _input(self, fields: dict[str, Any], changed: set[str]) -> dict[str, Any]:
        """The IssueCreateInput/IssueUpdateInput fields for the `changed` gi fields."""
        out: dict[str, Any] = {}
        status = fields.get("status") or "open"
        state, blocked_label = None, False
        if "status" in changed or "labels" in changed:
            state, blocked_label = lf.state_for(status, self.known.states())
        if "title" in changed:
            out["title"] = fields.get("title") or ""
        if "body" in changed:
            out["description"] = fields.get("body") or ""
        if "status" in changed and state:
            out["stateId"] = state
        if changed & {"labels", "status"}:
            names = [n for n in fields.get("labels") or [] if n != lf.BLOCKED_LABEL]
            out["labelIds"] = self.known.label_ids(names + ([lf.BLOCKED_LABEL] if blocked_label
                                                       else []))
        if "priority" in changed:
            out["priority"] = lf.TO_LINEAR.get(int(fields.get("priority", 2)), 3)
        if "assignees" in changed:
            out["assigneeId"] = self.known.assignee(fields.get("assignees") or [])
        if "milestone" in changed:
            found = self.known.milestone(fields.get("milestone"))
            out["projectMilestoneId"] = found[0] if found else None  # none there: cleared
            if found:
                out["projectId"] = found[1]
        return out


class _Pending(Remote):
    """The result of a queued update: looking at anything but its key sends the queue."""

    def __init__(self, owner: Linear, key: str) -> None:  # noqa: D107 (no Remote.__init__)
        self.key, self.owner, self.real = key, owner, None
        self.unsent: set[str] = set()  # Linear takes every field it is sent (read by push)

    def __getattr__(self, name: str) -> Any:
        if name in ("owner", "real") or name.startswith("__"):
            raise AttributeError(name)
        if self.real is None:
            self.owner.flush()
        if self.real is None:
            raise AttributeError(name)
        return getattr(self.real, name)
