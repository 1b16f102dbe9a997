"""Leases on one clone (SPEC §12): `gi lease acquire|release|extend|list|show` with exact exit
codes and JSON, names and path patterns (overlapping and disjoint), the holder extending, expiry,
`--wait`, the activity stream, 8 racing processes, and a killed acquire."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import datetime, timedelta

import pytest
from racing import finish_all, start_together

ALICE = {"GI_AGENT": "alice"}
BOB = {"GI_AGENT": "bob"}
KEYS = ["resource", "holder", "acquired_at", "expires_at"]


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def acquire(sb, resource: str, *args: str, env=ALICE):
    return sb.gi("lease", "acquire", resource, "--json", *args, env=env)


def test_acquire_show_list_release(sandbox):
    sb = sandbox
    r = acquire(sb, "db-migration", "--ttl", "5m")
    assert r.code == 0, r
    lease = r.json
    assert list(lease) == KEYS
    assert lease["resource"] == "db-migration" and lease["holder"] == "alice"
    assert ts(lease["expires_at"]) - ts(lease["acquired_at"]) == timedelta(minutes=5)
    message = sb.git("log", "-1", "--format=%B", sb.STORE_REF)
    assert "Gi-Op: lease.acquire" in message and "Gi-Actor: alice" in message

    r = sb.gi("lease", "show", "db-migration", "--json", env=BOB)
    assert r.code == 0 and r.json == lease, r
    r = sb.gi("lease", "list", "--json", env=BOB)
    assert r.code == 0 and r.json == [lease], r
    r = sb.gi("lease", "list", "--expired", "--json")
    assert r.code == 0 and r.json == [], r
    r = sb.gi("lease", "list")
    assert r.code == 0 and "db-migration" in r.out and "alice" in r.out, r

    r = sb.gi("lease", "release", "db-migration", "--json", env=ALICE)
    assert r.code == 0 and r.json == lease, r
    r = sb.gi("lease", "show", "db-migration", "--json")
    assert r.code == 3, r
    assert r.err_json["error"]["code"] == "not_found"
    assert sb.gi("lease", "list", "--json").json == []
    # leases leave the issues alone
    assert sb.gi("list", "--json").json == []


def test_default_ttl_is_ten_minutes_and_leases_ttl_changes_it(sandbox):
    sb = sandbox
    lease = acquire(sb, "a").json
    assert ts(lease["expires_at"]) - ts(lease["acquired_at"]) == timedelta(minutes=10)
    assert sb.gi("config", "set", "leases.ttl", "2h").code == 0
    lease = acquire(sb, "b").json
    assert ts(lease["expires_at"]) - ts(lease["acquired_at"]) == timedelta(hours=2)


def test_held_by_another_is_exit_4_naming_holder_and_expiry(sandbox):
    sb = sandbox
    held = acquire(sb, "db-migration").json
    tip = sb.store_tip()
    r = acquire(sb, "db-migration", env=BOB)
    assert r.code == 4, r
    assert r.out == ""
    err = r.err_json["error"]
    assert err["code"] == "conflict"
    assert err["holder"] == "alice" and err["expires_at"] == held["expires_at"], err
    assert "alice" in err["message"] and held["expires_at"] in err["message"], err
    assert sb.store_tip() == tip  # nothing written
    r = sb.gi("lease", "release", "db-migration", env=BOB)
    assert r.code == 4 and "alice" in r.err, r
    r = sb.gi("lease", "extend", "db-migration", "--ttl", "1h", env=BOB)
    assert r.code == 4 and "alice" in r.err, r
    r = sb.gi("lease", "extend", "nothing-here", "--json", env=BOB)
    assert r.code == 3, r


def test_the_holder_acquiring_again_extends(sandbox):
    sb = sandbox
    first = acquire(sb, "db", "--ttl", "5m").json
    time.sleep(1.1)  # a later expiry at second resolution
    again = acquire(sb, "db", "--ttl", "1h").json
    assert again["acquired_at"] == first["acquired_at"]
    assert ts(again["expires_at"]) > ts(first["expires_at"])
    shorter = acquire(sb, "db", "--ttl", "1m").json
    assert shorter["expires_at"] == again["expires_at"]  # never shortened
    extended = sb.gi("lease", "extend", "db", "--ttl", "2h", "--json", env=ALICE)
    assert extended.code == 0 and ts(extended.json["expires_at"]) > ts(again["expires_at"])
    assert sb.gi("lease", "list", "--json").json == [extended.json]


@pytest.mark.parametrize(("held", "wanted"), [
    ("path:src/auth/**", "path:src/auth/login.py"),
    ("path:src/**", "path:**/*.py"),
    ("path:src/*/x.py", "path:src/auth/*"),
    ("path:**", "path:docs/readme.md"),
])
def test_overlapping_path_patterns_conflict(sandbox, held, wanted):
    sb = sandbox
    assert acquire(sb, held).code == 0
    r = acquire(sb, wanted, env=BOB)
    assert r.code == 4, r
    err = r.err_json["error"]
    assert err["lease"] == held and err["holder"] == "alice", err
    assert held in err["message"] and "alice" in err["message"], err
    # the holder's own leases never exclude each other
    assert acquire(sb, wanted).code == 0


def test_disjoint_patterns_and_names_do_not_conflict(sandbox):
    sb = sandbox
    for resource in ("path:src/auth/**", "path:*.md", "path:src/*", "src/auth"):
        assert acquire(sb, resource).code == 0, resource
    for resource in ("path:src/billing/**", "path:*.py", "path:src/a/*", "src/billing",
                     "path:docs/**"):
        r = acquire(sb, resource, env=BOB)
        assert r.code == 0, r
    holders = {x["resource"]: x["holder"] for x in sb.gi("lease", "list", "--json").json}
    assert holders == {"path:src/auth/**": "alice", "path:*.md": "alice", "path:src/*": "alice",
                       "src/auth": "alice", "path:src/billing/**": "bob", "path:*.py": "bob",
                       "path:src/a/*": "bob", "src/billing": "bob", "path:docs/**": "bob"}


@pytest.mark.parametrize("resource", ["", "has space", "semi;colon", "path:", "path:/abs/**",
                                      "path:src//x", "path:src/[ab", "path:src/", "path:a**",
                                      "path:x\\", "path:a[[:nope:]]", "-rf"])
def test_invalid_resources_are_usage_errors(sandbox, resource):
    r = acquire(sandbox, resource)
    assert r.code == 2, r
    assert r.err_json["error"]["code"] == "usage"
    assert sandbox.store_tip() is None


def test_expired_lease_is_free_and_listed_as_expired(sandbox):
    sb = sandbox
    old = acquire(sb, "db", "--ttl", "1s").json
    time.sleep(2.1)
    assert sb.gi("lease", "list", "--json").json == []
    assert sb.gi("lease", "list", "--expired", "--json").json == [old]
    assert sb.gi("lease", "show", "db", "--json").json == old  # still there, expired
    r = acquire(sb, "db", env=BOB)
    assert r.code == 0, r
    assert r.json["holder"] == "bob" and r.json["acquired_at"] > old["acquired_at"]
    events = [e for e in sb.gi("log", "--json").json if e["type"].startswith("lease.")]
    assert [(e["type"], e["actor"], e["fields"]["holder"]) for e in events] == [
        ("lease.acquired", "alice", "alice"), ("lease.expired", "bob", "alice"),
        ("lease.acquired", "bob", "bob")]


def test_lease_events_on_the_activity_stream(sandbox):
    sb = sandbox
    first = acquire(sb, "path:src/**").json
    time.sleep(1.1)
    longer = sb.gi("lease", "extend", "path:src/**", "--ttl", "1h", "--json", env=ALICE).json
    assert sb.gi("lease", "release", "path:src/**", env=ALICE).code == 0
    r = sb.gi("log", "--json")
    assert r.code == 0, r
    events = [e for e in r.json if e["type"].startswith("lease.")]
    assert [e["type"] for e in events] == ["lease.acquired", "lease.extended", "lease.released"]
    for e in events:
        assert e["issue"] is None and e["actor"] == "alice"
        assert e["fields"]["resource"] == "path:src/**" and e["fields"]["holder"] == "alice"
    assert events[0]["fields"] == first
    assert events[1]["fields"]["expires_at"] == {"old": first["expires_at"],
                                                 "new": longer["expires_at"]}
    assert events[2]["fields"] == longer
    r = sb.gi("log")
    assert "lease.extended  path:src/** alice until " + longer["expires_at"] in r.out, r
    assert sb.gi("log", "--agent", "bob", "--json").json == []


def test_wait_takes_the_lease_once_the_holder_releases(sandbox):
    sb = sandbox
    assert acquire(sb, "db").code == 0
    waiter = subprocess.Popen([sb.gi_path, "lease", "acquire", "db", "--wait", "2m", "--json"],
                              cwd=sb.repo, env={**sb.env, **BOB}, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        note = waiter.stderr.readline()  # printed once the first attempt was refused
        assert "alice" in note and "waiting up to 2m" in note, note
        assert sb.gi("lease", "release", "db", env=ALICE).code == 0
        out, err = waiter.communicate(timeout=120)
    finally:
        if waiter.poll() is None:
            waiter.kill()
    assert waiter.returncode == 0, (out, err)
    assert json.loads(out)["holder"] == "bob"
    assert sb.gi("lease", "show", "db", "--json").json["holder"] == "bob"


def test_wait_gives_up_at_the_deadline_with_exit_4(sandbox):
    sb = sandbox
    held = acquire(sb, "db", "--ttl", "1h").json
    r = acquire(sb, "db", "--wait", "2s", env=BOB)
    assert r.code == 4, r
    err = r.err_json["error"]
    assert err["holder"] == "alice" and err["expires_at"] == held["expires_at"]
    assert "waited 2s" in err["message"], err


def test_wait_for_an_expiring_lease(sandbox):
    sb = sandbox
    assert acquire(sb, "db", "--ttl", "2s").code == 0
    r = acquire(sb, "db", "--wait", "1m", env=BOB)
    assert r.code == 0, r
    assert r.json["holder"] == "bob"


def _racers(sb, resources: list[str], tmp_path, *extra: str):
    commands = [[sb.gi_path, "lease", "acquire", res, "--json", *extra] for res in resources]
    envs = [{**sb.env, "GI_AGENT": f"agent-{k}"} for k in range(len(resources))]
    return finish_all(start_together(commands, sb.repo, envs, tmp_path / "gate"))


def test_eight_processes_race_for_one_resource_exactly_one_holds_it(sandbox, tmp_path):
    sb = sandbox
    sb.create("a store to race in")
    results = _racers(sb, ["db-migration"] * 8, tmp_path)
    codes = [code for code, _, _ in results]
    assert sorted(codes) == [0] + [4] * 7, results
    winner = f"agent-{codes.index(0)}"
    assert json.loads(results[codes.index(0)][1])["holder"] == winner
    for code, out, err in results:
        if code == 4:
            assert out == ""
            assert json.loads(err.strip().splitlines()[-1])["error"]["holder"] == winner
    shown = sb.gi("lease", "list", "--json").json
    assert [(x["resource"], x["holder"]) for x in shown] == [("db-migration", winner)]
    acquired = [e for e in sb.gi("log", "--json").json if e["type"] == "lease.acquired"]
    assert [e["actor"] for e in acquired] == [winner]


def test_eight_processes_race_with_overlapping_patterns(sandbox, tmp_path):
    sb = sandbox
    patterns = ["path:src/**", "path:src/auth/**", "path:**/*.py", "path:src/auth/login.py",
                "path:src/*/login.py", "path:**", "path:src/auth/*", "path:*/auth/**"]
    results = _racers(sb, patterns, tmp_path)
    codes = [code for code, _, _ in results]
    assert sorted(codes) == [0] + [4] * 7, results
    held = sb.gi("lease", "list", "--json").json
    assert [x["resource"] for x in held] == [patterns[codes.index(0)]]


def test_a_killed_acquire_leaves_no_half_state(sandbox):
    sb = sandbox
    sb.create("before")
    tip = sb.store_tip()
    r = sb.gi("lease", "acquire", "db", env={**ALICE, "GI_TEST_DIE_BEFORE_PUBLISH": "1"})
    assert r.code == 137, r
    assert sb.store_tip() == tip
    assert sb.gi("lease", "show", "db").code == 3
    r = acquire(sb, "db", env=BOB)
    assert r.code == 0 and r.json["holder"] == "bob", r
    assert sb.gi("doctor").code == 0


def test_tree_mode_keeps_leases_beside_the_issues(sandbox):
    sb = sandbox
    assert sb.gi("init", "--mode", "tree").code == 0
    assert sb.gi("config", "set", "commit", "true").code == 0
    held = acquire(sb, "path:src/**").json
    files = list((sb.repo / ".issue-facade" / "leases").iterdir())
    assert [f.name[:5] for f in files] == ["path-"]
    assert acquire(sb, "path:src/a.py", env=BOB).code == 4
    assert sb.gi("lease", "list", "--json").json == [held]
    assert sb.gi("lease", "release", "path:src/**", env=ALICE).code == 0
    assert not list((sb.repo / ".issue-facade" / "leases").iterdir())
    # each change committed (commit: true), the removal too
    assert len(sb.git("log", "--format=%H", "--", ".issue-facade/leases").split()) == 2
    assert sb.git("ls-files", ".issue-facade/leases") == ""
    kinds = [e["type"] for e in sb.gi("log", "--json").json]
    assert kinds == ["lease.acquired", "lease.released"]
    assert sb.store_tip() is None  # no store branch in tree mode


def test_a_lease_file_that_is_not_one_excludes_nothing_and_is_named(sandbox):
    """A lease file pulled from elsewhere (written by hand, or by a broken tool) that does not
    read as a valid lease: left out with a warning naming it, never a traceback."""
    import hashlib

    sb = sandbox
    held = acquire(sb, "db").json
    bad = "path:src/[ab"
    name = f"leases/path-{hashlib.sha1(bad.encode()).hexdigest()}.yaml"
    sb.commit_store_file(name, (f"resource: '{bad}'\nholder: mallory\n"
                                "acquired_at: 2026-01-01T00:00:00Z\n"
                                "expires_at: 2099-01-01T00:00:00Z\n").encode())
    sb.commit_store_file("leases/name-0000.yaml", b"not: [a lease\n")
    r = sb.gi("lease", "list", "--json")
    assert r.code == 0 and r.json == [held], r
    assert name in r.err and "leases/name-0000.yaml" in r.err, r.err
    r = acquire(sb, "path:src/a/**", env=BOB)
    assert r.code == 0, r
    r = sb.gi("lease", "check", "src/a.py", env=BOB)
    assert r.code == 0 and "Traceback" not in r.err, r
    assert sb.gi("log", "--json").code == 0


def test_a_lease_long_expired_is_cleared_by_the_next_lease_written(sandbox):
    import hashlib

    sb = sandbox
    sb.create("a store")
    old = {"resource": "old-job", "holder": "carol", "acquired_at": "2020-01-01T00:00:00Z",
           "expires_at": "2020-01-01T00:10:00Z"}
    name = f"leases/name-{hashlib.sha1(b'old-job').hexdigest()}.yaml"
    sb.commit_store_file(name, "".join(f"{k}: {v}\n" for k, v in old.items()).encode())
    recent = acquire(sb, "recent", "--ttl", "1s").json
    time.sleep(2.1)
    assert sb.gi("lease", "list", "--expired", "--json").json == [recent]  # old-job is gone
    expired = [e for e in sb.gi("log", "--json").json if e["type"] == "lease.expired"]
    assert [(e["actor"], e["fields"]) for e in expired] == [("alice", old)]
