"""`gi hooks` (SPEC §9): installed into real repositories, run by real `git commit`s with a
minimal PATH, as a user's commits would run them; a user's own hooks kept, run first and put
back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import Sandbox
from tests.hooktools import commit, git, head, install, links, ok, user_hook

HOOKS = ["pre-commit", "commit-msg", "post-commit", "post-merge", "post-rewrite", "pre-push"]


def test_install_status_uninstall_idempotent(sandbox: Sandbox) -> None:
    hooks = sandbox.repo / ".git" / "hooks"
    assert sandbox.gi("hooks", "status", "--json").json["installed"] is False
    first = install(sandbox)
    assert first["hooks_dir"] == str(hooks) and first["installed"] == HOOKS
    texts = {name: (hooks / name).read_bytes() for name in HOOKS}
    assert install(sandbox)["chained"] == []  # again: same files, nothing moved aside
    assert {name: (hooks / name).read_bytes() for name in HOOKS} == texts
    assert not list(hooks.glob("*.gi-chained"))
    for name in HOOKS:  # gi by its absolute path (commit-msg only chains: post-commit checks)
        call = "lease check --staged" if name == "pre-commit" else f"hooks run {name}"
        assert (name == "commit-msg") != (
            f"'{sandbox.gi_path}' {call}".encode() in texts[name])
        assert os.access(hooks / name, os.X_OK)
    status = sandbox.gi("hooks", "status", "--json").json
    assert status["installed"] is True
    assert {h["state"] for h in status["hooks"].values()} == {"installed"}
    r = sandbox.gi("hooks", "uninstall")
    assert r.code == 0 and f"removed {', '.join(HOOKS)}" in r.out, r
    assert not any((hooks / name).exists() for name in HOOKS)
    assert sandbox.gi("hooks", "status", "--json").json["hooks"]["commit-msg"] == {
        "state": "missing", "chained": False}


def test_uninstall_restores_the_users_hooks_byte_for_byte(sandbox: Sandbox,
                                                         tmp_path: Path) -> None:
    hooks = sandbox.repo / ".git" / "hooks"
    log = tmp_path / "user.log"
    before = {}
    for n, name in enumerate(HOOKS):
        user_hook(hooks / name, log)
        (hooks / name).write_bytes((hooks / name).read_bytes() + b"# \xff not utf-8 %d\n" % n)
        (hooks / name).chmod(0o750 + n % 2 * 0o5)
        before[name] = ((hooks / name).read_bytes(), (hooks / name).stat().st_mode)
    assert install(sandbox)["chained"] == HOOKS
    assert install(sandbox)["chained"] == HOOKS  # idempotent with kept hooks
    assert sandbox.gi("hooks", "status", "--json").json["hooks"]["post-rewrite"] == {
        "state": "installed", "chained": True}
    r = sandbox.gi("hooks", "uninstall", "--json")
    assert r.code == 0 and r.json["restored"] == HOOKS, r
    assert {name: ((hooks / name).read_bytes(), (hooks / name).stat().st_mode)
            for name in HOOKS} == before
    assert not list(hooks.glob("*.gi-chained"))


def test_no_store_every_hook_stays_silent(sandbox: Sandbox, tmp_path: Path) -> None:
    install(sandbox)
    sb = sandbox
    bare = tmp_path / "remote.git"
    sb.git("init", "-q", "--bare", str(bare))
    sb.git("remote", "add", "origin", str(bare))
    steps = [("commit", "-q", "--allow-empty", "-m", "Fixes gi-1234 and refs #42"),
             ("commit", "-q", "--amend", "--allow-empty", "-m", "Closes gi-1234"),
             ("checkout", "-q", "-b", "side"),
             ("commit", "-q", "--allow-empty", "-m", "Resolves gi-1234"),
             ("checkout", "-q", "main"), ("commit", "-q", "--allow-empty", "-m", "Refs #1"),
             ("checkout", "-q", "side"), ("rebase", "-q", "main"), ("checkout", "-q", "main"),
             ("merge", "-q", "--no-edit", "side"), ("push", "-q", "origin", "main")]
    for step in steps:
        r = git(sb, *step)
        assert (r.returncode, r.stdout, r.stderr) == (0, "", ""), (step, r)
    assert sb.store_tip() is None  # no store was made by a hook
    assert not (sb.repo / ".git" / "issue-facade" / "index-branch.sqlite").exists()


def test_fixes_links_the_commit(sandbox: Sandbox) -> None:
    install(sandbox)
    sandbox.git("checkout", "-q", "-b", "feature")  # not the default branch: nothing closes
    a, b = sandbox.create("first"), sandbox.create("second")
    ok(commit(sandbox, f"Repair the parser\n\nFixes {a[:7]}, refs: {b}"))
    assert links(sandbox, a) == links(sandbox, b) == [head(sandbox)]
    assert sandbox.show(a)["status"] == "open"
    events = [e for e in sandbox.gi("log", "--json").json if e["type"] == "commit.linked"]
    assert {(e["issue"], e["fields"]["commit"]) for e in events} == {
        (a, head(sandbox)), (b, head(sandbox))}
    assert len({e["id"].split(":")[0] for e in events}) == 1  # one store change


def test_unknown_reference_warns_and_the_commit_succeeds(sandbox: Sandbox) -> None:
    install(sandbox)
    known = sandbox.create("known")
    before = sandbox.store_commits()
    r = commit(sandbox, f"CLOSES gi-ffff9 and {known}")
    assert r.returncode == 0, r
    assert "gi-ffff9" in r.stderr and "warning" in r.stderr and known not in r.stderr
    assert links(sandbox, known) == [head(sandbox)]
    r = commit(sandbox, "Fixes #42")  # no bridge maps #42
    assert r.returncode == 0 and "#42" in r.stderr and "warning" in r.stderr, r
    assert sandbox.store_commits() == before + 1


def test_no_reference_no_change(sandbox: Sandbox) -> None:
    install(sandbox)
    issue = sandbox.create("x")
    before = sandbox.store_commits()
    r = commit(sandbox, f"mention {issue} without a verb; fixes nothing")
    assert (r.returncode, r.stderr) == (0, "")
    assert sandbox.store_commits() == before


def test_the_users_hooks_are_chained_and_run_first(sandbox: Sandbox, tmp_path: Path) -> None:
    hooks = sandbox.repo / ".git" / "hooks"
    log = tmp_path / "user.log"
    for name in HOOKS:
        user_hook(hooks / name, log)
    install(sandbox)
    issue = sandbox.create("x")
    ok(commit(sandbox, f"Refs {issue}"))
    first = head(sandbox)
    # pre-commit, commit-msg, post-commit: each user hook ran once, before ours
    assert log.read_text().splitlines() == [
        "user hook ran: ", "user hook ran: .git/COMMIT_EDITMSG", "user hook ran: "]
    assert links(sandbox, issue) == [first]
    ok(git(sandbox, "commit", "-q", "--amend", "--allow-empty", "-m", f"Refs {issue} again"))
    last = log.read_text().splitlines()[-1]
    assert last == f"user hook ran: amend stdin: {first} {head(sandbox)}"
    assert links(sandbox, issue) == [head(sandbox)]
    user_hook(hooks / "commit-msg.gi-chained", log, code=3)  # the user's hook now refuses
    before = head(sandbox)
    r = commit(sandbox, f"Refs {issue}")
    assert r.returncode != 0 and head(sandbox) == before, r
    assert links(sandbox, issue) == [before]


def test_a_failing_user_pre_push_still_stops_the_push(sandbox: Sandbox, tmp_path: Path) -> None:
    bare = tmp_path / "remote.git"
    sandbox.git("init", "-q", "--bare", str(bare))
    sandbox.git("remote", "add", "origin", str(bare))
    user_hook(sandbox.repo / ".git" / "hooks" / "pre-push", tmp_path / "user.log", code=1)
    install(sandbox)
    sandbox.create("x")
    assert sandbox.gi("config", "set", "hooks.push_store", "true").code == 0
    r = git(sandbox, "push", "-q", "origin", "main")
    assert r.returncode != 0, r
    assert "user hook ran: origin stdin: refs/heads/main " in (tmp_path / "user.log").read_text()
    assert sandbox.git("ls-remote", str(bare)) == ""  # neither main nor the store went


def test_core_hooks_path_relative_to_the_top(sandbox: Sandbox) -> None:
    sandbox.git("config", "core.hooksPath", "githooks")
    sub = sandbox.repo / "src"
    sub.mkdir()
    r = sandbox.gi("hooks", "install", "--json", cwd=sub)
    assert r.code == 0 and r.json["hooks_dir"] == str(sandbox.repo / "githooks"), r
    assert not (sandbox.repo / ".git" / "hooks" / "commit-msg").exists()
    issue = sandbox.create("x")
    ok(commit(sandbox, f"fixes {issue}", cwd=sub))
    assert links(sandbox, issue) == [head(sandbox)]
    assert sandbox.show(issue)["status"] == "closed"  # on main, the default branch
    ok(git(sandbox, "commit", "-q", "--amend", "--allow-empty", "-m", f"fixes {issue}", cwd=sub))
    assert links(sandbox, issue) == [head(sandbox)]


def test_linked_worktree(sandbox: Sandbox, tmp_path: Path) -> None:
    wt = tmp_path / "wt"
    sandbox.git("worktree", "add", "-q", "-b", "side", str(wt))
    issue = sandbox.create("x")
    r = sandbox.gi("hooks", "install", "--json", cwd=wt)
    assert r.code == 0 and r.json["hooks_dir"] == str(sandbox.repo / ".git" / "hooks"), r
    ok(commit(sandbox, f"Resolves {issue}", cwd=wt))
    side = head(sandbox, cwd=wt)
    assert links(sandbox, issue) == [side] and sandbox.show(issue)["status"] == "open"
    ok(git(sandbox, "commit", "-q", "--amend", "--allow-empty", "-m", f"Resolves {issue}",
           cwd=wt))  # ORIG_HEAD and the reflog of the worktree, not of the main one
    side = head(sandbox, cwd=wt)
    assert links(sandbox, issue) == [side]
    ok(git(sandbox, "merge", "-q", "--no-edit", "side"))  # the main worktree, on main
    assert links(sandbox, issue) == [side] and sandbox.show(issue)["status"] == "closed"


def test_a_bare_environment_still_finds_gi(sandbox: Sandbox) -> None:
    """`env -i`: nothing but HOME and a minimal PATH, as some GUIs and CI runners run git."""
    install(sandbox)
    issue = sandbox.create("x")
    home = sandbox.env["HOME"]
    r = subprocess.run(["env", "-i", f"HOME={home}", "PATH=/usr/bin:/bin", "git", "commit",
                        "-q", "--allow-empty", "-m", f"Fixes {issue}"], cwd=sandbox.repo,
                       capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stderr) == (0, ""), r
    assert links(sandbox, issue) == [head(sandbox)]
    assert sandbox.show(issue)["status"] == "closed"


def test_hooks_run_is_silent_without_a_store_or_arguments(sandbox: Sandbox) -> None:
    for args in (("commit-msg", os.devnull), ("commit-msg",), ("post-commit",),
                 ("post-merge", "0"), ("post-rewrite", "amend"), ("pre-push", "origin")):
        r = sandbox.gi("hooks", "run", *args, input="")
        assert (r.code, r.out, r.err) == (0, "", ""), r
    sandbox.create("x")
    r = sandbox.gi("hooks", "run", "post-rewrite", "rebase", input="not a pair\n")
    assert (r.code, r.out, r.err) == (0, "", ""), r
    r = sandbox.gi("hooks", "run", "post-nothing")
    assert r.code == 2, r


def test_tree_mode_links_in_the_working_tree(sandbox: Sandbox) -> None:
    """A tree store: the hooks write its files; with `commit: true` gi commits them, and the
    hooks that commit runs leave it alone (no loop, no second link)."""
    sb = sandbox
    assert sb.gi("init", "--mode", "tree").code == 0
    issue = sb.create("x", "--commit")
    sb.git("add", "-A")
    sb.git("commit", "-q", "-m", "the store")
    install(sb)
    ok(commit(sb, f"Refs {issue}"))
    linked = head(sb)
    assert links(sb, issue) == [linked]
    assert sb.git("status", "--porcelain").endswith(".yaml")  # the issue file, changed
    assert sb.gi("config", "set", "commit", "true").code == 0
    sb.git("commit", "-q", "-am", "settings")
    ok(commit(sb, f"Fixes {issue}"))
    fix = sb.git("rev-parse", "HEAD~1")
    subject = sb.git("log", "-1", "--format=%s")
    assert subject == f"commit.close {issue}: link 1 commit; close {issue}"
    assert links(sb, issue) == [linked, fix] and sb.show(issue)["status"] == "closed"
    assert sb.git("status", "--porcelain") == ""


def test_run_as_python_m_the_hooks_never_import_from_the_repository(sandbox: Sandbox,
                                                                     tmp_path: Path) -> None:
    """Installed by `python -m gitissues`, the hooks run that interpreter; git runs them at the
    top of the work tree, where a `gitissues/` folder of the repository's must not be imported."""
    sb = sandbox
    r = subprocess.run([sys.executable, "-m", "gitissues", "hooks", "install"], cwd=sb.repo,
                       env=sb.env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r
    text = (sb.repo / ".git" / "hooks" / "post-commit").read_text()
    assert f"'{sys.executable}' '-P' '-m' 'gitissues' hooks run post-commit" in text
    marker = tmp_path / "ran"
    (sb.repo / "gitissues").mkdir()
    (sb.repo / "gitissues" / "__init__.py").write_text(f"open({str(marker)!r}, 'w')\n")
    issue = sb.create("x")
    ok(commit(sb, f"Refs {issue}"))
    assert links(sb, issue) == [head(sb)] and not marker.exists()
