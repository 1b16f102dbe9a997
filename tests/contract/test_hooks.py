"""`gi hooks` (SPEC §9): installed into real repositories, run by real `git commit`s with a
minimal PATH, as a user's commits would run them."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from tests.conftest import Sandbox

MINIMAL = {"PATH": "/usr/bin:/bin", "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@x.invalid",
           "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@x.invalid"}
USER_HOOK = '#!/bin/sh\necho "user hook ran: $1" >> "{log}"\nexit {code}\n'


def commit(sb: Sandbox, message: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`git commit` as a user types it, with only /usr/bin:/bin on PATH."""
    return subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", message],
                          cwd=cwd or sb.repo, env={**sb.env, **MINIMAL}, capture_output=True,
                          text=True, timeout=60)


def user_hook(path: Path, log: Path, code: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(USER_HOOK.format(log=log, code=code))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def installed(sb: Sandbox, *args: str) -> dict:
    r = sb.gi("hooks", "install", "--json", *args)
    assert r.code == 0, r
    return r.json


def test_install_status_uninstall_idempotent(sandbox: Sandbox) -> None:
    hooks = sandbox.repo / ".git" / "hooks"
    assert sandbox.gi("hooks", "status", "--json").json["installed"] is False
    first = installed(sandbox)
    assert first["hooks_dir"] == str(hooks) and set(first["installed"]) == {
        "pre-commit", "commit-msg", "post-commit"}
    text = (hooks / "commit-msg").read_text()
    assert installed(sandbox)["chained"] == []  # again: same files, nothing moved aside
    assert (hooks / "commit-msg").read_text() == text
    assert not list(hooks.glob("*.gi-chained"))
    assert f"'{sandbox.gi_path}' hooks run" in text  # gi by absolute path
    status = sandbox.gi("hooks", "status", "--json").json
    assert status["installed"] is True
    assert {h["state"] for h in status["hooks"].values()} == {"installed"}
    r = sandbox.gi("hooks", "uninstall")
    assert r.code == 0 and "removed pre-commit, commit-msg, post-commit" in r.out, r
    assert not (hooks / "commit-msg").exists() and not (hooks / "post-commit").exists()
    assert not (hooks / "pre-commit").exists()
    assert sandbox.gi("hooks", "status", "--json").json["hooks"]["commit-msg"] == {
        "state": "missing", "chained": False}


def test_no_store_the_hooks_stay_silent(sandbox: Sandbox) -> None:
    installed(sandbox)
    r = commit(sandbox, "Fixes gi-1234 and refs #42")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert sandbox.store_tip() is None  # no store was made by a hook


def test_fixes_links_the_commit(sandbox: Sandbox) -> None:
    installed(sandbox)
    a, b = sandbox.create("first"), sandbox.create("second")
    r = commit(sandbox, f"Repair the parser\n\nFixes {a[:7]}, refs: {b}")
    assert r.returncode == 0 and r.stderr == "", r
    head = sandbox.git("rev-parse", "HEAD")
    assert sandbox.show(a)["links"]["commits"] == [head]
    assert sandbox.show(b)["links"]["commits"] == [head]
    events = [e for e in sandbox.gi("log", "--json").json if e["type"] == "commit.linked"]
    assert {(e["issue"], e["fields"]["commit"]) for e in events} == {(a, head), (b, head)}
    assert len({e["id"].split(":")[0] for e in events}) == 1  # one store change


def test_unknown_reference_warns_and_the_commit_succeeds(sandbox: Sandbox) -> None:
    installed(sandbox)
    known = sandbox.create("known")
    before = sandbox.store_commits()
    r = commit(sandbox, f"CLOSES gi-ffff9 and {known}")
    assert r.returncode == 0, r
    assert "gi-ffff9" in r.stderr and "warning" in r.stderr and known not in r.stderr
    assert sandbox.show(known)["links"]["commits"] == [sandbox.git("rev-parse", "HEAD")]
    r = commit(sandbox, "Fixes #42")  # no bridge maps #42
    assert r.returncode == 0 and "#42" in r.stderr, r
    assert sandbox.store_commits() == before + 1


def test_no_reference_no_change(sandbox: Sandbox) -> None:
    installed(sandbox)
    issue = sandbox.create("x")
    before = sandbox.store_commits()
    r = commit(sandbox, f"mention {issue} without a verb; fixes nothing")
    assert (r.returncode, r.stderr) == (0, "")
    assert sandbox.store_commits() == before


def test_a_user_hook_is_chained_and_restored(sandbox: Sandbox, tmp_path: Path) -> None:
    hooks = sandbox.repo / ".git" / "hooks"
    log = tmp_path / "user.log"
    user_hook(hooks / "commit-msg", log)
    original = (hooks / "commit-msg").read_text()
    assert installed(sandbox)["chained"] == ["commit-msg"]
    assert installed(sandbox)["chained"] == ["commit-msg"]  # idempotent with a kept hook
    assert sandbox.gi("hooks", "status", "--json").json["hooks"]["commit-msg"] == {
        "state": "installed", "chained": True}
    issue = sandbox.create("x")
    assert commit(sandbox, f"Refs {issue}").returncode == 0
    assert log.read_text().count("user hook ran: .git/COMMIT_EDITMSG") == 1
    assert sandbox.show(issue)["links"]["commits"] == [sandbox.git("rev-parse", "HEAD")]
    user_hook(hooks / "commit-msg.gi-chained", log, code=3)  # the user's hook now refuses
    head = sandbox.git("rev-parse", "HEAD")
    r = commit(sandbox, f"Refs {issue}")
    assert r.returncode != 0 and sandbox.git("rev-parse", "HEAD") == head, r
    r = sandbox.gi("hooks", "uninstall", "--json")
    assert r.json["restored"] == ["commit-msg"]
    assert "user hook ran" in (hooks / "commit-msg").read_text()
    assert not (hooks / "commit-msg.gi-chained").exists()
    assert original.replace("exit 0", "exit 3") == (hooks / "commit-msg").read_text()


def test_core_hooks_path_relative_to_the_top(sandbox: Sandbox) -> None:
    sandbox.git("config", "core.hooksPath", "githooks")
    sub = sandbox.repo / "src"
    sub.mkdir()
    r = sandbox.gi("hooks", "install", "--json", cwd=sub)
    assert r.code == 0 and r.json["hooks_dir"] == str(sandbox.repo / "githooks"), r
    assert not (sandbox.repo / ".git" / "hooks" / "commit-msg").exists()
    issue = sandbox.create("x")
    assert commit(sandbox, f"fixes {issue}", cwd=sub).returncode == 0
    assert sandbox.show(issue)["links"]["commits"] == [sandbox.git("rev-parse", "HEAD")]


def test_linked_worktree(sandbox: Sandbox, tmp_path: Path) -> None:
    wt = tmp_path / "wt"
    sandbox.git("worktree", "add", "-q", "-b", "side", str(wt))
    issue = sandbox.create("x")
    r = sandbox.gi("hooks", "install", "--json", cwd=wt)
    assert r.code == 0 and r.json["hooks_dir"] == str(sandbox.repo / ".git" / "hooks"), r
    assert commit(sandbox, f"Resolves {issue}", cwd=wt).returncode == 0
    head = sandbox.git("rev-parse", "HEAD", cwd=wt)
    assert sandbox.show(issue)["links"]["commits"] == [head]
    assert commit(sandbox, f"Refs {issue}").returncode == 0  # the main worktree too
    assert sandbox.show(issue)["links"]["commits"] == [head, sandbox.git("rev-parse", "HEAD")]


def test_hooks_run_is_silent_on_a_repository_without_hooks_args(sandbox: Sandbox) -> None:
    r = sandbox.gi("hooks", "run", "commit-msg", os.devnull)
    assert (r.code, r.out, r.err) == (0, "", "")
