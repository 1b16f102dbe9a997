"""What the board shows (SPEC §11): one column per status, at most `CAP` cards each (closed:
`CLOSED_CAP`, the most recently closed) and a count of the rest.

Each column is one limited SQL statement over the index plus one count, so a board of 10,000
issues costs a handful of small queries, never a parse of every issue. The query language is the
CLI's (`gitissues.query`): `GET /?q=QUERY` shows what `gi list QUERY --limit 0` matches; the
closed column shows the issues that match QUERY with its status terms left out.
"""

from __future__ import annotations

import json

from gitissues import query as q
from gitissues import timeutil
from gitissues.errors import UsageError
from gitissues.model import STATUSES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitissues.store import Store

CAP = 100
CLOSED_CAP = 50
OPEN_COLUMNS = ("open", "in_progress", "blocked")
# What a card shows, straight from the index's columns: no issue file is parsed for the board.
CARD_COLUMNS = ("i.id, i.title, i.status, i.type, i.priority, i.created, i.updated, i.closed,"
                " i.claim_agent, i.claim_expires, json_extract(i.json, '$.labels')")


class Card:
    """One card's facts (a view of the index row, read-only)."""

    __slots__ = ("id", "title", "status", "type", "priority", "created", "updated", "closed",
                 "claim_agent", "claim_expires", "labels")

    def __init__(self, row: tuple) -> None:
        (self.id, self.title, self.status, self.type, self.priority, self.created,
         self.updated, self.closed, self.claim_agent, self.claim_expires, labels) = row
        self.labels: list[str] = [x for x in json.loads(labels or "[]") if isinstance(x, str)]


class Column:
    """One status column: the cards shown, and how many matched in all."""

    def __init__(self, status: str, cards: list[Card], total: int) -> None:
        self.status, self.cards, self.total = status, cards, total
        self.cap = CLOSED_CAP if status == "closed" else CAP

    @property
    def rest(self) -> int:
        return max(self.total - len(self.cards), 0)


class Board:
    """A parsed filter, bound to a store; `columns()` and `placed()` answer from the index."""

    def __init__(self, store: Store, text: str = "") -> None:
        self.store, self.text = store, text
        try:
            self.parsed = q.parse(text)
        except q.QueryError as exc:
            raise UsageError(str(exc), term=exc.term, position=exc.position) from None
        status_free = [t for t in self.parsed.terms if not _names_status(t)]
        self.status_only = not status_free
        closed_term = q.parse("status:closed").terms
        self.closed_query = q.Query([*status_free, *closed_term], self.parsed.sort)
        self.waits: dict[str, int] = {}  # issue id → its dependencies not closed yet

    def _compiled(self, status: str | None) -> q.Compiled:
        """The filter for one column (None: the three open ones together)."""
        me = self.store.actor if self.parsed.uses_me else None
        chosen = self.closed_query if status == "closed" else self.parsed
        extra = f"i.status = '{status}'" if status else "i.status != 'closed'"
        try:  # the status is one of gi's own four words, never user input
            return q.compile(chosen, me=me, now=timeutil.now(), extra=extra)
        except q.QueryError as exc:
            raise UsageError(str(exc), term=exc.term, position=exc.position) from None

    def _counts(self, index: Any) -> dict[str, int]:
        """Every column's total. Each statement reads every row of the table (~5 ms at
        10,000 issues): with a filter on status alone (the whole board) one statement grouped
        by status counts all four columns; otherwise one for the open three and one for
        closed, which keeps each filter's own plan (full text, labels) intact."""
        both, closed = self._compiled(None), self._compiled("closed")
        out = dict.fromkeys(STATUSES, 0)
        if self.status_only:  # the two filters never match the same issue: one pass
            out.update(index.rows(f"SELECT i.status, count(*) FROM issues i WHERE"
                                  f" ({both.where}) OR ({closed.where}) GROUP BY i.status",
                                  [*both.params, *closed.params]))
            return out
        out.update(index.rows(f"SELECT i.status, count(*) FROM issues i WHERE {both.where}"
                              " GROUP BY i.status", both.params))
        out["closed"] = index.rows(f"SELECT count(*) FROM issues i WHERE {closed.where}",
                                   closed.params)[0][0]
        return out

    def columns(self) -> list[Column]:
        """The four columns, read in one consistent view of the index."""
        index = self.store.fresh()
        out = []
        with index.reading():
            for status in STATUSES:
                compiled = self._compiled(status)
                cap = CLOSED_CAP if status == "closed" else CAP
                order = "i.closed DESC, i.id" if status == "closed" else compiled.order_by
                rows = index.rows(f"SELECT {CARD_COLUMNS} FROM issues i WHERE {compiled.where}"
                                  f" ORDER BY {order} LIMIT ?", [*compiled.params, cap])
                out.append(Column(status, [Card(r) for r in rows], len(rows)))
            if any(len(c.cards) == c.cap for c in out):
                counts = self._counts(index)
                for c in out:
                    c.total = counts[c.status]
            self._count_waits(index, [x.id for c in out if c.status != "closed"
                                      for x in c.cards])
        return out

    def _count_waits(self, index: Any, ids: list[str]) -> None:
        for chunk in _chunks(ids):
            self.waits.update(index.rows(
                "SELECT d.issue, count(*) FROM deps d JOIN issues x ON x.id = d.dep"
                f" WHERE x.status != 'closed' AND d.issue IN ({','.join('?' * len(chunk))})"
                " GROUP BY d.issue", chunk))

    def counts(self) -> dict[str, int]:
        """How many issues each column holds in all."""
        index = self.store.fresh()
        with index.reading():
            return self._counts(index)

    def placed(self, ids: list[str]) -> list[tuple[str, Card | None, str | None]]:
        """For each id, and each issue that depends on one of them (its count of open
        dependencies may have changed): (id, its card or None when gone, its column or None
        when the filter leaves it out) — what a page needs to move, add or drop a card."""
        index = self.store.fresh()
        found: dict[str, tuple[Card, str | None]] = {}
        with index.reading():
            dependents = [r[0] for chunk in _chunks(ids) for r in index.rows(
                f"SELECT issue FROM deps WHERE dep IN ({','.join('?' * len(chunk))})", chunk)]
            ids = list(dict.fromkeys([*ids, *dependents]))
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                for status in STATUSES:
                    compiled = self._compiled(status)
                    for row in index.rows(f"SELECT {CARD_COLUMNS} FROM issues i WHERE"
                                          f" {compiled.where} AND i.id IN ({marks})",
                                          [*compiled.params, *chunk]):
                        found[row[0]] = (Card(row), status)
                for row in index.rows(f"SELECT {CARD_COLUMNS} FROM issues i"
                                      f" WHERE i.id IN ({marks})", chunk):
                    found.setdefault(row[0], (Card(row), None))
            self._count_waits(index, list(found))
        return [(i, *found.get(i, (None, None))) for i in ids]

    def order_key(self, issue: Card) -> str:
        """A string that sorts the cards of one column as the board orders them (the query's
        `sort:` keys, then the default order; closed: most recently closed first)."""
        if issue.status == "closed":
            return _desc(issue.closed or "") + "|" + issue.id
        keys: dict[str, str] = {}
        for key, direction in [*self.parsed.sort, ("priority", "asc"), ("created", "desc")]:
            keys.setdefault(key, direction)  # the first mention of a key wins, as in SQL
        parts = []
        for key, direction in keys.items():
            value = str(getattr(issue, key) or "")
            parts.append(value if direction == "asc" else _desc(value))
        return "|".join([*parts, issue.id])


def _chunks(ids: list[str], size: int = 400) -> list[list[str]]:
    """Ids in groups small enough for one statement's parameters."""
    return [ids[k:k + size] for k in range(0, len(ids), size)]


def _names_status(term: Any) -> bool:
    return term.name == "status" or (term.name == "is" and bool(set(term.values) & set(STATUSES)))


def _desc(text: str) -> str:
    """`text` (digits of a time or a priority) turned so that sorting it ascending sorts the
    original descending."""
    return "".join(chr(ord("9") - ord(c) + ord("0")) if c.isdigit() else c for c in text)
