"""Fields that name other issues (`depends_on`) across a bridge: local ids in the store,
remote keys on the tracker (Jira's "is blocked by" links). The engine translates each way with
the mappings it knows; a key it cannot translate (an issue in another project, one not pulled
yet) is left out and reported, so the engine can try again once it is known."""

from __future__ import annotations

import copy

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from gitissues.bridges.base import Remote

REFS = ("depends_on",)


def localised(remote: Remote, id_of: Callable[[str], str | None]) -> tuple[Remote, set[str]]:
    """`remote` with its references as local ids (a copy when any), and the remote keys that
    name no local issue yet."""
    missing: set[str] = set()
    changes: dict[str, list[str]] = {}
    for k in REFS:
        if k not in remote.fields:
            continue
        ids = set()
        for key in remote.fields[k] or []:
            local = id_of(str(key))
            if local:
                ids.add(local)
            else:
                missing.add(str(key))
        changes[k] = sorted(ids)
    if not changes:
        return remote, missing
    made = copy.copy(remote)
    made.fields = {**remote.fields, **changes}
    return made, missing


def remote_refs(fields: dict[str, Any], number_of: Mapping[str, str]
                ) -> tuple[dict[str, Any], bool]:
    """`fields` with their references as remote keys, and whether some local issue named
    has no remote key yet (pushed later in the same run, or never)."""
    out, missing = dict(fields), False
    for k in REFS:
        if k not in fields:
            continue
        keys = []
        for local in fields[k] or []:
            key = number_of.get(local)
            if key is None:
                missing = True
            else:
                keys.append(key)
        out[k] = keys
    return out, missing
