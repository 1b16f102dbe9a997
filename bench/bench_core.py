"""The store and core CLI at scale (issue 2's and the core-hardening issue's targets).

    python bench/bench_core.py [--issues 10000] [--runs 21] [--changes 1000]

Builds a scratch repository, imports N issues, then measures, each as p50/p90 over RUNS runs
taken round-robin (so a burst of load on the machine hits every command alike):
- `python -c pass` (the floor every command stands on), in the same run;
- reads: `show`, `show --json`, `list label:auth --limit 20`, a text + priority query,
  `ready --limit 5`, `claims`;
- writes: `create`, `edit`, `comment`, `close`, `claim`, `release`, `progress`;
- the first read after the import, a full index build from nothing;
- the growth of one single-issue change (the stored size of the objects it adds; median and
  max of 5) and, after CHANGES single changes, the disk the object store takes (blocks, as
  `du` counts them).
Targets at 10k: reads p50 <= 45 ms, writes p50 <= 50 ms, growth <= 16 KiB; at 100k: reads
<= 60 ms, writes <= 80 ms, import <= 3 min, index build <= 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import gi, report, sample_issues, scratch_repo


def objects_bytes(repo: Path) -> tuple[int, int]:
    """(bytes of every file in the object store, disk blocks they take in bytes)."""
    size = blocks = 0
    for top, _dirs, files in os.walk(repo / ".git" / "objects"):
        for f in files:
            st = (Path(top) / f).stat()
            size += st.st_size
            blocks += st.st_blocks * 512
    return size, blocks


def change_growth(repo: Path, issue_id: str) -> int:
    """Bytes the objects new with one `gi edit` take in the object store, as stored (loose
    objects are zlib files, packed ones deltas); independent of a background `git gc --auto`
    repacking the rest meanwhile."""
    def tip() -> str:
        return subprocess.run(["git", "-C", str(repo), "rev-parse", "refs/heads/issue-facade"],
                              capture_output=True, text=True, check=True).stdout.strip()
    before = tip()
    gi(repo, "edit", issue_id, "--add-label", "growth")
    listed = subprocess.run(["git", "-C", str(repo), "rev-list", "--objects", tip(),
                             "--not", before], capture_output=True, text=True, check=True)
    oids = "".join(line.split()[0] + "\n" for line in listed.stdout.splitlines())
    sizes = subprocess.run(["git", "-C", str(repo), "cat-file",
                            "--batch-check=%(objectsize:disk)"], input=oids,
                           capture_output=True, text=True, check=True)
    return sum(int(x) for x in sizes.stdout.split())


def round_robin(commands: dict[str, object], runs: int) -> dict[str, dict]:
    """Each command once per round, RUNS rounds; p50/p90 in milliseconds."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, fn in commands.items():
            t = time.perf_counter()
            fn()  # type: ignore[operator]
            times[name].append((time.perf_counter() - t) * 1000)
    out = {}
    for name, ts in times.items():
        ts.sort()
        out[name] = {"p50_ms": round(statistics.median(ts), 1),
                     "p90_ms": round(ts[max(0, int(len(ts) * 0.9) - 1)], 1), "n": len(ts)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--changes", type=int, default=1000)
    args = ap.parse_args()
    repo = scratch_repo()
    results: dict = {"issues": args.issues}
    try:
        gi(repo, "init")
        issues = sample_issues(args.issues)
        jsonl = "".join(json.dumps(i) + "\n" for i in issues)
        t = time.perf_counter()
        gi(repo, "import", "-", input=jsonl)
        results["import_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        gi(repo, "list", "--limit", "20")
        results["first_read_after_import_s"] = round(time.perf_counter() - t, 3)
        for f in (repo / ".git" / "issue-facade").glob("index-*"):
            f.unlink()
        t = time.perf_counter()
        gi(repo, "list", "--limit", "20")
        results["index_build_from_scratch_s"] = round(time.perf_counter() - t, 2)

        some = issues[len(issues) // 2]["id"]
        ready = [i["id"] for i in issues if i["status"] == "open"][:args.runs + 5]
        counter = iter(range(10**6))
        taken = iter(ready)
        released: list[str] = []

        def claim() -> None:
            issue_id = next(taken)
            gi(repo, "claim", issue_id)
            released.append(issue_id)

        py = sys.executable
        commands = {
            "python_c_pass": lambda: subprocess.run([py, "-c", "pass"], check=True),
            "show": lambda: gi(repo, "show", some),
            "show_json": lambda: gi(repo, "show", some, "--json"),
            "list_label_limit20": lambda: gi(repo, "list", "label:auth", "--limit", "20"),
            "list_text_priority_limit20": lambda: gi(repo, "list", "crash", "priority:<=2",
                                                     "--limit", "20"),
            "ready_limit5": lambda: gi(repo, "ready", "--limit", "5"),
            "claims": lambda: gi(repo, "claims"),
            "create": lambda: gi(repo, "create", f"Bench issue {next(counter)}"),
            "edit": lambda: gi(repo, "edit", some, "--add-label", f"l{next(counter)}"),
            "comment": lambda: gi(repo, "comment", some, f"note {next(counter)}"),
            "claim": claim,
            "release": lambda: gi(repo, "release", released.pop()),
            "progress": lambda: gi(repo, "progress", some, "--progress",
                                   str(next(counter) % 100 / 100)),
            "close": lambda: gi(repo, "close", gi(repo, "create", "to close").stdout.strip()),
        }
        results.update(round_robin(commands, args.runs))
        results["close"]["note"] = "includes the create of the issue it closes"

        growth = sorted(change_growth(repo, issues[7 + k]["id"]) for k in range(5))
        results["growth_per_change_bytes"] = {"median": growth[2], "max": growth[-1]}

        size, blocks = objects_bytes(repo)
        t = time.perf_counter()
        for k in range(args.changes):
            gi(repo, "edit", issues[k % len(issues)]["id"], "--add-label", f"c{k}")
        elapsed = time.perf_counter() - t
        time.sleep(5)  # a background `git gc --auto` may still be packing
        size2, blocks2 = objects_bytes(repo)
        results["after_changes"] = {
            "changes": args.changes, "seconds": round(elapsed, 1),
            "objects_bytes_before": size, "objects_bytes_after": size2,
            "disk_blocks_bytes_before": blocks, "disk_blocks_bytes_after": blocks2,
            "packs": len(list((repo / ".git" / "objects" / "pack").glob("*.pack"))),
            "loose_objects": sum(1 for d in (repo / ".git" / "objects").glob("[0-9a-f][0-9a-f]")
                                 for _ in d.iterdir()),
        }
    finally:
        shutil.rmtree(repo, ignore_errors=True)
    report("core", results)


if __name__ == "__main__":
    main()
