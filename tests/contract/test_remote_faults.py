"""Claims and sync against a real remote when things go wrong (issue: correctness of the
concurrency core #5, #6, #8, #9, #10): an issue this clone has not seen, or has not pushed, can
be claimed through the remote; a claim the remote accepted survives the death of its process; a
push the server refuses is reported at once with the server's words (exit 6, or 7 for
permission); what to push is decided from what the remote has now."""

from __future__ import annotations

import json
import subprocess

from gitdaemon import Cluster, GitDaemon, make_bare

REJECT_HOOK = ("#!/bin/sh\n"
               "echo 'GH006: Protected branch update failed for issue-facade.' >&2\nexit 1\n")


def _pair(tmp_path):
    cluster = Cluster(tmp_path)
    a = cluster.seed("alice")
    a.create("Seed")
    a.sync()
    return cluster, a, cluster.clone("bob")


def test_claim_remote_takes_an_issue_created_on_another_clone(tmp_path):
    cluster, a, b = _pair(tmp_path)
    b.ok("list")  # bob's store is as of the seed
    new = a.create("Created by alice after bob's last sync")
    a.sync()
    r = b.gi("claim", new, "--remote", "--json")
    assert r.code == 0, r
    assert r.json["claim"]["agent"] == "bob"
    a.sync()
    assert a.show(new)["claim"]["agent"] == "bob"


def test_claim_remote_carries_an_issue_created_here_and_not_yet_pushed(tmp_path):
    cluster, a, b = _pair(tmp_path)
    local = b.create("Bob's, not pushed")
    r = b.gi("claim", local, "--remote", "--json")
    assert r.code == 0, r
    a.sync()
    assert a.show(local)["claim"]["agent"] == "bob"


def test_claim_next_remote_does_not_skip_a_local_only_issue(tmp_path):
    cluster, a, b = _pair(tmp_path)
    a.ok("claim", "--next", "--remote")  # the seed issue is taken
    b.ok("sync")
    local = b.create("The only ready one, not pushed")
    r = b.gi("claim", "--next", "--remote", "--json")
    assert r.code == 0, r
    assert r.json["id"] == local


def test_a_claim_the_remote_accepted_survives_the_death_of_its_process(tmp_path):
    cluster, a, b = _pair(tmp_path)
    target = a.create("Contended")
    a.sync()
    b.ok("sync")
    r = b.gi("claim", target, "--remote", env={"GI_TEST_DIE_AFTER_REMOTE_ACCEPT": "1"})
    assert r.code == 137, r
    # the remote's arbiter holds bob's claim (the store branch has not recorded it yet)
    shards = cluster.remote_git("for-each-ref", "--format=%(refname)",
                                "refs/issue-facade/arbiter/").split()
    assert len(shards) == 1 and shards[0].startswith("refs/issue-facade/arbiter/claims/")
    record = json.loads(cluster.remote_git("show", f"{shards[0]}:{target}.json"))
    assert record["agent"] == "bob" and record["issue"] == target
    # nobody else gets it through the remote, on this clone or another
    for clone, agent in ((b, "carol"), (a, "alice")):
        r = clone.gi("claim", target, "--remote", "--json", env={"GI_AGENT": agent})
        assert r.code == 4, r
        assert "claimed by bob" in r.err_json["error"]["message"]
    # bob claiming again takes it up (an extension) and records it on both stores
    r = b.gi("claim", target, "--remote", "--json")
    assert r.code == 0 and r.json["claim"]["agent"] == "bob", r
    assert r.json["claim"]["claimed_at"] == record["claimed_at"]
    a.sync()
    assert a.show(target)["claim"]["agent"] == "bob"
    assert not list((b.path / ".git" / "issue-facade" / "pending").glob("*"))


def _hook(cluster, text: str) -> None:
    hook = cluster.remote / "hooks" / "pre-receive"
    hook.write_text(text)
    hook.chmod(0o755)


def test_a_push_the_server_refuses_is_exit_6_with_its_message_at_once(tmp_path):
    cluster, a, b = _pair(tmp_path)
    _hook(cluster, REJECT_HOOK)
    issue_id = b.create("Cannot be published")
    for args in (["sync"], ["push"], ["claim", issue_id, "--remote"]):
        r = b.gi(*args, "--json", timeout=60)
        assert r.code == 6, r
        message = r.err_json["error"]["message"]
        assert "GH006: Protected branch update failed" in message, message
    pushes = b.git("reflog", "show", "--format=%gs", "refs/remotes/origin/issue-facade",
                   check=False)
    assert "pushed" not in pushes  # nothing was taken for accepted


def test_a_push_without_permission_is_exit_7(tmp_path):
    env_cluster = Cluster(tmp_path / "plain")
    root = tmp_path / "served"
    bare = make_bare(root / "store.git", env_cluster.env)
    subprocess.run(["git", "config", "daemon.receivepack", "false"], cwd=bare, check=True)
    with GitDaemon(root, env_cluster.env) as daemon:
        # the daemon serves receive-pack for no repository: a read-only mirror
        daemon.stop()
        daemon.proc = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", f"--base-path={root}", "--export-all",
             "--listen=127.0.0.1", f"--port={daemon.port}", str(root)],
            env=env_cluster.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        cluster = Cluster(tmp_path / "c", remote=bare, url=daemon.url("store.git"))
        a = cluster.clone("alice")
        a.git("commit", "-q", "--allow-empty", "-m", "initial")
        a.create("Local")
        r = a.gi("sync", "--json", timeout=60)
        assert r.code == 7, r
        assert r.err_json["error"]["code"] == "auth"


def test_exit_7_does_not_depend_on_digits_in_a_path(sandbox, tmp_path):
    sb = sandbox
    sb.create("Local")
    sb.git("remote", "add", "origin", str(tmp_path / "4013" / "403" / "nothing.git"))
    r = sb.gi("sync", "--json", timeout=30)
    assert r.code == 6, r
    assert r.err_json["error"]["code"] == "remote"


def test_sync_publishes_to_a_new_empty_remote_after_set_url(tmp_path):
    cluster, a, b = _pair(tmp_path)
    fresh = make_bare(tmp_path / "moved.git", cluster.env)
    a.git("remote", "set-url", "origin", str(fresh))
    r = a.gi("sync", "--json")
    assert r.code == 0 and r.json["pushed"] is True, r
    c = Cluster(tmp_path / "after", remote=fresh).clone("carol")
    assert [i["title"] for i in c.gi("list", "--json").json] == ["Seed"]


def test_sync_publishes_again_after_the_remote_branch_was_deleted(tmp_path):
    cluster, a, b = _pair(tmp_path)
    cluster.remote_git("update-ref", "-d", "refs/heads/issue-facade")
    r = a.gi("sync", "--json")
    assert r.code == 0 and r.json["pushed"] is True, r
    assert cluster.remote_tip() == a.tip()


def test_push_with_the_remote_ahead_is_exit_4_and_changes_nothing_here(tmp_path):
    cluster, a, b = _pair(tmp_path)
    a.create("Pushed by alice")
    a.sync()
    b.create("Bob's")
    before = b.tip()
    r = b.gi("push", "--json")
    assert r.code == 4, r
    assert "gi sync" in r.err_json["error"]["message"]
    assert b.tip() == before
    assert b.gi("sync").code == 0
    assert b.gi("push", "--json").json["pushed"] is False
