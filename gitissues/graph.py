"""The work graph: dependencies (A depends on B), cycles, blocked issues, parent/child progress,
agent progress, and the graph as dot or mermaid source.

Edges are read from the derived index (`deps(issue, dep)`), so a check over 3,000 edges is one
small query; every write still goes through `Store.update`, one commit on the depending issue.
"""

from __future__ import annotations

import json
import math

from gitissues import ids
from gitissues.cycles import cycle_path
from gitissues.errors import Conflict, NotFound, UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from gitissues.model import Issue
    from gitissues.store.core import StoreCore

ARROW = " → "


# --- dependencies -------------------------------------------------------------------------------

def edges(store: StoreCore) -> dict[str, list[str]]:
    """Every `issue → [deps]` edge the store holds now."""
    out: dict[str, list[str]] = {}
    for issue, dep in store.fresh().rows("SELECT issue, dep FROM deps ORDER BY rowid"):
        out.setdefault(issue, []).append(dep)
    return out


def _resolve_dep(store: StoreCore, ref: str) -> str:
    """A dependency may name an issue the store lost (a dangling edge): a full id still works."""
    try:
        return store.resolve(ref)
    except NotFound:
        if ids.is_id(ref):
            return ref
        raise


def dep_add(store: StoreCore, a: str, b: str) -> Issue:
    """One commit on A (op `dep.add`); refused (Conflict) when it would close a cycle.

    The check runs on the index before the write and again after it: two racing writers that
    together close a cycle each see it afterwards and take their own edge back, so the store
    never keeps a cycle (at worst both are refused)."""
    a_id, b_id = store.resolve(a), store.resolve(b)
    cycle = cycle_path(edges(store), a_id, b_id)
    if cycle:
        raise Conflict(f"{a_id} cannot depend on {b_id}: that would close the cycle "
                       f"{ARROW.join(cycle)}", cycle=cycle)
    added: list[bool] = []

    def mutate(issue: Issue) -> str | None:
        added.clear()
        if b_id in issue.depends_on:
            return None
        issue.depends_on.append(b_id)
        added.append(True)
        return f"depends on {b_id}"

    updated = store.update(a_id, mutate, "dep.add")
    if added:
        cycle = cycle_path(edges(store), a_id, b_id)
        if cycle:
            dep_rm(store, a_id, b_id)
            raise Conflict(f"{a_id} cannot depend on {b_id}: a concurrent change closed the "
                           f"cycle {ARROW.join(cycle)}; the edge was taken back", cycle=cycle)
    return updated


def dep_rm(store: StoreCore, a: str, b: str) -> Issue:
    """One commit on A (op `dep.rm`); NotFound when A does not depend on B."""
    a_id = store.resolve(a)
    b_id = _resolve_dep(store, b)
    if b_id not in store.get(a_id).depends_on:
        raise NotFound(f"{a_id} does not depend on {b_id}")

    def mutate(issue: Issue) -> str | None:
        if b_id not in issue.depends_on:
            return None
        issue.depends_on.remove(b_id)
        return f"no longer depends on {b_id}"

    return store.update(a_id, mutate, "dep.rm")


# --- blocked, children --------------------------------------------------------------------------

def blocked(store: StoreCore, query: Iterable[str] | str = (), limit: int | None = 50
            ) -> list[tuple[Issue, list[Issue]]]:
    """Issues not closed with an unclosed dependency (SPEC §3), each with its blockers.
    Ask for one more than you show to learn whether the list was cut."""
    from gitissues.query import UNCLOSED_DEPS

    terms = query if isinstance(query, str) else list(query)  # a string: the parser splits
    result = store.list(terms, limit, extra_where=UNCLOSED_DEPS)
    if not result.issues:
        return []
    from gitissues.store.core import issue_from_row

    wanted = [i.id for i in result.issues]
    marks = ",".join("?" * len(wanted))
    rows = store.index.rows(
        "SELECT d.issue, x.id, x.json FROM deps d JOIN issues x ON x.id = d.dep"
        f" WHERE x.status != 'closed' AND d.issue IN ({marks}) ORDER BY d.rowid", wanted)
    parsed: dict[str, Issue] = {}  # one blocker often blocks many
    blockers: dict[str, list[Issue]] = {}
    for issue_id, dep_id, raw in rows:
        if dep_id not in parsed:
            parsed[dep_id] = issue_from_row(json.loads(raw))
        blockers.setdefault(issue_id, []).append(parsed[dep_id])
    return [(i, blockers.get(i.id, [])) for i in result.issues]


def children_progress(store: StoreCore, issue_id: str) -> tuple[int, int]:
    """(closed children, children) of a parent: an epic's progress."""
    row = store.fresh().rows(
        "SELECT count(*), ifnull(sum(status = 'closed'), 0) FROM issues WHERE parent = ?",
        (issue_id,))[0]
    return int(row[1]), int(row[0])


# --- agent progress -----------------------------------------------------------------------------

def progress(store: StoreCore, ref: str, value: float | None = None, stage: str | None = None,
             checkpoints: list[str] | None = None) -> Issue:
    """Set `agent.progress` (0..1) and `agent.stage`, append checkpoints (no duplicates); one
    commit with op `progress`; every other key under `agent:` is kept."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                              or math.isnan(value) or not 0 <= value <= 1):
        raise UsageError(f"--progress must be a number from 0 to 1, got {value!r}")
    if stage is not None and not stage.strip():
        raise UsageError("--stage must not be empty")
    new_points = [c for c in (checkpoints or []) if c.strip()]
    if value is None and stage is None and not new_points:
        return store.get(ref)

    def mutate(issue: Issue) -> str | None:
        agent = issue.agent
        said = []
        if value is not None and agent.get("progress") != value:
            agent["progress"] = value
            said.append(f"progress {value:g}")
        if stage is not None and agent.get("stage") != stage:
            agent["stage"] = stage
            said.append(f"stage {stage}")
        points = agent.get("checkpoints")
        points = list(points) if isinstance(points, list) else ([] if points is None
                                                                  else [points])
        fresh = [c for c in dict.fromkeys(new_points) if c not in points]
        if fresh:
            agent["checkpoints"] = points + fresh
            said.append("checkpoint " + ", ".join(fresh))
        return "; ".join(said) or None

    return store.update(ref, mutate, "progress")


# --- tree and pictures --------------------------------------------------------------------------

def _nodes(store: StoreCore, wanted: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = list(dict.fromkeys(wanted))
    out: dict[str, dict[str, Any]] = {}
    for chunk in (wanted[k:k + 500] for k in range(0, len(wanted), 500)):
        marks = ",".join("?" * len(chunk))
        for issue_id, title, status, itype in store.index.rows(
                f"SELECT id, title, status, type FROM issues WHERE id IN ({marks})", chunk):
            out[issue_id] = {"id": issue_id, "title": title, "status": status, "type": itype}
    return out


def tree(store: StoreCore, ref: str) -> dict[str, Any]:
    """One issue with what it depends on and what depends on it, each followed to the end, and
    its children with the parent's progress. An issue already expanded in that direction is
    shown again marked `repeated` but not followed twice (diamonds stay small, cycles end)."""
    root = store.resolve(ref)
    down = edges(store)
    up: dict[str, list[str]] = {}
    for issue, deps in down.items():
        for dep in deps:
            up.setdefault(dep, []).append(issue)
    children = [r[0] for r in store.index.rows(
        "SELECT id FROM issues WHERE parent = ? ORDER BY created, id", (root,))]
    info = _nodes(store, [root, *down.keys(), *up.keys(), *children])

    def node(issue_id: str) -> dict[str, Any]:
        return dict(info.get(issue_id) or {"id": issue_id, "title": None, "status": "missing",
                                           "type": None})

    def walk(issue_id: str, links: dict[str, list[str]], done: set[str]) -> dict:
        if issue_id in done:
            return {**node(issue_id), "repeated": True, "children": []}
        done.add(issue_id)
        return {**node(issue_id), "children": [walk(x, links, done)
                                               for x in links.get(issue_id, [])]}

    closed, total = children_progress(store, root)
    below, above = {root}, {root}
    return {**node(root),
            "depends_on": [walk(x, down, below) for x in down.get(root, [])],
            "needed_by": [walk(x, up, above) for x in up.get(root, [])],
            "children": [node(c) for c in children],
            "progress": {"closed": closed, "total": total}}


def render_tree(t: dict[str, Any]) -> str:
    """The tree as indented text with box-drawing lines."""
    lines = [_label(t)]
    sections = [(f"depends on ({len(t['depends_on'])})", t["depends_on"]),
                (f"needed by ({len(t['needed_by'])})", t["needed_by"])]
    if t["children"]:
        p = t["progress"]
        sections.append((f"children ({p['closed']}/{p['total']} closed)",
                         [{**c, "children": []} for c in t["children"]]))
    for n, (title, items) in enumerate(sections):
        last = n == len(sections) - 1
        lines.append(("└── " if last else "├── ") + title)
        _branches(items, "    " if last else "│   ", lines)
    return "\n".join(lines)


def _branches(items: list[dict], prefix: str, lines: list[str]) -> None:
    for n, item in enumerate(items):
        last = n == len(items) - 1
        lines.append(prefix + ("└── " if last else "├── ") + _label(item))
        _branches(item.get("children", []), prefix + ("    " if last else "│   "), lines)


def _label(n: dict[str, Any]) -> str:
    title = f"  {n['title']}" if n.get("title") else ""
    again = "  (see above)" if n.get("repeated") else ""
    return f"{n['id']}  [{n['status']}]{title}{again}"


def picture(store: StoreCore, query: Iterable[str] | str = (), fmt: str = "dot") -> str:
    """Dot or mermaid source for the issues `query` selects (default: open ones) and their
    direct dependencies; A → B reads "A depends on B", parents are dotted."""
    selected = store.list(query, None).issues
    chosen = {i.id for i in selected}
    arrows = [(i.id, d) for i in selected for d in i.depends_on]
    order = [i.id for i in selected]  # the query's order: the same store, the same bytes
    info = _nodes(store, [*order, *(d for _, d in arrows)])
    shown = [*order, *(d for _, d in arrows if d not in chosen)]
    parents = [(i.id, i.parent) for i in selected if i.parent in chosen]
    nodes = [info.get(x) or {"id": x, "title": "(missing)", "status": "missing"}
             for x in dict.fromkeys(shown)]
    return (_dot if fmt == "dot" else _mermaid)(nodes, arrows, parents)


def _dot(nodes: list[dict], arrows: list[tuple[str, str]], parents: list[tuple[str, str]]
         ) -> str:
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'

    out = ["digraph issues {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
    for n in nodes:
        style = {"closed": ", style=\"rounded,dashed\", color=gray",
                 "missing": ", style=dotted"}.get(n["status"], "")
        out.append(f"  {q(n['id'])} [label={q(n['id'] + ': ' + n['title'])}"
                   f" tooltip={q(n['status'])}{style}];")
    out += [f"  {q(a)} -> {q(b)};" for a, b in arrows]
    out += [f"  {q(c)} -> {q(p)} [style=dotted, label=\"parent\"];" for c, p in parents]
    return "\n".join(out) + "\n}\n"


def _mermaid(nodes: list[dict], arrows: list[tuple[str, str]], parents: list[tuple[str, str]]
             ) -> str:
    def key(issue_id: str) -> str:
        return issue_id.replace("-", "_")

    def text(s: str) -> str:
        return s.replace('"', "#quot;").replace("\n", " ")

    out = ["graph TD"]
    for n in nodes:
        out.append(f'  {key(n["id"])}["{text(n["id"] + ": " + n["title"])}"]')
    out += [f"  {key(a)} --> {key(b)}" for a, b in arrows]
    out += [f"  {key(c)} -.->|parent| {key(p)}" for c, p in parents]
    closed = [key(n["id"]) for n in nodes if n["status"] in ("closed", "missing")]
    if closed:
        out += ["  classDef done stroke-dasharray: 5 5,color:#888;",
                f"  class {','.join(closed)} done;"]
    return "\n".join(out) + "\n"
