"""Commands on the work graph: dep add|rm|tree, blocked, graph, progress."""

from __future__ import annotations

import argparse

from gitissues.cli.common import open_cli_store
from gitissues.cli.output import emit_json, issue_line, plural, printable, warn
from gitissues.errors import UsageError

# A node declaration: `  "gi-1" [label=…` (dot) or `  gi_1["…` (mermaid); titles cannot break
# a line (graph.py turns newlines into spaces) and ids hold no quotes, spaces or brackets.

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any


def cmd_dep(args: argparse.Namespace) -> int:
    from gitissues import graph

    want = 1 if args.action == "tree" else 2
    if len(args.ids) != want:
        shape = "ID" if want == 1 else "A B"
        raise UsageError(f"gi dep {args.action} takes {shape} "
                         f"({plural(len(args.ids), 'id')} given; see 'gi help dep')")
    store = open_cli_store()
    if args.action == "tree":
        t = graph.tree(store, args.ids[0])
        if args.json:
            emit_json(t)
        else:
            print(graph.render_tree(_printable_tree(t)))
        return 0
    a, b = args.ids
    before = store.get(a).depends_on if args.action == "add" else None
    issue = store.dep_add(a, b) if args.action == "add" else store.dep_rm(a, b)
    if args.json:
        emit_json(issue.to_json())
    elif args.action == "rm":
        gone = store.resolve(b) if _known(store, b) else b
        print(printable(f"{issue.id} no longer depends on {gone}"))
    else:
        dep = store.resolve(b)
        note = " (already)" if before is not None and dep in before else ""
        print(f"{issue.id} depends on {dep}{note}")
    return 0


def _printable_tree(node: dict[str, Any]) -> dict[str, Any]:
    """The dependency tree with every title made safe for a terminal (ids and statuses are
    validated already)."""
    out = {k: _printable_tree(v) if isinstance(v, dict) else
           [_printable_tree(x) for x in v] if isinstance(v, list) else v
           for k, v in node.items()}
    if isinstance(out.get("title"), str):
        out["title"] = printable(out["title"])
    return out


def _known(store: Any, ref: str) -> bool:
    from gitissues.errors import NotFound

    try:
        store.resolve(ref)
    except NotFound:
        return False
    return True


def cmd_blocked(args: argparse.Namespace) -> int:
    from gitissues import graph

    store = open_cli_store()
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
                print(printable(f"    blocked by {b.id}  [{b.status}]  {b.title}"))
    if more:
        warn(f"showing the first {plural(limit, 'result')}; use --limit N or --limit 0 for all")
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    from gitissues import graph

    source = graph.picture(open_cli_store(), args.query, args.format)
    if args.json:
        emit_json({"format": args.format, "source": source})
    else:
        print(source, end="")
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    store = open_cli_store()
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
    print(printable(f"{issue.id}  " + ("   ".join(said) if said else "no progress recorded")))
    return 0
