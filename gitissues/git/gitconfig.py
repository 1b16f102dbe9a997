"""The few git configuration values a ref update needs, read without starting `git config`.

`refs.update_ref` needs core.logAllRefUpdates, core.bare and the committer's user.name and
user.email to write a reflog line as git would; packing after a write reads gc.auto. They are
read from git's files in git's order
(system, global, repository, worktree, then GIT_CONFIG_COUNT pairs), later values winning.
Only plain `key = value` lines of sections without a subsection are understood; `include`
directives are not followed (gi never needs a value one would set).
"""

from __future__ import annotations

import os

from gitissues import fs
from gitissues.git import RepoPaths

_WANTED_SECTIONS = ("core", "user", "extensions", "gc")


def bool_value(text: str) -> bool:
    """git's boolean: true/yes/on/1 (and a key with no value) or false/no/off/0/empty."""
    text = text.strip().lower()
    if text in ("true", "yes", "on"):
        return True
    if text in ("false", "no", "off", ""):
        return False
    try:
        return int(text) != 0
    except ValueError:
        return False


def read_config(paths: RepoPaths) -> dict[str, str]:
    """{`section.key` (lower case): value} for the core, user, extensions and gc sections."""
    env = os.environ
    files: list[str] = []
    if not bool_value(env.get("GIT_CONFIG_NOSYSTEM", "false")):
        files.append(env.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig")
    if env.get("GIT_CONFIG_GLOBAL"):
        files.append(env["GIT_CONFIG_GLOBAL"])
    else:
        home = fs.expand_home(env.get("HOME") or "~")
        xdg = env.get("XDG_CONFIG_HOME")
        files += [os.path.join(xdg, "git", "config") if xdg
                  else os.path.join(home, ".config", "git", "config"),
                  os.path.join(home, ".gitconfig")]
    out: dict[str, str] = {}
    for f in files:
        _read_file(fs.normal_path(f), out)
    _read_file(os.path.join(paths.common_dir, "config"), out)
    if bool_value(out.get("extensions.worktreeconfig", "false")):
        _read_file(os.path.join(paths.git_dir, "config.worktree"), out)
    try:
        count = int(env.get("GIT_CONFIG_COUNT", "0"))
    except ValueError:
        count = 0
    for k in range(count):
        key, value = env.get(f"GIT_CONFIG_KEY_{k}", ""), env.get(f"GIT_CONFIG_VALUE_{k}", "")
        if "." in key:
            section, _, name = key.rpartition(".")
            out[f"{section.lower()}.{name.lower()}"] = value
    return out


def _read_file(path: str, out: dict[str, str]) -> None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except (OSError, ValueError):
        return
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            end = line.find("]")
            if end < 0:
                continue
            header = line[1:end].strip()
            section = header.lower() if header.lower() in _WANTED_SECTIONS else None
            line = line[end + 1:].strip()  # `[core] bare = false` is one valid line
        if not line or line[0] in "#;" or section is None:
            continue
        key, eq, value = line.partition("=")
        key = key.strip().lower()
        if key.replace("-", "").isalnum():
            out[f"{section}.{key}"] = _value(value) if eq else "true"


def _value(text: str) -> str:
    """A value as git's parser reads it: comments cut, quotes and escapes resolved, runs of
    unquoted blanks kept inside the value and dropped at its ends."""
    out: list[str] = []
    quoted, blanks, k = False, 0, 0
    while k < len(text):
        c = text[k]
        k += 1
        if not quoted and c in " \t":
            blanks += 1 if out else 0
            continue
        if not quoted and c in "#;":
            break
        out.append(" " * blanks)
        blanks = 0
        if c == "\\" and k < len(text):
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(text[k], text[k]))
            k += 1
        elif c == '"':
            quoted = not quoted
        else:
            out.append(c)
    return "".join(out)
