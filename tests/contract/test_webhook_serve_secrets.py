"""`gi webhook serve`'s secrets (SPEC §9): --secret, GI_WEBHOOK_SECRET, the user config's
`webhook.secret` and each bridge's own `webhooks.<bridge>.secret`; none at all, or a port that
is taken, is a usage error; signed deliveries outside their platform's time window are 401."""

from __future__ import annotations

from fakes.github import FakeGitHub
from fakes.webhooks import github_event, linear_event, post, signed, whsec
from webhookserve import Served, free_port_taken, user_config

TOKEN = "forge-token-0123456789"
SECRET = whsec(b"the receiver's key")
ENV = {"GITHUB_TOKEN": TOKEN, "GI_BRIDGE_PACE": "0", "GI_WEBHOOK_SECRET": SECRET}


def add_bridge(sb, name: str, platform: str, url: str, project: str) -> None:
    r = sb.gi("bridge", "add", name, "--platform", platform, "--url", url, "--project", project)
    assert r.code == 0, r


def test_each_bridge_may_have_its_own_secret_in_the_user_config(sandbox) -> None:
    sb = sandbox
    with FakeGitHub(token=TOKEN) as fake:
        add_bridge(sb, "hub", "github", fake.base_url, "acme/widgets")
        add_bridge(sb, "other", "github", fake.base_url, "acme/elsewhere")
        for name, secret in (("hub", "hub-secret-1"), ("other", "other-secret-2")):
            r = sb.gi("config", "set", "--user", f"webhooks.{name}.secret", secret)
            assert r.code == 0, r
        assert "hub-secret-1" in user_config(sb).read_text()
        env = {k: v for k, v in ENV.items() if k != "GI_WEBHOOK_SECRET"}
        served = Served(sb, env=env)
        issue = fake.add_issue("Per-bridge secret", "")
        body = github_event(fake, issue.number)
        hook = f"{served.url}/hooks/github"
        assert post(hook, body, signed("github", body, SECRET, "s-0"))[0] == 401
        # signed with the other bridge's secret: authentic, but not that bridge's project
        assert post(hook, body, signed("github", body, "other-secret-2", "s-1"))[0] == 202
        assert post(hook, body, signed("github", body, "hub-secret-1", "s-2"))[0] == 202
        assert served.outcome("s-1").endswith("ignored: no bridge for github project "
                                              "acme/widgets")
        assert " hub #" in served.outcome("s-2")
        code, log = served.stop()
    assert "hub-secret-1" not in log and "other-secret-2" not in log


def test_the_secret_may_sit_in_the_user_config(sandbox) -> None:
    sb = sandbox
    assert sb.gi("config", "set", "--user", "webhook.secret", "from-user-config").code == 0
    served = Served(sb)  # neither --secret nor GI_WEBHOOK_SECRET
    body = b'{"zen": "ping"}'
    hook = f"{served.url}/hooks/github"
    assert post(hook, body, signed("github", body, "from-user-config", "u-1"))[0] == 200
    assert post(hook, body, signed("github", body, SECRET, "u-2"))[0] == 401
    code, log = served.stop()
    assert code == 0 and "from-user-config" not in log
    # --secret beats it
    served = Served(sb, "--secret", "from-the-flag")
    assert post(hook := f"{served.url}/hooks/github", body,
                signed("github", body, "from-the-flag", "u-3"))[0] == 200
    assert post(hook, body, signed("github", body, "from-user-config", "u-4"))[0] == 401
    served.stop()


def test_without_any_secret_or_with_a_taken_port_it_exits_2(sandbox) -> None:
    sb = sandbox
    r = sb.gi("webhook", "serve", "--port", "0")
    assert r.code == 2 and "GI_WEBHOOK_SECRET" in r.err and "Traceback" not in r.err, r
    r = sb.gi("webhook", "serve", "--port", "0", "--secret", " ")
    assert r.code == 2 and "--secret" in r.err, r
    taken, port = free_port_taken()
    try:
        r = sb.gi("webhook", "serve", "--port", str(port), "--json", env=ENV)
    finally:
        taken.close()
    assert r.code == 2 and f"127.0.0.1:{port}" in r.err and "Traceback" not in r.err, r
    assert r.err_json["error"]["code"] == "usage"
    r = sb.gi("webhook", "serve", "--port", "70000", env=ENV)
    assert r.code == 2, r


def test_a_signed_gitlab_delivery_outside_its_window_and_an_old_linear_one_are_401(
        sandbox) -> None:
    import time

    sb = sandbox
    served = Served(sb, env=ENV)
    old = linear_event("ENG-1", at=time.time() - 120)
    assert post(f"{served.url}/hooks/linear", old, signed("linear", old, SECRET, "l-old"))[0] \
        == 401
    body = b'{"object_kind": "issue"}'
    late = signed("gitlab-signed", body, SECRET, "gl-old", at=time.time() - 600)
    assert post(f"{served.url}/hooks/gitlab", body, late)[0] == 401
    code, log = served.stop()
    assert "60-second" in served.lines("l-old")[0]
    assert "window" in served.lines("gl-old")[0]
