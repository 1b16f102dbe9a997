"""Start `gi` processes together: each waits behind a barrier (a start file) until all of
them are running, so a race test races, instead of letting the first process finish before
the last one starts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

# Announce readiness, wait for the start file, then become the command (same pid).
_WAIT = """\
import os, sys, time
open(sys.argv[1], "w").close()
while not os.path.exists(sys.argv[2]):
    time.sleep(0.0005)
os.execv(sys.argv[3], sys.argv[3:])
"""


def start_together(commands: list[list[str]], cwd: os.PathLike[str] | str,
                   envs: list[dict[str, str]], gate: Path) -> list[subprocess.Popen]:
    """Start every command (argv lists whose first word is an absolute program path), wait
    until each is parked at the barrier, then release them all at once."""
    gate.mkdir(parents=True, exist_ok=True)
    go = gate / "go"
    procs = []
    for k, (argv, env) in enumerate(zip(commands, envs, strict=True)):
        ready = gate / f"ready-{k}"
        procs.append(subprocess.Popen([sys.executable, "-c", _WAIT, str(ready), str(go), *argv],
                                      cwd=cwd, env=env, text=True, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE))
    deadline = time.monotonic() + 60
    while not all((gate / f"ready-{k}").exists() for k in range(len(procs))):
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            for p in procs:
                p.kill()
            raise RuntimeError("a racer never reached the barrier")
        time.sleep(0.005)
    go.touch()
    return procs


def finish_all(procs: list[subprocess.Popen], timeout: float = 120
               ) -> list[tuple[int, str, str]]:
    """(exit code, stdout, stderr) of each process, in order."""
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=timeout)
        out.append((p.returncode, stdout, stderr))
    return out
