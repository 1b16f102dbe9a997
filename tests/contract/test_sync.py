"""`gi sync` between clones of one bare remote (SPEC §3 sync/pull/push, §6 merge rules, §4 exit
codes): every merge rule seen from two real clones, the merge strategies, and faults (an unknown
or unreachable remote, a push rejected mid-sync, a sync killed halfway)."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import sys
import time

import pytest
from conftest import GI, isolated_env
from gitdaemon import Clone, Cluster, GitDaemon, converge, finish, make_bare, running

BODY5 = "line one\nline two\nline three\nline four\nline five\n"
BODY3 = "alpha\nbeta\ngamma\n"


def _conflicts_for(clone: Clone, issue_id: str) -> list[dict]:
    return [c for c in clone.conflict_trailers() if c.get("issue") == issue_id]


# --- every merge rule, from one two-clone scenario ---------------------------------------------


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """Alice and Bob change a shared store concurrently (older edits, a pause, newer edits),
    then sync A, B, A, B. Returns the clones and the ids of the issues each rule is seen on."""
    cluster = Cluster(tmp_path_factory.mktemp("sync-scenario"))
    a = cluster.seed("alice")
    ids: dict[str, str] = {}
    ids["one"] = a.create("One-sided", "--priority", "2")
    ids["P"] = a.create("Both sides, Bob later")
    ids["Q"] = a.create("Both sides, Alice later", "--priority", "2")
    for k in range(1, 5):
        ids[f"D{k}"] = a.create(f"Dependency {k}")
    ids["sets"] = a.create("Sets", "--label", "keep", "--label", "drop-a", "--label", "drop-b",
                           "--label", "both-drop", "--assignee", "x", "--assignee", "y",
                           "--depends-on", ids["D1"], "--depends-on", ids["D2"])
    ids["C1"] = a.create("Comments, Alice first")
    ids["C2"] = a.create("Comments, Bob first")
    ids["body_ok"] = a.create("Body, distinct lines", "--body", BODY5)
    ids["body_clash"] = a.create("Body, same line", "--body", BODY3)
    ids["close"] = a.create("Closed by Bob, labelled by Alice")
    a.sync()
    b = cluster.clone("bob")

    # older edits
    a.ok("edit", ids["one"], "--title", "Title from Alice", "--milestone", "M1")
    b.ok("edit", ids["one"], "--priority", "0", "--type", "bug")
    a.ok("edit", ids["P"], "--title", "P by Alice (older)")
    b.ok("edit", ids["Q"], "--priority", "4")
    a.ok("edit", ids["sets"], "--add-label", "a-new", "--remove-label", "drop-a",
         "--remove-label", "both-drop", "--add-label", "shared", "--assign", "alice",
         "--unassign", "x")
    b.ok("edit", ids["sets"], "--add-label", "b-new", "--remove-label", "drop-b",
         "--remove-label", "both-drop", "--add-label", "shared", "--assign", "bob")
    a.ok("dep", "rm", ids["sets"], ids["D1"])
    a.ok("dep", "add", ids["sets"], ids["D3"])
    b.ok("dep", "add", ids["sets"], ids["D4"])
    a.ok("comment", ids["C1"], "alice early")
    b.ok("comment", ids["C2"], "bob early")
    a.ok("edit", ids["body_ok"], "--body", BODY5.replace("line one", "line ONE by alice"))
    b.ok("edit", ids["body_ok"], "--body", BODY5.replace("line five", "line FIVE by bob"))
    a.ok("edit", ids["body_clash"], "--body", BODY3.replace("beta", "beta by alice"))
    a.ok("edit", ids["close"], "--add-label", "from-alice")
    b.ok("close", ids["close"])
    ids["new_a"] = a.create("Created by Alice")
    ids["new_b1"] = b.create("Created by Bob")
    ids["new_b2"] = b.create("Also created by Bob")

    time.sleep(1.1)  # `updated` has second resolution
    # newer edits
    b.ok("edit", ids["P"], "--title", "P by Bob (newer)")
    a.ok("edit", ids["Q"], "--priority", "0")
    b.ok("comment", ids["C1"], "bob late")
    a.ok("comment", ids["C2"], "alice late")
    b.ok("edit", ids["body_clash"], "--body", BODY3.replace("beta", "beta by bob"))

    first = a.gi("sync", "--json")
    assert first.code == 0, first
    assert first.json["pushed"] is True
    merged = b.gi("sync", "--json")  # Bob merges: a merge commit, pushed
    assert merged.code == 0, merged
    exported = converge(a, b)
    return {"a": a, "b": b, "ids": ids, "merge": merged.json, "export": exported,
            "cluster": cluster}


def _both(scenario, key: str) -> dict:
    """The issue as both clones see it after the syncs (they must agree)."""
    a, b = scenario["a"].show(scenario["ids"][key]), scenario["b"].show(scenario["ids"][key])
    assert a == b
    return a


def test_sync_result_reports_the_merge(scenario):
    got = scenario["merge"]
    assert got["remote"] == "origin"
    assert got["merged"] is True and got["fast_forward"] is False
    assert got["pushed"] is True
    fields = {(c["issue"], c["field"]) for c in got["conflicts"]}
    ids = scenario["ids"]
    assert (ids["P"], "title") in fields and (ids["Q"], "priority") in fields, got
    assert (ids["body_clash"], "body") in fields, got


def test_clones_converge_to_one_commit_and_one_export(scenario):
    a, b = scenario["a"], scenario["b"]
    assert a.tip() == b.tip() == scenario["cluster"].remote_tip()
    assert a.export() == b.export() == scenario["export"]
    # the merge commit joins both histories
    parents = a.git("log", "--merges", "-1", "--format=%P", "refs/heads/issue-facade").split()
    assert len(parents) == 2
    assert a.gi("doctor").code == 0 and b.gi("doctor").code == 0


def test_a_field_changed_on_one_side_takes_that_side(scenario):
    one = _both(scenario, "one")
    assert one["title"] == "Title from Alice"
    assert one["milestone"] == "M1"
    assert one["priority"] == 0
    assert one["type"] == "bug"
    assert not _conflicts_for(scenario["a"], scenario["ids"]["one"])


def test_a_scalar_changed_on_both_sides_goes_to_the_later_update(scenario):
    ids, a = scenario["ids"], scenario["a"]
    assert _both(scenario, "P")["title"] == "P by Bob (newer)"  # the merging side's value
    assert _both(scenario, "Q")["priority"] == 0  # the other side's value

    p = _conflicts_for(a, ids["P"])
    assert [(c["field"], c["kept"], c["lost"]) for c in p] == [
        ("title", "P by Bob (newer)", "P by Alice (older)")], p
    q = _conflicts_for(a, ids["Q"])
    assert [(c["field"], c["kept"], c["lost"]) for c in q] == [("priority", 0, 4)], q


def test_gi_log_reports_the_resolved_conflicts(scenario):
    a, ids = scenario["a"], scenario["ids"]
    r = a.gi("log", ids["P"], "--json", "--limit", "0")
    assert r.code == 0, r
    resolved = [e for e in r.json if e["type"] == "merge.conflict_resolved"]
    assert len(resolved) == 1, r.json
    event = resolved[0]
    assert event["issue"] == ids["P"]
    text = json.dumps(event["fields"])
    for value in ("title", "P by Bob (newer)", "P by Alice (older)"):
        assert value in text, event


def test_labels_assignees_and_dependencies_merge_as_sets(scenario):
    ids = scenario["ids"]
    got = _both(scenario, "sets")
    assert sorted(got["labels"]) == ["a-new", "b-new", "keep", "shared"]
    assert sorted(got["assignees"]) == ["alice", "bob", "y"]
    assert sorted(got["depends_on"]) == sorted([ids["D2"], ids["D3"], ids["D4"]])
    assert not _conflicts_for(scenario["a"], ids["sets"])


def test_comments_from_both_sides_are_united_in_time_order(scenario):
    c1, c2 = _both(scenario, "C1"), _both(scenario, "C2")
    assert [c["body"] for c in c1["comments"]] == ["alice early", "bob late"]
    assert [c["body"] for c in c2["comments"]] == ["bob early", "alice late"]
    assert [c["author"] for c in c1["comments"]] == ["alice", "bob"]
    for issue in (c1, c2):
        created = [c["created"] for c in issue["comments"]]
        assert created == sorted(created)
        assert len({c["id"] for c in issue["comments"]}) == 2


def test_body_edits_on_different_lines_are_both_kept(scenario):
    body = _both(scenario, "body_ok")["body"]
    assert body == BODY5.replace("line one", "line ONE by alice").replace(
        "line five", "line FIVE by bob")
    assert not _conflicts_for(scenario["a"], scenario["ids"]["body_ok"])


def test_overlapping_body_edits_follow_the_scalar_rule(scenario):
    ids = scenario["ids"]
    body = _both(scenario, "body_clash")["body"]
    assert body == BODY3.replace("beta", "beta by bob")
    assert "<<<<<<<" not in body and ">>>>>>>" not in body
    found = _conflicts_for(scenario["a"], ids["body_clash"])
    assert [(c["field"], c["kept"], c["lost"]) for c in found] == [
        ("body", BODY3.replace("beta", "beta by bob"), BODY3.replace("beta", "beta by alice"))]


def test_a_close_on_one_side_and_a_label_on_the_other_are_both_kept(scenario):
    got = _both(scenario, "close")
    assert got["status"] == "closed" and got["closed"]
    assert got["labels"] == ["from-alice"]


def test_issues_created_on_both_sides_are_all_kept(scenario):
    ids = scenario["ids"]
    titles = {i: d["title"] for i, d in scenario["a"].issues().items()}
    assert titles[ids["new_a"]] == "Created by Alice"
    assert titles[ids["new_b1"]] == "Created by Bob"
    assert titles[ids["new_b2"]] == "Also created by Bob"
    assert set(ids.values()) <= set(titles)
    assert len(titles) == len(set(ids.values()))


def test_a_second_sync_changes_nothing(scenario):
    a, b = scenario["a"], scenario["b"]
    tip = a.tip()
    for c in (a, b):
        r = c.gi("sync", "--json")
        assert r.code == 0, r
        assert r.json["conflicts"] == [] and r.json["pushed"] is False, r
    assert a.tip() == b.tip() == tip


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Two clones of one bare remote, in sync; each test brings its own issues."""
    cluster = Cluster(tmp_path_factory.mktemp("sync-pair"))
    a = cluster.seed("alice")
    a.create("First")
    a.sync()
    return cluster, a, cluster.clone("bob")


def test_nested_keys_added_on_each_side_are_both_kept(pair):
    _, a, b = pair
    issue_id = a.create("Agent metadata on both sides")
    converge(a, b)
    a.ok("progress", issue_id, "--progress", "0.5")
    b.ok("progress", issue_id, "--stage", "review")
    b.ok("edit", issue_id, "--set", "estimate=3")  # an unknown key, one side only
    a.sync()
    r = b.gi("sync", "--json")
    assert r.code == 0, r
    converge(a, b)
    got = a.show(issue_id)
    assert got["agent"].get("progress") == 0.5, got["agent"]
    assert got["agent"].get("stage") == "review", got["agent"]
    assert got["estimate"] == 3


def test_the_same_issue_imported_on_both_sides_merges(pair, tmp_path):
    _, a, b = pair
    record = json.dumps({"id": "gi-1a2b3c", "title": "Imported twice", "labels": ["backlog"]})
    for c in (a, b):
        c.ok("import", "-", input=record + "\n")
    a.ok("edit", "gi-1a2b3c", "--priority", "0", "--add-label", "from-alice")
    b.ok("comment", "gi-1a2b3c", "bob's note")
    a.sync()
    r = b.gi("sync", "--json")  # no common base for this file: both versions are "new"
    assert r.code == 0, r
    converge(a, b)
    got = a.show("gi-1a2b3c")
    assert got["priority"] == 0
    assert sorted(got["labels"]) == ["backlog", "from-alice"]
    assert [c["body"] for c in got["comments"]] == ["bob's note"]


# --- strategies ------------------------------------------------------------------------------


MERGE_PROGRAM = """#!{python}
import sys
from pathlib import Path
base, ours, theirs = (Path(p).read_text() for p in sys.argv[1:4])
out = []
for line in ours.splitlines():
    if line.startswith("title:"):
        line = "title: merged by program"
    out.append(line)
print("\\n".join(out))
"""

BAD_PROGRAM = """#!{python}
print("title: [this is: not valid")
print("  - {{")
"""


def _program(path, text: str) -> str:
    path.write_text(text.format(python=sys.executable))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.fixture(scope="module")
def strategies(tmp_path_factory):
    """One issue S; Alice sets its priority (older) and its title (newer); each other clone
    set the title before Alice did, except `theirs`, which set the priority after her."""
    base = tmp_path_factory.mktemp("sync-strategies")
    cluster = Cluster(base)
    a = cluster.seed("alice")
    s = a.create("Original title", "--priority", "2")
    a.sync()
    names = ("ours", "theirs", "newer", "command", "bad")
    clones = {n: cluster.clone(f"bob-{n}") for n in names}
    a.ok("edit", s, "--priority", "1")
    for n in ("ours", "newer", "command", "bad"):
        clones[n].ok("edit", s, "--title", f"title from bob-{n}", "--add-label", f"bob-{n}")
    time.sleep(1.1)
    a.ok("edit", s, "--title", "title from alice")
    clones["theirs"].ok("edit", s, "--priority", "3", "--add-label", "bob-theirs")
    a.sync()
    return {"a": a, "s": s, "clones": clones, "cluster": cluster, "base": base}


def test_strategy_ours_keeps_this_clones_value(strategies):
    c, s = strategies["clones"]["ours"], strategies["s"]
    r = c.gi("pull", "--strategy", "ours", "--json")
    assert r.code == 0, r
    got = c.show(s)
    assert got["title"] == "title from bob-ours"  # older, but ours
    assert got["priority"] == 1  # changed on their side only: still merged
    assert got["labels"] == ["bob-ours"]
    assert [(x["field"], x["kept"]) for x in r.json["conflicts"]] == [
        ("title", "title from bob-ours")], r.json


def test_strategy_theirs_keeps_the_remotes_value(strategies):
    c, s = strategies["clones"]["theirs"], strategies["s"]
    r = c.gi("pull", "--strategy", "theirs", "--json")
    assert r.code == 0, r
    got = c.show(s)
    assert got["priority"] == 1  # older, but theirs
    assert got["title"] == "title from alice"
    assert got["labels"] == ["bob-theirs"]
    assert [(x["field"], x["kept"]) for x in r.json["conflicts"]] == [("priority", 1)], r.json


def test_strategy_newer_keeps_the_later_version(strategies):
    c, s = strategies["clones"]["newer"], strategies["s"]
    r = c.gi("pull", "--strategy", "newer", "--json")
    assert r.code == 0, r
    got = c.show(s)
    assert got["title"] == "title from alice"
    assert got["priority"] == 1


def test_strategy_command_uses_the_programs_merge(strategies, tmp_path):
    c, s = strategies["clones"]["command"], strategies["s"]
    program = _program(tmp_path / "merge-prog", MERGE_PROGRAM)
    r = c.gi("sync", "--strategy", f"command:{program}", "--json")
    assert r.code == 0, r
    assert r.json["pushed"] is True
    got = c.show(s)
    assert got["title"] == "merged by program"
    assert got["labels"] == ["bob-command"]
    assert got["priority"] == 2  # the program kept our version of everything but the title
    assert strategies["cluster"].remote_tip() == c.tip()


def test_strategy_command_with_invalid_output_is_a_conflict_and_loses_nothing(strategies,
                                                                              tmp_path):
    c, s, cluster = strategies["clones"]["bad"], strategies["s"], strategies["cluster"]
    program = _program(tmp_path / "bad-prog", BAD_PROGRAM)
    tip, remote_tip, before = c.tip(), cluster.remote_tip(), c.export()

    r = c.gi("sync", "--strategy", f"command:{program}", "--json")
    assert r.code == 4, r
    assert r.err_json["error"]["code"] == "conflict"
    assert "Traceback" not in r.err
    assert c.tip() == tip  # nothing merged, nothing pushed
    assert cluster.remote_tip() == remote_tip
    assert c.export() == before
    assert c.show(s)["title"] == "title from bob-bad"

    r = c.gi("sync", "--json")  # the default merge still works afterwards
    assert r.code == 0, r
    got = c.show(s)
    assert "bob-bad" in got["labels"]  # (bob-command may have pushed its merge already)
    # (the program's merge kept bob-command's `updated`, so the scalar rule may pick either)
    assert got["title"] in ("title from bob-bad", "title from alice", "merged by program")
    assert cluster.remote_tip() == c.tip()


def test_an_unknown_strategy_is_a_usage_error(strategies):
    c = strategies["clones"]["ours"]
    r = c.gi("sync", "--strategy", "whatever", "--json")
    assert r.code == 2, r


# --- faults ----------------------------------------------------------------------------------


def test_sync_with_an_unknown_remote_exits_6_and_keeps_local_work(sandbox):
    sb = sandbox
    issue_id = sb.create("Local work")
    tip, before = sb.store_tip(), sb.gi("export").out
    for args in (["sync", "nosuchremote"], ["pull", "nosuchremote"], ["push", "nosuchremote"],
                 ["sync"]):
        r = sb.gi(*args, "--json", timeout=30)
        assert r.code == 6, r
        assert r.err_json["error"]["code"] == "remote"
        assert "Traceback" not in r.err
    assert sb.store_tip() == tip
    assert sb.gi("export").out == before
    assert sb.show(issue_id)["title"] == "Local work"


def test_an_unreachable_remote_exits_6_and_keeps_local_work(sandbox):
    sb = sandbox
    issue_id = sb.create("Local work")
    sb.git("remote", "add", "origin", "git://127.0.0.1:1/none.git")
    tip, before = sb.store_tip(), sb.gi("export").out
    r = sb.gi("sync", "--json", timeout=30)
    assert r.code == 6, r
    assert r.err_json["error"]["code"] == "remote"
    r = sb.gi("sync", timeout=30)
    assert r.code == 6, r
    assert "origin" in r.err and "Traceback" not in r.err, r
    r = sb.gi("claim", issue_id, "--remote", "--json", timeout=30)
    assert r.code == 6, r
    assert sb.store_tip() == tip
    assert sb.gi("export").out == before
    assert sb.show(issue_id)["claim"] is None
    # local work goes on
    assert sb.gi("comment", issue_id, "still working offline").code == 0


HOOK = """#!/bin/sh
# pre-push: the first time, let another clone push first (a race lost mid-sync)
[ -e "{marker}" ] && exit 0
touch "{marker}"
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX
cd "{other}" && "{gi}" sync > "{marker}.out" 2>&1
exit 0
"""


def test_a_push_rejected_because_another_clone_pushed_first_merges_and_pushes(tmp_path):
    cluster = Cluster(tmp_path)
    a = cluster.seed("alice")
    shared = a.create("Shared")
    a.sync()
    b = cluster.clone("bob")
    from_a = a.create("Alice's, pushed while Bob is pushing")
    a.ok("comment", shared, "alice's comment")
    from_b = b.create("Bob's")
    b.ok("comment", shared, "bob's comment")

    marker = tmp_path / "hook-ran"
    hook = b.path / ".git" / "hooks" / "pre-push"
    hook.write_text(HOOK.format(marker=marker, other=a.path, gi=GI))
    hook.chmod(0o755)

    r = b.gi("sync", "--json")
    assert marker.exists(), "the pre-push hook did not run"
    assert "pushed" in (tmp_path / "hook-ran.out").read_text()
    assert r.code == 0, r
    assert r.json["pushed"] is True
    assert cluster.remote_tip() == b.tip()

    converge(a, b)
    issues = a.issues()
    assert {from_a, from_b, shared} == set(issues)
    assert sorted(c["body"] for c in issues[shared]["comments"]) == [
        "alice's comment", "bob's comment"]


def test_a_sync_killed_halfway_is_completed_by_the_next_sync(tmp_path):
    """The remote is served by a git daemon, as a shared remote is: killing `gi sync` (and the
    git it runs) must not kill the remote's side of a push, as it would for a file:// remote,
    whose receive-pack runs in the killed process group and can leave the remote's ref locked."""
    env = isolated_env(tmp_path / "daemon-env")
    with GitDaemon(tmp_path / "srv", env) as daemon:
        bare = make_bare(tmp_path / "srv" / "store.git", env)
        _killed_halfway(Cluster(tmp_path / "c", remote=bare, url=daemon.url("store.git")))


def _killed_halfway(cluster: Cluster) -> None:
    a = cluster.seed("alice")
    shared = a.create("Shared")
    a.sync()
    b = cluster.clone("bob")
    rnd = random.Random(3)
    made, said, delays, killed = [shared], [], [], 0
    for k in range(5):
        made.append(a.create(f"alice {k}"))
        a.ok("comment", shared, f"alice says {k}")
        a.sync()
        made.append(b.create(f"bob {k}"))
        b.ok("comment", shared, f"bob says {k}")
        said += [f"alice says {k}", f"bob says {k}"]

        proc = b.start("sync")
        with running([proc]):
            delay = rnd.uniform(0.02, 0.3)
            delays.append(round(delay, 3))
            time.sleep(delay)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            code, _, _ = finish(proc, timeout=30)
            killed += code == -signal.SIGKILL

        r = b.gi("sync", "--json", timeout=60)
        assert r.code == 0, (delays, r)
        r = b.gi("doctor", "--json")
        assert r.code == 0, (delays, r)
        assert b.tip() == cluster.remote_tip()
    print(f"kill delays: {delays}; {killed} of {len(delays)} syncs killed before the end")
    assert killed, "no sync was still running when it was killed"

    converge(a, b)
    issues = b.issues()
    assert set(made) == set(issues)
    assert sorted(c["body"] for c in issues[shared]["comments"]) == sorted(said)
    for c in (a, b):
        r = c.gi("doctor", "--json")
        assert r.code == 0 and json.loads(r.out)["ok"] is True, r
