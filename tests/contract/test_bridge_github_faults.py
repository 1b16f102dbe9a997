"""`gi bridge` with GitHub when things go wrong, and what it costs (SPEC §8): a bad token, a
5xx mid-listing, a secondary rate limit, a push killed half-way, the requests of a pull that
finds nothing new. The real `gi` against tests/fakes/github.py over real HTTP."""

from __future__ import annotations

import pytest
from fakes.github import FakeGitHub
from killing import kill_when, start_gi

TOKEN = "ghp_s3cretGitHubToken"
ENV = {"GITHUB_TOKEN": TOKEN, "GI_BRIDGE_PACE": "0"}


@pytest.fixture
def github():
    with FakeGitHub(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def bridged(sandbox, github):
    r = sandbox.gi("bridge", "add", "hub", "--platform", "github", "--url", github.base_url,
                   "--project", "acme/widgets")
    assert r.code == 0, r
    return sandbox


def bridge(sb, *args):
    r = sb.gi("bridge", *args, "--json", env=ENV)
    assert r.code == 0, r
    assert TOKEN not in r.out + r.err
    return r


def count_local(sb) -> int:
    return sum(len(sb.gi("list", *q, "--limit", "0", "--json").json)
               for q in ([], ["is:closed"]))


def test_a_bad_or_missing_token_is_exit_7_naming_github_token(bridged):
    sb = bridged
    r = sb.gi("bridge", "sync", "--json", env={**ENV, "GITHUB_TOKEN": "ghp_wrongToken"})
    assert r.code == 7, r
    assert "GITHUB_TOKEN" in r.err and "ghp_wrongToken" not in r.err + r.out
    assert "Traceback" not in r.err
    r = sb.gi("bridge", "pull", env={"GITHUB_TOKEN": "", "GH_TOKEN": ""})
    assert r.code == 7 and "GITHUB_TOKEN" in r.err, r


def test_a_500_on_page_2_is_retried_and_the_pull_is_complete(bridged, github):
    sb = bridged
    for n in range(230):
        github.add_issue(f"Remote {n}")
    fault = github.fail(500, method="GET", path=r"/issues\?.*page=2")
    result = bridge(sb, "pull").json
    assert fault.times == 0  # the 500 was given
    assert result[0]["created"] == 230 and count_local(sb) == 230
    assert github.count("GET", r"/issues$") == 4  # pages 1, 2 (twice), 3


def test_a_secondary_rate_limit_is_waited_out(bridged, github):
    sb = bridged
    github.add_issue("Remote")
    sb.create("Local")
    limit = github.fail(403, method="POST", path=r"/issues$", headers={"retry-after": "1"},
                        body={"message": "You have exceeded a secondary rate limit. Please "
                              "wait a few minutes before you try again.",
                              "documentation_url": "https://docs.github.com/rest/overview/"
                              "rate-limits-for-the-rest-api#about-secondary-rate-limits",
                              "status": "403"})
    r = bridge(sb, "sync")
    assert limit.times == 0
    assert "rate limited, waiting 1 s" in r.err, r
    assert [(x["direction"], x["created"]) for x in r.json] == [("pull", 1), ("push", 1)]
    assert sorted(i.title for i in github.issues.values()) == ["Local", "Remote"]


def test_a_push_killed_half_way_then_run_again_creates_no_duplicate(bridged, github):
    sb = bridged
    for n in range(10):
        sb.create(f"Local {n}")
    proc = start_gi(sb, "bridge", "push", env=ENV)
    kill_when(proc, lambda: len(github.issues) >= 5, sb)
    assert 5 <= len(github.issues) < 10
    bridge(sb, "push")
    titles = sorted(i.title for i in github.issues.values())
    assert titles == sorted(f"Local {n}" for n in range(10))
    assert bridge(sb, "push").json[0]["created"] == 0
    mapped = [i for i in sb.gi("list", "--limit", "0", "--json").json if i.get("remote")]
    assert len(mapped) == 10


def test_a_pull_that_finds_nothing_new_costs_at_most_two_requests(bridged, github):
    sb = bridged
    for n in range(4):
        issue = github.add_issue(f"Remote {n}", labels=["bug"])
        github.add_comment(issue.number, f"comment on {n}")
    pr = github.add_issue("A pull request", pull_request=True)
    github.add_comment(pr.number, "on the pull request")
    local = sb.create("Local", "--label", "ui")
    assert sb.gi("comment", local, "from gi").code == 0
    bridge(sb, "sync")
    bridge(sb, "sync")  # the pushed issue and comment come back once as unchanged
    before = len(github.requests)
    result = bridge(sb, "pull").json[0]
    assert result["created"] == result["updated"] == 0
    assert result["requests"] == len(github.requests) - before <= 2, github.requests[before:]
    # a push that looks for its markers (a new local issue) lists issues, never comments
    sb.create("Another local")
    comment_lists = github.count("GET", r"/issues/comments$")
    assert bridge(sb, "push").json[0]["created"] == 1
    assert github.count("GET", r"/issues/comments$") == comment_lists
