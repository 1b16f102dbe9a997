"""Which local issue is a remote issue: the remote keys a bridge's issues map to, asked of the
index (its keys table and the issues' JSON), never by parsing every issue. A pull looks them up
before its transaction; `Snapshot.mapped` checks again inside it."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitissues.bridges.base import Remote
    from gitissues.store.core import StoreCore


def mapped(store: StoreCore, bridge: str) -> tuple[dict[str, str], set[str]]:
    """(remote key → local id of every issue mapped to `bridge`, every local id), asked of the
    index: the issues its keys table holds for the bridge, no issue parsed."""
    index = store.fresh()
    by_key: dict[str, str] = {}
    with index.reading():
        for issue_id, number in index.rows(
                "SELECT id, json_extract(json, ?) FROM issues WHERE id IN "
                "(SELECT issue FROM keys WHERE kind = ?)",
                (f'$.remote."{bridge}".number', f"remote:{bridge}")):
            if number is not None:
                by_key[str(number)] = issue_id
        ids = index.ids()
    return by_key, ids


def mapped_to(store: StoreCore, bridge: str, remotes: list[Remote]
              ) -> tuple[dict[str, str], set[str]]:
    """`mapped` narrowed to `remotes`: their keys' local ids and which ids their markers name
    exist, asked of the index (a pull of one issue must not parse every issue of the store)."""
    keys = {r.key for r in remotes}
    marked = sorted({r.marked for r in remotes if r.marked})
    index = store.fresh()
    by_key: dict[str, str] = {}
    with index.reading():
        for issue_id, number in index.rows(
                "SELECT id, json_extract(json, ?) FROM issues WHERE instr(json, ?) > 0",
                (f'$.remote."{bridge}".number', f'"{bridge}"')):
            if number is not None and str(number) in keys:
                by_key[str(number)] = issue_id
        known = {r[0] for r in index.rows(
            f"SELECT id FROM issues WHERE id IN ({','.join('?' * len(marked))})", marked)
        } if marked else set()
    return by_key, known
