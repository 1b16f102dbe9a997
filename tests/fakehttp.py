"""A real HTTP server on 127.0.0.1 whose answers a test scripts, for the bridges' HTTP tests.

`FakeServer(answer)` listens on an ephemeral port in a thread; `answer(seen)` gets each request
(method, path, query, headers, body) and returns `(status, headers, body)`, where body is JSON
data, text or bytes, or `STALL` to hold the connection open until the server closes (a timeout
for the client). Every request is kept in `server.seen`.
`Kit` adds a fake clock (waits are recorded, not slept) and builds `Http` on such servers.
"""

from __future__ import annotations

import ast
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from gitissues.bridges.http import Http

STALL = object()
_FRAMING = {"content-length", "transfer-encoding", "content-encoding", "connection", "status"}
Reply = tuple[int, Iterable[tuple[str, str]] | dict[str, str], Any]


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes


class FakeServer:
    def __init__(self, answer: Callable[[Seen], Reply]) -> None:
        self.answer = answer
        self.seen: list[Seen] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 1 << 16  # headers and body leave in one write (no delayed-ACK stall)

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                split = urlsplit(self.path)
                seen = Seen(self.command, split.path,
                            {k: v[-1] for k, v in parse_qs(split.query).items()},
                            {k.lower(): v for k, v in self.headers.items()},
                            self.rfile.read(length))
                server.seen.append(seen)
                status, headers, body = server.answer(seen)
                if body is STALL:
                    server.release.wait(10)
                    return
                if isinstance(body, bytes):
                    data = body
                elif isinstance(body, str):
                    data = body.encode()
                else:
                    data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                pairs = headers.items() if isinstance(headers, dict) else headers
                for name, value in pairs:
                    if name.lower() not in _FRAMING:  # recorded ones describe their own body
                        self.send_header(name, value)
                if body is not None and not any(n.lower() == "content-type" for n, _ in pairs):
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # a client that hung up
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def script(*replies: Reply) -> Callable[[Seen], Reply]:
    """An answer that gives `replies` in order, then 599 (so a test sees an extra request)."""
    queue = list(replies)

    def answer(seen: Seen) -> Reply:
        return queue.pop(0) if queue else (599, {}, {"message": "script exhausted"})

    return answer


def recorded_dir() -> Path | None:
    """`shared/recorded` next to the checkout (or to one of its parents), if present."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "recorded"
        if candidate.is_dir():
            return candidate
    return None


def pygithub_exchanges(path: Path) -> list[tuple[int, list[tuple[str, str]], str]]:
    """(status, response headers, body) of each exchange in a PyGithub replay file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    i = 0
    while i < len(lines):
        if lines[i] in ("http", "https") and i + 9 < len(lines):
            found.append((int(lines[i + 7]), ast.literal_eval(lines[i + 8]), lines[i + 9]))
            i += 10
        else:
            i += 1
    return found


def http_transcript(path: Path) -> tuple[int, list[tuple[str, str]], str]:
    """(status, headers, body) of a raw HTTP/1.1 response transcript."""
    head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
    status_line, *header_lines = head.splitlines()
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in header_lines]
    return int(status_line.split()[1]), headers, body  # type: ignore[return-value]


NOW = 1_700_000_000.0


class Clock:
    """Time that moves only when the code under test sleeps: waits are recorded, not slept."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now
        self.sleeps: list[float] = []
        self.said: list[str] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def say(self, message: str) -> None:
        self.said.append(message)


class Kit:
    def __init__(self) -> None:
        self.clock = Clock()
        self.servers: list[FakeServer] = []
        self.clients: list[httpx.Client] = []

    def serve(self, answer: Callable[[Seen], Reply]) -> FakeServer:
        server = FakeServer(answer)
        self.servers.append(server)
        return server

    def http(self, base_url: str, *, headers: dict[str, str] | None = None,
             timeout: float | httpx.Timeout = 5.0, **options: Any) -> Http:
        client = httpx.Client(base_url=base_url, headers=headers, timeout=timeout)
        self.clients.append(client)
        options.setdefault("token_env", "GITEA_TOKEN")
        options.setdefault("say", self.clock.say)
        return Http(client, bridge="work", sleep=self.clock.sleep, clock=self.clock.time,
                    **options)

    def close(self) -> None:
        for client in self.clients:
            client.close()
        for server in self.servers:
            server.close()
