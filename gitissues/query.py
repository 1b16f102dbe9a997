"""The query language of SPEC §5, parsed once and compiled to SQL over the derived index.

`parse` turns the terms (argv words, or one string split like a shell) into a `Query` and
reports every mistake as a `QueryError` naming the term; `compile` binds the query to an
identity and a time and yields a WHERE clause over `issues i`, its parameters and an ORDER BY.
User input reaches SQLite only as `?` parameters.

Where the SPEC is silent:
- `name:value` is a qualifier when `name` is letters, `-` or `_`. An unknown name is an error,
  unless the value starts with `/`, `\\` or `:` (`https://…`, `std::vector`, `C:\\dir`): those
  words are text. A quoted phrase is always text; so is a word without such a prefix (`12:30`).
- Each argv word is one term (`milestone:Q1 Release` needs no inner quotes); values may be quoted
  (`milestone:"Q1 Release"`), commas inside one value OR.
- `-word` excludes issues whose text matches it; `word*` is a prefix search; a text term with no
  letter or digit is ignored.
- `none` means "empty" for assignee, label, milestone, parent, stage and claimed-by; `me` (the
  caller's identity) works for assignee, author and claimed-by. Names compare case-insensitively.
- `is:ready`: status open (or in_progress under an expired claim: expired claims count as free),
  no live claim, every dependency closed (one missing from the index does not block).
  `is:blocked`: status blocked, or not closed with an unclosed dependency. `is:in-progress` is
  accepted for `is:in_progress`.
- A date is a whole UTC day, a date-time a whole second: `>D` is after it, `<=D` up to its end,
  `A..B` includes both ends and either side may be `*` or empty. An age needs `<` or `>`.
- Several `sort:` keys chain; the default order breaks the remaining ties, then the id.
"""

from __future__ import annotations

import re
from collections import namedtuple
from datetime import UTC, datetime, timedelta

STATUSES = ("open", "in_progress", "blocked", "closed")
TYPES = ("bug", "feature", "task", "epic", "chore")
IS_VALUES = (*STATUSES, "ready", "claimed")
SORT_COLUMNS = {"priority": "i.priority", "created": "i.created", "updated": "i.updated"}
SORT_DIRECTIONS = {"priority": "asc", "created": "desc", "updated": "desc"}
DEFAULT_SORT = (("priority", "asc"), ("created", "desc"))

# A word of a query string: quotes group, `'` only opens a quote at the start of a word or value.
_WORD = re.compile(r"""(?:"[^"]*"?|(?<![^\s:,])'[^']*'?|[^\s"])+""")
_PIECE = re.compile(r"""(?:"[^"]*"?|(?<![^,])'[^']*'?|[^,"])+""")
_QUALIFIER = re.compile(r"([A-Za-z][A-Za-z_-]*):(.*)\Z", re.S)
_PRIORITY = re.compile(r"(<=|>=|<|>|=)?[pP]?([0-9]{1,3})\Z")
_PRIORITY_RANGE = re.compile(r"[pP]?([0-9]{1,3}|\*)?\.\.[pP]?([0-9]{1,3}|\*)?\Z")
_COMPARISON = re.compile(r"(<=|>=|<|>|=)?(.*)\Z", re.S)
_DURATION = re.compile(r"([0-9]{1,15})([smhdw])\Z")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}"
                     r"(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})?\Z")
_AGE_OP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}  # younger than N = later than now - N
_MIN_TIME, _MAX_TIME = "0000", "9999-99"  # below / above every stored time

_LIVE_CLAIM = "(i.claim_agent IS NOT NULL AND i.claim_expires > ?)"
_UNCLOSED_DEP = ("EXISTS (SELECT 1 FROM deps d JOIN issues x ON x.id = d.dep"
                 " WHERE d.issue = i.id AND x.status != 'closed')")
_FTS = "i.rowid {} (SELECT rowid FROM fts WHERE fts MATCH ?)"


class QueryError(ValueError):
    """A usage error in a query; `term` is the offending term, `position` its 0-based index."""

    def __init__(self, message: str, term: str, position: int) -> None:
        super().__init__(message)
        self.term = term
        self.position = position


# One term: a qualifier (`name`) with parsed `values` ORed, or text (`name` None) whose single
# value is an FTS5 phrase. (A namedtuple: typing and dataclasses cost milliseconds to import.)
Term = namedtuple("Term", "position raw name values negated", defaults=(False,))


class Query:
    def __init__(self, terms: list[Term], sort: list[tuple[str, str]] | None = None) -> None:
        self.terms = terms
        self.sort: list[tuple[str, str]] = sort or []  # explicit (key, asc|desc)

    @property
    def names_status(self) -> bool:
        """Whether a term names a status, which lifts the implicit `is:open`."""
        return any(t.name == "status" or (t.name == "is" and set(t.values) & set(STATUSES))
                   for t in self.terms)

    @property
    def uses_me(self) -> bool:
        """Whether `compile` will need the caller's identity."""
        return any(t.name in _ME_QUALIFIERS and any(v.lower() == "me" for v in t.values)
                   for t in self.terms)

    @property
    def has_text(self) -> bool:
        return any(t.name is None for t in self.terms)


class Compiled:
    def __init__(self, where: str, params: list, order_by: str, text: str | None = None
                 ) -> None:
        self.where, self.params, self.order_by, self.text = where, params, order_by, text


# --- parsing ------------------------------------------------------------------------------------

def parse(terms: list[str] | str) -> Query:
    """Parse argv words (each one term) or one string (split like a shell, quotes group)."""
    words = _WORD.findall(terms) if isinstance(terms, str) else list(terms)
    parsed = [t for pos, w in enumerate(words) if (t := _term(str(w), pos)) is not None]
    sort: list[tuple[str, str]] = []
    for key, direction in (v for t in parsed if t.name == "sort" for v in t.values):
        if key not in dict(sort):  # the first mention of a key wins
            sort.append((key, direction))
    return Query([t for t in parsed if t.name != "sort"], sort)


def _where(raw: str, position: int) -> str:
    return f'in term {position + 1} ("{raw}")'


def _term(raw: str, position: int) -> Term | None:
    word = raw.strip()
    if not word:
        return None
    negated = word.startswith("-") and len(word) > 1
    body = word[1:] if negated else word
    m = None if body[0] in "\"'" else _QUALIFIER.match(body)
    if m:
        name = m.group(1).lower()
        if name in _QUALIFIERS:
            return _qualifier(name, m.group(2), negated, raw, position)
        if not m.group(2).startswith(("/", "\\", ":")):
            raise QueryError(f'unknown qualifier "{m.group(1)}:" {_where(raw, position)}; known:'
                             f' {", ".join(_QUALIFIERS)} (quote the word to search for it)',
                             raw, position)
    return _text(body, negated, raw, position)


def _text(body: str, negated: bool, raw: str, position: int) -> Term | None:
    prefix = False
    if body[0] in "\"'":
        body = body[1:-1] if len(body) > 1 and body.endswith(body[0]) else body[1:]
    elif body.endswith("*"):
        body, prefix = body.rstrip("*"), True
    body = body.replace("\x00", " ")
    if not any(ch.isalnum() for ch in body):
        return None
    phrase = '"' + body.replace('"', '""') + '"' + ("*" if prefix else "")
    return Term(position, raw, None, (phrase,), negated)


def _qualifier(name: str, value: str, negated: bool, raw: str, position: int) -> Term:
    pieces = [p for p in (_unquote(p) for p in _PIECE.findall(value)) if p]
    if not pieces:
        raise QueryError(f'missing value for "{name}:" {_where(raw, position)}', raw, position)
    if negated and name == "sort":
        raise QueryError(f'"sort:" cannot be negated {_where(raw, position)}', raw, position)
    values = []
    for piece in pieces:
        try:
            values.append(_QUALIFIERS[name][0](piece))
        except (ValueError, OverflowError) as exc:
            raise QueryError(f'invalid value "{piece}" for "{name}:" {_where(raw, position)}:'
                             f" {exc}", raw, position) from None
    return Term(position, raw, name, tuple(values), negated)


def _unquote(piece: str) -> str:
    piece = piece.strip()
    if len(piece) > 1 and piece[0] == piece[-1] == "'":
        piece = piece[1:-1]
    return piece.replace('"', "").strip()


def _choice(options: tuple[str, ...]):
    def parse_choice(piece: str) -> str:
        value = piece.lower().replace("-", "_")
        if value not in options:
            raise ValueError("use " + ", ".join(options))
        return value
    return parse_choice


def _priority(piece: str) -> tuple[int, int]:
    """A priority term as an inclusive (low, high) range."""
    if m := _PRIORITY.match(piece):
        n = _level(m.group(2))
        return {"=": (n, n), "<": (0, n - 1), "<=": (0, n), ">": (n + 1, 4),
                ">=": (n, 4)}[m.group(1) or "="]
    m = _PRIORITY_RANGE.match(piece)
    if m and piece.strip("*.pP"):
        low, high = m.groups()
        return (_level(low) if low not in (None, "*") else 0,
                _level(high) if high not in (None, "*") else 4)
    raise ValueError("use a level 0..4, a comparison like <=1, or a range like 1..3")


def _level(text: str) -> int:
    if int(text) > 4:
        raise ValueError("priorities run from 0 (critical) to 4 (backlog)")
    return int(text)


def _when(piece: str) -> tuple[tuple[str, str | int], ...]:
    """A time term as comparisons (operator, bound): a bound is a time string, or an age in
    seconds that `compile` turns into a time."""
    if ".." in piece:
        first, _, last = piece.partition("..")
        low = None if first in ("", "*") else _instant(first)[0]
        high = None if last in ("", "*") else _instant(last)[1]
        if low is None and high is None:
            raise ValueError("a range needs a start or an end, like 2026-11-01..2026-11-20")
        return tuple((op, b) for op, b in ((">=", low), ("<", high)) if b is not None)
    op, rest = _COMPARISON.match(piece).groups()
    if m := _DURATION.match(rest):
        if op in (None, "="):
            raise ValueError("an age needs < or >, like <7d (less than 7 days ago)")
        return ((_AGE_OP[op], int(m.group(1)) * _UNITS[m.group(2)]),)
    start, end = _instant(rest)
    return {"=": ((">=", start), ("<", end)), ">": ((">=", end),), ">=": ((">=", start),),
            "<": (("<", start),), "<=": (("<", end),)}[op or "="]


def _instant(text: str) -> tuple[str, str]:
    """The [start, end) of a day or of a second, as stored-time strings."""
    if _DAY.match(text):
        start, step = datetime.fromisoformat(text).replace(tzinfo=UTC), timedelta(days=1)
    elif _MOMENT.match(text):
        t = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
        t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
        start, step = t.replace(microsecond=0), timedelta(seconds=1)
    else:
        raise ValueError("use an age like 7d or 24h, or an RFC 3339 date like 2026-11-01")
    return _stamp(start), _shifted(start, step)


def _sort(piece: str) -> tuple[str, str]:
    key, _, direction = piece.lower().partition("-")
    if key not in SORT_COLUMNS or direction not in ("", "asc", "desc"):
        raise ValueError("use priority, created or updated, optionally with -asc or -desc")
    return key, direction or SORT_DIRECTIONS[key]


def _stamp(t: datetime) -> str:
    t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"


def _shifted(t: datetime, delta: timedelta) -> str:
    try:
        return _stamp(t + delta)
    except OverflowError:
        return _MAX_TIME if delta > timedelta(0) else _MIN_TIME


# --- compiling ----------------------------------------------------------------------------------

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
            return _shifted(self.now_dt, -timedelta(seconds=seconds))
        except OverflowError:
            return _MIN_TIME


def compile(query: Query, *, me: str | None, now: datetime) -> Compiled:
    """Bind `query` to the caller's identity (for `me`) and the time (for ages and claims)."""
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    ctx = _Context(me, _stamp(now), now)
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
    return Compiled(" AND ".join(clauses) or "1", params, _order_by(query.sort), text)


def _qualifier_sql(term: Term, ctx: _Context) -> tuple[str, list]:
    build = _QUALIFIERS[term.name][1]
    parts, params = [], []
    try:
        for value in term.values:
            sql, value_params = build(value, ctx)
            parts.append(sql)
            params.extend(value_params)
    except _NoIdentity:
        raise QueryError(f'"me" needs an agent identity {_where(term.raw, term.position)}',
                         term.raw, term.position) from None
    sql = parts[0] if len(parts) == 1 else " OR ".join(f"({p})" for p in parts)
    return (f"NOT ifnull(({sql}), 0)" if term.negated else f"({sql})"), params


def _order_by(sort: list[tuple[str, str]]) -> str:
    keys = [*sort, *(k for k in DEFAULT_SORT if k[0] not in dict(sort))]
    return ", ".join(f"{SORT_COLUMNS[k]} {d.upper()}" for k, d in keys) + ", i.id ASC"


def select_sql(compiled: Compiled, limit: int | None) -> tuple[str, list]:
    """The full statement: the matching issues' JSON, in order; `limit` None means all."""
    sql = f"SELECT i.json FROM issues i WHERE {compiled.where} ORDER BY {compiled.order_by}"
    if limit is None:
        return sql, list(compiled.params)
    return sql + " LIMIT ?", [*compiled.params, limit]


def _is_sql(value: str, ctx: _Context) -> tuple[str, list]:
    if value == "open":
        return "i.status != 'closed'", []
    if value == "blocked":
        return f"i.status = 'blocked' OR (i.status != 'closed' AND {_UNCLOSED_DEP})", []
    if value == "claimed":
        return _LIVE_CLAIM, [ctx.now]
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
        return (f"i.id IN (SELECT issue FROM {table} WHERE {column} = ? COLLATE NOCASE)",
                [ctx.who(value, me_ok)])
    return build


def _claimed_by_sql(value: str, ctx: _Context) -> tuple[str, list]:
    if value.lower() == "none":
        return f"NOT ifnull({_LIVE_CLAIM}, 0)", [ctx.now]
    return f"{_LIVE_CLAIM} AND i.claim_agent = ? COLLATE NOCASE", [ctx.now, ctx.who(value)]


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


# name → (value parser, SQL builder for one value)
_QUALIFIERS = {
    "is": (_choice(IS_VALUES), _is_sql),
    "status": (_choice(STATUSES), lambda v, ctx: ("i.status = ?", [v])),
    "type": (_choice(TYPES), lambda v, ctx: ("i.type = ?", [v])),
    "label": (str, _member_sql("labels", "label", me_ok=False)),
    "assignee": (str, _member_sql("assignees", "name", me_ok=True)),
    "author": (str, _column_sql("i.author", none_ok=False, me_ok=True)),
    "priority": (_priority, _priority_sql),
    "milestone": (str, _column_sql("i.milestone")),
    "created": (_when, _time_sql("i.created")),
    "updated": (_when, _time_sql("i.updated")),
    "closed": (_when, _time_sql("i.closed")),
    "parent": (str.lower, _parent_sql),
    "claimed-by": (str, _claimed_by_sql),
    "stage": (str, _column_sql("i.stage")),
    "sort": (_sort, None),  # ordering, not a filter
    "id": (str.lower, _id_sql),
}
_ME_QUALIFIERS = ("assignee", "author", "claimed-by")
