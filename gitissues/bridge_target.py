"""Which instance, project and token one bridge talks to (SPEC §7, §8).

The one place that combines saved bridge settings, the layered configuration and the remote,
so every bridge resolves `GITEA_TOKEN=x gi bridge sync` the same way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from gitissues.config import ConfigError, Resolved, env_var_for
from gitissues.remote_url import RemoteInfo, api_root, normalize_platform

_DEFAULT_BASES = {
    "github": "https://api.github.com",
    "gitlab": "https://gitlab.com",
    "linear": "https://api.linear.app",
}
_URL_KEYS = {"github": ("github.api_url", "github.url")}
_TOKEN_KEYS = {"linear": "linear.api_key"}
_PROJECT_KEYS = {"linear": ("linear.team", "linear.project")}


def token_key(platform: str) -> str:
    """The setting that holds `platform`'s token (`gitea.token`, `linear.api_key`)."""
    return _TOKEN_KEYS.get(platform, f"{platform}.token")


def bridge_target(
    platform: str | None,
    resolved: Resolved,
    remote: RemoteInfo | None,
    *,
    bridge: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, str | None]:
    """`{platform, base_url, project, token}` (+ `email` for Jira) for one bridge.

    Each field: the saved bridge settings (`bridge`: platform/url/project/token_env, SPEC §8)
    > `resolved` (flags, env such as GITEA_URL/GITEA_OWNER/GITEA_REPO, repo and user settings)
    > the remote, used only when it is on the same platform > a platform default. For GitHub
    `base_url` is the API root. A `token_env` in the bridge settings names the variable that
    holds the token (read from `env`, default os.environ); the token may be None.
    """
    saved = bridge or {}
    name = platform or saved.get("platform") or resolved.get("platform")
    name = name or (remote.platform if remote is not None else None)
    if not name or name == "unknown":
        raise ConfigError(
            "cannot tell which platform to use: pass --platform or set `platform:` in the "
            "repository settings"
        )
    try:
        plat = normalize_platform(str(name))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    same = remote if remote is not None and remote.platform in (plat, "unknown") else None

    base = saved.get("url") or _first(resolved, _URL_KEYS.get(plat, (f"{plat}.url",)))
    if not base and same is not None:
        base = api_root(same) if plat == "github" else same.base_url
    base = base or _DEFAULT_BASES.get(plat)
    if not base:
        var = env_var_for(f"{plat}.url")
        raise ConfigError(f"no {plat} URL: pass --url" + (f" or set {var}" if var else ""))

    project = saved.get("project") or _project(plat, resolved, same)
    if not project:
        raise ConfigError(f"no {plat} project: pass --project or set {plat}.project")

    if saved.get("token_env"):
        token = (os.environ if env is None else env).get(str(saved["token_env"])) or None
    else:
        token = resolved.get(token_key(plat))
    target: dict[str, str | None] = {
        "platform": plat,
        "base_url": str(base).rstrip("/"),
        "project": str(project),
        "token": token,
    }
    if plat == "jira":
        target["email"] = resolved.get("jira.email")
        target["deployment"] = _deployment(saved.get("deployment"), target["base_url"],
                                           target["email"])
    return target


def _deployment(given: Any, base: str | None, email: str | None) -> str:
    """Jira's deployment (SPEC §8): as given, else `cloud` for an Atlassian-hosted site or
    when JIRA_EMAIL is set, else `datacenter`."""
    if given:
        if given not in ("cloud", "datacenter"):
            raise ConfigError(f"a Jira deployment is cloud or datacenter, not {given!r}")
        return str(given)
    from urllib.parse import urlsplit

    host = (urlsplit(str(base or "")).hostname or "").lower()
    return "cloud" if host.endswith(".atlassian.net") or email else "datacenter"


def _first(resolved: Resolved, keys: tuple[str, ...]) -> str | None:
    return next((resolved.values[k] for k in keys if resolved.values.get(k)), None)


def _project(plat: str, resolved: Resolved, remote: RemoteInfo | None) -> str | None:
    """An explicit project, else owner/repo from settings, each part falling back to the remote."""
    explicit = _first(resolved, _PROJECT_KEYS.get(plat, (f"{plat}.project",)))
    if explicit or plat in ("jira", "linear"):
        return explicit
    owner = resolved.get(f"{plat}.owner") or (remote.owner if remote is not None else None)
    repo = resolved.get(f"{plat}.repo") or (remote.repo if remote is not None else None)
    return f"{owner}/{repo}" if owner and repo else None
