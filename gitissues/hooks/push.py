"""`pre-push`: push the store branch along to the remote the user pushes to, when the
`hooks.push_store` setting is true (default false). It is `gi sync` with that remote (fetch,
merge, push), so a store that moved on the remote is merged rather than refused.

It never stops the user's push: a failure is a warning. It does not recurse: the store push
runs `git push`, whose pre-push returns at once (`GI_HOOKS_ACTIVE`, and the shell script leaves
any push of the store branch alone). The remote is the one git names to the hook — the user's
own command line — checked by `transport.check_remote` and passed after `--end-of-options`."""

from __future__ import annotations

from gitissues.errors import GiError
from gitissues.git.transport import STORE_REF

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from gitissues.store import Store

SETTING = "hooks.push_store"


def enabled(store: Store) -> bool:
    """`hooks.push_store` as the configuration layers resolve it (SPEC §7); a user config
    that does not parse raises (the hook warns about it)."""
    from gitissues import settings

    ctx = settings.load(store=store, with_remotes=False, strict_settings=False)
    return ctx.resolved().get(SETTING) == "true"


def push_store(store: Store, remote: str, updates: str) -> list[str]:
    """Sync the store with `remote` unless the user's push (`updates`: git's lines
    `LOCAL_REF LOCAL_OID REMOTE_REF REMOTE_OID`) already carries the store branch."""
    if store.mode != "branch" or not remote:
        return []
    if any(line.split()[2:3] == [STORE_REF] for line in updates.splitlines()):
        return []
    from gitissues import sync
    from gitissues.git import transport

    try:
        if not enabled(store):
            return []
        name = transport.check_remote(store.paths, remote)
        sync.sync(store, name, None)
    except GiError as exc:
        return [f"the store branch was not pushed along ({SETTING}): {exc.message}"]
    return []
