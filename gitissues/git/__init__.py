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

from gitissues import fs
from gitissues.errors import GiError, UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

ZERO_OID = "0" * 40
_HEX = frozenset("0123456789abcdef")


def is_oid(text: str) -> bool:
    """What `is_oid(text)` says (40 lower-case hex digits; `$` lets one newline follow),
    without compiling it: a regular expression costs every process ~0.1 ms to compile."""
    return (len(text) == 40 or len(text) == 41 and text[40] == "\n") and _HEX.issuperset(
        text[:40])


def __getattr__(name: str) -> Any:
    """`OID_RE`, compiled when something asks for it (`is_oid` is the cheap check)."""
    if name == "OID_RE":
        value = globals()["OID_RE"] = re.compile(r"^[0-9a-f]{40}$")
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class RepoPaths:
    """A repository's directories, named as `git rev-parse` names them: `top`
    (--show-toplevel), `git_dir` (this worktree's) and `common_dir` (shared by every worktree:
    refs, objects, info/exclude). They are strings, joined with `os.path` where every command
    goes: pathlib and what it imports cost each `gi` ~4 ms. `worktree`, `gitdir` and
    `commondir` are the same directories as `Path`s, for the code off that path."""

    __slots__ = ("top", "git_dir", "common_dir")

    def __init__(self, worktree: str | os.PathLike[str], gitdir: str | os.PathLike[str],
                 commondir: str | os.PathLike[str]) -> None:
        self.top = fs.normal_path(os.fspath(worktree))
        self.git_dir = fs.normal_path(os.fspath(gitdir))
        self.common_dir = fs.normal_path(os.fspath(commondir))

    @property
    def worktree(self) -> Path:
        from pathlib import Path

        return Path(self.top)

    @property
    def gitdir(self) -> Path:
        from pathlib import Path

        return Path(self.git_dir)

    @property
    def commondir(self) -> Path:
        from pathlib import Path

        return Path(self.common_dir)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RepoPaths) and (self.top, self.git_dir, self.common_dir) == (
            other.top, other.git_dir, other.common_dir)

    def __hash__(self) -> int:
        return hash((self.top, self.git_dir, self.common_dir))

    def __repr__(self) -> str:
        return f"RepoPaths({self.top!r}, {self.git_dir!r}, {self.common_dir!r})"


def find_repo(start: str | os.PathLike[str] = ".") -> RepoPaths:
    """Walk up from `start` to the enclosing repository, as git does, without running git."""
    here = d = fs.resolved(os.fspath(start))
    while True:
        dotgit = os.path.join(d, ".git")
        if fs.is_dir(dotgit):
            return _checked(RepoPaths(d, dotgit, _commondir(dotgit)))
        if fs.is_file(dotgit):
            with open(dotgit) as f:
                text = f.read().strip()
            if text.startswith("gitdir:"):
                gitdir = fs.resolved(os.path.join(d, text[len("gitdir:"):].strip()))
                return _checked(RepoPaths(d, gitdir, _commondir(gitdir)))
        parent = os.path.dirname(d)
        if parent == d:
            raise UsageError(f"not a git repository (or any parent up to /): {here}")
        d = parent


def _commondir(gitdir: str) -> str:
    f = os.path.join(gitdir, "commondir")
    if not fs.is_file(f):
        return gitdir
    with open(f) as text:
        return fs.resolved(os.path.join(gitdir, text.read().strip()))


def _checked(paths: RepoPaths) -> RepoPaths:
    """SHA-256 repositories are not supported yet: say so instead of failing later."""
    try:
        with open(os.path.join(paths.common_dir, "config"), errors="replace") as f:
            text = f.read()
    except OSError:
        return paths
    # the regular expression only where it can match: compiling it costs ~0.1 ms
    if "objectformat" in text.lower() and re.search(
            r"(?im)^\s*objectformat\s*=\s*sha256\s*$", text):
        raise UsageError(f"{paths.top}: SHA-256 repositories are not supported yet "
                         "(extensions.objectFormat = sha256)")
    return paths


def read_ref(paths: RepoPaths, name: str) -> str | None:
    """The commit a ref points at, from the loose ref file or packed-refs; None if absent."""
    try:
        with open(os.path.join(paths.common_dir, name)) as f:
            text = f.read().strip()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        text = ""
    if text.startswith("ref:"):
        return read_ref(paths, text[4:].strip())
    if is_oid(text):
        return text
    try:
        with open(os.path.join(paths.common_dir, "packed-refs")) as f:
            for line in f:
                if line.endswith(f" {name}\n") and is_oid(line[: line.index(" ")]):
                    return line[: line.index(" ")]
    except FileNotFoundError:
        pass
    return None


def head_commit(paths: RepoPaths) -> str | None:
    """The commit HEAD of this worktree points at (None on an unborn branch)."""
    try:
        with open(os.path.join(paths.git_dir, "HEAD")) as f:
            text = f.read().strip()
    except OSError:
        return None
    if text.startswith("ref:"):
        return read_ref(paths, text[4:].strip())
    return text if is_oid(text) else None


def run(paths: RepoPaths, *args: str, check: bool = True, input: str | bytes | None = None,
        env: dict[str, str] | None = None, cwd: str | os.PathLike[str] | None = None) -> Any:
    """Run the system git in the working tree. Text in and out unless `input` is bytes.
    Callers pass any value that did not come from gi's own code after `--end-of-options`."""
    import subprocess

    binary = isinstance(input, bytes)
    proc = subprocess.run(
        ["git", *args], cwd=cwd or paths.top, capture_output=True, text=not binary,
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
    cache = os.path.join(paths.common_dir, "issue-facade", "user.json")
    try:
        with open(cache) as f:
            saved = json.loads(f.read())
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
        fs.make_dirs(fs.parent(cache))
        tmp = os.path.join(os.path.dirname(cache), f".user.json.{os.getpid()}.tmp")
        with open(tmp, "w") as f:
            f.write(json.dumps({"stamp": stamp, "values": values}))
        os.replace(tmp, cache)
    except OSError:
        pass
    return values


def _config_stamp(paths: RepoPaths) -> list:
    """What `user.*` depends on: the config files git reads and the variables that point
    elsewhere (an `include` of another file is not followed: its edits show after the next
    change to one of these)."""
    env = os.environ
    home = fs.expand_home(env.get("HOME", "~"))
    xdg = env["XDG_CONFIG_HOME"] if env.get("XDG_CONFIG_HOME") else os.path.join(home, ".config")
    files = [os.path.join(paths.common_dir, "config"),
             os.path.join(paths.git_dir, "config.worktree"),
             env["GIT_CONFIG_GLOBAL"] if env.get("GIT_CONFIG_GLOBAL") else None,
             os.path.join(xdg, "git", "config"), os.path.join(home, ".gitconfig"),
             None if env.get("GIT_CONFIG_NOSYSTEM") else env.get("GIT_CONFIG_SYSTEM",
                                                                 "/etc/gitconfig")]
    out: list = [[env.get(k) for k in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM",
                                       "GIT_CONFIG_SYSTEM", "GIT_CONFIG_PARAMETERS",
                                       "GIT_CONFIG_COUNT", "HOME", "XDG_CONFIG_HOME")]]
    for f in files:
        f = fs.normal_path(f) if f is not None else None
        try:
            st = os.stat(f) if f is not None else None
        except OSError:
            st = None
        out.append([f, st.st_mtime_ns, st.st_size] if st else None)
    return out


def ensure_excluded(paths: RepoPaths, pattern: str) -> None:
    """Keep a derived directory out of `git status` without touching tracked files."""
    f = os.path.join(paths.common_dir, "info", "exclude")
    text = ""
    if fs.exists(f):
        with open(f) as existing:
            text = existing.read()
    if pattern not in text.splitlines():
        fs.make_dirs(fs.parent(f))
        with open(f, "a") as out:
            out.write(("" if text.endswith("\n") or not text else "\n") + pattern + "\n")


def worktrees(paths: RepoPaths) -> list[str]:
    """The top directory of every working tree of the repository (the main one first), from
    git's own records, without running git. Missing ones (deleted, not yet pruned) are left out."""
    found: list[str] = []
    common = paths.common_dir
    main = os.path.dirname(common) if os.path.basename(common) == ".git" else None
    if main is not None and fs.exists(os.path.join(main, ".git")) and _is_worktree_of(main, paths):
        found.append(main)
    try:
        entries = sorted(os.scandir(os.path.join(common, "worktrees")), key=lambda e: e.name)
    except OSError:
        entries = []
    for e in entries:
        try:
            with open(os.path.join(e.path, "gitdir")) as f:
                dotgit = fs.normal_path(f.read().strip())
        except OSError:
            continue
        if fs.is_file(dotgit):
            found.append(fs.resolved(fs.parent(dotgit)))
    if paths.top not in found:
        found.append(paths.top)
    return found


def _is_worktree_of(top: str, paths: RepoPaths) -> bool:
    """`top/.git` is the common git directory (not a bare repository's parent)."""
    try:
        return fs.resolved(os.path.join(top, ".git")) == fs.resolved(paths.common_dir)
    except OSError:
        return False
