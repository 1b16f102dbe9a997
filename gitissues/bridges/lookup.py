"""Which local issue is a remote issue: the remote keys a bridge's issues map to, asked of the
index (its keys table and the issues' JSON), never by parsing every issue. A pull looks them up
before its transaction; `Snapshot.mapped` checks again inside it."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitissues.bridges.base import Remote
    from gitissues.store.core import StoreCore


def mapped(store: StoreCore, bridge: str) -> tuple[dict[str, str], set[str]]:
    """(remote key → local id of every issue mapped to `bridge`, every local id)."""
    index = store.fresh()
    with index.reading():
        return index.mapped(bridge), index.ids()


def mapped_to(store: StoreCore, bridge: str, remotes: list[Remote]
              ) -> tuple[dict[str, str], set[str]]:
    """`mapped` narrowed to `remotes`: their keys' local ids and which ids their markers name
    exist (a pull of one issue must not read every issue of the store)."""
    marked = sorted({r.marked for r in remotes if r.marked})
    index = store.fresh()
    with index.reading():
        by_key = index.mapped(bridge, sorted({r.key for r in remotes}))
        known = {r[0] for r in index.rows(
            f"SELECT id FROM issues WHERE id IN ({','.join('?' * len(marked))})", marked)
        } if marked else set()
    return by_key, known
