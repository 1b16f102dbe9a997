"""A running `gi webhook serve` for the contract tests: the real console script as a
subprocess in a sandbox, its stdout and stderr in files (a full pipe never blocks it)."""

from __future__ import annotations

import atexit
import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from conftest import GI

DEADLINE = 60.0  # seconds any wait below gives a loaded machine before the test fails


def wait_for(check: Any, what: str, deadline: float = DEADLINE) -> Any:
    """Poll `check()` until it returns something truthy; fail naming `what` after `deadline`."""
    end = time.monotonic() + deadline
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


_RUNNING: list[subprocess.Popen] = []


@atexit.register
def _kill_leftovers() -> None:
    """A test that failed before stopping its server leaves no process behind."""
    for proc in _RUNNING:
        if proc.poll() is None:
            proc.kill()


class Served:
    """`gi webhook serve --port 0 --json ARGS` in `sb`'s repository."""

    def __init__(self, sb: Any, *args: str, env: dict[str, str] | None = None) -> None:
        self.sandbox = sb
        n = sum(1 for _ in sb.base.glob("serve-*.out"))
        self.out_path, self.err_path = sb.base / f"serve-{n}.out", sb.base / f"serve-{n}.err"
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            # PYTHONFAULTHANDLER: a hung server killed with SIGABRT prints every thread's stack
            self.proc = subprocess.Popen([GI, "webhook", "serve", "--port", "0", "--json",
                                          *args], cwd=sb.repo,
                                         env={**sb.env, "PYTHONFAULTHANDLER": "1", **(env or {})},
                                         stdout=out, stderr=err)
        _RUNNING.append(self.proc)
        self.doc = wait_for(self._started, "gi webhook serve to say where it listens")
        self.url = self.doc["url"]

    def _started(self) -> Any:
        text = self.out_path.read_text()
        try:
            return json.loads(text)
        except ValueError:
            if self.proc.poll() is not None:
                raise AssertionError(f"gi webhook serve exited {self.proc.returncode}: "
                                     f"{self.err_path.read_text()}") from None
            return None

    @property
    def log(self) -> str:
        return self.err_path.read_text()

    def lines(self, delivery: str) -> list[str]:
        """The log lines about delivery `delivery`."""
        return [x for x in self.log.splitlines()
                if f" {delivery} " in x or f" {delivery}: " in x]

    def outcome(self, delivery: str) -> str:
        """The one line that says what became of `delivery` once it was applied."""
        def applied() -> list[str]:  # an accepted delivery's one line, once it is applied
            return [x for x in self.lines(delivery) if "duplicate" not in x]

        found = wait_for(applied, f"delivery {delivery} to be applied")
        assert len(found) == 1, found
        return found[0]

    def stop(self) -> tuple[int, str]:
        """SIGTERM, as a service manager stops it: (exit code, everything it logged)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGABRT)
            self.proc.wait(DEADLINE)
            raise AssertionError(f"gi webhook serve did not stop on SIGTERM:\n{self.log}"
                                 ) from None
        return code, self.log


def listed(sb: Any) -> dict[str, dict[str, Any]]:
    """Every local issue by title, closed ones too."""
    return {i["title"]: i for q in ([], ["is:closed"])
            for i in sb.gi("list", *q, "--limit", "0", "--json").json}


def user_config(sb: Any) -> Path:
    return Path(sb.env["XDG_CONFIG_HOME"]) / "issue-facade" / "config.yaml"


def free_port_taken() -> tuple[Any, int]:
    """A listening socket on 127.0.0.1 and its port (close it when done)."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    return s, s.getsockname()[1]
