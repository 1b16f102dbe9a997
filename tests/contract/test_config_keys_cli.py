"""The known settings from the command line (SPEC §1, §6, §7): defaults shown by `gi config
get|show`, values checked by `gi config set|edit`, and `gi config unset`."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import appending_editor


def user_config(sb) -> Path:
    return Path(sb.env["XDG_CONFIG_HOME"]) / "issue-facade" / "config.yaml"


def repo_settings(sb) -> str:
    return sb.git("show", "refs/heads/issue-facade:config.yaml")


# --- defaults ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [("claims.ttl", "30m"), ("prefix", "gi"), ("mode", "branch")],
)
def test_get_shows_the_default_of_a_known_key_nobody_set(sandbox, key, value):
    r = sandbox.gi("config", "get", key, "--json")
    assert r.code == 0, r
    assert r.json == {"key": key, "value": value, "source": "default"}
    human = sandbox.gi("config", "get", key)
    assert (human.code, human.out) == (0, value + "\n")
    assert sandbox.store_tip() is None  # reading wrote nothing


def test_show_lists_defaults_marked_as_such(sandbox):
    assert sandbox.gi("init", "--mode", "tree").code == 0
    shown = sandbox.gi("config", "show", "--json").json
    assert (shown["settings"]["claims.ttl"], shown["sources"]["claims.ttl"]) == ("30m", "default")
    assert (shown["settings"]["commit"], shown["sources"]["commit"]) == ("false", "default")
    assert shown["sources"]["mode"] != "default"  # gi init wrote it
    human = sandbox.gi("config", "show").out
    assert "claims.ttl  30m  (default)" in human
    assert sandbox.gi("config", "set", "claims.ttl", "2h").code == 0
    r = sandbox.gi("config", "get", "claims.ttl", "--json")
    assert (r.json["value"], r.json["source"]) == ("2h", "repo:.issue-facade/config.yaml")


def test_a_key_without_default_is_still_not_found(sandbox):
    r = sandbox.gi("config", "get", "claims.remote", "--json")
    assert r.code == 3, r
    assert "commit" not in sandbox.gi("config", "show", "--json").json["settings"]  # branch


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("claims.ttl", "bogus"), ["claims.ttl", "a duration", "30m"]),
        (("claims.ttl", "10"), ["claims.ttl", "a duration"]),
        (("claims.remote", "--", "--upload-pack=evil"), ["claims.remote", "not starting with '-'"]),
        (("claims.remote", "a b"), ["claims.remote", "git remote name"]),
        (("commit", "yes"), ["commit", "true or false"]),
        (("agent.type", "two\nlines"), ["agent.type", "one line"]),
        (("gitea.url", "https://me:pw@gitea.example.com"), ["gitea.url", "without credentials"]),
        (("--user", "claims.ttl", "1h"), ["claims.ttl", "repository setting"]),
        (("--user", "prefix", "abc"), ["prefix", "repository setting"]),
    ],
)
def test_set_checks_known_keys(sandbox, args, named):
    assert sandbox.gi("init").code == 0
    tip = sandbox.store_tip()
    r = sandbox.gi("config", "set", "--json", *args)
    assert r.code == 2, r
    message = r.err_json["error"]["message"]
    for word in named:
        assert word in message, message
    assert "Traceback" not in r.err
    assert sandbox.store_tip() == tip
    assert not user_config(sandbox).exists()


@pytest.mark.parametrize(
    ("key", "value"),
    [("claims.ttl", "90s"), ("claims.remote", "upstream"),
     ("free.form.anything", "--looks-like-a-flag")],
)
def test_set_accepts_valid_values_and_unknown_keys(sandbox, key, value):
    r = sandbox.gi("config", "set", key, "--", value)
    assert r.code == 0, r
    assert value in repo_settings(sandbox)
    got = sandbox.gi("config", "get", key, "--json").json
    assert (got["value"], got["source"]) == (value, "repo:issue-facade:config.yaml")


@pytest.mark.parametrize(
    ("text", "named"),
    [("claims:\n  ttl: soon\n", "claims.ttl"),
     ("claims:\n  remote: --upload-pack=evil\n", "claims.remote"),
     ("commit: maybe\n", "commit")],
)
def test_edit_checks_known_keys(sandbox, tmp_path, text, named):
    assert sandbox.gi("init").code == 0
    tip = sandbox.store_tip()
    r = sandbox.gi("config", "edit", "--json", env={"EDITOR": appending_editor(tmp_path, text)})
    assert r.code == 5, r
    error = r.err_json["error"]
    assert named in error["message"] and error["file"] == "issue-facade:config.yaml"
    assert "nothing saved" in error["message"]
    assert sandbox.store_tip() == tip


def test_a_bad_value_that_arrived_by_hand_is_reported(sandbox):
    assert sandbox.gi("init", "--mode", "tree").code == 0
    settings = sandbox.repo / ".issue-facade" / "config.yaml"
    settings.write_text(settings.read_text()
                        + "claims:\n  remote: --upload-pack=touch pwned\n  ttl: soon\n")
    for args in (("show",), ("show", "--json"), ("get", "claims.remote")):
        r = sandbox.gi("config", *args)
        assert r.code == 0, r
        assert "invalid claims.remote '--upload-pack=touch pwned'" in r.err, r
        assert "invalid claims.ttl 'soon'" in r.err
        assert ".issue-facade/config.yaml" in r.err


def test_a_repository_setting_in_the_user_config_is_ignored_and_said_so(sandbox):
    path = user_config(sandbox)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("claims:\n  ttl: 5h\nagent:\n  type: coder\n")
    r = sandbox.gi("config", "show", "--json")
    assert r.code == 0, r
    assert r.json["settings"]["claims.ttl"] == "30m" and r.json["sources"]["claims.ttl"] == \
        "default"
    assert r.json["settings"]["agent.type"] == "coder"
    assert "claims.ttl" in r.json["ignored"]
    assert "claims.ttl in the user config is ignored" in r.err


# --- unset ---------------------------------------------------------------------------------


def test_unset_removes_a_repo_setting_and_empty_sections(sandbox):
    sb = sandbox
    assert sb.gi("config", "set", "claims.ttl", "2h").code == 0
    assert sb.gi("config", "set", "agent.type", "coder").code == 0
    r = sb.gi("config", "unset", "claims.ttl", "--json")
    assert r.code == 0, r
    assert r.json == {"key": "claims.ttl", "file": "issue-facade:config.yaml",
                      "removed": ["claims.ttl"]}
    text = repo_settings(sb)
    assert "claims" not in text and "type: coder" in text
    assert sb.gi("config", "get", "claims.ttl", "--json").json["source"] == "default"
    r = sb.gi("config", "unset", "--repo", "agent")
    assert r.code == 0 and "agent.type" in r.out, r
    assert "agent" not in repo_settings(sb)
    assert sb.git("status", "--porcelain") == ""


def test_unset_a_key_that_is_not_set_is_not_found(sandbox):
    assert sandbox.gi("init").code == 0
    tip = sandbox.store_tip()
    r = sandbox.gi("config", "unset", "claims.ttl", "--json")
    assert r.code == 3, r
    assert "30m" in r.err_json["error"]["message"]  # the default that applies
    assert sandbox.gi("config", "unset", "--user", "agent.id").code == 3
    assert sandbox.store_tip() == tip
    assert sandbox.gi("config", "unset", "mode").code == 2


def test_unset_in_the_user_config(sandbox):
    sb = sandbox
    assert sb.gi("config", "set", "--user", "gitea.token", "tok-5f1e2d3c4b5a6978").code == 0
    assert sb.gi("config", "set", "--user", "agent.id", "ada").code == 0
    r = sb.gi("config", "unset", "--user", "gitea", "--json")
    assert r.code == 0, r
    assert r.json == {"key": "gitea", "file": str(user_config(sb)), "removed": ["gitea.token"]}
    text = user_config(sb).read_text()
    assert "gitea" not in text and "ada" in text
    assert oct(user_config(sb).stat().st_mode & 0o777) == "0o600"
    assert sb.store_tip() is None


def test_unset_removes_a_leaked_secret_and_the_warning_goes(sandbox):
    sb = sandbox
    assert sb.gi("init", "--mode", "tree").code == 0
    settings = sb.repo / ".issue-facade" / "config.yaml"
    settings.write_text(settings.read_text() + "gitea:\n  token: tok-5f1e2d3c4b5a6978\n")
    r = sb.gi("config", "show")
    assert "gitea.token is a secret" in r.err and "gi config unset gitea.token" in r.err
    r = sb.gi("config", "unset", "gitea.token")
    assert r.code == 0, r
    assert "token" not in settings.read_text()
    assert "is a secret" not in sb.gi("config", "show").err
