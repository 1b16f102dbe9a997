"""Extra time the gi hooks add to a `git commit` (SPEC §9): the median of N commits without
hooks, with hooks and no reference, with hooks and a reference.
Usage: .venv/bin/python bench/bench_hooks.py [N]"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GI = str(Path(sys.executable).parent / "gi")
ENV = {**os.environ, "PATH": "/usr/bin:/bin", "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x",
       "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@x", "GI_AGENT": "bench"}


def median_ms(repo: str, message: str, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", message], cwd=repo,
                       env=ENV, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory() as repo:
        run = lambda *a: subprocess.run(a, cwd=repo, env=ENV, check=True,  # noqa: E731
                                        capture_output=True, text=True).stdout.strip()
        run("git", "init", "-q", "-b", "main")
        run(GI, "init")
        issue = run(GI, "create", "bench")
        bare = median_ms(repo, "plain commit", n)
        run(GI, "hooks", "install")
        plain = median_ms(repo, "plain commit", n)
        linked = median_ms(repo, f"Refs {issue}", n)
    print(f"{n} commits each, medians: no hooks {bare:.1f} ms; hooks, no reference "
          f"{plain:.1f} ms (+{plain - bare:.1f}); hooks, a reference {linked:.1f} ms "
          f"(+{linked - bare:.1f})")


if __name__ == "__main__":
    main()
