"""Compiling a parsed query to SQL over the derived index (`issues i` and its side tables).

`compile` binds a `Query` to the caller's identity and the time and yields a WHERE clause, its
parameters and an ORDER BY; `select_sql` wraps them into the statement. User input reaches
SQLite only as `?` parameters. Long AND/OR chains are nested as balanced trees: SQLite refuses
an expression more than 1,000 deep, and a flat chain of N terms is N deep.
"""

from __future__ import annotations

from gitissues.query.parsing import (
    DEFAULT_SORT,
    MIN_TIME,
    SORT_COLUMNS,
    Query,
    QueryError,
    Term,
    shifted,
    stamp,
    where,
)
from gitissues.timeutil import UTC, datetime, timedelta

_LIVE_CLAIM = "(i.claim_agent IS NOT NULL AND i.claim_expires > ?)"
# the same, as a set SQLite finds through the partial index issues_claim (a scan in the
# default order otherwise visits every issue: 0.2 s at 100,000)
LIVE_CLAIMS = ("i.rowid IN (SELECT rowid FROM issues WHERE claim_agent IS NOT NULL"
               " AND claim_expires > ?)")
_UNCLOSED_DEP = ("EXISTS (SELECT 1 FROM deps d JOIN issues x ON x.id = d.dep"
                 " WHERE d.issue = i.id AND x.status != 'closed')")
# issues with an unclosed dependency, as a set (the EXISTS form above, tested per issue, finds
# them walking in order: `is:blocked` and `gi blocked` try both, see below)
UNCLOSED_DEPS = ("i.id IN (SELECT d.issue FROM deps d JOIN issues x ON x.id = d.dep"
                 " WHERE x.status != 'closed')")
_FTS = "i.rowid {} (SELECT rowid FROM fts WHERE fts MATCH ?)"
_FLAT = 16  # operands joined flat before nesting

# Membership terms (a label, an assignee, full text) in two equivalent forms. As a set ("IN"),
# SQLite gathers every match and sorts them: fast for a rare value, ~70 ms for a label a third of
# 100,000 issues carry. Tested per issue ("EXISTS"), it walks the issues in the default order and
# stops at the limit: fast for a common value, a full scan for a rare one. Which one is fast
# only running tells (see `Index.first_done`), so `compile` yields both.
_MEMBER_SET = "i.id IN (SELECT issue FROM {0} WHERE {1} = ? COLLATE NOCASE)"
_MEMBER_EACH = "EXISTS (SELECT 1 FROM {0} m WHERE m.issue = i.id AND m.{1} = ? COLLATE NOCASE)"
_FTS_EACH = "EXISTS (SELECT 1 FROM fts WHERE fts.rowid = i.rowid AND fts MATCH ?)"
_EACH = {_MEMBER_SET.format(t, c): _MEMBER_EACH.format(t, c)
         for t, c in (("labels", "label"), ("assignees", "name"))}
_EACH[_FTS.format("IN")] = _FTS_EACH
_EACH[UNCLOSED_DEPS] = _UNCLOSED_DEP


# the orders an index walks (issues_order, issues_by_created, issues_by_updated): the default,
# and each key in its own default direction (the default order breaks its ties)
WALKABLE_ORDERS = {(), (("priority", "asc"),), (("created", "desc"),), (("updated", "desc"),)}


class Compiled:
    """`where` with its `params`, and `scan_where`: the same condition with each membership
    term tested per issue (same parameters), or None when the query has none or is in an order
    no index walks (WALKABLE_ORDERS)."""

    def __init__(self, where: str, params: list, order_by: str, text: str | None = None,
                 scan_where: str | None = None) -> None:
        self.where, self.params, self.order_by, self.text = where, params, order_by, text
        self.scan_where = scan_where


class _NoIdentity(Exception):
    pass


class _Context:
    def __init__(self, me: str | None, now: str, now_dt: datetime) -> None:
        self.me, self.now, self.now_dt = me, now, now_dt

    def who(self, name: str, me_ok: bool = True) -> str:
        if me_ok and name.lower() == "me":
            if self.me is None:
                raise _NoIdentity
            return self.me
        return name

    def ago(self, seconds: int) -> str:
        try:
            return shifted(self.now_dt, -timedelta(seconds=seconds))
        except OverflowError:
            return MIN_TIME


def _joined(parts: list[str], op: str) -> str:
    """`parts` joined by `op` (each part already self-contained), nested so the expression
    stays shallow however many there are."""
    if len(parts) <= _FLAT:
        return f" {op} ".join(parts)
    mid = len(parts) // 2
    return f"({_joined(parts[:mid], op)}) {op} ({_joined(parts[mid:], op)})"


def compile(query: Query, *, me: str | None, now: datetime, extra: str | None = None
            ) -> Compiled:
    """Bind `query` to the caller's identity (for `me`) and the time (for ages and claims);
    `extra` is one more condition of gi's own (never user input), ANDed to the rest."""
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    ctx = _Context(me, stamp(now), now)
    clauses, params, phrases = [], [], []
    if not query.names_status:
        clauses.append("i.status != 'closed'")
    for term in query.terms:
        if term.name is None and not term.negated:
            phrases.append(term.values[0])
            continue
        if term.name is None:
            sql, term_params = _FTS.format("NOT IN"), [term.values[0]]
        else:
            sql, term_params = _qualifier_sql(term, ctx)
        clauses.append(sql)
        params.extend(term_params)
    text = " ".join(phrases) or None
    if text:
        clauses.append(_FTS.format("IN"))
        params.append(text)
    if extra:
        clauses.append(f"({extra})")
    where_sql = _joined(clauses, "AND") or "1"
    scan_where = where_sql
    for each_set, each_one in _EACH.items():
        scan_where = scan_where.replace(each_set, each_one)
    walkable = tuple(query.sort) in WALKABLE_ORDERS
    scan = None if not walkable or scan_where == where_sql else scan_where
    return Compiled(where_sql, params, _order_by(query.sort), text, scan)


def _qualifier_sql(term: Term, ctx: _Context) -> tuple[str, list]:
    build = BUILDERS[term.name]
    parts, params = [], []
    try:
        for value in term.values:
            sql, value_params = build(value, ctx)
            parts.append(sql)
            params.extend(value_params)
    except _NoIdentity:
        raise QueryError(f'"me" needs an agent identity {where(term.raw, term.position)}',
                         term.raw, term.position) from None
    sql = parts[0] if len(parts) == 1 else _joined([f"({p})" for p in parts], "OR")
    return (f"NOT ifnull(({sql}), 0)" if term.negated else f"({sql})"), params


def _order_by(sort: list[tuple[str, str]]) -> str:
    keys = [*sort, *(k for k in DEFAULT_SORT if k[0] not in dict(sort))]
    return ", ".join(f"{SORT_COLUMNS[k]} {d.upper()}" for k, d in keys) + ", i.id ASC"


def select_sql(compiled: Compiled, limit: int | None, scan: bool = False
               ) -> tuple[str, list]:
    """The full statement: the matching issues' JSON, in order; `limit` None means all; `scan`
    uses `scan_where` (the same rows)."""
    where_sql = compiled.scan_where if scan and compiled.scan_where else compiled.where
    sql = f"SELECT i.json FROM issues i WHERE {where_sql} ORDER BY {compiled.order_by}"
    if limit is None:
        return sql, list(compiled.params)
    return sql + " LIMIT ?", [*compiled.params, limit]


def _is_sql(value: str, ctx: _Context) -> tuple[str, list]:
    if value == "open":
        return "i.status != 'closed'", []
    if value == "blocked":
        return f"i.status = 'blocked' OR (i.status != 'closed' AND {UNCLOSED_DEPS})", []
    if value == "claimed":
        return LIVE_CLAIMS, [ctx.now]
    if value == "ready":
        return ("(i.status = 'open' OR (i.status = 'in_progress' AND i.claim_agent IS NOT NULL))"
                f" AND NOT ifnull({_LIVE_CLAIM}, 0) AND NOT {_UNCLOSED_DEP}"), [ctx.now]
    return "i.status = ?", [value]


def _column_sql(column: str, none_ok: bool = True, me_ok: bool = False):
    def build(value: str, ctx: _Context) -> tuple[str, list]:
        if none_ok and value.lower() == "none":
            return f"{column} IS NULL OR {column} = ''", []
        return f"{column} = ? COLLATE NOCASE", [ctx.who(value, me_ok)]
    return build


def _member_sql(table: str, column: str, me_ok: bool):
    def build(value: str, ctx: _Context) -> tuple[str, list]:
        if value.lower() == "none":
            return f"NOT EXISTS (SELECT 1 FROM {table} m WHERE m.issue = i.id)", []
        return _MEMBER_SET.format(table, column), [ctx.who(value, me_ok)]
    return build


def _claimed_by_sql(value: str, ctx: _Context) -> tuple[str, list]:
    if value.lower() == "none":
        return f"NOT ifnull({_LIVE_CLAIM}, 0)", [ctx.now]
    return f"{LIVE_CLAIMS} AND i.claim_agent = ? COLLATE NOCASE", [ctx.now, ctx.who(value)]


def _id_sql(value: str, ctx: _Context) -> tuple[str, list]:
    n = len(value)
    return "substr(i.id, 1, ?) = ? OR substr(i.hex, 1, ?) = ?", [n, value, n, value]


def _parent_sql(value: str, ctx: _Context) -> tuple[str, list]:
    if value == "none":
        return "i.parent IS NULL OR i.parent = ''", []
    n = len(value)
    return ("i.parent = ? OR i.parent IN (SELECT id FROM issues"
            " WHERE substr(id, 1, ?) = ? OR substr(hex, 1, ?) = ?)"), [value, n, value, n, value]


def _priority_sql(value: tuple[int, int], ctx: _Context) -> tuple[str, list]:
    return "i.priority BETWEEN ? AND ?", list(value)


def _time_sql(column: str):
    def build(value: tuple, ctx: _Context) -> tuple[str, list]:
        sql = " AND ".join(f"{column} {op} ?" for op, _ in value)
        return sql, [ctx.ago(b) if isinstance(b, int) else b for _, b in value]
    return build


# name → SQL builder for one value (`parsing.QUALIFIERS` parses the values, keyed alike)
BUILDERS = {
    "is": _is_sql,
    "status": lambda v, ctx: ("i.status = ?", [v]),
    "type": lambda v, ctx: ("i.type = ?", [v]),
    "label": _member_sql("labels", "label", me_ok=False),
    "assignee": _member_sql("assignees", "name", me_ok=True),
    "author": _column_sql("i.author", none_ok=False, me_ok=True),
    "priority": _priority_sql,
    "milestone": _column_sql("i.milestone"),
    "created": _time_sql("i.created"),
    "updated": _time_sql("i.updated"),
    "closed": _time_sql("i.closed"),
    "parent": _parent_sql,
    "claimed-by": _claimed_by_sql,
    "stage": _column_sql("i.stage"),
    "id": _id_sql,
}  # `sort:` orders rather than filters: it has no builder
