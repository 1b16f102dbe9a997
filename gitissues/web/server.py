"""The HTTP side of `gi web`: the standard library's threading server, the security checks of
SPEC §11, and the answers' headers.

Checks, in order, for every request: the Host header names this server (a page of another site
that re-points its name at 127.0.0.1 — DNS rebinding — is refused); with an access token
(`--token`, needed for any host but loopback) the request carries it (`?token=`, the cookie
set from it, or `Authorization: Bearer`), else 401. Then for a write: `--read-only` answers 405
whatever the headers; `X-GI-Token` must equal the page's `<meta name="gi-token">`, else 403; an
`Origin` (or `Sec-Fetch-Site`) naming another site is 403 even with the token. No answer
carries `Access-Control-Allow-Origin`, so no other origin can read one.
"""

from __future__ import annotations

import hmac
import sys
import traceback
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from gitissues.errors import GiError
from gitissues.web import live, routes
from gitissues.web.request import Request, Served

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


STATIC = Path(__file__).with_name("static")
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".svg": "image/svg+xml"}
MAX_BODY = 1 << 20
COOKIE = "gi_web_token"
STATUS = {"usage": 400, "not_found": 404, "ambiguous": 404, "conflict": 409, "invalid": 422,
          "remote": 502, "auth": 502}
SECURITY = {
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY", "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self'; "
        "img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 300  # seconds an idle kept-alive connection may wait for its next request
    server_version = "gi-web"
    sys_version = ""
    app: Served  # set on the subclass `App.handler()` makes
    body = b""

    def log_message(self, format: str, *args: Any) -> None:
        if self.app.verbose:
            sys.stderr.write(f"gi web: {self.address_string()} {format % args}\n")

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_OPTIONS(self) -> None:  # no CORS pre-flight is ever granted
        self._serve("OPTIONS")

    # --- checks -------------------------------------------------------------------------------

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").lower()
        return self.app.hosts is None or host in self.app.hosts

    def _access_ok(self, params: dict[str, list[str]]) -> tuple[bool, bool]:
        """(the request carries the access token, it came as `?token=`: set the cookie)."""
        want = self.app.access_token
        if not want:
            return True, False
        given = (params.get("token") or [""])[0]
        if given and hmac.compare_digest(given.encode(), want.encode()):
            return True, True
        auth = self.headers.get("Authorization") or ""
        if auth.startswith("Bearer ") and hmac.compare_digest(auth[7:].strip().encode(),
                                                              want.encode()):
            return True, False
        jar = SimpleCookie()
        try:
            jar.load(self.headers.get("Cookie") or "")
        except Exception:  # noqa: BLE001 — a malformed cookie header is no token
            return False, False
        cookie = jar.get(COOKIE)
        return bool(cookie and hmac.compare_digest(cookie.value.encode(), want.encode())), False

    def _write_refusal(self) -> tuple[int, str] | None:
        if self.app.read_only:
            return 405, "this board is read-only (gi web --read-only)"
        given = self.headers.get("X-GI-Token") or ""
        if not hmac.compare_digest(given.encode(), self.app.write_token.encode()):
            return 403, "a write needs the page's token in the X-GI-Token header"
        origin = self.headers.get("Origin")
        own = "http://" + (self.headers.get("Host") or "")
        if origin is not None and origin.lower() != own.lower():
            return 403, f"a write from another origin ({origin}) is refused"
        if self.headers.get("Sec-Fetch-Site") not in (None, "same-origin", "none"):
            return 403, "a write from another site is refused"
        return None

    # --- dispatch -----------------------------------------------------------------------------

    def _read_body(self, method: str) -> bool:
        """Read a request's body before anything is answered, so a refused write never leaves
        its bytes on a kept-alive connection; False when it is too large (413 sent)."""
        self.body = b""
        if method in ("GET", "HEAD"):
            return True
        if self.headers.get("Transfer-Encoding"):  # only a length says where a body ends
            self.close_connection = True
            self._error(411, "usage", "send the body with a Content-Length",
                        {"Connection": "close"})
            return False
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True
            self._error(413, "usage", f"a request body must be 0 to {MAX_BODY} bytes",
                        {"Connection": "close"})
            return False
        self.body = self.rfile.read(length) if length else b""
        return True

    def _serve(self, method: str) -> None:
        if not self._read_body(method):
            return
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        path = unquote(url.path)
        if not self._host_ok():
            return self._error(403, "forbidden", "this server answers only to its own address")
        ok, set_cookie = self._access_ok(params)
        if not ok:
            return self._error(401, "auth", "this board needs its token: open it with "
                                            "?token=… or send Authorization: Bearer …")
        extra = {}
        if set_cookie:
            extra["Set-Cookie"] = (f"{COOKIE}={self.app.access_token}; Path=/; HttpOnly;"
                                   " SameSite=Strict")
        if path == "/favicon.ico" and method in ("GET", "HEAD"):  # (an SVG page asks for it)
            return self._static("favicon.svg", method, extra)
        if path.startswith("/static/") and method in ("GET", "HEAD"):
            return self._static(path[len("/static/"):], method, extra)
        if path == "/events" and method in ("GET", "HEAD"):
            return self._events(params, method)
        handler, args, is_write, allowed = routes.match(method, path)
        if handler is None:
            if allowed:
                return self._error(405, "method", f"{method} is not allowed on {path}",
                                   {"Allow": ", ".join(dict.fromkeys(allowed))})
            return self._error(404, "not_found", f"nothing at {path}")
        if is_write:
            refusal = self._write_refusal()
            if refusal:
                code = "read_only" if refusal[0] == 405 else "forbidden"
                return self._error(refusal[0], code, refusal[1])
        request = Request(self.app, params, self.body)
        try:
            reply = handler(request, *args)
        except GiError as exc:
            status = STATUS.get(exc.code, 500)
            if path.startswith("/api/") or path == "/graph":
                return self._send(routes.as_json(exc.to_json(), status), method)
            return self._send(routes.html_reply(self.app.error_page(status, exc.message),
                                                status), method)
        except Exception as exc:  # noqa: BLE001 — a bug: answer 500, keep the server up
            traceback.print_exc(file=sys.stderr)
            return self._error(500, "unexpected", f"unexpected error: {type(exc).__name__}")
        self._send(reply, method, extra)  # (a reply may be shared: see Hub.cached)

    def _error(self, status: int, code: str, message: str,
               headers: dict[str, str] | None = None) -> None:
        reply = routes.as_json({"error": {"code": code, "message": message}}, status, headers)
        self._send(reply, "GET")

    def _send(self, reply: routes.Reply, method: str,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(reply.status)
        headers = {"Content-Type": reply.content_type, "Cache-Control": "no-store",
                   **SECURITY, **reply.headers, **(extra or {})}
        if reply.stream is None:
            headers["Content-Length"] = str(len(reply.body))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(reply.body)

    def _static(self, name: str, method: str, extra: dict[str, str]) -> None:
        target = STATIC / name
        if "/" in name or name.startswith(".") or not target.is_file() \
                or target.suffix not in STATIC_TYPES:
            return self._error(404, "not_found", f"no static file {name!r}")
        reply = routes.Reply(200, target.read_bytes(), STATIC_TYPES[target.suffix],
                             {"Cache-Control": "no-cache"})
        self._send(reply, method, extra)

    def _events(self, params: dict[str, list[str]], method: str) -> None:
        """`GET /events`: the activity stream as server-sent events, resumed after
        `Last-Event-ID` (or `?after=`, the event a page was rendered at); with `?cards=1`
        also a `cards` event after each burst (`cards.pushed`), the backlog's included."""
        hub = self.app.hub
        cards = (params.get("cards") or [""])[0] == "1" and hub.cards is not None
        box = hub.subscribe(cards)  # before the backlog is read: nothing falls in between
        try:
            self.send_response(200)
            for key, value in {"Content-Type": "text/event-stream; charset=utf-8",
                               "Cache-Control": "no-store", "Connection": "close",
                               "X-Accel-Buffering": "no", **SECURITY}.items():
                self.send_header(key, value)
            self.end_headers()
            self.close_connection = True
            if method == "HEAD":
                return
            self.wfile.write(b"retry: 1000\n: gi web events\n\n")
            last = self.headers.get("Last-Event-ID") or (params.get("after") or [""])[0]
            known = 0  # the newest event this page has: the stream skips what it tells
            if last:
                store = self.app.open_store()
                events, known = live.backlog(store, last)
                for event in events:
                    self.wfile.write(live.frame(event))
                doc = hub.made_cards(store, events) if cards else None
                if doc is not None:
                    self.wfile.write(live.cards_frame(doc))
            self.wfile.flush()
            for chunk in live.stream(box, self.app.keepalive, known):
                self.wfile.write(chunk)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass
        finally:
            hub.unsubscribe(box)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
