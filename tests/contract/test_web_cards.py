"""The cards in the stream (`GET /events?cards=1`, what a page of the whole board follows):
after each burst of events from a write in another process, one `cards` event (no `id:`, so
Last-Event-ID stays the activity event's) with the changed cards as they are after it, and the
columns' counts only when an issue may have changed column; none after a comment; one for the
backlog of a resumed stream; a redraw for an import. A plain `/events` stays one event per
activity event. `/api/board?ids=` never answers from before a change."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest

from tests.conftest import Sandbox
from tests.webserver import Web, import_issues, sample

DEADLINE = 60.0  # seconds: a deadline on a loaded machine, not a measurement


class Stream:
    """An open `GET /events` read one server-sent event at a time: {id?, event, data}."""

    def __init__(self, web: Web, path: str, last: str = "") -> None:
        self.conn = web.connection(timeout=DEADLINE)
        self.conn.request("GET", path, headers={"Last-Event-ID": last} if last else {})
        self.reply = self.conn.getresponse()
        assert self.reply.status == 200

    def next(self) -> dict[str, str]:
        current: dict[str, str] = {}
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            line = self.reply.fp.readline().decode("utf-8")
            assert line, "the stream ended"
            line = line.rstrip("\n")
            if not line:
                if "data" in current:
                    return current
                current = {}
            elif not line.startswith(":"):
                key, _, value = line.partition(":")
                current[key] = value[1:] if value.startswith(" ") else value
        raise AssertionError("no event in time")

    def until(self, kind: str) -> list[dict[str, str]]:
        """The events up to and including the first of type `kind`."""
        out = [self.next()]
        while out[-1]["event"] != kind:
            out.append(self.next())
        return out

    def close(self) -> None:
        self.conn.close()


@pytest.fixture(scope="module")
def store(make_sandbox) -> Sandbox:
    box = make_sandbox("web-cards")
    import_issues(box, sample(120))  # more than a column shows: counts are not the cards shown
    box.blocker = box.create("Blocker", "--priority", "0")
    box.waiting = box.create("Waits", "--priority", "0", "--depends-on", box.blocker)
    return box


def newest(store: Sandbox) -> str:
    return store.gi("log", "--json", "--limit", "1").json[-1]["id"]


def counts(store: Sandbox) -> dict[str, int]:
    found = Counter(i["status"] for i in store.gi("list", "--json", "--limit", "0",
                                                   "status:open,in_progress,blocked,closed").json)
    return {s: found[s] for s in ("open", "in_progress", "blocked", "closed")}


def cards_of(event: dict[str, str]) -> dict[str, dict]:
    assert event["event"] == "cards" and "id" not in event
    return {c["id"]: c for c in json.loads(event["data"])["cards"]}


def created(store: Sandbox, stream: Stream, title: str, *args: str) -> str:
    """A new issue, once the stream has told of it (its cards and counts, a burst of its own:
    the next write's burst is that write's alone)."""
    issue = store.create(title, *args)
    got = stream.until("cards")
    assert got[-2]["event"] == "issue.created" and issue in cards_of(got[-1])
    return issue


def test_a_title_changed_elsewhere_comes_as_its_card_without_counts(web: Web, store: Sandbox):
    stream = Stream(web, "/events?cards=1", newest(store))
    try:
        issue = created(store, stream, "Before", "--priority", "1")
        assert store.gi("edit", issue, "--title", "After <the> edit").code == 0
        got = stream.until("cards")
        assert [e["event"] for e in got] == ["issue.updated", "cards"]
        card = cards_of(got[-1])[issue]
        assert card["column"] == "open" and ">After &lt;the&gt; edit</a>" in card["html"]
        assert f'data-id="{issue}"' in card["html"]
        assert "counts" not in json.loads(got[-1]["data"])  # nothing changed column
    finally:
        stream.close()


def test_a_status_change_sends_the_counts_and_the_cards_that_wait(web: Web, store: Sandbox):
    stream = Stream(web, "/events?cards=1", newest(store))
    try:
        assert store.gi("close", store.blocker).code == 0
        got = stream.until("cards")
        doc = json.loads(got[-1]["data"])
        cards = cards_of(got[-1])
        assert cards[store.blocker]["column"] == "closed"
        assert "waits on" not in cards[store.waiting]["html"]  # its blocker is closed now
        assert doc["counts"] == counts(store)
    finally:
        stream.close()


def test_a_comment_sends_no_cards(web: Web, store: Sandbox):
    stream = Stream(web, "/events?cards=1", newest(store))
    try:
        issue = created(store, stream, "Talked about")
        assert store.gi("comment", issue, "only words").code == 0
        assert stream.next()["event"] == "comment.added"
        # cards for that burst would follow it at once; the next are those of the edit
        assert store.gi("edit", issue, "--priority", "3").code == 0
        got = stream.until("cards")
        assert [e["event"] for e in got] == ["issue.updated", "cards"]
        assert list(cards_of(got[-1])) == [issue]
    finally:
        stream.close()


def test_a_resumed_stream_gets_the_cards_of_its_backlog(web: Web, store: Sandbox):
    mark = newest(store)
    first = store.create("Made while away")
    assert store.gi("edit", first, "--title", "Renamed while away").code == 0
    second = store.create("Also made while away", "--priority", "0")
    stream = Stream(web, "/events?cards=1", mark)
    try:
        got = stream.until("cards")
        assert [e["event"] for e in got] == [
            "issue.created", "issue.updated", "issue.created", "cards"]
        cards = cards_of(got[-1])
        assert "Renamed while away" in cards[first]["html"] and second in cards
        assert json.loads(got[-1]["data"])["counts"] == counts(store)
        assert store.gi("edit", second, "--title", "And then live").code == 0
        live = stream.until("cards")
        assert "And then live" in cards_of(live[-1])[second]["html"]
    finally:
        stream.close()


def test_a_plain_stream_gets_no_cards(web: Web, store: Sandbox):
    issue = store.create("Watched plainly")
    with_cards = Stream(web, "/events?cards=1", newest(store))  # someone wants cards
    plain = Stream(web, "/events", newest(store))
    try:
        for title in ("One", "Two"):
            assert store.gi("edit", issue, "--title", title).code == 0
            assert with_cards.until("cards")[-1]["event"] == "cards"
        assert [plain.next()["event"] for _ in range(2)] == ["issue.updated"] * 2
    finally:
        with_cards.close()
        plain.close()


def test_the_shared_answer_is_never_from_before_a_change(web: Web, store: Sandbox):
    """`/api/board?ids=` (a filtered page's question) is made once per state of the stream:
    after a write in another process, the same question gets the new card."""
    issue = store.create("First title", "--label", "auth")
    path = f"/api/board?q=label:auth&ids={issue}"
    stream = Stream(web, "/events", newest(store))
    try:
        for n in range(3):
            status, _, body = web.call("GET", path)  # (made, and shared, at this state)
            assert status == 200 and (f">Title {n - 1}</a>" if n else ">First title</a>") in body
            assert store.gi("edit", issue, "--title", f"Title {n}").code == 0
            assert stream.next()["event"] == "issue.updated"
            status, _, body = web.call("GET", path)
            card = json.loads(body)["cards"][0]
            assert card["id"] == issue and f">Title {n}</a>" in card["html"]
    finally:
        stream.close()


def test_an_import_of_many_tells_the_pages_to_redraw(web: Web, store: Sandbox):
    stream = Stream(web, "/events?cards=1", newest(store))
    try:
        import_issues(store, sample(210, start=5000))
        got = stream.until("cards")
        assert len(got) == 211 and json.loads(got[-1]["data"]) == {"redraw": True}
    finally:
        stream.close()
    status, _, body = web.call("GET", "/api/board?q=")
    assert status == 200 and json.loads(body)["counts"] == counts(store)


def test_a_stream_that_breaks_resumes_at_its_last_event(web: Web, store: Sandbox):
    """A `cards` event carries no id: a page that reconnects resumes after the last activity
    event it got, and asks for the cards of events whose `cards` it may have missed."""
    issue = store.create("Around a reconnect")
    stream = Stream(web, "/events?cards=1", newest(store))
    try:
        assert store.gi("edit", issue, "--title", "Seen").code == 0
        got = stream.until("cards")
    finally:
        stream.close()
    again = Stream(web, "/events?cards=1", got[0]["id"])
    try:
        assert store.gi("edit", issue, "--title", "Seen again").code == 0
        assert [e["event"] for e in again.until("cards")] == ["issue.updated", "cards"]
    finally:
        again.close()


def test_a_resumed_stream_never_repeats_what_the_page_has(web: Web, store: Sandbox):
    """A page drawn just after a write opens its stream after that write's event, often
    before the server's follower has seen the write: the follower's copy of that event (and
    of its cards) is not sent again."""
    issue = store.create("Drawn right after")
    for n in range(5):
        assert store.gi("edit", issue, "--title", f"Drawn at {n}").code == 0
        for path in ("/events?cards=1", "/events"):
            stream = Stream(web, path, newest(store))  # (the page has the edit)
            try:
                assert store.gi("comment", issue, f"after {n}").code == 0
                got = stream.next()
                assert (got["event"], json.loads(got["data"])["fields"]["body"]) == (
                    "comment.added", f"after {n}")
            finally:
                stream.close()
