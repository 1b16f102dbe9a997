"""Claims through a remote decided on sharded arbiter refs (SPEC §6, issue 15): a real
`git daemon` on 127.0.0.1, real clones, real `gi` processes started together behind a barrier.
Claims of different issues move different refs; a claim of one issue is won exactly once by
agents of several clones and of one clone; release, extension and expiry go through the
arbiter; a record someone wrote by hand is read safely; a claim made without the remote still
counts."""

from __future__ import annotations

import json
import subprocess
import time

from conftest import GI
from gitdaemon import STORE_REF, Cluster, GitDaemon, served
from racing import finish_all, start_together

ARBITER = "refs/issue-facade/arbiter/"


def _cluster(daemon: GitDaemon, tmp_path, name: str) -> Cluster:
    return served(daemon, tmp_path, name)


def _shards(cluster: Cluster) -> dict[str, str]:
    """The remote's arbiter refs: {ref: commit}."""
    out = cluster.remote_git("for-each-ref", "--format=%(refname) %(objectname)", ARBITER)
    return dict(line.split() for line in out.splitlines())


def _store_claims(cluster: Cluster, issue_id: str) -> int:
    """Claim commits for the issue on the remote's store branch."""
    out = cluster.remote_git("log", "--no-merges", "--format=%B%x00", STORE_REF)
    return sum(1 for m in out.split("\x00")
               if "Gi-Op: claim" in m.splitlines() and f"Gi-Issue: {issue_id}" in m.splitlines())


def test_claims_of_different_issues_move_different_refs(daemon, tmp_path):
    cluster = _cluster(daemon, tmp_path, "shards")
    seed = cluster.seed("alice")
    ids = [seed.create(f"Item {k}") for k in range(6)]
    seed.sync()
    a, b = cluster.clone("agent-a"), cluster.clone("agent-b")
    before = cluster.remote_tip()
    for k, issue_id in enumerate(ids):
        (a if k % 2 else b).ok("claim", issue_id, "--remote")
    shards = _shards(cluster)
    # one ref per shard touched (the shard is the first two hex digits of the id's SHA-1)
    assert all(ref.startswith(ARBITER + "claims/") for ref in shards)
    assert 1 < len(shards) <= len(ids)
    for issue_id in ids:
        records = [json.loads(cluster.remote_git("show", f"{ref}:{issue_id}.json", check=False)
                              or "null") for ref in shards]
        found = [r for r in records if r]
        assert len(found) == 1 and found[0]["issue"] == issue_id, found
        assert _store_claims(cluster, issue_id) == 1  # the store branch records each once
    assert cluster.remote_tip() != before
    # the store branch is not where it was decided: its claim commits have no arbiter parent
    seed.sync()
    assert {seed.show(i)["claim"]["agent"] for i in ids} == {"agent-a", "agent-b"}


def test_eight_agents_on_four_clones_race_for_one_issue_exactly_one_wins(daemon, tmp_path):
    cluster = _cluster(daemon, tmp_path, "race8")
    seed = cluster.seed("alice")
    targets = [seed.create("Race one"), seed.create("Race two"), seed.create("Race three")]
    seed.sync()
    clones = [cluster.clone(f"clone-{k}") for k in range(4)]
    for n, target in enumerate(targets):
        racers = [(c, f"{c.agent}-{x}") for c in clones for x in range(2)]
        procs = start_together(
            [[GI, "-C", str(c.path), "claim", target, "--remote", "--json"] for c, _ in racers],
            tmp_path, [{**c.env, "GI_AGENT": agent} for c, agent in racers],
            tmp_path / f"gate-{n}")
        results = finish_all(procs, timeout=120)
        codes = [code for code, _, _ in results]
        assert sorted(codes) == [0] + [4] * 7, results
        winner = racers[codes.index(0)][1]
        for code, _, err in results:
            if code == 4:
                assert f"claimed by {winner}" in json.loads(err.strip().splitlines()[-1])[
                    "error"]["message"]
        assert _store_claims(cluster, target) == 1
        seed.sync()
        assert seed.show(target)["claim"]["agent"] == winner


def test_release_extend_and_expiry_go_through_the_arbiter(daemon, tmp_path):
    cluster = _cluster(daemon, tmp_path, "cycle")
    seed = cluster.seed("alice")
    target = seed.create("Passed around")
    seed.sync()
    a, b = cluster.clone("agent-a"), cluster.clone("agent-b")
    a.ok("claim", target, "--remote")
    r = b.gi("extend", target, "--remote", "--ttl", "1h")
    assert r.code == 4 and "not claimed by agent-b (held by agent-a)" in r.err, r
    r = b.gi("release", target, "--remote")
    assert r.code == 4 and "claimed by agent-a, not agent-b" in r.err, r
    r = a.ok("extend", target, "--remote", "--ttl", "2h", "--json")
    expires = r.json["claim"]["expires_at"]
    r = b.gi("claim", target, "--remote", "--json")
    assert r.code == 4 and r.err_json["error"]["expires_at"] == expires, r
    a.ok("release", target, "--remote")
    assert b.ok("claim", target, "--remote", "--ttl", "2s", "--json").json["claim"][
        "agent"] == "agent-b"
    time.sleep(2.5)  # the claim has expired: it is free, at the arbiter as on the store
    r = a.ok("claim", target, "--remote", "--json")
    assert r.json["claim"]["agent"] == "agent-a"
    seed.sync()
    shown = seed.show(target)
    assert shown["claim"]["agent"] == "agent-a" and shown["assignees"] == ["agent-a"], shown


def test_claim_next_passes_over_what_the_arbiter_gives_to_others(daemon, tmp_path):
    cluster = _cluster(daemon, tmp_path, "next")
    seed = cluster.seed("alice")
    first, second = seed.create("First", "--priority", "0"), seed.create("Second")
    seed.sync()
    a, b = cluster.clone("agent-a"), cluster.clone("agent-b")
    # agent-a dies once the arbiter took its claim: only the arbiter knows, no store does
    r = a.gi("claim", first, "--remote", env={"GI_TEST_DIE_AFTER_REMOTE_ACCEPT": "1"})
    assert r.code == 137, r
    b.ok("sync")
    assert b.show(first)["claim"] is None
    r = b.gi("claim", "--next", "--remote", "--json")
    assert r.code == 0 and r.json["id"] == second, r
    r = b.gi("claim", "--next", "--remote", "--json")
    assert r.code == 3, r


def test_a_record_written_by_hand_is_ignored_not_a_crash(daemon, tmp_path):
    cluster = _cluster(daemon, tmp_path, "garbage")
    seed = cluster.seed("alice")
    target = seed.create("Over garbage")
    seed.sync()
    a = cluster.clone("agent-a")
    a.ok("claim", target, "--remote")
    a.ok("release", target, "--remote")
    (ref,) = _shards(cluster)
    # someone pushes a record that is not a record onto the shard, by hand
    a.git("fetch", "-q", "origin", f"{ref}:refs/tmp/shard")

    def plumb(*args: str, data: str | None = None) -> str:
        return subprocess.run(["git", *args], cwd=a.path, env=a.env, input=data, text=True,
                              capture_output=True, check=True).stdout.strip()

    blob = plumb("hash-object", "-w", "--stdin", data="{not json\n")
    tree = plumb("mktree", data=f"100644 blob {blob}\t{target}.json\n")
    commit = plumb("commit-tree", tree, "-p", "refs/tmp/shard", "-m", "by hand")
    a.git("push", "-q", "origin", f"{commit}:{ref}")
    r = a.gi("claim", target, "--remote", "--json")
    assert r.code == 0 and r.json["claim"]["agent"] == "agent-a", r
    record = json.loads(cluster.remote_git("show", f"{ref}:{target}.json"))
    assert record["agent"] == "agent-a"


def test_a_claim_made_without_the_remote_still_counts(daemon, tmp_path):
    cluster = _cluster(daemon, tmp_path, "mixed")
    seed = cluster.seed("alice")
    target = seed.create("Claimed the old way")
    seed.sync()
    a, b = cluster.clone("agent-a"), cluster.clone("agent-b")
    a.ok("claim", target)  # on a's store only
    a.ok("sync")
    r = b.gi("claim", target, "--remote", "--json")
    assert r.code == 4 and "claimed by agent-a" in r.err_json["error"]["message"], r
    assert not _shards(cluster)  # refused before anything was pushed
