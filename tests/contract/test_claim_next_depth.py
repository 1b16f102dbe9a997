"""`gi claim --next` reads the first few ready issues before it reads them all (reading every
ready issue cost ~1 s at 10,000). When those few are all taken where the claim is decided — on
the remote, by another clone this one has not heard from — it still finds the next free one."""

from __future__ import annotations

import json

from gitdaemon import Cluster

from gitissues.claims import NEXT_CANDIDATES


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
