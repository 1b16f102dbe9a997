"""`GET /graph`: the dependency graph as SVG, laid out in layers so that every blocker sits
above what it blocks (a node's layer is one more than its deepest dependency's), ready and
blocked issues drawn apart (green solid frame vs red dashed frame, and the word).

Large graphs stay readable: at most `CAP` issues are drawn (the rest are counted in a note that
says how to narrow: a filter, or `around=ID&depth=N` for the issues within N dependency steps of
one), and a layer wider than `ROW` nodes wraps onto more rows. Every text is escaped; nodes link
to `/issues/<id>`; the picture uses presentation attributes only (no script, no style sheet).
"""

from __future__ import annotations

import html

from gitissues import graph, timeutil
from gitissues.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gitissues.store import Store

CAP = 200
ROW = 6
MAX_DEPTH = 10
W, H, GAP_X, GAP_Y, PAD, TOP = 210, 48, 26, 54, 20, 64
LOOK = {  # state: (fill, stroke, dash, word)
    "ready": ("#e6f4ea", "#1e8e3e", "", "ready"),
    "blocked": ("#fce8e6", "#c5221f", "6 4", "blocked"),
    "in_progress": ("#e8f0fe", "#1a73e8", "", "in progress"),
    "open": ("#fff8e1", "#b06000", "", "open"),
    "closed": ("#f1f3f4", "#9aa0a6", "", "closed"),
    "missing": ("#ffffff", "#9aa0a6", "2 3", "missing"),
}


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def select(store: Store, query: str, around: str | None, depth: int
           ) -> tuple[list[str], list[tuple[str, str]], dict[str, dict[str, Any]], int]:
    """(node ids in order, edges (issue, dependency), facts per node, how many matched)."""
    every = graph.edges(store)
    if around:
        if not 0 <= depth <= MAX_DEPTH:
            raise UsageError(f"depth must be 0 to {MAX_DEPTH}, got {depth}")
        root = store.resolve(around)
        reached = _around(every, root, depth)
        if query.strip():
            keep = {i.id for i in store.list(query, None).issues} | {root}
            reached = [x for x in reached if x in keep]
        order = reached
    else:
        selected = [i.id for i in store.list(query, None).issues]
        chosen = set(selected)
        order = list(dict.fromkeys([*selected, *(d for i in selected for d in every.get(i, [])
                                                 if d not in chosen)]))
    matched = len(order)
    order = order[:CAP]
    shown = set(order)
    edges = [(a, b) for a in order for b in every.get(a, []) if b in shown]
    facts = _facts(store, order, every)
    return order, edges, facts, matched


def _around(every: dict[str, list[str]], root: str, depth: int) -> list[str]:
    up: dict[str, list[str]] = {}
    for issue, deps in every.items():
        for dep in deps:
            up.setdefault(dep, []).append(issue)
    seen, ring = [root], [root]
    for _ in range(depth):
        nxt = []
        for node in ring:
            for other in (*every.get(node, []), *up.get(node, [])):
                if other not in seen:
                    seen.append(other)
                    nxt.append(other)
        ring = nxt
    return seen


def _facts(store: Store, order: list[str], every: dict[str, list[str]]
           ) -> dict[str, dict[str, Any]]:
    """Title, status and state (ready, blocked, …) of each node, from the index."""
    wanted = list(dict.fromkeys([*order, *(d for x in order for d in every.get(x, []))]))
    rows: dict[str, tuple] = {}
    index = store.fresh()
    for k in range(0, len(wanted), 500):
        chunk = wanted[k:k + 500]
        for row in index.rows("SELECT id, title, status, claim_agent, claim_expires FROM issues"
                              f" WHERE id IN ({','.join('?' * len(chunk))})", chunk):
            rows[row[0]] = row
    now = timeutil.now_str()
    out = {}
    for node in order:
        if node not in rows:
            out[node] = {"title": "(missing)", "status": "missing", "state": "missing"}
            continue
        _, title, status, agent, expires = rows[node]
        open_deps = [d for d in every.get(node, []) if d in rows and rows[d][2] != "closed"]
        claimed = agent is not None and (expires or "") > now
        if status == "closed":
            state = "closed"
        elif status == "blocked" or open_deps:
            state = "blocked"
        elif claimed or status == "in_progress":
            state = "in_progress"
        else:
            state = "ready" if status == "open" else "open"
        out[node] = {"title": title, "status": status, "state": state}
    return out


def layers(order: list[str], edges: list[tuple[str, str]]) -> list[list[str]]:
    """Nodes by layer: a node sits one layer below its deepest dependency (cycles, which the
    store refuses but a hand edit could leave, are cut where they are met)."""
    deps: dict[str, list[str]] = {}
    for a, b in edges:
        deps.setdefault(a, []).append(b)
    level: dict[str, int] = {}
    for start in order:
        if start in level:
            continue
        stack, on_path = [(start, 0)], {start}
        while stack:  # iterative depth-first: deep chains do not hit the recursion limit
            node, k = stack[-1]
            kids = [d for d in deps.get(node, []) if d not in level and d not in on_path]
            if k < len(kids):
                stack[-1] = (node, k + 1)
                stack.append((kids[k], 0))
                on_path.add(kids[k])
                continue
            level[node] = 1 + max((level[d] for d in deps.get(node, []) if d in level),
                                  default=-1)
            stack.pop()
            on_path.discard(node)
    rows: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for node in order:
        rows[level[node]].append(node)
    return _untangle(rows, deps)


def _untangle(rows: list[list[str]], deps: dict[str, list[str]]) -> list[list[str]]:
    """Order each layer by the mean position of each node's dependencies above it (one
    barycentre sweep): fewer crossings, blockers roughly above their dependents."""
    place: dict[str, float] = {}
    for row in rows:
        first = {node: float(n) for n, node in enumerate(row)}

        def centre(node: str, first: dict[str, float] = first) -> float:
            above = [place[d] for d in deps.get(node, []) if d in place]
            return sum(above) / len(above) if above else first[node]
        row.sort(key=centre)
        for n, node in enumerate(row):
            place[node] = float(n)
    return rows


def render(order: list[str], edges: list[tuple[str, str]], facts: dict[str, dict[str, Any]],
           matched: int, query: str, around: str | None) -> str:
    """The SVG document."""
    grid = [r[k:k + ROW] for r in layers(order, edges) for k in range(0, len(r), ROW)] or [[]]
    width = max(PAD * 2 + max(len(r) for r in grid) * (W + GAP_X) - GAP_X, 760)
    pos: dict[str, tuple[float, float]] = {}
    for y, row in enumerate(grid):
        left = (width - (len(row) * (W + GAP_X) - GAP_X)) / 2
        for x, node in enumerate(row):
            pos[node] = (left + x * (W + GAP_X), TOP + y * (H + GAP_Y))
    height = TOP + len(grid) * (H + GAP_Y) + PAD
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}"'
           f' viewBox="0 0 {width:.0f} {height:.0f}" font-family="system-ui, sans-serif"'
           f' font-size="12" role="img" aria-label="dependency graph">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"'
           ' markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"'
           ' fill="#5f6368"/></marker></defs>',
           '<rect width="100%" height="100%" fill="#ffffff"/>', _heading(matched, len(order),
                                                                         query, around)]
    for a, b in edges:  # from the blocker (above) down to what it blocks
        (ax, ay), (bx, by) = pos[a], pos[b]
        x1, y1, x2, y2 = bx + W / 2, by + H, ax + W / 2, ay
        mid = (y1 + y2) / 2
        out.append(f'<path d="M{x1:.0f},{y1:.0f} C{x1:.0f},{mid:.0f} {x2:.0f},{mid:.0f}'
                   f' {x2:.0f},{y2 - 2:.0f}" fill="none" stroke="#80868b" stroke-width="1.4"'
                   ' marker-end="url(#arrow)"/>')
    for node in order:
        out.append(_node(node, facts[node], *pos[node]))
    out.append("</svg>")
    return "\n".join(out)


def _heading(matched: int, shown: int, query: str, around: str | None) -> str:
    what = f"around {around}" if around else (f"q: {query}" if query.strip() else "open issues")
    line = f"{shown} issues ({what}); blockers above what they block"
    note = (f"showing {shown} of {matched}: narrow the filter (q=…) or use around=ID&depth=N"
            if matched > shown else "")
    legend, x = [], PAD
    for state in ("ready", "blocked", "in_progress", "open", "closed"):
        fill, stroke, dash, word = LOOK[state]
        legend.append(f'<rect x="{x}" y="36" width="14" height="14" rx="3" fill="{fill}"'
                      f' stroke="{stroke}" stroke-width="2"'
                      + (f' stroke-dasharray="{dash}"' if dash else "") + "/>"
                      f'<text x="{x + 20}" y="47" fill="#3c4043">{word}</text>')
        x += 30 + 8 * len(word)
    return (f'<text x="{PAD}" y="22" font-size="14" font-weight="600" fill="#202124">'
            f'{_esc(line)}</text>'
            + (f'<text x="{x + 12}" y="47" fill="#c5221f" class="note">{_esc(note)}</text>'
               if note else "") + "".join(legend))


def _node(node: str, fact: dict[str, Any], x: float, y: float) -> str:
    fill, stroke, dash, word = LOOK[fact["state"]]
    title = str(fact["title"])
    short = title if len(title) <= 30 else title[:29] + "…"
    grey = ' fill-opacity="0.7"' if fact["state"] == "closed" else ""
    return (f'<a href="{_esc("/issues/" + node)}" data-id="{_esc(node)}"'
            f' data-state="{fact["state"]}"><title>{_esc(node)}: {_esc(title)} ({word})</title>'
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{W}" height="{H}" rx="6" fill="{fill}"'
            f' stroke="{stroke}" stroke-width="2"' + (f' stroke-dasharray="{dash}"' if dash
                                                       else "") + f"{grey}/>"
            f'<text x="{x + 8:.0f}" y="{y + 18:.0f}" font-weight="600" fill="#202124">'
            f'{_esc(node)}</text>'
            f'<text x="{x + W - 8:.0f}" y="{y + 18:.0f}" text-anchor="end" fill="{stroke}">'
            f'{word}</text>'
            f'<text x="{x + 8:.0f}" y="{y + 36:.0f}" fill="#3c4043">{_esc(short)}</text></a>')
