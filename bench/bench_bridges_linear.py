"""The Linear bridge against the local fake Linear over real HTTP (issue 13's targets).

    python bench/bench_bridges_linear.py [--issues 5000] [--changed 100]

Seeds the fake with ISSUES issues (a third with a label, a tenth with a comment), then times
through the CLI (`gi` on PATH):
- the initial `gi bridge pull` of all of them (target <= 30 s);
- a second pull with no remote change: its requests (target <= 2) and time;
- a push of CHANGED locally edited issues (target <= 15 s), and its requests.
The fake (tests/fakes/linear.py, the one the tests use) validates every document against
Linear's schema and executes it with graphql-core, so its own time is part of the wall
figures; the CPU seconds of gi and of the fake are reported apart.
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
from fakes.linear import FakeLinear  # noqa: E402

KEY = "lin_api_bench"


def timed_json(repo: Path, *args: str) -> tuple[dict[str, float], list[dict]]:
    """Wall seconds, and CPU seconds of gi and of the fake (this process): on a shared,
    loaded machine the wall time mostly measures the queue for the cores."""
    before, fake, t = resource.getrusage(resource.RUSAGE_CHILDREN), time.process_time(), \
        time.perf_counter()
    out = gi(repo, *args, "--json").stdout
    wall, after = time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"seconds": round(wall, 2), "gi_cpu_seconds": round(cpu, 2),
            "fake_cpu_seconds": round(time.process_time() - fake, 2)}, json.loads(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", type=int, default=5_000)
    ap.add_argument("--changed", type=int, default=100)
    args = ap.parse_args()
    os.environ["LINEAR_API_KEY"] = KEY
    repo = scratch_repo()
    results: dict = {"issues": args.issues}
    with FakeLinear(key=KEY) as fake:
        try:
            ws = fake.ws
            for n in range(args.issues):
                issue = ws.add_issue(f"Remote issue {n}", f"Body of remote issue {n}\n",
                                     labels=["Bug"] if n % 3 == 0 else [], priority=n % 5)
                if n % 10 == 0:
                    ws.add_comment(issue, f"A comment on {n}")
            gi(repo, "init")
            gi(repo, "bridge", "add", "lin", "--platform", "linear", "--url", fake.base_url,
               "--project", "ENG")
            seconds, out = timed_json(repo, "bridge", "pull")
            results["initial_pull"] = {**seconds, **out[0]}
            seconds, out = timed_json(repo, "bridge", "pull")
            results["second_pull_no_change"] = {**seconds, **out[0]}

            listed = json.loads(gi(repo, "list", "--limit", str(args.changed), "--json").stdout)
            for issue in listed:
                gi(repo, "edit", issue["id"], "--add-label", "pushed", "--title",
                   issue["title"] + " (edited)")
            seconds, out = timed_json(repo, "bridge", "push")
            results["push_changed"] = {"changed": len(listed), **seconds, **out[0]}
        finally:
            shutil.rmtree(repo, ignore_errors=True)
    report("bridges_linear", results)


if __name__ == "__main__":
    main()
