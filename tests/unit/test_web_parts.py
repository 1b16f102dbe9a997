"""Parts of the web board that need no server: the graph's layers, the shared answers of the
live hub, the server-sent event frames, the board's card order and time left."""

from __future__ import annotations

import json
import threading

import pytest

from gitissues.web import graphsvg
from gitissues.web.live import Hub, frame
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


def test_time_left():
    now = "2026-01-01T00:00:00Z"
    assert time_left("2026-01-01T00:29:30Z", now) == "29m left"
    assert time_left("2026-01-01T02:05:00Z", now) == "2h 5m left"
    assert time_left("2026-01-03T03:00:00Z", now) == "2d 3h left"
    assert time_left("2026-01-01T00:00:20Z", now) == "<1m left"
    assert time_left("2025-12-31T23:00:00Z", now) == "expired"
