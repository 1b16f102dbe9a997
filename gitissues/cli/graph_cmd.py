"""Commands on the work graph: dep add|rm|tree, blocked, graph, progress."""

from __future__ import annotations

import argparse

from gitissues.cli.output import emit_json, issue_line, warn
from gitissues.errors import UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any


def _store() -> Any:
    from gitissues.store import open_store

    return open_store(".")


def cmd_dep(args: argparse.Namespace) -> int:
    from gitissues import graph

    want = 1 if args.action == "tree" else 2
    if len(args.ids) != want:
        shape = "ID" if want == 1 else "A B"
        raise UsageError(f"gi dep {args.action} takes {shape} "
                         f"({len(args.ids)} id(s) given; see 'gi dep --help')")
    store = _store()
    if args.action == "tree":
        t = graph.tree(store, args.ids[0])
        if args.json:
            emit_json(t)
        else:
            print(graph.render_tree(t))
        return 0
    a, b = args.ids
    before = store.get(a).depends_on if args.action == "add" else None
    issue = store.dep_add(a, b) if args.action == "add" else store.dep_rm(a, b)
    if args.json:
        emit_json(issue.to_json())
    elif args.action == "rm":
        print(f"{issue.id} no longer depends on {store.resolve(b) if _known(store, b) else b}")
    else:
        dep = store.resolve(b)
        note = " (already)" if before is not None and dep in before else ""
        print(f"{issue.id} depends on {dep}{note}")
    return 0


def _known(store: Any, ref: str) -> bool:
    from gitissues.errors import NotFound

    try:
        store.resolve(ref)
    except NotFound:
        return False
    return True


def cmd_blocked(args: argparse.Namespace) -> int:
    from gitissues import graph

    if args.limit < 0:
        raise UsageError("--limit must be 0 (all) or more")
    store = _store()
    limit = args.limit or None
    pairs = graph.blocked(store, args.query, None if limit is None else limit + 1)
    more = limit is not None and len(pairs) > limit
    pairs = pairs[:limit]
    for message in store.warnings():
        warn(f"skipped a malformed issue file: {message}")
    if args.json:
        emit_json([{**i.to_json(), "blocked_by": [b.id for b in bs]} for i, bs in pairs])
    else:
        for issue, blockers in pairs:
            print(issue_line(issue))
            for b in blockers:
                print(f"    blocked by {b.id}  [{b.status}]  {b.title}")
    if more:
        warn(f"showing the first {limit} results; use --limit N or --limit 0 for all")
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    from gitissues import graph

    source = graph.picture(_store(), args.query, args.format)
    if args.json:
        emit_json({"format": args.format, "source": source})
    else:
        print(source, end="")
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    store = _store()
    issue = store.progress(args.id, args.progress, args.stage, args.checkpoint)
    if args.json:
        emit_json(issue.to_json())
        return 0
    agent = issue.agent
    said = [f"{k}: {agent[k]}" for k in ("progress", "stage") if k in agent]
    points = agent.get("checkpoints")
    if points:
        said.append("checkpoints: " + ", ".join(map(str, points if isinstance(points, list)
                                                    else [points])))
    print(f"{issue.id}  " + ("   ".join(said) if said else "no progress recorded"))
    return 0
