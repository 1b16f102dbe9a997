"""Who is acting: the agent id recorded on every write and meant by `me` in queries (SPEC §7).

First found wins: `GI_AGENT` / `ISSUE_AGENT_ID`, `agent.id` in config (repository settings, then
the user config, as §7's precedence says), the MCP client's name, git `user.name`, the OS user.
The id ends up in commit trailers (`Gi-Actor:`), so a value that would break a trailer (a newline,
a control character) is refused rather than silently recorded.
"""

from __future__ import annotations

import os

from gitissues import git
from gitissues.config_keys import MAX_LINE, get_dotted, has_control_chars
from gitissues.errors import UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    # The repository settings, or a function that reads them: `gi whoami` with GI_AGENT set
    # then never opens the store.
    Settings = Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None

AGENT_VARS = ("GI_AGENT", "ISSUE_AGENT_ID")
TYPE_VARS = ("GI_AGENT_TYPE", "ISSUE_AGENT_TYPE")
MAX_LENGTH = MAX_LINE


def _clean(value: Any, where: str) -> str | None:
    """A usable one-line id, None for an empty value; a usage error names a broken one."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if has_control_chars(text) or len(text) > MAX_LENGTH:
        raise UsageError(f"{where}: an agent identity must be one line of at most "
                         f"{MAX_LENGTH} printable characters")
    return text


def _from_env(variables: tuple[str, ...], env: Mapping[str, str]) -> tuple[str, str] | None:
    for var in variables:
        value = _clean(env.get(var), var)
        if value:
            return value, f"env:{var}"
    return None


def _from_config(key: str, settings: Settings,
                 env: Mapping[str, str]) -> tuple[str, str] | None:
    """`key` in the repository settings, else in the user config (a broken user file is
    ignored here: `gi config show` reports it, writes should not fail over it)."""
    from gitissues import config_files

    data = settings() if callable(settings) else settings
    value = _clean(get_dotted(data or {}, key), f"repository settings {key}")
    if value:
        return value, "repo:config.yaml"
    try:
        path, user = config_files.read_user_config(env)
    except Exception:
        return None
    value = _clean(get_dotted(user, key), f"{path}: {key}")
    return (value, f"user:{path}") if value else None


def agent(paths: git.RepoPaths | None, settings: Settings = None, *,
          client: str | None = None, env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(agent id, where it came from). `client` is an MCP client's name (SPEC §3, `gi mcp`)."""
    env = os.environ if env is None else env
    found = _from_env(AGENT_VARS, env) or _from_config("agent.id", settings, env)
    if found:
        return found
    name = _clean(client, "MCP client name")
    if name:
        return name, "mcp:client"
    if paths is not None:
        name = _clean(git.user_config(paths).get("user.name"), "git user.name")
        if name:
            return name, "git:user.name"
    try:
        import getpass  # only when nothing else names the agent

        user = _clean(getpass.getuser(), "OS user")
    except Exception:
        user = None
    return (user, "os-user") if user else ("unknown", "default")


def agent_type(settings: Settings = None, *,
               env: Mapping[str, str] | None = None) -> tuple[str | None, str | None]:
    """(agent type or None, where it came from): the agent's role, e.g. `coder`, `reviewer`."""
    env = os.environ if env is None else env
    found = _from_env(TYPE_VARS, env) or _from_config("agent.type", settings, env)
    return found if found else (None, None)
