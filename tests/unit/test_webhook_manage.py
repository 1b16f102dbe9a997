"""The pieces of `gi webhook register|list|remove` that need no tracker: which platforms can
manage webhooks, what a webhook URL and id may be, how the forges' hooks read, and how the
user config keeps what register made."""

from __future__ import annotations

import os
import stat

import pytest

from gitissues.bridges import gitea, github, gitlab
from gitissues.errors import UsageError
from gitissues.webhooks import manage, stored


class Admin:
    """The three methods of `HookAdmin`."""

    def list_hooks(self) -> list:
        return []

    def add_hook(self, url: str, secret: str) -> dict:
        return {}

    def remove_hook(self, hook_id: str) -> None:
        return None


class Reader:
    """A platform that syncs issues but has no webhook management."""

    def changed(self, since: str | None) -> object:
        return iter(())


def test_a_platform_without_hook_admin_is_named() -> None:
    admin = Admin()
    assert manage.hook_admin(admin, "work", "gitea") is admin
    with pytest.raises(UsageError, match="bridge work: gi cannot manage webhooks on jira"):
        manage.hook_admin(Reader(), "work", "jira")
    half = Admin()
    half.remove_hook = None  # type: ignore[method-assign]
    with pytest.raises(manage.CannotManage):
        manage.hook_admin(half, "work", "linear")


@pytest.mark.parametrize("url", ["https://hooks.example.com/hooks/github",
                                 "http://127.0.0.1:8787/hooks/gitea",
                                 "https://[::1]:8443/h?x=1"])
def test_a_webhook_url_a_tracker_can_post_to(url: str) -> None:
    assert manage.check_url(f"  {url} ") == url


@pytest.mark.parametrize("url", ["", "ftp://h.example/x", "https://", "//h.example/x",
                                 "https://h.example:99999/x", "https://h.example/a\nb",
                                 "https://a@h.example/x", "https://h.example/" + "x" * 2000])
def test_a_webhook_url_that_cannot_be_one(url: str) -> None:
    with pytest.raises(UsageError, match="--url"):
        manage.check_url(url)


def test_hook_ids() -> None:
    for good in ("7", "471250001", "3f2c1a9e-5b6d-4e7f-8a9b-0c1d2e3f4a5b"):
        assert manage.check_hook_id(good) == good
    for bad in ("", "-1", "../x", "7/8", "7 ", "x" * 101):
        with pytest.raises(UsageError, match="--id"):
            manage.check_hook_id(bad)


def test_the_forges_hooks_in_one_shape() -> None:
    assert gitea.hook_of({"id": 3, "config": {"url": "u", "content_type": "json"},
                          "events": ["issues"], "active": False}) == \
        {"id": "3", "url": "u", "events": ["issues"], "active": False}
    assert github.hook_of({"id": 4, "url": "https://api.github.com/repos/a/b/hooks/4",
                           "config": {"url": "u"}, "events": ["issues"], "active": True}) == \
        {"id": "4", "url": "u", "events": ["issues"], "active": True}
    item = {"id": 5, "url": "u", "push_events": False, "issues_events": True,
            "note_events": True, "enable_ssl_verification": True,
            "alert_status": "temporarily_disabled"}
    assert gitlab.hook_of(item) == {"id": "5", "url": "u", "events": ["issues", "note"],
                                    "active": False}
    assert gitlab.hook_of({**item, "alert_status": "executable"})["active"] is True


def test_the_user_config_keeps_and_forgets(tmp_path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "HOME": str(tmp_path)}
    path = tmp_path / "cfg" / "issue-facade" / "config.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("agent:\n  id: me\nwebhooks:\n  other: {secret: keep}\n")
    os.chmod(path, 0o644)
    assert stored.stored("work", env) == {} and stored.secret_for("work", env) is None
    assert stored.remember("work", {"secret": "abc", "hook_id": "7"}, env) == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stored.stored("work", env) == {"secret": "abc", "hook_id": "7"}
    assert stored.secret_for("work", env) == "abc"
    assert stored.secret_for("other", env) == "keep"
    stored.remember("work", {"secret": "def", "hook_id": "8"}, env)
    assert stored.stored("work", env) == {"secret": "def", "hook_id": "8"}
    assert stored.forget("work", env) is True and stored.forget("work", env) is False
    assert "work" not in path.read_text() and "agent:" in path.read_text()
    assert stored.forget("other", env) is True
    assert "webhooks" not in path.read_text()


def test_a_broken_user_config_is_invalid_data_naming_it(tmp_path) -> None:
    from gitissues.errors import InvalidData

    env = {"XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path)}
    path = tmp_path / "issue-facade" / "config.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("webhooks: [\n")
    with pytest.raises(InvalidData, match="config.yaml"):
        stored.remember("work", {"secret": "abc"}, env)
    assert path.read_text() == "webhooks: [\n"
