"""Compact answers for an agent's context window: an issue as one line, `show` as the fields
that matter with long text cut, and a last guard that no answer exceeds ~8k tokens (32,000
characters of JSON) whatever the store holds — a cut always says what was cut and where the
whole text is.
"""

from __future__ import annotations

import json

from gitissues import timeutil

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitissues.model import Issue

MAX_CHARS = 32_000
TITLE_CHARS = 100
HOLDER_CHARS = 40
BODY_CHARS = 2_000  # `show` without `full`
COMMENT_CHARS = 500
COMMENTS_SHOWN = 3
LIST_ITEMS = 50


def dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(text: Any, limit: int) -> str:
    """`text` on one line (titles are, but a name or a label need not be), at most `limit`."""
    s = str(text)
    if not s.isprintable():
        s = "".join(c if c.isprintable() else " " for c in s)
    return cut(s, limit)


def line(issue: Issue, now: str | None = None) -> str:
    """`gi-7f3a9c open P1 Login crashes @agent-7`: id, status, priority, title, holder."""
    held = issue.live_claim(now or timeutil.now_str())
    holder = f" @{one_line(held.agent, HOLDER_CHARS)}" if held else ""
    return (f"{issue.id} {issue.status} P{issue.priority} "
            f"{one_line(issue.title, TITLE_CHARS)}{holder}")


def readable_file(issue: Issue, mode: str) -> str | None:
    """Where an agent can read the whole issue file: the working-tree file in tree mode, the
    read-only copy (.issue-facade/) in branch mode."""
    if not issue.path:
        return None
    return issue.path if mode == "tree" else f".issue-facade/{issue.path}"


def compact(issue: Issue, mode: str) -> dict[str, Any]:
    """`show` without `full`: the fields that matter, the body and the newest comments cut."""
    now = timeutil.now_str()
    doc: dict[str, Any] = {"id": issue.id, "title": issue.title, "status": issue.status,
                           "type": issue.type, "priority": issue.priority}
    held = issue.live_claim(now)
    if held:
        doc["claim"] = {"agent": held.agent, "expires_at": held.expires_at}
    notes = []
    for key in ("labels", "assignees", "depends_on", "parent", "milestone"):
        value = getattr(issue, key)
        if isinstance(value, list) and len(value) > LIST_ITEMS:
            notes.append(f"{key}: the first {LIST_ITEMS} of {len(value)}; full: true for all")
            value = value[:LIST_ITEMS]
        if value:
            doc[key] = value
    if issue.agent:
        doc["agent"] = issue.agent
    doc["updated"] = issue.updated
    if issue.body:
        doc["body"] = cut(issue.body, BODY_CHARS)
        if len(issue.body) > BODY_CHARS:
            notes.append(f"body: the first {BODY_CHARS} of {len(issue.body)} characters; "
                         "full: true for more")
    if issue.comments:
        shown = issue.comments[-COMMENTS_SHOWN:]
        doc["comments"] = [{"author": c.author, "created": c.created,
                            "body": cut(c.body, COMMENT_CHARS)} for c in shown]
        if len(issue.comments) > len(shown):
            notes.append(f"comments: the newest {len(shown)} of {len(issue.comments)}; "
                         "full: true for all")
    file = readable_file(issue, mode)
    if file:
        doc["file"] = file
    if notes:
        doc["notes"] = notes
    return doc


def full(issue: Issue, mode: str) -> dict[str, Any]:
    doc = issue.to_json()
    file = readable_file(issue, mode)
    if file:
        doc["file"] = file
    return doc


def fitted(doc: dict[str, Any], limit: int = MAX_CHARS) -> str:
    """`doc` as JSON of at most `limit` characters: the body keeps up to half of it, other
    long strings and lists are cut harder each round, and every cut is named under `notes`
    (with the file that holds the whole issue, when known)."""
    text = dumps(doc)
    if len(text) <= limit:
        return text
    where = doc.get("file")
    for body_chars in (limit // 2, limit // 8, limit // 32):
        for chars, items in _ROUNDS:
            notes: dict[str, str] = {}
            clipped = {k: v if k in ("notes", "file") else
                       _clip(v, k, body_chars if k == "body" else chars, items, notes)
                       for k, v in doc.items()}
            clipped["notes"] = [*(doc.get("notes") or []), *notes.values()]
            if where:
                clipped["notes"].append(f"the whole issue is in {where}")
            text = dumps(clipped)
            if len(text) <= limit:
                return text
    return dumps({"notes": ["the answer was too large to show; narrow the request"],
                  **({"file": where} if where else {})})


_ROUNDS = ((8_000, 200), (2_000, 50), (500, 20), (120, 5), (40, 2))  # (characters, items)


def _clip(value: Any, path: str, chars: int, items: int, notes: dict[str, str]) -> Any:
    """`value` with strings cut to `chars` and lists and mappings to `items`; one note per
    place cut (the bodies of many comments make one note)."""
    if isinstance(value, str):
        if len(value) > chars:
            of = "" if "[]" in path else f" of {len(value)}"
            notes.setdefault(path, f"{path}: the first {chars}{of} characters")
            return cut(value, chars)
        return value
    if isinstance(value, list):
        kept = value
        if len(value) > items:
            newest = path.endswith("comments")  # the newest comments matter most
            kept = value[-items:] if newest else value[:items]
            notes.setdefault(path, f"{path}: {'the newest' if newest else 'the first'} "
                                   f"{items} of {len(value)}")
        return [_clip(v, f"{path}[]", chars, items, notes) for v in kept]
    if isinstance(value, dict):
        if len(value) > items:
            notes.setdefault(path, f"{path}: {items} of {len(value)} keys")
            value = dict(list(value.items())[:items])
        return {k: _clip(v, f"{path}.{k}", chars, items, notes) for k, v in value.items()}
    return value
