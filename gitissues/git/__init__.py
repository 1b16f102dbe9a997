"""The one package that talks to git.

This module holds what every command needs and keeps it cheap: finding the repository and
reading a ref are plain file reads, and `run` starts the system `git` (so users' ssh keys,
credential helpers and proxies keep working). Object reads and commits (`plumbing`), fetch and
push (`transport`) and history walks and text merges (`history`, through pygit2) live in the
submodules, imported only by the code that needs them.

Nothing that comes from a repository, an issue, the settings or the environment reaches git as
an option: callers put such values after `--end-of-options` (or `--`), and `transport` checks
remote names before they are used at all.
"""

from __future__ import annotations

import os
import re
from collections import namedtuple
from pathlib import Path

from gitissues.errors import GiError, UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

OID_RE = re.compile(r"^[0-9a-f]{40}$")
ZERO_OID = "0" * 40

# worktree: top of the working tree; gitdir: this worktree's git directory;
# commondir: the shared git directory (refs, objects, info/exclude).
RepoPaths = namedtuple("RepoPaths", "worktree gitdir commondir")


def find_repo(start: str | os.PathLike[str] = ".") -> RepoPaths:
    """Walk up from `start` to the enclosing repository, as git does, without running git."""
    here = Path(start).resolve()
    for d in (here, *here.parents):
        dotgit = d / ".git"
        if dotgit.is_dir():
            return _checked(RepoPaths(d, dotgit, _commondir(dotgit)))
        if dotgit.is_file():
            text = dotgit.read_text().strip()
            if text.startswith("gitdir:"):
                gitdir = (d / text[len("gitdir:"):].strip()).resolve()
                return _checked(RepoPaths(d, gitdir, _commondir(gitdir)))
    raise UsageError(f"not a git repository (or any parent up to /): {here}")


def _commondir(gitdir: Path) -> Path:
    f = gitdir / "commondir"
    return (gitdir / f.read_text().strip()).resolve() if f.is_file() else gitdir


def _checked(paths: RepoPaths) -> RepoPaths:
    """SHA-256 repositories are not supported yet: say so instead of failing later."""
    try:
        text = (paths.commondir / "config").read_text(errors="replace")
    except OSError:
        return paths
    if re.search(r"(?im)^\s*objectformat\s*=\s*sha256\s*$", text):
        raise UsageError(f"{paths.worktree}: SHA-256 repositories are not supported yet "
                         "(extensions.objectFormat = sha256)")
    return paths


def read_ref(paths: RepoPaths, name: str) -> str | None:
    """The commit a ref points at, from the loose ref file or packed-refs; None if absent."""
    try:
        text = (paths.commondir / name).read_text().strip()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        text = ""
    if text.startswith("ref:"):
        return read_ref(paths, text[4:].strip())
    if OID_RE.match(text):
        return text
    try:
        with open(paths.commondir / "packed-refs") as f:
            for line in f:
                if line.endswith(f" {name}\n") and OID_RE.match(line[: line.index(" ")]):
                    return line[: line.index(" ")]
    except FileNotFoundError:
        pass
    return None


def head_commit(paths: RepoPaths) -> str | None:
    """The commit HEAD of this worktree points at (None on an unborn branch)."""
    try:
        text = (paths.gitdir / "HEAD").read_text().strip()
    except OSError:
        return None
    if text.startswith("ref:"):
        return read_ref(paths, text[4:].strip())
    return text if OID_RE.match(text) else None


def run(paths: RepoPaths, *args: str, check: bool = True, input: str | bytes | None = None,
        env: dict[str, str] | None = None, cwd: Path | None = None) -> Any:
    """Run the system git in the working tree. Text in and out unless `input` is bytes.
    Callers pass any value that did not come from gi's own code after `--end-of-options`."""
    import subprocess

    binary = isinstance(input, bytes)
    proc = subprocess.run(
        ["git", *args], cwd=cwd or paths.worktree, capture_output=True, text=not binary,
        input=input, env={**os.environ, **(env or {})},
    )
    if check and proc.returncode != 0:
        err = proc.stderr.decode(errors="replace") if binary else proc.stderr
        raise GiError(f"git {args[0]} failed: {err.strip()}")
    return proc


def config_get(paths: RepoPaths, key: str) -> str | None:
    proc = run(paths, "config", "--get", "--end-of-options", key, check=False)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def user_config(paths: RepoPaths) -> dict[str, str]:
    """git's `user.name` and `user.email` for this repository. Every write asks, so they are
    kept in `.git/issue-facade/user.json` with the stamps of the files git reads them from,
    and git runs again only when one of those files (or the environment) changed."""
    import json

    stamp = _config_stamp(paths)
    cache = paths.commondir / "issue-facade" / "user.json"
    try:
        saved = json.loads(cache.read_text())
        if saved.get("stamp") == stamp:
            return dict(saved["values"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    proc = run(paths, "config", "-z", "--get-regexp", r"^user\.(name|email)$", check=False)
    values: dict[str, str] = {}
    for item in proc.stdout.split("\0"):
        key, _, value = item.partition("\n")
        if key in ("user.name", "user.email") and value.strip():
            values[key] = value.strip()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".user.json.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"stamp": stamp, "values": values}))
        os.replace(tmp, cache)
    except OSError:
        pass
    return values


def _config_stamp(paths: RepoPaths) -> list:
    """What `user.*` depends on: the config files git reads and the variables that point
    elsewhere (an `include` of another file is not followed: its edits show after the next
    change to one of these)."""
    env = os.environ
    home = Path(env.get("HOME", "~")).expanduser()
    xdg = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
    files = [paths.commondir / "config", paths.gitdir / "config.worktree",
             Path(env["GIT_CONFIG_GLOBAL"]) if env.get("GIT_CONFIG_GLOBAL") else None,
             xdg / "git" / "config", home / ".gitconfig",
             None if env.get("GIT_CONFIG_NOSYSTEM") else Path(env.get("GIT_CONFIG_SYSTEM",
                                                                       "/etc/gitconfig"))]
    out: list = [[env.get(k) for k in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM",
                                       "GIT_CONFIG_SYSTEM", "GIT_CONFIG_PARAMETERS",
                                       "GIT_CONFIG_COUNT", "HOME", "XDG_CONFIG_HOME")]]
    for f in files:
        try:
            st = f.stat() if f is not None else None
        except OSError:
            st = None
        out.append([str(f), st.st_mtime_ns, st.st_size] if st else None)
    return out


def ensure_excluded(paths: RepoPaths, pattern: str) -> None:
    """Keep a derived directory out of `git status` without touching tracked files."""
    f = paths.commondir / "info" / "exclude"
    text = f.read_text() if f.exists() else ""
    if pattern not in text.splitlines():
        f.parent.mkdir(parents=True, exist_ok=True)
        with open(f, "a") as out:
            out.write(("" if text.endswith("\n") or not text else "\n") + pattern + "\n")


def worktrees(paths: RepoPaths) -> list[Path]:
    """The top directory of every working tree of the repository (the main one first), from
    git's own records, without running git. Missing ones (deleted, not yet pruned) are left out."""
    found: list[Path] = []
    main = paths.commondir.parent if paths.commondir.name == ".git" else None
    if main is not None and (main / ".git").exists() and _is_worktree_of(main, paths):
        found.append(main)
    try:
        entries = sorted(os.scandir(paths.commondir / "worktrees"), key=lambda e: e.name)
    except OSError:
        entries = []
    for e in entries:
        try:
            dotgit = Path((Path(e.path) / "gitdir").read_text().strip())
        except OSError:
            continue
        if dotgit.is_file():
            found.append(dotgit.parent.resolve())
    if paths.worktree not in found:
        found.append(paths.worktree)
    return found


def _is_worktree_of(top: Path, paths: RepoPaths) -> bool:
    """`top/.git` is the common git directory (not a bare repository's parent)."""
    try:
        return (top / ".git").resolve() == paths.commondir.resolve()
    except OSError:
        return False
