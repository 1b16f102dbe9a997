"""Writing gi's changes to Jira (SPEC §8), for `jira.Jira` (on its `jira_site.JiraSite` part).

Fields go in one create or edit request; status only through a workflow transition (the
transitions the issue has now, chosen by `jira_fields.Tables`); `depends_on` as "Blocks" links
(the blocker is the link's inward issue, the issue it blocks the outward one). A status no
transition reaches is reported, never fatal: it goes to `problems` (the run ends with exit 4)
and stays unsent, so the next push tries again. A value Jira cannot hold (a field the issue's
screen refuses, a priority or type the site lacks, someone who may not be assigned) is left
out, and the engine records how Jira shows it instead (`seen`), as for any tracker.
Priorities, issue types, versions and people are looked up once per run.
"""

from __future__ import annotations

from gitissues.bridges import jira_fields as jf
from gitissues.bridges.base import Remote, strip_marker
from gitissues.errors import RemoteError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitissues.bridges.jira_site import JiraSite as Jira

GI_NAMES = {"summary": "title", "description": "body", "labels": "labels",
            "priority": "priority", "issuetype": "type", "assignee": "assignees",
            "fixVersions": "milestone"}
BLOCKS = "Blocks"


def create(j: Jira, fields: dict[str, Any], marker: str) -> Remote:
    payload = write_fields(j, fields, set(GI_NAMES.values()))
    payload["project"] = {"key": j.project}
    if "issuetype" not in payload:  # required: the project's first ordinary type
        payload["issuetype"] = {"name": (issue_types(j) or ["Task"])[0]}
    body: dict[str, Any] = {"fields": {k: v for k, v in payload.items() if v is not None}}
    gi_id = strip_marker(marker)[1]
    if gi_id:
        body["properties"] = [{"key": jf.PROPERTY, "value": {"id": gi_id}}]
    key = str(_send(j, "POST", f"{j.api}/issue", body)["key"])
    for blocker in fields.get("depends_on") or []:
        link(j, blocker, key)
    wanted = fields.get("status") or "open"
    if wanted != "open":
        transition(j, key, wanted, None)
    return finish(j, key, fields, {"status"})


def update(j: Jira, key: str, fields: dict[str, Any], changed: set[str]) -> Remote:
    current: dict[str, Any] = {}
    if changed & {"status", "depends_on"}:
        current = j.http.request("GET", f"{j.api}/issue/{key}", params={
            "fields": "status,issuelinks"}).json().get("fields") or {}
    payload = write_fields(j, fields, changed)
    if payload:
        _send(j, "PUT", f"{j.api}/issue/{key}", {"fields": payload})
    if "depends_on" in changed:
        relink(j, key, current.get("issuelinks") or [], fields.get("depends_on") or [])
    wanted = fields.get("status") or "open"
    if "status" in changed and j.tables.status_of(current.get("status")) != wanted:
        transition(j, key, wanted, current.get("status"))
    return finish(j, key, fields, changed)


def finish(j: Jira, key: str, fields: dict[str, Any], changed: set[str]) -> Remote:
    """The issue as Jira has it now; a status it did not reach stays unsent."""
    remote = j.get(key)
    if remote is None:
        raise RemoteError(f"bridge: Jira issue {key} vanished while gi wrote to it")
    wanted = fields.get("status") or "open"
    if "status" in changed and remote.fields["status"] != wanted:
        remote.unsent = {"status"}
        if not any(p.startswith(f"{key}:") for p in j.problems):
            j.problems.append(f"{key}: the status is still {remote.fields['status']}, "
                              f"not {wanted}")
    return remote


def add_comment(j: Jira, key: str, body: str, marker: str) -> str:
    rich = j.rich(body)
    local_id = strip_marker(marker)[1]
    if local_id:
        rich = j.marked(rich, local_id)
    made = j.http.request("POST", f"{j.api}/issue/{key}/comment", json={"body": rich}).json()
    return str(made["id"])


def write_fields(j: Jira, fields: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    """The Jira fields for gi's `keys` (a value the site has no match for left out)."""
    out: dict[str, Any] = {}
    if "title" in keys:
        out["summary"] = " ".join(str(fields.get("title") or "").split())[:255]
    if "body" in keys:
        out["description"] = j.rich(fields.get("body") or "")
    if "labels" in keys:  # Jira's labels cannot hold a space
        out["labels"] = ["_".join(str(x).split()) for x in fields.get("labels") or []]
    if "priority" in keys:
        name = j.tables.priority_name(int(fields.get("priority") if fields.get("priority")
                                          is not None else 2), priorities(j))
        if name:
            out["priority"] = {"name": name}
    if "type" in keys:
        name = j.tables.type_name(str(fields.get("type") or "task"), issue_types(j))
        if name:
            out["issuetype"] = {"name": name}
    if "assignees" in keys:
        who = next((a for a in fields.get("assignees") or [] if assignable(j, a)), None)
        out["assignee"] = None if who is None else (
            {"accountId": who} if j.cloud else {"name": who})
    if "milestone" in keys:
        title = fields.get("milestone")
        out["fixVersions"] = [{"name": version(j, str(title))}] if title else []
    return out


def _send(j: Jira, method: str, url: str, body: dict[str, Any]) -> Any:
    """Send a create or edit (its answer); the fields Jira refuses on this issue's screen
    (its error names them) are left out and the request sent once more without them."""
    try:
        return _json(j.http.request(method, url, json=body, idempotent=method == "PUT"))
    except RemoteError as exc:
        if exc.details.get("status") != 400:
            raise
        named = {k for k in body["fields"] if f"{k}: " in exc.message and k in GI_NAMES}
        if not named:
            raise
    trimmed = {**body, "fields": {k: v for k, v in body["fields"].items() if k not in named}}
    return _json(j.http.request(method, url, json=trimmed, idempotent=method == "PUT"))


def _json(response: Any) -> Any:
    """The body of an answer; an edit's 204 has none."""
    return response.json() if response.content else None


def transition(j: Jira, key: str, wanted: str, status: dict[str, Any] | None) -> bool:
    """Move issue `key` to a status that reads as `wanted`; when no transition it has now
    leads there, say which exist (in `problems`) and leave it where it is."""
    found = j.http.request("GET", f"{j.api}/issue/{key}/transitions").json()
    offered = [t for t in found.get("transitions") or [] if t.get("isAvailable", True)]
    choice = pick(j, offered, wanted)
    if choice is None:
        where = f" from {status.get('name')!r}" if status and status.get("name") else ""
        names = ", ".join(f"{t.get('name')!r} → {(t.get('to') or {}).get('name')}"
                          for t in offered) or "none"
        j.problems.append(f"{key}: no transition{where} leads to a status gi reads as "
                          f"{wanted}; the transitions there: {names}")
        return False
    try:
        j.http.request("POST", f"{j.api}/issue/{key}/transitions",
                       json={"transition": {"id": str(choice["id"])}})
    except RemoteError as exc:
        if exc.details.get("status") != 400:
            raise
        j.problems.append(f"{key}: the transition {choice.get('name')!r} was refused: "
                          f"{exc.message}")
        return False
    return True


def pick(j: Jira, offered: list[dict[str, Any]], wanted: str) -> dict[str, Any] | None:
    """The transition for `wanted`: the bridge's named one, else the first whose target reads
    as `wanted`."""
    named = j.tables.transitions.get(wanted)
    if named:
        lower = [n.lower() for n in named]
        return next((t for t in offered if str(t.get("name")).lower() in lower
                     or str((t.get("to") or {}).get("name")).lower() in lower), None)
    return next((t for t in offered if j.tables.status_of(t.get("to")) == wanted), None)


def link(j: Jira, blocker: str, blocked: str) -> None:
    j.http.request("POST", f"{j.api}/issueLink", json={
        "type": {"name": BLOCKS}, "inwardIssue": {"key": blocker},
        "outwardIssue": {"key": blocked}})


def relink(j: Jira, key: str, links: list[Any], wanted: list[str]) -> None:
    """Make the issue's "is blocked by" links those of `wanted`; a link to another project's
    issue (which gi cannot hold) is never removed."""
    have = {}
    for one in links:
        other = (one or {}).get("inwardIssue") or {}
        if str(((one or {}).get("type") or {}).get("name") or "").lower() == jf.BLOCKS \
                and other.get("key"):
            have[str(other["key"])] = str(one.get("id"))
    for blocker in sorted(set(wanted) - set(have)):
        link(j, blocker, key)
    for blocker, link_id in sorted(have.items()):
        if blocker not in wanted and blocker.startswith(j.project + "-"):
            j.http.request("DELETE", f"{j.api}/issueLink/{link_id}")


# --- what a site has, looked up once per run ------------------------------------------------

def priorities(j: Jira) -> list[str]:
    if "priorities" not in j.cache:
        found = j.http.request("GET", f"{j.api}/priority").json() or []
        j.cache["priorities"] = [str(p.get("name")) for p in found if p.get("name")]
    return j.cache["priorities"]


def project(j: Jira) -> dict[str, Any]:
    if "project" not in j.cache:
        j.cache["project"] = j.http.request("GET", f"{j.api}/project/{j.project}").json() or {}
    return j.cache["project"]


def issue_types(j: Jira) -> list[str]:
    """The project's issue types that need no parent."""
    return [str(t.get("name")) for t in project(j).get("issueTypes") or []
            if t.get("name") and not t.get("subtask")]


def version(j: Jira, name: str) -> str:
    """The project's version `name` (gi's milestone), made when missing."""
    if "versions" not in j.cache:
        found = j.http.request("GET", f"{j.api}/project/{j.project}/versions").json() or []
        j.cache["versions"] = {str(v.get("name")) for v in found}
    if name not in j.cache["versions"]:
        j.http.request("POST", f"{j.api}/version", json={
            "name": name, "projectId": int(project(j).get("id") or 0)})
        j.cache["versions"].add(name)
    return name


def assignable(j: Jira, who: str) -> bool:
    """Whether `who` (an account id, or a user name on Data Center) may be assigned issues of
    the project: an agent's name Jira does not know would fail the whole request."""
    people = j.cache.setdefault("assignable", {})
    if who not in people:
        params = {"project": j.project, "accountId" if j.cloud else "username": who}
        found = j.http.request("GET", f"{j.api}/user/assignable/search", params=params).json()
        people[who] = any(jf.person(u, j.cloud) == who for u in found or [])
    return people[who]
