"""The work graph and the activity stream at scale (issue 4's targets).

    python bench/bench_graph.py [--issues 10000] [--edges 3000] [--runs 30]

Imports N issues carrying E dependency edges (each issue depends only on older ones, so the
graph is acyclic), then times through the CLI: `ready --limit 10`, `blocked`, a query that
combines label, priority, age and full text, `log --since 1d` (first run, which derives and
caches the import's N `issue.created` events, then warm), `log --since 1d --limit 0 --json`
(every event), `dep add` (a cycle check over every edge, then a commit) and `graph`; and, as
the floor to read them against, Python's start-up and `gi show`.
Targets: ready and blocked p50 <= 60 ms; log over 10,000 events <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time

from common import gi, report, sample_issues, scratch_repo, timed


def with_edges(issues: list[dict], edges: int, seed: int = 11) -> list[dict]:
    rnd = random.Random(seed)
    added = 0
    while added < edges:
        a, b = sorted(rnd.sample(range(len(issues)), 2), reverse=True)
        deps = issues[a].setdefault("depends_on", [])
        if issues[b]["id"] not in deps:
            deps.append(issues[b]["id"])
            added += 1
    return issues


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", type=int, default=10_000)
    ap.add_argument("--edges", type=int, default=3_000)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    repo = scratch_repo()
    results: dict = {"issues": args.issues, "edges": args.edges}
    try:
        gi(repo, "init")
        issues = with_edges(sample_issues(args.issues), args.edges)
        jsonl = "".join(json.dumps(i) + "\n" for i in issues)
        t = time.perf_counter()
        gi(repo, "import", "-", input=jsonl)
        results["import_s"] = round(time.perf_counter() - t, 2)
        gi(repo, "list", "--limit", "1")  # the index build is issue 2's bench
        results["blocked_count"] = len(json.loads(gi(repo, "blocked", "--limit", "0",
                                                     "--json").stdout))
        # the floor on this machine, to read the figures below against
        results["python_startup"] = timed(
            lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), args.runs)
        results["show_floor"] = timed(lambda: gi(repo, "show", issues[5]["id"]), args.runs)
        results["ready_limit10"] = timed(lambda: gi(repo, "ready", "--limit", "10"), args.runs)
        results["blocked"] = timed(lambda: gi(repo, "blocked"), args.runs)
        results["blocked_json"] = timed(lambda: gi(repo, "blocked", "--json"), args.runs)
        results["query_label_priority_age_text"] = timed(
            lambda: gi(repo, "list", "label:auth", "priority:<=2", "created:>30d", "crash",
                       "--limit", "20"), args.runs)
        t = time.perf_counter()
        out = gi(repo, "log", "--since", "1d", "--limit", "0", "--json").stdout
        results["log_first_run_s"] = round(time.perf_counter() - t, 3)
        results["log_events"] = len(json.loads(out))
        results["log_since_1d"] = timed(lambda: gi(repo, "log", "--since", "1d"), args.runs)
        results["log_since_1d_all_json"] = timed(
            lambda: gi(repo, "log", "--since", "1d", "--limit", "0", "--json"),
            max(5, args.runs // 3))
        pairs = iter(range(10**6))
        results["dep_add"] = timed(
            lambda: gi(repo, "dep", "add", issues[-1 - next(pairs)]["id"], issues[0]["id"]),
            max(5, args.runs // 3))
        t = time.perf_counter()
        gi(repo, "log", "--since", "1d")
        results["log_after_dep_adds_s"] = round(time.perf_counter() - t, 3)
        results["graph_dot_open"] = timed(lambda: gi(repo, "graph"), max(3, args.runs // 10))
    finally:
        shutil.rmtree(repo, ignore_errors=True)
    report("graph", results)


if __name__ == "__main__":
    main()
