"""`gi bridge add|list|rm|pull|push|sync` as operations on a store (the CLI only prints them).

A run goes bridge by bridge: pull (from the saved cursor), then push; each direction's cursor
is saved when it finished, so an interrupted run starts again where the last finished one
did (and creates nothing twice: see `engine`)."""

from __future__ import annotations

from gitissues import timeutil
from gitissues.bridges import engine, links, saved
from gitissues.bridges.progress import Bar
from gitissues.errors import GiError, NotFound, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    import httpx

    from gitissues.bridges.base import Platform
    from gitissues.bridges.etags import EtagCache
    from gitissues.store.core import StoreCore

DIRECTIONS = {"pull": ("pull",), "push": ("push",), "sync": ("pull", "push")}


def add(store: StoreCore, name: str, platform: str | None, flags: dict[str, Any]
        ) -> dict[str, Any]:
    """Save bridge `name`, filling what is not given from `gi config detect`."""
    from gitissues.settings import resolve_bridge_target

    saved.check_name(name)
    target = resolve_bridge_target(store, platform, flags)
    if flags.get("deployment") and target["platform"] != "jira":
        raise UsageError("--deployment is for Jira bridges (cloud or datacenter)")
    entry = {"platform": target["platform"], "url": target["base_url"],
             "project": target["project"], "token_env": flags.get("token_env"),
             "deployment": target.get("deployment")}
    old = saved.all_saved(store).get(name) or {}
    if old and old.get("platform") == entry["platform"] and old.get("url") == entry["url"] \
            and old.get("project") == entry["project"]:
        entry.update({k: old[k] for k in ("users", *saved.TABLES, "last_pull", "last_push")
                      if k in old})
    saved.save(store, name, entry)
    return {"name": name, **{k: v for k, v in entry.items() if v}}


def listing(store: StoreCore) -> list[dict[str, Any]]:
    return [{"name": name, "platform": e.get("platform"), "url": e.get("url"),
             "project": e.get("project"), "last_pull": e.get("last_pull"),
             "last_push": e.get("last_push")}
            for name, e in sorted(saved.all_saved(store).items())]


def remove(store: StoreCore, name: str) -> None:
    saved.one(store, name)
    saved.save(store, name, None)


def implicit(store: StoreCore) -> str:
    """No bridge saved: the one `gi config detect` finds (a Gitea remote and GITEA_TOKEN are
    enough), saved under the platform's name so that its cursors are kept."""
    from gitissues.settings import resolve_bridge_target

    try:
        target = resolve_bridge_target(store)
    except GiError as exc:
        raise NotFound(f"no bridges, and none detected ({exc.message}); "
                       "gi bridge add NAME creates one") from None
    name = str(target["platform"])
    add(store, name, name, {})
    return name


def run(store: StoreCore, names: list[str], command: str, *, dry_run: bool = False,
        client_for: Callable[[str], httpx.Client | None] | None = None,
        say: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Pull and/or push every named bridge (none named: all); one result per bridge and
    direction: `{name, direction, created, updated, unchanged, requests}`, and `problems`:
    what the tracker would not take (a status no transition reaches), when any."""
    every = saved.all_saved(store)
    if not every and not names:
        every = {implicit(store): {}}
    chosen = names or sorted(every)
    results = []
    for name in chosen:
        platform, etags, cache = open_bridge(
            store, name, client=client_for(name) if client_for else None, say=say)
        try:
            results += _directions(store, name, platform, command, dry_run)
        finally:
            if not dry_run:
                etags.save(cache)
    return results


def open_bridge(store: StoreCore, name: str, *, client: httpx.Client | None = None,
                say: Callable[[str], None] | None = None) -> tuple[Platform, EtagCache, str]:
    """Saved bridge `name`'s platform (its user map applied), the ETag cache it keeps between
    runs, and the file that cache is saved to (`etags.save(file)` when done)."""
    from gitissues.bridges.etags import EtagCache
    from gitissues.bridges.registry import open_platform
    from gitissues.settings import resolve_bridge_target

    entry = saved.one(store, name)
    target = resolve_bridge_target(store, entry.get("platform"), bridge=entry)
    cache = _etag_file(store, name, target)
    etags = EtagCache.load(cache)
    platform = open_platform(name, target, token_env=entry.get("token_env"), client=client,
                             say=say, etags=etags, settings=entry)
    if isinstance(entry.get("users"), dict) and entry["users"]:
        from gitissues.bridges.users import UserMapped

        platform = UserMapped(platform, entry["users"])
    return platform, etags, cache


def _etag_file(store: StoreCore, name: str, target: dict[str, Any]) -> str:
    """Where bridge `name` keeps its ETag cache between runs: beside the repository's own
    files, never committed, one file per instance (a re-pointed bridge starts afresh)."""
    import hashlib
    import os

    where = hashlib.sha1(f"{target['base_url']}\0{target['project']}".encode()).hexdigest()
    return os.path.join(store.paths.common_dir, "issue-facade", "bridges",
                        f"{name}-{where[:12]}.etags.json")


def _directions(store: StoreCore, name: str, platform: Any, command: str, dry_run: bool
                ) -> list[dict[str, Any]]:
    results = []
    entry = saved.one(store, name)
    for direction in DIRECTIONS[command]:
        told = len(getattr(platform, "problems", ()))
        with Bar(f"{name} {direction}") as tick:
            if direction == "pull":
                counts = engine.pull(store, name, platform, entry.get("last_pull"),
                                     dry_run, tick)
                counts.updated += links.pull(store, name, platform, dry_run)
                cursor = counts.cursor
            else:
                cursor = timeutil.now_str()  # a killed push's creates are newer than this
                counts = engine.push(store, name, platform, dry_run,
                                     entry.get("last_push"), tick)
                before = platform.requests
                counts.updated += links.push(store, name, platform, dry_run)
                counts.requests += platform.requests - before
        if not dry_run and cursor:
            key = f"last_{direction}"
            saved.update(store, name, lambda e, k=key, c=cursor: e and {**e, k: c})
        results.append({"name": name, "direction": direction, **counts.to_json()})
        problems = list(getattr(platform, "problems", ()))[told:]
        if problems:
            results[-1]["problems"] = problems
    return results
