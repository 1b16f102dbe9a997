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
ANSWERS = 256  # answers kept per state of the stream


class Hub:
    """The follower thread and the queues of the open streams."""

    def __init__(self, open_store: Callable[[], Store], poll: float = POLL) -> None:
        self.open_store, self.poll = open_store, poll
        self.subscribers: set[queue.Queue] = set()
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.started = threading.Event()  # set once the follower knows where it starts
        self.seq = 0  # the newest event sent: names the state the answers below were made in
        self.answers: dict[tuple, Any] = {}
        self.making: dict[tuple, threading.Event] = {}
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

    def cached(self, key: tuple, make: Callable[[], Any]) -> Any:
        """`make()`'s answer for `key`, made once per state of the stream: when an event
        reaches twenty pages with the same filter, they ask the same question at once, and
        one of them makes the answer while the others wait for it (writers are not slowed by
        twenty copies of the same work). An answer is made after the event that named its
        state was sent, so it never shows less than that event did."""
        while True:
            with self.lock:
                full = (self.seq, key)
                if full in self.answers:
                    return self.answers[full]
                other = self.making.get(full)
                if other is None:
                    mine = self.making[full] = threading.Event()
            if other is not None:
                other.wait(30)
                continue  # made (or failed, or the state moved on): look again
            made = False
            try:
                value = make()
                made = True
                return value
            finally:
                with self.lock:
                    self.making.pop(full, None)
                    if made and self.seq == full[0]:
                        if len(self.answers) >= ANSWERS:
                            self.answers.clear()
                        self.answers[full] = value
                mine.set()

    def _moved(self, seq: int) -> None:
        with self.lock:
            self.seq = seq
            self.answers.clear()

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
        said = ""
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
                if found:
                    after = max(after, *(seq for seq, _ in found))
                    self._moved(after)
                for _, event in found:
                    self.publish(event)
            except Exception as exc:  # noqa: BLE001 — the board stays up; say why (once)
                if str(exc) != said:
                    said = str(exc)
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
