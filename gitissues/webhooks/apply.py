"""Applying queued deliveries: each named issue is pulled through its bridge and merged.

For each delivery the bridges are the saved ones (or, with none saved, the one `gi config
detect` finds, saved as `gi bridge sync` would) whose platform is the delivery's and whose
project is the one the payload names; a delivery signed with one bridge's own secret goes to
that bridge only. The issue is fetched alone (`Platform.get`) and merged by the bridge engine
exactly as `gi bridge pull` merges it (`engine.pull_remotes`): one store commit per bridge for
a whole batch of deliveries, and its changes show on the activity stream as issue.created,
issue.updated, comment.added, … Runs on one thread (the receiver's worker): the store, its
SQLite index and the open bridges are that thread's own.
"""

from __future__ import annotations

from gitissues.errors import AuthError, GiError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from gitissues.bridges.base import Platform, Remote
    from gitissues.bridges.etags import EtagCache
    from gitissues.git import RepoPaths
    from gitissues.store import Store
    from gitissues.webhooks.payloads import Named
    from gitissues.webhooks.verify import Delivery

# what a saved bridge's opened platform depends on (its cursors move on every sync)
_OPENED_BY = ("platform", "url", "project", "token_env", "users")


class Job:
    """One verified delivery waiting to be applied; `only` is the bridge whose own secret
    signed it (None: signed with the receiver's secret, for any bridge of its project)."""

    def __init__(self, delivery: Delivery, named: Named, only: str | None) -> None:
        self.delivery, self.named, self.only = delivery, named, only
        self.results: list[str] = []


class Applier:
    """Applies batches of jobs to the store of `paths`, from one thread."""

    def __init__(self, paths: RepoPaths, say: Callable[[str], None]) -> None:
        self.paths, self.say = paths, say
        self._store: Store | None = None
        self._open: dict[str, tuple[str, Platform, EtagCache, str]] = {}

    @property
    def store(self) -> Store:
        if self._store is None:  # made on the worker thread: SQLite connections stay on theirs
            from gitissues.store import Store

            self._store = Store(self.paths)
        return self._store

    def close(self) -> None:
        """Let go of the store, on the thread that used it (its SQLite connection refuses to
        be closed from another, as the garbage collector would)."""
        if self._store is not None:
            close_store(self._store)
            self._store = None
        self._open.clear()

    def apply(self, jobs: list[Job]) -> None:
        """Pull every issue the jobs name; each job's `results` says what happened to it."""
        bridges = self._bridges()
        wanted: dict[str, dict[str, list[Job]]] = {}
        for job in jobs:
            names = [name for name, entry in bridges.items()
                     if entry.get("platform") == job.named.platform
                     and job.named.matches(entry.get("project"))
                     and job.only in (None, name)]
            if not names:
                job.results.append(f"ignored: no bridge for {job.named.platform} project "
                                   f"{job.named.projects[0]}")
            for name in names:
                wanted.setdefault(name, {}).setdefault(job.named.key, []).append(job)
        for name, by_key in wanted.items():
            self._pull(name, bridges[name], by_key)

    def _bridges(self) -> dict[str, dict[str, Any]]:
        from gitissues.bridges import run, saved

        found = saved.all_saved(self.store)
        if found:
            return found
        try:
            run.implicit(self.store)  # saved, as `gi bridge sync` saves it, cursors and all
        except GiError:
            return {}
        return saved.all_saved(self.store)

    def _pull(self, name: str, entry: dict[str, Any], by_key: dict[str, list[Job]]) -> None:
        from gitissues.bridges import engine
        from gitissues.bridges.base import keys_of

        def each(keys: Any, text: str) -> None:
            for key in keys:
                for job in by_key[key]:
                    job.results.append(f"{name} #{key}: {text}")

        try:
            platform, etags, cache = self._platform(name, entry)
        except GiError as exc:
            each(by_key, f"failed: {exc.message}")
            return
        remotes: list[tuple[str, Remote]] = []  # (the key asked for, what came back)
        try:
            for key in by_key:
                try:
                    remote = platform.get(key)
                except GiError as exc:
                    each([key], f"failed: {exc.message}")
                    if isinstance(exc, AuthError):
                        self._open.pop(name, None)  # a new token may be set meanwhile
                    continue
                if remote is None:
                    each([key], "gone or not an issue (nothing applied)")
                else:
                    remotes.append((key, remote))
            if not remotes:
                return
            try:
                unique = {r.key: r for _, r in remotes}  # "7" and "07" name one issue
                counts = engine.pull_remotes(self.store, name, list(unique.values()),
                                             keys=keys_of(platform))
            except GiError as exc:
                each([k for k, _ in remotes], f"failed: {exc.message}")
                return
            for key, r in remotes:
                local, what = counts.outcomes.get(r.key, ("?", "unchanged"))
                each([key], f"{local} {what}")
        finally:
            try:
                etags.save(cache)
            except OSError as exc:
                self.say(f"gi webhook: cannot save the ETag cache of bridge {name}: {exc}")

    def _platform(self, name: str, entry: dict[str, Any]
                  ) -> tuple[Platform, EtagCache, str]:
        """Bridge `name` opened once and kept (its HTTP connections too) while its settings
        stay as they are."""
        from gitissues.bridges import run

        stamp = repr([entry.get(k) for k in _OPENED_BY])
        kept = self._open.get(name)
        if kept is None or kept[0] != stamp:
            platform, etags, cache = run.open_bridge(self.store, name, say=self.say)
            kept = (stamp, platform, etags, cache)
            self._open[name] = kept
        return kept[1], kept[2], kept[3]


def close_store(store: Store) -> None:
    """Close `store`'s index, if it opened one (call on the thread that opened it)."""
    index = vars(store).get("index")  # a cached_property: absent until first used
    if index is not None:
        index.close()
