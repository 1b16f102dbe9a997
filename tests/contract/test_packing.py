"""The store stays packed (issue: core hardening, speed): every change adds loose objects, and
after a write `gi` starts git's own `git gc --auto` in the background once there are more than
gi's bound (1,024, estimated from objects/17 as git does), or the repository's own gc.auto when
it sets one (0: never); writes go on meanwhile."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path


def _loose(repo: Path) -> int:
    objects = repo / ".git" / "objects"
    return sum(len(os.listdir(d)) for d in objects.iterdir()
               if len(d.name) == 2 and d.is_dir())


def _commit_loose_files(sb, in_sample: int) -> None:
    """Commit files whose loose blobs put `in_sample` objects in objects/17 (git samples that
    folder to estimate how many loose objects there are), without git packing them itself."""
    folder = sb.repo / "many"
    folder.mkdir()
    found, k = 0, 0
    while found < in_sample:
        data = f"file {k}\n".encode()
        (folder / f"f{k}.txt").write_bytes(data)
        found += hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest().startswith("17")
        k += 1
    no_gc = ("-c", "gc.auto=0", "-c", "maintenance.auto=false")
    sb.git(*no_gc, "add", "many")
    sb.git(*no_gc, "commit", "-qm", "many files")


def test_loose_objects_past_the_bound_are_packed_in_the_background(sandbox):
    sb = sandbox
    sb.create("First")
    _commit_loose_files(sb, in_sample=12)  # ~3,000 loose objects: what ~400 changes leave
    before = _loose(sb.repo)
    assert before > 2000

    assert sb.gi("create", "Second").code == 0  # the write that notices
    written = [sb.gi("create", f"During gc {k}") for k in range(3)]
    assert all(r.code == 0 for r in written), written  # a running gc is not in the way
    deadline = time.monotonic() + 120
    while _loose(sb.repo) > 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _loose(sb.repo) <= 200, (before, _loose(sb.repo))
    assert list((sb.repo / ".git" / "objects" / "pack").glob("*.pack"))
    assert sb.gi("doctor").code == 0
    titles = {i["title"] for i in sb.gi("list", "--json").json}
    assert {"First", "Second", "During gc 0", "During gc 2"} <= titles


def test_a_repository_that_sets_gc_auto_keeps_its_own_bound(sandbox):
    sb = sandbox
    sb.create("First")
    sb.git("config", "gc.auto", "0")  # packing turned off, as git users do for big repositories
    _commit_loose_files(sb, in_sample=12)
    before = _loose(sb.repo)
    for k in range(3):
        sb.create(f"Change {k}")
    time.sleep(3)
    assert _loose(sb.repo) >= before
    assert not list((sb.repo / ".git" / "objects" / "pack").glob("*.pack"))
