"""The receiver as a Python object in an agent's own process (SPEC §9/§10): started on any free
port, `on_event` callbacks for what lands in the store, `idle()`, a context manager. Real HTTP,
a fake GitHub, a real repository; the environment is the sandbox's (monkeypatched)."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from fakes.github import FakeGitHub
from fakes.webhooks import github_event, post, signed
from webhookserve import DEADLINE, wait_for

import gitissues
from gitissues.webhooks import Receiver

TOKEN = "forge-token-0123456789"
SECRET = "api-secret-abcdef"


@pytest.fixture
def hub(sandbox, monkeypatch):
    """A repository bridged to a fake GitHub, with this process in the sandbox's environment."""
    for key, value in sandbox.env.items():
        monkeypatch.setenv(key, value)
    for key in ("GI_WEBHOOK_SECRET", "GITHUB_API_URL", "GH_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GI_BRIDGE_PACE", "0")
    with FakeGitHub(token=TOKEN) as fake:
        r = sandbox.gi("bridge", "add", "hub", "--platform", "github", "--url", fake.base_url,
                       "--project", "acme/widgets")
        assert r.code == 0, r
        yield sandbox, fake


def deliver(hooks: Receiver, fake, number: int, delivery: str,
            name: str = "issues.opened") -> int:
    body = github_event(fake, number, name)
    return post(f"{hooks.url}/hooks/github", body, signed("github", body, SECRET, delivery))[0]


def test_on_event_hears_an_issue_opened_on_the_tracker_and_one_created_here(hub) -> None:
    sb, fake = hub
    created: list[dict] = []
    comments: list[dict] = []
    seen = threading.Condition()

    def note(into: list[dict]):
        def record(event: dict) -> None:
            with seen:
                into.append(event)
                seen.notify_all()
        return record

    log: list[str] = []
    with Receiver(sb.repo, secret=SECRET, port=0, log=log.append) as hooks:
        hooks.on_event("issue.created", note(created))

        @hooks.on_event("comment.added")
        def on_comment(event: dict) -> None:
            note(comments)(event)

        assert on_comment.__name__ == "on_comment"  # the decorator hands the function back
        issue = fake.add_issue("Opened on GitHub", "")
        assert deliver(hooks, fake, issue.number, "api-1") == 202
        with seen:
            assert seen.wait_for(lambda: created, DEADLINE)
        fake.add_comment(issue.number, "First!")
        assert deliver(hooks, fake, issue.number, "api-1b", "issue_comment.created") == 202
        assert hooks.idle(DEADLINE)
        with seen:
            assert seen.wait_for(lambda: comments, DEADLINE)
        assert sb.gi("create", "Made by another process").code == 0
        with seen:  # every writer's events, not only the receiver's (feed.py says so)
            assert seen.wait_for(lambda: len(created) == 2, DEADLINE)
    assert [e["fields"]["title"] for e in created] == ["Opened on GitHub",
                                                       "Made by another process"]
    assert comments[0]["fields"]["body"] == "First!" and comments[0]["issue"] == \
        created[0]["issue"]
    assert [x for x in log if " api-1 " in x] == \
        [f"gi webhook: github api-1 issues: hub #{issue.number}: {created[0]['issue']} created"]


def test_a_callback_that_raises_is_logged_and_the_others_still_run(hub) -> None:
    sb, fake = hub
    heard = threading.Event()
    log: list[str] = []
    hooks = Receiver(sb.repo, secret=SECRET, port=0, log=log.append)
    hooks.start()
    try:
        def broken(event: dict) -> None:
            raise ValueError("callback bug")

        hooks.on_event("*", broken)  # registered after start: the feed starts now
        hooks.on_event("issue.created", lambda e: heard.set())
        issue = fake.add_issue("Still announced", "")
        assert deliver(hooks, fake, issue.number, "api-2") == 202
        assert heard.wait(DEADLINE)
    finally:
        hooks.stop()
        hooks.stop()  # a second stop is harmless
    assert any("on_event callback broken failed on issue.created" in x and "callback bug" in x
               for x in log), log


def test_port_0_picks_a_free_port_and_address_says_which(hub) -> None:
    sb, _ = hub
    hooks = Receiver(sb.repo, secret=SECRET, port=0)
    with pytest.raises(RuntimeError):
        hooks.address  # noqa: B018 — not started yet
    with hooks:
        host, port = hooks.address
        assert host == "127.0.0.1" and port > 0 and hooks.url == f"http://127.0.0.1:{port}"
        assert hooks.idle(0)  # nothing queued


def test_the_secret_comes_from_gi_webhook_secret_when_not_given(hub, monkeypatch) -> None:
    sb, fake = hub
    monkeypatch.setenv("GI_WEBHOOK_SECRET", SECRET)
    with Receiver(sb.repo, port=0, log=lambda line: None) as hooks:
        assert hooks.secrets() == {None: SECRET}
        issue = fake.add_issue("Env secret", "")
        assert deliver(hooks, fake, issue.number, "api-3") == 202
        assert hooks.idle(DEADLINE)
    wait_for(lambda: "Env secret" in sb.gi("list", "--json").out, "the pulled issue")


def test_the_api_is_exported_lazily() -> None:
    assert gitissues.Receiver is Receiver
    code = ("import sys, gitissues; assert 'gitissues.webhooks' not in sys.modules; "
            "gitissues.open_store; assert 'http.server' not in sys.modules; "
            "gitissues.Receiver; assert 'gitissues.webhooks.receiver' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=DEADLINE)


def test_a_stopped_receiver_starts_again(hub) -> None:
    sb, fake = hub
    heard: list[str] = []
    hooks = Receiver(sb.repo, secret=SECRET, port=0, log=lambda line: None)
    hooks.on_event("issue.created", lambda e: heard.append(e["fields"]["title"]))
    for n in range(2):
        with hooks:
            issue = fake.add_issue(f"Round {n}", "")
            assert deliver(hooks, fake, issue.number, f"again-{n}") == 202
            assert hooks.idle(DEADLINE)
        assert heard == [f"Round {k}" for k in range(n + 1)]  # stop announced it


def test_a_delivery_arriving_while_it_stops_is_503_and_welcome_again_later(hub) -> None:
    """Accepted (2xx) means applied: one that comes in after `stop` began is refused so that
    the tracker sends it again, and its id is not remembered as received."""
    sb, fake = hub
    hooks = Receiver(sb.repo, secret=SECRET, port=0, log=lambda line: None)
    issue = fake.add_issue("Arrived during the stop", "")
    body = github_event(fake, issue.number)
    headers = signed("github", body, SECRET, "late-1")
    with hooks:
        pass
    assert hooks.receive("github", headers, body) == (503, {"error": "stopping; retry later"})
    with hooks:
        assert post(f"{hooks.url}/hooks/github", body, headers)[0] == 202
        assert hooks.idle(DEADLINE)
    assert "Arrived during the stop" in sb.gi("list", "--json").out
