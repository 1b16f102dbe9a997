"""Links follow rewritten commits (SPEC §9): after `git commit --amend` or `git rebase`, the
new commit ids take the place of the old ones in `links.commits` — none left dangling — in one
store change for the whole rewrite."""

from __future__ import annotations

from tests.conftest import Sandbox
from tests.hooktools import commit, git, head, install, links, ok, status


def test_an_amend_moves_the_link(sandbox: Sandbox) -> None:
    sb = sandbox
    install(sb)
    sb.git("checkout", "-q", "-b", "feature")
    a, b = sb.create("a"), sb.create("b")
    ok(commit(sb, f"work\n\nRefs {a}"))
    old = head(sb)
    before = sb.store_commits()
    ok(git(sb, "commit", "-q", "--amend", "--allow-empty", "-m", f"work, better\n\nRefs {a}"))
    new = head(sb)
    assert new != old and links(sb, a) == [new]
    assert sb.store_commits() == before + 1  # the amend: one store change
    ok(git(sb, "commit", "-q", "--amend", "--allow-empty", "-m", f"Refs {a}, refs {b}"))
    assert links(sb, a) == links(sb, b) == [head(sb)]  # a reference the amend added
    r = git(sb, "commit", "-q", "--amend", "--allow-empty", "-m", "no reference now; refs gi-ffff1")
    assert r.returncode == 0 and "gi: warning: commit message refers to gi-ffff1" in r.stderr, r
    assert links(sb, a) == links(sb, b) == [head(sb)]  # still the commit that was linked
    linked = [e["fields"]["commit"] for e in sb.gi("log", "--json").json
              if e["type"] == "commit.linked" and e["issue"] == a]
    assert linked[-1] == head(sb) and len(linked) == 4


def test_an_amend_on_main_of_a_fix_closes_once(sandbox: Sandbox) -> None:
    sb = sandbox
    install(sb)
    issue = sb.create("x")
    ok(commit(sb, "typo"))
    ok(git(sb, "commit", "-q", "--amend", "--allow-empty", "-m", f"typo\n\nFixes {issue}"))
    assert status(sb, issue) == "closed" and links(sb, issue) == [head(sb)]
    ok(git(sb, "commit", "-q", "--amend", "--allow-empty", "-m", f"Typo.\n\nFixes {issue}"))
    comments = [c["body"] for c in sb.show(issue)["comments"]]
    assert len(comments) == 1 and links(sb, issue) == [head(sb)]


def test_a_rebase_onto_another_branch_moves_every_link(sandbox: Sandbox) -> None:
    sb = sandbox
    install(sb)
    a, b = sb.create("a"), sb.create("b")
    ok(commit(sb, f"Refs {a}: on main before the branch"))
    kept = head(sb)
    sb.git("checkout", "-q", "-b", "feature")
    ok(commit(sb, f"first\n\nRefs {a}"))
    ok(commit(sb, "no reference"))
    ok(commit(sb, f"third\n\nFixes {a}, {b}"))
    old = sb.git("rev-list", "main..feature").split()
    assert links(sb, a) == [kept, old[2], old[0]] and links(sb, b) == [old[0]]
    sb.git("checkout", "-q", "main")
    ok(commit(sb, "main moves on"))
    sb.git("checkout", "-q", "feature")
    before = sb.store_commits()
    ok(git(sb, "rebase", "-q", "main"))
    new = sb.git("rev-list", "main..feature").split()
    assert len(new) == 3 and not set(new) & set(old)
    assert links(sb, a) == [kept, new[2], new[0]] and links(sb, b) == [new[0]]
    assert sb.store_commits() == before + 1  # the whole rebase: one store change
    assert status(sb, a) == "open"  # a feature branch: nothing closes
    ok(git(sb, "checkout", "-q", "main"))
    ok(git(sb, "merge", "-q", "--ff-only", "feature"))
    assert status(sb, a) == status(sb, b) == "closed"


def test_a_pull_with_rebase_on_main_closes_and_moves_links(sandbox: Sandbox, tmp_path) -> None:
    sb = sandbox
    issue, mine = sb.create("theirs"), sb.create("mine")
    clone = tmp_path / "clone"
    sb.git("clone", "-q", str(sb.repo), str(clone))
    install(sb, cwd=clone)
    ok(commit(sb, f"Fixes {issue}"))  # upstream
    fix = head(sb)
    ok(commit(sb, f"Refs {mine}", cwd=clone))  # local, not yet pushed
    ok(git(sb, "pull", "-q", "--rebase", cwd=clone))
    assert sb.git("rev-parse", "HEAD~1", cwd=clone) == fix
    assert status(sb, issue, cwd=clone) == "closed"
    assert links(sb, issue, cwd=clone) == [fix]
    assert links(sb, mine, cwd=clone) == [head(sb, cwd=clone)]
