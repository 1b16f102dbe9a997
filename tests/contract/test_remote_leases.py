"""Leases across clones (SPEC §12): with `--remote` the shared remote is the arbiter, as for
claims — 8 agents on 4 clones of a real `git daemon` race for one resource and exactly one holds
it; leases travel with `gi sync`, and leases taken on two clones without the remote resolve to
one holder when they meet, as claims do."""

from __future__ import annotations

import json

from gitdaemon import STORE_REF, Cluster, GitDaemon, finish, running, served

CLONES = 4


def _cluster(daemon: GitDaemon, tmp_path, name: str) -> tuple[Cluster, list]:
    cluster = served(daemon, tmp_path, name)
    seed = cluster.seed("alice")
    seed.create("the store exists")
    seed.sync()
    return cluster, [cluster.clone(f"clone-{k}") for k in range(CLONES)]


def _lease_commits(cluster: Cluster) -> list[str]:
    out = cluster.remote_git("log", "--no-merges", "--format=%B%x00", STORE_REF)
    return [m for m in out.split("\x00") if "Gi-Op: lease.acquire" in m]


def test_eight_agents_on_four_clones_race_exactly_one_holds_it(daemon, tmp_path):
    cluster, clones = _cluster(daemon, tmp_path, "race")
    agents = [(c, f"{c.agent}-{k}") for c in clones for k in range(2)]
    procs = [c.start("lease", "acquire", "db-migration", "--remote", "--ttl", "1h", "--json",
                     env={"GI_AGENT": agent}) for c, agent in agents]
    with running(procs):
        results = [finish(p, timeout=180) for p in procs]
    codes = [code for code, _, _ in results]
    assert sorted(codes) == [0] + [4] * 7, results
    winner = agents[codes.index(0)][1]
    assert json.loads(results[codes.index(0)][1])["holder"] == winner
    for code, out, err in results:
        if code == 4:
            assert out == ""
            error = json.loads(err.strip().splitlines()[-1])["error"]
            assert error["holder"] == winner and error["code"] == "conflict", error
    assert len(_lease_commits(cluster)) == 1
    for c in clones:  # after a sync every clone sees the one holder, and refuses the others
        c.sync()
        assert c.ok("lease", "show", "db-migration", "--json").json["holder"] == winner
    loser = next(c for c, agent in agents if agent != winner)
    r = loser.gi("lease", "acquire", "db-migration", "--json", env={"GI_AGENT": "someone"})
    assert r.code == 4 and r.err_json["error"]["holder"] == winner, r


def test_overlapping_patterns_on_four_clones_one_wins(daemon, tmp_path):
    cluster, clones = _cluster(daemon, tmp_path, "patterns")
    patterns = ["path:src/**", "path:src/auth/**", "path:**/*.py", "path:src/*/login.py"]
    procs = [c.start("lease", "acquire", p, "--remote", "--json")
             for c, p in zip(clones, patterns, strict=True)]
    with running(procs):
        results = [finish(p, timeout=180) for p in procs]
    codes = [code for code, _, _ in results]
    assert sorted(codes) == [0, 4, 4, 4], results
    clones[0].sync()
    held = clones[0].ok("lease", "list", "--json").json
    assert [x["resource"] for x in held] == [patterns[codes.index(0)]]


def test_leases_remote_setting_and_release_through_the_remote(daemon, tmp_path):
    cluster, (a, b, *_) = _cluster(daemon, tmp_path, "setting")
    a.ok("config", "set", "leases.remote", "origin")
    a.ok("sync")
    b.ok("sync")
    r = a.gi("lease", "acquire", "deploy", "--json")  # no --remote: the setting says origin
    assert r.code == 0, r
    assert len(_lease_commits(cluster)) == 1
    r = b.gi("lease", "acquire", "deploy", "--json")  # the setting came with the sync
    assert r.code == 4 and r.err_json["error"]["holder"] == "clone-0", r
    assert a.gi("lease", "release", "deploy").code == 0
    r = b.gi("lease", "acquire", "deploy", "--json")
    assert r.code == 0 and r.json["holder"] == "clone-1", r


def test_leases_travel_with_sync(daemon, tmp_path):
    cluster, (a, b, *_) = _cluster(daemon, tmp_path, "travel")
    held = a.ok("lease", "acquire", "path:docs/**", "--ttl", "1h", "--json").json
    a.sync()
    b.sync()
    assert b.ok("lease", "list", "--json").json == [held]
    r = b.gi("lease", "acquire", "path:docs/api.md", "--json")
    assert r.code == 4 and r.err_json["error"]["holder"] == "clone-0", r
    kinds = [e["type"] for e in b.ok("log", "--json").json]
    assert "lease.acquired" in kinds


def test_one_resource_leased_on_two_clones_resolves_to_one_holder(daemon, tmp_path):
    cluster, (a, b, *_) = _cluster(daemon, tmp_path, "merge")
    a.ok("lease", "acquire", "db", "--ttl", "1h")  # neither asks the remote
    b.ok("lease", "acquire", "db", "--ttl", "1h")
    a.sync()
    b.sync()  # merges a's lease with its own
    a.sync()
    holders = {c.ok("lease", "show", "db", "--json").json["holder"] for c in (a, b)}
    assert len(holders) == 1, holders
    assert a.tip() == b.tip()
    resolved = [e for e in b.ok("log", "--json").json if e["type"] == "merge.conflict_resolved"]
    assert len(resolved) == 1, resolved
    fields = resolved[0]["fields"]
    assert resolved[0]["issue"] is None and fields["file"].startswith("leases/name-")
    assert fields["kept"]["holder"] in holders
    assert {fields["kept"]["holder"], fields["lost"]["holder"]} == {"clone-0", "clone-1"}


def test_overlapping_leases_on_two_clones_resolve_to_one(daemon, tmp_path):
    cluster, (a, b, *_) = _cluster(daemon, tmp_path, "overlap")
    a.ok("lease", "acquire", "path:src/**", "--ttl", "1h")
    b.ok("lease", "acquire", "path:src/auth/**", "--ttl", "1h")
    b.ok("lease", "acquire", "path:docs/**", "--ttl", "1h")  # overlaps nothing: stays
    a.sync()
    b.sync()
    a.sync()
    for c in (a, b):
        held = c.ok("lease", "list", "--json").json
        src = [x for x in held if x["resource"] != "path:docs/**"]
        assert len(src) == 1, held
        assert "path:docs/**" in [x["resource"] for x in held]


def test_a_remote_acquire_killed_after_the_remote_took_it_holds_there(daemon, tmp_path):
    cluster, (a, b, *_) = _cluster(daemon, tmp_path, "killed")
    r = a.gi("lease", "acquire", "db", "--remote", env={"GI_TEST_DIE_AFTER_REMOTE_ACCEPT": "1"})
    assert r.code == 137, r
    # the remote's arbiter took it (the store branch has not recorded it): nobody else gets it
    r = b.gi("lease", "acquire", "db", "--remote", "--json")
    assert r.code == 4 and r.err_json["error"]["holder"] == "clone-0", r
    # the holder acquiring again takes it up (an extension) and records it
    assert a.ok("lease", "acquire", "db", "--remote", "--json").json["holder"] == "clone-0"
    assert a.ok("lease", "show", "db", "--json").json["holder"] == "clone-0"
    assert a.ok("lease", "release", "db", "--remote").code == 0
    assert b.ok("lease", "acquire", "db", "--remote", "--json").json["holder"] == "clone-1"


def test_leases_of_different_names_move_different_refs_paths_share_one(daemon, tmp_path):
    cluster, (a, b, *_) = _cluster(daemon, tmp_path, "shards")
    for k in range(6):
        a.ok("lease", "acquire", f"slot-{k}", "--remote")
    a.ok("lease", "acquire", "path:src/auth/**", "--remote")
    r = b.gi("lease", "acquire", "path:src/**/*.py", "--remote", "--json")
    assert r.code == 4 and r.err_json["error"]["lease"] == "path:src/auth/**", r
    b.ok("lease", "acquire", "path:docs/**", "--remote")
    refs = cluster.remote_git("for-each-ref", "--format=%(refname)",
                              "refs/issue-facade/arbiter/leases/").split()
    names = [r for r in refs if not r.endswith("/paths")]
    assert 1 < len(names) <= 6  # one ref a shard: names spread over several
    paths = cluster.remote_git("ls-tree", "--name-only", "-r",
                               "refs/issue-facade/arbiter/leases/paths").split()
    assert len(paths) == 2 and all(p.startswith("leases/path-") for p in paths), paths
    # the store branch records what the arbiter decided: a clone that only syncs sees it all
    c = cluster.clone("observer")
    held = {x["resource"]: x["holder"] for x in c.ok("lease", "list", "--json").json}
    assert held == {**{f"slot-{k}": "clone-0" for k in range(6)},
                    "path:src/auth/**": "clone-0", "path:docs/**": "clone-1"}, held
