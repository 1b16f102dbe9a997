"""Who is acting: the agent id recorded on every write and meant by `me` in queries (SPEC §7)."""

from __future__ import annotations

import getpass
import os

from gitissues import git

AGENT_VARS = ("GI_AGENT", "ISSUE_AGENT_ID")
TYPE_VARS = ("GI_AGENT_TYPE", "ISSUE_AGENT_TYPE")


def _user_config_value(key: str) -> str | None:
    try:
        from gitissues import config

        data = config.load_yaml_file(config.user_config_path(os.environ))
    except Exception:
        return None
    value = config.get_dotted(data, key)
    return str(value) if value not in (None, "") else None


def agent(paths: git.RepoPaths | None, settings: dict | None = None) -> tuple[str, str]:
    """(agent id, where it came from): env, then config `agent.id`, git user.name, OS user."""
    for var in AGENT_VARS:
        if os.environ.get(var):
            return os.environ[var], f"env:{var}"
    repo_value = ((settings or {}).get("agent") or {}).get("id")
    if repo_value:
        return str(repo_value), "repo:config.yaml"
    user_value = _user_config_value("agent.id")
    if user_value:
        return user_value, "user-config"
    if paths is not None:
        name = git.config_get(paths, "user.name")
        if name:
            return name, "git:user.name"
    try:
        return getpass.getuser(), "os-user"
    except Exception:
        return "unknown", "default"


def agent_type() -> tuple[str | None, str | None]:
    for var in TYPE_VARS:
        if os.environ.get(var):
            return os.environ[var], f"env:{var}"
    value = _user_config_value("agent.type")
    return (value, "user-config") if value else (None, None)
