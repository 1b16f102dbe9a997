"""Bridge instances saved in the repository settings under `bridges.<name>` (SPEC §8):
platform, url, project, token_env (never a token), a Jira bridge's deployment and tables, the
`users` map, and the cursors `last_pull`/`last_push`,
committed so that every clone and every CI run continues where the last one stopped."""

from __future__ import annotations

from gitissues.errors import NotFound, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from gitissues.store.core import StoreCore

# Jira adds its deployment and the tables of `jira_fields` (statuses, transitions, …)
TABLES = ("statuses", "transitions", "priorities", "types")
KEYS = ("platform", "url", "project", "token_env", "deployment", "users", *TABLES,
        "last_pull", "last_push")


def all_saved(store: StoreCore) -> dict[str, dict[str, Any]]:
    found = store.settings().get("bridges") or {}
    if not isinstance(found, dict):
        raise UsageError("the repository setting `bridges` must map bridge names to settings")
    out = {}
    for name, entry in found.items():
        if isinstance(entry, dict):
            out[str(name)] = {k: _text(v) for k, v in entry.items()}
    return out


def _text(value: Any) -> Any:
    """A time read back from YAML (an unquoted timestamp is a datetime) as gi's text."""
    if hasattr(value, "isoformat"):
        from gitissues.timeutil import normalize_time

        return normalize_time(value)
    return value


def one(store: StoreCore, name: str) -> dict[str, Any]:
    saved = all_saved(store)
    if name not in saved:
        known = ", ".join(sorted(saved)) or "none; gi bridge add NAME creates one"
        raise NotFound(f"no bridge {name!r} (bridges: {known})")
    return saved[name]


def save(store: StoreCore, name: str, entry: dict[str, Any] | None) -> None:
    """Set (or with None remove) one bridge, keeping every other setting."""
    update(store, name, lambda _old: entry)


def update(store: StoreCore, name: str,
           change: Callable[[dict[str, Any] | None], dict[str, Any] | None]) -> None:
    """Replace one bridge by `change(the bridge as the store has it now, or None)` (None:
    remove it) in one atomic read-modify-write of the settings: a cursor saved by one pull
    never undoes a bridge added, or another cursor saved, by another process meanwhile."""
    def mutate(data: dict[str, Any]) -> dict[str, Any]:
        bridges = dict(data.get("bridges") or {})
        old = bridges.get(name)
        entry = change(dict(old) if isinstance(old, dict) else None)
        if entry is None:
            bridges.pop(name, None)
        else:
            bridges[name] = {k: entry[k] for k in KEYS if entry.get(k) not in (None, "")}
        if bridges:
            data["bridges"] = bridges
        else:
            data.pop("bridges", None)
        return data

    store.backend.update_settings(mutate, store.actor)


def check_name(name: str) -> str:
    if not name or not all(c.isalnum() or c in "-_" for c in name) or name[0] in "-_":
        raise UsageError(f"a bridge name is letters, digits, - and _: {name!r}")
    return name
