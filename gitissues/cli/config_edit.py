"""`gi config edit [--user|--repo]`: the settings file in `$VISUAL`/`$EDITOR`, checked before
it is saved (SPEC §7).

An edit that does not parse or holds a bad value is not saved, and the draft is kept so the work
is not lost; a secret is refused for the repository settings, which are committed and shared.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from gitissues import config, config_files, config_keys, settings
from gitissues.cli.output import emit_json
from gitissues.errors import InvalidData, UsageError

_REPO_HEADER = ("# Issue Facade repository settings. They are committed and shared: never put\n"
                "# tokens here (use the environment or gi config set --user).\n")


def edit(args: argparse.Namespace, ctx: settings.Context) -> int:
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
