"""Agent identity (SPEC §7): `gi whoami`, and the identity recorded on every write."""

from __future__ import annotations

import pytest


def whoami(sb, env: dict[str, str] | None = None, cwd=None) -> dict:
    r = sb.gi("whoami", "--json", env=env, cwd=cwd)
    assert r.code == 0, r
    return r.json


def test_whoami_from_gi_agent(sandbox):
    found = whoami(sandbox, {"GI_AGENT": "agent-coder", "ISSUE_AGENT_ID": "older"})
    assert (found["agent"], found["agent_source"]) == ("agent-coder", "env:GI_AGENT")
    assert found["agent_type"] is None
    r = sandbox.gi("whoami", env={"GI_AGENT": "agent-coder"})
    assert r.code == 0 and "agent-coder" in r.out and "GI_AGENT" in r.out


def test_whoami_from_issue_agent_id(sandbox):
    found = whoami(sandbox, {"GI_AGENT": "", "ISSUE_AGENT_ID": "legacy-bot",
                             "ISSUE_AGENT_TYPE": "reviewer"})
    assert (found["agent"], found["agent_source"]) == ("legacy-bot", "env:ISSUE_AGENT_ID")
    assert (found["agent_type"], found["agent_type_source"]) == ("reviewer",
                                                                 "env:ISSUE_AGENT_TYPE")


def test_whoami_from_git_user_name_only(sandbox):
    found = whoami(sandbox, {"GI_AGENT": ""})
    assert (found["agent"], found["agent_source"]) == ("Test User", "git:user.name")


def test_config_agent_id_sits_between_env_and_git(sandbox):
    assert sandbox.gi("config", "set", "--user", "agent.id", "from-user").code == 0
    found = whoami(sandbox, {"GI_AGENT": ""})
    assert found["agent"] == "from-user" and found["agent_source"].startswith("user:")
    assert sandbox.gi("config", "set", "agent.id", "from-repo").code == 0
    assert whoami(sandbox, {"GI_AGENT": ""})["agent"] == "from-repo"
    assert whoami(sandbox)["agent"] == "tester"


def test_whoami_with_both_variables_set_opens_no_store(sandbox):
    """The identity needs nothing but the environment then: no pygit2, no YAML parser."""
    import json
    import subprocess
    import sys

    assert sandbox.gi("config", "set", "agent.type", "from-repo").code == 0
    code = ("import json, sys; from gitissues.cli import main; main(['whoami', '--json']); "
            "sys.stderr.write(json.dumps(sorted(m for m in ('pygit2', 'ruamel', 'sqlite3') "
            "if m in sys.modules)))")
    env = {**sandbox.env, "GI_AGENT": "a1", "GI_AGENT_TYPE": "coder"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=sandbox.repo, env=env,
                          capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout)["agent_type"] == "coder"
    assert json.loads(proc.stderr) == []
    found = whoami(sandbox, {"GI_AGENT_TYPE": ""})
    assert (found["agent_type"], found["agent_type_source"]) == ("from-repo", "repo:config.yaml")


def test_whoami_outside_a_repository(sandbox, tmp_path):
    elsewhere = tmp_path / "not-a-repo"
    elsewhere.mkdir()
    found = whoami(sandbox, {"GI_AGENT": "", "GI_AGENT_TYPE": "planner"}, cwd=elsewhere)
    assert found["agent"] and found["agent_source"] in ("os-user", "default")
    assert found["agent_type"] == "planner"


@pytest.mark.parametrize("bad", ["two\nlines", "tab\tinside", "x" * 300])
def test_an_agent_id_that_would_break_a_trailer_is_refused(sandbox, bad):
    r = sandbox.gi("create", "Nope", env={"GI_AGENT": bad})
    assert r.code == 2, r
    assert "GI_AGENT" in r.err
    assert sandbox.store_tip() is None


def test_create_records_the_agent_as_author_and_trailer(sandbox):
    env = {"GI_AGENT": "agent-7", "GI_AGENT_TYPE": "coder"}
    r = sandbox.gi("create", "Recorded", env=env)
    assert r.code == 0, r
    issue = sandbox.show(r.out.strip())
    assert issue["author"] == "agent-7"
    message = sandbox.git("log", "-1", "--format=%B", "issue-facade")
    assert "Gi-Actor: agent-7" in message.splitlines()
    assert "Gi-Agent-Type: coder" in message.splitlines()
    assert sandbox.git("log", "-1", "--format=%an", "issue-facade") == "agent-7"


def test_comment_records_the_agent(sandbox):
    issue_id = sandbox.create("Talk")
    r = sandbox.gi("comment", issue_id, "hello", env={"GI_AGENT": "", "ISSUE_AGENT_ID": "old"})
    assert r.code == 0, r
    assert sandbox.show(issue_id)["comments"][-1]["author"] == "old"


def test_whoami_with_a_broken_user_config_warns_and_answers(sandbox):
    path = sandbox.base / "home" / ".config" / "issue-facade" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("agent: [unclosed\n")
    r = sandbox.gi("whoami", "--json", env={"GI_AGENT": ""})
    assert r.code == 0, r
    assert r.json["agent"] == "Test User"
    assert "user config ignored" in r.err and "config.yaml:" in r.err


def test_a_changed_git_user_name_is_seen_at_once(sandbox):
    """user.name is cached between commands with the stamps of git's config files."""
    env = {"GI_AGENT": ""}
    sandbox.git("config", "user.name", "First Name")
    assert sandbox.gi("whoami", "--json", env=env).json["agent"] == "First Name"
    sandbox.git("config", "user.name", "Second Name")
    assert sandbox.gi("whoami", "--json", env=env).json["agent"] == "Second Name"
    r = sandbox.gi("create", "By the second name", "--json", env=env)
    assert r.json["author"] == "Second Name"
