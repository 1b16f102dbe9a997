"""What setting names mean (config_keys): secrets at any depth, masking, the known settings
with their defaults and validators."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitissues import config, config_keys
from gitissues.config import ConfigError, check_repo_settings, check_repo_value
from gitissues.config_files import user_config_path
from gitissues.config_keys import (
    check,
    defaults,
    is_secret,
    mask,
    masked_tree,
    secret_paths,
    without_secrets,
)

# --- which keys are secrets ----------------------------------------------------------------


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
        ("gitea.auth", True),
        ("jira.basic_auth", True),
        ("jira.basicAuth", True),
        ("credentials", True),
        ("aws.credentials.user", True),  # everything under a credentials section
        ("github.pat", True),
        ("github.github_pat", True),
        ("github.github-pat", True),
        ("linear.bearer", True),
        ("gitlab.access_token", True),
        ("gitlab.accessToken", True),
        ("gitlab.apiKey", True),
        ("bridges[0].token", True),
        ("bridges[2].auth.user", True),
        ("bridges.token.platform", True),  # a section named like a credential holds one
        ("bridges.work.token_env", False),  # names a variable, holds no secret
        ("gitea.url", False),
        ("jira.email", False),
        ("agent.id", False),
        ("hooks.path", False),
        ("query.pattern", False),
        ("sync.patch", False),
        ("commit.author", False),
        ("gitea.auth_url", False),
        ("oauth.client_id", False),
        ("bridges[0].name", False),
        ("llm.max_tokens", False),
        ("tokens", True),
    ],
)
def test_is_secret(key, secret):
    assert is_secret(key) is secret


def test_secret_keys_are_the_env_secrets():
    expected = {"gitea.token", "github.token", "gitlab.token", "jira.token", "linear.api_key"}
    assert expected | {"webhook.secret"} == config.SECRET_KEYS


NESTED = {
    "gitea": {"url": "u", "token": "t"},
    "webhook.secret": "s",
    "agent": {"id": "a"},
    "bridges": [{"name": "w", "token": "t1"}, {"name": "x", "auth": {"user": "u", "key": "k"}},
                {"name": "y", "token_env": "Y"}],
    "matrix": [[{"pat": "p"}]],
    "placeholder": {"token": "", "password": None},
}


def test_secret_paths_at_any_depth_and_in_lists():
    assert secret_paths(NESTED) == ["gitea.token", "webhook.secret", "bridges[0].token",
                                    "bridges[1].auth", "matrix[0][0].pat"]


def test_without_secrets_keeps_everything_else():
    assert without_secrets(NESTED) == {
        "gitea": {"url": "u"},
        "agent": {"id": "a"},
        "bridges": [{"name": "w"}, {"name": "x"}, {"name": "y", "token_env": "Y"}],
        "matrix": [[{}]],
        "placeholder": {},
    }


def test_masked_tree_masks_every_secret_leaf():
    long = "ghp_1234567890abcdef"
    shown = masked_tree({"name": "w", "token": long, "auth": {"user": "bob", "pw": "hunter2"},
                         "tokens": [long, "x"], "n": 3})
    assert shown == {"name": "w", "token": "gh…ef", "auth": {"user": "****", "pw": "****"},
                     "tokens": ["gh…ef", "****"], "n": 3}
    assert masked_tree(long, True) == "gh…ef"


def _leaves(node, secret=False):
    """(text, under a secret key) for every leaf."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, secret or is_secret(k))
    elif isinstance(node, list):
        for v in node:
            yield from _leaves(v, secret)
    else:
        yield str(node), secret


_TREES = st.recursive(
    st.text(min_size=5) | st.integers(),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["token", "name", "auth", "id", "pat"]), inner,
                      max_size=3),
    max_leaves=10)


@given(_TREES)
def test_no_secret_survives_masking(data):
    shown = [text for text, _ in _leaves(masked_tree({"x": data}))]
    plain = {text for text, secret in _leaves({"x": data}) if not secret}
    for text, secret in _leaves({"x": data}):
        if secret and len(text) >= 5 and text not in plain:
            assert text not in shown


# --- refusing secrets for the repository ---------------------------------------------------


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


def test_secret_in_a_list_of_mappings_is_refused():
    with pytest.raises(ConfigError) as caught:
        check_repo_value("bridges", [{"name": "x", "token": "abc"}], user_config="/u.yaml")
    assert caught.value.message.startswith("bridges[0].token is a secret")
    with pytest.raises(ConfigError, match=r"^bridges\[1\]\.auth is a secret"):
        check_repo_settings({"bridges": [{"name": "a"}, {"auth": {"user": "u", "pw": "p"}}]})


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
        ("bridges", [{"name": "w", "token_env": "W", "path": "p"}]),
    ],
)
def test_plain_values_are_allowed_in_repo(key, value):
    assert check_repo_value(key, value) is None


# --- masking -------------------------------------------------------------------------------


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


# --- known settings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("claims.ttl", "90s", "90s"),
        ("claims.ttl", "2w", "2w"),
        ("claims.remote", "origin", "origin"),
        ("claims.remote", "team/upstream.v2", "team/upstream.v2"),
        ("commit", True, True),
        ("prefix", "proj-a", "proj-a"),
        ("platform", "Forgejo", "gitea"),
        ("bridges.work.platform", "codeberg", "gitea"),
        ("agent.type", "reviewer", "reviewer"),
        ("gitea.url", "https://git.example.com/sub", "https://git.example.com/sub"),
        ("anything.free", {"x": [1]}, {"x": [1]}),
    ],
)
def test_known_values_pass(key, value, stored):
    assert check(key, value) == stored


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("claims.ttl", "bogus", "invalid claims.ttl 'bogus': expected a duration: a number "
                                "and s, m, h, d or w (90s, 30m, 2h, 1d, 2w)"),
        ("claims.ttl", 30, "invalid claims.ttl 30"),
        ("claims.ttl", "0m", "invalid claims.ttl '0m'"),
        ("claims.remote", "--upload-pack=evil", "invalid claims.remote '--upload-pack=evil': "
                                                "expected a git remote name"),
        ("claims.remote", "-x", "not starting with '-'"),
        ("claims.remote", "a b", "invalid claims.remote"),
        ("claims.remote", "a/../b", "invalid claims.remote"),
        ("commit", "yes", "invalid commit 'yes': expected true or false"),
        ("prefix", "Not Valid", "invalid prefix 'Not Valid'"),
        ("platform", "sourceforge", "unknown platform 'sourceforge'"),
        ("agent.id", "two\nlines", "invalid agent.id 'two\\nlines': expected one line"),
        ("agent.type", "x" * 201, "expected one line of at most 200"),
        ("mode", "both", "invalid mode 'both': expected branch or tree"),
        ("gitea.url", "ftp://x", "expected an http:// or https:// URL"),
        ("gitea.url", "https://user:pw@host", "without credentials in it"),
    ],
)
def test_known_values_refused(key, value, message):
    with pytest.raises(ValueError) as caught:
        check(key, value)
    assert message in str(caught.value)


def test_repository_settings_are_refused_for_the_user_config():
    with pytest.raises(ValueError, match="claims.ttl is a repository setting"):
        check("claims.ttl", "1h", user=True)
    assert check("agent.id", "ada", user=True) == "ada"


def test_defaults_by_mode():
    assert defaults(None) == {}
    assert defaults("branch") == {"mode": "branch", "prefix": "gi", "claims.ttl": "30m",
                                  "leases.ttl": "10m"}
    assert defaults("tree") == {"mode": "tree", "prefix": "gi", "claims.ttl": "30m",
                                "leases.ttl": "10m", "commit": "false"}


def test_defaults_are_the_ones_the_store_uses():
    from gitissues import claims, ids
    from gitissues.leases import ops as lease_ops

    assert config_keys.KNOWN["claims.ttl"].default == claims.DEFAULT_TTL
    assert config_keys.KNOWN["leases.ttl"].default == lease_ops.DEFAULT_TTL
    assert config_keys.KNOWN["prefix"].default == ids.DEFAULT_PREFIX


def test_known_settings_import_nothing_heavy():
    import subprocess
    import sys

    code = ("import sys, gitissues.config_keys, gitissues.identity; "
            "print(sorted(m for m in ('ruamel', 'pygit2', 'dataclasses', 'typing', 'copy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
