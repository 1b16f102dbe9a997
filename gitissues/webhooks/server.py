"""The HTTP side of the receiver: `POST /hooks/<platform>`, read safely, answered at once.

Standard library only (a thread per connection, `ThreadingHTTPServer`). The body's size is
judged from `Content-Length` before a byte of it is read: an oversize delivery is answered 413
and its body is drained and dropped a chunk at a time (never held), so that the sender still
reads the answer. A request is handed to `receive(platform, headers, body) -> (status, doc)`,
which must not block on anything slow: the receiver queues the work and answers.
"""

from __future__ import annotations

import json
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Receive = Callable[[str, dict[str, str], bytes], tuple[int, dict[str, Any]]]

# path → the platform whose signature scheme it checks; a Forgejo may post to either
PATHS = {f"/hooks/{p}": p for p in ("gitea", "github", "gitlab", "jira", "linear", "forgejo")}
READ_TIMEOUT = 30.0  # seconds a sender may take to send its request (a stalled one is dropped)
# After an early answer, what the sender still sends is drained and dropped while it keeps
# coming (a pause of LINGER_IDLE ends it), for at most LINGER_MAX seconds
LINGER_IDLE, LINGER_MAX = 2.0, 30.0
CHUNK = 64 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # a burst of deliveries waits in the kernel, not refused
    receive: Receive
    limit: int
    note: Callable[[str, str | None, str], None]


class _Server6(_Server):
    address_family = socket.AF_INET6


def make_server(host: str, port: int, receive: Receive, limit: int,
                note: Callable[[str, str | None, str], None]) -> ThreadingHTTPServer:
    """A bound (not yet serving) server; `note(platform, delivery_id, outcome)` logs a
    request refused before it reached `receive`."""
    cls = _Server6 if ":" in host else _Server
    server = cls((host, port), _Handler)
    server.receive, server.limit, server.note = receive, limit, note
    return server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gi-webhook"
    sys_version = ""
    timeout = READ_TIMEOUT
    disable_nagle_algorithm = True  # the answer goes out in two writes
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silent: the receiver logs one line per delivery itself, without the sender's
        request line (which could hold anything)."""

    def do_POST(self) -> None:
        platform = self._platform()
        if platform is None:
            return
        body = self._body(platform)
        if body is None:
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            status, doc = self.server.receive(platform, headers, body)
        except Exception as exc:  # noqa: BLE001 — a bug: one line, not a traceback with data
            self.server.note(platform, None, f"500 {type(exc).__name__}: {exc}")
            status, doc = 500, {"error": "internal error"}
        self._answer(status, doc)

    def _other(self) -> None:
        if self._platform() is not None:
            self._answer(405, {"error": "only POST"}, close=True, extra={"Allow": "POST"})

    do_GET = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _other

    def _platform(self) -> str | None:
        path = self.path.split("?", 1)[0].rstrip("/")
        platform = PATHS.get(path)
        if platform is None:
            self._answer(404, {"error": "not found; deliveries go to /hooks/{gitea,github,"
                                        "gitlab,jira,linear}"}, close=True)
        return platform

    def _body(self, platform: str) -> bytes | None:
        """The body, or None once a refusal was answered (no length, a bad one, too long)."""
        if self.headers.get("Transfer-Encoding"):
            self._refuse(platform, 411, "a chunked body (send Content-Length)")
            return None
        declared = (self.headers.get("Content-Length") or "").strip()
        if not declared.isdigit():
            self._refuse(platform, 411 if not declared else 400,
                         "no Content-Length" if not declared else "a bad Content-Length")
            return None
        length = int(declared)
        if length > self.server.limit:
            self._refuse(platform, 413, f"body of {length} bytes, over {self.server.limit}")
            return None
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True  # the sender went away mid-body: nothing to answer
            return None
        return body

    def _refuse(self, platform: str, status: int, why: str) -> None:
        from gitissues.webhooks.verify import claimed_id

        self.server.note(platform, claimed_id(platform, dict(self.headers.items())),
                         f"{status} {why}")
        self._answer(status, {"error": why}, close=True)

    def _answer(self, status: int, doc: dict[str, Any], close: bool = False,
                extra: dict[str, str] | None = None) -> None:
        data = json.dumps(doc).encode() + b"\n"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        if close:
            self._linger()

    def _linger(self) -> None:
        """Let the answer reach a sender still sending: a socket closed with unread data
        resets the connection, and the reset can overtake the answer. Half-close, then drain
        (and drop, a chunk at a time) what still arrives."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_MAX
            while (left := deadline - time.monotonic()) > 0:
                self.connection.settimeout(min(left, LINGER_IDLE))
                if not self.connection.recv(CHUNK):
                    break
        except OSError:  # the pause, the deadline, or the sender hung up: done either way
            pass
