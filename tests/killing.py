"""Kill a running `gi` mid-work as a crash would (SIGKILL to its process group), then recover
as a user is told to: a kill that lands inside the store's ref update leaves
`issue-facade.lock` behind, and gi refuses to guess whether its writer is gone (exit 4 naming
the lock, as git does); `gi doctor --fix` removes it once no live writer could hold it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any

from conftest import GI


def start_gi(sb: Any, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`gi ARGS` in the sandbox's repository, in its own process group."""
    return subprocess.Popen([GI, *args], cwd=sb.repo, env={**sb.env, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def kill_when(proc: subprocess.Popen, done: Callable[[], bool], sb: Any,
              deadline: float = 120) -> None:
    """SIGKILL `proc`'s group once `done()` holds (or it ended, or `deadline` seconds passed),
    then clear a ref lock the kill left, with `gi doctor --fix`."""
    try:
        end = time.monotonic() + deadline
        while not done() and proc.poll() is None and time.monotonic() < end:
            time.sleep(0.001)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    lock = sb.repo / ".git" / "refs" / "heads" / "issue-facade.lock"
    if lock.exists():
        r = sb.gi("doctor", "--fix", timeout=60)
        assert r.code == 0 and not lock.exists(), r
