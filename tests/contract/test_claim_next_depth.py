"""`gi claim --next` reads the first few ready issues before it reads them all (reading every
ready issue cost ~1 s at 10,000): in order, and all of them when it must
(`claims.ready_candidates`); and through the remote, when another clone this one has not heard
from took more than those few, it still takes the next free one."""

from __future__ import annotations

import json

from gitdaemon import Cluster

from gitissues import claims
from gitissues.claims import NEXT_CANDIDATES
from gitissues.store import open_store


def test_claim_next_looks_past_the_first_ready_ones(tmp_path) -> None:
    cluster = Cluster(tmp_path)
    alice = cluster.seed("alice")
    count = NEXT_CANDIDATES + 4
    records = [{"id": f"gi-{n:06x}", "title": f"Task {n}", "created":
                f"2026-11-01T10:{n:02d}:00Z"} for n in range(1, count + 1)]
    alice.ok("import", "-", input="".join(json.dumps(r) + "\n" for r in records))
    alice.sync()
    bob = cluster.clone("bob")
    taken = {bob.ok("claim", "--next", "--remote", "--json").json["id"]
             for _ in range(NEXT_CANDIDATES + 1)}
    assert len(taken) == NEXT_CANDIDATES + 1
    # alice has not synced: her index still holds every issue as ready
    assert len(alice.ok("ready", "--limit", "0", "--json").json) == count
    mine = alice.ok("claim", "--next", "--remote", "--json").json
    assert mine["id"] not in taken and mine["claim"]["agent"] == "alice"


def test_the_candidates_are_every_ready_issue_in_order(tmp_path) -> None:
    cluster = Cluster(tmp_path)
    alice = cluster.seed("alice")
    records = [{"id": f"gi-{n:06x}", "title": f"Task {n}", "priority": n % 3}
               for n in range(1, 2 * NEXT_CANDIDATES + 6)]
    alice.ok("import", "-", input="".join(json.dumps(r) + "\n" for r in records))
    store = open_store(alice.path)
    everything = [i.id for i in store.list(["is:ready"], limit=None).issues]
    assert len(everything) == len(records)
    assert [i.id for i in claims.ready_candidates(store, ["is:ready"])] == everything
    few = [i.id for i in claims.ready_candidates(store, ["is:ready", "priority:0"])]
    assert few == [i.id for i in store.list(["is:ready", "priority:0"], limit=None).issues]
