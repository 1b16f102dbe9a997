"""The pre-commit lease guard (SPEC §12): installed by `gi hooks install` next to a hook the user
already had (which still runs first), it refuses a real `git commit` that changes a path leased
by another agent, naming the lease and its holder; `git commit --no-verify` still commits; the
holder's own commits, other paths and released leases pass. `gi lease check` is the same check
by hand."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

MINIMAL = {"PATH": "/usr/bin:/bin", "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@x.invalid",
           "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@x.invalid"}
USER_HOOK = '#!/bin/sh\necho "user pre-commit ran" >> "{log}"\nexit {code}\n'


def commit(sb, agent: str, *args: str) -> subprocess.CompletedProcess:
    """`git commit` as an agent types it, with only /usr/bin:/bin on PATH."""
    return subprocess.run(["git", "commit", "-q", "-m", f"work of {agent}", *args],
                          cwd=sb.repo, env={**sb.env, **MINIMAL, "GI_AGENT": agent},
                          capture_output=True, text=True, timeout=60)


def stage(sb, path: str, text: str = "x\n") -> None:
    f = sb.repo / path
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(text)
    sb.git("add", "--", path)


@pytest.fixture
def guarded(sandbox):
    """A repository whose user had a pre-commit hook before `gi hooks install`."""
    log = sandbox.base / "user-hook.log"
    hook = sandbox.repo / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text(USER_HOOK.format(log=log, code=0))
    hook.chmod(0o755)
    r = sandbox.gi("hooks", "install", "--json")
    assert r.code == 0, r
    assert "pre-commit" in r.json["installed"] and r.json["chained"] == ["pre-commit"], r.json
    return sandbox, log


def test_a_commit_touching_a_path_leased_by_another_agent_is_refused(guarded):
    sb, log = guarded
    held = sb.gi("lease", "acquire", "path:src/auth/**", "--ttl", "1h", "--json",
                 env={"GI_AGENT": "alice"}).json
    head = sb.git("rev-parse", "HEAD")
    stage(sb, "src/auth/login.py")
    stage(sb, "docs/notes.md")
    r = commit(sb, "bob")
    assert r.returncode != 0, r
    assert "src/auth/login.py" in r.stderr and "path:src/auth/**" in r.stderr, r.stderr
    assert "alice" in r.stderr and held["expires_at"] in r.stderr, r.stderr
    assert "docs/notes.md" not in r.stderr
    assert "--no-verify" in r.stderr
    assert sb.git("rev-parse", "HEAD") == head
    assert log.read_text().count("user pre-commit ran") == 1  # the user's hook ran first

    # --no-verify commits, as git users expect
    r = commit(sb, "bob", "--no-verify")
    assert r.returncode == 0, r
    assert sb.git("rev-parse", "HEAD") != head
    assert log.read_text().count("user pre-commit ran") == 1  # git skipped every hook


def test_the_holder_other_paths_and_released_leases_pass(guarded):
    sb, log = guarded
    assert sb.gi("lease", "acquire", "path:src/auth/**", env={"GI_AGENT": "alice"}).code == 0
    stage(sb, "src/billing/pay.py")
    assert commit(sb, "bob").returncode == 0  # a path nobody leased
    stage(sb, "src/auth/login.py")
    r = commit(sb, "alice")  # the holder herself
    assert r.returncode == 0, r
    stage(sb, "src/auth/login.py", "changed\n")
    assert commit(sb, "bob").returncode != 0
    assert sb.gi("lease", "release", "path:src/auth/**", env={"GI_AGENT": "alice"}).code == 0
    r = commit(sb, "bob")
    assert r.returncode == 0, r
    assert log.read_text().count("user pre-commit ran") == 4


def test_moving_a_file_out_of_a_leased_folder_touches_it(guarded):
    sb, _ = guarded
    stage(sb, "src/auth/old.py")
    assert commit(sb, "alice").returncode == 0
    assert sb.gi("lease", "acquire", "path:src/auth/*.py", env={"GI_AGENT": "alice"}).code == 0
    sb.git("mv", "src/auth/old.py", "src/new.py")
    r = commit(sb, "bob")
    assert r.returncode != 0 and "src/auth/old.py" in r.stderr, r


def test_a_name_lease_or_an_expired_one_blocks_nothing(guarded):
    sb, _ = guarded
    assert sb.gi("lease", "acquire", "src/auth", env={"GI_AGENT": "alice"}).code == 0
    assert sb.gi("lease", "acquire", "path:src/**", "--ttl", "1s",
                 env={"GI_AGENT": "alice"}).code == 0
    import time

    time.sleep(2.1)
    stage(sb, "src/auth/login.py")
    r = commit(sb, "bob")
    assert r.returncode == 0, r


def test_the_users_own_hook_still_refuses(guarded):
    sb, log = guarded
    hook = sb.repo / ".git" / "hooks" / "pre-commit.gi-chained"
    hook.write_text(USER_HOOK.format(log=log, code=3))
    stage(sb, "a.txt")
    r = commit(sb, "bob")
    assert r.returncode != 0, r
    assert "user pre-commit ran" in log.read_text()


def test_lease_check_by_hand(sandbox):
    sb = sandbox
    held = sb.gi("lease", "acquire", "path:src/**", "--json", env={"GI_AGENT": "alice"}).json
    r = sb.gi("lease", "check", "src/a.py", "docs/b.md", "--json", env={"GI_AGENT": "bob"})
    assert r.code == 4, r
    err = r.err_json["error"]
    assert err["path"] == "src/a.py" and err["holder"] == "alice"
    assert err["lease"] == "path:src/**" and err["expires_at"] == held["expires_at"]
    assert err["blocked"] == [{"path": "src/a.py", **held}]
    r = sb.gi("lease", "check", "docs/b.md", "--json", env={"GI_AGENT": "bob"})
    assert r.code == 0 and r.json == [], r
    r = sb.gi("lease", "check", "src/a.py", "--json", env={"GI_AGENT": "alice"})
    assert r.code == 0 and r.json == [], r


def test_tree_mode_leases_are_guarded_too(sandbox):
    sb = sandbox
    assert sb.gi("init", "--mode", "tree").code == 0
    assert sb.gi("hooks", "install").code == 0
    assert sb.gi("lease", "acquire", "path:src/**", env={"GI_AGENT": "alice"}).code == 0
    assert list((sb.repo / ".issue-facade" / "leases").iterdir())
    stage(sb, "src/a.py")
    r = commit(sb, "bob")
    assert r.returncode != 0 and "alice" in r.stderr, r


def test_uninstall_puts_the_users_hook_back(guarded):
    sb, _ = guarded
    r = sb.gi("hooks", "uninstall", "--json")
    assert r.code == 0 and "pre-commit" in r.json["restored"], r
    text = Path(sb.repo / ".git" / "hooks" / "pre-commit").read_text()
    assert "user pre-commit ran" in text
