"""What the bridge engine and one platform module say to each other (SPEC §8).

A platform module turns its API's issues into `Remote`s: where the issue is (its key, url, the
time it last changed) and its fields in gi's own terms — the same names and values as the
`Issue` model (`title`, `body`, `status`, `labels`, `assignees`, `milestone`, `priority`), so
the engine merges them with the §6 rules like any other version of an issue. How a platform
carries what it has no field for (status and priority labels on the forges) is the module's
business; `gitissues.bridges.labels` has the forge rules.
"""

from __future__ import annotations

from gitissues.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, Protocol
else:
    Protocol = object

MAPPED = ("title", "body", "status", "labels", "assignees", "milestone", "priority")
# fields a platform may map besides MAPPED, naming them in its `extra_fields` (Jira: both);
# `depends_on` holds remote keys on the platform's side (the engine translates, see `refs`)
EXTRA = ("type", "depends_on")
# in every issue and comment gi creates remotely, so that it is found again after a crash
MARKER = "<!-- gi:{} -->"


class RemoteComment:
    """One comment on a remote issue; `local_id` is the gi comment it mirrors, when gi posted
    it (read back from its marker)."""

    def __init__(self, key: str, author: str, created: str, body: str,
                 local_id: str | None = None) -> None:
        self.key, self.author, self.created, self.body = key, author, created, body
        self.local_id = local_id


class Remote:
    """One remote issue: `key` is what its URL names (a number, an iid, a Jira key), `marked`
    the gi id its body's marker names (an issue gi created there), `fields` the MAPPED fields."""

    def __init__(self, key: str, url: str, updated: str, fields: dict[str, Any],
                 comments: list[RemoteComment] | None = None, marked: str | None = None,
                 remote_id: str | None = None) -> None:
        self.key, self.url, self.updated, self.fields = key, url, updated, fields
        self.comments = comments or []
        self.marked, self.remote_id = marked, remote_id
        # fields a write did not set (a status no transition reaches): not agreed, so the
        # next push tries them again
        self.unsent: set[str] = set()


class Platform(Protocol):
    """One bridge instance's view of its tracker. `requests` counts the HTTP requests sent."""

    requests: int

    def changed(self, since: str | None) -> Iterator[Remote]:
        """Issues (never pull or merge requests) changed at or after `since` (None: all), with
        their comments."""
        ...

    def create(self, fields: dict[str, Any], marker: str) -> Remote:
        """A new remote issue with these fields; `marker` goes invisibly into its body."""
        ...

    def update(self, key: str, fields: dict[str, Any], changed: set[str]) -> Remote:
        """Set the `changed` fields of the remote issue `key` to their values in `fields`."""
        ...

    def add_comment(self, key: str, body: str, marker: str) -> str:
        """Post a comment (with `marker`) on the remote issue `key`; its remote key."""
        ...

    def get(self, key: str) -> Remote | None:
        """One remote issue with its comments, by `key` (None: gone, or not an issue): what a
        webhook delivery names is pulled alone, not by a search since a cursor."""
        ...


class HookAdmin(Protocol):
    """The webhooks a tracker keeps for a project (`gi webhook register|list|remove`)."""

    def list_hooks(self) -> list[dict[str, Any]]:
        """Every webhook of the project: `{id, url, events, active}`."""
        ...

    def add_hook(self, url: str, secret: str) -> dict[str, Any]:
        """Create a webhook that posts issue and comment events to `url`, signed with `secret`
        in the platform's scheme; the new hook as `list_hooks` shows it."""
        ...

    def remove_hook(self, hook_id: str) -> None:
        """Delete the webhook `hook_id` (a not-found error when there is none)."""
        ...


def owner_repo(project: str, platform: str) -> tuple[str, str]:
    """`owner/repo` split, or a usage error naming the platform."""
    owner, _, repo = project.partition("/")
    if not owner or not repo or "/" in repo:
        raise UsageError(f"a {platform} project is owner/repo, not {project!r}")
    return owner, repo


def normal_text(text: str) -> str:
    """Text as compared across a bridge: servers rewrite line endings and trailing blanks on
    save, which must not make an unchanged issue look changed on every sync."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def strip_marker(text: str) -> tuple[str, str | None]:
    """(`text` without gi's marker, the id the marker names or None)."""
    start = text.find("<!-- gi:")
    if start < 0:
        return text, None
    end = text.find(" -->", start)
    if end < 0:
        return text, None
    named = text[start + len("<!-- gi:"):end]
    return (text[:start] + text[end + len(" -->"):]).strip("\n"), named or None


def with_marker(body: str, marker: str) -> str:
    """`body` as gi writes it remotely: its marker (if any) on a line of its own at the end."""
    return f"{body.rstrip()}\n\n{marker}" if marker else body


def keeping_marker(current: str, body: str) -> str:
    """`body` to write over the remote text `current`, keeping the marker it carries (an edit
    must not make an issue gi created look like somebody else's)."""
    named = strip_marker(current)[1]
    return with_marker(body, MARKER.format(named) if named else "")


def keys_of(platform: Any) -> tuple[str, ...]:
    """The fields `platform` maps: MAPPED and those of EXTRA it names in `extra_fields`."""
    extra = getattr(platform, "extra_fields", ())
    return MAPPED + tuple(k for k in EXTRA if k in extra)


def comparable(fields: dict[str, Any], keys: tuple[str, ...] = MAPPED) -> dict[str, Any]:
    """The `keys` fields in a form where equal means "no change": text normalised, sets
    sorted, missing and empty alike."""
    out: dict[str, Any] = {}
    for k in keys:
        v = fields.get(k)
        if k in ("title", "body"):
            v = normal_text(v or "")
        elif k in ("labels", "assignees", "depends_on"):
            v = sorted(set(v or []))
        elif k in ("milestone", "type"):
            v = v or None
        out[k] = v
    return out
