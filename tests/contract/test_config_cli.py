"""`gi config detect|init|show|get|set|edit` (SPEC §1, §7) run as a user would, in fresh
repositories with an isolated HOME: detection, precedence, secrets, editing."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

SECRET = "tok-5f1e2d3c4b5a69788796a5b4"  # long enough that a masked form shows only its ends


def user_config(sb) -> Path:
    return Path(sb.env["XDG_CONFIG_HOME"]) / "issue-facade" / "config.yaml"


def everything_in_git(sb) -> str:
    """Every commit's patch on every ref: where a leaked secret would show up."""
    return sb.git("log", "-p", "--all")


def detect(sb, *args: str, env: dict[str, str] | None = None, cwd=None) -> dict:
    r = sb.gi("config", "detect", "--json", *args, env=env, cwd=cwd)
    assert r.code == 0, r
    return r.json


# --- detect --------------------------------------------------------------------------------


def test_detect_github_https_saves_nothing(sandbox):
    sandbox.git("remote", "add", "origin", "https://github.com/octo/hello-world.git")
    found = detect(sandbox)
    assert found == {  # exactly the keys of SPEC §7
        "platform": "github", "base_url": "https://github.com", "owner": "octo",
        "repo": "hello-world", "remote": "origin",
        "sources": {"platform": "remote:origin", "base_url": "remote:origin",
                    "owner": "remote:origin", "repo": "remote:origin", "remote": "default"}}
    assert sandbox.store_tip() is None
    assert not user_config(sandbox).exists()
    assert sandbox.git("status", "--porcelain") == ""


def test_detect_gitea_with_token_never_prints_it(sandbox):
    sandbox.git("remote", "add", "origin", "ssh://git@gitea.example.com:2222/team/app.git")
    r = sandbox.gi("config", "detect", "--json", env={"GITEA_TOKEN": SECRET})
    assert r.code == 0, r
    assert r.json["platform"] == "gitea"
    assert r.json["base_url"] == "https://gitea.example.com"
    assert (r.json["owner"], r.json["repo"]) == ("team", "app")
    assert r.json["sources"]["token"] == "env:GITEA_TOKEN"
    human = sandbox.gi("config", "detect", env={"GITEA_TOKEN": SECRET})
    for out in (r.out, r.err, human.out, human.err):
        assert SECRET not in out and SECRET[:12] not in out


def test_detect_scp_gitlab_subgroup_from_a_subdirectory(sandbox):
    sandbox.git("remote", "add", "origin", "git@gitlab.com:group/sub/deeper/proj.git")
    nested = sandbox.repo / "src" / "pkg"
    nested.mkdir(parents=True)
    found = detect(sandbox, cwd=nested)
    assert found["platform"] == "gitlab"
    assert found["base_url"] == "https://gitlab.com"
    assert (found["owner"], found["repo"]) == ("group/sub/deeper", "proj")


def test_detect_without_remote_is_not_an_error(sandbox):
    found = detect(sandbox)
    assert found == {"platform": None, "base_url": None, "owner": None, "repo": None,
                     "remote": None, "sources": {}}
    assert sandbox.gi("config", "detect").code == 0


def test_two_remotes_without_origin_need_remote_flag(sandbox):
    sandbox.git("remote", "add", "fork", "https://github.com/me/app.git")
    sandbox.git("remote", "add", "upstream", "https://codeberg.org/them/app.git")
    r = sandbox.gi("config", "detect", "--json")
    assert r.code == 2, r
    message = r.err_json["error"]["message"]
    assert "fork" in message and "upstream" in message and "--remote" in message
    found = detect(sandbox, "--remote", "upstream")
    assert (found["platform"], found["owner"], found["remote"]) == ("gitea", "them", "upstream")
    assert found["sources"]["remote"] == "flag"
    assert sandbox.gi("config", "detect", "--remote", "nope").code == 2


def test_only_remote_is_used_when_there_is_no_origin(sandbox):
    sandbox.git("remote", "add", "upstream", "https://gitlab.com/a/b")
    found = detect(sandbox)
    assert (found["remote"], found["platform"], found["repo"]) == ("upstream", "gitlab", "b")


def test_platform_setting_names_a_self_hosted_instance(sandbox):
    sandbox.git("remote", "add", "origin", "https://git.corp.example/infra/tools.git")
    assert sandbox.gi("config", "set", "platform", "forgejo").code == 0
    found = detect(sandbox)
    assert found["platform"] == "gitea"
    assert found["sources"]["platform"] == "repo:issue-facade:config.yaml"
    assert found["base_url"] == "https://git.corp.example"


# --- precedence ----------------------------------------------------------------------------


def test_precedence_env_beats_repo_beats_user_beats_remote(sandbox):
    sb = sandbox
    sb.git("remote", "add", "origin", "https://gitea.example.com/remote-owner/app.git")
    assert detect(sb)["owner"] == "remote-owner"
    assert sb.gi("config", "set", "--user", "gitea.owner", "user-owner").code == 0
    found = detect(sb)
    assert found["owner"] == "user-owner"
    assert found["sources"]["owner"].startswith("user:")
    assert sb.gi("config", "set", "gitea.owner", "repo-owner").code == 0
    assert detect(sb)["owner"] == "repo-owner"
    found = detect(sb, env={"GITEA_OWNER": "env-owner"})
    assert (found["owner"], found["sources"]["owner"]) == ("env-owner", "env:GITEA_OWNER")
    r = sb.gi("config", "get", "gitea.owner", "--json", env={"GITEA_OWNER": "env-owner"})
    assert (r.json["value"], r.json["source"]) == ("env-owner", "env:GITEA_OWNER")
    r = sb.gi("config", "get", "gitea.owner")
    assert (r.code, r.out.strip()) == (0, "repo-owner")
    found = detect(sb, env={"GITEA_URL": "https://other.example/"})
    assert (found["base_url"], found["sources"]["base_url"]) == (
        "https://other.example", "env:GITEA_URL")


def test_flag_beats_repo_setting(sandbox):
    sandbox.git("remote", "add", "origin", "https://git.corp.example/o/r.git")
    assert sandbox.gi("config", "set", "platform", "gitlab").code == 0
    r = sandbox.gi("config", "init", "--platform", "gitea", "--yes", "--json")
    assert r.code == 0, r
    assert (r.json["platform"], r.json["sources"]["platform"]) == ("gitea", "flag")
    assert json.loads(sandbox.gi("config", "get", "platform", "--json").out)["value"] == "gitea"


# --- set / get / show ----------------------------------------------------------------------


def test_secret_is_refused_for_the_repository(sandbox):
    r = sandbox.gi("config", "set", "gitea.token", SECRET, "--json")
    assert r.code == 2, r
    message = r.err_json["error"]["message"]
    assert "GITEA_TOKEN" in message and str(user_config(sandbox)) in message
    assert sandbox.gi("config", "set", "--repo", "linear.api_key", SECRET).code == 2
    assert sandbox.store_tip() is None
    assert SECRET not in r.out + r.err


def test_user_secret_is_private_and_never_leaks(sandbox):
    sb = sandbox
    sb.git("remote", "add", "origin", "https://gitea.example.com/o/r.git")
    assert sb.gi("init").code == 0
    r = sb.gi("config", "set", "--user", "gitea.token", SECRET)
    assert r.code == 0, r
    assert SECRET not in r.out + r.err
    path = user_config(sb)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SECRET in path.read_text()
    assert sb.gi("config", "set", "claims.ttl", "45m").code == 0
    assert SECRET not in everything_in_git(sb)
    assert SECRET not in sb.git("show", "issue-facade:config.yaml")
    for args in (("show",), ("show", "--json"), ("get", "gitea.token"), ("detect", "--json")):
        r = sb.gi("config", *args)
        assert r.code == 0, r
        assert SECRET not in r.out + r.err and SECRET[4:14] not in r.out
    shown = sb.gi("config", "show", "--json").json
    assert shown["settings"]["gitea.token"] != SECRET
    assert shown["sources"]["gitea.token"].startswith("user:")
    assert shown["settings"]["claims.ttl"] == "45m"


def test_set_in_tree_mode_writes_the_working_tree_file(sandbox):
    assert sandbox.gi("init", "--mode", "tree").code == 0
    assert sandbox.gi("config", "set", "claims.ttl", "1h").code == 0
    text = (sandbox.repo / ".issue-facade" / "config.yaml").read_text()
    assert "ttl" in text and "1h" in text and "mode: tree" in text
    r = sandbox.gi("config", "get", "claims.ttl", "--json")
    assert (r.json["value"], r.json["source"]) == ("1h", "repo:.issue-facade/config.yaml")


def test_set_checks_values_other_commands_depend_on(sandbox):
    assert sandbox.gi("config", "set", "platform", "sourceforge").code == 2
    assert sandbox.gi("config", "set", "mode", "tree").code == 2
    assert sandbox.gi("config", "set", "prefix", "Not Valid").code == 2
    assert sandbox.store_tip() is None
    assert sandbox.gi("config", "get", "nothing.here").code == 3


# --- edit ----------------------------------------------------------------------------------


def editor(tmp_path: Path, body: str) -> str:
    script = tmp_path / "editor.sh"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return str(script)


def test_edit_user_config_keeps_a_backup(sandbox, tmp_path):
    assert sandbox.gi("config", "set", "--user", "agent.id", "before").code == 0
    old = user_config(sandbox).read_text()
    script = editor(tmp_path, "printf 'agent:\\n  id: after  # edited\\n' > \"$1\"\n")
    r = sandbox.gi("config", "edit", "--user", "--json", env={"EDITOR": script})
    assert r.code == 0, r
    assert r.json["changed"] is True
    assert "# edited" in user_config(sandbox).read_text()
    backups = list(user_config(sandbox).parent.glob("config.yaml.bak-*"))
    assert len(backups) == 1 and backups[0].read_text() == old
    assert r.json["backup"] == str(backups[0])
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(user_config(sandbox).stat().st_mode) == 0o600
    assert sandbox.gi("whoami", env={"GI_AGENT": ""}).out.startswith("after")


def test_edit_with_invalid_yaml_keeps_the_old_file(sandbox, tmp_path):
    assert sandbox.gi("config", "set", "--user", "agent.id", "before").code == 0
    old = user_config(sandbox).read_text()
    script = editor(tmp_path, "printf 'agent: [unclosed\\n' > \"$1\"\n")
    r = sandbox.gi("config", "edit", "--user", env={"EDITOR": script})
    assert r.code == 5, r
    assert "config.yaml" in r.err
    assert user_config(sandbox).read_text() == old
    assert not list(user_config(sandbox).parent.glob("config.yaml.bak-*"))


def test_edit_prefers_visual_and_refuses_secrets_in_the_repo(sandbox, tmp_path):
    assert sandbox.gi("init").code == 0
    tip = sandbox.store_tip()
    leak = editor(tmp_path, f"printf 'gitea:\\n  token: {SECRET}\\n' >> \"$1\"\n")
    r = sandbox.gi("config", "edit", env={"VISUAL": leak, "EDITOR": "false"})
    assert r.code == 2, r  # the user's to move: to the environment or the user config
    assert "GITEA_TOKEN" in r.err and "nothing saved" in r.err
    assert sandbox.store_tip() == tip
    assert SECRET not in everything_in_git(sandbox)
    good = editor(tmp_path, "printf 'claims:\\n  ttl: 2h\\n' >> \"$1\"\n")
    r = sandbox.gi("config", "edit", env={"VISUAL": good})
    assert r.code == 0, r
    assert "2h" in sandbox.git("show", "issue-facade:config.yaml")
    assert sandbox.gi("config", "edit", env={"VISUAL": "false"}).code == 2


# --- init ----------------------------------------------------------------------------------


def test_init_saves_detected_values_never_the_token(sandbox):
    sb = sandbox
    sb.git("remote", "add", "origin", "git@gitea.example.com:org/proj.git")
    r = sb.gi("config", "init", "--json", env={"GITEA_TOKEN": SECRET}, input="")
    assert r.code == 2, r
    assert "--yes" in r.err_json["error"]["message"]
    assert sb.store_tip() is None
    r = sb.gi("config", "init", "--yes", env={"GITEA_TOKEN": SECRET})
    assert r.code == 0, r
    saved = sb.git("show", "issue-facade:config.yaml")
    for value in ("gitea", "https://gitea.example.com", "org", "proj"):
        assert value in saved
    assert SECRET not in everything_in_git(sb) and SECRET not in r.out + r.err
    assert sb.git("status", "--porcelain") == ""


def test_init_asks_for_confirmation(sandbox):
    sandbox.git("remote", "add", "origin", "https://github.com/o/r")
    r = sandbox.gi("config", "init", input="y\n")
    assert r.code == 0, r
    assert "platform: github" in sandbox.git("show", "issue-facade:config.yaml")


# --- the resolver the bridges call -----------------------------------------------------------


def test_bridge_target_from_a_gitea_remote_and_token(sandbox, monkeypatch):
    from gitissues.settings import resolve_bridge_target

    sandbox.git("remote", "add", "origin", "https://gitea.example.com/org/proj.git")
    for key, value in {**sandbox.env, "GITEA_TOKEN": "x"}.items():
        monkeypatch.setenv(key, value)
    target = resolve_bridge_target(sandbox.repo)
    assert target == {"platform": "gitea", "base_url": "https://gitea.example.com",
                      "project": "org/proj", "token": "x"}
    target = resolve_bridge_target(sandbox.repo, flags={"project": "other/one"})
    assert target["project"] == "other/one"


def test_bridge_target_without_anything_is_a_usage_error(sandbox, monkeypatch):
    from gitissues.errors import UsageError
    from gitissues.settings import resolve_bridge_target

    for key, value in sandbox.env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(UsageError, match="platform"):
        resolve_bridge_target(sandbox.repo)


def test_broken_repo_settings_are_reported_and_can_be_fixed_with_edit(sandbox, tmp_path):
    sb = sandbox
    assert sb.gi("init").code == 0
    blob = sb.git("hash-object", "-w", "--stdin", input="mode: branch\nprefix: [oops\n")
    tree = sb.git("mktree", input=f"100644 blob {blob}\tconfig.yaml\n")
    commit = sb.git("commit-tree", tree, "-p", sb.store_tip(), "-m", "break settings")
    sb.git("update-ref", "refs/heads/issue-facade", commit)
    r = sb.gi("config", "show", "--json")
    assert r.code == 5, r
    assert "config.yaml" in r.err_json["error"]["message"]
    r = sb.gi("whoami", "--json")
    assert r.code == 0 and r.json["agent"] == "tester", r
    script = editor(tmp_path, "printf 'mode: branch\\nprefix: fixed\\n' > \"$1\"\n")
    r = sb.gi("config", "edit", env={"EDITOR": script})
    assert r.code == 0, r
    assert sb.gi("config", "get", "prefix").out.strip() == "fixed"
