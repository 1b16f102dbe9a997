"""`gi bridge` with Jira end to end (SPEC §8): the real `gi` against tests/fakes/jira.py over
real HTTP, as Jira Cloud (REST v3, ADF, Basic email:token) and Data Center (REST v2, wiki
markup, a personal access token), as a user runs it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fakes.jira import FakeJira
from fakes.jira_state import Transition

TOKEN = "jira-s3cret-token"
EMAIL = "bridge@example.com"
FLAVORS = ["cloud", "datacenter"]


@pytest.fixture(params=FLAVORS)
def jira(request):
    with FakeJira(token=TOKEN, flavor=request.param, email=EMAIL) as fake:
        yield fake


def env_for(fake):
    return {"JIRA_TOKEN": TOKEN, **({"JIRA_EMAIL": EMAIL} if fake.cloud else {})}


@pytest.fixture
def bridged(sandbox, jira):
    r = sandbox.gi("bridge", "add", "work", "--platform", "jira", "--url", jira.base_url,
                   "--project", "ACME", "--deployment", jira.flavor, "--json")
    assert r.code == 0, r
    assert r.json == {"name": "work", "platform": "jira", "url": jira.base_url,
                      "project": "ACME", "deployment": jira.flavor}
    return sandbox, env_for(jira)


def bridge(sb, env, *args):
    r = sb.gi("bridge", *args, "--json", env=env)
    assert r.code == 0, r
    assert TOKEN not in r.out + r.err
    return r.json


def listed(sb):
    return sb.gi("list", "--limit", "0", "status:open,in_progress,blocked,closed", "--json").json


def by_title(sb):
    return {i["title"]: i for i in listed(sb)}


def test_sync_both_ways_then_nothing_changes(bridged, jira):
    sb, env = bridged
    jira.state.add_user("mia", "Mia Krystof")
    bug = jira.add_issue("Remote bug", "It crashes\n\nsometimes", issuetype="Bug",
                         priority="High", labels=["crash"], fix_versions=["v1"], assignee="mia")
    jira.add_issue("Remote done", status="Done", issuetype="Story")
    jira.state.add_link("ACME-2", bug.key)  # ACME-2 blocks the bug
    jira.add_comment(bug.key, "Seen on staging", author="mia")
    person = jira.state.users["mia"].account_id if jira.cloud else "mia"
    assert sb.gi("config", "set", "bridges.work.users.mia-agent", person).code == 0
    blocker = sb.create("Local blocker", "--type", "chore")
    local = sb.create("Local task", "--body", "Steps:\n\n1. open *it*\n   - twice", "--type",
                      "feature", "--priority", "0", "--label", "ui", "--milestone", "v2",
                      "--assignee", "mia-agent", "--depends-on", blocker)
    done = sb.create("Local done")
    assert sb.gi("close", done).code == 0
    first = bridge(sb, env, "sync")
    assert [(r["direction"], r["created"]) for r in first] == [("pull", 2), ("push", 3)]
    remote = {i.summary: i for i in jira.issues.values()}
    pushed = remote["Local task"]
    assert (pushed.issuetype, pushed.priority, pushed.labels, pushed.fix_versions,
            pushed.assignee, pushed.status) == ("Story", "Highest", ["ui"], ["v2"], "mia", "To Do")
    assert pushed.properties == {"gi": {"id": local}}
    assert remote["Local blocker"].issuetype == "Task" and remote["Local done"].status == "Done"
    links = [(lk.source, lk.dest) for lk in jira.state.links.values()]
    assert (remote["Local blocker"].key, pushed.key) in links
    if jira.cloud:
        assert pushed.description["content"][1]["type"] == "orderedList"
    else:
        assert pushed.description == "Steps:\n\n# open _it_\n#* twice"
    got = by_title(sb)
    rbug = got["Remote bug"]
    assert (rbug["type"], rbug["priority"], rbug["labels"], rbug["milestone"],
            rbug["assignees"], rbug["body"]) == ("bug", 1, ["crash"], "v1", ["mia-agent"],
                                                 "It crashes\n\nsometimes")
    assert rbug["depends_on"] == [got["Remote done"]["id"]]
    assert got["Remote done"]["status"] == "closed" and got["Remote done"]["type"] == "feature"
    assert [(c["author"], c["body"]) for c in rbug["comments"]] == [("mia-agent",
                                                                     "Seen on staging")]
    assert sb.show(local)["remote"]["work"]["number"] == pushed.key
    assert sb.show(local)["body"] == "Steps:\n\n1. open *it*\n   - twice"
    before = len(jira.requests)
    again = bridge(sb, env, "sync")
    assert all(r["created"] == r["updated"] == 0 for r in again), again
    assert not [r for r in jira.requests[before:] if r.method != "GET"]
    assert len(jira.issues) == 5 and len(listed(sb)) == 5


def test_edits_of_different_fields_on_both_sides_are_both_kept(bridged, jira):
    sb, env = bridged
    issue = jira.add_issue("Shared", "body", labels=["a"])
    bridge(sb, env, "sync")
    local_id = listed(sb)[0]["id"]
    assert sb.gi("edit", local_id, "--title", "Renamed in gi", "--status", "in_progress").code == 0
    issue.labels.append("remote")
    issue.priority = "Low"
    jira.state.touch(issue)
    result = bridge(sb, env, "sync")
    assert [(r["direction"], r["updated"]) for r in result] == [("pull", 1), ("push", 1)]
    shown = sb.show(local_id)
    assert (shown["title"], shown["status"], shown["labels"], shown["priority"]) == (
        "Renamed in gi", "in_progress", ["a", "remote"], 3)
    assert (issue.summary, issue.status, issue.labels, issue.priority) == (
        "Renamed in gi", "In Progress", ["a", "remote"], "Low")
    assert sb.gi("close", local_id).code == 0
    bridge(sb, env, "sync")
    assert issue.status == "Done"
    assert all(r["updated"] == 0 for r in bridge(sb, env, "sync"))


@pytest.mark.parametrize("later", ["remote", "local"])
def test_one_field_changed_on_both_sides_goes_to_the_later(bridged, jira, later):
    sb, env = bridged
    issue = jira.add_issue("Original")
    bridge(sb, env, "sync")
    local_id = listed(sb)[0]["id"]
    assert sb.gi("edit", local_id, "--title", "Local title").code == 0
    issue.summary = "Remote title"
    # the fake's clock is in 2024, before any local edit; 2099 is after it
    issue.updated = datetime(2099, 1, 1, tzinfo=UTC) if later == "remote" \
        else jira.state.tick()
    bridge(sb, env, "sync")
    winner = {"remote": "Remote title", "local": "Local title"}[later]
    assert sb.show(local_id)["title"] == winner and issue.summary == winner
    if later == "remote":
        log = sb.gi("log", local_id, "--json", "--limit", "0")
        resolved = [e for e in log.json if e["type"] == "merge.conflict_resolved"]
        assert len(resolved) == 1 and "Local title" in json.dumps(resolved[0])


def test_comments_on_both_sides_arrive_once_with_a_quiet_marker(bridged, jira):
    sb, env = bridged
    issue = jira.add_issue("Talked about")
    jira.add_comment(issue.key, "from jira", author="mia")
    bridge(sb, env, "sync")
    local_id = listed(sb)[0]["id"]
    assert sb.gi("comment", local_id, "from **gi**").code == 0
    bridge(sb, env, "sync")
    jira.add_comment(issue.key, "second from jira")
    for _ in range(2):
        bridge(sb, env, "sync")
    shown = sb.show(local_id)
    assert [c["body"] for c in shown["comments"]] == ["from jira", "from **gi**",
                                                      "second from jira"]
    posted = jira.state.issue_comments(issue.key)[1]
    gi_comment = shown["comments"][1]["id"]
    if jira.cloud:
        assert posted.body["content"][0]["content"][1] == {
            "type": "text", "text": "gi", "marks": [{"type": "strong"}]}
        assert posted.body["content"][-1]["content"][0]["text"] == f"gi:{gi_comment}"
    else:
        assert posted.body == "from *gi*\n\n{color:#97a0af}gi:" + gi_comment + "{color}"
    assert len(jira.state.issue_comments(issue.key)) == 3


def test_a_status_no_transition_reaches_exits_4_naming_them_and_the_rest_syncs(bridged, jira):
    sb, env = bridged
    jira.add_issue("Will be blocked")
    jira.add_issue("Will be renamed")
    bridge(sb, env, "sync")
    ids = {i["title"]: i["id"] for i in listed(sb)}
    # To Do → Blocked is not a move this workflow has
    assert sb.gi("edit", ids["Will be blocked"], "--status", "blocked").code == 0
    assert sb.gi("edit", ids["Will be renamed"], "--title", "Renamed").code == 0
    r = sb.gi("bridge", "sync", "--json", env=env)
    assert r.code == 4, r
    assert [(x["direction"], x["updated"]) for x in r.json] == [("pull", 0), ("push", 2)]
    problems = r.json[1]["problems"]
    assert len(problems) == 1 and problems[0].startswith("ACME-1: no transition from 'To Do'")
    assert "'Start progress' → In Progress" in problems[0] and "'Done' → Done" in problems[0]
    error = r.err_json["error"]
    assert error["code"] == "conflict" and "ACME-1" in error["message"]
    assert jira.issues["ACME-2"].summary == "Renamed"
    assert jira.issues["ACME-1"].status == "To Do"
    assert sb.show(ids["Will be blocked"])["status"] == "blocked"  # gi keeps what it was told
    human = sb.gi("bridge", "push", env=env)  # tried again on every run, said every time
    assert human.code == 4 and "'Start progress' → In Progress" in human.err
    assert "Traceback" not in human.err
    jira.state.workflow.append(Transition("61", "Hold", "Blocked", ("To Do",)))
    assert bridge(sb, env, "push")[0]["updated"] == 1
    assert jira.issues["ACME-1"].status == "Blocked"
    assert bridge(sb, env, "sync")[1]["updated"] == 0


def test_a_configured_transition_is_taken_by_name(bridged, jira):
    sb, env = bridged
    jira.add_issue("Straight to done")
    bridge(sb, env, "sync")
    local_id = listed(sb)[0]["id"]
    assert sb.gi("config", "set", "bridges.work.transitions.in_progress", "Done").code == 0
    assert sb.gi("edit", local_id, "--status", "in_progress").code == 0
    r = sb.gi("bridge", "push", "--json", env=env)
    assert r.code == 4, r  # Done reads as closed, not in_progress: named as still Done
    assert jira.issues["ACME-1"].status == "Done"
    assert "ACME-1: the status is still closed, not in_progress" in r.err


def test_dry_run_changes_nothing_on_either_side(bridged, jira):
    sb, env = bridged
    jira.add_issue("Remote")
    sb.create("Local")
    tip = sb.store_tip()
    result = bridge(sb, env, "sync", "--dry-run")
    assert [(r["direction"], r["created"]) for r in result] == [("pull", 1), ("push", 1)]
    assert sb.store_tip() == tip and len(jira.issues) == 1
    assert not [r for r in jira.requests if r.method != "GET"]
    human = sb.gi("bridge", "sync", "--dry-run", env=env)
    assert human.code == 0 and "1 would be created" in human.out


def test_links_travel_as_depends_on_and_back(bridged, jira):
    sb, env = bridged
    a = jira.add_issue("A")
    b = jira.add_issue("B")
    c = jira.add_issue("C")
    jira.state.add_link("OTHER-9", a.key)  # another project's issue: gi cannot hold it
    jira.state.add_link(b.key, a.key)  # B blocks A
    bridge(sb, env, "sync")
    ids = {i["title"]: i["id"] for i in listed(sb)}
    assert sb.show(ids["A"])["depends_on"] == [ids["B"]]
    assert sb.gi("dep", "rm", ids["A"], ids["B"]).code == 0
    assert sb.gi("dep", "add", ids["A"], ids["C"]).code == 0
    bridge(sb, env, "sync")
    pairs = sorted((lk.source, lk.dest) for lk in jira.state.links.values())
    assert pairs == sorted([("OTHER-9", a.key), (c.key, a.key)])
    assert all(r["updated"] == 0 for r in bridge(sb, env, "sync"))


def test_a_rewritten_body_is_no_change_and_rich_text_comes_back_whole(bridged, jira):
    sb, env = bridged
    local = sb.create("Styled", "--body", "* one\n* two\n\nA __strong__ word  ")
    bridge(sb, env, "sync")
    # Jira keeps the list and the emphasis, which read back as `- one` and `**strong**`: the
    # same text, so neither side changes
    key = sb.show(local)["remote"]["work"]["number"]
    assert all(r["updated"] == 0 for r in bridge(sb, env, "sync"))
    assert sb.show(local)["body"] == "* one\n* two\n\nA __strong__ word  "
    issue = jira.issues[key]
    rich = {"type": "doc", "version": 1, "content": [
        {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Plan"}]},
        {"type": "paragraph", "content": [
            {"type": "text", "text": "ask "},
            {"type": "mention", "attrs": {"id": "5b10ac8d82e05b22cc7d4ef5", "text": "@Mia"}}]},
        {"type": "codeBlock", "attrs": {"language": "sh"},
         "content": [{"type": "text", "text": "make test"}]},
        {"type": "panel", "attrs": {"panelType": "note"}, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "kept"}]}]}]}
    if jira.cloud:
        issue.description = rich
    else:
        issue.description = "h2. Plan\n\nask [~mia]\n\n{code:sh}\nmake test\n{code}\n\n" \
                            "{panel}\nkept\n{panel}"
    jira.state.touch(issue)
    bridge(sb, env, "sync")
    body = sb.show(local)["body"]
    assert body.startswith("## Plan\n\nask [@")
    assert "```sh\nmake test\n```" in body and "kept" in body
    assert sb.gi("edit", local, "--title", "Styled, renamed").code == 0
    before = issue.description
    bridge(sb, env, "sync")
    assert issue.description == before and issue.summary == "Styled, renamed"


def test_bridge_add_picks_the_deployment(sandbox):
    sb = sandbox
    r = sb.gi("bridge", "add", "a", "--platform", "jira", "--url", "https://acme.atlassian.net",
              "--project", "ACME", "--json")
    assert r.code == 0 and r.json["deployment"] == "cloud", r
    r = sb.gi("bridge", "add", "b", "--platform", "jira", "--url", "https://jira.acme.example",
              "--project", "ACME", "--json")
    assert r.code == 0 and r.json["deployment"] == "datacenter", r
    r = sb.gi("bridge", "add", "c", "--platform", "jira", "--url", "https://jira.acme.example",
              "--project", "ACME", "--json", env={"JIRA_EMAIL": "me@acme.example"})
    assert r.code == 0 and r.json["deployment"] == "cloud", r
    r = sb.gi("bridge", "add", "d", "--platform", "gitea", "--url", "https://gitea.example",
              "--project", "o/r", "--deployment", "cloud")
    assert r.code == 2 and "--deployment is for Jira" in r.err, r
    r = sb.gi("bridge", "add", "e", "--platform", "jira", "--url", "https://x.example",
              "--project", "acme")
    assert r.code == 0  # the key is checked when the bridge runs
    r = sb.gi("bridge", "pull", "e", env={"JIRA_TOKEN": "t"})
    assert r.code == 2 and "Jira project is its key" in r.err, r


def test_a_table_in_the_settings_is_read_and_checked(bridged, jira):
    sb, env = bridged
    jira.add_issue("Reviewed", priority="Lowest")
    tables = {"statuses": "{To Do: blocked}", "priorities": "{Lowest: 1}"}
    for key, value in tables.items():
        assert sb.gi("config", "set", f"bridges.work.{key}", value).code == 0
    bridge(sb, env, "pull")
    (issue,) = listed(sb)
    assert (issue["status"], issue["priority"]) == ("blocked", 1)
    assert sb.gi("config", "set", "bridges.work.types", "{Story: story}").code == 0
    r = sb.gi("bridge", "pull", env=env)
    assert r.code == 2 and "types.Story" in r.err and "'story'" in r.err, r
