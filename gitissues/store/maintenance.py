"""`gi init`: creating a store (idempotent), and registering the tree-mode merge driver."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitissues import git, ids
from gitissues.errors import UsageError

if TYPE_CHECKING:
    from gitissues.store.core import StoreCore

ATTRIBUTES_LINE = ".issue-facade/issues/** merge=issue-facade"
DRIVER_KEY = "merge.issue-facade.driver"


def init_store(store: StoreCore, mode: str | None, prefix: str | None) -> dict[str, Any]:
    """Create the store, or check the one there: `gi init` twice, or in a clone, is a no-op
    apart from registering what the clone needs. A second store of the other mode is refused:
    it would start empty and hide the first."""
    from gitissues.store.branch import BranchBackend
    from gitissues.store.core import StoreCore

    mode = mode or store.mode
    if mode not in ("branch", "tree"):
        raise UsageError(f"invalid mode {mode!r}: use branch or tree")
    if prefix is not None:
        ids.check_prefix(prefix)
    if mode == "branch" and store.mode == "tree":
        raise UsageError("this repository already has a tree-mode store "
                         "(.issue-facade/config.yaml); gi init --mode branch would start a "
                         "second, empty store")
    if mode == "tree" and store.mode == "branch" and BranchBackend(store.paths).initialized():
        raise UsageError("this repository already has a branch-mode store (the issue-facade "
                         "branch); gi init --mode tree would start a second, empty store that "
                         "hides it")
    if mode == "tree" and store.mode != "tree":
        store = StoreCore(store.paths, mode="tree")
    settings = store.backend.settings() if store.backend.initialized() else {}
    created = not settings
    wanted = {"mode": mode, "prefix": prefix or settings.get("prefix") or ids.DEFAULT_PREFIX}
    if created:
        wanted["layout"] = ids.LAYOUT
    if created or any(settings.get(k) != v for k, v in wanted.items()):
        store.backend.update_settings(lambda current: {**current, **wanted}, store.actor)
    if mode == "tree":
        (store.paths.worktree / ".issue-facade" / ids.ISSUES_DIR).mkdir(parents=True,
                                                                         exist_ok=True)
        register_merge_driver(store.paths)
    else:
        git.ensure_excluded(store.paths, "/.issue-facade/")
    store.fresh()
    return {"mode": mode, "prefix": wanted["prefix"], "created": created,
            "root": str(store.paths.worktree)}


def gi_command() -> str:
    """The installed `gi`, by absolute path, for git to run without `gi` on PATH."""
    import shlex
    import shutil
    import sys

    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == "gi" and argv0.exists():
        return shlex.quote(str(argv0.resolve()))
    found = shutil.which("gi")
    if found:
        return shlex.quote(str(Path(found).resolve()))
    return f"{shlex.quote(sys.executable)} -m gitissues"


def merge_driver_registered(paths: git.RepoPaths) -> bool:
    attributes = paths.worktree / ".gitattributes"
    text = attributes.read_text() if attributes.exists() else ""
    return ATTRIBUTES_LINE in text.splitlines() and bool(git.config_get(paths, DRIVER_KEY))


def register_merge_driver(paths: git.RepoPaths) -> None:
    """`.gitattributes` routes issue files to `gi merge-driver`; the repo config defines it
    (git config is not cloned, so every clone registers it again)."""
    attributes = paths.worktree / ".gitattributes"
    text = attributes.read_text() if attributes.exists() else ""
    if ATTRIBUTES_LINE not in text.splitlines():
        sep = "" if not text or text.endswith("\n") else "\n"
        attributes.write_text(text + sep + ATTRIBUTES_LINE + "\n")
    git.run(paths, "config", "--end-of-options", "merge.issue-facade.name",
            "Issue Facade field-level merge")
    git.run(paths, "config", "--end-of-options", DRIVER_KEY,
            f"{gi_command()} merge-driver %O %A %B %P")
