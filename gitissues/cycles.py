"""Cycles in a dependency graph (`issue → [issues it depends on]`): the one a new edge would
close, and every one a graph holds. Pure functions, used by the work graph (refusing an edge),
merges (breaking a cycle two clones made together) and `gi doctor` (reporting one)."""

from __future__ import annotations

from collections import deque


def cycle_path(deps: dict[str, list[str]], a: str, b: str) -> list[str] | None:
    """The cycle that the edge a → b would close (`[a, b, …, a]`), or None: a path from `b`
    back to `a` along existing edges, shortest first so the message stays short."""
    if a == b:
        return [a, a]
    came_from: dict[str, str | None] = {b: None}
    todo = deque([b])
    while todo:
        node = todo.popleft()
        for nxt in deps.get(node, ()):
            if nxt in came_from:
                continue
            came_from[nxt] = node
            if nxt == a:
                path = [a]
                step: str | None = node
                while step is not None:
                    path.append(step)
                    step = came_from[step]
                return [a, *reversed(path[1:]), a]
            todo.append(nxt)
    return None


def find_cycles(deps: dict[str, list[str]]) -> list[list[str]]:
    """Every dependency cycle, each once (`[a, b, …, a]`), in a stable order: one per
    strongly connected group of issues (Tarjan), walked from its smallest id."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(deps):
        if root in index:
            continue
        work = [(root, iter(sorted(deps.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            node, children = work[-1]
            for nxt in children:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(deps.get(nxt, ())))))
                    break
                if nxt in on:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1 or node in deps.get(node, ()):
                        groups.append(group)
    cycles = []
    for group in groups:
        start = min(group)
        members = set(group)
        path = cycle_path({k: [d for d in v if d in members] for k, v in deps.items()
                           if k in members}, start, next(d for d in sorted(deps[start])
                                                        if d in members))
        cycles.append(path or [start, start])
    return sorted(cycles)
