"""One single-issue write, in-process (gitissues.git.commits + refs) against the git plumbing it
replaces (`git fast-import` + `git update-ref`), at scale.

    python bench/bench_objects.py [--issues 10000] [--runs 40]

A store of ISSUES files in the fanned-out layout (`issues/<h0>/<h1>/<h2>/<id>.yaml`, h = sha1
of the id) is built with git fast-import, then each way of writing changes one file and moves
the ref, RUNS times: with every object loose, and again after `git gc`. Also: the same write as
a whole Python process (start-up, imports, one commit, one ref move) both ways: right after a
`git gc` (which removes the fan-out directories `objects/xx/`, so a loose write creates up to
seven again) and once they exist; and the import time of the modules. Prints one JSON
document.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import report, scratch_repo, timed

from gitissues.git import find_repo, plumbing, read_ref
from gitissues.git.commits import write_commit
from gitissues.git.refs import update_ref

REF = "refs/heads/issue-facade"
AUTHOR = ("bench", "bench@example.invalid")


def issue_path(n: int) -> str:
    issue_id = f"gi-{n:08x}"
    h = hashlib.sha1(issue_id.encode()).hexdigest()
    return f"issues/{h[0]}/{h[1]}/{h[2]}/{issue_id}.yaml"


def build(repo: Path, issues: int) -> None:
    parts = [b"commit %s\ncommitter b <b@x> 1700000000 +0000\ndata 6\nstore\n" % REF.encode()]
    for n in range(issues):
        body = b"id: gi-%08x\ntitle: issue %d\nstatus: open\n" % (n, n)
        parts.append(b"M 100644 inline %s\ndata %d\n%s\n" % (issue_path(n).encode(), len(body),
                                                            body))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(parts) + b"\n",
                   check=True)


def unpack(repo: Path) -> None:
    """Every object loose, as in a store that has only ever been written by loose objects."""
    for pack in (repo / ".git" / "objects" / "pack").glob("*.pack"):
        data = pack.read_bytes()
        for f in pack.parent.glob(pack.stem + ".*"):
            f.unlink()
        subprocess.run(["git", "unpack-objects", "-q"], cwd=repo, input=data, check=True)


def writes(repo: Path, runs: int, issues: int) -> dict[str, dict[str, float]]:
    paths = find_repo(repo)
    counter = iter(range(10**9))

    def change() -> dict[str, bytes]:
        k = next(counter)
        return {issue_path(k * 7919 % issues): b"id: x\ntitle: edit %d\n" % k}

    def in_process() -> None:
        tip = read_ref(paths, REF)
        new = write_commit(paths, tip, change(), "gi: edit", AUTHOR)
        assert update_ref(paths, REF, new, tip)

    def with_git() -> None:
        tip = read_ref(paths, REF)
        new = plumbing.write_commit(paths, tip, change(), "gi: edit", AUTHOR)
        assert plumbing.update_ref(paths, REF, new, tip)

    return {"in_process": timed(in_process, runs), "git_plumbing": timed(with_git, runs)}


PROCESS = f"""
import sys
from gitissues.git import find_repo, read_ref
from gitissues.git.commits import write_commit
from gitissues.git.refs import update_ref
paths = find_repo(sys.argv[1])
tip = read_ref(paths, "{REF}")
change = {{"issues/0/0/0/gi-x.yaml": sys.argv[2].encode()}}
new = write_commit(paths, tip, change, "m", ("b", "b@x"))
assert update_ref(paths, "{REF}", new, tip)
"""
PROCESS_GIT = f"""
import sys
from gitissues.git import find_repo, plumbing, read_ref
paths = find_repo(sys.argv[1])
tip = read_ref(paths, "{REF}")
change = {{"issues/0/0/0/gi-x.yaml": sys.argv[2].encode()}}
new = plumbing.write_commit(paths, tip, change, "m", ("b", "b@x"))
assert plumbing.update_ref(paths, "{REF}", new, tip)
"""


def processes(repo: Path, runs: int, env: dict[str, str]) -> dict[str, dict[str, float]]:
    counter = iter(range(10**9))
    empty = [sys.executable, "-c", "pass"]
    imports = [sys.executable, "-c", "import gitissues.git"]
    ours = [sys.executable, "-c", "import gitissues.git.refs, gitissues.git.commits"]

    def run(args: list[str]) -> None:
        subprocess.run(args, cwd=repo, env=env, check=True)

    return {
        "python_start": timed(lambda: run(empty), runs),
        "import_gitissues_git": timed(lambda: run(imports), runs),
        "import_commits_and_refs": timed(lambda: run(ours), runs),
        "process_one_write_in_process": timed(
            lambda: run([sys.executable, "-c", PROCESS, str(repo), str(next(counter))]), runs),
        "process_one_write_git_plumbing": timed(
            lambda: run([sys.executable, "-c", PROCESS_GIT, str(repo), str(next(counter))]),
            runs),
    }


def import_cost(env: dict[str, str], runs: int) -> dict[str, float]:
    """Self + children time of the new modules from `-X importtime`, medians in ms."""
    samples: dict[str, list[int]] = {}
    for _ in range(runs):
        err = subprocess.run([sys.executable, "-X", "importtime", "-c",
                              "import gitissues.git.refs, gitissues.git.commits"], env=env,
                             capture_output=True, text=True, check=True).stderr
        for line in err.splitlines():
            fields = [f.strip() for f in line.split("|")]
            if len(fields) == 3 and fields[2].startswith("gitissues.git."):
                samples.setdefault(fields[2], []).append(int(fields[1]))
    return {name: round(statistics.median(v) / 1000, 2) for name, v in samples.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=40)
    args = ap.parse_args()
    repo = scratch_repo()
    cache = tempfile.mkdtemp(prefix="gi-bench-pyc-")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache  # bytecode cached, as in an installed gi
    results: dict = {"issues": args.issues, "runs": args.runs}
    try:
        build(repo, args.issues)
        unpack(repo)
        os.sync()  # the steady state, not the write-back of 10,000 new files
        results["loose"] = writes(repo, args.runs, args.issues)
        subprocess.run(["git", "gc", "-q"], cwd=repo, check=True)
        os.sync()
        results["after_gc"] = writes(repo, args.runs, args.issues)
        subprocess.run(["git", "gc", "-q"], cwd=repo, check=True)
        results["process_right_after_gc"] = processes(repo, args.runs, env)
        for k in range(256):  # as they are again some hundred writes after a gc
            (repo / ".git" / "objects" / f"{k:02x}").mkdir(exist_ok=True)
        os.sync()
        results["process_fanout_directories_present"] = processes(repo, args.runs, env)
        results["import_ms"] = import_cost(env, args.runs)
        fsck = subprocess.run(["git", "fsck", "--strict"], cwd=repo, capture_output=True,
                              text=True)
        results["fsck_clean"] = fsck.returncode == 0 and not fsck.stderr.strip()
    finally:
        shutil.rmtree(repo, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
    report("objects", results)


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"# total {time.perf_counter() - t0:.0f} s", file=sys.stderr)
