"""Reading one Jira project (SPEC §8), Cloud (REST v3) and Data Center / Server (REST v2):
the base of `jira.Jira`, which adds writing (`jira_write`) and webhooks (`jira_hooks`).

Reading is one JQL search, `project = "KEY" AND updated >= "yyyy-MM-dd HH:mm" ORDER BY updated
ASC, key ASC`: Cloud pages with `nextPageToken` (`/rest/api/3/search/jql`), Data Center with
`startAt`/`maxResults` (`/rest/api/2/search`, pages overlapping by a few rows so a row that
moves while we page is not skipped). JQL compares times to the minute, in the user's own time
zone: the cursor is turned into that zone (`/myself`, asked once and remembered in the
bridge's cache) and floored to the minute, so a pull re-reads the last minute and duplicates
are dropped by key. Comments come with the search (a long thread is paged separately).

Markers: an issue gi creates carries the issue property `gi` = `{"id": "gi-…"}`, set in the
create request itself (so no crash can fall between the two) and read back with the search
(`properties=gi`); it is invisible in Jira. A comment carries a last line `gi:c-…` in light
grey (Cloud: a paragraph coloured #97a0af; Data Center: `{color:#97a0af}gi:c-…{color}`), read
from the comment the search already brings, since a comment's own properties would cost a
request per issue.
"""

from __future__ import annotations

import re

from gitissues.bridges import jira_fields as jf
from gitissues.bridges.base import Remote, RemoteComment, normal_text
from gitissues.errors import AuthError, NotFound, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from gitissues.bridges.http import Http

PAGE = 100  # Jira's largest page of issues with fields
ROWS_OVERLAP = 5  # Data Center offset pages re-read this many rows of the page before
GREY = "#97a0af"
_COMMENT_MARK = re.compile(r"\n*\{color:[^}]*\}gi:([\w.-]+)\{color\}\s*$")


class JiraSite:
    """One project on one Jira site, through `http` (its client's base URL is the site root,
    its headers carry the credentials). `settings` is the saved bridge: `deployment` (cloud |
    datacenter), the tables of `jira_fields`, and `users` (gi name → account id or user name,
    used here to name comment authors)."""

    extra_fields = ("type", "depends_on")

    def __init__(self, http: Http, project: str, settings: dict[str, Any] | None = None) -> None:
        settings = settings or {}
        key = project.strip()
        if not re.fullmatch(r"[A-Z][A-Z0-9_]{0,254}", key):
            raise UsageError(f"a Jira project is its key (letters, digits and _, in capitals, "
                             f"such as ACME), not {project!r}")
        self.http, self.project = http, key
        self.cloud = str(settings.get("deployment") or "cloud") == "cloud"
        self.api = "/rest/api/3" if self.cloud else "/rest/api/2"
        self.tables = jf.Tables(settings)
        users = settings.get("users") or {}
        self.users_back = {str(v): str(k) for k, v in users.items()} \
            if isinstance(users, dict) else {}
        self.problems: list[str] = []  # what could not be done (a status with no transition)
        self.site = str(http.client.base_url).rstrip("/")
        self.cache: dict[str, Any] = {}  # per run: priorities, types, versions, people

    @staticmethod
    def auth(token: str, target: dict[str, Any]) -> dict[str, str]:
        """The headers that carry the credentials: Basic email:token on Cloud, the personal
        access token as Bearer on Data Center."""
        if str(target.get("deployment") or "cloud") != "cloud":
            return {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        email = target.get("email")
        if not email:
            raise AuthError("Jira Cloud signs in with an email and an API token: set "
                            "JIRA_EMAIL (and JIRA_TOKEN)")
        import base64

        pair = base64.b64encode(f"{email}:{token}".encode()).decode()
        return {"Authorization": f"Basic {pair}", "Accept": "application/json"}

    @property
    def requests(self) -> int:
        return self.http.requests

    # --- reading -------------------------------------------------------------------------

    def changed(self, since: str | None) -> Iterator[Remote]:
        seen: dict[str, str] = {}
        for item in self.search(self.jql(since)):
            key, updated = str(item.get("key")), jf.time_of((item.get("fields") or {})
                                                           .get("updated"))
            if key in seen and seen[key] >= updated:
                continue  # the minute re-read, or a row met again on an overlapping page
            seen[key] = updated
            yield self.remote_of(item)

    def get(self, key: str) -> Remote | None:
        try:
            item = self.http.request("GET", f"{self.api}/issue/{key}", params={
                "fields": ",".join(jf.FIELDS), "properties": jf.PROPERTY}).json()
        except NotFound:
            return None
        project = ((item.get("fields") or {}).get("project") or {}).get("key")
        if project and project != self.project:
            return None
        return self.remote_of(item)

    def jql(self, since: str | None) -> str:
        where = f'project = "{self.project}"'
        if since:
            where += f' AND updated >= "{self.jql_time(since)}"'
        return where + " ORDER BY updated ASC, key ASC"

    def search(self, jql: str) -> Iterator[dict[str, Any]]:
        """Every issue the JQL finds, page by page as the caller reads."""
        params: dict[str, Any] = {"jql": jql, "fields": ",".join(jf.FIELDS),
                                  "maxResults": PAGE, "properties": jf.PROPERTY}
        if self.cloud:
            while True:
                page = self.http.request("GET", f"{self.api}/search/jql", params=params).json()
                yield from page.get("issues") or []
                token = page.get("nextPageToken")
                if not token or page.get("isLast") or not page.get("issues"):
                    return
                params = {**params, "nextPageToken": token}
        start = 0
        while True:
            page = self.http.request("GET", f"{self.api}/search",
                                     params={**params, "startAt": start}).json()
            issues = page.get("issues") or []
            yield from issues
            if not issues or start + len(issues) >= int(page.get("total") or 0):
                return
            start = max(start + 1, start + len(issues) - ROWS_OVERLAP)

    def jql_time(self, since: str) -> str:
        """`since` (UTC) as JQL reads a time: the user's wall clock, floored to the minute,
        an hour earlier near a daylight-saving change (the wall clock is ambiguous there)."""
        from datetime import timedelta

        from gitissues.timeutil import parse_time

        when = parse_time(since)
        zone = self.zone()
        if zone is None:  # no zone known: early enough for any zone on earth
            return (when - timedelta(hours=14)).strftime("%Y-%m-%d %H:%M")
        if (when - timedelta(hours=1)).astimezone(zone).utcoffset() != \
                (when + timedelta(hours=1)).astimezone(zone).utcoffset():
            when -= timedelta(hours=1)
        return when.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    def zone(self) -> Any:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        name = str(self.myself().get("timeZone") or "")
        try:
            return ZoneInfo(name) if name else None
        except (ZoneInfoNotFoundError, ValueError):
            return None

    def myself(self) -> dict[str, Any]:
        """The signed-in user (`/myself`), asked once and kept in the bridge's cache."""
        memo = f"{self.site}{self.api}/myself#gi"
        kept = self.http.etags.get(memo)
        if kept is not None and isinstance(kept[1], dict):
            return kept[1]
        me = self.http.request("GET", f"{self.api}/myself").json() or {}
        found = {k: me.get(k) for k in ("accountId", "name", "timeZone") if me.get(k)}
        self.http.etags.put(memo, "1", found)
        return found

    # --- Jira's shapes and gi's fields -----------------------------------------------------

    def remote_of(self, item: dict[str, Any]) -> Remote:
        f = item.get("fields") or {}
        versions = [v.get("name") for v in f.get("fixVersions") or [] if v.get("name")]
        assignee = jf.person(f.get("assignee"), self.cloud)
        fields = {"title": str(f.get("summary") or ""), "body": self.markdown(f.get("description")),
                  "status": self.tables.status_of(f.get("status")),
                  "labels": sorted(str(x) for x in f.get("labels") or []),
                  "assignees": [assignee] if assignee else [],
                  "milestone": versions[0] if versions else None,
                  "priority": self.tables.priority_of(f.get("priority")),
                  "type": self.tables.type_of(f.get("issuetype")),
                  "depends_on": jf.blockers(f.get("issuelinks") or [])}
        marked = ((item.get("properties") or {}).get(jf.PROPERTY) or {})
        key = str(item["key"])
        return Remote(key, f"{self.site}/browse/{key}", jf.time_of(f.get("updated")), fields,
                      self.comments(key, f.get("comment")),
                      marked.get("id") if isinstance(marked, dict) else None,
                      remote_id=str(item.get("id") or "") or None)

    def comments(self, key: str, page: Any) -> list[RemoteComment]:
        if isinstance(page, list):
            listed, total = page, len(page)
        else:
            listed = list((page or {}).get("comments") or [])
            total = int((page or {}).get("total") or len(listed))
        while len(listed) < total:  # a long thread: the rest page by page
            more = self.http.request("GET", f"{self.api}/issue/{key}/comment", params={
                "startAt": len(listed), "maxResults": PAGE}).json()
            got = more.get("comments") or []
            if not got:
                break
            listed += got
        return [self.comment_of(c) for c in listed]

    def comment_of(self, c: dict[str, Any]) -> RemoteComment:
        body, local_id = self.unmark(c.get("body"))
        author = c.get("author") or {}
        who = jf.person(author, self.cloud)
        name = self.users_back.get(who) or str(author.get("displayName") or who)
        return RemoteComment(str(c.get("id")), name, jf.time_of(c.get("created")),
                             normal_text(self.markdown(body)), local_id)

    # --- text ----------------------------------------------------------------------------

    def markdown(self, value: Any) -> str:
        """gi's Markdown for a description or comment body (ADF, or wiki markup on DC)."""
        from gitissues.bridges.jira_adf import to_markdown

        if isinstance(value, str) and value:
            from gitissues.bridges.jira_wiki_read import to_adf

            value = to_adf(value)
        return normal_text(to_markdown(value))

    def rich(self, markdown: str) -> Any:
        """A description or comment body for Jira from gi's Markdown (None when empty)."""
        from gitissues.bridges.jira_markdown import from_markdown

        if not normal_text(markdown or ""):
            return None
        doc = from_markdown(markdown)
        if self.cloud:
            return doc
        from gitissues.bridges.jira_wiki import from_adf

        return from_adf(doc)

    def marked(self, body: Any, local_id: str) -> Any:
        """A comment body with gi's last line naming the local comment."""
        if self.cloud:
            doc = body or {"type": "doc", "version": 1, "content": []}
            line = {"type": "text", "text": f"gi:{local_id}",
                    "marks": [{"type": "textColor", "attrs": {"color": GREY}}]}
            return {**doc, "content": [*doc.get("content", []),
                                       {"type": "paragraph", "content": [line]}]}
        return (body or "") + "\n\n{color:" + GREY + "}gi:" + local_id + "{color}"

    def unmark(self, body: Any) -> tuple[Any, str | None]:
        """(a comment body without gi's last line, the local comment it names)."""
        if isinstance(body, str):
            m = _COMMENT_MARK.search(body)
            return (body[:m.start()], m.group(1)) if m else (body, None)
        if not isinstance(body, dict) or not body.get("content"):
            return body, None
        from gitissues.bridges.jira_adf import plain_text

        last = body["content"][-1]
        m = re.fullmatch(r"gi:([\w.-]+)", plain_text(last).strip()) \
            if isinstance(last, dict) and last.get("type") == "paragraph" else None
        if m is None:
            return body, None
        return {**body, "content": body["content"][:-1]}, m.group(1)
