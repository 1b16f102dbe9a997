"""`Receiver.on_event`: callbacks for the store's activity stream, in the agent's own process.

The events are the store's, derived from its commits (`gitissues.activity`, what `gi log
--follow` prints): every change that lands after the feed starts, whoever made it — the
deliveries this receiver applies, and any `gi` command or other process writing the same
store. A change the receiver applied is announced right after its commit (the worker wakes the
feed); others are found by polling the store ref every `POLL` seconds. Callbacks run one at a
time, in order, on the feed's own thread: a slow callback delays later events, never the HTTP
answers or the applying; one that raises is logged and the rest still run.
"""

from __future__ import annotations

import threading

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from gitissues.git import RepoPaths

POLL = 0.2  # seconds between looks at the store ref for other writers' changes
ANY = "*"


class Feed:
    """The activity events of the store at `paths`, handed to callbacks by event type."""

    def __init__(self, paths: RepoPaths, say: Callable[[str], None]) -> None:
        self.paths, self.say = paths, say
        self._callbacks: dict[str, list[Callable[[dict[str, Any]], Any]]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def add(self, kind: str, callback: Callable[[dict[str, Any]], Any]) -> None:
        with self._lock:
            self._callbacks.setdefault(kind, []).append(callback)

    @property
    def wanted(self) -> bool:
        with self._lock:
            return bool(self._callbacks)

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        """Start following from the newest event now: returns once that mark is taken, so
        every change made after this call is announced."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._ready.clear()
        self._error = None
        self._thread = threading.Thread(target=self._run, name="gi-webhook-events",
                                        daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread = None
            raise self._error

    def wake(self) -> None:
        """Look now: a change was just committed."""
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """Announce what has landed by now, then stop."""
        if self._thread is None:
            return
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        from gitissues import activity
        from gitissues.store import Store
        from gitissues.webhooks.apply import close_store

        store = Store(self.paths)  # this thread's own: SQLite connections stay on theirs
        try:
            after = activity.last_seq(activity.update(store))
        except BaseException as exc:  # noqa: BLE001 — handed to start(), which raises it
            close_store(store)
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            self._follow(store, after)
        finally:
            close_store(store)

    def _follow(self, store: Any, after: int) -> None:
        from gitissues import activity

        while True:
            last = self._stopping.is_set()  # then one more look, and done
            if not last:
                self._wake.wait(POLL)
                self._wake.clear()
            try:
                index = activity.update(store)
                for seq, event in activity.select(index, after=after):
                    after = max(after, seq)
                    self._dispatch(event)
            except Exception as exc:  # noqa: BLE001 — a broken store must not end the feed
                self.say(f"gi webhook: reading the activity stream failed: {exc}")
            if last:
                return

    def _dispatch(self, event: dict[str, Any]) -> None:
        with self._lock:
            chosen = [*self._callbacks.get(event["type"], ()), *self._callbacks.get(ANY, ())]
        for callback in chosen:
            try:
                callback(event)
            except Exception as exc:  # noqa: BLE001 — one callback's bug is not the feed's
                name = getattr(callback, "__name__", repr(callback))
                self.say(f"gi webhook: on_event callback {name} failed on {event['type']} "
                         f"{event.get('issue')}: {type(exc).__name__}: {exc}")
