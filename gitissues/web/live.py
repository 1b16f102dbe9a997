"""Live updates for open pages: one follower thread reads the activity stream and fans each new
event out to every open `GET /events` stream.

One follower serves every page, so twenty open pages cost the store what one does: the store
ref is polled every `POLL` seconds (a file read), and the events of a move are derived once
(`gitissues.activity`, cached in the index). Any process's write, a pull or a webhook's pull
moves the ref, so each reaches the pages within a poll. A stream that asks for cards
(`?cards=1`, a page of the whole board) also gets, after each burst of events, the cards they
changed (`Told.cards`), made once by the follower for every such stream. Each subscriber has a
bounded queue: a page that stops reading is dropped, never waits on the others.
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


class Told:
    """What the follower queues for a stream: an activity event (`event`) or the cards a
    burst of events changed (`cards`, `cards.pushed`), each with the sequence number of the
    newest event it tells of (a stream resumed after it skips it)."""

    __slots__ = ("seq", "event", "cards")

    def __init__(self, seq: int, event: dict[str, Any] | None = None,
                 cards: dict[str, Any] | None = None) -> None:
        self.seq, self.event, self.cards = seq, event, cards


class Hub:
    """The follower thread and the queues of the open streams; `cards(store, events)` makes
    what the streams that asked for cards get after `events` (None: nothing)."""

    def __init__(self, open_store: Callable[[], Store], poll: float = POLL,
                 cards: Callable[[Store, list[dict[str, Any]]], dict[str, Any] | None]
                 | None = None) -> None:
        self.open_store, self.poll, self.cards = open_store, poll, cards
        self.subscribers: dict[queue.Queue, bool] = {}  # queue → it wants cards
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

    def subscribe(self, cards: bool = False) -> queue.Queue:
        box: queue.Queue = queue.Queue(QUEUE_SIZE)
        with self.lock:
            self.subscribers[box] = cards
        return box

    def unsubscribe(self, box: queue.Queue) -> None:
        with self.lock:
            self.subscribers.pop(box, None)

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

    def made_cards(self, store: Store, events: list[dict[str, Any]]) -> dict[str, Any] | None:
        """What the streams that asked for cards get after `events` (None: nothing); if it
        cannot be made, they are told to redraw their columns instead."""
        if self.cards is None or not events:
            return None
        try:
            return self.cards(store, events)
        except Exception as exc:  # noqa: BLE001 — the pages ask for their columns instead
            sys.stderr.write(f"gi web: cards after an event: {exc}\n")
            return {"redraw": True}

    def _tell_cards(self, store: Store, seq: int, events: list[dict[str, Any]]) -> None:
        """Made once for every stream that asked for cards (none: not made at all)."""
        with self.lock:
            wanted = any(self.subscribers.values())
        doc = self.made_cards(store, events) if wanted else None
        if doc is not None:
            self.publish(Told(seq, cards=doc))

    def _moved(self, seq: int) -> None:
        with self.lock:
            self.seq = seq
            self.answers.clear()

    def publish(self, told: Told) -> None:
        """Queue an event for every stream (cards: for those that asked for cards)."""
        with self.lock:
            boxes = [b for b, cards in self.subscribers.items() if cards or told.cards is None]
        for box in boxes:
            try:
                box.put_nowait(told)
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
                for seq, event in found:
                    self.publish(Told(seq, event))
                if found:
                    self._tell_cards(store, after, [e for _, e in found])
            except Exception as exc:  # noqa: BLE001 — the board stays up; say why (once)
                if str(exc) != said:
                    said = str(exc)
                    sys.stderr.write(f"gi web: following the activity stream: {exc}\n")
                store = None
                self.started.set()
                self.stopped.wait(1.0)
            self.stopped.wait(self.poll)


def backlog(store: Store, last_id: str) -> tuple[list[dict[str, Any]], int]:
    """The events after the one named `last_id` (a stream's `Last-Event-ID`), oldest first,
    and the sequence number of the newest event the stream then knows (0: none); no events
    when `last_id` is unknown (then the page reloads its columns instead)."""
    seq = activity.seq_of(activity.update(store), last_id)
    if seq is None:
        return [], 0
    index = store.index
    with index.reading():
        found = activity.select(index, after=seq)
    return [e for _, e in found], max([seq, *(s for s, _ in found)])


def frame(event: dict[str, Any]) -> bytes:
    """One server-sent event: `id`, `event` (the type) and the event as one line of JSON."""
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return f"id: {_line(event['id'])}\nevent: {_line(event['type'])}\ndata: {data}\n\n".encode()


def cards_frame(doc: dict[str, Any]) -> bytes:
    """A `cards` event: no `id`, so a stream's Last-Event-ID stays the activity event's."""
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return f"event: cards\ndata: {data}\n\n".encode()


def _line(text: Any) -> str:
    return str(text).replace("\r", " ").replace("\n", " ")


def stream(box: queue.Queue, keepalive: float = KEEPALIVE, known: int = 0) -> Iterator[bytes]:
    """What one open page receives: new events and cards, but those of events up to `known`
    (which the page was drawn at, or got from the backlog), with a comment after `keepalive`
    seconds of quiet; ends when the hub drops it. What is queued at once (a burst's events
    and its cards) goes out in one write: one packet for the page to read, not one each."""
    while True:
        try:
            told = box.get(timeout=keepalive)
        except queue.Empty:
            yield b": keepalive\n\n"
            continue
        chunk = []
        while told is not None:
            if told.seq > known and told.event is not None:
                chunk.append(frame(told.event))
            elif told.seq > known and told.cards is not None:
                chunk.append(cards_frame(told.cards))
            try:
                told = box.get_nowait()
            except queue.Empty:
                break
        if chunk:
            yield b"".join(chunk)
        if told is None:
            return
