"""What a change of one lease file says on the activity stream (SPEC §12): `lease.acquired`,
`lease.released`, `lease.extended`, `lease.expired`. Derived from the file's two versions, as a
claim's events are from an issue's, so a lease written by any gi (or merged in) is logged."""

from __future__ import annotations

from gitissues.errors import InvalidData
from gitissues.leases.model import Lease

TYPES = ("lease.acquired", "lease.released", "lease.extended", "lease.expired")


def read(data: bytes | None, path: str) -> Lease | None:
    if data is None:
        return None
    try:
        return Lease.decode(data, path)
    except InvalidData:
        return None


def diff(old: Lease | None, new: Lease | None, op: str, actor: str, when: str
         ) -> list[tuple[str, dict]]:
    """Events `(type, fields)` for a lease file changed from `old` to `new` by a commit with
    op `op` by `actor` at `when`. A lease that ends is `expired` when it had run out by then
    and its holder did not release it, else `released`; another holder (or the same one after
    the lease ran out) taking it is an end and an acquisition."""
    if old == new:
        return []
    out: list[tuple[str, dict]] = []
    if old is not None and (new is None or new.holder != old.holder
                            or new.acquired_at != old.acquired_at):
        given_back = op == "lease.release" and actor == old.holder
        ran_out = bool(when) and old.expires_at <= when
        out.append(("lease.expired" if ran_out and not given_back else "lease.released",
                     old.to_json()))
    if new is not None and (old is None or out):
        out.append(("lease.acquired", new.to_json()))
    elif new is not None and old is not None:
        out.append(("lease.extended", {**new.to_json(), "expires_at": {
            "old": old.expires_at, "new": new.expires_at}}))
    return out
