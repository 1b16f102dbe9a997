"""Shared helpers for the benchmarks: a scratch repository, a timer, a sample generator."""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GI = shutil.which("gi") or str(Path(sys.executable).with_name("gi"))
WORDS = (
    "login crash password token parser cache index merge branch claim agent query render "
    "button sync remote timeout retry schema label priority webhook bridge"
).split()


def scratch_repo() -> Path:
    root = Path(tempfile.mkdtemp(prefix="gi-bench-"))
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null"}
    subprocess.run(["git", "init", "-q", str(root)], check=True, env=env)
    for k, v in (("user.name", "bench"), ("user.email", "bench@example.invalid")):
        subprocess.run(["git", "-C", str(root), "config", k, v], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "--allow-empty", "-m", "init"],
                   check=True, env=env)
    return root


def gi(repo: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GI_AGENT": "bench"}
    proc = subprocess.run([GI, *args], cwd=repo, capture_output=True, text=True, input=input,
                          env=env)
    if proc.returncode != 0:
        raise SystemExit(f"gi {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc


def timed(fn, n: int) -> dict[str, float]:  # noqa: ANN001
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"p50_ms": round(statistics.median(times), 1),
            "p90_ms": round(times[int(len(times) * 0.9) - 1], 1), "n": n}


def sample_issues(n: int, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    out = []
    for k in range(n):
        words = rnd.sample(WORDS, 5)
        out.append({
            "id": f"gi-{rnd.getrandbits(32):08x}",  # hash-like, as gi makes them
            "title": " ".join(words).capitalize(),
            "status": rnd.choice(["open"] * 6 + ["in_progress", "blocked", "closed", "closed"]),
            "type": rnd.choice(["bug", "feature", "task", "chore"]),
            "priority": rnd.randrange(5),
            "labels": rnd.sample(["auth", "ui", "api", "db", "perf", "docs"], rnd.randrange(3)),
            "assignees": rnd.sample(["alice", "bob", "agent-1", "agent-2"], rnd.randrange(2)),
            "body": f"Body of issue {k}: " + " ".join(rnd.choices(WORDS, k=30)) + "\n",
            "created": f"2026-{rnd.randrange(1, 12):02d}-{rnd.randrange(1, 28):02d}T10:00:00Z",
        })
    return out


def loose_object_bytes(repo: Path) -> dict[str, int]:
    objects = repo / ".git" / "objects"
    return {str(p): p.stat().st_size for p in objects.glob("[0-9a-f][0-9a-f]/*")}


def report(name: str, results: dict) -> None:
    print(json.dumps({"bench": name, **results}, indent=2))
