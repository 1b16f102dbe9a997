"""gitissues.storemerge on real git commits: merging B into A gives the very same tree as
merging A into B (every issue file and the settings byte for byte, cycles broken the same way),
so two clones that replay one merge in either direction hold the same blobs."""

from __future__ import annotations

import json

import pytest

from gitissues import ids, yamlio
from gitissues.git import commits, find_repo, plumbing, run
from gitissues.git.history import History
from gitissues.model import Issue
from gitissues.storemerge import SETTINGS, merge_trees

T0, T1, T2 = "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"
AUTHOR = ("t", "t@example.invalid")


def doc(issue_id: str, title: str, updated: str = T0, **fields) -> dict:
    return {"id": issue_id, "title": title, "author": "al", "created": T0, "updated": updated,
            **fields}


class Store:
    """Commits of a branch-store tree, written with the store's own plumbing."""

    def __init__(self, path) -> None:
        self.paths = find_repo(path)

    def commit(self, parent: str | None, issues: list[dict], settings: dict | None = None,
               when: int = 1_700_000_000) -> str:
        changes: dict = {ids.issue_path(d["id"]): Issue.from_dict(d).to_yaml().encode()
                         for d in issues}
        if settings is not None:
            changes[SETTINGS] = yamlio.emit(settings).encode()
        commit = commits.write_commit(self.paths, parent, changes, "c", AUTHOR)
        # a fixed commit time, so that "the later change of the settings" is known
        return _retime(self.paths, commit, when)

    def merge(self, base: str, ours: str, theirs: str, strategy: str = "merge"):
        changes, conflicts = merge_trees(self.paths, History(self.paths), base, ours,
                                         theirs, strategy)
        commit = commits.write_commit(self.paths, ours, changes, "m", AUTHOR, merged=(theirs,))
        return run(self.paths, "rev-parse", f"{commit}^{{tree}}").stdout.strip(), conflicts

    def file(self, tree: str, path: str) -> bytes:
        return plumbing.read_objects(self.paths, [f"{tree}:{path}"])[f"{tree}:{path}"] or b""


def _retime(paths, commit: str, when: int) -> str:
    """The same commit with author and committer time `when`."""
    raw = run(paths, "cat-file", "commit", commit).stdout
    head, _, message = raw.partition("\n\n")
    lines = []
    for line in head.split("\n"):
        if line.startswith(("author ", "committer ")):
            parts = line.rsplit(" ", 2)
            line = f"{parts[0]} {when} +0000"
        lines.append(line)
    text = "\n".join(lines) + "\n\n" + message
    return run(paths, "hash-object", "-t", "commit", "-w", "--stdin", input=text).stdout.strip()


@pytest.fixture
def store(repo) -> Store:
    return Store(repo)


A, B, P, Q, N1, N2 = ("gi-aaaaa1", "gi-bbbbb1", "gi-ccccc1", "gi-ddddd1", "gi-eeeee1",
                      "gi-fffff1")
CLAIM = {"agent": "al", "claimed_at": T0, "expires_at": "2026-01-01T01:10:00Z",
         "assigned": True}


def test_merging_either_way_gives_the_same_tree(store):
    settings = {"mode": "branch", "prefix": "gi", "layout": 2, "claims": {"ttl": "30m"}}
    base = store.commit(None, [
        doc(A, "A"), doc(B, "B"), doc(P, "P", agent={"stage": "one"}, kept=1),
        doc(Q, "Q", status="in_progress", assignees=["al"], claim=CLAIM),
    ], settings)
    one = store.commit(base, [
        doc(A, "A", T1, depends_on=[B]),
        doc(P, "P by one", T1, agent={"stage": "one", "zz": 1, "aa": 2}, kept=1, zeta=1),
        doc(Q, "Q", T1),  # released
        doc(N1, "new on one", T1),
    ], {**settings, "claims": {"ttl": "1h"}, "review": "strict"}, when=1_700_000_100)
    two = store.commit(base, [
        doc(B, "B", T2, depends_on=[A]),
        doc(P, "P by two", T2, agent={"stage": "one", "bb": 3}, kept=1, alpha=2),
        doc(Q, "Q", T2, status="in_progress", assignees=["al"],
            claim={**CLAIM, "claimed_at": T2, "expires_at": "2026-01-01T02:30:00Z"}),
        doc(N2, "new on two", T2),
    ], {**settings, "claims": {"ttl": "30m", "remote": "origin"}, "review": "lenient"},
        when=1_700_000_200)

    tree, conflicts = store.merge(base, one, two)
    other_tree, other_conflicts = store.merge(base, two, one)
    assert tree == other_tree
    records = sorted(json.dumps(c.to_json(), sort_keys=True) for c in conflicts)
    assert records == sorted(json.dumps(c.to_json(), sort_keys=True) for c in other_conflicts)

    got = {i: Issue.from_yaml(store.file(tree, ids.issue_path(i)).decode(), i)
           for i in (A, B, P, Q, N1, N2)}
    assert got[A].depends_on == [B] and got[B].depends_on == []  # B → A is the later edge
    assert got[P].title == "P by two" and list(got[P].extra) == ["kept", "alpha", "zeta"]
    assert list(got[P].agent) == ["stage", "aa", "bb", "zz"]
    assert got[Q].claim is not None and got[Q].status == "in_progress"  # the later claim
    assert got[Q].assignees == ["al"]
    config = yamlio.load_fast(store.file(tree, SETTINGS).decode(), SETTINGS)
    assert config["claims"] == {"ttl": "1h", "remote": "origin"}
    assert config["review"] == "lenient"  # changed on both: the later commit's
    fields = {(c.issue, c.field, c.file) for c in conflicts}
    assert {(B, "depends_on", None), (P, "title", None), (Q, "claim", None),
            (None, "review", "config.yaml")} == fields


def test_a_cycle_through_unchanged_issues_is_broken_and_an_old_one_left_alone(store):
    """A → B on one side, C → A on the other, B → C in the base (B unchanged: read from the
    tree only because the search reaches it). D ⇄ E was there before: gi doctor's business."""
    C, D, E = "gi-c0c0c1", "gi-d0d0d1", "gi-e0e0e1"
    base = store.commit(None, [doc(A, "A"), doc(B, "B", depends_on=[C]), doc(C, "C"),
                               doc(D, "D", depends_on=[E]), doc(E, "E", depends_on=[D])],
                        {"layout": 2})
    one = store.commit(base, [doc(A, "A", T2, depends_on=[B])])
    two = store.commit(base, [doc(C, "C", T1, depends_on=[A]), doc(D, "D", T1, depends_on=[E],
                                                                    labels=["x"])])
    tree, conflicts = store.merge(base, one, two)
    assert store.merge(base, two, one)[0] == tree
    deps = {i: Issue.from_yaml(store.file(tree, ids.issue_path(i)).decode(), i).depends_on
            for i in (A, B, C, D, E)}
    assert deps == {A: [], B: [C], C: [A], D: [E], E: [D]}  # A's edge is the later one
    assert [(c.issue, c.field, c.kept, c.lost) for c in conflicts] == [
        (A, "depends_on", [], [B])]
