"""`gi sync` keeps the merged store consistent (SPEC §6), seen through two real clones of one
bare remote: a claim released on one clone and renewed on the other stays one claim; dependency
edges added on both sides never close a cycle; settings changed on both sides merge key by key
at any depth, the loser on record; a `command:` merge program that does not exist is a conflict
that changes nothing."""

from __future__ import annotations

import time

from gitdaemon import Cluster, converge


def test_a_release_on_one_clone_and_a_later_claim_renewal_on_the_other(tmp_path):
    """Bob releases Alice's expired claim; Alice, on her clone, renews it later. The merge
    keeps her claim as one unit: in progress, and she is still an assignee (merged as three
    independent fields this gave `status: open` with a live claim and no assignee)."""
    cluster = Cluster(tmp_path)
    a = cluster.seed("alice")
    s = a.create("Claimed, released, renewed")
    a.ok("claim", s, "--ttl", "2s")
    a.sync()
    b = cluster.clone("bob")
    time.sleep(2.1)  # the claim has expired: anyone may release it
    released = b.ok("release", s, "--json").json
    assert released["claim"] is None and released["status"] == "open"
    assert released["assignees"] == []
    time.sleep(1.1)  # Alice's renewal is the later change
    renewed = a.ok("extend", s, "--ttl", "30m", "--json").json
    a.sync()
    r = b.gi("sync", "--json")
    assert r.code == 0, r
    assert [(c["issue"], c["field"], c["lost"]) for c in r.json["conflicts"]] == [
        (s, "claim", None)], r.json
    converge(a, b)
    got = a.show(s)
    assert got["claim"] == renewed["claim"]
    assert got["status"] == "in_progress" and got["assignees"] == ["alice"]
    assert s not in {i["id"] for i in a.ok("ready", "--json", "--limit", "0").json}


def test_a_merge_never_creates_a_dependency_cycle(tmp_path):
    """A → B added on one clone and B → A on the other (and a cycle of three): the later edge
    is dropped at merge time, on record, and the same on both clones."""
    cluster = Cluster(tmp_path)
    a = cluster.seed("alice")
    n = {k: a.create(f"Issue {k}") for k in ("A", "B", "X", "Y", "C1", "C2", "C3")}
    a.sync()
    b = cluster.clone("bob")
    a.ok("dep", "add", n["A"], n["B"])
    b.ok("dep", "add", n["X"], n["Y"])
    a.ok("dep", "add", n["C1"], n["C2"])
    a.ok("dep", "add", n["C2"], n["C3"])
    time.sleep(1.1)  # the edges below are the later ones
    b.ok("dep", "add", n["B"], n["A"])  # Bob's, merged by Bob: his own loses
    a.ok("dep", "add", n["Y"], n["X"])  # Alice's, merged by Bob: hers loses
    b.ok("dep", "add", n["C3"], n["C1"])
    a.sync()
    r = b.gi("sync", "--json")
    assert r.code == 0, r
    dropped = {(c["issue"], c["field"], tuple(c["kept"]), tuple(c["lost"]))
               for c in r.json["conflicts"]}
    assert dropped == {(n["B"], "depends_on", (), (n["A"],)),
                       (n["Y"], "depends_on", (), (n["X"],)),
                       (n["C3"], "depends_on", (), (n["C1"],))}, r.json
    converge(a, b)
    issues = a.issues()
    assert issues[n["A"]]["depends_on"] == [n["B"]] and issues[n["B"]]["depends_on"] == []
    assert issues[n["X"]]["depends_on"] == [n["Y"]] and issues[n["Y"]]["depends_on"] == []
    assert [issues[n[k]]["depends_on"] for k in ("C1", "C2", "C3")] == [[n["C2"]], [n["C3"]],
                                                                         []]
    for c in (a, b):
        doctor = c.gi("doctor", "--json")
        assert doctor.code == 0, doctor
        assert not [p for p in doctor.json["problems"] if p["kind"] == "dependency-cycle"]
    log = a.gi("log", n["B"], "--json", "--limit", "0")
    assert [e["fields"] for e in log.json if e["type"] == "merge.conflict_resolved"] == [
        {"field": "depends_on", "kept": [], "lost": [n["A"]]}], log.json
    ready = {i["id"] for i in a.ok("ready", "--json", "--limit", "0").json}
    assert {n["B"], n["Y"], n["C3"]} <= ready


def test_settings_changed_on_both_clones_merge_key_by_key_at_any_depth(tmp_path):
    cluster = Cluster(tmp_path)
    a = cluster.seed("alice")
    a.create("First")
    a.sync()
    b = cluster.clone("bob")
    a.ok("config", "set", "claims.ttl", "1h")
    a.ok("config", "set", "deep.er.x", "1")
    a.ok("config", "set", "review.mode", "strict")
    b.ok("config", "set", "claims.remote", "origin")
    b.ok("config", "set", "deep.er.y", "2")
    time.sleep(1.1)  # Bob changes the settings later
    b.ok("config", "set", "review.mode", "lenient")
    a.sync()
    r = b.gi("sync", "--json")
    assert r.code == 0, r
    record = {"issue": None, "file": "config.yaml", "field": "review.mode",
              "kept": "lenient", "lost": "strict"}
    assert r.json["conflicts"] == [record], r.json
    converge(a, b)
    for c in (a, b):
        got = {k: c.ok("config", "get", k).out.strip()
               for k in ("claims.ttl", "claims.remote", "deep.er.x", "deep.er.y", "review.mode")}
        assert got == {"claims.ttl": "1h", "claims.remote": "origin", "deep.er.x": "1",
                       "deep.er.y": "2", "review.mode": "lenient"}, (c, got)
    assert a.conflict_trailers() == [record]
    log = a.gi("log", "--json", "--limit", "0")
    assert log.code == 0, log
    resolved = [e for e in log.json if e["type"] == "merge.conflict_resolved"]
    assert [(e["issue"], e["fields"]) for e in resolved] == [
        (None, {"field": "review.mode", "kept": "lenient", "lost": "strict",
                "file": "config.yaml"})], resolved


def test_strategy_command_with_a_missing_program_exits_4_and_changes_nothing(tmp_path):
    cluster = Cluster(tmp_path)
    a = cluster.seed("alice")
    s = a.create("Shared")
    a.sync()
    b = cluster.clone("bob")
    a.ok("edit", s, "--title", "from alice")
    a.sync()
    b.ok("edit", s, "--title", "from bob")
    tip, remote_tip, before = b.tip(), cluster.remote_tip(), b.export()
    for program in ("/no/such/merge-program", "no-such-merge-program-on-path"):
        r = b.gi("sync", "--strategy", f"command:{program}", "--json")
        assert r.code == 4, r
        assert r.err_json["error"]["code"] == "conflict"
        assert program in r.err_json["error"]["message"], r.err
        r = b.gi("pull", "--strategy", f"command:{program}")
        assert r.code == 4, r
        assert program in r.err and "Traceback" not in r.err, r
    assert b.tip() == tip and cluster.remote_tip() == remote_tip
    assert b.export() == before
