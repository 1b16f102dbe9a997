"""The store and core CLI at scale (issue 2's targets).

    python bench/bench_core.py [--issues 10000] [--runs 30]

Builds a scratch repository, imports N issues, then times the first read, a full reindex,
the p50 of `show`, `list … --limit 20`, `ready --limit 5`, and `edit`, and the loose-object
growth of one single-issue change.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time

from common import gi, loose_object_bytes, report, sample_issues, scratch_repo, timed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=30)
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
        results["show"] = timed(lambda: gi(repo, "show", some), args.runs)
        results["show_json"] = timed(lambda: gi(repo, "show", some, "--json"), args.runs)
        results["list_label_limit20"] = timed(
            lambda: gi(repo, "list", "label:auth", "--limit", "20"), args.runs)
        results["list_text_limit20"] = timed(
            lambda: gi(repo, "list", "crash", "priority:<=2", "--limit", "20"), args.runs)
        results["ready_limit5"] = timed(lambda: gi(repo, "ready", "--limit", "5"), args.runs)
        n = iter(range(10**6))
        results["edit"] = timed(
            lambda: gi(repo, "edit", some, "--add-label", f"l{next(n)}"), max(5, args.runs // 3))
        before = loose_object_bytes(repo)
        gi(repo, "edit", issues[7]["id"], "--priority", "0")
        after = loose_object_bytes(repo)
        new = {k: v for k, v in after.items() if k not in before}
        results["growth_per_change_bytes"] = sum(new.values())
        results["growth_objects"] = len(new)
    finally:
        shutil.rmtree(repo, ignore_errors=True)
    report("core", results)


if __name__ == "__main__":
    main()
