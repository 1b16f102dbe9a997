"""`gi config set|unset|edit` (SPEC §7): every write of a settings file, checked first.

A value is checked against the known settings (`config_keys`); a secret is refused for the
repository settings, which are committed and shared, and only ever printed masked. An edit that
does not parse or holds a bad value is not saved, and the draft is kept so the work is not lost.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from gitissues import config, config_files, config_keys, settings
from gitissues.cli.output import emit_json, warn
from gitissues.errors import InvalidData, NotFound, UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any


# --- gi config set / unset -------------------------------------------------------------------


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


def set_value(args: argparse.Namespace, ctx: settings.Context) -> int:
    """`gi config set KEY VALUE [--user|--repo]`."""
    value = _checked(args.key, _parse_value(args.value), user=args.user)
    if args.user:
        data = ctx.user_config
        config.set_dotted(data, args.key, value)
        config_files.save_user_config(ctx.user_path, data)
        where = str(ctx.user_path)
    else:
        _refuse_secret(args.key, value, ctx)
        assert ctx.store is not None

        def put(data: dict) -> dict:  # on the settings as they are now (another may write)
            config.set_dotted(data, args.key, value)
            return data

        ctx.repo_settings = ctx.store.backend.update_settings(put, ctx.store.actor)
        where = ctx.repo_source.removeprefix("repo:")
        warn_leaked(ctx)
    shown = _printable(args.key, value)
    if args.json:
        emit_json({"key": args.key, "value": shown, "file": where})
    else:
        text = json.dumps(shown, ensure_ascii=False) if isinstance(shown, dict | list) else shown
        print(f"{args.key} = {text}  (saved in {where})")
    return 0


def unset(args: argparse.Namespace, ctx: settings.Context) -> int:
    """`gi config unset KEY [--user|--repo]`: the key and sections it leaves empty."""
    _refuse_read_only(args.key)
    where = str(ctx.user_path) if args.user else ctx.repo_source.removeprefix("repo:")
    removed: list[str] = []

    def drop(data: dict) -> dict:  # on the settings as they are now (another may write)
        value = config.get_dotted(data, args.key, _UNSET)
        if value is _UNSET or not config.delete_dotted(data, args.key):
            entry = config_keys.known(args.key)
            default = entry.default if entry is not None else None
            raise NotFound(f"{args.key} is not set in {where}"
                           + (f" (its default, {default}, applies)" if default else ""))
        removed[:] = sorted(config.flatten({args.key: value})) or [args.key]
        return data

    if args.user:
        config_files.save_user_config(ctx.user_path, drop(ctx.user_config))
    else:
        assert ctx.store is not None
        ctx.repo_settings = ctx.store.backend.update_settings(drop, ctx.store.actor)
        warn_leaked(ctx)
    if args.json:
        emit_json({"key": args.key, "file": where, "removed": removed})
    else:
        print(f"removed {', '.join(removed)}  (from {where})")
    return 0


_UNSET = object()


def warn_leaked(ctx: settings.Context) -> None:
    """Every read and write of the repository settings says so while a secret sits in them."""
    where = ctx.repo_source.removeprefix("repo:")
    for key in ctx.leaked:
        how = "gi config edit" if "[" in key else f"gi config unset {key}, or gi config edit"
        warn(f"{key} is a secret in the repository settings ({where}), which are committed "
             f"and shared: it is ignored; remove it ({how}) and rotate it")


# --- gi config edit ------------------------------------------------------------------------


_REPO_HEADER = ("# Issue Facade repository settings. They are committed and shared: never put\n"
                "# tokens here (use the environment or gi config set --user).\n")


def edit(args: argparse.Namespace, ctx: settings.Context) -> int:
    """`gi config edit [--user|--repo]`: the file in `$VISUAL`/`$EDITOR`, checked, saved."""
    import shutil
    import tempfile
    import time

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
            backup = config_files.backup_file(ctx.user_path, time.strftime("%Y%m%dT%H%M%S"))
            config_files.save_user_text(ctx.user_path, text)
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
    import shutil
    import subprocess

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    proc = subprocess.run(["sh", "-c", f'{editor} "$@"', editor, str(draft)])
    if proc.returncode != 0:
        shutil.rmtree(workdir, ignore_errors=True)
        raise UsageError(f"the editor ({editor}) exited with {proc.returncode}: nothing saved")


def _validated(draft: Path, label: str, ctx: settings.Context, *, user: bool) -> dict:
    """The edited settings, or an error naming the file (and line); the draft is kept so the
    edit is not lost. A secret for the repository is the user's to move (exit 2); anything
    else wrong is invalid data (exit 5)."""
    kept = f"nothing saved (your edit is kept in {draft})"
    try:
        data = config_files.load_yaml_file(draft)
    except config.ConfigError as exc:
        message = exc.message.replace(str(draft), label)
        raise InvalidData(f"{message}; {kept}", file=label,
                          **({"line": exc.line} if exc.line else {})) from None
    if not user:
        try:
            config.check_repo_settings(data, user_config=ctx.user_path)
        except config.ConfigError as exc:
            raise UsageError(f"{exc.message}; {kept}", file=label) from None
    try:
        if not user:
            assert ctx.store is not None
            if data.get("mode", ctx.store.mode) != ctx.store.mode:
                raise ValueError("the store mode is set by 'gi init --mode', not by editing")
        for key, value in config.flatten(data).items():
            config_keys.check(key, value, user=user)
    except ValueError as exc:
        raise InvalidData(f"{label}: {exc}; {kept}", file=label) from None
    return data
