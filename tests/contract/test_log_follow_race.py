"""`gi log --follow` never drops an event that lands between printing the history and starting
to follow (core hardening §2: the flaky follow test was a bug in the product). The window is
widened with a test hook, so the race happens every run."""

from __future__ import annotations

import json
import selectors
import subprocess
import time

from conftest import GI


def _lines_until(proc: subprocess.Popen, wanted, timeout: float) -> list[dict]:
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sel.select(timeout=0.2):
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(json.loads(line))
            if wanted(seen[-1]):
                return seen
    return seen


def test_an_event_between_the_listing_and_following_is_shown(sandbox):
    sb = sandbox
    issue_id = sb.create("Watched")
    proc = subprocess.Popen([GI, "log", "--follow", "--json"], cwd=sb.repo, text=True,
                            env={**sb.env, "GI_TEST_PAUSE_LOG_FOLLOW": "2"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(0.8)  # the history is printed; following has not started yet
        assert sb.gi("comment", issue_id, "landed in the window").code == 0
        seen = _lines_until(proc, lambda e: e["type"] == "comment.added", timeout=15)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert any(e["type"] == "comment.added" for e in seen), seen
    assert [e["type"] for e in seen].count("issue.created") == 1  # printed once, not twice
