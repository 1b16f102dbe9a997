"""The shared base of the fake forges: a real HTTP server on 127.0.0.1 (port 0, in a thread),
routing by method and path, token auth, conditional GETs, fault injection and a request log.

A subclass registers its routes (`self.route("GET", r"/api/v1/.../issues", handler)`), says how
a token arrives (`token_from`) and how errors look (`error_body`); it renders the `Tracker`'s
records in its API's shape. Handlers run one at a time under a lock, so state stays consistent
while clients talk to the server from many threads.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from fakes.state import Issue, Tracker


class Logged(NamedTuple):
    """One request as the fake saw it, with the status it answered."""

    method: str
    path: str
    query: dict[str, str]
    status: int


@dataclass
class Fault:
    """An answer to give instead of the real one, `times` times, to matching requests."""

    status: int
    method: str | None
    path: re.Pattern[str] | None
    times: int
    headers: dict[str, str]
    body: Any

    def matches(self, method: str, target: str) -> bool:
        return (self.times > 0 and (self.method is None or self.method == method)
                and (self.path is None or self.path.search(target) is not None))


HOLD_LIMIT = 120.0  # seconds a held request waits at most (a test that forgot to release)


@dataclass
class Hold:
    """Requests kept waiting by `FakeForge.hold` until `release()`."""

    method: str
    path: re.Pattern[str]
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()


@dataclass
class Request:
    """What a handler sees: the decoded path parameters, query, headers and JSON body."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    params: dict[str, str]
    body: Any
    user: str = ""


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """Raised by a handler: the fake answers `status` with the forge's error body."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


Handler = Callable[[Request], Reply]


def iso(t: datetime | None) -> str | None:
    """A time as the forges write it: RFC 3339 in UTC with a Z."""
    return None if t is None else t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str, status: int = 422) -> datetime:
    """An RFC 3339 time from a query; a bad one is the forge's `status` error."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(status, f"invalid time: {text!r}") from None


class FakeForge:
    """Base of FakeGitea, FakeGitHub and FakeGitLab. Use as a context manager."""

    etags = False  # whether GETs carry an ETag and honour If-None-Match
    default_per_page = 30
    max_per_page = 100

    def __init__(self, token: str = "fake-token", owner: str = "acme", repo: str = "widgets",
                 login: str = "octo") -> None:
        self.state = Tracker(owner, repo, login)
        self.tokens: dict[str, str] = {token: login}
        self.token = token
        self.requests: list[Logged] = []
        self.faults: list[Fault] = []
        self.holds: list[Hold] = []
        self.lock = threading.RLock()
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # -- lifecycle --

    def start(self) -> FakeForge:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in two writes: with Nagle's algorithm the body waits for
            # the client's delayed ACK, 40 ms a request on Linux
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def _any(self) -> None:
                fake._serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeForge:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- seeding and inspection from a test --

    @property
    def issues(self) -> dict[int, Issue]:
        return self.state.issues

    def add_issue(self, title: str, body: str = "", **kw: Any) -> Issue:
        with self.lock:
            return self.state.add_issue(title, body, **kw)

    def add_comment(self, number: int, body: str, **kw: Any) -> Any:
        with self.lock:
            return self.state.add_comment(number, body, **kw)

    def add_label(self, name: str, **kw: Any) -> Any:
        with self.lock:
            return self.state.add_label(name, **kw)

    def add_milestone(self, title: str, **kw: Any) -> Any:
        with self.lock:
            return self.state.add_milestone(title, **kw)

    def add_user(self, login: str, token: str | None = None, **kw: Any) -> Any:
        with self.lock:
            if token:
                self.tokens[token] = login
            return self.state.add_user(login, **kw)

    def fail(self, status: int, method: str | None = None, path: str | None = None,
             times: int = 1, headers: dict[str, str] | None = None, body: Any = None) -> Fault:
        """Answer the next `times` requests whose method and target (path?query) match with
        `status`. `path` is a regex searched in the raw target, so `r"/issues\\?.*page=3"` hits
        page 3 only. `body` None means the forge's own error body for that status."""
        fault = Fault(status, method, re.compile(path) if path else None, times,
                      dict(headers or {}), body)
        with self.lock:
            self.faults.append(fault)
        return fault

    def hold(self, method: str, path: str) -> Hold:
        """Keep requests whose method and target match (a regex, as in `fail`) waiting,
        before they are answered and without holding up other requests, until
        `release()`: a slow tracker, without sleeping. `reached` is set when one arrives."""
        held = Hold(method, re.compile(path))
        with self.lock:
            self.holds.append(held)
        return held

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many logged requests match a method and a path regex."""
        return sum(1 for r in self.requests if (method is None or r.method == method)
                   and (path is None or re.search(path, r.path)))

    # -- what subclasses provide --

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(pattern + r"/?\Z"), handler))

    def token_from(self, headers: dict[str, str]) -> str | None:
        raise NotImplementedError

    def error_body(self, status: int, message: str, extra: dict[str, Any]) -> Any:
        raise NotImplementedError

    def public(self, path: str) -> bool:
        """Routes served without a token."""
        return False

    def extra_headers(self, status: int, not_modified: bool) -> dict[str, str]:
        """Headers on every answer (rate limits)."""
        return {}

    # -- pagination helpers for subclasses --

    def page_args(self, req: Request, size_key: str) -> tuple[int, int]:
        try:
            page = max(1, int(req.query.get("page", "1")))
            size = int(req.query.get(size_key, str(self.default_per_page)))
        except ValueError:
            raise ApiError(400, "page and page size must be integers") from None
        return page, min(max(size, 1), self.max_per_page)

    def link_header(self, req: Request, page: int, last: int | None) -> str:
        """RFC 8288 links to the next/last/first/prev pages (no `last` when it is None)."""
        def url(p: int) -> str:
            return f"{self.base_url}{req.path}?{urlencode({**req.query, 'page': str(p)})}"

        rels = []
        if last is None or page < last:
            rels.append(f'<{url(page + 1)}>; rel="next"')
        if last is not None and page < last:
            rels.append(f'<{url(last)}>; rel="last"')
        if page > 1:
            rels += [f'<{url(1)}>; rel="first"', f'<{url(page - 1)}>; rel="prev"']
        return ", ".join(rels)

    # -- the request cycle --

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        split = urlsplit(h.path)
        with self.lock:
            held = [x for x in self.holds if x.method == h.command and x.path.search(h.path)]
        for x in held:
            x.reached.set()
            x.released.wait(HOLD_LIMIT)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in h.headers.items()}
        length = int(headers.get("content-length") or 0)
        raw = h.rfile.read(length) if length else b""
        with self.lock:
            reply = self._answer(h.command, split.path, split.query, query, headers, raw)
            self.requests.append(Logged(h.command, unquote(split.path), query, reply.status))
        data = b"" if reply.body is None else json.dumps(reply.body).encode()
        h.send_response(reply.status)
        for name, value in reply.headers.items():
            h.send_header(name, value)
        if reply.status != 304:
            h.send_header("Content-Type", "application/json; charset=utf-8")
            h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        if h.command != "HEAD" and reply.status != 304:
            h.wfile.write(data)

    def _answer(self, method: str, path: str, rawq: str, query: dict[str, str],
                headers: dict[str, str], raw: bytes) -> Reply:
        target = path + ("?" + rawq if rawq else "")
        fault = next((f for f in self.faults if f.matches(method, target)), None)
        if fault is not None:
            fault.times -= 1
            body = fault.body if fault.body is not None else self.error_body(
                fault.status, f"injected {fault.status}", {})
            return Reply(fault.status, body, {**self.extra_headers(fault.status, False),
                                              **fault.headers})
        try:
            reply = self._dispatch(method, path, query, headers, raw)
        except ApiError as e:
            reply = Reply(e.status, self.error_body(e.status, e.message, e.extra))
        not_modified = False
        if self.etags and method == "GET" and reply.status == 200:
            tag = 'W/"' + hashlib.sha1(json.dumps(reply.body).encode()).hexdigest() + '"'
            reply.headers["ETag"] = tag
            if tag in headers.get("if-none-match", ""):
                reply = Reply(304, None, {"ETag": tag})
                not_modified = True
        reply.headers.update(self.extra_headers(reply.status, not_modified))
        return reply

    def _dispatch(self, method: str, path: str, query: dict[str, str],
                  headers: dict[str, str], raw: bytes) -> Reply:
        found = False
        for verb, pattern, handler in self._routes:
            m = pattern.match(path)
            if m is None:
                continue
            found = True
            if verb != method:
                continue
            params = {k: unquote(v) for k, v in m.groupdict().items()}
            req = Request(method, path, query, headers, params, None)
            if not self.public(path):
                token = self.token_from(headers)
                if token is None or token not in self.tokens:
                    raise ApiError(401, "bad credentials")
                req.user = self.tokens[token]
            if raw:
                try:
                    req.body = json.loads(raw)
                except ValueError:
                    raise ApiError(400, "Problems parsing JSON") from None
            return handler(req)
        raise ApiError(405 if found else 404, "Not Found")


@contextmanager
def running(fake: FakeForge) -> Iterator[FakeForge]:
    """`with running(FakeGitHub()) as gh:` for fixtures that build the fake first."""
    with fake:
        yield fake
