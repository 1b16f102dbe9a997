#!/usr/bin/env python3
"""Many agents, one repository: N agent processes drain a queue of issues, each done once.

    python examples/multi-agent/demo.py [--agents 4] [--issues 40] [--repo PATH] [--json]

It fills a scratch repository (or --repo, which must have no open issues) with ISSUES issues,
every fourth depending on the one before it, starts AGENTS copies of
examples/agent-loop/agent.py on it at once, and waits for them. Then it reads the activity log
(`store.events()`, what `gi log --json` prints) and checks that every issue was claimed exactly
once and closed once, by the agent that claimed it, and never before its dependency was
closed. Prints who did what; exit 0 when every check holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from gitissues import open_store

AGENT = Path(__file__).resolve().parents[1] / "agent-loop" / "agent.py"


def scratch_repo(parent: Path) -> Path:
    repo = parent / "repo"
    repo.mkdir()
    for args in (["init", "-q"], ["config", "user.name", "gi demo"],
                 ["config", "user.email", "demo@example.invalid"],
                 ["commit", "-q", "--allow-empty", "-m", "start"]):
        subprocess.run(["git", *args], cwd=repo, check=True)
    return repo


def fill(repo: Path, count: int) -> dict[str, list[str]]:
    """Create the issues; returns each new id's dependencies."""
    store = open_store(repo)
    if store.list("is:open", limit=1).issues:
        raise SystemExit(f"{repo} has open issues already; use an empty repository")
    deps: dict[str, list[str]] = {}
    previous: list[str] = []
    for n in range(count):
        depends_on = previous[-1:] if n % 4 == 3 else []
        issue = store.create(f"Task {n + 1} of {count}", labels=["demo"], depends_on=depends_on)
        deps[issue.id] = depends_on
        previous.append(issue.id)
    return deps


def run_agents(repo: Path, count: int) -> list[dict]:
    procs = [subprocess.Popen([sys.executable, str(AGENT), "--repo", str(repo), "--agent",
                               f"agent-{k + 1}", "--wait", "120", "--json", "label:demo"],
                              stdout=subprocess.PIPE, text=True)
             for k in range(count)]
    summaries = []
    for p in procs:
        out, _ = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"an agent failed with exit code {p.returncode}")
        summaries.append(json.loads(out))
    return summaries


def check(repo: Path, deps: dict[str, list[str]]) -> tuple[dict[str, str], list[str]]:
    """Who did each issue, and every way the log breaks the rules (none when all is well)."""
    claims: dict[str, list[str]] = {i: [] for i in deps}
    closes: dict[str, list[str]] = {i: [] for i in deps}
    closed_at: dict[str, int] = {}
    problems = []
    for n, event in enumerate(open_store(repo).events()):
        issue = event["issue"]
        if issue not in deps:
            continue
        if event["type"] == "claim.acquired":
            claims[issue].append(event["actor"])
            late = [d for d in deps[issue] if d not in closed_at]
            if late:
                problems.append(f"{issue} was claimed before {', '.join(late)} was closed")
        elif (event["type"] == "status.changed"
              and event["fields"]["status"]["new"] == "closed"):
            closes[issue].append(event["actor"])
            closed_at[issue] = n
    for issue in deps:
        if len(claims[issue]) != 1 or closes[issue] != claims[issue]:
            problems.append(f"{issue}: claimed by {claims[issue]}, closed by {closes[issue]}")
    return {i: claims[i][0] for i in deps if claims[i]}, problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--agents", type=int, default=4)
    p.add_argument("--issues", type=int, default=40)
    p.add_argument("--repo", type=Path, help="use this repository (default: a scratch one)")
    p.add_argument("--json", action="store_true", help="print one JSON report")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gi-multi-agent-") as tmp:
        repo = args.repo or scratch_repo(Path(tmp))
        os.environ.pop("GI_AGENT", None)  # each agent is named on its command line
        deps = fill(repo, args.issues)
        summaries = run_agents(repo, args.agents)
        done_by, problems = check(repo, deps)
    by_agent = {s["agent"]: s["done"] for s in summaries}
    if args.json:
        print(json.dumps({"issues": len(deps), "done_by": done_by, "agents": by_agent,
                          "conflicts": sum(s["conflicts"] for s in summaries),
                          "problems": problems}, indent=2))
    else:
        for s in summaries:
            print(f"{s['agent']}: {len(s['done'])} issues done, {s['conflicts']} claims lost "
                  "to another agent (exit 4), so it took the next one")
        verdict = "each done exactly once" if not problems else "PROBLEMS:"
        print(f"{len(done_by)} of {len(deps)} issues claimed; {verdict}")
        for line in problems:
            print(f"  {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
