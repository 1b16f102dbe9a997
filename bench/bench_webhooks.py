"""The webhook receiver against a local fake GitHub over real HTTP (issue 11's targets).

    python bench/bench_webhooks.py [--store 1000] [--parallel 200] [--rounds 20]

`gi webhook serve` (the `gi` on PATH) runs in a scratch repository whose store holds STORE
issues and a bridge to the fake. Measured:
- the answer time of PARALLEL deliveries posted at once (each a real GitHub `issues.opened`
  payload, signed, on its own connection): p50 and p99, and how long until all were applied;
- delivery → event: ROUNDS times, an issue is opened on the fake, its delivery posted, and the
  time taken until a running `gi log --follow --json` prints its issue.created (target <= 1 s).
The fake and the payloads are the tests' (tests/fakes).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import GI, gi, report, sample_issues, scratch_repo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fakes.github import FakeGitHub  # noqa: E402
from fakes.webhooks import github_event, post, signed  # noqa: E402

TOKEN, SECRET = "bench-token", "bench-webhook-secret"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))], 1)


def serve(repo: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str, Path]:
    err = repo / ".git" / "serve.err"
    with open(err, "wb") as log:
        proc = subprocess.Popen([GI, "webhook", "serve", "--port", "0", "--json"], cwd=repo,
                                env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    text = ""
    while True:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit(f"gi webhook serve exited: {err.read_text()}")
        text += line
        try:
            return proc, json.loads(text)["url"], err
        except ValueError:
            continue


def applied(err: Path, n: int) -> bool:
    return sum(" hub #" in x for x in err.read_text().splitlines()) >= n


def burst(fake: FakeGitHub, url: str, n: int, err: Path) -> dict:
    numbers = [fake.add_issue(f"Burst {k}").number for k in range(n)]
    bodies = [github_event(fake, k) for k in numbers]
    start, times = threading.Barrier(n), [0.0] * n
    statuses = [0] * n

    def one(i: int) -> None:
        headers = signed("github", bodies[i], SECRET, f"burst-{i}")
        start.wait()
        t = time.perf_counter()
        statuses[i] = post(f"{url}/hooks/github", bodies[i], headers)[0]
        times[i] = (time.perf_counter() - t) * 1000

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    while not applied(err, n):
        time.sleep(0.01)
    total = time.perf_counter() - t0
    if statuses != [202] * n:
        raise SystemExit(f"answers other than 202: {sorted(set(statuses))}")
    return {"deliveries": n, "answer_p50_ms": percentile(times, 0.5),
            "answer_p99_ms": percentile(times, 0.99), "answer_max_ms": round(max(times), 1),
            "all_applied_s": round(total, 2)}


def to_follow(fake: FakeGitHub, url: str, repo: Path, env: dict[str, str], rounds: int
              ) -> dict:
    follow = subprocess.Popen([GI, "log", "--follow", "--json"], cwd=repo, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    seen: dict[str, float] = {}
    cond = threading.Condition()

    def read() -> None:
        for line in follow.stdout:
            event = json.loads(line)
            if event["type"] == "issue.created":
                with cond:
                    seen[event["fields"]["title"]] = time.perf_counter()
                    cond.notify_all()

    threading.Thread(target=read, daemon=True).start()
    gi(repo, "create", "Following now")  # once it prints this, it is following
    with cond:
        cond.wait_for(lambda: "Following now" in seen, 60)
    waits = []
    try:
        for k in range(rounds):
            title = f"Followed {k}"
            issue = fake.add_issue(title, "")
            body = github_event(fake, issue.number)
            t = time.perf_counter()
            post(f"{url}/hooks/github", body, signed("github", body, SECRET, f"follow-{k}"))
            with cond:
                cond.wait_for(lambda title=title: title in seen, 60)
            waits.append((seen[title] - t) * 1000)
            time.sleep(0.3)  # rounds apart, so each starts at a random phase of the poll
    finally:
        follow.send_signal(signal.SIGTERM)
        follow.wait()
    return {"rounds": rounds, "p50_ms": percentile(waits, 0.5),
            "max_ms": round(max(waits), 1), "target_ms": 1000}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=int, default=1000, help="issues already in the store")
    ap.add_argument("--parallel", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    repo = scratch_repo()
    env = {**os.environ, "GI_AGENT": "bench", "GITHUB_TOKEN": TOKEN, "GI_BRIDGE_PACE": "0",
           "GI_WEBHOOK_SECRET": SECRET}
    results: dict = {"store_issues": args.store}
    with FakeGitHub(token=TOKEN) as fake:
        gi(repo, "init")
        if args.store:
            lines = "\n".join(json.dumps(i) for i in sample_issues(args.store))
            gi(repo, "import", "-", input=lines + "\n")
        gi(repo, "bridge", "add", "hub", "--platform", "github", "--url", fake.base_url,
           "--project", "acme/widgets")
        proc, url, err = serve(repo, env)
        try:
            results["burst"] = burst(fake, url, args.parallel, err)
            results["delivery_to_gi_log_follow"] = to_follow(fake, url, repo, env, args.rounds)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait()
    report("webhooks", results)


if __name__ == "__main__":
    main()
