"""The configuration layers of one repository, gathered (SPEC §7): which git remote, the
repository settings (through the store), the user config, the environment, and what they add up
to for `gi config` and for the bridges.

`config`, `config_keys`, `remote_url` and `bridge_target` are pure functions over explicit
inputs; this module is the only place that reads git, the store and `os.environ` for them, so the
CLI and every bridge resolve the same way (`GITEA_TOKEN=x gi bridge sync` in a clone with a Gitea
remote).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from gitissues import config, config_files, config_keys, git
from gitissues.errors import GiError, InvalidData, UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from gitissues.remote_url import RemoteInfo
    from gitissues.store import Store

FIELDS = ("platform", "base_url", "owner", "repo")
_RANKS = (("flag", 0), ("env:", 1), ("repo:", 2), ("user", 3), ("remote:", 4))


def gi_error(exc: config.ConfigError) -> GiError:
    """A file at fault is invalid data (exit 5); anything else is the caller's to fix (2)."""
    if exc.path is not None:
        return InvalidData(exc.message, file=exc.path, **({"line": exc.line} if exc.line else {}))
    return UsageError(exc.message)


# --- remotes -------------------------------------------------------------------------------


def list_remotes(paths: git.RepoPaths) -> dict[str, str]:
    """Remote name → fetch URL, as git reports it (`insteadOf` rewrites applied)."""
    proc = git.run(paths, "remote", "-v", check=False)
    remotes: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        name, _, rest = line.partition("\t")
        url, _, kind = rest.rpartition(" ")
        if name and url and kind == "(fetch)":
            remotes.setdefault(name, url)
    return remotes


def choose_remote(remotes: Mapping[str, str], wanted: str | None = None) -> tuple[str, str] | None:
    """(name, why): `wanted`, else `origin`, else the only remote; None when there is none."""
    if wanted:
        if wanted not in remotes:
            known = ", ".join(sorted(remotes)) or "none"
            raise UsageError(f"no git remote named {wanted!r} (remotes: {known})")
        return wanted, "flag"
    if "origin" in remotes:
        return "origin", "default"
    if len(remotes) == 1:
        return next(iter(remotes)), "only remote"
    if not remotes:
        return None
    raise UsageError(f"several git remotes and none is origin: {', '.join(sorted(remotes))}; "
                     "choose one with --remote NAME", remotes=sorted(remotes))


# --- the layers of one repository ----------------------------------------------------------


class Context:
    """Everything `gi config` reads, loaded once per command. (A plain class: dataclasses
    costs ~10 ms to import, and `gi whoami` imports this module.)"""

    def __init__(self, env: Mapping[str, str], user_path: Path, user_config: dict) -> None:
        self.env = env
        self.user_path = user_path
        self.user_config = user_config
        self.paths: git.RepoPaths | None = None
        self.store: Store | None = None
        self.repo_settings: dict = {}  # as stored, secrets included
        self.repo_source = "repo:config.yaml"
        self.remotes: dict[str, str] = {}
        self.remote: str | None = None
        self.remote_why: str | None = None
        self.remote_error: UsageError | None = None  # several remotes, none chosen
        self.settings_error: InvalidData | None = None  # repository settings that do not parse

    @property
    def repo_public(self) -> dict:
        """The repository settings without secret keys at any depth: a secret that was
        hand-edited or pulled in is never used."""
        return config_keys.without_secrets(self.repo_settings)

    @property
    def leaked(self) -> list[str]:
        """Secrets in the repository settings (ignored; they must be removed and rotated)."""
        return config_keys.secret_paths(self.repo_settings)

    @property
    def user_effective(self) -> dict:
        """The user config without repository-only settings (`claims.ttl`, `prefix`, …):
        the store reads those from the repository settings alone."""
        data = config_keys.clone(self.user_config)
        for key in self.user_ignored:
            config.delete_dotted(data, key)
        return data

    @property
    def user_ignored(self) -> list[str]:
        return [key for key in config.flatten(self.user_config)
                if (entry := config_keys.known(key)) is not None and entry.repo_only]

    @property
    def user_source(self) -> str:
        return f"user:{self.user_path}"

    def resolved(self, flags: Mapping[str, Any] | None = None,
                 detected: Mapping[str, Any] | None = None) -> config.Resolved:
        return config.resolve(flags or {}, self.env, self.repo_public, self.user_effective,
                              detected or {}, repo_source=self.repo_source,
                              user_source=self.user_source,
                              detected_source=f"remote:{self.remote}")


def repo_settings_reader(paths: git.RepoPaths | None,
                         on_error: Callable[[InvalidData], None]) -> Callable[[], dict]:
    """A function that reads the repository settings (secrets left out) on its first call
    only: `gi whoami` with `GI_AGENT` and `GI_AGENT_TYPE` set never opens the store. Settings
    that do not parse count as none, after `on_error` has been told."""
    loaded: list[dict] = []

    def read() -> dict:
        if not loaded:
            data: dict = {}
            if paths is not None:
                from gitissues.store import Store

                try:
                    data = config_keys.without_secrets(Store(paths).backend.settings())
                except InvalidData as exc:
                    on_error(exc)
            loaded.append(data)
        return loaded[0]

    return read


def repo_source(store: Store) -> str:
    return ("repo:.issue-facade/config.yaml" if store.mode == "tree"
            else "repo:issue-facade:config.yaml")


def load(start: str | os.PathLike[str] = ".", *, remote: str | None = None,
         env: Mapping[str, str] | None = None, store: Store | None = None,
         strict_remote: bool = True, strict_settings: bool = True,
         with_remotes: bool = True) -> Context:
    """Gather the layers. Outside a git repository only the environment and the user config
    count. With several remotes and none chosen, `strict_remote` raises the usage error;
    otherwise it is kept in `remote_error` and the remote layer is left out. Likewise
    `strict_settings` for repository settings that do not parse (`gi whoami` and
    `gi config edit` must still work then: the latter is how they get fixed)."""
    env = os.environ if env is None else env
    try:
        user_path, user_data = config_files.load_user_config(env)
    except config.ConfigError as exc:
        raise gi_error(exc) from None
    ctx = Context(env=env, user_path=user_path, user_config=user_data)
    if store is None:
        try:
            paths = git.find_repo(start)
        except UsageError:
            if remote:
                raise
            return ctx
        from gitissues.store import Store

        store = Store(paths)
    ctx.store, ctx.paths = store, store.paths
    try:
        ctx.repo_settings = store.backend.settings()
    except InvalidData as exc:
        if strict_settings:
            raise
        ctx.settings_error = exc
    ctx.repo_source = repo_source(store)
    if not with_remotes:  # `gi whoami`, `gi config set`: no need to run git
        return ctx
    ctx.remotes = list_remotes(store.paths)
    try:
        chosen = choose_remote(ctx.remotes, remote)
    except UsageError as exc:
        if strict_remote or remote:
            raise
        ctx.remote_error = exc
        chosen = None
    if chosen:
        ctx.remote, ctx.remote_why = chosen
    return ctx


# --- what it all adds up to ----------------------------------------------------------------


def _rank(source: str) -> int:
    return next((rank for prefix, rank in _RANKS if source.startswith(prefix)), 9)


def _platform(value: str, source: str) -> str:
    from gitissues.remote_url import normalize_platform

    try:
        return normalize_platform(value)
    except ValueError as exc:
        if source == "flag":
            raise UsageError(str(exc)) from None
        raise InvalidData(f"{source}: {exc}") from None


def detect(ctx: Context, flags: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`{platform, base_url, owner, repo, remote, sources}` (SPEC §7), plus `warnings`: every
    layer above the remote first, then the remote's URL for what they leave open."""
    from gitissues.remote_url import parse_remote_url

    flags = {k: v for k, v in (flags or {}).items() if v not in (None, "")}
    upper = ctx.resolved(flags)
    hint, hint_source = upper.get("platform"), upper.sources.get("platform", "")
    plat = _platform(hint, hint_source) if hint else None
    info, warnings = None, []
    url = ctx.remotes.get(ctx.remote or "")
    if url:
        try:
            info = parse_remote_url(url, plat)
        except ValueError as exc:
            warnings.append(f"remote {ctx.remote}: {exc}")
    elif ctx.remote_error is not None:
        warnings.append(ctx.remote_error.message)
    sources: dict[str, str] = {}
    if plat:
        sources["platform"] = hint_source
    elif info is not None and info.platform != "unknown":
        plat, sources["platform"] = info.platform, f"remote:{ctx.remote}"
    else:
        plat = _implied_platform(upper, sources)
    same = info is not None and info.platform in (plat, "unknown")
    merged = ctx.resolved(flags, info.as_dict() if same and info is not None else None)
    values: dict[str, Any] = {"platform": plat}
    for name in FIELDS[1:]:
        keys = [name]
        if plat and (name != "base_url" or plat != "github"):
            keys.insert(0, f"{plat}.{'url' if name == 'base_url' else name}")
        present = [k for k in keys if merged.values.get(k)]
        best = min(present, key=lambda k: _rank(merged.sources[k]), default=None)
        values[name] = merged.values[best].rstrip("/") if best else None
        if best:
            sources[name] = merged.sources[best]
    if plat:
        token_key = "linear.api_key" if plat == "linear" else f"{plat}.token"
        if token_key in merged.sources:
            sources["token"] = merged.sources[token_key]  # where, never the value
    if ctx.remote:
        sources["remote"] = ctx.remote_why or "default"
    return {**values, "remote": ctx.remote, "sources": sources, "warnings": warnings}


def _implied_platform(upper: config.Resolved, sources: dict[str, str]) -> str | None:
    """With no remote to go by, the one platform whose URL/owner/repo/project is configured
    (the older `GITEA_URL`+`GITEA_OWNER`+`GITEA_REPO` setups). Tokens alone say nothing:
    `GITHUB_TOKEN` is set in every CI."""
    from gitissues.remote_url import PLATFORMS

    found = {}
    for plat in PLATFORMS:
        for key in ("url", "owner", "repo", "project", "team"):
            if upper.values.get(f"{plat}.{key}"):
                found.setdefault(plat, upper.sources[f"{plat}.{key}"])
    if len(found) != 1:
        return None
    plat, source = next(iter(found.items()))
    sources["platform"] = source
    return plat


def remote_info(detected: Mapping[str, Any]) -> RemoteInfo | None:
    """The detected values as a RemoteInfo, for `bridge_target` (layers already applied)."""
    from urllib.parse import urlsplit

    from gitissues.remote_url import RemoteInfo

    if not detected.get("platform") or not detected.get("base_url"):
        return None
    parts = urlsplit(str(detected["base_url"]))
    return RemoteInfo(str(detected["platform"]), str(detected["base_url"]),
                      str(detected.get("owner") or ""), str(detected.get("repo") or ""),
                      (parts.hostname or "").lower(), parts.port)


def resolve_bridge_target(store_or_paths: Store | git.RepoPaths | str | os.PathLike[str],
                          platform: str | None = None,
                          flags: Mapping[str, Any] | None = None, *,
                          bridge: Mapping[str, Any] | None = None,
                          env: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """`{platform, base_url, project, token}` (+ `email` for Jira) for one bridge (SPEC §8).

    `flags`: command-line values (`url`, `project`, `token_env`, `remote`), which beat `bridge`
    (the saved settings of a named bridge), which beat the environment, repository settings,
    user config and finally the remote. Raises UsageError saying what is missing.
    """
    from gitissues.bridge_target import bridge_target

    flags = {k: v for k, v in (flags or {}).items() if v not in (None, "")}
    store: Store | None = None
    start: Any = "."
    if hasattr(store_or_paths, "backend"):
        store = store_or_paths  # type: ignore[assignment]
    elif isinstance(store_or_paths, git.RepoPaths):
        start = store_or_paths.worktree
    else:
        start = store_or_paths
    ctx = load(start, remote=flags.get("remote"), env=env, store=store, strict_remote=False)
    saved = {**(bridge or {}), **{k: flags[k] for k in ("url", "project", "token_env",
                                                        "deployment") if k in flags}}
    wanted = platform or saved.get("platform")
    detected = detect(ctx, {"platform": wanted} if wanted else None)
    try:
        return bridge_target(wanted, ctx.resolved(), remote_info(detected), bridge=saved,
                             env=ctx.env)
    except config.ConfigError as exc:
        if ctx.remote_error is not None:
            raise ctx.remote_error from None
        raise gi_error(exc) from None
