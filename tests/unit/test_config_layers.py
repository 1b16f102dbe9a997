"""Layered configuration (SPEC §7): precedence, sources, the user file, secrets."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

# Loaded before any `fs` fixture runs: pyfakefs unloads modules first imported inside a fake
# filesystem, and ruamel's C extension cannot be loaded twice into one process.
import ruamel.yaml  # noqa: F401
from hypothesis import given
from hypothesis import strategies as st

from gitissues import config
from gitissues.config import (
    ENV_KEYS,
    ConfigError,
    Resolved,
    check_repo_value,
    delete_dotted,
    env_layer,
    get_dotted,
    is_secret,
    load_yaml_file,
    mask,
    resolve,
    save_user_config,
    set_dotted,
    user_config_path,
)

HOME_ENV = {"HOME": "/home/ada"}
USER_LABEL = "user:/home/ada/.config/issue-facade/config.yaml"

# --- precedence ----------------------------------------------------------------------------


def _layers_from(first: int) -> dict:
    """Give `gitea.url` a distinct value in every layer from `first` down."""
    given = {
        "flags": {"gitea": {"url": "https://from-flag"}},
        "env": {**HOME_ENV, "GITEA_URL": "https://from-env"},
        "repo_settings": {"gitea": {"url": "https://from-repo"}},
        "user_config": {"gitea.url": "https://from-user"},
        "detected": {"gitea": {"url": "https://from-remote"}},
    }
    empty = {
        "flags": {},
        "env": dict(HOME_ENV),
        "repo_settings": {},
        "user_config": {},
        "detected": {},
    }
    names = list(given)
    return {name: given[name] if i >= first else empty[name] for i, name in enumerate(names)}


@pytest.mark.parametrize(
    ("first", "value", "source"),
    [
        (0, "https://from-flag", "flag"),
        (1, "https://from-env", "env:GITEA_URL"),
        (2, "https://from-repo", "repo:config.yaml"),
        (3, "https://from-user", USER_LABEL),
        (4, "https://from-remote", "remote:origin"),
    ],
)
def test_each_layer_overrides_the_next(first, value, source):
    resolved = resolve(**_layers_from(first))
    assert resolved.values == {"gitea.url": value}
    assert resolved.sources == {"gitea.url": source}


def test_sources_name_every_layer_at_once():
    resolved = resolve(
        flags={"platform": "gitea", "claim": {"ttl": None}},
        env={**HOME_ENV, "GITEA_TOKEN": "tok", "PATH": "/bin"},
        repo_settings={"id_prefix": "gi", "commit": True},
        user_config={"agent": {"id": "ada"}},
        detected={"owner": "o", "repo": "r", "platform": "unknown"},
    )
    assert resolved.values == {
        "platform": "gitea",
        "gitea.token": "tok",
        "id_prefix": "gi",
        "commit": "true",
        "agent.id": "ada",
        "owner": "o",
        "repo": "r",
    }
    assert resolved.sources == {
        "platform": "flag",
        "gitea.token": "env:GITEA_TOKEN",
        "id_prefix": "repo:config.yaml",
        "commit": "repo:config.yaml",
        "agent.id": USER_LABEL,
        "owner": "remote:origin",
        "repo": "remote:origin",
    }


def test_source_labels_are_parameters():
    resolved = resolve(
        {},
        {},
        {"a": 1},
        {"b": 2},
        {"c": 3},
        repo_source="repo:.issue-facade/config.yaml",
        user_source="user:/x/config.yaml",
        detected_source="remote:upstream",
    )
    assert resolved.sources == {
        "a": "repo:.issue-facade/config.yaml",
        "b": "user:/x/config.yaml",
        "c": "remote:upstream",
    }


def test_values_are_strings():
    resolved = resolve({}, HOME_ENV, {"commit": False, "ttl": 3600, "labels": ["a", "b"]}, {}, {})
    assert resolved.values == {"commit": "false", "ttl": "3600", "labels": "a,b"}


@pytest.mark.parametrize(
    ("env", "key", "value", "source"),
    [
        ({"GI_AGENT": "a1", "ISSUE_AGENT_ID": "a2"}, "agent.id", "a1", "env:GI_AGENT"),
        ({"ISSUE_AGENT_ID": "a2"}, "agent.id", "a2", "env:ISSUE_AGENT_ID"),
        ({"GI_AGENT": "", "ISSUE_AGENT_ID": "a2"}, "agent.id", "a2", "env:ISSUE_AGENT_ID"),
        ({"GITHUB_TOKEN": "t1", "GH_TOKEN": "t2"}, "github.token", "t1", "env:GITHUB_TOKEN"),
        ({"GH_TOKEN": "t2"}, "github.token", "t2", "env:GH_TOKEN"),
        (
            {"GI_AGENT_TYPE": "r1", "ISSUE_AGENT_TYPE": "r2"},
            "agent.type",
            "r1",
            "env:GI_AGENT_TYPE",
        ),
    ],
)
def test_first_listed_variable_wins(env, key, value, source):
    layer = env_layer(env)
    assert layer.values == {key: value}
    assert layer.sources == {key: source}


def test_env_keys_table():
    assert ENV_KEYS == {
        "GI_AGENT": "agent.id",
        "ISSUE_AGENT_ID": "agent.id",
        "GI_AGENT_TYPE": "agent.type",
        "ISSUE_AGENT_TYPE": "agent.type",
        "GITEA_URL": "gitea.url",
        "GITEA_TOKEN": "gitea.token",
        "GITEA_OWNER": "gitea.owner",
        "GITEA_REPO": "gitea.repo",
        "GITHUB_TOKEN": "github.token",
        "GH_TOKEN": "github.token",
        "GITHUB_API_URL": "github.api_url",
        "GITLAB_URL": "gitlab.url",
        "GITLAB_TOKEN": "gitlab.token",
        "JIRA_URL": "jira.url",
        "JIRA_TOKEN": "jira.token",
        "JIRA_EMAIL": "jira.email",
        "LINEAR_API_KEY": "linear.api_key",
        "GI_WEBHOOK_SECRET": "webhook.secret",
    }


def test_unrelated_environment_is_ignored():
    assert env_layer({"PATH": "/bin", "GITEA": "x", "gitea_token": "y"}) == Resolved()


# --- dotted keys ---------------------------------------------------------------------------


def test_get_dotted():
    data = {"a": {"b": {"c": 1}}, "x.y": 2, "p": {"q.r": 3}, "s": "plain"}
    assert get_dotted(data, "a.b.c") == 1
    assert get_dotted(data, "a.b") == {"c": 1}
    assert get_dotted(data, "x.y") == 2
    assert get_dotted(data, "p.q.r") == 3
    assert get_dotted(data, "s.t") is None
    assert get_dotted(data, "a.z", "dflt") == "dflt"
    assert get_dotted(None, "a") is None


def test_set_dotted_creates_sections_and_keeps_literal_keys():
    data: dict = {"gitea.url": "old", "agent": {"type": "coder"}}
    set_dotted(data, "agent.id", "ada")
    set_dotted(data, "gitea.url", "new")
    set_dotted(data, "bridges.work.platform", "gitea")
    assert data == {
        "gitea.url": "new",
        "agent": {"type": "coder", "id": "ada"},
        "bridges": {"work": {"platform": "gitea"}},
    }


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("agent.id.x", "cannot set agent.id.x: id is a value, not a section"),
        ("", "invalid setting name ''"),
        ("agent.", "invalid setting name 'agent.'"),
    ],
)
def test_set_dotted_refuses(key, message):
    with pytest.raises(ConfigError) as caught:
        set_dotted({"agent": {"id": "ada"}}, key, "v")
    assert caught.value.message == message


def test_delete_dotted_prunes_empty_sections():
    data = {"agent": {"id": "ada"}, "gitea": {"url": "u", "owner": "o"}}
    assert delete_dotted(data, "agent.id") is True
    assert delete_dotted(data, "gitea.url") is True
    assert delete_dotted(data, "gitea.nope") is False
    assert data == {"gitea": {"owner": "o"}}


# --- the user config file ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"HOME": "/home/ada"}, "/home/ada/.config/issue-facade/config.yaml"),
        ({"HOME": "/home/ada", "XDG_CONFIG_HOME": "/cfg"}, "/cfg/issue-facade/config.yaml"),
        (
            {"HOME": "/home/ada", "XDG_CONFIG_HOME": ""},
            "/home/ada/.config/issue-facade/config.yaml",
        ),
        (
            {"HOME": "/home/ada", "XDG_CONFIG_HOME": "rel"},
            "/home/ada/.config/issue-facade/config.yaml",
        ),
    ],
)
def test_user_config_path(env, expected):
    assert user_config_path(env) == Path(expected)


def test_load_from_home_when_xdg_unset(fs):
    fs.create_file("/home/ada/.config/issue-facade/config.yaml", contents="agent:\n  id: ada\n")
    assert load_yaml_file(user_config_path({"HOME": "/home/ada"})) == {"agent": {"id": "ada"}}


def test_load_from_xdg_when_set(fs):
    fs.create_file("/home/ada/.config/issue-facade/config.yaml", contents="agent: {id: home}\n")
    fs.create_file("/xdg/issue-facade/config.yaml", contents="agent: {id: xdg}\n")
    path = user_config_path({"HOME": "/home/ada", "XDG_CONFIG_HOME": "/xdg"})
    assert load_yaml_file(path) == {"agent": {"id": "xdg"}}


def test_missing_file_is_empty(fs):
    assert load_yaml_file("/nowhere/config.yaml") == {}


def test_empty_file_is_empty(fs):
    fs.create_file("/c.yaml", contents="# nothing yet\n")
    assert load_yaml_file("/c.yaml") == {}


@pytest.mark.parametrize(
    ("contents", "message", "line"),
    [
        (
            "agent:\n  id: a\n id2: b\n",
            "/c.yaml:3: YAML does not parse: did not find expected key",
            3,
        ),
        (
            "a: 1\na: 2\n",
            '/c.yaml:2: YAML does not parse: found duplicate key "a" with value "2" '
            '(original value: "1")',
            2,
        ),
        ("- just\n- a list\n", "/c.yaml:1: expected a mapping of settings, found a list", 1),
        ("a: &x {b: 1}\nc: *x\n", "/c.yaml: YAML anchors and aliases are not allowed", None),
    ],
)
def test_malformed_file_names_file_and_line(fs, contents, message, line):
    fs.create_file("/c.yaml", contents=contents)
    with pytest.raises(ConfigError) as caught:
        load_yaml_file("/c.yaml")
    error = caught.value
    assert (error.message, error.path, error.line) == (message, "/c.yaml", line)


def test_directory_instead_of_file(fs):
    fs.create_dir("/c.yaml")
    with pytest.raises(ConfigError) as caught:
        load_yaml_file("/c.yaml")
    assert caught.value.message.startswith("/c.yaml: cannot read settings: ")


def _mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_save_creates_file_with_mode_0600(fs):
    path = "/home/ada/.config/issue-facade/config.yaml"
    save_user_config(path, {"gitea": {"token": "s3cret"}, "agent": {"id": "ada"}})
    assert _mode(path) == 0o600
    assert load_yaml_file(path) == {"gitea": {"token": "s3cret"}, "agent": {"id": "ada"}}
    assert os.listdir("/home/ada/.config/issue-facade") == ["config.yaml"]


def test_save_tightens_an_existing_0644_file(fs):
    path = "/cfg/issue-facade/config.yaml"
    fs.create_file(path, contents="agent: {id: old}\n", st_mode=stat.S_IFREG | 0o644)
    assert _mode(path) == 0o644
    save_user_config(path, {"agent": {"id": "new"}})
    assert _mode(path) == 0o600
    assert load_yaml_file(path) == {"agent": {"id": "new"}}


def test_save_writes_through_a_symlink(fs):
    fs.create_file("/dotfiles/gi.yaml", contents="{}\n")
    fs.create_symlink("/cfg/issue-facade/config.yaml", "/dotfiles/gi.yaml")
    save_user_config("/cfg/issue-facade/config.yaml", {"agent": {"id": "ada"}})
    assert os.path.islink("/cfg/issue-facade/config.yaml")
    assert load_yaml_file("/dotfiles/gi.yaml") == {"agent": {"id": "ada"}}
    assert _mode("/dotfiles/gi.yaml") == 0o600


# --- secrets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("gitea.token", True),
        ("github.token", True),
        ("linear.api_key", True),
        ("jira.password", True),
        ("webhook.secret", True),
        ("bridges.work.token", True),
        ("Token", True),
        ("bridges.work.token_env", False),
        ("bridges.token.platform", False),
        ("gitea.url", False),
        ("jira.email", False),
        ("agent.id", False),
    ],
)
def test_is_secret(key, secret):
    assert is_secret(key) is secret


def test_secret_keys_are_the_env_secrets():
    expected = {"gitea.token", "github.token", "gitlab.token", "jira.token", "linear.api_key"}
    assert expected | {"webhook.secret"} == config.SECRET_KEYS


def test_secret_refused_for_repo_settings_names_var_and_user_path():
    path = user_config_path({"HOME": "/home/ada"})
    with pytest.raises(ConfigError) as caught:
        check_repo_value("gitea.token", "abc", user_config=path)
    assert caught.value.message == (
        "gitea.token is a secret and is never stored in the repository settings (they are "
        "committed); set the environment variable GITEA_TOKEN or put it in the user config "
        "/home/ada/.config/issue-facade/config.yaml"
    )


def test_secret_nested_in_a_section_is_refused():
    with pytest.raises(ConfigError) as caught:
        check_repo_value("linear", {"team": "ENG", "api_key": "k"})
    assert caught.value.message == (
        "linear.api_key is a secret and is never stored in the repository settings (they are "
        "committed); set the environment variable LINEAR_API_KEY or put it in the user config "
        "$XDG_CONFIG_HOME/issue-facade/config.yaml"
    )


def test_bridge_secret_without_a_variable():
    with pytest.raises(ConfigError) as caught:
        check_repo_value("bridges.work.token", "t", user_config="/u.yaml")
    assert caught.value.message == (
        "bridges.work.token is a secret and is never stored in the repository settings (they "
        "are committed); set an environment variable or put it in the user config /u.yaml"
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("gitea.url", "https://g"),
        ("bridges.work.token_env", "WORK_TOKEN"),
        ("bridges.work", {"platform": "gitea", "token_env": "W"}),
    ],
)
def test_plain_values_are_allowed_in_repo(key, value):
    assert check_repo_value(key, value) is None


def test_secret_keys_in():
    data = {"gitea": {"url": "u", "token": "t"}, "webhook.secret": "s", "agent": {"id": "a"}}
    assert config.secret_keys_in(data) == ["gitea.token", "webhook.secret"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [("", ""), ("abc", "****"), ("elevenchars", "****"), ("ghp_1234567890abcdef", "gh…ef")],
)
def test_mask_examples(value, shown):
    assert mask(value) == shown


@given(st.text(min_size=1))
def test_mask_never_returns_the_secret(secret):
    shown = mask(secret)
    assert shown != secret or secret == "****"
    assert shown in ("****", f"{secret[:2]}…{secret[-2:]}")
    if len(secret) >= 5:
        assert secret not in shown


def test_masked_values():
    env = {"GITEA_TOKEN": "0123456789abcdef", "GITEA_URL": "https://g"}
    resolved = resolve({}, env, {}, {}, {})
    assert resolved.masked() == {"gitea.url": "https://g", "gitea.token": "01…ef"}


def test_config_module_imports_without_ruamel():
    import subprocess
    import sys

    code = "import sys, gitissues.config; print(any(m.startswith('ruamel') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
