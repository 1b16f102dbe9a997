"""`gi config detect|init|show|get|set|unset|edit` and `gi whoami` (SPEC §7).

Secrets are only ever written to the user config (mode 0600) and only ever printed masked:
these commands run in CI logs and agent transcripts.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from gitissues import config, config_files, config_keys, settings
from gitissues.cli.output import emit_json, warn
from gitissues.errors import NotFound, UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_SHOWN = ("platform", "base_url", "owner", "repo", "remote")


def cmd_config(args: argparse.Namespace) -> int:
    handler = {"detect": _detect, "init": _init, "show": _show, "get": _get,
               "set": _writer("set_value"), "unset": _writer("unset"),
               "edit": _writer("edit")}[args.action]
    try:
        return handler(args)
    except config.ConfigError as exc:
        raise settings.gi_error(exc) from None


def cmd_whoami(args: argparse.Namespace) -> int:
    from gitissues import git, identity

    try:
        paths = git.find_repo(".")
    except UsageError:
        paths = None
    repo = settings.repo_settings_reader(
        paths, lambda exc: warn(f"repository settings ignored: {exc.message}"))
    agent, agent_source = identity.agent(paths, repo)
    kind, kind_source = identity.agent_type(repo)
    if not (agent_source.startswith("env:") and (kind_source or "").startswith("env:")):
        try:  # identity skips a broken user config; say so here
            config_files.load_user_config(os.environ)
        except config.ConfigError as exc:
            warn(f"user config ignored: {exc.message}")
    if args.json:
        emit_json({"agent": agent, "agent_source": agent_source, "agent_type": kind,
                   "agent_type_source": kind_source})
    else:
        print(f"{agent}  (from {agent_source})")
        if kind:
            print(f"type: {kind}  (from {kind_source})")
    return 0


# --- reading -------------------------------------------------------------------------------


def _context(remote: str | None, *, strict: bool = True, need_repo: bool = True,
             strict_settings: bool = True, with_remotes: bool = True) -> settings.Context:
    try:
        ctx = settings.load(remote=remote, strict_remote=strict,
                            strict_settings=strict_settings, with_remotes=with_remotes)
    except config.ConfigError as exc:
        raise settings.gi_error(exc) from None
    if need_repo and ctx.store is None:
        raise UsageError(f"not a git repository: {Path.cwd()}")
    return ctx


def _print_detected(found: dict[str, Any]) -> None:
    for key in _SHOWN:
        value = found.get(key)
        where = found["sources"].get(key)
        print(f"{key + ':':<10} {value if value else '-'}" + (f"  ({where})" if where else ""))
    if "token" in found["sources"]:
        print(f"{'token:':<10} set  ({found['sources']['token']})")
    for message in found["warnings"]:
        warn(message)


def _detect(args: argparse.Namespace) -> int:
    ctx = _context(args.remote)
    found = settings.detect(ctx)
    if args.json:
        emit_json({k: v for k, v in found.items() if k != "warnings"})
        for message in found["warnings"]:
            warn(message)
    else:
        if ctx.remote is None and not ctx.remote_error:
            warn("no git remote: nothing to detect from the remote")
        _print_detected(found)
    return 0


def _effective(ctx: settings.Context) -> config.Resolved:
    """Every setting (detected values and defaults included), secrets still in the clear."""
    found = settings.detect(ctx)
    merged = ctx.resolved()
    for key in settings.FIELDS:
        merged.values.pop(key, None)
        merged.sources.pop(key, None)
        if found[key]:
            merged.values[key] = found[key]
            merged.sources[key] = found["sources"][key]
    defaults = config_keys.defaults(ctx.store.mode if ctx.store else None)
    return config.merge(merged, config.layer(defaults, "default"))


def _ignored(ctx: settings.Context) -> dict[str, str]:
    """Settings present in a file but never used, and why; each is also warned about."""
    from gitissues.cli.config_write import warn_leaked

    where = ctx.repo_source.removeprefix("repo:")
    found = {key: f"a secret in the repository settings ({where}): remove it and rotate it"
             for key in ctx.leaked}
    for key in ctx.user_ignored:
        found[key] = (f"a repository setting, ignored in the user config ({ctx.user_path}): "
                      f"gi config set {key} VALUE")
        warn(f"{key} in the user config is ignored: it is a repository setting "
             f"(gi config set {key} VALUE)")
    warn_leaked(ctx)
    _warn_invalid(ctx)
    return found


def _warn_invalid(ctx: settings.Context) -> None:
    """A hand-edited or pulled value that `gi config set` would refuse (a `claims.remote`
    that git would read as an option): shown as it is, and said to be wrong."""
    files = ((ctx.repo_source.removeprefix("repo:"), ctx.repo_public),
             (str(ctx.user_path), ctx.user_effective))
    for where, data in files:
        for key, value in config.flatten(data).items():
            try:
                config_keys.check(key, value)
            except ValueError as exc:
                warn(f"{where}: {exc}; fix it (gi config set {key} VALUE, or gi config edit)")


def _show(args: argparse.Namespace) -> int:
    ctx = _context(args.remote, strict=False, need_repo=False)
    merged = _effective(ctx)
    shown = merged.masked()
    ignored = _ignored(ctx)
    if args.json:
        emit_json({"settings": dict(sorted(shown.items())),
                   "sources": dict(sorted(merged.sources.items())),
                   "files": {"repo": ctx.repo_source if ctx.store else None,
                             "user": str(ctx.user_path)},
                   "ignored": dict(sorted(ignored.items()))})
    else:
        width = max((len(k) for k in shown), default=0)
        for key in sorted(shown):
            print(f"{key:<{width}}  {shown[key]}  ({merged.sources[key]})")
        if not shown:
            print("no settings")
    return 0


def _get(args: argparse.Namespace) -> int:
    ctx = _context(args.remote, strict=False, need_repo=False)
    merged = _effective(ctx)
    ignored = _ignored(ctx)
    if args.key not in merged.values:
        why = f": {args.key} is {ignored[args.key]}" if args.key in ignored else ""
        raise NotFound(f"no setting {args.key!r}{why}")
    value = merged.masked()[args.key]
    if args.json:
        emit_json({"key": args.key, "value": value, "source": merged.sources[args.key]})
    else:
        print(value)
    return 0


# --- writing: gi config set|unset|edit (config_write) ------------------------------------


def _writer(name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from gitissues.cli import config_write

        need_repo = not args.user
        ctx = _context(None, strict=False, need_repo=need_repo,
                       strict_settings=need_repo and name != "edit", with_remotes=False)
        return getattr(config_write, name)(args, ctx)

    return run


def _init(args: argparse.Namespace) -> int:
    ctx = _context(args.remote)
    found = settings.detect(ctx, {"platform": args.platform})
    values = {k: found[k] for k in settings.FIELDS if found[k]}
    if not values.get("platform"):
        raise UsageError("cannot tell the platform"
                         + (f" of remote {ctx.remote}" if ctx.remote else " (no git remote)")
                         + ": pass --platform gitea|github|gitlab|jira|linear")
    assert ctx.store is not None
    where = ctx.repo_source.removeprefix("repo:")
    if not args.json:
        _print_detected(found)
    if not args.yes:
        sys.stderr.write(f"Save these to the repository settings ({where})? [y/N] ")
        sys.stderr.flush()
        answer = sys.stdin.readline() if sys.stdin is not None else ""
        if not answer:
            sys.stderr.write("\n")
            raise UsageError("no answer on stdin: nothing saved; use --yes to save without "
                             "asking")
        if answer.strip().lower() not in ("y", "yes"):
            raise UsageError("not confirmed: nothing saved")
    ctx.store.backend.update_settings(lambda data: {**data, **values}, ctx.store.actor)
    if args.json:
        emit_json({**{k: v for k, v in found.items() if k != "warnings"}, "saved": values,
                   "file": where})
    else:
        print(f"saved to {where}")
    return 0
