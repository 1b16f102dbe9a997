"""`pre-push` (SPEC §9): with `hooks.push_store` true, a `git push` takes the store branch along
to the same remote; without it, nothing happens. It never blocks the user's push (a failure is
a warning) and does not recurse (the store push runs git push again)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Sandbox
from tests.hooktools import commit, git, install, ok

STORE = "refs/heads/issue-facade"


def remote_refs(sb: Sandbox, bare: Path) -> dict[str, str]:
    out = sb.git("ls-remote", str(bare))
    return {ref: oid for oid, ref in (line.split("\t") for line in out.splitlines())}


def with_remote(sb: Sandbox, tmp_path: Path, name: str = "origin") -> Path:
    bare = tmp_path / f"{name}.git"
    sb.git("init", "-q", "--bare", str(bare))
    sb.git("remote", "add", name, str(bare))
    return bare


def test_not_configured_the_store_stays_home(sandbox: Sandbox, tmp_path: Path) -> None:
    bare = with_remote(sandbox, tmp_path)
    install(sandbox)
    sandbox.create("x")
    r = sandbox.gi("config", "set", "hooks.push_store", "sometimes")
    assert r.code == 2 and "true or false" in r.err, r
    ok(git(sandbox, "push", "-q", "origin", "main"))
    assert set(remote_refs(sandbox, bare)) == {"refs/heads/main"}


def test_configured_the_store_goes_along(sandbox: Sandbox, tmp_path: Path) -> None:
    sb = sandbox
    bare = with_remote(sb, tmp_path)
    install(sb)
    issue = sb.create("x")
    assert sb.gi("config", "set", "hooks.push_store", "true").code == 0
    ok(commit(sb, f"Refs {issue}"))
    ok(git(sb, "push", "-q", "origin", "main"))
    assert remote_refs(sb, bare) == {"refs/heads/main": sb.git("rev-parse", "main"),
                                     STORE: sb.store_tip()}
    # another clone changed the store meanwhile: the next push merges it, then pushes
    other = tmp_path / "other"
    sb.git("clone", "-q", str(bare), str(other))
    assert sb.gi("comment", issue, "from the other clone", cwd=other).code == 0
    assert sb.gi("sync", cwd=other).code == 0
    sb.create("y")
    ok(commit(sb, "more"))
    ok(git(sb, "push", "-q", "origin", "main"))
    assert remote_refs(sb, bare)[STORE] == sb.store_tip()
    assert [c["body"] for c in sb.show(issue)["comments"]] == ["from the other clone"]
    # gi sync pushes the store itself: the hook leaves that push alone (no recursion)
    sb.create("z")
    r = sb.gi("sync", "--json", timeout=120)
    assert r.code == 0 and r.json["pushed"] is True and r.err == "", r
    assert remote_refs(sb, bare)[STORE] == sb.store_tip()


def test_a_push_to_a_path_takes_the_store_there(sandbox: Sandbox, tmp_path: Path) -> None:
    """An unnamed remote: git names it to the hook by its URL (here a path)."""
    bare = tmp_path / "plain.git"
    sandbox.git("init", "-q", "--bare", str(bare))
    install(sandbox)
    sandbox.create("x")
    assert sandbox.gi("config", "set", "hooks.push_store", "true").code == 0
    ok(git(sandbox, "push", "-q", str(bare), "main"))
    assert remote_refs(sandbox, bare)[STORE] == sandbox.store_tip()


def test_a_refused_store_push_warns_and_the_push_goes_on(sandbox: Sandbox,
                                                        tmp_path: Path) -> None:
    sb = sandbox
    bare = with_remote(sb, tmp_path)
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nwhile read old new ref; do\n"
                    '  [ "$ref" = refs/heads/issue-facade ] && { echo "no store here"; exit 1; }\n'
                    "done\nexit 0\n")
    hook.chmod(0o755)
    install(sb)
    sb.create("x")
    assert sb.gi("config", "set", "hooks.push_store", "true").code == 0
    r = git(sb, "push", "-q", "origin", "main")
    assert r.returncode == 0, r
    assert "gi: warning: the store branch was not pushed along" in r.stderr, r
    assert "no store here" in r.stderr
    assert set(remote_refs(sb, bare)) == {"refs/heads/main"}
