"""The Python API takes a query as one string (`store.ready("label:ui priority:1")`, as
`store.list` always did) or as a list of terms, one a word as argv gives them: `ready`,
`claim_next` and `blocked` split a string into its terms (they took it as one term)."""

from __future__ import annotations

from gitissues import graph, open_store


def test_a_query_string_of_several_terms_narrows_ready_claim_next_and_blocked(sandbox) -> None:
    wanted = sandbox.create("Wanted", "--label", "ui", "--priority", "1")
    sandbox.create("Other label", "--label", "db", "--priority", "1")
    sandbox.create("Other priority", "--label", "ui", "--priority", "3")
    blocker = sandbox.create("Blocker")
    assert sandbox.gi("create", "Blocked", "--label", "ui", "--priority", "1",
                      "--depends-on", blocker).code == 0
    store = open_store(sandbox.repo)
    assert [i.id for i in store.ready("label:ui priority:1").issues] == [wanted]
    assert [i.id for i in store.ready(["label:ui", "priority:1"]).issues] == [wanted]
    assert len(store.ready("").issues) == 4
    blocked = graph.blocked(store, "label:ui priority:1")
    assert [i.title for i, _ in blocked] == ["Blocked"]
    assert store.claim_next("label:ui priority:1", ttl="1h").id == wanted
