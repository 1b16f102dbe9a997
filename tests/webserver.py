"""A real `gi web` for the tests: started as a subprocess (`gi web --port 0`), its address read
from the first line it prints, asked with http.client (so a test controls every header), and
stopped at the end. Also: a store of many issues made in one `gi import` commit."""

from __future__ import annotations

import http.client
import json
import os
import re
import selectors
import signal
import subprocess
import time
from typing import Any
from urllib.parse import urlsplit

from tests.conftest import GI, Sandbox

START_DEADLINE = 60.0


class Web:
    """One running `gi web`; `call` answers (status, headers, body text)."""

    def __init__(self, sandbox: Sandbox, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [GI, "web", "--port", "0", *args], cwd=sandbox.repo, env={**sandbox.env,
                                                                       **(env or {})},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self._first_line()
        found = re.search(r"http://[^\s]+/", line)
        if not found:
            self.stop()
            raise AssertionError(f"gi web did not say where it listens: {line!r} "
                                 f"{self.proc.stderr.read() if self.proc.stderr else ''}")
        self.url = found.group(0)
        parts = urlsplit(self.url)
        self.host, self.port = parts.hostname or "", parts.port or 0
        self.origin = f"http://{parts.netloc}"

    def _first_line(self) -> str:
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(START_DEADLINE):
                self.stop()
                raise AssertionError("gi web printed nothing in time")
        return self.proc.stdout.readline()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def connection(self, timeout: float = 60) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def call(self, method: str, path: str, body: Any = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        data = body if isinstance(body, bytes | str) or body is None else json.dumps(body)
        conn = self.connection()
        try:
            conn.request(method, path, body=data, headers=headers or {})
            reply = conn.getresponse()
            text = reply.read().decode("utf-8")
            return reply.status, {k.lower(): v for k, v in reply.getheaders()}, text
        finally:
            conn.close()

    def token(self) -> str:
        """The write token of the pages (`<meta name="gi-token">`)."""
        status, _, text = self.call("GET", "/")
        found = re.search(r'<meta name="gi-token" content="([^"]+)"', text)
        assert found, text[:500]
        return found.group(1)

    def write(self, method: str, path: str, body: Any = None, *, token: str | None = None,
              headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """A write as the page makes it (token, same origin); (status, JSON answer)."""
        sent = {"Content-Type": "application/json", "Origin": self.origin,
                "X-GI-Token": token if token is not None else self.token(), **(headers or {})}
        status, _, text = self.call(method, path, body, sent)
        return status, json.loads(text) if text.strip() else None


def events(web: Web, count: int, headers: dict[str, str] | None = None,
           deadline: float = 60.0, path: str = "/events") -> list[dict[str, str]]:
    """The first `count` server-sent events of `GET /events`, each {id, event, data}."""
    conn = web.connection(timeout=deadline)
    conn.request("GET", path, headers=headers or {})
    reply = conn.getresponse()
    assert reply.status == 200, reply.status
    assert reply.getheader("Content-Type", "").startswith("text/event-stream")
    out: list[dict[str, str]] = []
    current: dict[str, str] = {}
    end = time.monotonic() + deadline
    while len(out) < count and time.monotonic() < end:
        line = reply.fp.readline().decode("utf-8")
        if not line:
            break
        line = line.rstrip("\n")
        if not line:
            if "data" in current:
                out.append(current)
            current = {}
        elif not line.startswith(":"):
            key, _, value = line.partition(":")
            current[key] = value[1:] if value.startswith(" ") else value
    conn.close()
    return out


def import_issues(sandbox: Sandbox, issues: list[dict[str, Any]]) -> None:
    """Many issues in one commit (`gi import`)."""
    text = "".join(json.dumps(i) + "\n" for i in issues)
    r = sandbox.gi("import", "-", input=text, timeout=300)
    assert r.code == 0, r


def sample(n: int, prefix: str = "gi-", start: int = 0, **fields: Any) -> list[dict[str, Any]]:
    """`n` issues with ids `gi-00a00000…`, spread over the statuses and priorities."""
    out = []
    for k in range(start, start + n):
        out.append({"id": f"{prefix}{k:06x}aa", "title": f"Issue number {k}",
                    "priority": k % 5, "labels": ["auth"] if k % 3 == 0 else ["ui"],
                    "created": f"2026-01-01T00:{k // 60 % 60:02d}:{k % 60:02d}Z",
                    "updated": f"2026-01-01T00:{k // 60 % 60:02d}:{k % 60:02d}Z", **fields})
    return out


def browser_args() -> list[str]:
    return ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]


CHROMIUM = "/usr/bin/chromium"


def require_all() -> bool:
    return bool(os.environ.get("GI_TEST_REQUIRE_ALL"))
