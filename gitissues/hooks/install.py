"""Install, uninstall and report the gi hooks of a repository. The hooks directory is the one
git runs: `core.hooksPath` when set (a relative path against the work tree's top, as git runs
hooks there), else `hooks/` of the common directory, shared by every linked worktree. A hook
already there is moved aside to `<hook>.gi-chained` and run first by ours; uninstall puts it
back."""

from __future__ import annotations

import os
import sys

from gitissues import git
from gitissues.errors import UsageError

# the hooks `gi hooks install` writes (each one a script in `scripts/`), in the order git runs
# them; `gi hooks run` accepts the names after pre-commit. pre-commit is the lease guard
# (gitissues.leases.guard), always installed: it ends in the shell at once while no path is
# leased, and a lease taken later is then guarded too
HOOKS = ("pre-commit", "commit-msg", "post-commit", "post-merge", "post-rewrite", "pre-push")
MARKER = "# gi-hooks:"
CHAINED = ".gi-chained"


def gi_command() -> list[str]:
    """The absolute path of the `gi` running now (git may run hooks with a minimal PATH)."""
    argv0 = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if os.path.basename(argv0).startswith("gi") and os.access(argv0, os.X_OK):
        return [argv0]
    # run as `python -m gitissues`: -P, for git runs the hook at the top of the work tree, and a
    # `gitissues/` folder there must not be what runs (Python ≥ 3.11)
    return [sys.executable, "-P", "-m", "gitissues"]


def hooks_dir(paths: git.RepoPaths) -> str:
    """Where git looks for this repository's hooks."""
    configured = git.config_get(paths, "core.hooksPath") or ""
    if configured:
        return os.path.normpath(os.path.join(paths.top, os.path.expanduser(configured)))
    return os.path.join(paths.common_dir, "hooks")


def _quoted(text: str) -> str:
    """`text` as one shell word."""
    return "'" + text.replace("'", "'\\''") + "'"


def script(name: str, gi: list[str]) -> str:
    """The hook `name` with the command that runs gi filled in."""
    from importlib import resources

    text = resources.files("gitissues.hooks").joinpath("scripts", name).read_text()
    return text.replace("@GI@", " ".join(_quoted(word) for word in gi))


def _ours(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return MARKER in f.read(4096)
    except OSError:
        return False


def install(paths: git.RepoPaths) -> dict:
    """Write every hook (again: idempotent); a foreign hook is kept as `<hook>.gi-chained`."""
    where = hooks_dir(paths)
    os.makedirs(where, exist_ok=True)
    gi = gi_command()
    chained = []
    for name in HOOKS:
        path = os.path.join(where, name)
        if os.path.lexists(path) and not _ours(path):
            if os.path.lexists(path + CHAINED):
                raise UsageError(f"{path}: a hook and {name}{CHAINED} are both there; move "
                                 "one away and install again", file=path)
            os.replace(path, path + CHAINED)
        if os.path.lexists(path + CHAINED):
            chained.append(name)
        tmp = path + ".gi-tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(script(name, gi))
        os.chmod(tmp, 0o755)
        os.replace(tmp, path)
    return {"hooks_dir": where, "installed": list(HOOKS), "chained": chained, "gi": gi[0]}


def uninstall(paths: git.RepoPaths) -> dict:
    """Remove our hooks and put back the ones they chained to."""
    where = hooks_dir(paths)
    removed, restored = [], []
    for name in HOOKS:
        path = os.path.join(where, name)
        if os.path.lexists(path) and _ours(path):
            os.remove(path)
            removed.append(name)
        if os.path.lexists(path + CHAINED) and not os.path.lexists(path):
            os.replace(path + CHAINED, path)
            restored.append(name)
    return {"hooks_dir": where, "removed": removed, "restored": restored}


def status(paths: git.RepoPaths) -> dict:
    """Each hook: `installed` (ours), `foreign` (someone else's) or `missing`, and whether
    ours chains to a kept hook."""
    where = hooks_dir(paths)
    hooks = {}
    for name in HOOKS:
        path = os.path.join(where, name)
        state = ("installed" if _ours(path) else "foreign") if os.path.lexists(path) else (
            "missing")
        hooks[name] = {"state": state, "chained": os.path.lexists(path + CHAINED)}
    return {"hooks_dir": where, "installed": all(h["state"] == "installed"
                                                 for h in hooks.values()), "hooks": hooks}
