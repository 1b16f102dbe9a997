"""Layered configuration (SPEC §7): precedence, sources, the user file, secrets."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

# Loaded before any `fs` fixture runs: pyfakefs unloads modules first imported inside a fake
# filesystem, and ruamel's C extension cannot be loaded twice into one process.
import ruamel.yaml  # noqa: F401
from hypothesis import given, settings
from hypothesis import strategies as st

from gitissues.config import (
    ENV_KEYS,
    ConfigError,
    Resolved,
    delete_dotted,
    env_layer,
    flatten,
    get_dotted,
    layer,
    merge,
    resolve,
    set_dotted,
)
from gitissues.config_files import load_yaml_file, save_user_config, user_config_path

HOME_ENV = {"HOME": "/home/ada"}
USER_LABEL = "user:/home/ada/.config/issue-facade/config.yaml"

# --- precedence ----------------------------------------------------------------------------


def _layers_from(first: int) -> dict:
    """Give `gitea.url` a distinct value in every layer from `first` down."""
    per_layer = {
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
    names = list(per_layer)
    return {name: per_layer[name] if i >= first else empty[name]
            for i, name in enumerate(names)}


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


def test_delete_dotted_finds_what_get_dotted_finds():
    data = {"a.b": {"c": 1, "d": 2}, "x": {"y.z": {"w": 3}}}
    assert get_dotted(data, "a.b.c") == 1 and delete_dotted(data, "a.b.c") is True
    assert get_dotted(data, "x.y.z.w") == 3 and delete_dotted(data, "x.y.z.w") is True
    assert data == {"a.b": {"d": 2}}


def test_flatten_walks_into_lists_of_mappings():
    data = {"labels": ["a", "b"], "bridges": [{"name": "w", "auth": {"user": "u"}}, "x"],
            "empty": [], "gitea": {"url": "u"}}
    assert flatten(data) == {"labels": ["a", "b"], "bridges[0].name": "w",
                             "bridges[0].auth.user": "u", "bridges[1]": "x", "empty": [],
                             "gitea.url": "u"}


def test_a_list_is_one_value_across_layers():
    """The higher layer's list replaces the lower one whole, never element by element."""
    repo = layer({"bridges": [{"name": "r1"}, {"name": "r2"}], "tags": "t"}, "repo")
    user = layer({"bridges": [{"name": "u1"}], "labels": ["a"]}, "user")
    lower = layer({"labels": [{"n": 1}, {"n": 2}], "tags": [{"n": 3}]}, "remote")
    merged = merge(repo, user, lower)
    assert merged.values == {"bridges[0].name": "r1", "bridges[1].name": "r2", "tags": "t",
                             "labels": "a"}
    assert merged.sources == {"bridges[0].name": "repo", "bridges[1].name": "repo",
                              "tags": "repo", "labels": "user"}


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


@pytest.fixture(params=["pyfakefs", "real"])
def root(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a file-system test runs: on pyfakefs, and on the real file system (modes and
    symlinks behave as the kernel says, not as the fake believes)."""
    if request.param == "pyfakefs":
        request.getfixturevalue("fs")
        return "/"
    return str(tmp_path)


def test_save_creates_file_with_mode_0600(root):
    home = os.path.join(root, "home/ada/.config/issue-facade")
    path = os.path.join(home, "config.yaml")
    save_user_config(path, {"gitea": {"token": "s3cret"}, "agent": {"id": "ada"}})
    assert _mode(path) == 0o600
    assert load_yaml_file(path) == {"gitea": {"token": "s3cret"}, "agent": {"id": "ada"}}
    assert os.listdir(home) == ["config.yaml"]


def test_save_tightens_an_existing_0644_file(root):
    path = os.path.join(root, "cfg/issue-facade/config.yaml")
    os.makedirs(os.path.dirname(path))
    with open(path, "w") as f:
        f.write("agent: {id: old}\n")
    os.chmod(path, 0o644)
    assert _mode(path) == 0o644
    save_user_config(path, {"agent": {"id": "new"}})
    assert _mode(path) == 0o600
    assert load_yaml_file(path) == {"agent": {"id": "new"}}


def test_save_writes_plain_settings_without_ruamel(tmp_path):
    """`gi config set --user` writes with yamlio.emit; ruamel only for types emit lacks."""
    import subprocess
    import sys

    path = tmp_path / "config.yaml"
    code = ("import sys; from gitissues.config_files import save_user_config; "
            f"save_user_config({str(path)!r}, {{'agent': {{'id': 'ada: x'}}, 'n': [1, True], "
            "'gitea': {'token': '#t'}}); "
            "print(any(m.startswith('ruamel') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    assert load_yaml_file(path) == {"agent": {"id": "ada: x"}, "n": [1, True],
                                    "gitea": {"token": "#t"}}
    assert _mode(str(path)) == 0o600


def test_save_keeps_dates_through_ruamel(tmp_path):
    import datetime

    path = tmp_path / "config.yaml"
    save_user_config(path, {"since": datetime.date(2026, 1, 2), "n": 1})
    assert load_yaml_file(path) == {"since": datetime.date(2026, 1, 2), "n": 1}


_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.floats(
    allow_nan=False)
_SETTINGS = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                         | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3),
                         max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), _SETTINGS, min_size=1, max_size=4))
def test_saved_user_config_reads_back_the_same(data):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.yaml"
        save_user_config(path, data)
        assert load_yaml_file(path) == data


def test_save_writes_through_a_symlink(root):
    target = os.path.join(root, "dotfiles/gi.yaml")
    link = os.path.join(root, "cfg/issue-facade/config.yaml")
    for d in (os.path.dirname(target), os.path.dirname(link)):
        os.makedirs(d)
    with open(target, "w") as f:
        f.write("{}\n")
    os.symlink(target, link)
    save_user_config(link, {"agent": {"id": "ada"}})
    assert os.path.islink(link)
    assert load_yaml_file(target) == {"agent": {"id": "ada"}}
    assert _mode(target) == 0o600
    assert os.listdir(os.path.dirname(link)) == ["config.yaml"]  # no temporary file left


# --- secrets in the layers (what is a secret: test_config_keys.py) ---------------------------


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
