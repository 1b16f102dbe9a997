"""`gi mcp` from the client's side (issue 12's targets).

    python bench/bench_mcp.py [--issues 10000] [--runs 200] [--starts 5]

Imports N issues, then drives the real `gi mcp` over stdio with the official SDK's client, as an
agent's tool does: the server's start-up (spawn → initialize answered, and → first answer from
the store), then, in one session, the p50/p90 of `ready` (limit 10), `show` (compact and full),
`list` (a label, limit 20; and page 2 through the cursor), and of the writes `claim` (by id, and
next: true), `progress` and `release`. Each call is timed from the client: the request written
to the server's stdin until its answer is read.
`ready` and `list` are also timed right after a write by another process (a `gi edit`, not
timed), when their total has to be counted again.
Targets (10,000 issues): ready/show/list p50 <= 10 ms, claim p50 <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import statistics
import time

import anyio
from common import GI, gi, report, sample_issues, scratch_repo
from mcp import Client, StdioServerParameters
from mcp_types import Implementation

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _stats(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50_ms": round(statistics.median(times), 1),
            "p90_ms": round(times[max(0, math.ceil(len(times) * 0.9) - 1)], 1),
            "n": len(times)}


def _server(repo: str) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if k != "GI_AGENT"}  # the client names itself
    return StdioServerParameters(command=GI, args=["mcp"], cwd=repo, env=env)


def _client(repo: str) -> Client:
    return Client(_server(repo), client_info=Implementation(name="bench-agent", version="1"),
                  mode="legacy", cache=None)


async def _start_up(repo: str, starts: int) -> dict:
    to_init, to_answer = [], []
    for _ in range(starts):
        t = time.perf_counter()
        async with _client(repo) as client:
            to_init.append((time.perf_counter() - t) * 1000)
            await client.call_tool("ready", {"limit": 1})
            to_answer.append((time.perf_counter() - t) * 1000)
    return {"initialize": _stats(to_init), "first_answer": _stats(to_answer)}


async def _calls(repo: Any, ids: list[str], runs: int) -> dict:
    rnd = random.Random(3)
    out: dict = {}
    async with _client(str(repo)) as client:

        async def timed(name: str, make_args, n: int = runs) -> list[dict]:  # noqa: ANN001
            times, answers = [], []
            for _ in range(n):
                args = make_args()
                t = time.perf_counter()
                result = await client.call_tool(name.split()[0], args)
                times.append((time.perf_counter() - t) * 1000)
                if result.is_error:
                    raise SystemExit(f"{name} {args}: {result.content[0].text}")
                answers.append(json.loads(result.content[0].text))
            out[name] = _stats(times)
            return answers

        await timed("ready", lambda: {"limit": 10}, 20)  # warm: the first call opens the store
        await timed("ready", lambda: {"limit": 10})

        def after_a_write(args: dict) -> dict:
            """Another process writes first (untimed): the next read recounts its total."""
            gi(repo, "edit", rnd.choice(ids), "--priority", str(rnd.randrange(5)))
            return args

        await timed("ready after a write", lambda: after_a_write({"limit": 10}), 30)
        await timed("list after a write", lambda: after_a_write({"limit": 20}), 30)
        await timed("show", lambda: {"id": rnd.choice(ids)})
        await timed("show full", lambda: {"id": rnd.choice(ids), "full": True})
        first = await timed("list", lambda: {"query": "label:auth", "limit": 20})
        await timed("list page 2", lambda: {"query": "label:auth", "limit": 20,
                                             "cursor": first[0]["cursor"]})
        listed = await client.call_tool("ready", {"limit": 100})
        ready = [line.split(" ", 1)[0] for line in
                 json.loads(listed.content[0].text)["issues"]]
        todo = iter(ready)
        claimed = await timed("claim", lambda: {"id": next(todo)}, min(runs, len(ready) // 2))
        mine = iter([c["issue"].split(" ", 1)[0] for c in claimed])
        await timed("progress", lambda: {"id": next(mine), "progress": 0.5}, len(claimed))
        mine = iter([c["issue"].split(" ", 1)[0] for c in claimed])
        await timed("release", lambda: {"id": next(mine)}, len(claimed))
        await timed("claim next", lambda: {"next": True}, min(runs, 50))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--starts", type=int, default=5)
    args = ap.parse_args()
    repo = scratch_repo()
    results: dict = {"issues": args.issues}
    try:
        gi(repo, "init")
        issues = sample_issues(args.issues)
        for issue in issues:
            if issue["status"] in ("in_progress", "blocked"):
                issue["status"] = "open"  # ready ones to claim; no claims in the sample
        gi(repo, "import", "-", input="".join(json.dumps(i) + "\n" for i in issues))
        gi(repo, "list", "--limit", "1")  # build the index before timing
        ids = [i["id"] for i in issues]
        results["start_up"] = anyio.run(_start_up, str(repo), args.starts)
        results["calls"] = anyio.run(_calls, repo, ids, args.runs)
    finally:
        shutil.rmtree(repo, ignore_errors=True)
    report("mcp", results)


if __name__ == "__main__":
    main()
