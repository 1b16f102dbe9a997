"""The fake Linear's root fields: the queries and mutations a bridge uses, over the workspace
(`linear_state`), answering with the views of `linear_views`. Each checks its input as Linear
does where a bridge could get it wrong (a label of another team, an id already taken, a state
of another team) and answers with Linear's error shapes."""

from __future__ import annotations

import uuid
from typing import Any

from fakes.linear_filters import error, matches, not_found
from fakes.linear_state import Issue, Label, Relation, Webhook, Workspace, rewrite
from fakes.linear_views import (
    CommentV,
    IssueV,
    LabelV,
    RelationV,
    TeamV,
    UserV,
    WebhookV,
    connection,
    ordered,
)

RESOURCES = {"Issue", "Comment", "IssueLabel", "Project", "Cycle", "Reaction", "Attachment",
             "ProjectUpdate", "Document", "Initiative", "User", "Customer"}
_ISSUE_INPUT = {"title", "description", "stateId", "labelIds", "addedLabelIds",
                "removedLabelIds", "priority", "assigneeId", "projectMilestoneId", "projectId"}


class Root:
    """Root value of every request: query and mutation fields by their schema names."""

    def __init__(self, ws: Workspace, sync: list[int]) -> None:
        self.ws, self._sync = ws, sync

    def _payload(self, **kw: Any) -> dict[str, Any]:
        self._sync[0] += 1
        return {"success": True, "lastSyncId": float(self._sync[0]), **kw}

    # -- queries --

    def viewer(self, info: Any) -> UserV:
        return UserV(self.ws, self.ws.me)

    def teams(self, info: Any, filter: Any = None, **a: Any) -> dict[str, Any]:  # noqa: A002
        rows = [t for t in self.ws.teams.values() if matches(self.ws, "Team", t, filter)]
        return connection(rows, lambda t: TeamV(self.ws, t), **_page(a))

    def team(self, info: Any, id: str) -> TeamV:  # noqa: A002
        if id not in self.ws.teams:
            raise not_found("Team")
        return TeamV(self.ws, self.ws.teams[id])

    def issues(self, info: Any, filter: Any = None, orderBy: Any = None,  # noqa: A002, N803
               sort: Any = None, includeArchived: Any = None, **a: Any) -> dict[str, Any]:  # noqa: N803
        # the pages after the first reuse its listing (as a snapshot): listing 5,000 issues
        # again for each page would make the fake, not the bridge, what a benchmark measures
        key = repr((filter, orderBy))
        if a.get("after") is None or self.ws.listed[0] != key:
            rows = [i for i in self.ws.issues.values() if matches(self.ws, "Issue", i, filter)]
            self.ws.listed = (key, ordered(rows, orderBy))
        return connection(self.ws.listed[1], lambda i: IssueV(self.ws, i), **_page(a))

    def issue(self, info: Any, id: str) -> IssueV:  # noqa: A002
        found = self.ws.issue_by(id)
        if found is None:
            raise not_found("Issue")
        return IssueV(self.ws, found)

    def issueLabels(self, info: Any, filter: Any = None, orderBy: Any = None,  # noqa: A002, N802, N803
                    **a: Any) -> dict[str, Any]:
        rows = [lb for lb in self.ws.labels.values() if matches(self.ws, "Label", lb, filter)]
        return connection(ordered(rows, orderBy), lambda lb: LabelV(self.ws, lb), **_page(a))

    def users(self, info: Any, filter: Any = None, **a: Any) -> dict[str, Any]:  # noqa: A002
        rows = [u for u in self.ws.users.values() if matches(self.ws, "User", u, filter)]
        return connection(rows, lambda u: UserV(self.ws, u), **_page(a))

    def comment(self, info: Any, id: str | None = None, hash: str | None = None  # noqa: A002
                ) -> CommentV:
        if id not in self.ws.comments:
            raise not_found("Comment")
        return CommentV(self.ws, self.ws.comments[id])

    def webhooks(self, info: Any, **a: Any) -> dict[str, Any]:
        return connection(list(self.ws.webhooks.values()), lambda w: WebhookV(self.ws, w),
                          **_page(a))

    def webhook(self, info: Any, id: str) -> WebhookV:  # noqa: A002
        if id not in self.ws.webhooks:
            raise not_found("Webhook")
        return WebhookV(self.ws, self.ws.webhooks[id])

    # -- mutations --

    def issueCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002, N802
        ws = self.ws
        team = self._team(input["teamId"])
        if not str(input.get("title") or "").strip():
            raise error("Argument Validation Error", shown="title should not be empty")
        states = sorted((s for s in ws.states.values() if s.team == team.id),
                        key=lambda s: s.position)
        default = next(s for s in states if s.type == "unstarted").name
        issue = ws.add_issue(str(input["title"]), team=team, state=default,
                             id_=self._fresh_id(input.get("id"), ws.issues))
        issue.description = rewrite(input.get("description") or "") or None
        self._apply(issue, {k: v for k, v in input.items() if k in _ISSUE_INPUT})
        issue.updated = issue.created
        return self._payload(issue=IssueV(ws, issue))

    def issueUpdate(self, info: Any, id: str, input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002, N802
        issue = self.ws.issue_by(id)
        if issue is None:
            raise not_found("Issue")
        unknown = set(input) - _ISSUE_INPUT
        if unknown:
            raise error(f"the fake does not take {', '.join(sorted(unknown))}")
        self._apply(issue, input)
        issue.updated = self.ws.tick()
        return self._payload(issue=IssueV(self.ws, issue))

    def commentCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002, N802
        issue = self.ws.issue_by(str(input.get("issueId") or ""))
        if issue is None:
            raise not_found("Issue")
        if not str(input.get("body") or "").strip():
            raise error("Argument Validation Error", shown="body should not be empty")
        made = self.ws.add_comment(issue, str(input["body"]),
                                   id_=self._fresh_id(input.get("id"), self.ws.comments))
        return self._payload(comment=CommentV(self.ws, made))

    def issueLabelCreate(self, info: Any, input: dict[str, Any],  # noqa: A002, N802
                         replaceTeamLabels: Any = None) -> dict[str, Any]:  # noqa: N803
        team = self._team(input["teamId"]).id if input.get("teamId") else None
        name = str(input["name"]).strip()
        if any(lb.name.lower() == name.lower() and lb.team in (team, None)
               for lb in self.ws.labels.values()):
            raise error("Duplicate label name", shown=f"A label named {name} already exists.")
        made = Label(self._fresh_id(input.get("id"), self.ws.labels), name, team,
                     self.ws.tick(), input.get("description"), bool(input.get("isGroup")))
        self.ws.labels[made.id] = made
        return self._payload(issueLabel=LabelV(self.ws, made))

    def issueRelationCreate(self, info: Any, input: dict[str, Any],  # noqa: A002, N802
                            overrideCreatedAt: Any = None) -> dict[str, Any]:  # noqa: N803
        a, b = self.ws.issue_by(input["issueId"]), self.ws.issue_by(input["relatedIssueId"])
        if a is None or b is None:
            raise not_found("Issue")
        if any((r.issue, r.related, r.type) == (a.id, b.id, input["type"])
               for r in self.ws.relations.values()):
            raise error("Relation already exists")
        made = self.ws.block(a, b, self._fresh_id(input.get("id"), self.ws.relations))
        made.type = input["type"]
        return self._payload(issueRelation=RelationV(self.ws, made))

    def issueRelationDelete(self, info: Any, id: str) -> dict[str, Any]:  # noqa: A002, N802
        gone: Relation | None = self.ws.relations.pop(id, None)
        if gone is None:
            raise not_found("IssueRelation")
        now = self.ws.tick()
        for key in (gone.issue, gone.related):
            self.ws.issues[key].updated = now
        return self._payload(entityId=id)

    def webhookCreate(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002, N802
        team = self._team(input["teamId"]).id if input.get("teamId") else None
        kinds = list(input["resourceTypes"])
        if not kinds or set(kinds) - RESOURCES:
            raise error("Invalid resource types", shown="Unknown resource type")
        if not str(input.get("url") or "").startswith(("http://", "https://")):
            raise error("Argument Validation Error", shown="url must be a URL address")
        hook = Webhook(self._fresh_id(input.get("id"), self.ws.webhooks), input["url"], team,
                       kinds, input.get("secret"), input.get("enabled", True),
                       input.get("label"), self.ws.tick())
        self.ws.webhooks[hook.id] = hook
        return self._payload(webhook=WebhookV(self.ws, hook))

    def webhookDelete(self, info: Any, id: str) -> dict[str, Any]:  # noqa: A002, N802
        if self.ws.webhooks.pop(id, None) is None:
            raise not_found("Webhook")
        return self._payload(entityId=id)

    # -- checks --

    def _team(self, ref: str) -> Any:
        found = self.ws.teams.get(ref) or next(
            (t for t in self.ws.teams.values() if t.key == ref), None)
        if found is None:
            raise not_found("Team")
        return found

    def _fresh_id(self, given: Any, taken: dict[str, Any]) -> str:
        if given is None:
            return str(uuid.uuid4())
        try:
            parsed = uuid.UUID(str(given))
        except ValueError:
            parsed = None
        if parsed is None or parsed.version != 4 or str(parsed) != str(given):
            raise error("Argument Validation Error", shown="id must be a UUID")
        if given in taken:
            raise error("Entity already exists", shown="An entity with this id already exists.")
        return str(given)

    def _apply(self, issue: Issue, input: dict[str, Any]) -> None:  # noqa: A002
        ws = self.ws
        if "title" in input:
            if not str(input["title"] or "").strip():
                raise error("Argument Validation Error", shown="title should not be empty")
            issue.title = input["title"]
        if "description" in input:
            issue.description = rewrite(input["description"] or "") or None
        if input.get("stateId") is not None:
            state = ws.states.get(input["stateId"])
            if state is None or state.team != issue.team:
                raise error("Invalid state", shown="The workflow state is not in the team.")
            issue.state = state.id
        labels = list(issue.labels)
        if input.get("labelIds") is not None:
            labels = list(dict.fromkeys(input["labelIds"]))
        labels += [x for x in input.get("addedLabelIds") or [] if x not in labels]
        labels = [x for x in labels if x not in (input.get("removedLabelIds") or [])]
        for x in labels:
            lb = ws.labels.get(x)
            if lb is None or lb.team not in (issue.team, None) or lb.group:
                raise error("Invalid label", shown="A label is not in the issue's team.")
        issue.labels = labels
        if "priority" in input and input["priority"] is not None:
            if input["priority"] not in range(5):
                raise error("Argument Validation Error", shown="priority must be 0 to 4")
            issue.priority = input["priority"]
        if "assigneeId" in input:
            if input["assigneeId"] is not None and input["assigneeId"] not in ws.users:
                raise not_found("User")
            issue.assignee = input["assigneeId"]
        if "projectId" in input:
            if input["projectId"] is not None and input["projectId"] not in ws.projects:
                raise not_found("Project")
            issue.project = input["projectId"]
        if "projectMilestoneId" in input:
            m = input["projectMilestoneId"]
            if m is not None and m not in ws.milestones:
                raise not_found("ProjectMilestone")
            issue.milestone = m
            if m is not None:
                if input.get("projectId") not in (None, ws.milestones[m].project):
                    raise error("Milestone not in project")
                issue.project = ws.milestones[m].project


def _page(args: dict[str, Any]) -> dict[str, Any]:
    return {k: args.get(k) for k in ("first", "after", "last", "before")}

