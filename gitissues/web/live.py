"""Live updates for open pages: one follower thread reads the activity stream and fans each new
event out to every open `GET /events` stream.

One follower serves every page, so twenty open pages cost the store what one does: the store
ref is polled every `POLL` seconds (a file read), and the events of a move are derived once
(`gitissues.activity`, cached in the index). Any process's write, a pull or a webhook's pull
moves the ref, so each reaches the pages within a poll. Each subscriber has a bounded queue: a
page that stops reading is dropped, never waits on the others.
"""

from __future__ import annotations

import json
import queue
import sys
import threading

from gitissues import activity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from gitissues.store import Store

POLL = 0.2
KEEPALIVE = 15.0  # seconds between comments on an idle stream (finds closed connections)
QUEUE_SIZE = 10_000


class Hub:
    """The follower thread and the queues of the open streams."""

    def __init__(self, open_store: Callable[[], Store], poll: float = POLL) -> None:
        self.open_store, self.poll = open_store, poll
        self.subscribers: set[queue.Queue] = set()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.started = threading.Event()  # set once the follower knows where it starts
        self.thread = threading.Thread(target=self._follow, name="gi-web-follower", daemon=True)

    def start(self) -> None:
        self.thread.start()
        self.started.wait(60)

    def stop(self) -> None:
        self.stopped.set()

    def subscribe(self) -> queue.Queue:
        box: queue.Queue = queue.Queue(QUEUE_SIZE)
        with self.lock:
            self.subscribers.add(box)
        return box

    def unsubscribe(self, box: queue.Queue) -> None:
        with self.lock:
            self.subscribers.discard(box)

    def publish(self, event: dict[str, Any]) -> None:
        with self.lock:
            boxes = list(self.subscribers)
        for box in boxes:
            try:
                box.put_nowait(event)
            except queue.Full:  # a page that stopped reading: end its stream
                self.unsubscribe(box)
                box.queue.clear()
                box.put_nowait(None)

    def _follow(self) -> None:
        """Poll the stream from the newest event on; an error (a store being repaired) is
        reported and the poll goes on from the last event sent, so none is lost."""
        after: int | None = None
        store = None
        while not self.stopped.is_set():
            try:
                if store is None:
                    store = self.open_store()
                index = activity.update(store)
                with index.reading():
                    if after is None:
                        after = activity.last_seq(index)
                        self.started.set()
                        found = []
                    else:
                        found = activity.select(index, after=after)
                for seq, event in found:
                    after = max(after, seq)
                    self.publish(event)
            except Exception as exc:  # noqa: BLE001 — the board stays up; say why once a poll
                sys.stderr.write(f"gi web: following the activity stream: {exc}\n")
                store = None
                self.started.set()
                self.stopped.wait(1.0)
            self.stopped.wait(self.poll)


def backlog(store: Store, last_id: str) -> list[dict[str, Any]]:
    """The events after the one named `last_id` (a stream's `Last-Event-ID`), oldest first;
    none when that event is unknown (then the page reloads its columns instead)."""
    seq = activity.seq_of(activity.update(store), last_id)
    if seq is None:
        return []
    index = store.index
    with index.reading():
        return [e for _, e in activity.select(index, after=seq)]


def frame(event: dict[str, Any]) -> bytes:
    """One server-sent event: `id`, `event` (the type) and the event as one line of JSON."""
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return f"id: {_line(event['id'])}\nevent: {_line(event['type'])}\ndata: {data}\n\n".encode()


def _line(text: Any) -> str:
    return str(text).replace("\r", " ").replace("\n", " ")


def stream(box: queue.Queue, sent: set[str], keepalive: float = KEEPALIVE
           ) -> Iterator[bytes]:
    """What one open page receives: new events (skipping those already `sent` from the
    backlog), with a comment after `keepalive` seconds of quiet; ends when the hub drops it."""
    while True:
        try:
            event = box.get(timeout=keepalive)
        except queue.Empty:
            yield b": keepalive\n\n"
            continue
        if event is None:
            return
        if event["id"] in sent:
            sent.discard(event["id"])
            continue
        yield frame(event)
