"""What the installed hooks do once their shell script found something worth starting Python
for (`gi hooks run HOOK ARGS…`, git's own arguments and stdin). Nothing here may stop a git
command: every problem comes back as a warning for the hook to print, and a repository with no
store gives no warning at all.

- commit-msg: (not run by the installed script) warn about references in a message file that
  name no issue. post-commit gives the same warnings after the commit: one Python start for a
  commit instead of two keeps a commit that refers to an issue well within its 150 ms.
- post-commit: link the new commit (warning about references that name no issue); on the
  default branch it also closes what it fixes, and a merge commit (a merge finished by
  `git commit`) brings in the commits of the merged branch.
- post-merge: a merge or a pull into the default branch brings commits in (`ORIG_HEAD..HEAD`):
  each is linked, and closes what it fixes.
- post-rewrite: an amend or a rebase; links follow the rewritten commits, and the new commits
  are linked (the post-commit of each was left out for this: one store change in all).
- pre-push: push the store branch along (`hooks.push_store`), see `gitissues.hooks.push`.
"""

from __future__ import annotations

import os

from gitissues import git
from gitissues.hooks import commits as git_commits
from gitissues.hooks.links import Plan, apply, resolved

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Callable

    from gitissues.store import Store

# Set for everything a hook of ours starts: git commands gi runs (a push of the store, a
# commit in tree mode) run the hooks again, and those return at once.
ACTIVE = "GI_HOOKS_ACTIVE"
TAKES_STDIN = ("post-rewrite", "pre-push")


def run(hook: str, args: list[str], stdin: str = "") -> list[str]:
    """Run `hook`; the warnings it has for the user."""
    os.environ[ACTIVE] = "1"
    handler = HANDLERS.get(hook)
    if handler is None:
        return [f"gi has no {hook} hook"]
    store = _store()
    if store is None:
        return []
    return handler(store, args, stdin)


def _store() -> Store | None:
    """The repository's store, or None when it has none, or when git runs the hook where gi
    finds no repository it can use (a bare one, say): then the hooks stay silent."""
    from gitissues.errors import UsageError
    from gitissues.store import open_store

    try:
        store = open_store(".")
    except UsageError:
        return None
    return store if store.backend.initialized() else None


def commit_msg(store: Store, args: list[str], stdin: str) -> list[str]:
    """Warnings about references in the message file that name no issue."""
    if not args:
        return []
    with open(args[0], encoding="utf-8", errors="replace") as f:
        return resolved(store, f.read())[1]


def post_commit(store: Store, args: list[str], stdin: str) -> list[str]:
    paths: git.RepoPaths = store.paths
    head = git_commits.head(paths)
    if head is None:
        return []
    branch = git_commits.current_branch(paths)
    reached = branch == git_commits.default_branch(paths)
    plan = Plan(branch or "")
    warnings = plan.commits(store, [head], reached=reached)
    if reached and len(head.parents) > 1:
        plan.commits(store, git_commits.brought(paths, head.oid, head.parents[0]), reached=True)
    apply(store, plan)
    return warnings


def post_merge(store: Store, args: list[str], stdin: str) -> list[str]:
    """A squash merge (`1`) makes no commit: the commit after it is a commit like any other."""
    paths: git.RepoPaths = store.paths
    branch = git_commits.current_branch(paths)
    if (args and args[0] == "1") or branch != git_commits.default_branch(paths):
        return []
    tip, base = git.head_commit(paths), git_commits.orig_head(paths)
    if tip is None or base is None or tip == base:
        return []
    plan = Plan(branch)
    plan.commits(store, git_commits.brought(paths, tip, base), reached=True)
    apply(store, plan)
    return []


def post_rewrite(store: Store, args: list[str], stdin: str) -> list[str]:
    """`stdin`: one `OLD NEW` pair a line, as git gives them."""
    paths: git.RepoPaths = store.paths
    pairs = [(words[0], words[1]) for words in map(str.split, stdin.splitlines())
             if len(words) >= 2 and git.is_oid(words[0]) and git.is_oid(words[1])]
    if not pairs:
        return []
    branch = git_commits.current_branch(paths)
    reached = branch == git_commits.default_branch(paths)
    plan = Plan(branch or "")
    plan.rewrite(store, pairs)
    new = git_commits.read(paths, dict.fromkeys(n for _, n in pairs))
    amend = args[:1] == ["amend"]
    warnings = plan.commits(store, new, reached=reached and amend)
    tip, base = git.head_commit(paths), git_commits.orig_head(paths)
    if reached and not amend and tip and base and tip != base:
        plan.commits(store, git_commits.brought(paths, tip, base), reached=True)
    apply(store, plan)
    return warnings if amend else []  # (a rebase replays commits written before)


def pre_push(store: Store, args: list[str], stdin: str) -> list[str]:
    from gitissues.hooks.push import push_store

    return push_store(store, args[0] if args else "", stdin)


HANDLERS: dict[str, Callable[[Store, list[str], str], list[str]]] = {
    "commit-msg": commit_msg,
    "post-commit": post_commit,
    "post-merge": post_merge,
    "post-rewrite": post_rewrite,
    "pre-push": pre_push,
}
