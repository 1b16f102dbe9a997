"""The store stays packed (issue: core hardening, speed): every change adds loose objects, and
`gi` starts git's own `git gc --auto` in the background once there are as many as git allows
(gc.auto, 6,700), as git does after its own commits; writes go on meanwhile."""

from __future__ import annotations

import os
import time
from pathlib import Path


def _loose(repo: Path) -> int:
    objects = repo / ".git" / "objects"
    return sum(len(os.listdir(d)) for d in objects.iterdir()
               if len(d.name) == 2 and d.is_dir())


def test_many_loose_objects_are_packed_in_the_background(sandbox):
    sb = sandbox
    sb.create("First")
    files = sb.repo / "many"
    files.mkdir()
    for k in range(7500):
        (files / f"f{k}.txt").write_text(f"file {k}\n")
    no_gc = ("-c", "gc.auto=0", "-c", "maintenance.auto=false")
    sb.git(*no_gc, "add", "many")
    sb.git(*no_gc, "commit", "-qm", "many files")
    assert _loose(sb.repo) > 7500  # reachable, loose: what 1,000 single changes leave

    assert sb.gi("create", "Second").code == 0  # the write that notices
    written = [sb.gi("create", f"During gc {k}") for k in range(3)]
    assert all(r.code == 0 for r in written), written  # a running gc is not in the way
    deadline = time.monotonic() + 120
    while _loose(sb.repo) > 1000 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _loose(sb.repo) <= 1000
    assert list((sb.repo / ".git" / "objects" / "pack").glob("*.pack"))
    assert sb.gi("doctor").code == 0
    titles = {i["title"] for i in sb.gi("list", "--json").json}
    assert {"First", "Second", "During gc 0", "During gc 2"} <= titles
