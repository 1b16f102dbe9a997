"""`with store.lease("db-migration", ttl="5m"):` — the Python API's lease (SPEC §12): acquired
on entering the block, released on leaving it, also through an exception. A holder that may
outlive its TTL asks for a heartbeat: a background thread extends the lease every third of the
TTL until the block ends, through a store of its own (a store's SQLite connection belongs to the
thread that opened it)."""

from __future__ import annotations

import threading

from gitissues.errors import GiError
from gitissues.leases import ops

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitissues.leases.model import Lease
    from gitissues.store.core import StoreCore


class Held:
    """A lease held for the length of a `with` block. `lease` is the lease as last written
    (the heartbeat renews it); `lost` is the error that stopped the heartbeat, if one did (the
    lease expired and another agent took it, say): the work under it is no longer exclusive."""

    def __init__(self, store: StoreCore, resource: str, ttl: str | None = None,
                 remote: str | None = None, wait: str | None = None,
                 heartbeat: bool | float = False) -> None:
        self.store, self.resource, self.ttl = store, resource, ttl
        self.remote, self.wait, self.heartbeat = remote, wait, heartbeat
        self.lease: Lease | None = None
        self.lost: GiError | None = None
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def __enter__(self) -> Held:
        self.lease = ops.acquire(self.store, self.resource, self.ttl, self.remote, self.wait)
        if self.heartbeat:
            every = (float(self.heartbeat) if not isinstance(self.heartbeat, bool)
                     else ops.ttl_of(self.store, self.ttl).total_seconds() / 3)
            self._beat = threading.Thread(target=self._renew, args=(max(every, 0.5),),
                                          name=f"gi-lease-heartbeat {self.resource}",
                                          daemon=True)
            self._beat.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: object) -> None:
        """Release the lease. If the block raised, its exception goes on unchanged (a failed
        release does not hide it); if not, a release that fails raises: exit 4 when another
        agent holds the lease now, 3 when its file is gone (cleared long after it expired) —
        either way the work under it was not exclusive to the end."""
        self.stop_heartbeat()
        try:
            ops.release(self.store, self.resource, self.remote)
        except GiError:
            if kind is None:
                raise

    def extend(self, ttl: str | None = None) -> Lease:
        """Prolong the lease now (by `ttl`, else the TTL it was taken with)."""
        self.lease = ops.extend(self.store, self.resource, ttl or self.ttl, self.remote)
        return self.lease

    def stop_heartbeat(self) -> None:
        self._stop.set()
        if self._beat is not None and self._beat is not threading.current_thread():
            self._beat.join()

    def _renew(self, every: float) -> None:
        own = type(self.store)(self.store.paths, self.store.mode)  # a store of its own
        try:
            while not self._stop.wait(every):
                try:
                    self.lease = ops.extend(own, self.resource, self.ttl, self.remote)
                except GiError as exc:
                    self.lost = exc
                    return
        finally:
            if "index" in own.__dict__:  # opened by an extension (a cached property)
                own.index.close()
