"""HTML of the board, the agents' page and the error page; the issue page is `issue_page`.

Every value from the store goes through `esc` (HTML-escaped, quotes too) and nothing else is
written raw but this module's own tags. The pages load only `/static/…` from this server; the
write token sits in `<meta name="gi-token">` for the page's script (SPEC §11).
"""

from __future__ import annotations

import html
from datetime import timedelta
from urllib.parse import quote

from gitissues import timeutil

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitissues.model import Issue
    from gitissues.web.board import Board, Card, Column

STATUS_NAMES = {"open": "Open", "in_progress": "In progress", "blocked": "Blocked",
                "closed": "Closed"}
TYPES = ("task", "bug", "feature", "epic", "chore")


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def link(path: str, **params: str) -> str:
    """A same-server URL with query parameters (escaped for an attribute by `esc`)."""
    given = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items() if v)
    return path + (f"?{given}" if given else "")


def layout(title: str, body: str, *, token: str, read_only: bool, query: str = "",
           page: str = "board", extra: str = "", mark: str = "") -> str:
    """The frame of every page: head, top bar with the filter box and the actor field."""
    current = ' aria-current="page"'
    nav = "".join(
        f'<a href="{esc(href)}"{current if name == page else ""}>{label}</a>'
        for name, href, label in (("board", link("/", q=query), "Board"),
                                  ("agents", "/agents", "Agents"),
                                  ("graph", link("/graph", q=query), "Graph")))
    actor = ("" if read_only else '<label class="actor">as <input id="actor" name="actor" '
             'autocomplete="nickname" placeholder="your name" maxlength="200"></label>')
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="gi-last-event" content="{esc(mark)}">
<meta name="gi-token" content="{esc(token)}">
<meta name="gi-read-only" content="{'1' if read_only else '0'}">
<meta name="gi-query" content="{esc(query)}">
<title>{esc(title)}</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/app.css">
{'<script src="/static/board.js" defer></script>' if page == "board" else ""}
<script src="/static/app.js" defer></script>
</head><body data-page="{esc(page)}"{extra}>
<header class="top"><a class="brand" href="/">gi</a><nav>{nav}</nav>
<form class="filter" action="/" method="get" role="search">
<input name="q" value="{esc(query)}" placeholder="filter: label:auth priority:&lt;=1 crash"
 aria-label="filter (query language)" autocomplete="off" spellcheck="false">
<button type="submit">Filter</button></form>{actor}</header>
<p id="notice" class="notice" role="status" hidden></p>
{body}
</body></html>
"""


# --- the board ------------------------------------------------------------------------------

def time_left(expires: str, now: str | None = None) -> str:
    """`12m left`, `1h 5m left`, `2d 3h left` or `expired`."""
    try:
        span = timeutil.parse_time(expires) - (timeutil.parse_time(now) if now
                                               else timeutil.now())
    except ValueError:
        return ""
    if span <= timedelta(0):
        return "expired"
    minutes = int(span.total_seconds() // 60)
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    if days:
        return f"{days}d {hours}h left"
    if hours:
        return f"{hours}h {mins}m left"
    return f"{mins}m left" if mins else "<1m left"


def card(issue: Card, board: Board) -> str:
    """One card: id, title, priority, labels and, while claimed, the holder and time left."""
    href = esc("/issues/" + issue.id)
    claim = issue.claim_agent is not None and issue.status != "closed"
    until = issue.claim_expires or ""
    expires = f' data-claim-expires="{esc(until)}"' if claim else ""
    labels = "".join(f"<li>{esc(x)}</li>" for x in issue.labels)
    held = (f'<p class="claim"><span class="holder">{esc(issue.claim_agent)}</span> · '
            f'<time class="left" datetime="{esc(until)}">'
            f'{esc(time_left(until))}</time></p>') if claim else ""
    waits = board.waits.get(issue.id, 0) if issue.status != "closed" else 0
    waiting = (f'<span class="waits" title="dependencies not closed yet">waits on {waits}'
               '</span>') if waits else ""
    return (f'<article class="card prio-{esc(issue.priority)} type-{esc(issue.type)}"'
            f' data-id="{esc(issue.id)}" data-order="{esc(board.order_key(issue))}"{expires}>'
            f'<div class="line"><a class="id" href="{href}">{esc(issue.id)}</a>'
            f'<span class="prio" title="priority">P{esc(issue.priority)}</span>'
            f'{waiting}<span class="type">{esc(issue.type)}</span></div>'
            f'<a class="title" href="{href}">{esc(issue.title)}</a>'
            + (f'<ul class="labels">{labels}</ul>' if labels else "") + held + "</article>")


def column(col: Column, board: Board) -> str:
    rest = (f"and {col.rest} more" if col.rest else "")
    return (f'<section class="column" data-status="{esc(col.status)}" data-total="{col.total}"'
            f' data-cap="{col.cap}">'
            f'<h2>{esc(STATUS_NAMES[col.status])} <span class="count">{col.total}</span></h2>'
            f'<div class="cards">{"".join(card(i, board) for i in col.cards)}</div>'
            f'<p class="rest"{"" if rest else " hidden"}>{esc(rest)}</p></section>')


def columns(cols: list[Column], board: Board) -> str:
    return "".join(column(c, board) for c in cols)


def new_issue_form() -> str:
    types = "".join(f'<option>{t}</option>' for t in TYPES)
    prios = "".join(f'<option value="{p}"{" selected" if p == 2 else ""}>P{p}</option>'
                    for p in range(5))
    return f"""<details class="new"><summary>New issue</summary>
<form id="new-issue" class="write">
<input name="title" required maxlength="500" placeholder="title" aria-label="title">
<select name="type" aria-label="type">{types}</select>
<select name="priority" aria-label="priority">{prios}</select>
<input name="labels" placeholder="labels, comma separated" aria-label="labels">
<textarea name="body" rows="4" placeholder="description (Markdown)" aria-label="body"></textarea>
<button type="submit">Create</button></form></details>"""


def board_page(cols: list[Column] | None, board: Board | None, *, query: str, error: str,
               token: str, read_only: bool, mark: str = "") -> str:
    parts = []
    if error:
        parts.append(f'<p class="error" role="alert">{esc(error)}</p>')
    if not read_only and not error:
        parts.append(new_issue_form())
    if cols is not None and board is not None:
        parts.append(f'<div class="board" id="board">{columns(cols, board)}</div>')
    title = f"gi board: {query}" if query else "gi board"
    return layout(title, "<main>" + "".join(parts) + "</main>", token=token,
                  read_only=read_only, query=query, page="board", mark=mark)


# --- agents and errors ----------------------------------------------------------------------

def agents_page(live: list[Issue], expired: list[Issue], *, token: str, read_only: bool,
                mark: str = "") -> str:
    return layout("gi: agents", '<main class="agents">' + agents_main(live, expired)
                  + "</main>", token=token, read_only=read_only, page="agents", mark=mark)


def agents_main(live: list[Issue], expired: list[Issue]) -> str:
    """Who holds what: each agent with its live claims, then the expired ones."""
    by_agent: dict[str, list[Issue]] = {}
    for issue in live:
        if issue.claim:
            by_agent.setdefault(issue.claim.agent, []).append(issue)
    parts = [f'<h1>Agents and their claims <span class="count">{len(by_agent)}</span></h1>']
    if not by_agent:
        parts.append('<p class="empty">Nobody holds a claim.</p>')
    for agent in sorted(by_agent, key=str.lower):
        items = "".join(_claim_item(i) for i in by_agent[agent])
        parts.append(f'<section class="agent" data-agent="{esc(agent)}"><h2>{esc(agent)}'
                     f' <span class="count">{len(by_agent[agent])}</span></h2>'
                     f'<ul class="claims">{items}</ul></section>')
    if expired:
        items = "".join(_claim_item(i) for i in expired)
        parts.append(f'<section class="expired"><h2>Expired claims</h2>'
                     f'<ul class="claims">{items}</ul></section>')
    return "".join(parts)


def _claim_item(issue: Issue) -> str:
    claim = issue.claim
    assert claim is not None
    agent = (f'<span class="holder">{esc(claim.agent)}</span> · ')
    return (f'<li data-id="{esc(issue.id)}" data-claim-expires="{esc(claim.expires_at)}">'
            f'<a class="id" href="{esc("/issues/" + issue.id)}">{esc(issue.id)}</a> '
            f'<span class="title">{esc(issue.title)}</span> {agent}'
            f'<time class="left" datetime="{esc(claim.expires_at)}">'
            f'{esc(time_left(claim.expires_at))}</time>'
            f'{_progress(issue)}</li>')


def _progress(issue: Issue) -> str:
    stage = issue.agent.get("stage") if isinstance(issue.agent, dict) else None
    value = issue.agent.get("progress") if isinstance(issue.agent, dict) else None
    said = [f"stage {stage}" if stage else "",
            f"{round(float(value) * 100)}%" if isinstance(value, int | float) else ""]
    said = [s for s in said if s]
    return f' <span class="progress">({esc(", ".join(said))})</span>' if said else ""


def error_page(status: int, message: str, *, token: str, read_only: bool) -> str:
    body = (f'<main><h1>{status}</h1><p class="error" role="alert">{esc(message)}</p>'
            '<p><a href="/">Back to the board</a></p></main>')
    return layout(f"gi: {status}", body, token=token, read_only=read_only, page="error")
