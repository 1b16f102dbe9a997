"""`gi bridge` with Linear end to end (SPEC §8): the real `gi` against a fake Linear GraphQL API
over real HTTP on 127.0.0.1 (tests/fakes/linear.py, which checks every document against
Linear's schema), as a user runs it."""

from __future__ import annotations

import json

import pytest
from fakes.linear import FakeLinear

KEY = "lin_api_s3cretLinearKey0123456789"
ENV = {"LINEAR_API_KEY": KEY}


@pytest.fixture
def linear():
    with FakeLinear(key=KEY) as fake:
        yield fake


def add(sb, fake, team="ENG", name="work"):
    r = sb.gi("bridge", "add", name, "--platform", "linear", "--url", fake.base_url,
              "--project", team, "--json")
    assert r.code == 0, r
    assert r.json == {"name": name, "platform": "linear", "url": fake.base_url,
                      "project": team}
    return sb


@pytest.fixture
def bridged(sandbox, linear):
    return add(sandbox, linear)


def bridge(sb, *args, env=ENV):
    r = sb.gi("bridge", *args, "--json", env=env)
    assert r.code == 0, r
    assert KEY not in r.out + r.err
    return r.json


def listed(sb):
    return sb.gi("list", "--limit", "0", "status:open,in_progress,blocked,closed",
                 "--json").json


def by_title(fake):
    return {i.title: i for i in fake.ws.issues.values()}


def test_sync_both_ways_then_nothing_changes(bridged, linear):
    sb, ws = bridged, linear.ws
    ws.add_milestone("v2")
    remote = ws.add_issue("Remote bug", "It crashes\r\nsometimes  ", labels=["Bug"],
                          assignee="mona", priority=1, milestone="v1", state="In Progress")
    ws.add_comment(remote, "seen it too", user="mona")
    ws.add_issue("Remote done", state="Done")
    ws.add_issue("Remote dropped", state="Canceled", priority=4)
    local = sb.create("Local task", "--priority", "0", "--label", "ui", "--assignee", "mona",
                      "--milestone", "v2", "--body", "Steps:\n* one\n* two")
    done = sb.create("Local done", "--priority", "4")
    assert sb.gi("close", done).code == 0
    first = bridge(sb, "sync")
    assert [(r["direction"], r["created"]) for r in first] == [("pull", 3), ("push", 2)]
    assert not [op for op in linear.ops if op[1] >= 400], linear.ops

    made = by_title(linear)
    pushed = made["Local task"]
    assert (pushed.priority, ws.states[pushed.state].name) == (1, "Todo")  # gi 0 = urgent
    assert [ws.labels[x].name for x in pushed.labels] == ["ui"]
    assert ws.users[pushed.assignee].display == "mona"
    assert ws.milestones[pushed.milestone].name == "v2"
    assert pushed.description == "Steps:\n- one\n- two"  # Linear's own Markdown
    closed = made["Local done"]
    assert (ws.states[closed.state].type, closed.priority) == ("completed", 0)
    mapped = sb.show(local)["remote"]["work"]
    assert mapped["number"] == pushed.id and mapped["id"] == ws.identifier(pushed)
    assert mapped["url"].endswith(f"/issue/{ws.identifier(pushed)}/local-task")

    got = {i["title"]: i for i in listed(sb)}
    bug = got["Remote bug"]
    assert (bug["status"], bug["labels"], bug["priority"], bug["assignees"],
            bug["milestone"]) == ("in_progress", ["Bug"], 0, ["mona"], "v1")
    assert bug["body"] == "It crashes\nsometimes"
    assert [c["body"] for c in sb.show(bug["id"])["comments"]] == ["seen it too"]
    assert got["Remote done"]["status"] == got["Remote dropped"]["status"] == "closed"
    assert got["Remote dropped"]["priority"] == 3  # Linear 4 (low) is gi 3

    again = bridge(sb, "sync")
    assert all(r["created"] == r["updated"] == 0 for r in again), again
    assert len(ws.issues) == 5 and len(listed(sb)) == 5


def test_dry_run_says_what_would_change_and_changes_nothing(bridged, linear):
    sb = bridged
    linear.ws.add_issue("Remote")
    sb.create("Local")
    tip = sb.store_tip()
    result = bridge(sb, "sync", "--dry-run")
    assert [(r["direction"], r["created"]) for r in result] == [("pull", 1), ("push", 1)]
    assert sb.store_tip() == tip and len(linear.ws.issues) == 1
    assert linear.count(path="Create|Update|Comment") == 0
    human = sb.gi("bridge", "sync", "--dry-run", env=ENV)
    assert human.code == 0 and "work pull: 1 would be created" in human.out, human


def test_edits_of_different_fields_on_both_sides_are_both_kept(bridged, linear):
    sb, ws = bridged, linear.ws
    issue = ws.add_issue("Shared", "body", labels=["Bug"])
    bridge(sb, "sync")
    local_id = listed(sb)[0]["id"]
    assert sb.gi("edit", local_id, "--title", "Renamed in gi", "--priority", "1").code == 0
    issue.labels.append(ws.label_named("remote").id)
    issue.state = ws.state_named("In Progress").id
    issue.updated = ws.tick()
    bridge(sb, "sync")
    shown = sb.show(local_id)
    assert shown["title"] == "Renamed in gi" and shown["priority"] == 1
    assert set(shown["labels"]) == {"Bug", "remote"} and shown["status"] == "in_progress"
    assert (issue.title, issue.priority) == ("Renamed in gi", 2)
    assert ws.states[issue.state].name == "In Progress"
    assert all(r["updated"] == 0 for r in bridge(sb, "sync"))


@pytest.mark.parametrize("later", ["remote", "local"])
def test_one_field_changed_on_both_sides_goes_to_the_later(bridged, linear, later):
    from datetime import UTC, datetime

    sb, ws = bridged, linear.ws
    issue = ws.add_issue("Original")
    bridge(sb, "sync")
    local_id = listed(sb)[0]["id"]
    assert sb.gi("edit", local_id, "--title", "Local title").code == 0
    issue.title = "Remote title"
    # the fake's clock is in 2024, before any local edit; 2099 is after it
    issue.updated = datetime(2099, 1, 1, tzinfo=UTC) if later == "remote" else ws.tick()
    bridge(sb, "sync")
    winner = {"remote": "Remote title", "local": "Local title"}[later]
    assert sb.show(local_id)["title"] == winner and issue.title == winner


def test_comments_both_ways_arrive_once(bridged, linear):
    sb, ws = bridged, linear.ws
    issue = ws.add_issue("Talked about")
    ws.add_comment(issue, "from linear", user="mona")
    bridge(sb, "sync")
    local_id = listed(sb)[0]["id"]
    assert sb.gi("comment", local_id, "from gi").code == 0
    bridge(sb, "sync")
    ws.add_comment(issue, "second from linear")  # the issue's updatedAt does not move
    for _ in range(2):
        bridge(sb, "sync")
    bodies = [c["body"] for c in sb.show(local_id)["comments"]]
    assert sorted(bodies) == ["from gi", "from linear", "second from linear"]
    remote = sorted(c.body for c in ws.comments.values())
    assert remote == ["from gi", "from linear", "second from linear"]


def test_blocked_is_the_blocked_state_when_the_team_has_one_else_a_label(bridged, linear):
    sb, ws = bridged, linear.ws
    plain = sb.create("Stuck here")
    assert sb.gi("edit", plain, "--status", "blocked").code == 0
    bridge(sb, "push")
    issue = by_title(linear)["Stuck here"]
    assert ws.states[issue.state].type == "unstarted"
    assert [ws.labels[x].name for x in issue.labels] == ["status:blocked"]
    assert sb.gi("edit", plain, "--status", "in_progress").code == 0
    bridge(sb, "push")
    assert (ws.states[issue.state].name, issue.labels) == ("In Progress", [])

    ws.add_state("Blocked", "started", 2.5)
    other = sb.create("Stuck there")
    assert sb.gi("edit", other, "--status", "blocked").code == 0
    bridge(sb, "push")
    issue = by_title(linear)["Stuck there"]
    assert ws.states[issue.state].name == "Blocked" and issue.labels == []
    bridge(sb, "pull")
    assert sb.show(other)["status"] == "blocked" and sb.show(other)["labels"] == []


def test_markdown_linear_rewrites_is_not_a_change(bridged, linear):
    sb = bridged
    local = sb.create("Formatted", "--body", "* a\r\n+ b  \n\n\ntext")
    bridge(sb, "sync")
    assert by_title(linear)["Formatted"].description == "- a\n- b\n\n\ntext"
    for _ in range(2):
        result = bridge(sb, "sync")
        assert all(r["updated"] == 0 for r in result), result
    assert sb.show(local)["body"] == "* a\r\n+ b  \n\n\ntext"  # gi keeps what it was given


def test_an_oauth_token_goes_as_bearer(sandbox, linear):
    sb = add(sandbox, linear)
    linear.add_oauth("lin_oauth_abc")
    linear.ws.add_issue("Over OAuth")
    result = bridge(sb, "pull", env={"LINEAR_API_KEY": "Bearer lin_oauth_abc"})
    assert result[0]["created"] == 1


def test_a_renamed_team_duplicates_nothing_and_rewrites_identifiers(bridged, linear):
    sb, ws = bridged, linear.ws
    remote = ws.add_issue("From Linear")
    local = sb.create("From gi")
    bridge(sb, "sync")
    pushed = by_title(linear)["From gi"]
    assert sb.show(local)["remote"]["work"]["id"] == "ENG-2"
    ws.rename_team("CORE")
    r = sb.gi("bridge", "sync", "--json", env=ENV)
    assert r.code == 0, r
    assert "ENG is now CORE" in r.err and "--project CORE" in r.err
    assert [(x["created"], x["updated"]) for x in r.json] == [(0, 2), (0, 0)]
    assert len(listed(sb)) == 2 and len(ws.issues) == 2
    mapped = {i["title"]: i["remote"]["work"] for i in listed(sb)}
    assert mapped["From gi"]["id"] == "CORE-2" and "/issue/CORE-2/" in mapped["From gi"]["url"]
    assert mapped["From Linear"]["number"] == remote.id
    assert mapped["From gi"]["number"] == pushed.id
    # a clone with no memory of the team (CI): the old key is not found, the new one works
    r = sb.gi("bridge", "add", "ci", "--platform", "linear", "--url", linear.base_url,
              "--project", "ENG")
    assert r.code == 0, r
    r = sb.gi("bridge", "pull", "ci", env=ENV)
    assert r.code == 3 and "no Linear team with the key ENG" in r.err, r
    assert sb.gi("bridge", "add", "work", "--platform", "linear", "--url", linear.base_url,
                 "--project", "CORE").code == 0
    result = bridge(sb, "sync", "work")
    assert all(x["created"] == 0 for x in result) and len(listed(sb)) == 2
    assert len(ws.issues) == 2


def test_a_bad_or_missing_key_is_exit_7_naming_linear_api_key(bridged):
    sb = bridged
    r = sb.gi("bridge", "sync", "--json", env={"LINEAR_API_KEY": "lin_api_wrong"})
    assert r.code == 7, r
    assert "LINEAR_API_KEY" in r.err and "lin_api_wrong" not in r.err + r.out
    assert "Traceback" not in r.err
    assert json.loads(r.err.strip().splitlines()[-1])["error"]["code"] == "auth"
    r = sb.gi("bridge", "pull", env={"LINEAR_API_KEY": ""})
    assert r.code == 7 and "LINEAR_API_KEY" in r.err, r


def test_the_json_and_human_summaries(bridged, linear):
    sb = bridged
    linear.ws.add_issue("Remote")
    result = bridge(sb, "pull")
    assert result == [{"name": "work", "direction": "pull", "created": 1, "updated": 0,
                       "unchanged": 0, "requests": 2}]
    r = sb.gi("bridge", "list", "--json")
    assert r.json[0]["platform"] == "linear" and r.json[0]["last_pull"], r
    human = sb.gi("bridge", "pull", env=ENV)
    assert human.code == 0 and human.out.strip().startswith("work pull:"), human


def test_the_user_map_names_the_linear_assignee(bridged, linear):
    sb, ws = bridged, linear.ws
    ws.add_user("ci-bot", "CI Bot", "ci@example.com")
    assert sb.gi("config", "set", "bridges.work.users.agent-7", "ci-bot").code == 0
    local = sb.create("Assigned", "--assignee", "agent-7")
    bridge(sb, "push")
    assert ws.users[by_title(linear)["Assigned"].assignee].display == "ci-bot"
    ws.add_issue("Remote assigned", assignee="ci-bot")
    bridge(sb, "pull")
    got = {i["title"]: i for i in listed(sb)}
    assert got["Remote assigned"]["assignees"] == ["agent-7"]
    assert sb.show(local)["assignees"] == ["agent-7"]
    assert all(r["updated"] == 0 for r in bridge(sb, "sync"))


def test_an_assignee_linear_does_not_know_stays_in_gi_without_flapping(bridged, linear):
    sb = bridged
    linear.ws.add_user("mona")
    local = sb.create("Two people", "--assignee", "agent-x", "--assignee", "mona")
    bridge(sb, "sync")
    issue = by_title(linear)["Two people"]
    assert linear.ws.users[issue.assignee].display == "mona"
    for _ in range(2):
        assert all(r["updated"] == 0 for r in bridge(sb, "sync"))
    assert sorted(sb.show(local)["assignees"]) == ["agent-x", "mona"]


def test_a_milestone_linear_has_not_got_stays_in_gi_without_flapping(bridged, linear):
    sb = bridged
    local = sb.create("Someday", "--milestone", "v9")
    bridge(sb, "sync")
    assert by_title(linear)["Someday"].milestone is None
    for _ in range(2):
        assert all(r["updated"] == 0 for r in bridge(sb, "sync"))
    assert sb.show(local)["milestone"] == "v9"
    linear.ws.add_milestone("v9")  # made in Linear later: the next change of it goes there
    assert sb.gi("edit", local, "--milestone", "v10").code == 0
    linear.ws.add_milestone("v10")
    bridge(sb, "sync")
    assert linear.ws.milestones[by_title(linear)["Someday"].milestone].name == "v10"
