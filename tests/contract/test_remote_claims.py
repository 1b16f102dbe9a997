"""Claims across clones (SPEC §6): the shared remote is the arbiter. A real `git daemon` with
receive-pack enabled serves a bare repository on 127.0.0.1; four clones race real `gi claim
--remote` processes for one issue, then drain a queue with `claim --next --remote`."""

from __future__ import annotations

import json
import threading
import time

from gitdaemon import STORE_REF, Cluster, GitDaemon, finish, running, served

CLONES = 4
QUEUE = 24


def _cluster(daemon: GitDaemon, tmp_path, name: str) -> Cluster:
    return served(daemon, tmp_path, name)


def _claim_commits(cluster: Cluster, issue_id: str | None = None) -> list[str]:
    """Non-merge claim commits on the remote's store branch (one per successful claim)."""
    out = cluster.remote_git("log", "--no-merges", "--format=%B%x00", STORE_REF)
    found = []
    for message in out.split("\x00"):
        lines = message.strip().splitlines()
        if "Gi-Op: claim" in lines and (issue_id is None or f"Gi-Issue: {issue_id}" in lines):
            found.append(message.strip())
    return found


def test_daemon_serves_clone_and_push(daemon, tmp_path):
    cluster = _cluster(daemon, tmp_path, "smoke")
    seed = cluster.seed("alice")
    issue_id = seed.create("Over the wire")
    r = seed.gi("sync", "--json")
    assert r.code == 0, r
    assert r.json["pushed"] is True
    fresh = cluster.clone("bob")
    # no `gi init` in a fresh clone: the remote's store is found
    assert fresh.show(issue_id)["title"] == "Over the wire"


def test_four_clones_race_for_one_issue_exactly_one_wins(daemon, tmp_path):
    cluster = _cluster(daemon, tmp_path, "race")
    seed = cluster.seed("alice")
    targets = [seed.create("Race one"), seed.create("Race two")]
    seed.sync()
    clones = [cluster.clone(f"agent-{k}") for k in range(CLONES)]
    for c in clones:  # every clone knows the issues before the race starts
        assert c.show(targets[0])["claim"] is None

    for target in targets:
        procs = [c.start("claim", target, "--remote", "--json") for c in clones]
        with running(procs):
            results = [finish(p, timeout=90) for p in procs]
        codes = [code for code, _, _ in results]
        assert sorted(codes) == [0, 4, 4, 4], results
        winner = clones[codes.index(0)].agent
        assert json.loads(results[codes.index(0)][1])["claim"]["agent"] == winner
        for (code, out, err), c in zip(results, clones, strict=True):
            if code == 4:
                assert out == ""
                error = json.loads(err.strip().splitlines()[-1])["error"]
                assert error["code"] == "conflict"
                assert winner in error["message"], (c.agent, error)
                # the arbiter decided; the loser's store learns the claim with its next sync
                c.ok("sync")
                assert c.show(target)["claim"]["agent"] == winner

        assert len(_claim_commits(cluster, target)) == 1
        seed.sync()
        shown = seed.show(target)
        assert shown["claim"]["agent"] == winner
        assert shown["status"] == "in_progress"
        assert winner in shown["assignees"]
        assert not [a for a in shown["assignees"] if a != winner], shown


def test_claims_remote_setting_makes_plain_claim_go_through_the_remote(daemon, tmp_path):
    cluster = _cluster(daemon, tmp_path, "setting")
    seed = cluster.seed("alice")
    target = seed.create("Arbitrated by the remote")
    seed.sync()
    a, b = cluster.clone("agent-a"), cluster.clone("agent-b")
    a.ok("config", "set", "claims.remote", "origin")

    r = a.gi("claim", target, "--json")  # no --remote: the setting says origin
    assert r.code == 0, r
    assert len(_claim_commits(cluster, target)) == 1
    r = b.gi("claim", target, "--remote", "--json")
    assert r.code == 4, r
    assert "agent-a" in r.err_json["error"]["message"]


def _drain(clone, results: list, deadline: float) -> None:
    while time.monotonic() < deadline:
        r = clone.gi("claim", "--next", "--remote", "--ttl", "1h", "--json", timeout=90)
        results.append((clone.agent, r))
        if r.code != 0:
            return


def test_four_clones_drain_a_queue_through_the_remote(daemon, tmp_path):
    cluster = _cluster(daemon, tmp_path, "drain")
    seed = cluster.seed("alice")
    records = "".join(json.dumps({"id": f"gi-{k:06x}", "title": f"Remote item {k}",
                                  "priority": k % 5}) + "\n" for k in range(QUEUE))
    seed.ok("import", "-", input=records)
    seed.sync()
    queue = {f"gi-{k:06x}" for k in range(QUEUE)}
    clones = [cluster.clone(f"agent-{k}") for k in range(CLONES)]

    results: list = []
    deadline = time.monotonic() + 90
    threads = [threading.Thread(target=_drain, args=(c, results, deadline)) for c in clones]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=100)
    elapsed = time.monotonic() - started
    assert not any(t.is_alive() for t in threads), "a clone is still draining"

    unexpected = [r for _, r in results if r.code not in (0, 3)]
    assert not unexpected, unexpected[:3]
    finals = {agent: r.code for agent, r in results}
    assert finals == {c.agent: 3 for c in clones}, finals
    won = [(agent, r.json["id"]) for agent, r in results if r.code == 0]
    claimed = [i for _, i in won]
    dupes = sorted({i for i in claimed if claimed.count(i) > 1})
    assert not dupes, f"claimed more than once: {dupes}"
    assert set(claimed) == queue
    print(f"{QUEUE} remote claims by {CLONES} clones in {elapsed:.1f}s "
          f"({QUEUE / elapsed:.1f} claims/s)")

    # the arbiter decided each claim; a clone's store publishes its claims with the claim
    # itself when the remote did not move meanwhile, else with its next claim or sync
    for c in clones:
        c.ok("sync")
    assert len(_claim_commits(cluster)) == QUEUE
    fresh = cluster.clone("observer")
    r = fresh.gi("claims", "--json")
    assert r.code == 0, r
    assert {i["id"]: i["claim"]["agent"] for i in r.json} == {i: a for a, i in won}
    r = fresh.gi("ready", "--json")
    assert r.code == 0 and r.json == [], r
