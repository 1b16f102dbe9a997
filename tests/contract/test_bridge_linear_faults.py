"""`gi bridge` with Linear when things go wrong, and what it costs (SPEC §8): a push killed half
way (then pushed, or synced, again), a 5xx mid-listing, rate limits as 429 and as Linear's
400 RATELIMITED, the requests of a pull that finds nothing new and of a push of many changes.
The real `gi` against tests/fakes/linear.py over real HTTP."""

from __future__ import annotations

import pytest
from fakes.linear import FakeLinear
from killing import kill_when, start_gi

KEY = "lin_api_faultyKey987"
ENV = {"LINEAR_API_KEY": KEY}


@pytest.fixture
def linear():
    with FakeLinear(key=KEY) as fake:
        yield fake


@pytest.fixture
def bridged(sandbox, linear):
    r = sandbox.gi("bridge", "add", "lin", "--platform", "linear", "--url", linear.base_url,
                   "--project", "ENG")
    assert r.code == 0, r
    return sandbox


def bridge(sb, *args):
    r = sb.gi("bridge", *args, "--json", env=ENV)
    assert r.code == 0, r
    assert KEY not in r.out + r.err
    return r


def listed(sb):
    return sb.gi("list", "--limit", "0", "status:open,in_progress,blocked,closed",
                 "--json").json


def kill_push_half_way(sb, linear, count):
    """Start `gi bridge push` and kill it once at least half the issues exist in Linear."""
    proc = start_gi(sb, "bridge", "push", env=ENV)
    kill_when(proc, lambda: len(linear.ws.issues) >= count // 2, sb)
    assert count // 2 <= len(linear.ws.issues) < count


@pytest.mark.parametrize("then", ["push", "sync"])
def test_a_push_killed_half_way_then_run_again_creates_no_duplicate(bridged, linear, then):
    sb = bridged
    for n in range(10):
        sb.create(f"Local {n}")
    kill_push_half_way(sb, linear, 10)
    bridge(sb, then)  # sync pulls first: the orphans are recognised by their ids
    titles = sorted(i.title for i in linear.ws.issues.values())
    assert titles == sorted(f"Local {n}" for n in range(10))
    assert len(listed(sb)) == 10
    assert bridge(sb, "sync").json[0]["created"] == 0
    mapped = [i for i in listed(sb) if i.get("remote")]
    assert len(mapped) == 10 and KEY not in str(mapped)
    assert len({i["remote"]["lin"]["number"] for i in mapped}) == 10


def test_a_comment_posted_again_after_a_kill_is_not_doubled(bridged, linear):
    sb = bridged
    local = sb.create("Talked about")
    bridge(sb, "push")
    for n in range(6):
        assert sb.gi("comment", local, f"note {n}").code == 0
    proc = start_gi(sb, "bridge", "push", env=ENV)
    kill_when(proc, lambda: len(linear.ws.comments) >= 3, sb)
    assert 3 <= len(linear.ws.comments) < 6  # killed half way
    bridge(sb, "sync")
    bridge(sb, "sync")
    assert sorted(c.body for c in linear.ws.comments.values()) == [f"note {n}" for n in range(6)]
    assert len(sb.show(local)["comments"]) == 6


def test_a_500_on_page_2_is_retried_and_the_pull_is_complete(bridged, linear):
    sb = bridged
    for n in range(120):
        linear.ws.add_issue(f"Remote {n}")
    fault = linear.fail(500, path=r"op=GiIssues\b")
    result = bridge(sb, "pull").json
    assert fault.times == 0  # the 500 was given (the first page came with the team)
    assert result[0]["created"] == 120 and len(listed(sb)) == 120
    assert linear.ops.count(("GiIssues", 500)) == 1


@pytest.mark.parametrize("status", [429, 400])
def test_a_rate_limit_is_waited_out(bridged, linear, status):
    sb = bridged
    linear.ws.add_issue("Behind a limit")
    sb.create("Local")
    limit = linear.ratelimited(status=status, op="GiCreate")
    r = bridge(sb, "sync")
    assert limit.times == 0 and linear.ops.count(("GiCreate", status)) == 1
    assert "rate limited" in r.err and "waiting 1 s" in r.err, r.err
    assert [(x["direction"], x["created"]) for x in r.json] == [("pull", 1), ("push", 1)]
    assert len(linear.ws.issues) == 2


def test_a_rate_limit_without_retry_after_waits_for_the_reset_in_milliseconds(bridged, linear):
    sb = bridged
    linear.ws.add_issue("Behind a limit")
    limit = linear.ratelimited(status=400, retry_after=None, op="GiTeam")
    r = bridge(sb, "pull")
    assert limit.times == 0 and r.json[0]["created"] == 1
    assert "rate limited" in r.err and "waiting 1 s" in r.err, r.err  # ceil of under 1 s


def test_a_pull_that_finds_nothing_new_costs_at_most_two_requests(bridged, linear):
    sb, ws = bridged, linear.ws
    for n in range(4):
        issue = ws.add_issue(f"Remote {n}", labels=["Bug"])
        ws.add_comment(issue, f"comment on {n}")
    local = sb.create("Local", "--label", "ui")
    assert sb.gi("comment", local, "from gi").code == 0
    bridge(sb, "sync")
    bridge(sb, "sync")
    before = len(linear.ops)
    result = bridge(sb, "pull").json[0]
    assert result["created"] == result["updated"] == 0
    assert result["requests"] == len(linear.ops) - before <= 2, linear.ops[before:]
    assert linear.ops[before:] == [("GiTeamIssues", 200)]  # the team and the page, at once


def test_a_push_of_many_changes_batches_the_updates(bridged, linear):
    sb = bridged
    for n in range(60):
        linear.ws.add_issue(f"Remote {n}")
    bridge(sb, "pull")
    for issue in listed(sb):
        assert sb.gi("edit", issue["id"], "--priority", "1").code == 0
    before = len(linear.ops)
    result = bridge(sb, "push").json[0]
    assert result["updated"] == 60
    assert linear.count(path="^GiUpdate$") - 0 == 2  # 50 + 10 in two requests
    assert result["requests"] == len(linear.ops) - before <= 4, linear.ops[before:]
    assert all(i.priority == 2 for i in linear.ws.issues.values())
