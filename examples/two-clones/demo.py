#!/usr/bin/env python3
"""Two clones, one bare remote: agents on both share the work through `--remote` claims.

    python examples/two-clones/demo.py [--issues 16] [--agents-per-clone 2] [--dir PATH] [--json]

It makes a bare repository (the shared remote) and two clones of it, creates ISSUES issues on
the first clone and pushes them (`sync`), then starts AGENTS_PER_CLONE copies of
examples/agent-loop/agent.py on each clone with `--remote origin`: every claim is a push the
remote accepts for exactly one claimant, wherever it runs, and every close is pushed at once.
When the agents are done it syncs the clones (first, second, first again) and checks that
they converged (the same store commit on both clones and the remote) and that every issue was
claimed exactly once across both clones and closed by the agent that claimed it.
Exit 0 when every check holds, 1 otherwise. --dir keeps the repositories there.
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
STORE_BRANCH = "refs/heads/issue-facade"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def make_clones(root: Path, issues: int) -> tuple[Path, list[Path], list[str]]:
    """The bare remote, two clones of it, and the ids of the issues created on the first."""
    remote = root / "remote.git"
    git(root, "init", "-q", "--bare", str(remote))
    first = root / "clone-1"
    git(root, "clone", "-q", str(remote), str(first))
    for args in (["config", "user.name", "gi demo"],
                 ["config", "user.email", "demo@example.invalid"],
                 ["commit", "-q", "--allow-empty", "-m", "start"], ["push", "-q", "origin",
                                                                   "HEAD"]):
        git(first, *args)
    store = open_store(first)
    ids = [store.create(f"Shared task {n + 1} of {issues}", labels=["demo"]).id
           for n in range(issues)]
    store.sync("origin")  # the issues reach the remote
    second = root / "clone-2"
    git(root, "clone", "-q", str(remote), str(second))  # no gi init: the store comes along
    git(second, "config", "user.name", "gi demo")
    git(second, "config", "user.email", "demo@example.invalid")
    return remote, [first, second], ids


def run_agents(clones: list[Path], per_clone: int) -> list[dict]:
    procs = []
    for c, clone in enumerate(clones, 1):
        for k in range(1, per_clone + 1):
            procs.append(subprocess.Popen(
                [sys.executable, str(AGENT), "--repo", str(clone), "--agent",
                 f"clone{c}-agent{k}", "--remote", "origin", "--wait", "120", "--json",
                 "label:demo"], stdout=subprocess.PIPE, text=True))
    summaries = []
    for p in procs:
        out, _ = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"an agent failed with exit code {p.returncode}")
        summaries.append(json.loads(out))
    return summaries


def converge(remote: Path, clones: list[Path]) -> list[str]:
    """Sync first, second, first again; what differs afterwards (nothing when converged)."""
    for clone in [*clones, clones[0]]:
        open_store(clone).sync("origin")
    tips = {str(p): git(p, "rev-parse", STORE_BRANCH) for p in [remote, *clones]}
    problems = [] if len(set(tips.values())) == 1 else [f"store tips differ: {tips}"]
    exports = [[i.to_dict() for i in open_store(c).all_issues()] for c in clones]
    if exports[0] != exports[1]:
        problems.append("the clones' issues differ after sync")
    return problems


def check(clone: Path, ids: list[str]) -> tuple[dict[str, str], list[str]]:
    """Who did each issue according to the (now shared) activity log, and what went wrong."""
    claims: dict[str, list[str]] = {i: [] for i in ids}
    closes: dict[str, list[str]] = {i: [] for i in ids}
    for event in open_store(clone).events():
        if event["issue"] not in claims:
            continue
        if event["type"] == "claim.acquired":
            claims[event["issue"]].append(event["actor"])
        elif (event["type"] == "status.changed"
              and event["fields"]["status"]["new"] == "closed"):
            closes[event["issue"]].append(event["actor"])
    problems = [f"{i}: claimed by {claims[i]}, closed by {closes[i]}" for i in ids
                if len(claims[i]) != 1 or closes[i] != claims[i]]
    return {i: claims[i][0] for i in ids if claims[i]}, problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--issues", type=int, default=16)
    p.add_argument("--agents-per-clone", type=int, default=2)
    p.add_argument("--dir", type=Path, help="keep the repositories here (an empty directory)")
    p.add_argument("--json", action="store_true", help="print one JSON report")
    args = p.parse_args(argv)
    os.environ.pop("GI_AGENT", None)  # each agent is named on its command line
    with tempfile.TemporaryDirectory(prefix="gi-two-clones-") as tmp:
        root = args.dir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        remote, clones, ids = make_clones(root, args.issues)
        summaries = run_agents(clones, args.agents_per_clone)
        problems = converge(remote, clones)
        done_by, broken = check(clones[1], ids)
        problems += broken
    if args.json:
        print(json.dumps({"issues": len(ids), "done_by": done_by,
                          "agents": {s["agent"]: s["done"] for s in summaries},
                          "conflicts": sum(s["conflicts"] for s in summaries),
                          "problems": problems}, indent=2))
    else:
        for s in summaries:
            print(f"{s['agent']}: {len(s['done'])} issues done, {s['conflicts']} claims lost "
                  "to an agent here or on the other clone")
        verdict = "each done exactly once" if not problems else "PROBLEMS:"
        print(f"{len(done_by)} of {len(ids)} issues claimed across both clones; clones "
              f"converged; {verdict}" if not problems else verdict)
        for line in problems:
            print(f"  {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
