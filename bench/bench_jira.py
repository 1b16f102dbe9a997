"""The Jira bridge against the local fake Jira over real HTTP (issue 13's targets).

    python bench/bench_jira.py [--issues 5000] [--changed 100] [--deployment cloud|datacenter]

For each deployment (both unless one is named), seeds the fake with ISSUES issues (a
description with a list and code, labels, a comment on every tenth, a "Blocks" link on every
twentieth) and times through the CLI (`gi` on PATH):
- the initial `gi bridge pull` of all of them (target <= 30 s);
- a second pull with no remote change: its HTTP requests (target <= 2) and time;
- a push of CHANGED locally edited issues, title and label (target <= 15 s).
The fake lives in tests/fakes (the same one the tests use) and pages 100 issues a search.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

from common import gi, report, scratch_repo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fakes.jira import FakeJira  # noqa: E402

TOKEN = "bench-token"
EMAIL = "bench@example.com"
BODY = "Steps to reproduce issue {n}:\n\n1. open the page\n2. press *Save*\n\n" \
       "```\ntrace {n}\n```"


def timed_json(repo: Path, *args: str) -> tuple[dict, list[dict]]:
    """Wall seconds and the CPU seconds of `gi` and the git it ran (on a busy machine the
    wall time is mostly waiting; the fake's own work is in this process, not counted)."""
    before, t = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    out = gi(repo, *args, "--json").stdout
    wall, after = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": round(wall, 2), "cpu_seconds": round(cpu, 2)}, json.loads(out)


def seed(fake: FakeJira, issues: int) -> None:
    from gitissues.bridges.jira_markdown import from_markdown
    from gitissues.bridges.jira_wiki import from_adf

    for n in range(issues):
        doc = from_markdown(BODY.format(n=n))
        issue = fake.state.add_issue(f"Remote issue {n}", doc if fake.cloud else from_adf(doc),
                                     labels=["bug"] if n % 3 == 0 else [],
                                     issuetype="Bug" if n % 3 == 0 else "Task")
        if n % 10 == 0:
            fake.add_comment(issue.key, f"A comment on issue {n}")
        if n % 20 == 19:
            fake.state.add_link(f"ACME-{n}", issue.key)


def one(deployment: str, issues: int, changed: int) -> dict:
    os.environ["JIRA_TOKEN"] = TOKEN
    os.environ["JIRA_EMAIL"] = EMAIL if deployment == "cloud" else ""
    repo = scratch_repo()
    results: dict = {"issues": issues}
    with FakeJira(token=TOKEN, flavor=deployment, email=EMAIL) as fake:
        try:
            seed(fake, issues)
            gi(repo, "init")
            gi(repo, "bridge", "add", "work", "--platform", "jira", "--url", fake.base_url,
               "--project", "ACME", "--deployment", deployment)
            took, out = timed_json(repo, "bridge", "pull")
            results["initial_pull"] = {**took, **out[0]}
            took, out = timed_json(repo, "bridge", "pull")
            results["second_pull_no_change"] = {**took, **out[0]}
            took, out = timed_json(repo, "bridge", "pull")
            results["third_pull_no_change"] = {**took, **out[0]}

            listed = json.loads(gi(repo, "list", "--limit", str(changed), "--json").stdout)
            for issue in listed:
                gi(repo, "edit", issue["id"], "--title", issue["title"] + " (edited in gi)",
                   "--add-label", "pushed")
            took, out = timed_json(repo, "bridge", "push")
            results["push_changed"] = {"changed": len(listed), **took, **out[0]}
        finally:
            shutil.rmtree(repo, ignore_errors=True)
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", type=int, default=5_000)
    ap.add_argument("--changed", type=int, default=100)
    ap.add_argument("--deployment", choices=("cloud", "datacenter"))
    args = ap.parse_args()
    chosen = [args.deployment] if args.deployment else ["cloud", "datacenter"]
    report("jira", {d: one(d, args.issues, args.changed) for d in chosen})


if __name__ == "__main__":
    main()
