"""Real paging for the list tools: each page carries the true total and an opaque cursor that
holds the sort key of its last row (not an offset), so the next page starts right after that
row however many issues were created, closed or changed meanwhile. The cursor is bound to the
query it came from: one given with another query is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json

from gitissues import query as q
from gitissues import timeutil
from gitissues.errors import UsageError
from gitissues.store import issue_from_row
from gitissues.store.core import PLAN_BUDGET

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitissues.model import Issue
    from gitissues.store import Store

# the sort keys of the index (query.SORT_COLUMNS), as the issue holds them
_KEYS = {"i.priority": "priority", "i.created": "created", "i.updated": "updated",
         "i.id": "id"}
_DEFAULT_SORT = (("priority", "asc"), ("created", "desc"))  # SPEC §5's default order


class Totals:
    """The count of a query's matches, kept while the store stays at the same commit.

    A count visits every matching issue (~20 ms at 10,000 issues, where a page takes well under
    one), and an agent pages and polls the same lists. A count is reused only for the same
    store state (branch mode's ref tip, read in the same transaction), the same query and the
    same identity (`me`); one that depends on claims only while no claim has expired since it
    was made; one with an age term (`created:<7d`) is never reused."""

    SIZE = 64

    def __init__(self) -> None:
        self.counts: dict[tuple, tuple[int, str]] = {}

    def get(self, index: Any, key: tuple | None, claims: bool, now: str) -> int | None:
        found = self.counts.get(key) if key else None
        if found is None:
            return None
        count, at = found
        if claims and index.rows(_EXPIRED_SINCE, (at, now)):
            return None
        return count

    def put(self, key: tuple | None, count: int, now: str) -> None:
        if key:
            if len(self.counts) >= self.SIZE:
                self.counts.pop(next(iter(self.counts)))
            self.counts[key] = (count, now)


# a claim that ran out between two moments (the partial index issues_claim finds it)
_EXPIRED_SINCE = ("SELECT 1 FROM issues WHERE claim_agent IS NOT NULL AND claim_expires > ?"
                  " AND claim_expires <= ? LIMIT 1")
_CLAIM_TERMS = frozenset({"claimed-by"})
_AGE_TERMS = frozenset({"created", "updated", "closed"})


def _count_key(store: Store, parsed: q.Query, terms: str, extra: str | None, me: str | None,
               token: str | None) -> tuple | None:
    if store.mode != "branch" or not token or any(t.name in _AGE_TERMS for t in parsed.terms):
        return None
    return (token, terms, extra, me)


def _on_claims(parsed: q.Query) -> bool:
    return any(t.name in _CLAIM_TERMS or (t.name == "is" and {"ready", "claimed"} & set(t.values))
               for t in parsed.terms)


class Page:
    def __init__(self, issues: list[Issue], total: int, cursor: str | None,
                 warnings: list[str]) -> None:
        self.issues, self.total, self.cursor, self.warnings = issues, total, cursor, warnings


def fingerprint(*parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts).encode()).hexdigest()[:10]


def encode(mark: str, values: list[Any]) -> str:
    raw = json.dumps([mark, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, mark: str, kinds: tuple[type, ...]) -> list[Any]:
    """The values a cursor holds, checked against the query (`mark`) and their types."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (ValueError, TypeError):
        data = None
    if not isinstance(data, list) or not data or data[0] != mark:
        raise UsageError("cursor: not one this query gave (ask again without a cursor)",
                         argument="cursor")
    values = data[1:]
    if len(values) != len(kinds) or not all(isinstance(v, k) and not isinstance(v, bool)
                                            for v, k in zip(values, kinds, strict=True)):
        raise UsageError("cursor: damaged (ask again without a cursor)", argument="cursor")
    return values


def _order(parsed: q.Query) -> list[tuple[str, str]]:
    """(column, direction) of the query's order, ending with the id as the index orders it."""
    sort = list(parsed.sort)
    keys = [*sort, *(k for k in _DEFAULT_SORT if k[0] not in dict(sort))]
    return [(q.SORT_COLUMNS[k], d) for k, d in keys] + [("i.id", "asc")]


def _literal(value: Any) -> str:
    """A value from a decoded cursor as an SQL literal (an int, or a quoted string)."""
    if isinstance(value, int):
        return str(int(value))
    text = str(value)
    if "\0" in text:
        raise UsageError("cursor: damaged (ask again without a cursor)", argument="cursor")
    return "'" + text.replace("'", "''") + "'"


def _after(order: list[tuple[str, str]], values: list[Any]) -> str:
    """The rows that come after `values` in `order`: (a > x) OR (a = x AND b > y) OR …"""
    ors = []
    for n, (column, direction) in enumerate(order):
        same = [f"{c} = {_literal(v)}" for (c, _), v in zip(order[:n], values[:n], strict=True)]
        step = f"{column} {'>' if direction == 'asc' else '<'} {_literal(values[n])}"
        ors.append("(" + " AND ".join([*same, step]) + ")")
    return " OR ".join(ors)


def issues(store: Store, terms: str, limit: int, cursor: str | None, kind: str,
           extra: str | None = None, totals: Totals | None = None) -> Page:
    """One page of the issues `terms` match (and `extra`, gi's own condition), in the query's
    order, with the total the query matches (`totals` may know it already)."""
    parsed = _parse(terms)
    order = _order(parsed)
    mark = fingerprint(kind, terms)
    kinds = tuple(int if c == "i.priority" else str for c, _ in order)
    index = store.fresh()
    me = store.actor if parsed.uses_me else None
    now = timeutil.now()
    wheres = [extra] if extra else []
    if cursor:
        wheres.append(_after(order, decode(cursor, mark, kinds)))
    try:
        base = q.compile(parsed, me=me, now=now, extra=extra)
        paged = q.compile(parsed, me=me, now=now,
                          extra=" AND ".join(f"({w})" for w in wheres) or None)
    except q.QueryError as exc:
        raise UsageError(str(exc), term=exc.term, position=exc.position) from None
    sql, params = q.select_sql(paged, limit + 1)
    plans: list = [(sql, params, None)]
    if paged.scan_where:
        plans[:0] = [(sql, params, PLAN_BUDGET[0]),
                     (*q.select_sql(paged, limit + 1, scan=True), PLAN_BUDGET[1])]
    stamp = timeutil.format_time(now)
    with index.reading():
        key = _count_key(store, parsed, terms, extra, me, index.meta("token"))
        total = totals.get(index, key, _on_claims(parsed), stamp) if totals else None
        if total is None:
            total = index.rows(f"SELECT count(*) FROM issues i WHERE {base.where}",
                               base.params)[0][0]
            if totals:
                totals.put(key, total, stamp)
        rows = index.first_done(plans)
        bad = index.bad_files()
    found = [issue_from_row(json.loads(r[0])) for r in rows[:limit]]
    following = None
    if len(rows) > limit:
        last = found[-1]
        following = encode(mark, [getattr(last, _KEYS[c]) for c, _ in order])
    return Page(found, total, following, [m for _, m in bad])


def _parse(terms: str) -> q.Query:
    try:
        return q.parse(terms)
    except q.QueryError as exc:
        raise UsageError(str(exc), term=exc.term, position=exc.position) from None


def events(store: Store, limit: int, cursor: str | None, issue: str | None = None,
           agent: str | None = None, since: str | None = None
           ) -> tuple[list[dict[str, Any]], int, str | None]:
    """The newest `limit` events (before the cursor's), oldest first, the total that match,
    and a cursor for the ones before them."""
    from gitissues import activity

    mark = fingerprint("log", issue, agent, since)
    cutoff = activity.parse_since(since)
    issue_id = store.resolve(issue) if issue else None
    index = activity.update(store)
    with index.reading():
        pairs = activity.select(index, cutoff, issue_id, agent)
    total = len(pairs)
    if cursor:
        time, seq = decode(cursor, mark, (str, int))
        pairs = [p for p in pairs if (p[1]["time"], p[0]) < (time, seq)]
    shown = pairs[-limit:]
    earlier = None
    if len(pairs) > limit:
        earlier = encode(mark, [shown[0][1]["time"], shown[0][0]])
    return [e for _, e in shown], total, earlier
