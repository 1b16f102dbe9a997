"""The webhook receiver (SPEC §9): `gi webhook serve`, and the same object for an agent's own
process.

    with gitissues.webhooks.Receiver(".", secret="…", port=0) as hooks:
        hooks.on_event("issue.created", lambda e: print(e["issue"], e["fields"]["title"]))
        print(hooks.url)  # point the trackers' webhooks at <url>/hooks/github, …

A delivery is checked (size, signature, replay window: `verify`), de-duplicated by its id,
read for the issue it names (`payloads`) and queued; the answer (2xx) goes out at once. One
worker thread takes the queue in batches and pulls each named issue through its bridge
(`apply`), so a slow tracker delays the applying, never the answers. The secret is `secret`,
else `GI_WEBHOOK_SECRET`, else `webhook.secret` in the user config, else each bridge's own
(`webhooks.<bridge>.secret` there, kept by `gi webhook register`); never the repository
settings, which every clone can read. One line per delivery goes to `log` (stderr):
platform, delivery id, event and what became of it — never the secret or the body.
"""

from __future__ import annotations

import os
import queue
import sys
import threading

from gitissues.webhooks.apply import Applier, Job
from gitissues.webhooks.feed import Feed
from gitissues.webhooks.payloads import named
from gitissues.webhooks.verify import MAX_BODY, Refused, Seen, claimed_id, verify_any

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from gitissues.store import Store

MAX_QUEUE = 10_000  # deliveries waiting to be applied; past it the sender is told to retry
BATCH = 500  # deliveries applied together (one store commit per bridge)
_STOP = object()


class Receiver:
    """Receives webhook deliveries for the store at `store` (a `Store`, or a path in its
    repository) on `host`:`port` (0: any free port; `address` says which)."""

    def __init__(self, store: Store | str | os.PathLike[str] = ".", *,
                 secret: str | None = None, host: str = "127.0.0.1", port: int = 8787,
                 limit: int = MAX_BODY, log: Callable[[str], None] | None = None) -> None:
        from gitissues import git

        self.paths = store.paths if hasattr(store, "paths") else git.find_repo(store)
        given = secret if secret is not None else os.environ.get("GI_WEBHOOK_SECRET")
        self._secret = given or None
        self.host, self.port, self.limit = host, port, limit
        self._log_to = log or _stderr
        self._log_lock = threading.Lock()
        self._seen = Seen()
        self._queue: queue.Queue[Any] = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._applier = Applier(self.paths, self._say)
        self._feed = Feed(self.paths, self._say)
        self._server: Any = None
        self._closing = False
        self._threads: list[threading.Thread] = []

    # --- running -------------------------------------------------------------------------

    def start(self) -> Receiver:
        """Bind, then answer and apply deliveries on background threads until `stop`."""
        from gitissues.webhooks.server import make_server

        if self._server is not None:
            return self
        server = make_server(self.host, self.port, self.receive, self.limit, self._note)
        if self._feed.wanted:
            try:
                self._feed.start()
            except BaseException:
                server.server_close()
                raise
        self._closing = False
        threads = [threading.Thread(target=server.serve_forever, args=(0.1,),
                                    name="gi-webhook-http", daemon=True),
                   threading.Thread(target=self._work, name="gi-webhook-worker", daemon=True)]
        for t in threads:
            t.start()
        self._server, self._threads = server, threads  # now `stop` has something to stop
        return self

    def stop(self, timeout: float | None = 60.0) -> None:
        """Stop answering, apply what was already accepted (it was answered 2xx: the sender
        will not send it again), announce its events, and return."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._idle:  # a request still being answered now hears 503, never a lost 202
            self._closing = True
            self._queue.put(_STOP)
        for t in self._threads:
            t.join(timeout)
        self._feed.stop(timeout)
        self._server, self._threads = None, []

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) the receiver listens on, once started."""
        if self._server is None:
            raise RuntimeError("the receiver is not started")
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"

    def on_event(self, kind: str, callback: Callable[[dict[str, Any]], Any] | None = None
                 ) -> Any:
        """Call `callback(event)` for each activity event of type `kind` (`issue.created`,
        `comment.added`, …; `*`: every type) that lands from now on: see `feed` for which and
        on what thread. Usable as a decorator: `@hooks.on_event("issue.created")`."""
        def register(fn: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
            self._feed.add(kind, fn)
            if self._server is not None:
                self._feed.start()
            return fn

        return register if callback is None else register(callback)

    def idle(self, timeout: float | None = None) -> bool:
        """Wait until every accepted delivery is applied; False if `timeout` passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    # --- one delivery (on the HTTP server's threads) ---------------------------------------

    def secrets(self) -> dict[str | None, str]:
        """The secrets a delivery may be signed with: {None: the receiver's} (given, else
        `GI_WEBHOOK_SECRET`, else `webhook.secret` in the user config), else each bridge's own
        (`webhooks.<bridge>.secret` there). The user config is read afresh (cached by its
        mtime), so a `gi webhook register` meanwhile counts at once."""
        if self._secret:
            return {None: self._secret}
        from gitissues.config_files import read_user_config
        from gitissues.config_keys import ConfigError

        try:
            data = read_user_config(os.environ)[1]
        except ConfigError as exc:
            self._say(f"gi webhook: the user config cannot be read: {exc.message}")
            return {}
        mine = data.get("webhook")
        if isinstance(mine, dict) and isinstance(mine.get("secret"), str) and mine["secret"]:
            return {None: mine["secret"]}
        hooks = data.get("webhooks")
        out: dict[str | None, str] = {}
        for name, entry in (hooks.items() if isinstance(hooks, dict) else ()):
            secret = entry.get("secret") if isinstance(entry, dict) else None
            if isinstance(secret, str) and secret:
                out[str(name)] = secret
        return out

    def receive(self, platform: str, headers: dict[str, str], body: bytes
                ) -> tuple[int, dict[str, Any]]:
        """Judge one delivery and queue its work: (HTTP status, the JSON answer)."""
        try:
            only, delivery = verify_any(platform, headers, body, self.secrets(),
                                        limit=self.limit)
        except Refused as exc:
            self._note(platform, claimed_id(platform, headers), f"{exc.status} {exc.reason}")
            return exc.status, {"error": exc.reason}
        did, event = delivery.delivery_id, delivery.event
        seen = f"{'gitea' if platform == 'forgejo' else platform}\0{did}"
        if did is not None and not self._seen.first(seen):
            self._note(platform, did, "duplicate (already received)", event)
            return 200, {"status": "duplicate", "delivery": did}
        what = named(delivery)
        if isinstance(what, str):
            self._note(platform, did, f"ignored: {what}", event)
            return 200, {"status": "ignored", "reason": what, "delivery": did}
        with self._idle:  # queued under the lock that `stop` takes: nothing lands after _STOP
            refusal = "stopping" if self._closing else "the queue is full" \
                if self._pending >= MAX_QUEUE else None
            if refusal is None:
                self._pending += 1
                self._queue.put(Job(delivery, what, only))
        if refusal is not None:
            if did is not None:
                self._seen.forget(seen)
            self._note(platform, did, f"503 {refusal}", event)
            return 503, {"error": f"{refusal}; retry later"}
        return 202, {"status": "queued", "delivery": did}

    # --- the worker ----------------------------------------------------------------------

    def _work(self) -> None:
        try:
            self._work_until_stopped()
        finally:
            self._applier.close()

    def _work_until_stopped(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                return
            jobs = [first]
            while len(jobs) < BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stopping = True
                    break
                jobs.append(more)
            try:
                self._applier.apply(jobs)
            except Exception as exc:  # noqa: BLE001 — the worker must outlive any one batch
                for job in jobs:
                    job.results.append(f"failed: {type(exc).__name__}: {exc}")
            self._feed.wake()
            for job in jobs:
                d = job.delivery
                self._note(d.platform, d.delivery_id, "; ".join(job.results) or "nothing to do",
                           d.event)
            with self._idle:
                self._pending -= len(jobs)
                self._idle.notify_all()

    # --- the log -------------------------------------------------------------------------

    def _note(self, platform: str, delivery_id: str | None, outcome: str,
              event: str = "") -> None:
        what = f" {_shown(event)}" if event else ""
        self._say(f"gi webhook: {platform} {_shown(delivery_id or '-')}{what}: {outcome}")

    def _say(self, line: str) -> None:
        with self._log_lock:
            self._log_to(_printable(line))


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _shown(text: str, width: int = 80) -> str:
    """A sender's header value cut to `width` for one log line."""
    return text[:width] + ("…" if len(text) > width else "")


def _printable(line: str) -> str:
    """A log line that cannot move the cursor or recolour a terminal: control, format
    (bidirectional overrides) and separator characters as visible escapes."""
    if line.isprintable():
        return line
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in line)
