"""Helpers for the tests of `gi hooks` (SPEC §9): git commands run as a user types them, with
only /usr/bin:/bin on PATH (git runs the hooks, and they must find gi by its absolute path),
and a user's own hook that logs each run."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from tests.conftest import Sandbox

MINIMAL = {"PATH": "/usr/bin:/bin", "GIT_AUTHOR_NAME": "Ada", "GIT_AUTHOR_EMAIL": "ada@x.invalid",
           "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@x.invalid"}
# logs its name, its arguments and what git gave it on stdin, then exits with `code`
USER_HOOK = ('#!/bin/sh\nin=$(cat)\necho "user hook ran: $1${{in:+ stdin: $in}}" >> "{log}"\n'
             'exit {code}\n')


def git(sb: Sandbox, *args: str, cwd: Path | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """git as a user runs it (hooks included), with a minimal PATH; never raises."""
    return subprocess.run(["git", *args], cwd=cwd or sb.repo, env={**sb.env, **MINIMAL,
                                                                  **(env or {})},
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def commit(sb: Sandbox, message: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`git commit` of an empty change with `message`."""
    return git(sb, "commit", "-q", "--allow-empty", "-m", message, cwd=cwd)


def ok(proc: subprocess.CompletedProcess) -> str:
    """stdout of a git command that must succeed without a word on stderr from gi."""
    assert proc.returncode == 0, proc
    assert "gi:" not in proc.stderr, proc
    return proc.stdout.strip()


def user_hook(path: Path, log: Path, code: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(USER_HOOK.format(log=log, code=code))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def install(sb: Sandbox, cwd: Path | None = None) -> dict:
    r = sb.gi("hooks", "install", "--json", cwd=cwd)
    assert r.code == 0, r
    return r.json


def head(sb: Sandbox, cwd: Path | None = None) -> str:
    return sb.git("rev-parse", "HEAD", cwd=cwd)


def links(sb: Sandbox, issue: str, cwd: Path | None = None) -> list[str]:
    r = sb.gi("show", issue, "--json", cwd=cwd)
    assert r.code == 0, r
    return r.json["links"].get("commits", [])


def closing_comments(sb: Sandbox, issue: str, cwd: Path | None = None) -> list[str]:
    r = sb.gi("show", issue, "--json", cwd=cwd)
    assert r.code == 0, r
    return [c["body"] for c in r.json["comments"] if c["body"].startswith("Closed by commit")]


def status(sb: Sandbox, issue: str, cwd: Path | None = None) -> str:
    r = sb.gi("show", issue, "--json", cwd=cwd)
    assert r.code == 0, r
    return r.json["status"]
