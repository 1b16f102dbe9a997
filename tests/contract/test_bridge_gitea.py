"""`gi bridge` with Gitea/Forgejo end to end (SPEC §8): the real `gi` against a fake Gitea
over real HTTP on 127.0.0.1 (tests/fakes), as a user runs it."""

from __future__ import annotations

import json
import os

import pytest
from conftest import GI
from fakes.gitea import FakeGitea
from killing import kill_when, start_gi

TOKEN = "s3cret-gitea-token"


@pytest.fixture
def gitea():
    with FakeGitea(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def bridged(sandbox, gitea):
    sb = sandbox
    r = sb.gi("bridge", "add", "work", "--platform", "gitea", "--url", gitea.base_url,
              "--project", "acme/widgets", "--json")
    assert r.code == 0, r
    assert r.json == {"name": "work", "platform": "gitea", "url": gitea.base_url,
                      "project": "acme/widgets"}
    return sb, {"GITEA_TOKEN": TOKEN}


def bridge(sb, env, *args):
    r = sb.gi("bridge", *args, "--json", env=env)
    assert r.code == 0, r
    assert TOKEN not in r.out + r.err
    return r.json


def test_sync_both_ways_then_nothing_changes(bridged, gitea):
    sb, env = bridged
    gitea.add_issue("Remote bug", "It crashes\r\nsometimes  ", labels=["bug"])
    local = sb.create("Local task", "--priority", "1", "--label", "ui")
    first = bridge(sb, env, "sync")
    assert [(r["direction"], r["created"]) for r in first] == [("pull", 1), ("push", 1)]
    titles = {i.title: i for i in gitea.issues.values()}
    assert set(titles) == {"Remote bug", "Local task"}
    assert set(titles["Local task"].labels) == {"ui", "priority:1"}
    mapped = sb.show(local)["remote"]["work"]
    assert mapped["number"] == str(titles["Local task"].number)
    pulled = [i for i in sb.gi("list", "--json").json if i["title"] == "Remote bug"][0]
    assert pulled["labels"] == ["bug"] and pulled["body"] == "It crashes\nsometimes"
    tip = sb.store_tip()
    again = bridge(sb, env, "sync")
    assert all(r["created"] == r["updated"] == 0 for r in again), again
    assert len(gitea.issues) == 2 and len(sb.gi("list", "--json").json) == 2
    listed = bridge(sb, env, "list")
    assert listed[0]["name"] == "work" and listed[0]["last_pull"] and listed[0]["last_push"]
    assert sb.store_tip() != tip  # only the cursors moved


def test_edits_on_both_sides_meet(bridged, gitea):
    sb, env = bridged
    issue = gitea.add_issue("Shared", "body", labels=["a"])
    bridge(sb, env, "sync")
    local_id = sb.gi("list", "--json").json[0]["id"]
    assert sb.gi("edit", local_id, "--title", "Renamed in gi").code == 0
    gitea.add_label("remote")
    gitea.issues[issue.number].labels.append("remote")
    gitea.issues[issue.number].updated_at = gitea.state.tick()
    bridge(sb, env, "sync")
    shown = sb.show(local_id)
    assert shown["title"] == "Renamed in gi" and set(shown["labels"]) == {"a", "remote"}
    assert gitea.issues[issue.number].title == "Renamed in gi"


def test_dry_run_changes_nothing(bridged, gitea):
    sb, env = bridged
    gitea.add_issue("Remote")
    sb.create("Local")
    tip = sb.store_tip()
    result = bridge(sb, env, "sync", "--dry-run")
    assert [(r["direction"], r["created"]) for r in result] == [("pull", 1), ("push", 1)]
    assert sb.store_tip() == tip and len(gitea.issues) == 1


def test_a_bad_token_is_exit_7_naming_the_variable(bridged, gitea):
    sb, _ = bridged
    r = sb.gi("bridge", "sync", "--json", env={"GITEA_TOKEN": "wrong-token"})
    assert r.code == 7, r
    assert "GITEA_TOKEN" in r.err and "wrong-token" not in r.err + r.out
    r = sb.gi("bridge", "pull", env={"GITEA_TOKEN": ""})
    assert r.code == 7 and "GITEA_TOKEN" in r.err, r


def test_a_500_on_a_list_page_is_retried_and_the_pull_is_complete(bridged, gitea):
    sb, env = bridged
    for n in range(120):
        gitea.add_issue(f"Remote {n}")
    fault = gitea.fail(500, method="GET", path=r"/issues\?.*page=2")
    result = bridge(sb, env, "pull")
    assert fault.times == 0  # the 500 was given
    assert result[0]["created"] == 120
    assert len(sb.gi("list", "--limit", "0", "--json").json) == 120


def test_a_push_killed_after_remote_creates_creates_no_duplicate(bridged, gitea):
    sb, env = bridged
    for n in range(10):
        sb.create(f"Local {n}")
    proc = start_gi(sb, "bridge", "push", env=env)
    kill_when(proc, lambda: len(gitea.issues) >= 5, sb)
    assert 5 <= len(gitea.issues) < 10
    bridge(sb, env, "push")
    assert len(gitea.issues) == 10
    titles = sorted(i.title for i in gitea.issues.values())
    assert titles == sorted(f"Local {n}" for n in range(10))
    assert bridge(sb, env, "push")[0]["created"] == 0
    mapped = [i for i in sb.gi("list", "--limit", "0", "--json").json if i.get("remote")]
    assert len(mapped) == 10
    assert json.dumps(mapped).count(TOKEN) == 0


def test_no_bridge_saved_a_detected_gitea_is_used(sandbox, gitea):
    """`GITEA_TOKEN=x gi bridge sync` in a clone whose remote is on Gitea (here a host gi
    cannot recognise by name, so GITEA_URL says which platform it is)."""
    sb = sandbox
    sb.git("remote", "add", "origin", f"{gitea.base_url}/acme/widgets.git")
    gitea.add_issue("Found by detection")
    env = {"GITEA_TOKEN": TOKEN, "GITEA_URL": gitea.base_url}
    result = bridge(sb, env, "sync")
    assert [(r["name"], r["direction"], r["created"]) for r in result] == [
        ("gitea", "pull", 1), ("gitea", "push", 0)]
    assert bridge(sb, env, "list")[0]["name"] == "gitea"
    r = sb.gi("bridge", "sync", env={"GITEA_TOKEN": TOKEN, "GITEA_URL": ""})
    assert r.code == 0, r  # saved now: no detection needed


def test_no_bridge_and_nothing_detected_is_not_found(sandbox):
    r = sandbox.gi("bridge", "sync", "--json")
    assert r.code == 3 and "gi bridge add" in r.err, r


def _on_a_terminal(sb, env, *args: str) -> tuple[int, str]:
    """Run gi with stdout and stderr on a pseudo-terminal; its exit code and all it wrote."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: exec gi in the repository
        os.chdir(sb.repo)
        os.execve(GI, [GI, *args], {**sb.env, **env})
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


def test_a_progress_bar_on_a_terminal_and_none_in_ci(bridged, gitea):
    sb, env = bridged
    for n in range(30):
        gitea.add_issue(f"Remote {n}")
    code, shown = _on_a_terminal(sb, {**env, "CI": "", "TERM": "xterm"}, "bridge", "pull")
    assert code == 0, shown
    assert "\x1b[" in shown  # the bar: terminal control sequences (the summary has none)
    assert "work pull: 30 created" in shown
    gitea.add_issue("One more")
    code, shown = _on_a_terminal(sb, {**env, "CI": "true"}, "bridge", "pull")
    assert code == 0, shown
    assert "\x1b[" not in shown  # no bar in CI: just the one summary line
    assert shown.strip().splitlines() == [shown.strip()] and "work pull: 1 created" in shown


def test_a_user_map_translates_assignees_both_ways(bridged, gitea):
    sb, env = bridged
    assert sb.gi("config", "set", "bridges.work.users.agent-7", "ci-bot").code == 0
    local = sb.create("Assigned", "--assignee", "agent-7")
    bridge(sb, env, "push")
    remote = next(iter(gitea.issues.values()))
    assert remote.assignees == ["ci-bot"]
    other = gitea.add_issue("Remote assigned", assignees=["ci-bot"])
    bridge(sb, env, "pull")
    pulled = [i for i in sb.gi("list", "--json").json if i["title"] == "Remote assigned"][0]
    assert pulled["assignees"] == ["agent-7"] and other.assignees == ["ci-bot"]
    assert sb.show(local)["assignees"] == ["agent-7"]
    assert bridge(sb, env, "sync")[1]["updated"] == 0  # no back-and-forth over the names
