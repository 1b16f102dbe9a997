"""One running board: the store it serves, its tokens, the follower of the activity stream and
the HTTP server (`serve`)."""

from __future__ import annotations

import ipaddress
import secrets
import socket
import sys

from gitissues.errors import UsageError
from gitissues.store import Store
from gitissues.web import cards, pages
from gitissues.web.live import KEEPALIVE, Hub
from gitissues.web.server import Handler, Server

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from gitissues.git import RepoPaths

DEFAULT_PORT = 8788


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class App:
    """What every request shares: read-only after start-up, so threads need no lock."""

    def __init__(self, paths: RepoPaths, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                 read_only: bool = False, access_token: str | None = None,
                 verbose: bool = False, keepalive: float = KEEPALIVE) -> None:
        if not is_loopback(host) and not access_token:
            raise UsageError(f"--host {host} lets other machines in: give a token with "
                             "--token or GI_WEB_TOKEN (every request must carry it)",
                             host=host)
        self.paths, self.host, self.port = paths, host, port
        self.read_only, self.access_token, self.verbose = read_only, access_token, verbose
        self.keepalive = keepalive
        self.write_token = secrets.token_urlsafe(32)  # new for every run of the server
        self.hosts: set[str] | None = None
        self.hub = Hub(self.open_store, cards=cards.pushed)

    def open_store(self) -> Store:
        return Store(self.paths)

    def error_page(self, status: int, message: str) -> str:
        return pages.error_page(status, message, token=self.write_token,
                                read_only=self.read_only)

    def handler(self) -> type[Handler]:
        return type("BoundHandler", (Handler,), {"app": self})

    def bind(self) -> Server:
        """The listening server (port 0: the system picks one; `self.port` is then set)."""
        family = socket.AF_INET6 if ":" in self.host.strip("[]") else socket.AF_INET
        server_class = type("BoardServer", (Server,), {"address_family": family})
        try:
            server = server_class((self.host.strip("[]"), self.port), self.handler())
        except OSError as exc:
            raise UsageError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}",
                             host=self.host, port=self.port) from None
        self.port = server.server_address[1]
        if is_loopback(self.host):  # a loopback board answers only to its loopback names
            names = {"localhost", "127.0.0.1", "[::1]", self.host.lower()}
            self.hosts = {f"{n}:{self.port}" for n in names} | names
        return server

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") \
            else self.host
        return f"http://{host}:{self.port}/"


def serve(app: App, ready: Callable[[str], None] | None = None) -> None:
    """Run the board until interrupted; `ready(url)` is called once it listens."""
    server = app.bind()
    app.hub.start()
    if ready:
        ready(app.url)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        sys.stderr.write("gi web: stopped\n")
    finally:
        app.hub.stop()
        server.server_close()
