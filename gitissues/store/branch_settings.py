"""Writing a branch store's settings (`config.yaml` on the store branch) as commits that move
the ref only by compare-and-swap, like every issue write: a whole replacement (`gi init`, `gi
config edit`), or a change of some keys computed again on the new tip whenever another write got
there first, so that two processes changing different settings at once both keep theirs."""

from __future__ import annotations

import time

from gitissues.store.backend import REF, SETTINGS_FILE, Change

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

MAX_ATTEMPTS = 200


def backoff(most: float) -> None:
    """Sleep a random while after a lost race, so racing writers spread out."""
    import random  # only a lost race pays for it

    time.sleep(random.uniform(0, most))


class SettingsWriter:
    """The settings writes of `BranchBackend`, which provides `paths`, `settings_at(tip)`,
    `_build_commit(None, build)` (the commit `build(tip, {})` describes, on the tip as read)
    and `_gave_up()` (the error after MAX_ATTEMPTS lost races)."""

    def write_settings(self, settings: dict, actor: str) -> None:
        """Replace the settings whole (`gi init`, `gi config edit`: also over a file that does
        not parse); a change of some keys goes through `update_settings`."""
        self._settings_commit(lambda _tip: settings, actor)

    def update_settings(self, mutate: Callable[[dict], dict | None], actor: str) -> dict:
        """The settings `mutate` makes of a copy of those at the tip (None: no change), as one
        compare-and-swap commit, made again on the new tip when another write got there first
        — two processes changing different settings at once both keep theirs. Returns the
        settings as written."""
        import copy

        def wanted(tip: str | None) -> tuple[dict, bool]:
            current = self.settings_at(tip)
            new = mutate(copy.deepcopy(current))
            return (current, False) if new is None or new == current else (new, True)

        return self._settings_commit(wanted, actor)

    def _settings_commit(self, wanted: Callable[[str | None], dict | tuple[dict, bool]],
                         actor: str) -> dict:
        from gitissues import yamlio
        from gitissues.git import refs

        change = Change(op="config", actor=actor, summary="update settings")
        made: list[dict] = []

        def build(tip: str | None, _none: dict) -> tuple[Change, dict[str, bytes | None]]:
            found = wanted(tip)
            settings, write = found if isinstance(found, tuple) else (found, True)
            made.append(settings)
            return change, ({SETTINGS_FILE: yamlio.emit(settings).encode()} if write else {})

        for attempt in range(MAX_ATTEMPTS):
            prepared = self._build_commit(None, build)
            if prepared.commit is None or refs.update_ref(self.paths, REF, prepared.commit,
                                                              prepared.tip):
                return made[-1]
            backoff(min(0.002 * (attempt + 1), 0.05))
        raise self._gave_up()

