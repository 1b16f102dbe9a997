"""HTML of one issue's page (SPEC §11): body and comments as safe Markdown, links, dependencies
both ways (each linking to `/issues/<id>`), its history from the activity stream and, unless the
server is read-only, the forms that write through the API.

The part that changes (`live`) is its own fragment, so a page can swap it in place when an
event names the issue, while the forms below it keep what the user is typing.
"""

from __future__ import annotations

import json

from gitissues.web import markdown
from gitissues.web.pages import STATUS_NAMES, esc, layout, time_left

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitissues.model import Issue


def _issue_link(issue_id: str, issue: Issue | None) -> str:
    title = f' <span class="title">{esc(issue.title)}</span>' if issue else " (missing)"
    status = (f' <span class="status status-{esc(issue.status)}">{esc(issue.status)}</span>'
              if issue else "")
    return (f'<li data-id="{esc(issue_id)}"><a class="id" href="{esc("/issues/" + issue_id)}">'
            f'{esc(issue_id)}</a>{title}{status}</li>')


def _items(pairs: list[tuple[str, Issue | None]], empty: str) -> str:
    if not pairs:
        return f'<p class="empty">{esc(empty)}</p>'
    return "<ul>" + "".join(_issue_link(i, x) for i, x in pairs) + "</ul>"


def _meta(issue: Issue) -> str:
    claim = issue.claim if issue.status != "closed" else None
    rows = [
        ("status", f'<span class="status status-{esc(issue.status)}">'
                   f'{esc(STATUS_NAMES.get(issue.status, issue.status))}</span>'),
        ("type", esc(issue.type)), ("priority", f"P{esc(issue.priority)}"),
        ("labels", '<ul class="labels">' + "".join(f"<li>{esc(x)}</li>" for x in issue.labels)
         + "</ul>" if issue.labels else ""),
        ("assignees", esc(", ".join(issue.assignees))), ("milestone", esc(issue.milestone)),
        ("parent", f'<a href="{esc("/issues/" + issue.parent)}">{esc(issue.parent)}</a>'
         if issue.parent else ""),
        ("claim", f'<span class="holder">{esc(claim.agent)}</span> · <time class="left" '
                  f'datetime="{esc(claim.expires_at)}">{esc(time_left(claim.expires_at))}'
                  f'</time>' if claim else ""),
        ("agent", esc(json.dumps(issue.agent, ensure_ascii=False)) if issue.agent else ""),
        ("author", esc(issue.author)), ("created", esc(issue.created)),
        ("updated", esc(issue.updated)), ("closed", esc(issue.closed)),
        ("file", f"<code>{esc(issue.path)}</code>" if issue.path else ""),
    ]
    claim_attr = f' data-claim-expires="{esc(claim.expires_at)}"' if claim else ""
    return (f'<dl class="meta"{claim_attr}>'
            + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows if v) + "</dl>")


def _links(issue: Issue) -> str:
    items = [f'<li>commit <code>{esc(c)}</code></li>' for c in issue.links.get("commits") or []
             if isinstance(c, str)]
    for name, mapping in sorted(issue.remote.items()):
        if not isinstance(mapping, dict):
            continue
        url = str(mapping.get("url") or "")
        shown = f"{name} #{mapping.get('number', mapping.get('key', ''))}"
        items.append(f'<li><a href="{esc(url)}" rel="noopener noreferrer nofollow">'
                     f'{esc(shown)}</a></li>' if url.startswith(("https://", "http://"))
                     else f"<li>{esc(shown)}</li>")
    return "<ul>" + "".join(items) + "</ul>" if items else '<p class="empty">No links.</p>'


def event_text(event: dict[str, Any]) -> str:
    """One history line's words (escaped), from an activity event."""
    f = event.get("fields") or {}
    kind = event.get("type")

    def change(name: str) -> str:
        v = f.get(name) if isinstance(f.get(name), dict) else {}
        return f"{esc(name)}: {esc(_short(v.get('old')))} → {esc(_short(v.get('new')))}"

    if kind == "issue.created":
        return f"created “{esc(f.get('title'))}”"
    if kind == "status.changed":
        return change("status")
    if kind == "issue.updated":
        return "; ".join(change(name) for name in f) or "updated"
    if kind == "comment.added":
        return f"commented ({esc(f.get('comment'))})"
    if kind in ("claim.acquired", "claim.extended"):
        until = f.get("expires_at")
        until = until.get("new") if isinstance(until, dict) else until
        return f"claim {esc(kind.split('.')[1])} by {esc(f.get('agent'))} until {esc(until)}"
    if kind in ("claim.released", "claim.expired"):
        return f"claim {esc(kind.split('.')[1])} ({esc(f.get('agent'))})"
    if kind in ("dependency.added", "dependency.removed"):
        dep = str(f.get("dependency") or "")
        verb = "now depends on" if kind.endswith("added") else "no longer depends on"
        return f'{verb} <a href="{esc("/issues/" + dep)}">{esc(dep)}</a>'
    if kind == "commit.linked":
        return f"commit <code>{esc(f.get('commit'))}</code> linked"
    if kind == "merge.conflict_resolved":
        return (f"merge kept {esc(f.get('field'))} = {esc(_short(f.get('kept')))}, "
                f"lost {esc(_short(f.get('lost')))}")
    return esc(kind)


def _short(value: Any, width: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def live_part(issue: Issue, deps: list[tuple[str, Issue | None]],
              blocks: list[tuple[str, Issue | None]], history: list[dict[str, Any]]) -> str:
    """What changes with the issue: shown again whole when an event names it."""
    comments = "".join(
        f'<article class="comment" id="{esc(c.id)}"><header><span class="author">'
        f'{esc(c.author)}</span> <time datetime="{esc(c.created)}">{esc(c.created)}</time>'
        f'</header><div class="markdown">{markdown.render(c.body)}</div></article>'
        for c in issue.comments)
    events = "".join(
        f'<li data-event="{esc(e.get("id"))}"><time datetime="{esc(e.get("time"))}">'
        f'{esc(e.get("time"))}</time> <span class="actor">{esc(e.get("actor"))}</span> '
        f'<span class="what">{event_text(e)}</span></li>' for e in reversed(history))
    body = markdown.render(issue.body) if issue.body.strip() else '<p class="empty">No ' \
        'description.</p>'
    return (f'<h1><span class="id">{esc(issue.id)}</span> <span class="title">'
            f'{esc(issue.title)}</span></h1>{_meta(issue)}'
            f'<section class="body markdown">{body}</section>'
            f'<div class="two"><section class="deps"><h2>Depends on</h2>'
            f'{_items(deps, "Nothing.")}</section><section class="blocks"><h2>Blocks</h2>'
            f'{_items(blocks, "Nothing.")}</section></div>'
            f'<section class="links"><h2>Links</h2>{_links(issue)}</section>'
            f'<section class="comments"><h2>Comments <span class="count">'
            f'{len(issue.comments)}</span></h2>{comments or "<p class=empty>No comments.</p>"}'
            f'</section><section class="history"><h2>History</h2><ol>{events}</ol></section>')


def _forms(issue: Issue) -> str:
    statuses = "".join(f'<option value="{s}"{" selected" if s == issue.status else ""}>'
                       f'{esc(STATUS_NAMES[s])}</option>' for s in STATUS_NAMES)
    prios = "".join(f'<option value="{p}"{" selected" if p == issue.priority else ""}>P{p}'
                    f'</option>' for p in range(5))
    return f"""<section class="actions">
<form id="comment" class="write"><h2>Add a comment</h2>
<textarea name="body" rows="4" required placeholder="Markdown" aria-label="comment"></textarea>
<button type="submit">Comment</button></form>
<form id="edit" class="write"><h2>Change</h2>
<label>title <input name="title" value="{esc(issue.title)}" maxlength="500"></label>
<label>status <select name="status">{statuses}</select></label>
<label>priority <select name="priority">{prios}</select></label>
<label>labels <input name="labels" value="{esc(", ".join(issue.labels))}"></label>
<button type="submit">Save</button></form>
<form id="claim" class="write"><h2>Claim</h2>
<label>for <input name="ttl" placeholder="30m" size="6" aria-label="claim duration"></label>
<button type="submit" name="do" value="claim">Claim</button>
<button type="submit" name="do" value="release">Release</button></form>
</section>"""


def issue_page(issue: Issue, deps: list[tuple[str, Issue | None]],
               blocks: list[tuple[str, Issue | None]], history: list[dict[str, Any]], *,
               token: str, read_only: bool, mark: str = "") -> str:
    body = (f'<main class="issue"><div id="live">{live_part(issue, deps, blocks, history)}'
            f'</div>{"" if read_only else _forms(issue)}</main>')
    return layout(f"{issue.id}: {issue.title}", body, token=token, read_only=read_only,
                  page="issue", extra=f' data-issue="{esc(issue.id)}"', mark=mark)
