"""Exchange the store with a git remote: fetch and push with the system `git` (so ssh keys,
credential helpers and proxies work), and join diverged histories with a merge commit whose
tree is the field-level merge of every issue (gitissues.storemerge).

The local ref still moves only by compare-and-swap, so a sync racing local writers loses
nothing: a lost race recomputes the merge on the new tip. What to push is decided from what the
remote has now (just fetched), never from a tracking ref that may be stale.
"""

from __future__ import annotations

import random
import time
from typing import TYPE_CHECKING, Any

from gitissues.errors import Conflict, RemoteError, UsageError
from gitissues.git import plumbing, transport
from gitissues.merge import check_strategy
from gitissues.store.backend import REF
from gitissues.storemerge import merge_into

if TYPE_CHECKING:
    from gitissues.store.core import StoreCore

MAX_PUSH_ATTEMPTS = 20
FETCH_ATTEMPTS = 10


def remote_name(store: StoreCore, remote: str | None) -> str:
    """The remote to use: as given, else `claims.remote` from the settings, else origin;
    checked before git sees it (a value from the settings must name a configured remote)."""
    if remote:
        return transport.check_remote(store.paths, remote)
    claims = store.settings().get("claims") or {}
    configured = claims.get("remote") if isinstance(claims, dict) else None
    if configured:
        return transport.check_remote(store.paths, str(configured), setting="claims.remote")
    return transport.check_remote(store.paths, "origin")


def _branch_only(store: StoreCore) -> None:
    if store.mode != "branch":
        raise UsageError("gi sync exchanges the branch store; in tree mode the issues travel "
                         "with your code branches (git pull / git push)")


def fetch(store: StoreCore, remote: str, *, arbiters: bool = False) -> str | None:
    """The remote's store commit now (None: it has none); with `arbiters`, its arbiter refs
    too (gitissues.arbiter). Two syncs in one clone may race for the local tracking ref: the
    loser fetches again."""
    for attempt in range(FETCH_ATTEMPTS):
        try:
            return transport.fetch(store.paths, remote, arbiters=arbiters)
        except RemoteError as exc:
            text = exc.message.lower()
            if attempt + 1 == FETCH_ATTEMPTS or not (
                    "cannot lock ref" in text or "unable to update local ref" in text):
                raise
            time.sleep(random.uniform(0.01, 0.1))
    return None


def merge_remote(store: StoreCore, theirs: str | None, strategy: str | None = None
                 ) -> dict[str, Any]:
    """Bring `theirs` into the local store branch: fast-forward, or a merge commit."""
    strategy = check_strategy(strategy)
    if theirs is None:
        return {"merged": False, "fast_forward": False, "conflicts": []}
    backend: Any = store.backend
    result = merge_into(store.paths, REF, theirs, strategy, store.actor,
                        backend.author_of(store.actor))
    if result["merged"]:
        store.fresh()
    return result


def push_commit(store: StoreCore, remote: str, commit: str) -> bool:
    """Push `commit` as the remote's store branch without force; False when the remote moved
    meanwhile (someone else pushed first)."""
    return transport.push(store.paths, remote, commit).ok


def sync(store: StoreCore, remote: str | None, strategy: str | None, *, pull: bool = True,
         push: bool = True) -> dict[str, Any]:
    """fetch → merge → push, retrying when someone pushed in between. `push` alone (pull
    False) changes only the remote: a remote with changes this clone lacks is a conflict. The
    index and the read-only copies end up fresh (SPEC §1), also after a sync that was killed
    halfway left them behind."""
    _branch_only(store)
    store.fresh()
    name = remote_name(store, remote)
    check_strategy(strategy)
    result: dict[str, Any] = {"remote": name, "merged": False, "fast_forward": False,
                              "conflicts": [], "pushed": False}
    backend: Any = store.backend
    refused = ""
    for _ in range(MAX_PUSH_ATTEMPTS):
        theirs = fetch(store, name)
        if pull:
            merged = merge_remote(store, theirs, strategy)
            result["conflicts"] += merged["conflicts"]
            result["merged"] = result["merged"] or merged["merged"]
            result["fast_forward"] = result["fast_forward"] or merged["fast_forward"]
        if not push:
            return result
        ours = backend.tip()
        if ours is None or ours == theirs:
            result["up_to_date"] = not result["merged"]
            return result
        if theirs is not None and not plumbing.is_ancestor(store.paths, theirs, ours):
            if not pull:
                raise Conflict(f"{name} has store changes this clone does not have; "
                               "run gi sync to merge them first", remote=name)
            continue  # it moved after our merge: fetch and merge again
        pushed = transport.push(store.paths, name, ours)
        if pushed.ok:
            result["pushed"] = True
            return result
        refused = pushed.message
        if not pull:
            raise Conflict(f"{name} moved while pushing; run gi sync to merge first",
                           remote=name)
        time.sleep(random.uniform(0, 0.05))
    if "lock" in refused.lower():  # not a race: a lock a dead process left on the remote
        raise RemoteError(f"{name}: the remote's store branch stays locked ({refused}); if "
                          "no push is running there, remove the lock file on the remote",
                          remote=name)
    raise Conflict(f"{name} kept moving while pushing the store; run gi sync again")
