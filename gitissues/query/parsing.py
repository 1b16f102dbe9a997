"""Parsing the query language of SPEC §5: words in, a `Query` of typed terms out.

`parse` turns the terms (argv words, or one string split like a shell) into a `Query` and
reports every mistake as a `QueryError` naming the term; `compiling` turns it into SQL.

Where the SPEC is silent:
- `name:value` is a qualifier when `name` is letters, `-` or `_`. An unknown name is an error,
  unless the value starts with `/`, `\\` or `:` (`https://…`, `std::vector`, `C:\\dir`): those
  words are text. A quoted phrase is always text; so is a word without such a prefix (`12:30`).
- Each argv word is one term (`milestone:Q1 Release` needs no inner quotes); values may be quoted
  (`milestone:"Q1 Release"`), commas inside one value OR.
- Text is always searched literally: each text term becomes one quoted FTS5 phrase, so FTS5
  syntax (`AND`, `OR`, `NOT`, `NEAR(…)`, `^`, `"`, `(`) is just more words, never an error.
  `-word` excludes issues whose text matches it; `word*` is a prefix search; a text term with no
  letter or digit is ignored.
- At most `MAX_VALUES` terms and comma-separated values in all: more is a usage error (the
  statement and its parameters stay well inside SQLite's limits).
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

from gitissues.timeutil import UTC, datetime, timedelta

STATUSES = ("open", "in_progress", "blocked", "closed")
TYPES = ("bug", "feature", "task", "epic", "chore")
IS_VALUES = (*STATUSES, "ready", "claimed")
SORT_COLUMNS = {"priority": "i.priority", "created": "i.created", "updated": "i.updated"}
SORT_DIRECTIONS = {"priority": "asc", "created": "desc", "updated": "desc"}
DEFAULT_SORT = (("priority", "asc"), ("created", "desc"))

# Patterns as text: `re` compiles each on first use and caches it (compiling all of them cost
# every `gi list` ~1 ms); the shapes every query has (`name:value`, values without quotes)
# are split by hand.
# A word of a query string: quotes group, `'` only opens a quote at the start of a word or value.
_WORD = r"""(?:"[^"]*"?|(?<![^\s:,])'[^']*'?|[^\s"])+"""
_PIECE = r"""(?:"[^"]*"?|(?<![^,])'[^']*'?|[^,"])+"""
# A qualifier: a name ([A-Za-z][A-Za-z_-]*), a colon, the value.
_NAME_FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_NAME_CHARS = _NAME_FIRST | frozenset("_-")
_PRIORITY = r"(<=|>=|<|>|=)?[pP]?([0-9]{1,3})\Z"
_PRIORITY_RANGE = r"[pP]?([0-9]{1,3}|\*)?\.\.[pP]?([0-9]{1,3}|\*)?\Z"
_COMPARISON = r"(<=|>=|<|>|=)?(.*)\Z"  # with re.S
_DURATION = r"([0-9]{1,15})([smhdw])\Z"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"
_MOMENT = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}"
           r"(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})?\Z")
AGE_OP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}  # younger than N = later than now - N
MIN_TIME, MAX_TIME = "0000", "9999-99"  # below / above every stored time
MAX_VALUES = 2000  # terms plus comma-separated values; each binds at most 5 SQL parameters
ME_QUALIFIERS = ("assignee", "author", "claimed-by")


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
        return any(t.name in ME_QUALIFIERS and any(v.lower() == "me" for v in t.values)
                   for t in self.terms)

    @property
    def has_text(self) -> bool:
        return any(t.name is None for t in self.terms)


# --- parsing ------------------------------------------------------------------------------------

def parse(terms: list[str] | str) -> Query:
    """Parse argv words (each one term) or one string (split like a shell, quotes group)."""
    words = re.findall(_WORD, terms) if isinstance(terms, str) else list(terms)
    parsed = [t for pos, w in enumerate(words) if (t := _term(str(w), pos)) is not None]
    _check_size(parsed)
    sort: list[tuple[str, str]] = []
    for key, direction in (v for t in parsed if t.name == "sort" for v in t.values):
        if key not in dict(sort):  # the first mention of a key wins
            sort.append((key, direction))
    return Query([t for t in parsed if t.name != "sort"], sort)


def where(raw: str, position: int) -> str:
    """Where a mistake is, for messages: `in term 3 ("label:")`."""
    return f'in term {position + 1} ("{raw}")'


def _check_size(terms: list[Term]) -> None:
    count = 0
    for t in terms:
        count += len(t.values)
        if count > MAX_VALUES:
            raise QueryError(f"too many query terms and values: at most {MAX_VALUES} in all"
                             f" (stopped {where(t.raw, t.position)})", t.raw, t.position)


def _term(raw: str, position: int) -> Term | None:
    word = raw.strip()
    if not word:
        return None
    negated = word.startswith("-") and len(word) > 1
    body = word[1:] if negated else word
    split = None if body[0] in "\"'" else split_qualifier(body)
    if split:
        given, value = split
        name = given.lower()
        if name in QUALIFIERS:
            return _qualifier(name, value, negated, raw, position)
        if not value.startswith(("/", "\\", ":")):
            raise QueryError(f'unknown qualifier "{given}:" {where(raw, position)}; known:'
                             f' {", ".join(QUALIFIERS)} (quote the word to search for it)',
                             raw, position)
    return _text(body, negated, raw, position)


def split_qualifier(word: str) -> tuple[str, str] | None:
    """(name, value) of a qualifier-shaped word: a name of [A-Za-z][A-Za-z_-]*, a colon."""
    name, colon, value = word.partition(":")
    if colon and name[:1] in _NAME_FIRST and _NAME_CHARS.issuperset(name):
        return name, value
    return None


def split_values(value: str) -> list[str]:
    """The comma-separated values of a qualifier, quotes grouping (`_PIECE`); a value without
    quotes is simply split at its commas."""
    if '"' in value or "'" in value:
        found = re.findall(_PIECE, value)
    else:
        found = [p for p in value.split(",") if p]
    return [p for p in (_unquote(p) for p in found) if p]


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
    pieces = split_values(value)
    if not pieces:
        raise QueryError(f'missing value for "{name}:" {where(raw, position)}', raw, position)
    if negated and name == "sort":
        raise QueryError(f'"sort:" cannot be negated {where(raw, position)}', raw, position)
    values = []
    for piece in pieces:
        try:
            values.append(QUALIFIERS[name](piece))
        except (ValueError, OverflowError) as exc:
            raise QueryError(f'invalid value "{piece}" for "{name}:" {where(raw, position)}:'
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
    if m := re.match(_PRIORITY, piece):
        n = _level(m.group(2))
        return {"=": (n, n), "<": (0, n - 1), "<=": (0, n), ">": (n + 1, 4),
                ">=": (n, 4)}[m.group(1) or "="]
    m = re.match(_PRIORITY_RANGE, piece)
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
    op, rest = re.match(_COMPARISON, piece, re.S).groups()  # type: ignore[union-attr]
    if m := re.match(_DURATION, rest):
        if op in (None, "="):
            raise ValueError("an age needs < or >, like <7d (less than 7 days ago)")
        return ((AGE_OP[op], int(m.group(1)) * _UNITS[m.group(2)]),)
    start, end = _instant(rest)
    return {"=": ((">=", start), ("<", end)), ">": ((">=", end),), ">=": ((">=", start),),
            "<": (("<", start),), "<=": (("<", end),)}[op or "="]


def _instant(text: str) -> tuple[str, str]:
    """The [start, end) of a day or of a second, as stored-time strings."""
    if re.match(_DAY, text):
        start, step = datetime.fromisoformat(text).replace(tzinfo=UTC), timedelta(days=1)
    elif re.match(_MOMENT, text):
        t = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
        t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
        start, step = t.replace(microsecond=0), timedelta(seconds=1)
    else:
        raise ValueError("use an age like 7d or 24h, or an RFC 3339 date like 2026-11-01")
    return stamp(start), shifted(start, step)


def _sort(piece: str) -> tuple[str, str]:
    key, _, direction = piece.lower().partition("-")
    if key not in SORT_COLUMNS or direction not in ("", "asc", "desc"):
        raise ValueError("use priority, created or updated, optionally with -asc or -desc")
    return key, direction or SORT_DIRECTIONS[key]


def stamp(t: datetime) -> str:
    t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"


def shifted(t: datetime, delta: timedelta) -> str:
    try:
        return stamp(t + delta)
    except OverflowError:
        return MAX_TIME if delta > timedelta(0) else MIN_TIME


# name → parser of one value (the SQL side is `compiling.BUILDERS`, keyed alike)
QUALIFIERS = {
    "is": _choice(IS_VALUES), "status": _choice(STATUSES), "type": _choice(TYPES),
    "label": str, "assignee": str, "author": str, "priority": _priority, "milestone": str,
    "created": _when, "updated": _when, "closed": _when, "parent": str.lower,
    "claimed-by": str, "stage": str, "sort": _sort, "id": str.lower,
}
