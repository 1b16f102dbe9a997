"""Linear's filters as the fake evaluates them: the subset a bridge uses (comparators on ids,
keys, names, times; `and`/`or`; a team, an issue or its comments inside), anything else an
error so that a bridge never relies on a filter the fake would silently ignore."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from graphql import GraphQLError

from fakes.linear_state import Comment, Workspace


def error(message: str, code: str = "INPUT_ERROR", kind: str = "invalid input",
          shown: str | None = None) -> GraphQLError:
    """A GraphQL error with Linear's extensions."""
    return GraphQLError(message, extensions={
        "type": kind, "code": code, "statusCode": 400, "userError": True,
        "userPresentableMessage": shown or message})


def not_found(kind: str) -> GraphQLError:
    return error(f"Entity not found: {kind}", shown=f"Could not find referenced {kind}.")


def _compare(value: Any, comparator: dict[str, Any]) -> bool:
    return all(_one(op, value, want) for op, want in comparator.items())


def _one(op: str, value: Any, want: Any) -> bool:
    if isinstance(value, datetime):
        want = [_when(w) for w in want] if isinstance(want, list) else \
            _when(want) if isinstance(want, str) else want
    if op in ("eq", "neq"):
        return (value == want) == (op == "eq")
    if op in ("in", "nin"):
        return (value in want) == (op == "in")
    if op in ("eqIgnoreCase", "neqIgnoreCase"):
        return (str(value).lower() == str(want).lower()) == (op == "eqIgnoreCase")
    if op in ("gt", "gte", "lt", "lte"):
        return value is not None and {"gt": value > want, "gte": value >= want,
                                      "lt": value < want, "lte": value <= want}[op]
    if op == "null":
        return (value is None) == bool(want)
    if op == "startsWith":
        return str(value).startswith(want)
    if op == "containsIgnoreCase":
        return str(want).lower() in str(value).lower()
    raise error(f"the fake cannot compare with {op}")


def _when(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise error(f"Invalid date: {text}") from None


def matches(ws: Workspace, kind: str, obj: Any, flt: dict[str, Any] | None) -> bool:
    """Whether `obj` (a record of `kind`) passes the filter `flt` (the subset gi uses)."""
    for key, want in (flt or {}).items():
        if key == "and":
            ok = all(matches(ws, kind, obj, f) for f in want)
        elif key == "or":
            ok = any(matches(ws, kind, obj, f) for f in want)
        elif (kind, key) in _NESTED:
            inner_kind, get = _NESTED[(kind, key)]
            inner = get(ws, obj)
            if inner_kind == "Comments":
                ok = _collection(ws, ws.said.get(obj.id, []), want)
            elif "null" in want:  # a nullable relation: {null: true} or {null: false, …}
                rest = {k: v for k, v in want.items() if k != "null"}
                ok = (inner is None) == bool(want["null"]) and (
                    inner is None or matches(ws, inner_kind, inner, rest))
            else:
                ok = inner is not None and matches(ws, inner_kind, inner, want)
        elif (kind, key) in _FIELDS:
            ok = _compare(_FIELDS[(kind, key)](obj), want)
        else:
            raise error(f"the fake cannot filter {kind} by {key}")
        if not ok:
            return False
    return True


def _collection(ws: Workspace, comments: list[Comment], want: dict[str, Any]) -> bool:
    for op, flt in want.items():
        if op == "some":
            ok = any(matches(ws, "Comment", c, flt) for c in comments)
        elif op == "every":
            ok = all(matches(ws, "Comment", c, flt) for c in comments)
        else:
            raise error(f"the fake cannot filter comments by {op}")
        if not ok:
            return False
    return True


_FIELDS = {
    ("Issue", "id"): lambda o: o.id, ("Issue", "updatedAt"): lambda o: o.updated,
    ("Issue", "createdAt"): lambda o: o.created, ("Issue", "number"): lambda o: o.number,
    ("Team", "id"): lambda o: o.id, ("Team", "key"): lambda o: o.key,
    ("Team", "name"): lambda o: o.name, ("User", "id"): lambda o: o.id,
    ("User", "displayName"): lambda o: o.display, ("User", "email"): lambda o: o.email,
    ("User", "name"): lambda o: o.name, ("User", "active"): lambda o: o.active,
    ("Label", "id"): lambda o: o.id, ("Label", "name"): lambda o: o.name,
    ("Label", "isGroup"): lambda o: o.group, ("Comment", "id"): lambda o: o.id,
    ("Comment", "updatedAt"): lambda o: o.updated, ("Comment", "createdAt"): lambda o: o.created,
}
_NESTED = {
    ("Issue", "team"): ("Team", lambda ws, o: ws.teams.get(o.team)),
    ("Issue", "comments"): ("Comments", lambda ws, o: o),
    ("Label", "team"): ("Team", lambda ws, o: ws.teams.get(o.team) if o.team else None),
    ("Comment", "issue"): ("Issue", lambda ws, o: ws.issues.get(o.issue)),
}


