"""Guarantees an audit found untested (issue 16): each test here failed against a one-line
break of the product (named in each docstring), so a regression of that kind cannot pass.
Races release their processes together behind a barrier (tests/racing.py)."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest
from conftest import GI
from gitdaemon import STORE_REF, Cluster
from racing import finish_all, start_together

N = 8


def _race(sb, gate: Path, argvs: list[list[str]], agents: list[str]):
    envs = [{**sb.env, "GI_AGENT": a} for a in agents]
    return finish_all(start_together([[GI, *argv] for argv in argvs], sb.repo, envs, gate))


@pytest.mark.parametrize("run", range(3))
def test_eight_local_claimants_of_one_issue_exactly_one_wins(sandbox, tmp_path, run):
    """Break: after losing the compare-and-swap, re-commit the first decision instead of
    deciding again on the new tip (then several claimants 'win')."""
    sb = sandbox
    issue_id = sb.create("Wanted by eight")
    n = sb.store_commits()
    agents = [f"agent-{k}" for k in range(N)]
    results = _race(sb, tmp_path / "gate", [["claim", issue_id, "--json"]] * N, agents)
    codes = [code for code, _, _ in results]
    assert sorted(codes) == [0] + [4] * (N - 1), results
    winner = agents[codes.index(0)]
    for (code, _, err), agent in zip(results, agents, strict=True):
        if code == 4:
            assert winner in err and "Traceback" not in err, (agent, err)
    shown = sb.show(issue_id)
    assert shown["claim"]["agent"] == winner and shown["status"] == "in_progress", shown
    assert sb.store_commits() == n + 1  # one claim commit, nothing from the losers


def test_concurrent_tree_mode_label_edits_lose_nothing(sandbox, tmp_path):
    """Break: write tree-mode files without the file lock (8 concurrent edits keep 2)."""
    sb = sandbox
    assert sb.gi("init", "--mode", "tree").code == 0
    issue_id = sb.create("Contended in the working tree")
    argvs = [["edit", issue_id, "--add-label", f"l{k}"] for k in range(N)]
    results = _race(sb, tmp_path / "gate", argvs, [f"agent-{k}" for k in range(N)])
    assert [code for code, _, _ in results] == [0] * N, results
    assert sorted(sb.show(issue_id)["labels"]) == sorted(f"l{k}" for k in range(N))
    assert sb.gi("doctor").code == 0


@pytest.mark.parametrize("mode", ["branch", "tree"])
def test_the_repository_claim_ttl_setting_is_used(sandbox, mode):
    """Break: ignore the repository's `claims.ttl` (claims then last 30m, not 45m)."""
    sb = sandbox
    assert sb.gi("init", "--mode", mode).code == 0
    assert sb.gi("config", "set", "--repo", "claims.ttl", "45m").code == 0
    issue_id = sb.create("Claimed with the repository's TTL")
    r = sb.gi("claim", issue_id, "--json")
    assert r.code == 0, r
    claim = r.json["claim"]
    span = (datetime.fromisoformat(claim["expires_at"].replace("Z", "+00:00"))
            - datetime.fromisoformat(claim["claimed_at"].replace("Z", "+00:00")))
    assert span.total_seconds() == 45 * 60, claim
    r = sb.gi("claim", sb.create("An explicit TTL wins"), "--ttl", "5m", "--json")
    claim = r.json["claim"]
    span = (datetime.fromisoformat(claim["expires_at"].replace("Z", "+00:00"))
            - datetime.fromisoformat(claim["claimed_at"].replace("Z", "+00:00")))
    assert span.total_seconds() == 5 * 60, claim


# --- the read-only copy follows every way the store moves (SPEC §1) ------------------------

def _store_files(clone) -> dict[str, str]:
    names = clone.git("ls-tree", "-r", "--name-only", STORE_REF).splitlines()
    return {n: clone.git("show", f"{STORE_REF}:{n}") for n in names if n.startswith("issues/")}


def _copy(clone) -> dict[str, str]:
    root = clone.path / ".issue-facade"
    return {str(p.relative_to(root)): p.read_text().rstrip("\n")
            for p in (root / "issues").rglob("*.yaml")}


@pytest.fixture
def pair(tmp_path):
    cluster = Cluster(tmp_path / "c")
    a = cluster.seed("alice")
    first = a.create("Before the clone")
    a.sync()
    b = cluster.clone("bob")
    b.ok("list")  # b's copy now shows the first store commit
    assert set(_copy(b)) == set(_store_files(b)) and len(_copy(b)) == 1
    second = a.create("After the clone")
    a.sync()
    return a, b, first, second


@pytest.mark.parametrize("how", ["sync", "pull"])
def test_the_copy_is_refreshed_by_sync_and_pull(pair, how):
    """Break: leave the copy as it was when the index catches up after a sync or pull."""
    _a, b, first, second = pair
    b.ok(how)
    assert _copy(b) == _store_files(b)
    assert {Path(p).stem for p in _copy(b)} == {first, second}


def test_the_copy_follows_a_ref_moved_by_git_itself(pair):
    """Break: refresh the copy only after gi's own writes (a `git fetch` into the store
    branch, or a reset of it, then leaves agents reading stale files)."""
    _a, b, first, second = pair
    old = b.tip()
    b.git("fetch", "-q", "origin", f"+{STORE_REF}:{STORE_REF}")
    assert b.tip() != old
    b.ok("list")  # any read catches the index up, and the copy with it
    assert _copy(b) == _store_files(b)
    assert {Path(p).stem for p in _copy(b)} == {first, second}
    b.git("update-ref", STORE_REF, old)  # and back
    b.ok("show", first)
    assert _copy(b) == _store_files(b)
    assert {Path(p).stem for p in _copy(b)} == {first}


def test_a_fresh_clones_first_sync_makes_the_copy(tmp_path):
    """Break: a first `gi sync` that needs no merge creates the local branch but no copy."""
    cluster = Cluster(tmp_path / "c")
    a = cluster.seed("alice")
    made = {a.create("One"), a.create("Two")}
    a.sync()
    b = cluster.clone("bob")
    r = b.gi("sync", "--json")
    assert r.code == 0, r
    assert (b.path / ".issue-facade" / "issues").is_dir()
    assert _copy(b) == _store_files(b)
    assert {Path(p).stem for p in _copy(b)} == made
    assert b.git("status", "--porcelain", "--untracked-files=all") == ""


def test_sync_with_a_leftover_ref_lock_names_it_and_works_after_doctor_fix(tmp_path):
    """Break: the sync's merge loop retrying against a killed writer's `issue-facade.lock`
    until it says 'the store kept changing' (exit 4 on every sync, the lock never named)."""
    cluster = Cluster(tmp_path / "c")
    a = cluster.seed("alice")
    a.create("Shared")
    a.sync()
    b = cluster.clone("bob")
    b.ok("sync")
    a.create("From alice")
    a.sync()
    mine = b.create("From bob")  # both sides moved: the sync must merge
    lock = b.path / ".git" / "refs" / "heads" / "issue-facade.lock"
    lock.write_text("")
    tip = b.tip()
    started = time.monotonic()
    r = b.gi("sync", "--json", timeout=60)
    took = time.monotonic() - started
    assert r.code == 4, r
    error = r.err_json["error"]
    assert "issue-facade.lock" in error["message"] and "gi doctor --fix" in error["message"]
    assert "kept changing" not in error["message"]
    assert b.tip() == tip
    print(f"the sync gave up on the lock after {took:.1f}s")
    assert b.gi("doctor", "--fix").code == 0
    assert not lock.exists()
    r = b.gi("sync", "--json")
    assert r.code == 0, r
    assert mine in b.issues() and len(b.issues()) == 3


@pytest.mark.parametrize("mode", ["branch", "tree"])
def test_eight_settings_written_at_once_are_all_kept(make_sandbox, tmp_path, mode):
    """Break: `gi config set` reads the settings, changes one key and writes them all back
    outside the compare-and-swap (then most of the eight keys are lost)."""
    sb = make_sandbox()
    assert sb.gi("init", "--mode", mode).code == 0
    keys = [f"team.k{k}" for k in range(N)]
    results = _race(sb, tmp_path / "gate", [["config", "set", key, f"v{n}"]
                                            for n, key in enumerate(keys)],
                    [f"agent-{k}" for k in range(N)])
    assert [code for code, _, _ in results] == [0] * N, results
    shown = sb.gi("config", "show", "--json").json["settings"]
    assert {k: v for k, v in shown.items() if k.startswith("team.")} == {
        key: f"v{n}" for n, key in enumerate(keys)}, shown
