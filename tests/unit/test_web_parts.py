"""Parts of the web board that need no server: the graph's layers, the shared answers of the
live hub, what it queues for which stream, the server-sent event frames, which events change
a card or a column's count, the board's card order and time left."""

from __future__ import annotations

import json
import threading

import pytest

from gitissues.web import graphsvg
from gitissues.web.cards import changes_card, moves
from gitissues.web.live import Hub, Told, cards_frame, frame, stream
from gitissues.web.pages import time_left


def test_layers_put_every_blocker_above_what_it_blocks():
    # d depends on c and a; c on b; b on a; e alone; x → y → x is a cycle a hand edit left
    edges = [("d", "c"), ("d", "a"), ("c", "b"), ("b", "a"), ("x", "y"), ("y", "x")]
    rows = graphsvg.layers(["d", "c", "b", "a", "e", "x", "y"], edges)
    level = {n: k for k, row in enumerate(rows) for n in row}
    assert level["a"] < level["b"] < level["c"] < level["d"]
    assert level["e"] == 0 and {level["x"], level["y"]} == {0, 1}
    assert sorted(n for row in rows for n in row) == ["a", "b", "c", "d", "e", "x", "y"]


def test_a_deep_chain_does_not_hit_the_recursion_limit():
    chain = [f"n{k}" for k in range(3000)]
    rows = graphsvg.layers(chain, list(zip(chain, chain[1:], strict=False)))
    assert len(rows) == 3000 and rows[0] == ["n2999"]


def test_hub_makes_one_answer_per_state_for_many_askers():
    hub = Hub(lambda: None)  # type: ignore[arg-type, return-value]
    made = []
    gate = threading.Event()

    def make() -> str:
        made.append(1)
        gate.wait(30)
        return f"answer {len(made)}"

    answers: list[str] = []
    askers = [threading.Thread(target=lambda: answers.append(hub.cached(("k",), make)))
              for _ in range(20)]
    for t in askers:
        t.start()
    while not hub.making:  # the first asker is making it; the rest are waiting for it
        threading.Event().wait(0.01)
    gate.set()
    for t in askers:
        t.join(30)
    assert answers == ["answer 1"] * 20 and len(made) == 1
    hub._moved(5)  # an event: the state the answers were made in is gone
    assert hub.cached(("k",), make) == "answer 2"


def test_a_failed_answer_is_made_again_by_the_next_asker():
    hub = Hub(lambda: None)  # type: ignore[arg-type, return-value]

    def broken() -> str:
        raise RuntimeError("store being repaired")

    with pytest.raises(RuntimeError):
        hub.cached(("k",), broken)
    assert hub.cached(("k",), lambda: "fine") == "fine" and not hub.making


def test_event_frame_is_id_event_and_one_line_of_json():
    event = {"id": "abc:0", "type": "comment.added", "time": "2026-01-01T00:00:00Z",
             "actor": "a\nb", "issue": "gi-1", "fields": {"body": "two\nlines\r\u2028"}}
    text = frame(event).decode()
    lines = text.split("\n")
    assert lines[:2] == ["id: abc:0", "event: comment.added"]
    assert lines[2].startswith("data: ") and json.loads(lines[2][6:]) == event
    assert lines[3:] == ["", ""]


def test_cards_go_only_to_the_streams_that_asked_for_them():
    hub = Hub(lambda: None)  # type: ignore[arg-type, return-value]
    plain, with_cards = hub.subscribe(), hub.subscribe(cards=True)
    event = {"id": "c:0", "type": "issue.updated", "issue": "gi-1", "fields": {}}
    hub.publish(Told(1, event))
    hub.publish(Told(1, cards={"cards": []}))
    assert [plain.get_nowait().event] == [event] and plain.empty()
    assert with_cards.get_nowait().event == event
    assert with_cards.get_nowait().cards == {"cards": []} and with_cards.empty()


def test_a_stream_skips_what_the_page_has_and_frames_cards_without_an_id():
    hub = Hub(lambda: None)  # type: ignore[arg-type, return-value]
    box = hub.subscribe(cards=True)
    old = {"id": "a:0", "type": "issue.created", "issue": "gi-1", "fields": {}}
    new = {"id": "b:0", "type": "issue.updated", "issue": "gi-1", "fields": {}}
    for told in (Told(4, old), Told(4, cards={"cards": [1]}), Told(5, new),
                 Told(5, cards={"cards": [2]}), None):
        box.put_nowait(told)
    # (what was queued at once goes out in one write)
    assert list(stream(box, known=4)) == [frame(new) + cards_frame({"cards": [2]})]
    assert cards_frame({"cards": [2]}).decode().split("\n") == [
        "event: cards", 'data: {"cards":[2]}', "", ""]


@pytest.mark.parametrize(("kind", "fields", "card", "count"), [
    ("issue.updated", {"title": {}}, True, False),
    ("issue.updated", {"labels": {}, "body": {}}, True, False),
    ("issue.updated", {"body": {}}, False, False),
    ("issue.updated", {"file": {}}, True, True),
    ("issue.created", {}, True, True),
    ("status.changed", {"status": {}}, True, True),
    ("claim.acquired", {}, True, False),
    ("dependency.added", {"dependency": "gi-2"}, True, False),
    ("comment.added", {"body": "x"}, False, False),
    ("commit.linked", {"commit": "abc"}, False, False),
    ("merge.conflict_resolved", {"field": "title"}, True, True),
    ("something.new", {}, True, True),  # an event gi does not know yet: assume the worst
])
def test_which_events_change_a_card_or_a_count(kind, fields, card, count):
    event = {"id": "c:0", "type": kind, "issue": "gi-1", "fields": fields}
    assert (changes_card(event), moves(event)) == (card, count)
    assert not changes_card({**event, "issue": None})


def test_time_left():
    now = "2026-01-01T00:00:00Z"
    assert time_left("2026-01-01T00:29:30Z", now) == "29m left"
    assert time_left("2026-01-01T02:05:00Z", now) == "2h 5m left"
    assert time_left("2026-01-03T03:00:00Z", now) == "2d 3h left"
    assert time_left("2026-01-01T00:00:20Z", now) == "<1m left"
    assert time_left("2025-12-31T23:00:00Z", now) == "expired"
