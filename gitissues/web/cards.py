"""The cards a page shows after events: `placed` answers `GET /api/board?ids=` (a filtered
page asks), and `pushed` is what every open page of the whole board receives in its stream
(`GET /events?cards=1`, a `cards` event after each burst of events) — made once per burst for
every stream, so twenty open pages neither ask twenty times nor make the server count twenty
times.

A card changes when an event touches what it shows (not a comment, a linked commit or an edit
of the body); the columns' counts change only when an issue is created or changes status, so
a burst of other events sends no counts and costs no count of the store.
"""

from __future__ import annotations

from gitissues.web import board as boards
from gitissues.web import pages

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitissues.store import Store

# What a card shows, as `issue.updated` names it (`file`: a broken file that parses again).
CARD_FIELDS = {"title", "priority", "labels", "type", "status", "claim", "closed", "file"}
QUIET = {"comment.added", "commit.linked"}  # events that never change a card
# Events that leave every issue in its column: the counts stay as they are.
STAY = {"claim.acquired", "claim.released", "claim.extended", "claim.expired",
        "dependency.added", "dependency.removed", *QUIET}
REDRAW = 200  # more cards than this at once (a pull, an import): the page redraws its columns


def changes_card(event: dict[str, Any]) -> bool:
    if event.get("type") in QUIET or not event.get("issue"):
        return False
    if event.get("type") != "issue.updated":
        return True
    return bool(set(event.get("fields") or {}) & CARD_FIELDS)


def moves(event: dict[str, Any]) -> bool:
    """Whether the event may change how many issues a column of the whole board holds."""
    kind = event.get("type")
    if kind == "issue.updated":
        return bool({"status", "file"} & set(event.get("fields") or {}))
    return kind not in STAY


def placed(board: boards.Board, ids: list[str]) -> list[dict[str, Any]]:
    """Each named card (and each that waits on one of them): its column and markup, or None
    for both when it is gone or the filter leaves it out."""
    return [{"id": issue_id, "column": col,
             "html": pages.card(issue, board) if issue is not None and col else None}
            for issue_id, issue, col in board.placed(ids)]


def pushed(store: Store, events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """What the pages of the whole board need after `events`: the cards they touch, and the
    counts when one may have moved (`{"redraw": true}` for too many cards to send; None when
    no card changed)."""
    ids = list(dict.fromkeys(e["issue"] for e in events if changes_card(e)))
    if not ids:
        return None
    if len(ids) > REDRAW:
        return {"redraw": True}
    board = boards.Board(store, "")
    out: dict[str, Any] = {"cards": placed(board, ids)}
    if any(moves(e) for e in events):
        out["counts"] = board.counts()
    return out
