"""The concurrency core under real processes (issue: correctness of the concurrency core):
no read sees fewer issues than a read that finished before it started, the first write to a
new store never loses a concurrent first write, concurrent syncs in one clone retry a local
ref-lock race, a stale lock is removed only when it is really stale."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import GI
from gitdaemon import Cluster, finish, running

WRITERS, READERS, CREATES = 12, 3, 6


def _reader(sb, stop: threading.Event, out: list[tuple[float, float, int]]) -> None:
    while not stop.is_set():
        start = time.monotonic()
        proc = subprocess.run([GI, "list", "--limit", "0", "--json"], cwd=sb.repo, env=sb.env,
                              capture_output=True, text=True, timeout=120)
        end = time.monotonic()
        assert proc.returncode == 0, proc.stderr
        out.append((start, end, len(json.loads(proc.stdout))))


@pytest.mark.parametrize("run", range(3))
def test_no_read_sees_fewer_issues_than_a_read_that_finished_before_it(sandbox, run):
    sb = sandbox
    sb.create("Seed")
    writers = [subprocess.Popen(
        ["sh", "-c", " && ".join([f'"{GI}" create "w{w} i{k}" >/dev/null'
                                  for k in range(CREATES)])],
        cwd=sb.repo, env=sb.env, start_new_session=True) for w in range(WRITERS)]
    stop = threading.Event()
    reads: list[list[tuple[float, float, int]]] = [[] for _ in range(READERS)]
    threads = [threading.Thread(target=_reader, args=(sb, stop, r)) for r in reads]
    with running(writers):
        for t in threads:
            t.start()
        for w in writers:
            assert w.wait(timeout=300) == 0
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(timeout=120)
    done = sorted((r for rs in reads for r in rs), key=lambda r: r[1])
    assert len(done) >= READERS
    for earlier in done:
        for later in done:
            if later[0] > earlier[1]:
                assert later[2] >= earlier[2], (earlier, later)
    assert done[-1][2] == 1 + WRITERS * CREATES


def test_racing_first_writes_to_a_new_store_are_all_kept(sandbox):
    sb = sandbox
    env = {**sb.env, "GI_TEST_PAUSE_BEFORE_COMMIT": "0.5"}  # all compute on "no store yet"
    procs = [subprocess.Popen([GI, "create", f"First {k}"], cwd=sb.repo, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True) for k in range(4)]
    with running(procs):
        results = [finish(p) for p in procs]
    assert all(code == 0 for code, _, _ in results), results
    made = {out.strip() for _, out, _ in results}
    listed = {i["id"] for i in sb.gi("list", "--json").json}
    assert listed == made and len(made) == 4


def test_concurrent_syncs_in_one_clone_all_succeed(tmp_path):
    cluster = Cluster(tmp_path)
    a = cluster.seed("alice")
    a.create("Shared")
    a.sync()
    b = cluster.clone("bob")
    for round_ in range(3):
        a.create(f"From alice {round_}")
        a.sync()
        b.create(f"From bob {round_}")
        procs = [b.start("sync", "--json") for _ in range(4)]
        with running(procs):
            results = [finish(p) for p in procs]
        for code, out, err in results:
            assert code == 0, (code, out, err)
    b.sync()
    assert cluster.remote_tip() == b.tip()


def test_a_lock_that_is_replaced_while_doctor_waits_is_not_removed(sandbox):
    """gi doctor --fix waits until a ref lock is older than any live writer's could be, moves
    it aside, and gives it back if it is not the file it looked at."""
    from gitissues.store.doctor import remove_stale_lock

    lock = Path(sandbox.repo) / ".git" / "refs" / "heads" / "issue-facade.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("")
    result: list[bool] = []
    t = threading.Thread(target=lambda: result.append(remove_stale_lock(lock)))
    t.start()
    time.sleep(0.5)
    lock.unlink()
    lock.write_text("a new writer's lock")  # another file (inode) by the time doctor looks
    t.join(timeout=30)
    assert result == [False]
    assert lock.read_text() == "a new writer's lock"
    assert remove_stale_lock(lock) is True  # left alone long enough: it is stale now
    assert not lock.exists()


def test_a_sha256_repository_is_a_clear_usage_error(tmp_path, sandbox):
    repo = tmp_path / "sha256"
    subprocess.run(["git", "init", "-q", "--object-format=sha256", str(repo)], check=True,
                   env=sandbox.env)
    for args in (["list"], ["create", "x"], ["init"]):
        r = sandbox.gi(*args, "--json", cwd=repo)
        assert r.code == 2, r
        assert "SHA-256" in r.err_json["error"]["message"]
