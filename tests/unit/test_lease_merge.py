"""The merge rule of lease files (gitissues.leases.merge) on real git commits: one holder per
resource and per set of overlapping patterns, whichever side is ours — merging B into A writes
the very same lease files as merging A into B."""

from __future__ import annotations

import pytest

from gitissues.git import commits, find_repo
from gitissues.leases.merge import merge_leases
from gitissues.leases.model import Lease, lease_path

T0, T1, T2, T3 = ("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z",
                  "2026-01-01T03:00:00Z")
AUTHOR = ("t", "t@example.invalid")


def lease(resource: str, holder: str, start: str, end: str) -> Lease:
    return Lease(resource, holder, start, end)


class Repo:
    def __init__(self, path) -> None:
        self.paths = find_repo(path)

    def commit(self, parent: str | None, put: list[Lease] = (), drop: list[str] = ()) -> str:
        changes: dict = {lease_path(x.resource): x.encode() for x in put}
        changes.update({lease_path(r): None for r in drop})
        changes.setdefault("config.yaml", b"mode: branch\n")
        return commits.write_commit(self.paths, parent, changes, "c", AUTHOR)

    def merged(self, base: str, ours: str, theirs: str) -> tuple[dict[str, Lease], list]:
        """The leases of `ours` after the merge, and the conflicts."""
        from gitissues.store.branch_read import read_folder

        changes, conflicts = merge_leases(self.paths, base, ours, theirs)
        tip = commits.write_commit(self.paths, ours, changes, "m", AUTHOR, merged=(theirs,))
        files = read_folder(self.paths, tip, "leases")
        return {p: Lease.decode(d, p) for p, d in files.items()}, conflicts


@pytest.fixture
def repo(sandbox) -> Repo:
    return Repo(sandbox.repo)


def both_ways(repo: Repo, base: str, a: str, b: str) -> tuple[dict[str, Lease], list]:
    one, conflicts = repo.merged(base, a, b)
    other, _ = repo.merged(base, b, a)
    assert one == other  # the same lease files whichever side is ours
    return one, conflicts


def test_one_resource_taken_on_both_sides_keeps_the_later_acquisition(repo):
    base = repo.commit(None)
    a = repo.commit(base, [lease("db", "alice", T1, T3)])
    b = repo.commit(base, [lease("db", "bob", T2, T3)])
    result, conflicts = both_ways(repo, base, a, b)
    assert [x.holder for x in result.values()] == ["bob"]
    assert len(conflicts) == 1
    c = conflicts[0]
    assert c.issue is None and c.file == lease_path("db") and c.field == "lease"
    assert c.kept["holder"] == "bob" and c.lost["holder"] == "alice"


def test_the_same_holder_on_both_sides_keeps_the_earlier_start_and_later_end(repo):
    base = repo.commit(None, [lease("db", "alice", T0, T1)])
    a = repo.commit(base, [lease("db", "alice", T0, T2)])
    b = repo.commit(base, [lease("db", "alice", T1, T3)])
    result, conflicts = both_ways(repo, base, a, b)
    assert list(result.values()) == [lease("db", "alice", T0, T3)]
    assert conflicts == []


def test_a_release_against_a_renewal_keeps_the_lease(repo):
    base = repo.commit(None, [lease("db", "alice", T0, T1)])
    released = repo.commit(base, drop=["db"])
    renewed = repo.commit(base, [lease("db", "alice", T0, T3)])
    result, _ = both_ways(repo, base, released, renewed)
    assert list(result.values()) == [lease("db", "alice", T0, T3)]


def test_changes_of_one_side_are_taken(repo):
    base = repo.commit(None, [lease("a", "alice", T0, T1), lease("b", "bob", T0, T1)])
    ours = repo.commit(base, [lease("c", "carol", T1, T2)])
    theirs = repo.commit(base, [lease("d", "dan", T1, T2)], drop=["a"])
    result, conflicts = both_ways(repo, base, ours, theirs)
    assert sorted(x.resource for x in result.values()) == ["b", "c", "d"]
    assert conflicts == []


def test_overlapping_patterns_of_two_sides_keep_the_stronger(repo):
    base = repo.commit(None)
    ours = repo.commit(base, [lease("path:src/**", "alice", T1, T3),
                              lease("path:docs/**", "alice", T1, T3)])
    theirs = repo.commit(base, [lease("path:src/auth/**", "bob", T2, T3),
                                lease("path:*.md", "bob", T2, T3)])
    result, conflicts = both_ways(repo, base, ours, theirs)
    assert sorted(x.resource for x in result.values()) == [
        "path:*.md", "path:docs/**", "path:src/auth/**"]
    assert [(c.kept["resource"], c.lost["resource"]) for c in conflicts] == [
        ("path:src/auth/**", "path:src/**")]


def test_overlapping_leases_of_one_holder_or_one_side_stay(repo):
    base = repo.commit(None)
    ours = repo.commit(base, [lease("path:src/**", "alice", T1, T3),
                              lease("path:src/a/**", "alice", T1, T3)])
    theirs = repo.commit(base, [lease("path:src/b/**", "alice", T2, T3)])
    result, conflicts = both_ways(repo, base, ours, theirs)
    assert len(result) == 3 and conflicts == []
