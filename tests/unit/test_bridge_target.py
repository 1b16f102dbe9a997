"""Which instance, project and token a bridge talks to (SPEC §7 `GITEA_TOKEN=x gi bridge sync`)."""

from __future__ import annotations

import pytest

from gitissues.bridge_target import bridge_target
from gitissues.config import ConfigError, resolve
from gitissues.remote_url import parse_remote_url


def _resolved(env=None, repo=None, user=None, remote=None):
    detected = remote.as_dict() if remote is not None else {}
    return resolve({}, {"HOME": "/h", **(env or {})}, repo or {}, user or {}, detected)


def _target(url, env_vars=None, platform=None, repo=None, user=None, **kwargs):
    remote = parse_remote_url(url) if url else None
    return bridge_target(platform, _resolved(env_vars, repo, user, remote), remote, **kwargs)


def test_gitea_remote_and_token_from_env():
    assert _target("https://gitea.example.com/o/r.git", {"GITEA_TOKEN": "x"}) == {
        "platform": "gitea",
        "base_url": "https://gitea.example.com",
        "project": "o/r",
        "token": "x",
    }


def test_gitea_env_overrides_the_remote():
    env = {"GITEA_TOKEN": "x", "GITEA_URL": "https://issues.example.com/", "GITEA_OWNER": "team"}
    assert _target("git@gitea.example.com:o/r.git", env) == {
        "platform": "gitea",
        "base_url": "https://issues.example.com",
        "project": "team/r",
        "token": "x",
    }
    env["GITEA_REPO"] = "tracker"
    assert _target("git@gitea.example.com:o/r.git", env)["project"] == "team/tracker"


def test_self_hosted_with_platform_setting():
    target = _target(
        "ssh://git@git.example.com:2222/o/r.git",
        repo={"platform": "gitea"},
        user={"gitea": {"token": "from-user"}},
    )
    assert target == {
        "platform": "gitea",
        "base_url": "https://git.example.com",
        "project": "o/r",
        "token": "from-user",
    }


def test_github_uses_the_api_root_and_gh_token():
    assert _target("git@github.com:octo/hello.git", {"GH_TOKEN": "t"}) == {
        "platform": "github",
        "base_url": "https://api.github.com",
        "project": "octo/hello",
        "token": "t",
    }


def test_github_enterprise_and_github_api_url():
    ghe = "https://github.corp.example/eng/tool.git"
    assert _target(ghe)["base_url"] == "https://github.corp.example/api/v3"
    env = {"GITHUB_API_URL": "https://ghe.example/api/v3"}
    assert _target(ghe, env)["base_url"] == "https://ghe.example/api/v3"


def test_gitlab_subgroups_and_token_may_be_missing():
    assert _target("https://gitlab.com/group/sub/proj.git") == {
        "platform": "gitlab",
        "base_url": "https://gitlab.com",
        "project": "group/sub/proj",
        "token": None,
    }


def test_saved_bridge_settings_beat_the_environment():
    bridge = {
        "platform": "gitea",
        "url": "https://saved.example",
        "project": "s/p",
        "token_env": "WORK_TOKEN",
    }
    env = {"GITEA_URL": "https://env.example", "GITEA_TOKEN": "general", "WORK_TOKEN": "work"}
    target = _target("https://gitea.example.com/o/r.git", env, bridge=bridge, env=env)
    assert target == {
        "platform": "gitea",
        "base_url": "https://saved.example",
        "project": "s/p",
        "token": "work",
    }


def test_token_env_unset_gives_no_token_rather_than_another_one():
    target = _target(
        "https://gitea.example.com/o/r.git",
        {"GITEA_TOKEN": "general"},
        bridge={"token_env": "WORK_TOKEN"},
        env={},
    )
    assert target["token"] is None


def test_jira_and_linear():
    env = {"JIRA_URL": "https://corp.atlassian.net", "JIRA_TOKEN": "j", "JIRA_EMAIL": "a@b.c"}
    assert _target(None, env, platform="jira", repo={"jira": {"project": "ENG"}}) == {
        "platform": "jira",
        "base_url": "https://corp.atlassian.net",
        "project": "ENG",
        "token": "j",
        "email": "a@b.c",
        "deployment": "cloud",
    }
    env = {"LINEAR_API_KEY": "lin"}
    assert _target(
        "git@github.com:o/r.git", env, platform="linear", repo={"linear": {"team": "ENG"}}
    ) == {
        "platform": "linear",
        "base_url": "https://api.linear.app",
        "project": "ENG",
        "token": "lin",
    }


@pytest.mark.parametrize(
    ("url", "platform", "repo", "message"),
    [
        (
            "https://git.example.com/o/r.git",
            None,
            None,
            "cannot tell which platform to use: pass --platform or set `platform:` in the "
            "repository settings",
        ),
        (
            None,
            None,
            None,
            "cannot tell which platform to use: pass --platform or set `platform:` in the "
            "repository settings",
        ),
        ("https://github.com/o/r.git", "gitea", None, "no gitea URL: pass --url or set GITEA_URL"),
        ("https://github.com/o/r.git", "bitbucket", None, "no bitbucket URL: pass --url"),
        (
            None,
            "jira",
            {"jira": {"url": "https://j"}},
            "no jira project: pass --project or set jira.project",
        ),
        (
            None,
            "svn",
            None,
            "unknown platform 'svn'; expected one of: github, gitlab, gitea, bitbucket, jira, "
            "linear",
        ),
    ],
)
def test_what_cannot_be_resolved(url, platform, repo, message):
    with pytest.raises(ConfigError) as caught:
        _target(url, platform=platform, repo=repo)
    assert caught.value.message == message
