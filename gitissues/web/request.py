"""One request as the routes see it (`Request`), and what it may ask of the running board
(`Served`, which `app.App` is): kept apart so that the routes, the HTTP side and the app each
import only downwards."""

from __future__ import annotations

import json
from typing import Any, Protocol

from gitissues.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitissues.store import Store
    from gitissues.web.live import Hub


class Served(Protocol):
    """The running board, as a request handler uses it."""

    read_only: bool
    write_token: str
    access_token: str | None
    hosts: set[str] | None
    verbose: bool
    keepalive: float
    hub: Hub

    def open_store(self) -> Store: ...

    def error_page(self, status: int, message: str) -> str: ...


class Request:
    """A request's parameters, its body (read already) and a store of its own (a SQLite
    connection belongs to the thread that opened it)."""

    def __init__(self, app: Served, params: dict[str, list[str]], body: bytes = b"") -> None:
        self.app, self.params, self.body = app, params, body
        self._store: Store | None = None

    def param(self, name: str) -> str:
        return (self.params.get(name) or [""])[0]

    def store(self) -> Store:
        if self._store is None:
            self._store = self.app.open_store()
        return self._store

    def page_args(self) -> dict[str, Any]:
        return {"token": self.app.write_token, "read_only": self.app.read_only}

    def json(self) -> Any:
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise UsageError(f"the request body is not JSON: {exc}") from None
