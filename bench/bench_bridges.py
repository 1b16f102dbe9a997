"""Bridges against a local fake Gitea over real HTTP (issue 10's targets).

    python bench/bench_bridges.py [--issues 10000] [--changed 100] [--each-way 10]

Seeds the fake with ISSUES issues, then times through the CLI (`gi` on PATH):
- the initial `gi bridge pull` of all of them (target <= 30 s);
- a second pull with no remote change: its HTTP requests (target <= 2) and time;
- a push of CHANGED locally edited issues (target <= 10 s);
- `gi bridge sync` with EACH_WAY changes on each side on the ISSUES-issue store (target <= 3 s).
The fake lives in tests/fakes (the same one the tests use); Gitea serves at most 50 a page.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from common import gi, report, scratch_repo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fakes.gitea import FakeGitea  # noqa: E402

TOKEN = "bench-token"


def timed_json(repo: Path, *args: str) -> tuple[float, list[dict]]:
    t = time.perf_counter()
    out = gi(repo, *args, "--json").stdout
    return round(time.perf_counter() - t, 2), json.loads(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", type=int, default=10_000)
    ap.add_argument("--changed", type=int, default=100)
    ap.add_argument("--each-way", type=int, default=10)
    args = ap.parse_args()
    os.environ["GITEA_TOKEN"] = TOKEN
    repo = scratch_repo()
    results: dict = {"issues": args.issues}
    with FakeGitea(token=TOKEN) as fake:
        try:
            for n in range(args.issues):
                fake.add_issue(f"Remote issue {n}", f"Body of remote issue {n}\n",
                               labels=["bug"] if n % 3 == 0 else [])
            gi(repo, "init")
            gi(repo, "bridge", "add", "work", "--platform", "gitea", "--url", fake.base_url,
               "--project", "acme/widgets")
            seconds, out = timed_json(repo, "bridge", "pull")
            results["initial_pull"] = {"seconds": seconds, **out[0]}
            seconds, out = timed_json(repo, "bridge", "pull")
            results["second_pull_no_change"] = {"seconds": seconds, **out[0]}

            listed = json.loads(gi(repo, "list", "--limit", str(args.changed), "--json").stdout)
            for issue in listed:
                gi(repo, "edit", issue["id"], "--add-label", "pushed")
            seconds, out = timed_json(repo, "bridge", "push")
            results["push_changed"] = {"changed": len(listed), "seconds": seconds, **out[0]}

            listed = json.loads(gi(repo, "list", "--limit", str(2 * args.each_way),
                                   "--json").stdout)
            for issue in listed[:args.each_way]:
                gi(repo, "edit", issue["id"], "--title", issue["title"] + " (edited in gi)")
            for issue in list(fake.issues.values())[:args.each_way]:
                issue.title += " (edited remotely)"
                issue.updated_at = fake.state.tick()
            seconds, out = timed_json(repo, "bridge", "sync")
            results["sync_each_way"] = {"each_way": args.each_way, "seconds": seconds,
                                        "directions": out}
        finally:
            shutil.rmtree(repo, ignore_errors=True)
    report("bridges", results)


if __name__ == "__main__":
    main()
