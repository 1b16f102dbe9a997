"""Claims undone the way they were made (issue: core hardening §3, concurrency core #4):
release gives the issue back as it was, `gi doctor --fix` clears only a claim that is still
expired when it clears it, and `--set status=closed` is a close like any other."""

from __future__ import annotations

import json
import subprocess
import time

from conftest import GI


def test_release_takes_back_what_the_claim_did(sandbox):
    sb = sandbox
    issue_id = sb.create("Work", "--assignee", "alice")
    assert sb.gi("claim", issue_id).code == 0
    claimed = sb.show(issue_id)
    assert claimed["status"] == "in_progress"
    assert claimed["assignees"] == ["alice", "tester"]
    assert sb.gi("release", issue_id).code == 0
    released = sb.show(issue_id)
    assert released["status"] == "open" and released["claim"] is None
    assert released["assignees"] == ["alice"]


def test_release_keeps_an_assignment_the_claim_did_not_make(sandbox):
    sb = sandbox
    issue_id = sb.create("Work", "--assignee", "tester")
    assert sb.gi("claim", issue_id).code == 0
    assert sb.gi("edit", issue_id, "--status", "blocked").code == 0  # someone changed it
    assert sb.gi("release", issue_id).code == 0
    shown = sb.show(issue_id)
    assert shown["assignees"] == ["tester"]
    assert shown["status"] == "blocked"


def test_doctor_fix_never_frees_a_claim_taken_after_its_scan(sandbox):
    sb = sandbox
    issue_id = sb.create("Contended")
    assert sb.gi("claim", issue_id, "--ttl", "1s", env={"GI_AGENT": "alice"}).code == 0
    time.sleep(1.5)  # alice's claim has expired
    doctor = subprocess.Popen([GI, "doctor", "--fix", "--json"], cwd=sb.repo, text=True,
                              env={**sb.env, "GI_TEST_PAUSE_DOCTOR_FIX": "3"},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)  # doctor has decided "expired" and waits before fixing
    r = sb.gi("claim", issue_id, "--ttl", "1h", env={"GI_AGENT": "bob"})
    assert r.code == 0, r
    out, err = doctor.communicate(timeout=60)
    assert sb.show(issue_id)["claim"]["agent"] == "bob"
    r = sb.gi("claim", issue_id, "--json", env={"GI_AGENT": "carol"})
    assert r.code == 4, r
    events = sb.gi("log", issue_id, "--json").json
    expired = [e for e in events if e["type"] == "claim.expired"]
    assert all(e["fields"]["agent"] == "alice" for e in expired), expired
    report = json.loads(out)
    claims = [p for p in report["problems"] if p["kind"] == "expired-claim"]
    assert claims and not claims[0]["fixed"], report


def test_set_status_closed_has_the_effects_of_status_closed(sandbox):
    sb = sandbox
    a = sb.create("Closed with --status")
    b = sb.create("Closed with --set")
    for issue_id in (a, b):
        assert sb.gi("claim", issue_id).code == 0
    assert sb.gi("edit", a, "--status", "closed").code == 0
    assert sb.gi("edit", b, "--set", "status=closed").code == 0
    shown_a, shown_b = sb.show(a), sb.show(b)
    for shown in (shown_a, shown_b):
        assert shown["status"] == "closed"
        assert shown["closed"] is not None
        assert shown["claim"] is None
    assert sb.gi("edit", b, "--set", "status=open").code == 0
    assert sb.show(b)["closed"] is None


def test_doctor_fix_undoes_an_expired_claim_as_release_does(sandbox):
    sb = sandbox
    issue_id = sb.create("Abandoned", "--assignee", "alice")
    assert sb.gi("claim", issue_id, "--ttl", "1s", env={"GI_AGENT": "bob"}).code == 0
    time.sleep(1.5)
    assert sb.gi("doctor", "--fix").code == 0
    shown = sb.show(issue_id)
    assert shown["claim"] is None and shown["status"] == "open"
    assert shown["assignees"] == ["alice"]
