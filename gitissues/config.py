"""Layered configuration (SPEC §7): flags > environment > repository settings > user config >
what the remote implies.

Every function takes its inputs explicitly (an env mapping, already-loaded dicts) so each layer
and the merge can be tested without the real home directory or environment. Secrets come only
from the environment or the user file (mode 0600) and are refused for the repository settings.
ruamel is imported inside the functions that read or write YAML: the CLI's read path imports
this module and must start fast.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 1 << 20

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

SECRET_SUFFIXES = ("token", "api_key", "apikey", "password", "passwd", "secret", "private_key")


class ConfigError(Exception):
    """A configuration problem the user must fix; `path` and `line` point at it when known."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line


# --- secrets -------------------------------------------------------------------------------


def is_secret(key: str) -> bool:
    """A key whose last segment names a credential (`gitea.token`, `linear.api_key`, …)."""
    return key.rsplit(".", 1)[-1].lower().endswith(SECRET_SUFFIXES)


SECRET_KEYS = frozenset(key for key in ENV_KEYS.values() if is_secret(key))


def mask(value: str) -> str:
    """Enough of a secret to tell two apart, never enough to use: short ones show nothing."""
    if not value:
        return ""
    if len(value) < 12:
        return "****"
    return f"{value[:2]}…{value[-2:]}"


def env_var_for(key: str) -> str | None:
    """The preferred environment variable that sets `key`, if any."""
    return next((var for var, k in ENV_KEYS.items() if k == key), None)


def secret_keys_in(data: Mapping[str, Any]) -> list[str]:
    """Secret keys present in a settings dict (to warn about a hand-edited repository file)."""
    return [key for key in flatten(data) if is_secret(key)]


def check_repo_value(key: str, value: Any, *, user_config: str | Path | None = None) -> None:
    """Refuse to put a secret into the repository settings, saying where it belongs instead."""
    keys = [f"{key}.{sub}" for sub in flatten(value)] if isinstance(value, Mapping) else [key]
    secret = next((k for k in keys if is_secret(k)), None)
    if secret is None:
        return
    var = env_var_for(secret)
    env_hint = f"the environment variable {var}" if var else "an environment variable"
    where = str(user_config) if user_config else "$XDG_CONFIG_HOME/issue-facade/config.yaml"
    raise ConfigError(
        f"{secret} is a secret and is never stored in the repository settings "
        f"(they are committed); set {env_hint} or put it in the user config {where}"
    )


# --- dotted keys ---------------------------------------------------------------------------

_MISSING = object()


def get_dotted(data: Any, key: str, default: Any = None) -> Any:
    """`get_dotted(d, "a.b")` is `d["a"]["b"]`; a literal `"a.b"` key is honoured too."""
    if not isinstance(data, Mapping):
        return default
    if key in data:
        return data[key]
    for i, char in enumerate(key):
        if char == "." and isinstance(data.get(key[:i]), Mapping):
            found = get_dotted(data[key[:i]], key[i + 1 :], _MISSING)
            if found is not _MISSING:
                return found
    return default


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
    """Remove a dotted key (and sections left empty); True if something was removed."""
    if key in data:
        del data[key]
        return True
    head, dot, rest = key.partition(".")
    section = data.get(head)
    if not dot or not isinstance(section, dict) or not delete_dotted(section, rest):
        return False
    if not section:
        del data[head]
    return True


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested sections → `{"a.b": leaf}`; lists and scalars are leaves."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


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


@dataclass
class Resolved:
    """Merged settings as dotted key → string, and for each key the layer it came from."""

    values: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def masked(self) -> dict[str, str]:
        """Values fit to print: secrets masked."""
        return {k: mask(v) if is_secret(k) else v for k, v in self.values.items()}


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
    """Layers given highest precedence first; the first layer holding a key wins it."""
    merged = Resolved()
    for lower in reversed(layers):
        merged.values.update(lower.values)
        merged.sources.update(lower.sources)
    return merged


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


# --- the user config file ------------------------------------------------------------------


def user_config_path(env: Mapping[str, str]) -> Path:
    """`$XDG_CONFIG_HOME/issue-facade/config.yaml`, else under `$HOME/.config` (XDG spec:
    a relative XDG_CONFIG_HOME is ignored)."""
    xdg = env.get("XDG_CONFIG_HOME", "")
    if xdg and os.path.isabs(xdg):
        base = Path(xdg)
    else:
        home = env.get("HOME")
        base = (Path(home) if home else Path.home()) / ".config"
    return base / "issue-facade" / "config.yaml"


def load_yaml_file(path: str | Path) -> dict[str, Any]:
    """A settings file as a dict: missing → `{}`; unreadable or malformed → ConfigError naming
    the file (and line)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read settings: {exc}", path=path) from exc
    if len(text) > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_FILE_BYTES} bytes", path=path)
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f"{path}:{line}" if line else str(path)
        raise ConfigError(f"{where}: YAML does not parse: {problem}", path=path, line=line) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        message = f"{path}:1: expected a mapping of settings, found a {kind}"
        raise ConfigError(message, path=path, line=1)
    from gitissues.yamlio import uses_anchors

    if uses_anchors(text):  # flattening shared nodes can blow up
        raise ConfigError(f"{path}: YAML anchors and aliases are not allowed", path=path)
    return data


def save_user_config(path: str | Path, data: Mapping[str, Any]) -> None:
    """Write atomically (tmp + rename) with mode 0600, whatever mode an old file had; a
    symlinked config (dotfile managers) is written through to its target."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")
    yaml.default_flow_style = False
    buffer = io.StringIO()
    yaml.dump(dict(data), buffer)
    save_user_text(path, buffer.getvalue())


def save_user_text(path: str | Path, text: str) -> None:
    """`save_user_config` for text the user wrote (`gi config edit`): comments survive."""
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"{path}: cannot write user config: {exc}", path=path) from exc


def backup_file(path: str | Path, stamp: str) -> Path | None:
    """Copy `path` to `<path>.bak-<stamp>` (mode 0600: it may hold secrets) before it is
    replaced; None when there is nothing to keep. A second backup in the same second gets
    a counter rather than overwriting the first."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}", path=path) from exc
    for n in range(1000):
        backup = path.with_name(f"{path.name}.bak-{stamp}" + (f"-{n}" if n else ""))
        try:
            fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        except OSError as exc:
            raise ConfigError(f"{backup}: cannot write a backup: {exc}", path=path) from exc
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return backup
    raise ConfigError(f"{path}: too many backups for {stamp}", path=path)


def __getattr__(name: str) -> Any:
    """`config.bridge_target` lives in its own module, imported only when a bridge needs it."""
    if name == "bridge_target":
        from gitissues.bridge_target import bridge_target

        return bridge_target
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
