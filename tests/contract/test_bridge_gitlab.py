"""`gi bridge` with GitLab end to end (SPEC §8): the real `gi` against a fake GitLab API v4
over real HTTP on 127.0.0.1 (tests/fakes), as a user runs it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fakes.gitlab import FakeGitLab
from killing import kill_when, start_gi

TOKEN = "glpat-s3cret-gitlab-token"


@pytest.fixture
def gitlab():
    with FakeGitLab(token=TOKEN) as fake:
        yield fake


def add(sb, fake, project="acme/widgets", name="work"):
    r = sb.gi("bridge", "add", name, "--platform", "gitlab", "--url", fake.base_url,
              "--project", project, "--json")
    assert r.code == 0, r
    assert r.json == {"name": name, "platform": "gitlab", "url": fake.base_url,
                      "project": project}
    return sb, {"GITLAB_TOKEN": TOKEN}


@pytest.fixture
def bridged(sandbox, gitlab):
    return add(sandbox, gitlab)


def bridge(sb, env, *args):
    r = sb.gi("bridge", *args, "--json", env=env)
    assert r.code == 0, r
    assert TOKEN not in r.out + r.err
    return r.json


def listed(sb):
    return sb.gi("list", "--limit", "0", "status:open,in_progress,blocked,closed", "--json").json


def test_sync_both_ways_then_nothing_changes(bridged, gitlab):
    sb, env = bridged
    gitlab.add_user("mona")
    gitlab.add_issue("Remote bug", "It crashes\r\nsometimes  ", labels=["bug", "priority:1"],
                     assignees=["mona"], milestone="v1")
    gitlab.add_issue("Remote done", state="closed")
    gitlab.add_issue("A merge request", pull_request=True)  # never in the issues API
    local = sb.create("Local task", "--priority", "3", "--label", "ui", "--assignee", "mona",
                      "--milestone", "v2")
    done = sb.create("Local done")
    assert sb.gi("close", done).code == 0
    first = bridge(sb, env, "sync")
    assert [(r["direction"], r["created"]) for r in first] == [("pull", 2), ("push", 2)]
    titles = {i.title: i for i in gitlab.issues.values()}
    assert set(titles) == {"Remote bug", "Remote done", "A merge request", "Local task",
                           "Local done"}
    assert titles["Local done"].state == "closed"
    pushed = titles["Local task"]
    assert set(pushed.labels) == {"ui", "priority:3"} and pushed.assignees == ["mona"]
    assert gitlab.state.milestones[pushed.milestone].title == "v2"
    assert f"<!-- gi:{local} -->" in pushed.body
    mapped = sb.show(local)["remote"]["work"]
    assert (mapped["number"], mapped["id"]) == (str(pushed.number), str(pushed.id))
    assert mapped["url"].endswith(f"/acme/widgets/-/issues/{pushed.number}")
    got = {i["title"]: i for i in listed(sb)}
    bug = got["Remote bug"]
    assert (bug["labels"], bug["priority"], bug["assignees"], bug["milestone"]) == (
        ["bug"], 1, ["mona"], "v1")
    assert bug["body"] == "It crashes\nsometimes" and got["Remote done"]["status"] == "closed"
    assert "A merge request" not in got
    again = bridge(sb, env, "sync")
    assert all(r["created"] == r["updated"] == 0 for r in again), again
    assert len(gitlab.issues) == 5 and len(listed(sb)) == 4
    assert gitlab.count("POST") == 3  # two creates and the milestone v2, nothing more


def test_edits_on_both_sides_meet(bridged, gitlab):
    sb, env = bridged
    issue = gitlab.add_issue("Shared", "body", labels=["a"])
    bridge(sb, env, "sync")
    local_id = listed(sb)[0]["id"]
    assert sb.gi("edit", local_id, "--title", "Renamed in gi", "--status", "blocked").code == 0
    gitlab.issues[issue.number].labels.append("remote")
    gitlab.issues[issue.number].updated_at = gitlab.state.tick()
    bridge(sb, env, "sync")
    shown = sb.show(local_id)
    assert shown["title"] == "Renamed in gi" and set(shown["labels"]) == {"a", "remote"}
    assert shown["status"] == "blocked"
    remote = gitlab.issues[issue.number]
    assert remote.title == "Renamed in gi"
    assert set(remote.labels) == {"a", "remote", "status:blocked"}
    assert sb.gi("close", local_id).code == 0
    bridge(sb, env, "sync")
    assert remote.state == "closed" and "status:blocked" not in remote.labels


@pytest.mark.parametrize("later", ["remote", "local"])
def test_one_field_changed_on_both_sides_goes_to_the_later(bridged, gitlab, later):
    sb, env = bridged
    issue = gitlab.add_issue("Original")
    bridge(sb, env, "sync")
    local_id = listed(sb)[0]["id"]
    assert sb.gi("edit", local_id, "--title", "Local title").code == 0
    remote = gitlab.issues[issue.number]
    remote.title = "Remote title"
    # the fake's clock is in 2024, before any local edit; 2099 is after it
    remote.updated_at = datetime(2099, 1, 1, tzinfo=UTC) if later == "remote" \
        else gitlab.state.tick()
    bridge(sb, env, "sync")
    winner = {"remote": "Remote title", "local": "Local title"}[later]
    assert sb.show(local_id)["title"] == winner and remote.title == winner
    if later == "local":
        return  # the engine writes nothing on a pull that leaves the issue as it was
    log = sb.gi("log", local_id, "--json", "--limit", "0")
    assert log.code == 0, log
    resolved = [e for e in log.json if e["type"] == "merge.conflict_resolved"]
    assert len(resolved) == 1, log.json
    assert "Local title" in json.dumps(resolved[0]) and "Remote title" in json.dumps(resolved[0])


def test_comments_on_both_sides_arrive_once_and_system_notes_never(bridged, gitlab):
    sb, env = bridged
    issue = gitlab.add_issue("Talked about")
    gitlab.add_comment(issue.number, "from gitlab", author="mona")
    gitlab.add_comment(issue.number, "changed the description", system=True)
    bridge(sb, env, "sync")
    local_id = listed(sb)[0]["id"]
    assert sb.gi("comment", local_id, "from gi").code == 0
    assert sb.gi("edit", local_id, "--title", "Retitled").code == 0  # GitLab notes it
    bridge(sb, env, "sync")
    gitlab.add_comment(issue.number, "second from gitlab")
    for _ in range(2):
        bridge(sb, env, "sync")
    bodies = [c["body"] for c in sb.show(local_id)["comments"]]
    assert sorted(bodies) == ["from gi", "from gitlab", "second from gitlab"]
    notes = gitlab.state.issue_comments(issue.number)
    user = [c.body.split("\n\n<!--")[0] for c in notes if not c.system]
    assert sorted(user) == ["from gi", "from gitlab", "second from gitlab"]
    assert any(c.system and c.body.startswith("changed title") for c in notes)


@pytest.mark.parametrize("how", ["subgroups", "id"])
def test_a_project_by_path_with_subgroups_or_by_numeric_id(sandbox, how):
    with FakeGitLab(token=TOKEN, owner="acme/platform/backend") as fake:
        project = "acme/platform/backend/widgets" if how == "subgroups" else \
            str(fake.project_id)
        sb, env = add(sandbox, fake, project)
        fake.add_issue("Deep")
        sb.create("Local")
        result = bridge(sb, env, "sync")
        assert [(r["direction"], r["created"]) for r in result] == [("pull", 1), ("push", 1)]
        want = "/api/v4/projects/acme/platform/backend/widgets/issues" if how == "subgroups" \
            else f"/api/v4/projects/{fake.project_id}/issues"
        assert fake.count("GET", "^" + want + "$") >= 1  # the fake logs the path decoded
        assert not [r for r in fake.requests if r.status >= 400]
        assert sorted(i.title for i in fake.issues.values()) == ["Deep", "Local"]


def test_a_bad_token_is_exit_7_naming_the_variable(bridged, gitlab):
    sb, _ = bridged
    r = sb.gi("bridge", "sync", "--json", env={"GITLAB_TOKEN": "wrong-token"})
    assert r.code == 7, r
    assert "GITLAB_TOKEN" in r.err and "wrong-token" not in r.err + r.out
    assert "Traceback" not in r.err
    r = sb.gi("bridge", "pull", env={"GITLAB_TOKEN": ""})
    assert r.code == 7 and "GITLAB_TOKEN" in r.err, r


def test_a_429_with_retry_after_is_waited_out(bridged, gitlab):
    sb, env = bridged
    gitlab.add_issue("Behind a limit")
    fault = gitlab.fail(429, method="GET", path=r"/issues\?", headers={"Retry-After": "1"})
    r = sb.gi("bridge", "pull", "--json", env=env)
    assert r.code == 0, r
    assert fault.times == 0 and r.json[0]["created"] == 1
    assert "rate limited" in r.err and "waiting 1 s" in r.err, r.err


def test_a_500_on_page_2_is_retried_and_the_pull_is_complete(bridged, gitlab):
    sb, env = bridged
    for n in range(230):
        gitlab.add_issue(f"Remote {n}")
    fault = gitlab.fail(500, method="GET", path=r"/issues\?.*cursor=")
    result = bridge(sb, env, "pull")
    assert fault.times == 0  # the 500 was given, on the second page
    assert result[0]["created"] == 230 and len(listed(sb)) == 230
    assert gitlab.count("GET", r"/issues$") == 4  # 3 pages, one of them twice


def test_a_push_killed_after_remote_creates_creates_no_duplicate(bridged, gitlab):
    sb, env = bridged
    for n in range(10):
        sb.create(f"Local {n}")
    proc = start_gi(sb, "bridge", "push", env=env)
    kill_when(proc, lambda: len(gitlab.issues) >= 5, sb)
    assert 5 <= len(gitlab.issues) < 10
    bridge(sb, env, "push")
    assert sorted(i.title for i in gitlab.issues.values()) == sorted(
        f"Local {n}" for n in range(10))
    assert bridge(sb, env, "push")[0]["created"] == 0
    mapped = [i for i in listed(sb) if i.get("remote")]
    assert len(mapped) == 10 and TOKEN not in json.dumps(mapped)


def test_a_second_pull_with_no_change_costs_at_most_2_requests(bridged, gitlab):
    sb, env = bridged
    for n in range(5):
        issue = gitlab.add_issue(f"Remote {n}")
        gitlab.add_comment(issue.number, f"note on {n}")
    first = bridge(sb, env, "pull")
    assert first[0]["created"] == 5 and first[0]["requests"] >= 6  # the list and 5 notes
    before = len(gitlab.requests)
    second = bridge(sb, env, "pull")
    assert second[0]["created"] == second[0]["updated"] == 0
    assert len(gitlab.requests) - before == second[0]["requests"] <= 2, gitlab.requests[before:]
    gitlab.add_comment(3, "a new note")  # moves the issue: its notes are read again
    third = bridge(sb, env, "pull")
    assert third[0]["updated"] == 1 and third[0]["requests"] == 2
    local = [i for i in listed(sb) if i["title"] == "Remote 2"][0]
    assert [c["body"] for c in sb.show(local["id"])["comments"]] == ["note on 2", "a new note"]


def test_no_bridge_saved_a_detected_gitlab_is_used(sandbox, gitlab):
    """`GITLAB_TOKEN=x gi bridge sync` in a clone whose remote is on GitLab (GITLAB_URL says
    which platform this unrecognisable host is)."""
    sb = sandbox
    sb.git("remote", "add", "origin", f"{gitlab.base_url}/acme/widgets.git")
    gitlab.add_issue("Found by detection")
    env = {"GITLAB_TOKEN": TOKEN, "GITLAB_URL": gitlab.base_url}
    result = bridge(sb, env, "sync")
    assert [(r["name"], r["direction"], r["created"]) for r in result] == [
        ("gitlab", "pull", 1), ("gitlab", "push", 0)]
    assert bridge(sb, env, "list")[0]["project"] == "acme/widgets"
