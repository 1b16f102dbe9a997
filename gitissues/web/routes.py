"""The routes of `gi web` (SPEC §11): each takes the request and answers a `Reply`.

Each request opens its own store (a SQLite connection belongs to one thread), and writes go
through `writes` to the same store API as the CLI. The HTTP plumbing and the security checks
(tokens, origin, read-only) are `server`'s; this module only decides what each path answers.
"""

from __future__ import annotations

import json
import re

from gitissues import activity, graph
from gitissues.errors import GiError, UsageError
from gitissues.web import board as boards
from gitissues.web import cards, graphsvg, issue_page, pages, writes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from gitissues.model import Issue
    from gitissues.store import Store
    from gitissues.web.request import Request

JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"
SVG = "image/svg+xml; charset=utf-8"


class Reply:
    """A status, a content type and a body (or a stream of chunks), plus extra headers."""

    def __init__(self, status: int, body: bytes | str = b"", content_type: str = JSON,
                 headers: dict[str, str] | None = None,
                 stream: Iterator[bytes] | None = None) -> None:
        self.status, self.content_type = status, content_type
        self.body = body.encode() if isinstance(body, str) else body
        self.headers = headers or {}
        self.stream = stream


def as_json(doc: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(doc, ensure_ascii=False, indent=2) + "\n", JSON, headers)


def html_reply(text: str, status: int = 200) -> Reply:
    return Reply(status, text, HTML)


# --- pages ----------------------------------------------------------------------------------

def board_page(req: Request) -> Reply:
    query = req.param("q")
    store = req.store()
    mark = _last_event(store)  # read before the board: a change in between is sent again
    try:
        board = boards.Board(store, query)
        cols = board.columns()
    except UsageError as exc:
        return html_reply(pages.board_page(None, None, query=query, error=exc.message,
                                           **req.page_args()), 400)
    return html_reply(pages.board_page(cols, board, query=query, error="", mark=mark,
                                       **req.page_args()))


def _last_event(store: Store) -> str:
    newest = activity.listing(store, limit=1)
    return newest[-1][1]["id"] if newest else ""


def issue_view(req: Request, ref: str) -> Reply:
    store = req.store()
    mark = _last_event(store)
    issue = store.get(ref)
    if issue.id != ref and req.param("part") == "":
        return Reply(302, b"", HTML, {"Location": "/issues/" + issue.id})
    every = graph.edges(store)
    blockers = list(issue.depends_on)
    blocked = [a for a, deps in every.items() if issue.id in deps]
    known = _issues(store, [*blockers, *blocked])
    deps = [(x, known.get(x)) for x in blockers]
    blocks = [(x, known.get(x)) for x in blocked]
    history = activity.events(store, issue=issue.id)
    if req.param("part") == "live":
        return html_reply(issue_page.live_part(issue, deps, blocks, history))
    return html_reply(issue_page.issue_page(issue, deps, blocks, history, mark=mark,
                                            **req.page_args()))


def _issues(store: Store, wanted: list[str]) -> dict[str, Issue]:
    out = {}
    for issue_id in dict.fromkeys(wanted):
        try:
            out[issue_id] = store.get(issue_id)
        except GiError:  # gone, or its file is malformed: listed without its title
            continue
    return out


def agents(req: Request) -> Reply:
    store = req.store()
    mark = _last_event(store)
    if req.param("part") == "main":
        return html_reply(pages.agents_main(store.claims(), store.claims(expired=True)))
    return html_reply(pages.agents_page(store.claims(), store.claims(expired=True), mark=mark,
                                        **req.page_args()))


def graph_svg(req: Request) -> Reply:
    around = req.param("around") or None
    depth_text = req.param("depth") or "2"
    if not depth_text.isdigit():
        raise UsageError(f"depth must be a whole number, got {depth_text!r}")
    query = req.param("q")
    found = graphsvg.select(req.store(), query, around, int(depth_text))
    return Reply(200, graphsvg.render(*found, query=query, around=around), SVG)


# --- JSON -----------------------------------------------------------------------------------

def list_issues(req: Request) -> Reply:
    limit_text = req.param("limit") or "50"
    if not limit_text.isdigit():
        raise UsageError(f"limit must be a whole number of 0 or more, got {limit_text!r}")
    limit = int(limit_text)
    result = req.store().list(req.param("q"), limit or None)
    headers = {"X-GI-More": "true"} if result.more else {}
    return as_json([i.to_json() for i in result.issues], headers=headers)


def show_issue(req: Request, ref: str) -> Reply:
    return as_json(req.store().get(ref).to_json())


def board_cards(req: Request) -> Reply:
    """What a filtered page needs after events (a page of the whole board gets its cards in
    its stream): the named cards placed by the page's filter (`ids`), or every column again
    (no `ids`), with each column's count. Pages that ask the same after the same event share
    one answer (`Hub.cached`)."""
    query = req.param("q")
    wanted = tuple(x for x in req.param("ids").split(",") if x)[:1000]
    return req.app.hub.cached(("board", query, wanted), lambda: _cards(req, query, wanted))


def _cards(req: Request, query: str, wanted: tuple[str, ...]) -> Reply:
    board = boards.Board(req.store(), query)
    if not wanted:
        cols = board.columns()
        return as_json({"html": pages.columns(cols, board),
                        "counts": {c.status: c.total for c in cols}})
    return as_json({"cards": cards.placed(board, list(wanted)), "counts": board.counts()})


def create(req: Request) -> Reply:
    issue = writes.create(req.store(), req.json())
    return as_json(issue.to_json(), 201, {"Location": f"/api/issues/{issue.id}"})


def _write(fn: Callable[[Store, str, Any], Issue]) -> Callable[[Request, str], Reply]:
    def route(req: Request, ref: str) -> Reply:
        return as_json(fn(req.store(), ref, req.json()).to_json())
    return route


# (method, pattern, handler, is a write); a pattern's group is the issue reference
ROUTES: list[tuple[str, re.Pattern[str], Callable[..., Reply], bool]] = [
    ("GET", re.compile(r"/"), board_page, False),
    ("GET", re.compile(r"/agents"), agents, False),
    ("GET", re.compile(r"/graph"), graph_svg, False),
    ("GET", re.compile(r"/issues/([^/]+)"), issue_view, False),
    ("GET", re.compile(r"/api/issues"), list_issues, False),
    ("POST", re.compile(r"/api/issues"), create, True),
    ("GET", re.compile(r"/api/issues/([^/]+)"), show_issue, False),
    ("PATCH", re.compile(r"/api/issues/([^/]+)"), _write(writes.edit), True),
    ("POST", re.compile(r"/api/issues/([^/]+)/comments"), _write(writes.comment), True),
    ("POST", re.compile(r"/api/issues/([^/]+)/claim"), _write(writes.claim), True),
    ("POST", re.compile(r"/api/issues/([^/]+)/release"), _write(writes.release), True),
    ("GET", re.compile(r"/api/board"), board_cards, False),
]


def match(method: str, path: str) -> tuple[Callable[..., Reply] | None, tuple[str, ...],
                                            bool, list[str]]:
    """(handler, its arguments, whether it writes, the methods the path allows)."""
    allowed: list[str] = []
    for verb, pattern, handler, is_write in ROUTES:
        m = pattern.fullmatch(path)
        if not m:
            continue
        allowed.append(verb)
        if verb == method or (method == "HEAD" and verb == "GET"):
            return handler, m.groups(), is_write, allowed
    return None, (), False, allowed
