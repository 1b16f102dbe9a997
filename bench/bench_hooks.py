"""Extra time the gi hooks add to a `git commit` (SPEC §9 and issue 11: ≤ 20 ms for a commit
that refers to nothing, ≤ 150 ms for one that refers to an issue): N rounds, each one commit in
a repository without hooks, one with hooks and no reference, one with hooks and a reference
(round-robin, so a change in the machine's load touches all three alike). Reports medians of
the wall time and of the CPU time git and everything it started used (user + system: on a
machine shared with other work, the steadier of the two).
Usage: python bench/bench_hooks.py [N] [--issues K]   (the `gi` beside the interpreter that
runs it; K issues imported into each store first, default 1)"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import sample_issues  # noqa: E402

GI = str(Path(sys.executable).parent / "gi")
ENV = {**os.environ, "PATH": "/usr/bin:/bin", "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x",
       "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@x", "GI_AGENT": "bench"}


def timed_commit(repo: str, message: str) -> tuple[float, float]:
    """(wall ms, CPU ms) of one `git commit` and everything it ran."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", message], cwd=repo, env=ENV,
                   check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall * 1000, cpu * 1000


def packed(repo: str) -> None:
    """Pack the store after the import, as gi's own upkeep soon does (else every write starts
    a background gc); a gc the import started may hold git's lock for a while."""
    deadline = time.monotonic() + 300
    while subprocess.run(["git", "gc", "-q"], cwd=repo, env=ENV, capture_output=True
                         ).returncode != 0:
        if time.monotonic() > deadline:
            raise SystemExit("git gc kept failing")
        time.sleep(0.5)


def setup(repo: str, hooks: bool, issues: int) -> str:
    """A repository with a store of `issues` issues (the id of one), with or without the
    hooks."""
    def run(*args: str, stdin: str | None = None) -> str:
        return subprocess.run(args, cwd=repo, env=ENV, check=True, capture_output=True,
                              text=True, input=stdin).stdout.strip()

    run("git", "init", "-q", "-b", "main")
    run("git", "commit", "-q", "--allow-empty", "-m", "initial")
    run(GI, "init")
    if issues > 1:
        run(GI, "import", "-", stdin="".join(json.dumps(i) + "\n"
                                             for i in sample_issues(issues - 1)))
        packed(repo)
    issue = run(GI, "create", "bench")
    if hooks:
        run(GI, "hooks", "install")
    return issue


def main() -> None:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("rounds", nargs="?", type=int, default=20)
    p.add_argument("--issues", type=int, default=1)
    args = p.parse_args()
    n, issues = args.rounds, args.issues
    runs: dict[str, list[tuple[float, float]]] = {"bare": [], "plain": [], "linked": []}
    with tempfile.TemporaryDirectory() as bare, tempfile.TemporaryDirectory() as hooked:
        setup(bare, hooks=False, issues=issues)
        issue = setup(hooked, hooks=True, issues=issues)
        for _ in range(n):
            runs["bare"].append(timed_commit(bare, "plain commit"))
            runs["plain"].append(timed_commit(hooked, "plain commit"))
            runs["linked"].append(timed_commit(hooked, f"Refs {issue}"))
    wall = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
    print(f"{issues} issues, {n} rounds, medians (wall / CPU): no hooks {wall['bare']:.1f} / "
          f"{cpu['bare']:.1f} ms; hooks, no reference +{wall['plain'] - wall['bare']:.1f} / "
          f"+{cpu['plain'] - cpu['bare']:.1f} ms; hooks, a reference "
          f"+{wall['linked'] - wall['bare']:.1f} / +{cpu['linked'] - cpu['bare']:.1f} ms")


if __name__ == "__main__":
    main()
