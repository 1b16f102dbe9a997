"""Nothing that comes from a repository reaches git as an option (issue: core hardening §1).

A hostile `claims.remote` committed to the settings on one clone and pulled by another must not
run anything there: not on `gi sync`, not on a claim, not in a fresh clone's first command,
not in tree mode. Remote names typed on the command line are checked the same way.
"""

from __future__ import annotations

import pytest
from gitdaemon import Cluster

HOSTILE = "--upload-pack=touch {marker}; git-upload-pack"


def _commit_settings(clone, text: str) -> None:
    """Put `text` as config.yaml on the store branch with plain git plumbing (what an attacker
    with push access does; `gi config set` itself refuses such a value) and push it."""
    import subprocess

    def run(*args: str, stdin: str | None = None) -> str:
        return subprocess.run(["git", *args], cwd=clone.path, env=clone.env, input=stdin,
                              capture_output=True, text=True, check=True).stdout.strip()

    tip = run("rev-parse", "refs/heads/issue-facade")
    blob = run("hash-object", "-w", "--stdin", stdin=text)
    listing = run("ls-tree", tip)
    entries = [line for line in listing.splitlines() if not line.endswith("\tconfig.yaml")]
    entries.append(f"100644 blob {blob}\tconfig.yaml")
    tree = run("mktree", stdin="\n".join(entries) + "\n")
    commit = run("commit-tree", tree, "-p", tip, "-m", "settings")
    run("update-ref", "refs/heads/issue-facade", commit, tip)
    run("push", "-q", "origin", "refs/heads/issue-facade:refs/heads/issue-facade")


@pytest.fixture
def hostile(tmp_path):
    cluster = Cluster(tmp_path)
    alice = cluster.seed("alice")
    issue_id = alice.create("Target")
    alice.sync()
    marker = tmp_path / "pwned"
    _commit_settings(alice, "mode: branch\nprefix: gi\nlayout: 2\nclaims:\n  remote: \""
                     + HOSTILE.format(marker=marker) + "\"\n")
    return cluster, issue_id, marker


def test_a_hostile_claims_remote_in_a_pulled_config_runs_nothing(hostile):
    cluster, issue_id, marker = hostile
    bob = cluster.clone("bob")  # a fresh clone: its first command reads the pulled settings
    for args in (["sync"], ["claim", issue_id], ["claim", issue_id, "--remote"],
                 ["claim", "--next"], ["pull"], ["push"], ["release", issue_id]):
        r = bob.gi(*args, "--json", timeout=30)
        assert not marker.exists(), f"gi {' '.join(args)} ran the hostile upload-pack"
        assert r.code == 5, r
        assert "claims.remote" in r.err_json["error"]["message"], r
        assert "Traceback" not in r.err
    # reads still work, and a sync naming the remote explicitly ignores the setting
    assert bob.gi("show", issue_id).code == 0
    assert bob.gi("sync", "origin").code == 0
    assert not marker.exists()


def test_a_hostile_claims_remote_in_tree_mode_runs_nothing(sandbox, tmp_path):
    sb = sandbox
    assert sb.gi("init", "--mode", "tree").code == 0
    issue_id = sb.create("Target")
    marker = tmp_path / "pwned"
    sb.git("remote", "add", "origin", str(tmp_path / "nowhere.git"))
    cfg = sb.repo / ".issue-facade" / "config.yaml"
    cfg.write_text(cfg.read_text() + "claims:\n  remote: \"" + HOSTILE.format(marker=marker)
                   + "\"\n")
    r = sb.gi("claim", issue_id, "--json")
    assert r.code == 5, r
    assert "claims.remote" in r.err_json["error"]["message"]
    assert not marker.exists()


@pytest.mark.parametrize("value", ["--upload-pack=touch {marker}", "-oProxyCommand=touch {marker}",
                                   "--receive-pack=touch {marker}",
                                   "ext::sh -c touch% {marker}"])
def test_a_hostile_remote_on_the_command_line_is_a_usage_error(sandbox, tmp_path, value):
    sb = sandbox
    issue_id = sb.create("Target")
    marker = tmp_path / "pwned"
    remote = value.format(marker=marker)
    for args in (["sync", "--", remote], ["pull", "--", remote], ["push", "--", remote],
                 ["claim", issue_id, "--remote", remote]):
        r = sb.gi(*args, "--json", timeout=30)
        assert r.code == 2, r
        assert not marker.exists(), f"gi {' '.join(args)} ran {remote!r}"
