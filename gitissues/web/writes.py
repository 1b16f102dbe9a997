"""The writes of the web board (SPEC §11), each a call of the same store API as the CLI's:
create, edit (title, status, priority, labels), comment, claim and release — as the person
named in `actor`, else the server's own identity (SPEC §7).

A request body is a JSON object; a key this module does not know, or a value of the wrong
kind, is a usage error (400) naming it, so a typo never passes unnoticed.
"""

from __future__ import annotations

from gitissues.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitissues.model import Issue
    from gitissues.store import Store

MAX_ACTOR = 200


def _checked(doc: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise UsageError("the request body must be a JSON object")
    unknown = sorted(set(doc) - set(allowed))
    if unknown:
        raise UsageError(f"unknown field {unknown[0]!r}: use {', '.join(allowed)}",
                         field=unknown[0])
    return {k: v for k, v in doc.items() if v is not None}


def _text(doc: dict[str, Any], key: str) -> str | None:
    value = doc.get(key)
    if value is not None and not isinstance(value, str):
        raise UsageError(f"{key!r} must be a string", field=key)
    return value


def _labels(doc: dict[str, Any]) -> list[str] | None:
    value = doc.get("labels")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise UsageError("'labels' must be a list of strings", field="labels")
    return list(dict.fromkeys(x.strip() for x in value if x.strip()))


def _priority(doc: dict[str, Any]) -> int | None:
    value = doc.get("priority")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise UsageError("'priority' must be a whole number from 0 to 4", field="priority")
    return value


def as_actor(store: Store, doc: dict[str, Any]) -> None:
    """Write as `actor` when the request names one: one line, no control characters."""
    name = _text(doc, "actor")
    if name is None or not name.strip():
        return
    name = name.strip()
    if len(name) > MAX_ACTOR or not name.isprintable():
        raise UsageError(f"'actor' must be one printable line of at most {MAX_ACTOR} "
                         "characters", field="actor")
    store.actor = name  # type: ignore[misc]  # (a cached property: set per request's store)


def create(store: Store, doc: Any) -> Issue:
    doc = _checked(doc, ("title", "body", "type", "priority", "labels", "actor"))
    title = _text(doc, "title")
    if title is None:
        raise UsageError("'title' is required", field="title")
    as_actor(store, doc)
    fields: dict[str, Any] = {"body": _text(doc, "body") or "", "labels": _labels(doc) or []}
    if "type" in doc:
        fields["type"] = _text(doc, "type")
    if "priority" in doc:
        fields["priority"] = _priority(doc)
    return store.create(title, **fields)


def edit(store: Store, ref: str, doc: Any) -> Issue:
    doc = _checked(doc, ("title", "status", "priority", "labels", "actor"))
    as_actor(store, doc)
    labels = _labels(doc)
    fields = {"title": _text(doc, "title"), "status": _text(doc, "status"),
              "priority": _priority(doc)}
    if labels is None and all(v is None for v in fields.values()):
        raise UsageError("nothing to change: give title, status, priority or labels")
    add: list[str] = []
    remove: list[str] = []
    if labels is not None:
        now = store.get(ref).labels
        add = [x for x in labels if x not in now]
        remove = [x for x in now if x not in labels]
    return store.edit(ref, add_labels=add, remove_labels=remove, **fields)


def comment(store: Store, ref: str, doc: Any) -> Issue:
    doc = _checked(doc, ("body", "actor"))
    body = _text(doc, "body")
    if body is None:
        raise UsageError("'body' is required", field="body")
    as_actor(store, doc)
    return store.comment(ref, body)


def claim(store: Store, ref: str, doc: Any) -> Issue:
    doc = _checked(doc or {}, ("actor", "ttl"))
    as_actor(store, doc)
    return store.claim(ref, _text(doc, "ttl") or None)


def release(store: Store, ref: str, doc: Any) -> Issue:
    doc = _checked(doc or {}, ("actor", "ttl"))
    as_actor(store, doc)
    return store.release(ref)
