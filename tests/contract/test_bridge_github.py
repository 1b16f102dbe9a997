"""`gi bridge` with GitHub end to end (SPEC §8): the real `gi` against a fake GitHub REST v3
over real HTTP on 127.0.0.1 (tests/fakes/github.py), as a user runs it. Faults, limits and
request counts are in test_bridge_github_faults.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fakes.github import FakeGitHub

TOKEN = "ghp_s3cretGitHubToken"
# GitHub asks for a second between POSTs; the fake does not, and tests do not wait
ENV = {"GITHUB_TOKEN": TOKEN, "GI_BRIDGE_PACE": "0"}


@pytest.fixture
def github():
    with FakeGitHub(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def bridged(sandbox, github):
    sb = sandbox
    r = sb.gi("bridge", "add", "hub", "--platform", "github", "--url", github.base_url,
              "--project", "acme/widgets", "--json")
    assert r.code == 0, r
    assert r.json == {"name": "hub", "platform": "github", "url": github.base_url,
                      "project": "acme/widgets"}
    return sb


def bridge(sb, *args):
    r = sb.gi("bridge", *args, "--json", env=ENV)
    assert r.code == 0, r
    assert TOKEN not in r.out + r.err
    return r.json


def listed(sb):
    """Every local issue by title, closed ones too."""
    return {i["title"]: i for q in ([], ["is:closed"])
            for i in sb.gi("list", *q, "--limit", "0", "--json").json}


def by_title(github):
    return {i.title: i for i in github.issues.values() if not i.pull_request}


def quiet(sb):
    """A sync that finds nothing to do on either side."""
    result = bridge(sb, "sync")
    assert all(r["created"] == r["updated"] == 0 for r in result), result


def test_sync_both_ways_then_nothing_changes(bridged, github):
    sb = bridged
    github.add_issue("Remote bug", "It crashes\r\nsometimes  ", labels=["bug"],
                     assignees=["mona"], milestone="v1")
    local = sb.create("Local task", "--priority", "1", "--label", "ui", "--body", "Do it")
    assert sb.gi("edit", local, "--milestone", "v2", "--assign", "octo").code == 0
    first = bridge(sb, "sync")
    assert [(r["direction"], r["created"]) for r in first] == [("pull", 1), ("push", 1)]
    remote = by_title(github)
    assert set(remote) == {"Remote bug", "Local task"}
    made = remote["Local task"]
    assert set(made.labels) == {"ui", "priority:1"} and made.assignees == ["octo"]
    assert github.state.milestones[made.milestone].title == "v2"
    assert made.body.startswith("Do it") and f"<!-- gi:{local} -->" in made.body
    assert github.state.label_named("ui").color == "c5def5"  # created by gi, with a colour
    mapped = sb.show(local)["remote"]["hub"]
    assert mapped["number"] == str(made.number) and mapped["url"].endswith(f"/{made.number}")
    pulled = listed(sb)["Remote bug"]
    assert pulled["labels"] == ["bug"] and pulled["body"] == "It crashes\nsometimes"
    assert pulled["assignees"] == ["mona"] and pulled["milestone"] == "v1"
    quiet(sb)
    assert len(by_title(github)) == 2 and len(listed(sb)) == 2


class HeaderLoggingGitHub(FakeGitHub):
    """Keeps the headers of every request that needed a token."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.seen: list[dict[str, str]] = []

    def token_from(self, headers):
        self.seen.append(headers)
        return super().token_from(headers)


def test_the_requests_carry_the_api_version_and_a_bearer_token(sandbox):
    """What GitHub asks every client to send; the fake itself checks only the token."""
    with HeaderLoggingGitHub(token=TOKEN) as github:
        github.add_issue("One")
        assert sandbox.gi("bridge", "add", "hub", "--platform", "github", "--url",
                          github.base_url, "--project", "acme/widgets").code == 0
        sandbox.create("Two", "--label", "x")
        bridge(sandbox, "sync")
    assert len(github.seen) >= 4
    assert all(h.get("authorization") == f"Bearer {TOKEN}"
               and h.get("accept") == "application/vnd.github+json"
               and h.get("x-github-api-version") == "2022-11-28" for h in github.seen)


def test_edits_of_different_fields_on_both_sides_are_both_kept(bridged, github):
    sb = bridged
    issue = github.add_issue("Shared", "body", labels=["a"])
    bridge(sb, "sync")
    local_id = listed(sb)["Shared"]["id"]
    assert sb.gi("edit", local_id, "--title", "Renamed in gi").code == 0
    github.add_label("remote")
    issue.labels.append("remote")
    issue.updated_at = github.state.tick()
    bridge(sb, "sync")
    shown = sb.show(local_id)
    assert shown["title"] == "Renamed in gi" and set(shown["labels"]) == {"a", "remote"}
    assert issue.title == "Renamed in gi" and set(issue.labels) == {"a", "remote"}
    quiet(sb)


@pytest.mark.parametrize("later", ["gi", "github"])
def test_the_same_field_on_both_sides_goes_to_the_later_change(bridged, github, later):
    sb = bridged
    issue = github.add_issue("Original")
    bridge(sb, "sync")
    local_id = listed(sb)["Original"]["id"]
    assert sb.gi("edit", local_id, "--title", "Title from gi").code == 0
    issue.title = "Title from GitHub"
    # the fake's clock is in 2024, before any gi edit; 2099 is after it
    issue.updated_at = github.state.tick() if later == "gi" else datetime(2099, 1, 1, tzinfo=UTC)
    kept, lost = ("Title from gi", "Title from GitHub")[::1 if later == "gi" else -1]
    for _ in range(2):  # the second pull finds nothing new: the conflict is on record once
        bridge(sb, "pull")
        assert sb.show(local_id)["title"] == kept
        log = sb.gi("log", local_id, "--json", "--limit", "0")
        assert log.code == 0, log
        resolved = [e["fields"] for e in log.json if e["type"] == "merge.conflict_resolved"]
        assert resolved == [{"field": "title", "kept": kept, "lost": lost}], log.json
    bridge(sb, "sync")
    assert issue.title == kept
    quiet(sb)


def test_comments_on_both_sides_arrive_once_on_each_side(bridged, github):
    sb = bridged
    issue = github.add_issue("Talk")
    github.add_comment(issue.number, "first from GitHub", author="mona")
    bridge(sb, "sync")
    local_id = listed(sb)["Talk"]["id"]
    assert sb.gi("comment", local_id, "from gi").code == 0
    github.add_comment(issue.number, "second from GitHub", author="mona")
    for _ in range(2):
        bridge(sb, "sync")
    remote = [c.body.split("\n\n<!--")[0] for c in github.state.issue_comments(issue.number)]
    assert sorted(remote) == ["first from GitHub", "from gi", "second from GitHub"]
    local = [(c["author"], c["body"]) for c in sb.show(local_id)["comments"]]
    assert sorted(local) == [("mona", "first from GitHub"), ("mona", "second from GitHub"),
                             ("tester", "from gi")]
    quiet(sb)


def test_pull_requests_are_never_imported(bridged, github):
    sb = bridged
    github.add_issue("An issue")
    pr = github.add_issue("A pull request", pull_request=True)
    github.add_comment(pr.number, "review comment")
    result = bridge(sb, "sync")
    assert result[0]["created"] == 1
    assert set(listed(sb)) == {"An issue"}
    assert all(not i["comments"] for i in listed(sb).values())
    assert len(github.issues) == 2  # and nothing was pushed back as an issue


def test_a_close_as_not_planned_travels_both_ways(bridged, github):
    sb = bridged
    # GitHub → gi: closed as not planned is closed with the label status:not_planned
    dropped = github.add_issue("Dropped upstream")
    github.state.set_state(dropped, "closed", "not_planned", github.state.tick())
    dropped.updated_at = github.state.tick()
    done = github.add_issue("Done upstream", state="closed")
    bridge(sb, "sync")
    here = listed(sb)
    assert sb.show(here["Dropped upstream"]["id"])["status"] == "closed"
    assert sb.show(here["Dropped upstream"]["id"])["labels"] == ["status:not_planned"]
    assert sb.show(here["Done upstream"]["id"])["labels"] == []
    quiet(sb)
    # an edit of another field leaves the reason alone
    assert sb.gi("edit", here["Dropped upstream"]["id"], "--title", "Dropped (renamed)").code == 0
    bridge(sb, "sync")
    assert (dropped.title, dropped.state_reason) == ("Dropped (renamed)", "not_planned")
    assert dropped.labels == []
    # gi → GitHub: a new issue closed with the label
    new = sb.create("Not doing this", "--label", "status:not_planned", "--label", "x")
    assert sb.gi("close", new).code == 0
    bridge(sb, "sync")
    made = by_title(github)["Not doing this"]
    assert (made.state, made.state_reason, made.labels) == ("closed", "not_planned", ["x"])
    # gi → GitHub: the reason of an issue already closed as completed
    assert sb.gi("edit", here["Done upstream"]["id"], "--add-label", "status:not_planned").code == 0
    bridge(sb, "sync")
    assert (done.state, done.state_reason, done.labels) == ("closed", "not_planned", [])
    quiet(sb)
    # and back: removing the label in gi closes it as completed again
    assert sb.gi("edit", here["Done upstream"]["id"],
                 "--remove-label", "status:not_planned").code == 0
    bridge(sb, "sync")
    assert (done.state, done.state_reason) == ("closed", "completed")
    # reopened on GitHub: open in gi, and the label goes with the reason
    github.state.set_state(dropped, "open", None, github.state.tick())
    dropped.updated_at = github.state.tick()
    bridge(sb, "sync")
    shown = sb.show(here["Dropped upstream"]["id"])
    assert (shown["status"], shown["labels"]) == ("open", [])
    quiet(sb)


def test_no_bridge_saved_a_clone_of_github_com_uses_github(sandbox, github):
    """`GH_TOKEN=x gi bridge sync` in a clone of github.com (GITHUB_API_URL points the API at
    the fake, as on GitHub Enterprise or in GitHub Actions)."""
    sb = sandbox
    sb.git("remote", "add", "origin", "git@github.com:acme/widgets.git")
    github.add_issue("Found by detection")
    env = {"GH_TOKEN": TOKEN, "GITHUB_TOKEN": "", "GITHUB_API_URL": github.base_url,
           "GI_BRIDGE_PACE": "0"}
    r = sb.gi("bridge", "sync", "--json", env=env)
    assert r.code == 0, r
    assert [(x["name"], x["direction"], x["created"]) for x in r.json] == [
        ("github", "pull", 1), ("github", "push", 0)]
    assert set(listed(sb)) == {"Found by detection"}


def test_an_assignee_github_cannot_assign_stays_in_gi(bridged, github):
    """GitHub refuses a whole create or edit naming a login it cannot assign (422); gi's
    assignees are often agents, which have no GitHub account."""
    sb = bridged
    github.add_user("mona")
    local = sb.create("Claimed by an agent")
    assert sb.gi("edit", local, "--assign", "agent-coder", "--assign", "mona").code == 0
    bridge(sb, "sync")
    made = by_title(github)["Claimed by an agent"]
    assert made.assignees == ["mona"]
    assert sorted(sb.show(local)["assignees"]) == ["agent-coder", "mona"]
    assert sb.gi("edit", local, "--assign", "octo", "--assign", "coder-2").code == 0
    bridge(sb, "sync")
    assert made.assignees == ["mona", "octo"]
    assert sorted(sb.show(local)["assignees"]) == ["agent-coder", "coder-2", "mona", "octo"]
    assert github.count("GET", r"/assignees/agent-coder$") <= 2  # once per run
    pulled, pushed = bridge(sb, "sync")
    assert pulled["updated"] == pushed["updated"] == 0  # settled: not sent again every run
