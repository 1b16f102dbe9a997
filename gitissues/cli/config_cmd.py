"""`gi config detect|init|show|get|set|unset|edit` and `gi whoami` (SPEC §7).

Secrets are only ever written to the user config (mode 0600) and only ever printed masked:
these commands run in CI logs and agent transcripts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from gitissues import config, config_files, config_keys, settings
from gitissues.cli.output import emit_json, warn
from gitissues.errors import NotFound, UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

_SHOWN = ("platform", "base_url", "owner", "repo", "remote")


def cmd_config(args: argparse.Namespace) -> int:
    handler = {"detect": _detect, "init": _init, "show": _show, "get": _get, "set": _set,
               "unset": _unset, "edit": _edit}[args.action]
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
    where = ctx.repo_source.removeprefix("repo:")
    found = {key: f"a secret in the repository settings ({where}): remove it and rotate it"
             for key in ctx.leaked}
    for key in ctx.user_ignored:
        found[key] = (f"a repository setting, ignored in the user config ({ctx.user_path}): "
                      f"gi config set {key} VALUE")
        warn(f"{key} in the user config is ignored: it is a repository setting "
             f"(gi config set {key} VALUE)")
    _warn_leaked(ctx)
    return found


def _warn_leaked(ctx: settings.Context) -> None:
    where = ctx.repo_source.removeprefix("repo:")
    for key in ctx.leaked:
        how = "gi config edit" if "[" in key else f"gi config unset {key}, or gi config edit"
        warn(f"{key} is a secret in the repository settings ({where}), which are committed "
             f"and shared: it is ignored; remove it ({how}) and rotate it")


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


# --- writing -------------------------------------------------------------------------------


def _parse_value(text: str) -> Any:
    """Numbers, booleans and flow lists/maps as YAML; anything else stays the string typed."""
    from gitissues import yamlio
    from gitissues.errors import InvalidData

    try:
        value = yamlio.load_fast(text, "<value>")
    except InvalidData:
        return text
    if isinstance(value, bool | int | float) or (
            text.lstrip().startswith(("[", "{")) and isinstance(value, list | dict)):
        return value
    return text


def _checked(key: str, value: Any, *, user: bool) -> Any:
    """The value to save for `key`, or a usage error naming the key and the allowed form."""
    _refuse_read_only(key)
    try:
        return config_keys.check(key, value, user=user)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _refuse_read_only(key: str) -> None:
    entry = config_keys.known(key)
    if entry is not None and not entry.settable:
        raise UsageError(f"{key} is not changed with gi config: it is {entry.form}")


def _refuse_secret(key: str, value: Any, ctx: settings.Context) -> None:
    try:
        config.check_repo_value(key, value, user_config=ctx.user_path)
    except config.ConfigError as exc:
        raise UsageError(exc.message + " (gi config set --user KEY VALUE)") from None


def _printable(key: str, value: Any) -> Any:
    """`value` with every secret in it masked, wherever it sits."""
    return config_keys.masked_tree(value, config_keys.is_secret(key))


def _set(args: argparse.Namespace) -> int:
    ctx = _context(None, strict=False, need_repo=not args.user, strict_settings=not args.user,
                   with_remotes=False)
    value = _checked(args.key, _parse_value(args.value), user=args.user)
    if args.user:
        data = ctx.user_config
        config.set_dotted(data, args.key, value)
        config_files.save_user_config(ctx.user_path, data)
        where = str(ctx.user_path)
    else:
        _refuse_secret(args.key, value, ctx)
        assert ctx.store is not None
        data = config_keys.clone(ctx.store.backend.settings())
        config.set_dotted(data, args.key, value)
        ctx.store.backend.write_settings(data, ctx.store.actor)
        where = ctx.repo_source.removeprefix("repo:")
        ctx.repo_settings = data
        _warn_leaked(ctx)
    shown = _printable(args.key, value)
    if args.json:
        emit_json({"key": args.key, "value": shown, "file": where})
    else:
        text = json.dumps(shown, ensure_ascii=False) if isinstance(shown, dict | list) else shown
        print(f"{args.key} = {text}  (saved in {where})")
    return 0


def _unset(args: argparse.Namespace) -> int:
    ctx = _context(None, strict=False, need_repo=not args.user, strict_settings=not args.user,
                   with_remotes=False)
    _refuse_read_only(args.key)
    if args.user:
        data, where = ctx.user_config, str(ctx.user_path)
    else:
        assert ctx.store is not None
        data = config_keys.clone(ctx.store.backend.settings())
        where = ctx.repo_source.removeprefix("repo:")
    value = config.get_dotted(data, args.key, _UNSET)
    if value is _UNSET or not config.delete_dotted(data, args.key):
        entry = config_keys.known(args.key)
        default = entry.default if entry is not None else None
        raise NotFound(f"{args.key} is not set in {where}"
                       + (f" (its default, {default}, applies)" if default else ""))
    removed = sorted(config.flatten({args.key: value})) or [args.key]
    if args.user:
        config_files.save_user_config(ctx.user_path, data)
    else:
        assert ctx.store is not None
        ctx.store.backend.write_settings(data, ctx.store.actor)
        ctx.repo_settings = data
        _warn_leaked(ctx)
    if args.json:
        emit_json({"key": args.key, "file": where, "removed": removed})
    else:
        print(f"removed {', '.join(removed)}  (from {where})")
    return 0


_UNSET = object()


def _edit(args: argparse.Namespace) -> int:
    from gitissues.cli.config_edit import edit

    return edit(args, _context(None, strict=False, need_repo=not args.user,
                               strict_settings=False, with_remotes=False))


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
    data = dict(ctx.store.backend.settings())
    if any(data.get(k) != v for k, v in values.items()):
        ctx.store.backend.write_settings({**data, **values}, ctx.store.actor)
    if args.json:
        emit_json({**{k: v for k, v in found.items() if k != "warnings"}, "saved": values,
                   "file": where})
    else:
        print(f"saved to {where}")
    return 0
