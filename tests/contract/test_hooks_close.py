"""Closing through the hooks (SPEC §9): `Fixes`/`Closes`/`Resolves` close their issue, with a
comment naming the commit, when the commit reaches the default branch — the target of
`origin/HEAD`, else `main` if it exists, else `master` — by a commit made there, a merge or a
pull; `Refs` only links; an issue already closed is left alone. `#42` and `NAME#42` name an
issue through its bridge mappings."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Sandbox
from tests.hooktools import closing_comments, commit, git, head, install, links, ok, status


def test_a_merge_into_main_closes_what_its_commits_fix(sandbox: Sandbox) -> None:
    sb = sandbox
    install(sb)
    fixed, referred, other = sb.create("fixed"), sb.create("referred"), sb.create("other")
    sb.git("checkout", "-q", "-b", "feature")
    ok(commit(sb, f"Parser: handle tabs\n\nFixes {fixed}"))
    fix = head(sb)
    ok(commit(sb, f"Refs {referred}"))
    assert status(sb, fixed) == "open" and links(sb, fixed) == [fix]  # not on main yet
    sb.git("checkout", "-q", "main")
    ok(commit(sb, "unrelated work on main"))
    before = sb.store_commits()
    ok(git(sb, "merge", "-q", "--no-ff", "--no-edit", "feature"))
    assert status(sb, fixed) == "closed" and status(sb, referred) == "open"
    assert closing_comments(sb, fixed) == [f"Closed by commit {fix} on main: Parser: handle tabs"]
    assert links(sb, fixed) == [fix] and status(sb, other) == "open"
    assert sb.store_commits() == before + 1  # the whole merge: one store change
    events = [(e["type"], e["issue"]) for e in sb.gi("log", "--json").json
              if e["issue"] == fixed]
    assert ("status.changed", fixed) in events and ("comment.added", fixed) in events
    # another commit fixing it on main: linked, but a closed issue gets no second comment
    ok(commit(sb, f"Closes {fixed} (a second time)"))
    assert links(sb, fixed) == [fix, head(sb)]
    assert len(closing_comments(sb, fixed)) == 1


def test_a_merge_finished_after_a_conflict_closes_too(sandbox: Sandbox) -> None:
    sb = sandbox
    install(sb)
    issue = sb.create("x")
    sb.git("checkout", "-q", "-b", "feature")
    (sb.repo / "f.txt").write_text("feature\n")
    sb.git("add", "f.txt")
    ok(git(sb, "commit", "-q", "-m", f"Resolves {issue}"))
    fix = head(sb)
    sb.git("checkout", "-q", "main")
    (sb.repo / "f.txt").write_text("main\n")
    sb.git("add", "f.txt")
    ok(git(sb, "commit", "-q", "-m", "main's version"))
    assert git(sb, "merge", "-q", "feature").returncode != 0  # a conflict
    assert status(sb, issue) == "open"
    (sb.repo / "f.txt").write_text("both\n")
    sb.git("add", "f.txt")
    ok(git(sb, "commit", "-q", "--no-edit"))  # the merge commit, made by `git commit`
    assert status(sb, issue) == "closed"
    assert closing_comments(sb, issue) == [f"Closed by commit {fix} on main: Resolves {issue}"]


def test_a_fast_forward_pull_into_main_closes(sandbox: Sandbox, tmp_path: Path) -> None:
    sb = sandbox
    issue, other = sb.create("crash"), sb.create("other")
    clone = tmp_path / "clone"
    sb.git("clone", "-q", str(sb.repo), str(clone))
    install(sb, cwd=clone)
    assert status(sb, issue, cwd=clone) == "open"  # the clone reads origin's store
    ok(commit(sb, f"Fix the crash\n\nfixes: {issue}"))  # upstream, no hooks there
    fix = head(sb)
    ok(commit(sb, f"refs {other}"))
    ok(git(sb, "pull", "-q", "--ff-only", cwd=clone))
    assert head(sb, cwd=clone) == head(sb)
    assert status(sb, issue, cwd=clone) == "closed"
    assert closing_comments(sb, issue, cwd=clone) == [
        f"Closed by commit {fix} on main: Fix the crash"]
    assert links(sb, other, cwd=clone) == [head(sb)] and status(sb, other, cwd=clone) == "open"
    ok(git(sb, "pull", "-q", "--ff-only", cwd=clone))  # nothing new: nothing changes
    assert len(closing_comments(sb, issue, cwd=clone)) == 1


def test_the_default_branch_is_the_target_of_origin_head(sandbox: Sandbox,
                                                         tmp_path: Path) -> None:
    sb = sandbox
    sb.git("checkout", "-q", "-b", "trunk")
    issue = sb.create("x")
    clone = tmp_path / "clone"
    sb.git("clone", "-q", str(sb.repo), str(clone))
    assert sb.git("symbolic-ref", "refs/remotes/origin/HEAD", cwd=clone) == (
        "refs/remotes/origin/trunk")
    install(sb, cwd=clone)
    sb.git("checkout", "-q", "-b", "main", cwd=clone)  # main exists, but is not the default
    ok(commit(sb, f"Fixes {issue}", cwd=clone))
    assert status(sb, issue, cwd=clone) == "open"
    assert links(sb, issue, cwd=clone) == [head(sb, cwd=clone)]
    sb.git("checkout", "-q", "trunk", cwd=clone)
    ok(commit(sb, f"Fixes {issue}", cwd=clone))
    assert status(sb, issue, cwd=clone) == "closed"
    assert closing_comments(sb, issue, cwd=clone) == [
        f"Closed by commit {head(sb, cwd=clone)} on trunk: Fixes {issue}"]


def test_master_is_the_default_when_there_is_no_main(sandbox: Sandbox) -> None:
    sb = sandbox
    sb.git("branch", "-m", "main", "master")
    install(sb)
    issue = sb.create("x")
    ok(commit(sb, f"Closes {issue}"))
    assert status(sb, issue) == "closed"


def test_remote_numbers_name_issues_through_bridge_mappings(sandbox: Sandbox) -> None:
    sb = sandbox
    install(sb)
    a, b, c = sb.create("a"), sb.create("b"), sb.create("c")
    for issue, mapping in ((a, ("gh", "42")), (b, ("lab", "42")), (c, ("gh", "7"))):
        r = sb.gi("edit", issue, "--set", f"remote.{mapping[0]}.number={mapping[1]}")
        assert r.code == 0, r
    sb.git("checkout", "-q", "-b", "feature")
    ok(commit(sb, "Refs gh#42 and lab#42"))
    assert links(sb, a) == links(sb, b) == [head(sb)]
    r = commit(sb, "Refs #42")  # two bridges number an issue 42: which one is not known
    assert r.returncode == 0 and "#42" in r.stderr and "ambiguous" in r.stderr, r
    assert links(sb, a) == links(sb, b) == [sb.git("rev-parse", "HEAD~1")]
    sb.git("checkout", "-q", "main")
    ok(commit(sb, "Fixes #7"))  # one bridge only numbers an issue 7
    assert links(sb, c) == [head(sb)] and status(sb, c) == "closed"
