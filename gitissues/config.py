"""Layered configuration (SPEC §7): flags > environment > repository settings > user config >
what the remote implies.

Every function takes its inputs explicitly (an env mapping, already-loaded dicts) so each layer
and the merge can be tested without the real home directory or environment. Secrets come only
from the environment or the user file (mode 0600) and are refused for the repository settings
(what counts as a secret, and the known settings, are `config_keys`). Files are read with
`yamlio.load_fast` and written with `yamlio.emit`: the CLI's read path imports this module and
must start fast, so ruamel is imported only for what those two cannot handle.
"""

from __future__ import annotations

from collections.abc import Mapping

from gitissues import config_keys
from gitissues.config_files import user_config_path
from gitissues.config_keys import ConfigError
from gitissues.config_keys import get_dotted as get_dotted  # (re-exported)

TYPE_CHECKING = False  # typing and dataclasses cost ms to import: `gi whoami` loads this
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

# Environment variable → dotted key. Where two variables feed one key, the first listed wins.
ENV_KEYS: dict[str, str] = {
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

# --- secrets -------------------------------------------------------------------------------

SECRET_KEYS = frozenset(key for key in ENV_KEYS.values() if config_keys.is_secret(key))


def env_var_for(key: str) -> str | None:
    """The preferred environment variable that sets `key`, if any."""
    return next((var for var, k in ENV_KEYS.items() if k == key), None)


def check_repo_value(key: str, value: Any, *, user_config: str | Path | None = None) -> None:
    """Refuse to put a secret into the repository settings, wherever it sits in `value`
    (nested sections, lists of mappings), saying where it belongs instead."""
    found = [key] if config_keys.is_secret(key) else config_keys.secret_paths(value, key)
    if found:
        raise _secret_refused(found[0], user_config)


def check_repo_settings(data: Mapping[str, Any], *, user_config: str | Path | None = None
                        ) -> None:
    """`check_repo_value` for a whole settings document (`gi config edit`)."""
    found = config_keys.secret_paths(data)
    if found:
        raise _secret_refused(found[0], user_config)


def _secret_refused(secret: str, user_config: str | Path | None) -> ConfigError:
    var = env_var_for(secret)
    env_hint = f"the environment variable {var}" if var else "an environment variable"
    where = str(user_config) if user_config else "$XDG_CONFIG_HOME/issue-facade/config.yaml"
    return ConfigError(
        f"{secret} is a secret and is never stored in the repository settings "
        f"(they are committed); set {env_hint} or put it in the user config {where}"
    )


# --- dotted keys (get_dotted lives in config_keys: every write reads agent.type with it) -----


def set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted key, creating sections; refuses to turn a plain value into a section."""
    if any(not part for part in key.split(".")):
        raise ConfigError(f"invalid setting name {key!r}")
    node, rest = data, key
    while "." in rest and rest not in node:
        head, _, rest = rest.partition(".")
        node = node.setdefault(head, {})
        if not isinstance(node, dict):
            raise ConfigError(f"cannot set {key}: {head} is a value, not a section")
    node[rest] = value


def delete_dotted(data: dict[str, Any], key: str) -> bool:
    """Remove a dotted key (and sections left empty); True if something was removed. Finds
    what `get_dotted` finds, literal `"a.b"` keys included."""
    if key in data:
        del data[key]
        return True
    for i, char in enumerate(key):
        section = data.get(key[:i]) if char == "." else None
        if isinstance(section, dict) and delete_dotted(section, key[i + 1 :]):
            if not section:
                del data[key[:i]]
            return True
    return False


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested sections → `{"a.b": leaf}`; a list of mappings → `{"a[0].b": leaf}` (so a
    secret inside one is found and masked); lists of plain values and scalars are leaves."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        _flatten_into(flat, f"{prefix}{key}", value)
    return flat


def _flatten_into(flat: dict[str, Any], path: str, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _flatten_into(flat, f"{path}.{key}", inner)
    elif isinstance(value, list | tuple) and any(isinstance(v, Mapping | list | tuple)
                                                 for v in value):
        for i, inner in enumerate(value):
            _flatten_into(flat, f"{path}[{i}]", inner)
    else:
        flat[path] = value


def _text(value: Any) -> str | None:
    """Settings are reported as strings (`gi config --json`): YAML spellings for bools."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(t for t in map(_text, value) if t is not None)
    return str(value)


# --- layers --------------------------------------------------------------------------------


class Resolved:
    """Merged settings as dotted key → string, and for each key the layer it came from."""

    __slots__ = ("values", "sources")

    def __init__(self, values: dict[str, str] | None = None,
                 sources: dict[str, str] | None = None) -> None:
        self.values: dict[str, str] = values if values is not None else {}
        self.sources: dict[str, str] = sources if sources is not None else {}

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Resolved)
                and (self.values, self.sources) == (other.values, other.sources))

    def __repr__(self) -> str:
        return f"Resolved(values={self.values!r}, sources={self.sources!r})"

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def masked(self) -> dict[str, str]:
        """Values fit to print: secrets masked."""
        return {k: config_keys.mask(v) if config_keys.is_secret(k) else v
                for k, v in self.values.items()}


def layer(data: Mapping[str, Any], source: str) -> Resolved:
    """One settings dict as a layer; every value it holds is labelled `source`."""
    values = {k: t for k, v in flatten(data).items() if (t := _text(v)) is not None}
    return Resolved(values, dict.fromkeys(values, source))


def env_layer(env: Mapping[str, str]) -> Resolved:
    """The variables of ENV_KEYS that are set and non-empty, labelled `env:VAR`."""
    found = Resolved()
    for var, key in ENV_KEYS.items():
        if env.get(var) and key not in found.values:
            found.values[key] = env[var]
            found.sources[key] = f"env:{var}"
    return found


def merge(*layers: Resolved) -> Resolved:
    """Layers given highest precedence first; the first layer holding a key wins it. A list
    is one value: a layer that sets `a` (or `a[0].b`) replaces every `a[…]` below it."""
    merged = Resolved()
    for upper in reversed(layers):
        roots = {_list_root(key) for key in upper.values}
        for key in [k for k in merged.values if _list_root(k) in roots]:
            del merged.values[key], merged.sources[key]
        merged.values.update(upper.values)
        merged.sources.update(upper.sources)
    return merged


def _list_root(key: str) -> str:
    return key.split("[", 1)[0]


def resolve(
    flags: Mapping[str, Any],
    env: Mapping[str, str],
    repo_settings: Mapping[str, Any],
    user_config: Mapping[str, Any],
    detected: Mapping[str, Any],
    *,
    repo_source: str = "repo:config.yaml",
    user_source: str | None = None,
    detected_source: str = "remote:origin",
) -> Resolved:
    """SPEC §7 precedence. `flags` may hold None for options not given (argparse defaults)."""
    if user_source is None:
        try:
            user_source = f"user:{user_config_path(env)}"
        except RuntimeError:  # no HOME at all: the label is only informational
            user_source = "user-config"
    return merge(
        layer(flags, "flag"),
        env_layer(env),
        layer(repo_settings, repo_source),
        layer(user_config, user_source),
        layer(detected, detected_source),
    )
