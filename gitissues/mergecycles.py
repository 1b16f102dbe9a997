"""Dependency cycles that a merge would create: A → B added on one clone and B → A on the
other pass every per-issue merge, yet leave neither issue ready, ever (and `gi dep add` refuses
exactly that). So after the issues are merged, every edge that either side added since the
merge base is checked against the whole merged graph; where one closes a cycle, the cycle's
newest added edge is dropped: the one on the issue with the later `updated`, then the larger
issue id, then the larger dependency id. The dropped edge is recorded as a conflict on
`depends_on` of that issue (kept: the dependencies without it, lost: with it). Cycles made only
of edges both sides already had are left to `gi doctor`, which reports them.

The graph is the merged result, read lazily: the issues changed on either side are read in
full, the others only as far as a search from a new edge reaches. The outcome depends only on
the merged graph and the base, so it is the same whichever side is ours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from gitissues import ids
from gitissues.cycles import cycle_path
from gitissues.errors import InvalidData
from gitissues.git import plumbing
from gitissues.merge import Conflict
from gitissues.model import Issue

if TYPE_CHECKING:
    from gitissues.git import RepoPaths

Files = dict[str, Any]  # as storemerge: path → bytes, (blob id,) or None


class _Graph:
    """The merged dependency graph, each issue read at most once."""

    def __init__(self, paths: RepoPaths, changes: Files, ours_blob: Callable[[str], str | None]
                 ) -> None:
        self.paths, self.ours_blob = paths, ours_blob
        self.merged: dict[str, Any] = {}  # id → bytes or (blob,) as the merge left it
        self.removed: set[str] = set()
        for path, content in changes.items():
            issue_id = ids.id_of_path(path)
            if issue_id and content is not None:
                self.merged[issue_id] = content
            elif issue_id:
                self.removed.add(issue_id)
        self.removed -= self.merged.keys()
        self.deps: dict[str, list[str]] = {}
        self.issues: dict[str, Issue | None] = {}

    def load(self, wanted: Iterable[str]) -> None:
        todo = [i for i in dict.fromkeys(wanted) if i not in self.deps]
        blobs: dict[str, str] = {}
        for issue_id in todo:
            content = self.merged.get(issue_id)
            if isinstance(content, bytes):
                self._parse(issue_id, content)
            elif content is not None:
                blobs[issue_id] = content[0]
            elif issue_id not in self.removed and (blob := self.ours_blob(issue_id)):
                blobs[issue_id] = blob
            else:
                self.deps[issue_id], self.issues[issue_id] = [], None
        data = plumbing.read_objects(self.paths, blobs.values())
        for issue_id, blob in blobs.items():
            self._parse(issue_id, data.get(blob))

    def _parse(self, issue_id: str, data: bytes | None) -> None:
        issue = None
        if data and b"depends_on" in data:  # no dependencies: nothing to parse
            try:
                issue = Issue.from_yaml(data.decode("utf-8"), issue_id)
            except (InvalidData, UnicodeDecodeError):
                issue = None
        self.issues[issue_id] = issue
        self.deps[issue_id] = list(issue.depends_on) if issue else []

    def reach(self, start: str) -> None:
        """Load everything reachable from `start`, one batch per step."""
        frontier = [start]
        while frontier:
            self.load(frontier)
            frontier = [d for n in frontier for d in self.deps[n] if d not in self.deps]


def break_cycles(paths: RepoPaths, changes: Files, changed: Iterable[str],
                 ours_blob: Callable[[str], str | None], base_blob: Callable[[str], str | None],
                 ours_path: Callable[[str], str | None]) -> list[Conflict]:
    """Drop the edges that close new cycles, writing the issues that lose one into
    `changes`. `changed`: ids changed on either side; `ours_blob`/`ours_path`: an issue as
    ours has it; `base_blob`: as the merge base has it."""
    graph = _Graph(paths, changes, ours_blob)
    changed = sorted(changed)
    graph.load(changed)
    base = _Graph(paths, {}, base_blob)
    base.load(i for i in changed if graph.deps[i])
    added = {i: {d for d in graph.deps[i] if d not in base.deps[i]} for i in changed
             if graph.deps[i]}
    lost: dict[str, list[str]] = {}
    for issue_id, dep in sorted((i, d) for i, ds in added.items() for d in ds):
        while dep in graph.deps[issue_id]:
            graph.reach(dep)
            cycle = cycle_path(graph.deps, issue_id, dep)
            if cycle is None:
                break
            edges = [(a, b) for a, b in zip(cycle, cycle[1:], strict=False)
                     if b in added.get(a, ())]
            a, b = max(edges, key=lambda e: (_updated(graph, e[0]), e[0], e[1]))
            lost.setdefault(a, list(graph.deps[a]))
            graph.deps[a] = [d for d in graph.deps[a] if d != b]
    conflicts = []
    for issue_id, before in sorted(lost.items()):
        issue = graph.issues[issue_id]
        if issue is None:  # (it had edges, so it was parsed)
            continue
        issue.depends_on = list(graph.deps[issue_id])
        path = next((p for p, c in changes.items()
                     if c is not None and ids.id_of_path(p) == issue_id), None)
        changes[path or ours_path(issue_id) or ids.issue_path(issue_id)] = (
            issue.to_yaml().encode("utf-8"))
        conflicts.append(Conflict(issue_id, "depends_on", issue.depends_on, before))
    return conflicts


def _updated(graph: _Graph, issue_id: str) -> str:
    issue = graph.issues.get(issue_id)
    return issue.updated if issue else ""
