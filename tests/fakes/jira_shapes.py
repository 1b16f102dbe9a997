"""The fake Jira's records in Jira's own JSON shapes (Cloud v3 and Data Center v2), as the
OpenAPI description and the recordings in ../shared/recorded/jira show them, and its JQL."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fakes.jira_state import LINK_TYPES, Comment, Issue, JiraState, User
from fakes.server import ApiError

NAVIGABLE = ("summary", "description", "status", "priority", "issuetype", "labels",
             "assignee", "reporter", "fixVersions", "issuelinks", "comment", "created",
             "updated", "project")
CATEGORY = {"new": (2, "blue-gray", "To Do"), "indeterminate": (4, "yellow", "In Progress"),
            "done": (3, "green", "Done")}


class Shapes:
    """Renders records for one site (`base`: its URL, `cloud`: v3 or v2)."""

    def __init__(self, state: JiraState, base: str, cloud: bool) -> None:
        self.s, self.base, self.cloud = state, base, cloud
        self.api = f"{base}/rest/api/{3 if cloud else 2}"

    def time(self, t: datetime) -> str:
        """Jira's `2024-03-01T04:00:05.000-0500`, in the user's zone."""
        local = t.astimezone(ZoneInfo(self.s.time_zone))
        return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}" \
            + local.strftime("%z")

    def user(self, u: User | None) -> dict[str, Any] | None:
        if u is None:
            return None
        avatars = {f"{n}x{n}": f"https://avatar.example/{u.account_id}?s={n}"
                   for n in (16, 24, 32, 48)}
        if self.cloud:
            return {"self": f"{self.api}/user?accountId={u.account_id}",
                    "accountId": u.account_id, "emailAddress": u.email, "avatarUrls": avatars,
                    "displayName": u.display, "active": True, "timeZone": self.s.time_zone,
                    "accountType": "atlassian"}
        return {"self": f"{self.api}/user?username={u.name}", "name": u.name, "key": u.name,
                "emailAddress": u.email, "avatarUrls": avatars, "displayName": u.display,
                "active": True, "timeZone": self.s.time_zone}

    def status(self, name: str) -> dict[str, Any]:
        st = self.s.statuses[name]
        cid, color, cname = CATEGORY[st.category]
        return {"self": f"{self.api}/status/{st.id}", "description": "",
                "iconUrl": f"{self.base}/images/icons/statuses/generic.png", "name": st.name,
                "id": st.id, "statusCategory": {
                    "self": f"{self.api}/statuscategory/{cid}", "id": cid,
                    "key": st.category, "colorName": color, "name": cname}}

    def priority(self, name: str) -> dict[str, Any]:
        pid = str(self.s.priorities.index(name) + 1)
        return {"self": f"{self.api}/priority/{pid}", "name": name, "id": pid,
                "iconUrl": f"{self.base}/images/icons/priorities/{name.lower()}.svg",
                "statusColor": "#cc0000", "description": name}

    def issuetype(self, name: str) -> dict[str, Any]:
        tid, _, sub = next(t for t in self.s.issue_types if t[1] == name)
        return {"self": f"{self.api}/issuetype/{tid}", "id": tid, "description": name,
                "iconUrl": f"{self.base}/images/icons/issuetypes/{name.lower()}.svg",
                "name": name, "subtask": sub, "avatarId": 10318,
                "hierarchyLevel": -1 if sub else (1 if name == "Epic" else 0)}

    def version(self, name: str) -> dict[str, Any]:
        vid = self.s.versions[name]
        return {"self": f"{self.api}/version/{vid}", "id": str(vid), "description": "",
                "name": name, "archived": False, "released": False,
                "projectId": self.s.project_id}

    def project(self, types: bool = False) -> dict[str, Any]:
        out = {"self": f"{self.api}/project/{self.s.project_id}", "id": str(self.s.project_id),
               "key": self.s.project, "name": self.s.project.title(),
               "projectTypeKey": "software", "simplified": False,
               "avatarUrls": {"48x48": f"{self.base}/secure/projectavatar?pid=1"}}
        if types:
            out["issueTypes"] = [self.issuetype(t[1]) for t in self.s.issue_types]
        return out

    def comment(self, c: Comment) -> dict[str, Any]:
        author = self.user(self.s.users.get(c.author))
        return {"self": f"{self.api}/issue/{self.s.issues[c.key].id}/comment/{c.id}",
                "id": str(c.id), "author": author, "body": c.body, "updateAuthor": author,
                "created": self.time(c.created), "updated": self.time(c.updated),
                "jsdPublic": True}

    def comments(self, key: str, start: int = 0, size: int = 5000) -> dict[str, Any]:
        rows = self.s.issue_comments(key)
        return {"startAt": start, "maxResults": size, "total": len(rows),
                "comments": [self.comment(c) for c in rows[start:start + size]]}

    def links(self, key: str) -> list[dict[str, Any]]:
        out = []
        for link, side, other in self.s.issue_links(key):
            tid, inward, outward = LINK_TYPES[link.type]
            o = self.s.issues.get(other)
            linked = {"id": str(o.id) if o else "0", "key": other,
                      "self": f"{self.api}/issue/{o.id if o else 0}"}
            if o is not None:
                linked["fields"] = {"summary": o.summary, "status": self.status(o.status),
                                    "priority": self.priority(o.priority),
                                    "issuetype": self.issuetype(o.issuetype)}
            out.append({"id": str(link.id), "self": f"{self.api}/issueLink/{link.id}",
                        "type": {"id": tid, "name": link.type, "inward": inward,
                                 "outward": outward, "self": f"{self.api}/issueLinkType/{tid}"},
                        side: linked})
        return out

    def issue(self, i: Issue, fields: list[str] | None, properties: list[str],
              comment_cap: int) -> dict[str, Any]:
        wanted = NAVIGABLE if fields is None or "*all" in fields or "*navigable" in fields \
            else fields
        values: dict[str, Any] = {
            "summary": lambda: i.summary, "description": lambda: i.description,
            "status": lambda: self.status(i.status), "priority": lambda: self.priority(i.priority),
            "issuetype": lambda: self.issuetype(i.issuetype), "labels": lambda: list(i.labels),
            "assignee": lambda: self.user(self.s.users.get(i.assignee or "")),
            "reporter": lambda: self.user(self.s.users.get(i.reporter)),
            "fixVersions": lambda: [self.version(v) for v in i.fix_versions],
            "issuelinks": lambda: self.links(i.key),
            "comment": lambda: {**self.comments(i.key, 0, comment_cap),
                                "self": f"{self.api}/issue/{i.id}/comment"},
            "created": lambda: self.time(i.created), "updated": lambda: self.time(i.updated),
            "project": lambda: self.project()}
        out: dict[str, Any] = {"expand": "renderedFields,names,schema,operations,editmeta,"
                               "changelog,versionedRepresentations", "id": str(i.id),
                               "self": f"{self.api}/issue/{i.id}", "key": i.key,
                               "fields": {k: values[k]() for k in wanted if k in values}}
        kept = {k: i.properties[k] for k in properties if k in i.properties}
        if properties:
            out["properties"] = kept
        return out


# --- JQL: the subset the bridge sends ------------------------------------------------------

_CLAUSES = [
    (re.compile(r'(?i)^project\s*=\s*"?([A-Z][A-Z0-9_]*)"?$'), "project"),
    (re.compile(r'(?i)^updated\s*>=\s*"(\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?)"$'), "since"),
    (re.compile(r'(?i)^key\s*=\s*"?([A-Z][A-Z0-9_]*-\d+)"?$'), "key"),
    (re.compile(r'(?i)^key\s+in\s*\(([^)]*)\)$'), "keys"),
]


def jql_filter(state: JiraState, jql: str) -> list[Issue]:
    """The issues `jql` finds, in its order (Jira's 400 for what this fake does not know)."""
    parts = re.split(r"(?i)\s*\border\s+by\s+", jql.strip(), maxsplit=1)
    where, order = parts[0], parts[1] if len(parts) > 1 else ""
    rows = list(state.issues.values())
    for clause in [c.strip() for c in re.split(r"(?i)\s+and\s+", where) if c.strip()]:
        for pattern, kind in _CLAUSES:
            m = pattern.match(clause)
            if m:
                rows = _apply(state, rows, kind, m.group(1))
                break
        else:
            raise ApiError(400, f"Error in the JQL Query: the clause {clause!r} is not "
                                "understood by this fake")
    keys: list[tuple[str, bool]] = []
    for part in [p.strip() for p in order.split(",") if p.strip()]:
        name, _, direction = part.partition(" ")
        if name.lower() not in ("updated", "key", "created"):
            raise ApiError(400, f"Error in the JQL Query: cannot order by {name!r}")
        keys.append((name.lower(), direction.strip().upper() == "DESC"))
    for name, desc in reversed(keys or [("created", True)]):
        rows.sort(key=lambda i, n=name: (int(i.key.rpartition("-")[2]) if n == "key"
                                          else getattr(i, n)), reverse=desc)
    return rows


def _apply(state: JiraState, rows: list[Issue], kind: str, value: str) -> list[Issue]:
    if kind == "project":
        if value != state.project:
            raise ApiError(400, f"The value '{value}' does not exist for the field 'project'.")
        return rows
    if kind == "since":
        form = "%Y-%m-%d %H:%M" if " " in value else "%Y-%m-%d"
        since = datetime.strptime(value, form).replace(tzinfo=ZoneInfo(state.time_zone))
        return [i for i in rows if i.updated >= since]
    wanted = {value} if kind == "key" else {k.strip().strip('"') for k in value.split(",")}
    return [i for i in rows if i.key in wanted]
