"""`gi config detect|init|show|get|set|edit` and `gi whoami` (SPEC §7).

Secrets are only ever written to the user config (mode 0600) and only ever printed masked:
these commands run in CI logs and agent transcripts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gitissues import config, settings
from gitissues.cli.output import emit_json, warn
from gitissues.errors import InvalidData, NotFound, UsageError

_SHOWN = ("platform", "base_url", "owner", "repo", "remote")


def cmd_config(args: argparse.Namespace) -> int:
    handler = {"detect": _detect, "init": _init, "show": _show, "get": _get, "set": _set,
               "edit": _edit}[args.action]
    try:
        return handler(args)
    except config.ConfigError as exc:
        raise settings.gi_error(exc) from None


def cmd_whoami(args: argparse.Namespace) -> int:
    from gitissues import identity

    ctx = _context(None, strict=False, need_repo=False, strict_settings=False,
                   with_remotes=False)
    if ctx.settings_error is not None:
        warn(f"repository settings ignored: {ctx.settings_error.message}")
    agent, agent_source = identity.agent(ctx.paths, ctx.repo_settings)
    kind, kind_source = identity.agent_type(ctx.repo_settings)
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
    """Every setting (detected values included), secrets still in the clear."""
    found = settings.detect(ctx)
    merged = ctx.resolved()
    for key in settings.FIELDS:
        merged.values.pop(key, None)
        merged.sources.pop(key, None)
        if found[key]:
            merged.values[key] = found[key]
            merged.sources[key] = found["sources"][key]
    return merged


def _show(args: argparse.Namespace) -> int:
    ctx = _context(args.remote, strict=False, need_repo=False)
    merged = _effective(ctx)
    leaked = config.secret_keys_in(ctx.repo_settings)
    shown = merged.masked()
    if args.json:
        emit_json({"settings": dict(sorted(shown.items())),
                   "sources": dict(sorted(merged.sources.items())),
                   "files": {"repo": ctx.repo_source if ctx.store else None,
                             "user": str(ctx.user_path)}})
    else:
        width = max((len(k) for k in shown), default=0)
        for key in sorted(shown):
            print(f"{key:<{width}}  {shown[key]}  ({merged.sources[key]})")
        if not shown:
            print("no settings")
    for key in leaked:
        warn(f"{key} is a secret in the repository settings ({ctx.repo_source}); it is "
             "ignored: remove it and rotate it")
    return 0


def _get(args: argparse.Namespace) -> int:
    ctx = _context(args.remote, strict=False, need_repo=False)
    merged = _effective(ctx)
    if args.key not in merged.values:
        raise NotFound(f"no setting {args.key!r}")
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

    try:
        value = yamlio.load_fast(text, "<value>")
    except InvalidData:
        return text
    if isinstance(value, bool | int | float) or (
            text.lstrip().startswith(("[", "{")) and isinstance(value, list | dict)):
        return value
    return text


def _check_value(key: str, value: Any) -> Any:
    """Settings that other commands depend on are checked before they are saved."""
    from gitissues import ids
    from gitissues.remote_url import normalize_platform

    if key == "mode":
        raise UsageError("the store mode is set by 'gi init --mode branch|tree', not gi config")
    if key == "prefix":
        ids.check_prefix(str(value))
    if key == "platform" or key.endswith(".platform"):
        try:
            return normalize_platform(str(value))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return value


def _refuse_secret(key: str, value: Any, ctx: settings.Context) -> None:
    try:
        config.check_repo_value(key, value, user_config=ctx.user_path)
    except config.ConfigError as exc:
        raise UsageError(exc.message + " (gi config set --user KEY VALUE)") from None


def _set(args: argparse.Namespace) -> int:
    ctx = _context(None, strict=False, need_repo=not args.user, strict_settings=not args.user,
                   with_remotes=False)
    value = _check_value(args.key, _parse_value(args.value))
    if args.user:
        data = dict(ctx.user_config)
        config.set_dotted(data, args.key, value)
        config.save_user_config(ctx.user_path, data)
        where = str(ctx.user_path)
    else:
        _refuse_secret(args.key, value, ctx)
        assert ctx.store is not None
        data = dict(ctx.store.backend.settings())
        config.set_dotted(data, args.key, value)
        ctx.store.backend.write_settings(data, ctx.store.actor)
        where = ctx.repo_source.removeprefix("repo:")
    shown = config.mask(str(value)) if config.is_secret(args.key) else value
    if args.json:
        emit_json({"key": args.key, "value": shown, "file": where})
    else:
        print(f"{args.key} = {shown}  (saved in {where})")
    return 0


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


def _edit(args: argparse.Namespace) -> int:
    ctx = _context(None, strict=False, need_repo=not args.user, strict_settings=False,
                   with_remotes=False)
    if args.user:
        label = str(ctx.user_path)
        try:
            original = ctx.user_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            original = ""
    else:
        label = ctx.repo_source.removeprefix("repo:")
        original = _repo_text(ctx) or _REPO_HEADER
    workdir = Path(tempfile.mkdtemp(prefix="gi-config-"))  # mode 0700: may hold secrets
    draft = workdir / "config.yaml"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(original)
    _run_editor(draft, workdir)
    text = draft.read_text(encoding="utf-8")
    backup = None
    if text != original:
        data = _validated(draft, label, ctx, user=args.user)
        if args.user:
            backup = config.backup_file(ctx.user_path, time.strftime("%Y%m%dT%H%M%S"))
            config.save_user_text(ctx.user_path, text)
        else:
            assert ctx.store is not None
            ctx.store.backend.write_settings(data, ctx.store.actor)
    shutil.rmtree(workdir, ignore_errors=True)
    result = {"file": label, "changed": text != original,
              "backup": str(backup) if backup else None}
    if args.json:
        emit_json(result)
    elif result["changed"]:
        print(f"saved {label}" + (f" (previous version kept as {backup})" if backup else ""))
    else:
        print("no changes")
    return 0


_REPO_HEADER = ("# Issue Facade repository settings. They are committed and shared: never put\n"
                "# tokens here (use the environment or gi config set --user).\n")


def _repo_text(ctx: settings.Context) -> str:
    """The repository settings file as written (even when it does not parse)."""
    from gitissues import git

    assert ctx.store is not None
    if ctx.store.mode == "tree":
        try:
            return (ctx.store.paths.worktree / ".issue-facade" / "config.yaml").read_text(
                encoding="utf-8")
        except FileNotFoundError:
            return ""
    proc = git.run(ctx.store.paths, "show", "refs/heads/issue-facade:config.yaml", check=False)
    return proc.stdout if proc.returncode == 0 else ""


def _run_editor(draft: Path, workdir: Path) -> None:
    """`$VISUAL`, else `$EDITOR`, else vi, run through the shell as git does (so
    `EDITOR="code --wait"` works)."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    proc = subprocess.run(["sh", "-c", f'{editor} "$@"', editor, str(draft)])
    if proc.returncode != 0:
        shutil.rmtree(workdir, ignore_errors=True)
        raise UsageError(f"the editor ({editor}) exited with {proc.returncode}: nothing saved")


def _validated(draft: Path, label: str, ctx: settings.Context, *, user: bool) -> dict:
    """The edited settings, or InvalidData naming the file and line; the draft is kept so
    the edit is not lost."""
    try:
        data = config.load_yaml_file(draft)
        flat = config.flatten(data)
        if not user:
            for key in config.secret_keys_in(data):
                config.check_repo_value(key, flat[key], user_config=ctx.user_path)
            assert ctx.store is not None
            if data.get("mode", ctx.store.mode) != ctx.store.mode:
                raise UsageError("the store mode is set by 'gi init --mode', not by editing")
        for key, value in flat.items():
            if key != "mode":
                _check_value(key, value)
    except (config.ConfigError, UsageError) as exc:
        message = exc.message.replace(str(draft), label)
        raise InvalidData(f"{message}; nothing saved (your edit is kept in {draft})",
                          file=label) from None
    return data
