"""`gi webhook serve` end to end (SPEC §9): the real console script receiving each platform's
real payloads over HTTP on 127.0.0.1, signed right, wrong and not at all, and pulling what they
name from a fake tracker (tests/fakes) into the store. Payload origins: tests/fakes/webhooks.py.
The HTTP edge cases (sizes, methods, replays, load, a slow tracker) are in
test_webhook_serve_http.py, the secrets in test_webhook_serve_secrets.py."""

from __future__ import annotations

import subprocess

import pytest
from conftest import GI
from fakes.gitea import FakeGitea
from fakes.github import FakeGitHub
from fakes.gitlab import FakeGitLab
from fakes.webhooks import (
    gitea_event,
    github_event,
    gitlab_event,
    jira_event,
    linear_event,
    post,
    signed,
    whsec,
)
from webhookserve import DEADLINE, Served, listed, wait_for

TOKEN = "forge-token-0123456789"
SECRET = whsec(b"the receiver's key")  # a GitLab signing secret works as an HMAC key too
ENV = {"GITHUB_TOKEN": TOKEN, "GITEA_TOKEN": TOKEN, "GITLAB_TOKEN": TOKEN,
       "GI_BRIDGE_PACE": "0", "GI_WEBHOOK_SECRET": SECRET}
FAKES = {"github": FakeGitHub, "gitea": FakeGitea, "forgejo": FakeGitea,
         "gitlab-token": FakeGitLab, "gitlab-signed": FakeGitLab}


def platform_of(scheme: str) -> str:
    return {"forgejo": "gitea"}.get(scheme, scheme.split("-")[0])


def add_bridge(sb, name: str, platform: str, url: str, project: str) -> None:
    r = sb.gi("bridge", "add", name, "--platform", platform, "--url", url, "--project", project)
    assert r.code == 0, r


def opened(scheme: str, fake, number: int) -> bytes:
    """The platform's own payload for issue `number` being opened."""
    if scheme in ("github",):
        return github_event(fake, number)
    if scheme in ("gitea", "forgejo"):
        return gitea_event(fake, number)
    return gitlab_event(fake, number)


@pytest.mark.parametrize("scheme", list(FAKES))
def test_a_delivery_signed_right_is_pulled_into_the_store_wrong_or_missing_is_401(
        sandbox, scheme: str) -> None:
    sb = sandbox
    with FAKES[scheme](token=TOKEN) as fake:
        add_bridge(sb, "work", platform_of(scheme), fake.base_url, "acme/widgets")
        issue = fake.add_issue("Login crashes", "On an empty password", labels=["bug"])
        body = opened(scheme, fake, issue.number)
        served = Served(sb, env=ENV)
        hook = f"{served.url}/hooks/{platform_of(scheme)}"
        wrong = whsec(b"another key") if scheme == "gitlab-signed" else "not-the-secret"
        assert post(hook, body, signed(scheme, body, wrong, "d-wrong"))[0] == 401
        good = signed(scheme, body, SECRET, "d-good")
        signature = next(k for k in good if "ignature" in k or k == "X-Gitlab-Token")
        unsigned = signed(scheme, body, SECRET, "d-missing")
        assert post(hook, body, {k: v for k, v in unsigned.items() if k != signature})[0] \
            == 401
        assert fake.count("GET") == 0  # nothing unauthenticated reached the tracker
        status, doc = post(hook, body, good)
        assert (status, doc) == (202, {"status": "queued", "delivery": "d-good"})
        line = served.outcome("d-good")
        pulled = listed(sb)["Login crashes"]
        assert line.endswith(f"work #{issue.number}: {pulled['id']} created"), line
        assert pulled["body"] == "On an empty password" and pulled["labels"] == ["bug"]
        assert pulled["remote"]["work"]["number"] == str(issue.number)
        code, log = served.stop()
    assert code == 0, log
    assert SECRET not in log and "empty password" not in log
    assert len(served.lines("d-wrong")) == len(served.lines("d-good")) == 1
    assert "401" in served.lines("d-wrong")[0]


def test_a_comment_on_the_tracker_arrives_as_a_comment(sandbox) -> None:
    sb = sandbox
    with FakeGitea(token=TOKEN) as fake:
        add_bridge(sb, "tea", "gitea", fake.base_url, "acme/widgets")
        issue = fake.add_issue("Flaky test", "")
        served = Served(sb, env=ENV)
        body = gitea_event(fake, issue.number)
        post(f"{served.url}/hooks/gitea", body, signed("gitea", body, SECRET, "g-1"))
        local = served.outcome("g-1").rpartition(": ")[2].split()[0]
        c = fake.add_comment(issue.number, "Fails one run in ten")
        body = gitea_event(fake, issue.number, comment=c.id)
        status, _ = post(f"{served.url}/hooks/gitea", body,
                         signed("forgejo", body, SECRET, "g-2", "issue_comment"))
        assert status == 202
        assert served.outcome("g-2").endswith(f"tea #{issue.number}: {local} updated")
        served.stop()
    shown = sb.show(local)
    assert [c["body"] for c in shown["comments"]] == ["Fails one run in ten"]
    events = sb.gi("log", local, "--json").json
    assert [e["type"] for e in events[:2]] == ["issue.created", "comment.added"]
    assert events[1]["fields"]["body"] == "Fails one run in ten"
    # and, as after `gi bridge pull`, the bridge's own record of the comment's remote id
    assert [set(e["fields"]) for e in events[2:]] == [{"remote"}]


def test_a_delivery_merges_field_by_field_with_a_local_edit(sandbox) -> None:
    """What the tracker changed and what was changed here meanwhile are both kept, as with
    `gi bridge pull`."""
    sb = sandbox
    with FakeGitHub(token=TOKEN) as fake:
        add_bridge(sb, "hub", "github", fake.base_url, "acme/widgets")
        issue = fake.add_issue("Search is slow", "Takes 3 s")
        assert sb.gi("bridge", "pull", env=ENV).code == 0
        local = listed(sb)["Search is slow"]["id"]
        assert sb.gi("edit", local, "--title", "Search is slow on big stores").code == 0
        fake.state.set_labels(fake.issues[issue.number], ["perf"])
        fake.issues[issue.number].body = "Takes 3 s at 10k issues"
        fake.issues[issue.number].updated_at = fake.state.tick()
        served = Served(sb, env=ENV)
        body = github_event(fake, issue.number, "issues.reopened")
        post(f"{served.url}/hooks/github", body, signed("github", body, SECRET, "m-1"))
        assert served.outcome("m-1").endswith(f"hub #{issue.number}: {local} updated")
        served.stop()
    merged = sb.show(local)
    assert merged["title"] == "Search is slow on big stores"
    assert merged["labels"] == ["perf"] and merged["body"] == "Takes 3 s at 10k issues"


def test_a_bridge_user_map_applies_to_what_a_delivery_pulls(sandbox) -> None:
    sb = sandbox
    with FakeGitLab(token=TOKEN) as fake:
        add_bridge(sb, "lab", "gitlab", fake.base_url, "acme/widgets")
        assert sb.gi("config", "set", "bridges.lab.users.agent-7", "ci-bot").code == 0
        issue = fake.add_issue("Assigned to the bot", "", assignees=["ci-bot"])
        served = Served(sb, env=ENV)
        body = gitlab_event(fake, issue.number)
        post(f"{served.url}/hooks/gitlab", body, signed("gitlab-token", body, SECRET, "u-1"))
        served.outcome("u-1")
        served.stop()
    assert listed(sb)["Assigned to the bot"]["assignees"] == ["agent-7"]


def test_an_opened_issue_is_printed_by_a_running_gi_log_follow(sandbox) -> None:
    sb = sandbox
    with FakeGitHub(token=TOKEN) as fake:
        add_bridge(sb, "hub", "github", fake.base_url, "acme/widgets")
        served = Served(sb, env=ENV)
        out = sb.base / "follow.out"
        with open(out, "wb") as f:
            follow = subprocess.Popen([GI, "log", "--follow", "--json"], cwd=sb.repo,
                                      env=sb.env, stdout=f, stderr=subprocess.DEVNULL)
        try:
            issue = fake.add_issue("Dark mode", "Please")
            body = github_event(fake, issue.number)
            assert post(f"{served.url}/hooks/github", body,
                        signed("github", body, SECRET, "f-1"))[0] == 202

            def printed() -> list[dict]:
                import json

                events = [json.loads(x) for x in out.read_text().splitlines() if x.strip()]
                return [e for e in events if e["type"] == "issue.created"]

            event = wait_for(printed, "gi log --follow to print the new issue")[0]
            assert event["fields"]["title"] == "Dark mode"
            assert sb.show(event["issue"])["remote"]["hub"]["number"] == str(issue.number)
        finally:
            follow.terminate()
            follow.wait(DEADLINE)
            served.stop()


def test_pull_requests_and_other_events_are_answered_and_ignored(sandbox) -> None:
    import json

    sb = sandbox
    with FakeGitHub(token=TOKEN) as fake:
        add_bridge(sb, "hub", "github", fake.base_url, "acme/widgets")
        served = Served(sb, env=ENV)
        hook = f"{served.url}/hooks/github"
        doc = json.loads(github_event(fake, 1, "issue_comment.created"))
        doc["issue"]["pull_request"] = {"url": "https://api.github.com/repos/a/b/pulls/1"}
        pr = json.dumps(doc).encode()
        ping = b'{"zen": "Keep it logically awesome.", "hook_id": 1}'
        other = github_event(fake, 1)
        other = other.replace(b'"full_name": "acme/widgets"', b'"full_name": "acme/other"')
        for n, body in enumerate((pr, ping)):
            status, doc = post(hook, body, signed("github", body, SECRET, f"i-{n}", "ping"))
            assert status == 200 and doc["status"] == "ignored", doc
        assert post(hook, other, signed("github", other, SECRET, "i-2"))[0] == 202
        assert served.outcome("i-2").endswith("ignored: no bridge for github project "
                                              "acme/other")
        code, log = served.stop()
    assert fake.count("GET") == 0 and listed(sb) == {}
    assert "a pull request" in served.lines("i-0")[0]
    assert "names no issue" in served.lines("i-1")[0]


def test_jira_and_linear_deliveries_are_verified_and_routed_to_their_bridge(sandbox) -> None:
    """The Jira and Linear bridges plug into the registry; whatever they answer, a delivery
    for their project reaches them and one for another project does not."""
    sb = sandbox
    add_bridge(sb, "j", "jira", "https://acme.atlassian.net", "FOO")
    add_bridge(sb, "lin", "linear", "https://api.linear.app", "ENG")
    served = Served(sb, env=ENV)
    for scheme, mine, theirs in (("jira", jira_event("FOO-123", "FOO"), jira_event("BAR-9", "BAR")),
                                 ("linear", linear_event("ENG-7", "ENG"),
                                  linear_event("OPS-2", "OPS"))):
        hook = f"{served.url}/hooks/{scheme}"
        assert post(hook, mine, signed(scheme, mine, "wrong", f"{scheme}-w"))[0] == 401
        assert post(hook, mine, {})[0] == 401
        assert post(hook, mine, signed(scheme, mine, SECRET, f"{scheme}-1"))[0] == 202
        assert post(hook, theirs, signed(scheme, theirs, SECRET, f"{scheme}-2"))[0] == 202
    code, log = served.stop()
    assert code == 0
    assert " j #FOO-123: " in served.outcome("jira-1")
    assert " lin #ENG-7: " in served.outcome("linear-1")
    assert served.outcome("jira-2").endswith("ignored: no bridge for jira project BAR")
    assert served.outcome("linear-2").endswith("ignored: no bridge for linear project OPS")


def test_stopping_applies_what_was_already_accepted(sandbox) -> None:
    """A delivery answered 2xx is not sent again: SIGTERM waits until it is applied."""
    sb = sandbox
    with FakeGitHub(token=TOKEN) as fake:
        add_bridge(sb, "hub", "github", fake.base_url, "acme/widgets")
        issue = fake.add_issue("Accepted before the stop", "")
        held = fake.hold("GET", rf"/issues/{issue.number}\b")
        served = Served(sb, env=ENV)
        body = github_event(fake, issue.number)
        assert post(f"{served.url}/hooks/github", body,
                    signed("github", body, SECRET, "t-1"))[0] == 202
        assert held.reached.wait(DEADLINE)
        served.proc.terminate()
        held.release()
        code, log = served.stop()
    assert code == 0, log
    assert "Accepted before the stop" in listed(sb)


def test_ctrl_c_stops_it_quietly(sandbox) -> None:
    import signal

    served = Served(sandbox, env=ENV)
    served.proc.send_signal(signal.SIGINT)
    code, log = served.stop()
    assert code == 0 and "Traceback" not in log, log
