"""Which module serves each platform, and how a bridge instance is opened (SPEC §8).

A new platform is one module with a class implementing `base.Platform` plus one line here.
"""

from __future__ import annotations

import importlib

from gitissues.bridge_target import token_key
from gitissues.config import env_var_for
from gitissues.errors import AuthError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    import httpx

    from gitissues.bridges.base import Platform
    from gitissues.bridges.etags import EtagCache

# platform → (module:class, how the token is sent); None: the class's `auth(token, target)`
# says, and the class takes the saved bridge as `settings` (Jira: by deployment, its tables)
PLATFORMS: dict[str, tuple[str, Callable[[str], dict[str, str]] | None]] = {
    "gitea": ("gitissues.bridges.gitea:Gitea", lambda t: {"Authorization": f"token {t}"}),
    "gitlab": ("gitissues.bridges.gitlab:GitLab", lambda t: {"PRIVATE-TOKEN": t}),
    "github": ("gitissues.bridges.github:GitHub", lambda t: {
        "Authorization": f"Bearer {t}", "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28"}),
    # a personal API key goes as it is; an OAuth token is given as `Bearer …` and so passes too
    "linear": ("gitissues.bridges.linear:Linear", lambda t: {"Authorization": t}),
    "jira": ("gitissues.bridges.jira:Jira", None),
}
# seconds kept between content-creating requests (GitHub asks for about one, or its secondary
# limits answer 403); GI_BRIDGE_PACE overrides it for every platform (0: no pause)
PACE = {"github": 1.0}
TIMEOUT = 30.0


def open_platform(name: str, target: dict[str, Any], *, token_env: str | None = None,
                  client: httpx.Client | None = None, say: Callable[[str], None] | None = None,
                  etags: EtagCache | None = None, settings: dict[str, Any] | None = None
                  ) -> Platform:
    """The platform object for bridge `name` at `target` (`bridge_target`'s answer). `client`
    is injected in tests; otherwise one is made with the token's header and a timeout.
    `etags` is the bridge's cache kept from earlier runs (conditional GETs, remembered notes);
    `settings` the saved bridge."""
    plat = str(target["platform"])
    if plat not in PLATFORMS:
        built = ", ".join(sorted(PLATFORMS))
        raise UsageError(f"bridge {name}: the {plat} bridge is not built yet (built: {built})")
    where, auth = PLATFORMS[plat]
    variable = token_env or env_var_for(token_key(plat)) or ""
    token = target.get("token")
    if not token:
        raise AuthError(f"bridge {name}: no token; set {variable}")
    module, _, cls = where.partition(":")
    kind = getattr(importlib.import_module(module), cls)
    if client is None:
        import httpx

        try:
            headers = auth(str(token)) if auth else kind.auth(str(token), target)
        except AuthError as exc:
            raise AuthError(f"bridge {name}: {exc.message}") from None
        client = httpx.Client(base_url=str(target["base_url"]), headers=headers,
                              timeout=TIMEOUT, follow_redirects=False)
    from gitissues.bridges.http import Http

    extra: dict[str, Any] = {"say": say} if say else {}
    if etags is not None:
        extra["etags"] = etags
    http = Http(client, bridge=name, token_env=variable, secrets=[str(token)],
                pace=pace_for(plat), **extra)
    if auth is None:
        given = {**(settings or {}), "deployment": target.get("deployment")}
        return kind(http, str(target["project"]), settings=given)
    return kind(http, str(target["project"]))


def pace_for(platform: str) -> float:
    """Seconds between POSTs for `platform`: `GI_BRIDGE_PACE` when set, else its default."""
    import os

    given = os.environ.get("GI_BRIDGE_PACE", "").strip()
    if not given:
        return PACE.get(platform, 0.0)
    try:
        pace = float(given)
    except ValueError:
        pace = -1.0
    if not 0 <= pace <= 60:
        raise UsageError(f"GI_BRIDGE_PACE is seconds between 0 and 60, not {given[:40]!r}")
    return pace
