"""Claims and sync at scale (issue 3's targets).

    python bench/bench_claims.py [--issues 120] [--agents 8] [--remote-issues 48] [--clones 4]
                                 [--agents-per-clone 1] [--remote-mode next|distinct]
                                 [--sync-issues 10000] [--changed 10] [--skip local,remote,sync]

- local: AGENTS `gi claim --next` loops (one process per claim, as agents run it) drain ISSUES
  ready issues on one clone; claims per second, and the latency of one claim.
- remote: a `git daemon` on 127.0.0.1 serves a bare repository; CLONES clones drain
  REMOTE_ISSUES issues with `gi claim --next --remote`, AGENTS_PER_CLONE agents (loops) in each
  clone; claims per second (issue 15: 8 clones x 4 agents draining 200 issues). With
  `--remote-mode distinct` each agent claims its own share of the issues by id instead: claims
  that never contest one issue (each decided on its shard of the remote's arbiter refs). At the
  end every clone syncs once, and the remote's store must hold one claim commit per issue
  (`store_claim_commits_per_issue`: {"1": REMOTE_ISSUES}).
- sync: a store of SYNC_ISSUES issues on two clones of a bare remote; CHANGED issues edited on
  each side; the time of the `gi sync` that merges them (target <= 2 s), and of the others.

Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from common import GI, report, sample_issues


def _env(base: Path, agent: str) -> dict[str, str]:
    gitconfig = base / "gitconfig"
    gitconfig.touch()
    return {**os.environ, "GI_AGENT": agent, "GIT_CONFIG_GLOBAL": str(gitconfig),
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}


def git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)
    if proc.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout.strip()


def run(cwd: Path, *args: str, env: dict[str, str], input: str | None = None,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([GI, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          input=input, timeout=600)
    if check and proc.returncode != 0:
        raise SystemExit(f"gi {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc


def clone(url: str | Path, dest: Path, env: dict[str, str]) -> Path:
    git(dest.parent, "clone", "-q", str(url), str(dest), env=env)
    git(dest, "config", "user.name", "bench", env=env)
    git(dest, "config", "user.email", "bench@example.invalid", env=env)
    return dest


def queue(n: int, prefix: str = "q") -> str:
    return "".join(json.dumps({"id": f"gi-{k:06x}", "title": f"{prefix} item {k}",
                               "priority": k % 5}) + "\n" for k in range(n))


def drain(workers: list[tuple[Path, dict[str, str]]], extra: tuple[str, ...],
          own: list[list[str]] | None = None) -> dict:
    """Each worker loops `gi claim --next` until nothing is ready (exit 3); with `own`, worker
    k claims the issues `own[k]` by id instead (claims of different issues, none contested)."""
    lock = threading.Lock()
    won: list[str] = []
    latencies: list[float] = []
    codes: dict[int, int] = {}

    def loop(cwd: Path, env: dict[str, str], mine: list[str] | None = None) -> None:
        while mine is None or mine:
            what = ("--next",) if mine is None else (mine[0],)
            t = time.perf_counter()
            proc = run(cwd, "claim", *what, "--ttl", "2h", "--json", *extra, env=env,
                       check=False)
            dt = time.perf_counter() - t
            with lock:
                codes[proc.returncode] = codes.get(proc.returncode, 0) + 1
                if proc.returncode == 0:
                    won.append(json.loads(proc.stdout)["id"])
                    latencies.append(dt * 1000)
            if proc.returncode == 0 and mine is not None:
                mine.pop(0)
            elif proc.returncode not in (0, 4):  # 4: lost the race after retries; go again
                return

    threads = [threading.Thread(target=loop, args=(*w, own[k] if own else None))
               for k, w in enumerate(workers)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t
    latencies.sort()
    return {"claims": len(won), "distinct": len(set(won)), "wall_s": round(wall, 2),
            "claims_per_s": round(len(won) / wall, 1),
            "claim_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "claim_p90_ms": round(latencies[int(len(latencies) * 0.9) - 1], 1)
            if latencies else None,
            "exit_codes": {str(k): v for k, v in sorted(codes.items())}}


def bench_local(root: Path, issues: int, agents: int) -> dict:
    env = _env(root, "seeder")
    repo = root / "local"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main", env=env)
    git(repo, "config", "user.name", "bench", env=env)
    git(repo, "config", "user.email", "bench@example.invalid", env=env)
    git(repo, "commit", "-q", "--allow-empty", "-m", "init", env=env)
    run(repo, "import", "-", env=env, input=queue(issues))
    run(repo, "list", "--limit", "1", env=env)  # the index is built before the clock starts
    result = drain([(repo, {**env, "GI_AGENT": f"agent-{k}"}) for k in range(agents)], ())
    return {"issues": issues, "agents": agents, **result}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_remote(root: Path, issues: int, clones: int, per_clone: int = 1,
                 mode: str = "next") -> dict:
    env = _env(root, "seeder")
    srv = root / "srv"
    srv.mkdir()
    git(srv, "init", "-q", "--bare", "-b", "main", "bench.git", env=env)
    git(srv / "bench.git", "config", "daemon.receivepack", "true", env=env)
    port = _free_port()
    daemon = subprocess.Popen(
        ["git", "daemon", "--reuseaddr", f"--base-path={srv}", "--export-all",
         "--enable=receive-pack", "--listen=127.0.0.1", f"--port={port}", str(srv)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or daemon.poll() is not None:
                    raise SystemExit("git daemon did not start") from None
                time.sleep(0.05)
        url = f"git://127.0.0.1:{port}/bench.git"
        seed = clone(url, root / "seed", env)
        git(seed, "commit", "-q", "--allow-empty", "-m", "init", env=env)
        git(seed, "push", "-q", "origin", "HEAD:main", env=env)
        run(seed, "import", "-", env=env, input=queue(issues, "remote"))
        run(seed, "sync", env=env)
        workers = []
        for k in range(clones):
            path = clone(url, root / f"clone-{k}", env)
            run(path, "list", "--limit", "1", env={**env, "GI_AGENT": f"clone-{k}"})
            workers += [(path, {**env, "GI_AGENT": f"clone-{k}-{a}"}) for a in range(per_clone)]
        own = None
        if mode == "distinct":
            ids = [f"gi-{k:06x}" for k in range(issues)]
            own = [ids[k::len(workers)] for k in range(len(workers))]
        result = drain(workers, ("--remote",), own)
        # every clone syncs once at the end (a claim publishes the store once, and leaves
        # it to the next claim or sync when the remote moved meanwhile); then the remote's
        # store must record each issue's claim exactly once, as the arbiter decided
        for k in range(clones):
            run(root / f"clone-{k}", "sync", env=env)
        log = git(srv / "bench.git", "log", "--no-merges", "--format=%B%x00",
                  "refs/heads/issue-facade", env=env)
        per_issue: dict[str, int] = {}
        for message in log.split("\x00"):
            lines = message.strip().splitlines()
            if "Gi-Op: claim" in lines:
                for line in lines:
                    if line.startswith("Gi-Issue: "):
                        per_issue[line[10:]] = per_issue.get(line[10:], 0) + 1
        result["store_claim_commits_per_issue"] = {
            str(n): sum(1 for v in per_issue.values() if v == n)
            for n in sorted(set(per_issue.values()))}
        result["arbiter_refs"] = len(git(srv / "bench.git", "for-each-ref",
                                         "refs/issue-facade/arbiter/", env=env).splitlines())
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=10)
    return {"issues": issues, "clones": clones, "agents_per_clone": per_clone, "mode": mode,
            **result}


def bench_sync(root: Path, issues: int, changed: int) -> dict:
    env = _env(root, "alice")
    bob_env = {**env, "GI_AGENT": "bob"}
    git(root, "init", "-q", "--bare", "-b", "main", "remote.git", env=env)
    a = clone(root / "remote.git", root / "a", env)
    git(a, "commit", "-q", "--allow-empty", "-m", "init", env=env)
    git(a, "push", "-q", "origin", "HEAD:main", env=env)
    records = sample_issues(issues)
    out: dict = {"issues": issues, "changed_each_side": changed}
    t = time.perf_counter()
    run(a, "import", "-", env=env, input="".join(json.dumps(r) + "\n" for r in records))
    out["import_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    run(a, "sync", env=env)
    out["first_push_s"] = round(time.perf_counter() - t, 2)
    b = clone(root / "remote.git", root / "b", env)
    t = time.perf_counter()
    run(b, "list", "--limit", "1", env=bob_env)
    out["first_read_in_fresh_clone_s"] = round(time.perf_counter() - t, 2)

    ids = [r["id"] for r in records]
    for k in range(changed):
        run(a, "edit", ids[2 * k], "--add-label", "from-alice", env=env)
        run(b, "edit", ids[2 * k + 1], "--priority", "0", env=bob_env)
    # one issue changed on both sides too: a field-level merge, not just a tree merge
    run(a, "comment", ids[-1], "alice's note", env=env)
    run(b, "comment", ids[-1], "bob's note", env=bob_env)

    t = time.perf_counter()
    run(a, "sync", env=env)
    out["sync_push_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    merged = json.loads(run(b, "sync", "--json", env=bob_env).stdout)
    out["sync_merge_and_push_s"] = round(time.perf_counter() - t, 3)
    out["merge_result"] = {k: merged.get(k) for k in ("merged", "fast_forward", "pushed")}
    t = time.perf_counter()
    run(a, "sync", env=env)
    out["sync_fast_forward_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    run(a, "sync", env=env)
    out["sync_up_to_date_s"] = round(time.perf_counter() - t, 3)
    ta = git(a, "rev-parse", "refs/heads/issue-facade", env=env)
    tb = git(b, "rev-parse", "refs/heads/issue-facade", env=env)
    out["converged"] = ta == tb
    out["target_s"] = 2.0
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", type=int, default=120)
    ap.add_argument("--agents", type=int, default=8)
    ap.add_argument("--remote-issues", type=int, default=48)
    ap.add_argument("--clones", type=int, default=4)
    ap.add_argument("--agents-per-clone", type=int, default=1)
    ap.add_argument("--remote-mode", choices=("next", "distinct"), default="next",
                    help="next: every agent loops claim --next; distinct: each agent claims "
                         "its own issues by id")
    ap.add_argument("--sync-issues", type=int, default=10_000)
    ap.add_argument("--changed", type=int, default=10)
    ap.add_argument("--skip", default="", help="comma-separated: local,remote,sync")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    root = Path(tempfile.mkdtemp(prefix="gi-bench-claims-"))
    results: dict = {}
    try:
        if "local" not in skip:
            (root / "l").mkdir()
            results["local_claims"] = bench_local(root / "l", args.issues, args.agents)
        if "remote" not in skip:
            (root / "r").mkdir()
            results["remote_claims"] = bench_remote(root / "r", args.remote_issues, args.clones,
                                                    args.agents_per_clone, args.remote_mode)
        if "sync" not in skip:
            (root / "s").mkdir()
            results["sync"] = bench_sync(root / "s", args.sync_issues, args.changed)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report("claims", results)


if __name__ == "__main__":
    main()
