"""Leases (issue 15, SPEC §12): what a lease costs an agent and a commit.

    python bench/bench_leases.py [--rounds 21] [--held 50] [--racers 8] [--commits 15]

- acquire / release: p50 of `gi lease acquire NAME` and `gi lease release NAME` (round-robin);
- acquire a path pattern while HELD path leases of other agents are live (each one checked for
  overlap with the new pattern): p50;
- races: RACERS processes started together behind a barrier acquire one resource, ROUNDS / 3
  times; each round exactly one must win (checked), and the wall time of a round;
- pre-commit: `git commit` of one staged file with the gi hooks installed, medians: no lease
  (the hook ends in the shell), name leases only (also the shell), HELD path leases that do
  not cover the file (Python starts and checks), and without hooks for comparison.

Prints one JSON document.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import GI, report

ENV = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x",
       "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@x", "GI_AGENT": "bench",
       "GIT_CONFIG_NOSYSTEM": "1"}
WAIT = """\
import os, sys, time
open(sys.argv[1], "w").close()
while not os.path.exists(sys.argv[2]):
    time.sleep(0.0005)
os.execv(sys.argv[3], sys.argv[3:])
"""


def gi(repo: Path, *args: str, agent: str = "bench", check: bool = True
       ) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([GI, *args], cwd=repo, env={**ENV, "GI_AGENT": agent},
                          capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise SystemExit(f"gi {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc


def timed(fn, n: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 1)


def repo(root: Path, name: str) -> Path:
    path = root / name
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], env=ENV, check=True)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "init"], cwd=path, env=ENV,
                   check=True)
    gi(path, "create", "the store")
    return path


def bench_ops(root: Path, rounds: int, held: int) -> dict:
    path = repo(root, "ops")
    times: dict[str, list[float]] = {"acquire": [], "release": []}
    for _ in range(rounds):
        for op in ("acquire", "release"):
            t = time.perf_counter()
            gi(path, "lease", op, "db-migration")
            times[op].append((time.perf_counter() - t) * 1000)
    for k in range(held):
        gi(path, "lease", "acquire", f"path:pkg{k}/**", "--ttl", "2h", agent=f"agent-{k}")
    n = [0]

    def overlap_checked() -> None:
        n[0] += 1
        gi(path, "lease", "acquire", f"path:src/mod{n[0]}/*.py")

    return {"acquire_p50_ms": round(statistics.median(times["acquire"]), 1),
            "release_p50_ms": round(statistics.median(times["release"]), 1),
            f"acquire_with_{held}_path_leases_p50_ms": timed(overlap_checked, rounds)}


def bench_races(root: Path, racers: int, rounds: int) -> dict:
    path = repo(root, "races")
    walls, winners = [], []
    for r in range(rounds):
        gate = root / f"gate-{r}"
        gate.mkdir()
        procs = [subprocess.Popen([sys.executable, "-c", WAIT, str(gate / f"ready-{k}"),
                                   str(gate / "go"), GI, "lease", "acquire", "db", "--json"],
                                  cwd=path, env={**ENV, "GI_AGENT": f"agent-{k}"}, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for k in range(racers)]
        while not all((gate / f"ready-{k}").exists() for k in range(racers)):
            time.sleep(0.005)
        t = time.perf_counter()
        (gate / "go").touch()
        codes = [p.wait() for p in procs]
        walls.append((time.perf_counter() - t) * 1000)
        if sorted(codes) != [0] + [4] * (racers - 1):
            raise SystemExit(f"round {r}: exit codes {codes}, not one winner")
        winner = f"agent-{codes.index(0)}"
        winners.append(winner)
        gi(path, "lease", "release", "db", agent=winner)
    return {"racers": racers, "rounds": rounds, "one_winner_each_round": True,
            "round_p50_ms": round(statistics.median(walls), 1)}


def bench_pre_commit(root: Path, commits: int, held: int) -> dict:
    path = repo(root, "commits")
    n = [0]

    def commit() -> None:
        n[0] += 1
        (path / f"f{n[0]}.txt").write_text("x\n")
        subprocess.run(["git", "add", f"f{n[0]}.txt"], cwd=path, env=ENV, check=True)
        subprocess.run(["git", "commit", "-q", "-m", f"c{n[0]}"], cwd=path,
                       env={**ENV, "PATH": "/usr/bin:/bin"}, check=True)

    out = {"without_hooks_ms": timed(commit, commits)}
    gi(path, "hooks", "install")
    out["hooks_no_lease_ms"] = timed(commit, commits)
    gi(path, "lease", "acquire", "db-migration", agent="other")
    out["hooks_name_lease_ms"] = timed(commit, commits)
    for k in range(held):
        gi(path, "lease", "acquire", f"path:pkg{k}/**", "--ttl", "2h", agent=f"agent-{k}")
    out[f"hooks_{held}_path_leases_not_covering_ms"] = timed(commit, commits)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--held", type=int, default=50)
    ap.add_argument("--racers", type=int, default=8)
    ap.add_argument("--commits", type=int, default=15)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="gi-bench-leases-"))
    try:
        results = {"ops": bench_ops(root, args.rounds, args.held),
                   "races": bench_races(root, args.racers, max(args.rounds // 3, 1)),
                   "pre_commit": bench_pre_commit(root, args.commits, args.held)}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report("leases", results)


if __name__ == "__main__":
    main()
