"""One lease as the store keeps it: a small YAML file per resource, `leases/name-<h>.yaml` or
`leases/path-<h>.yaml` (`h`: the SHA-1 of the resource) at the root of the store branch, or
under `.issue-facade/` in tree mode. The file name says whether a lease covers files, so the
pre-commit hook can tell from a directory listing, without starting Python, that no path is
leased."""

from __future__ import annotations

from gitissues import ids, timeutil, yamlio
from gitissues.errors import InvalidData, UsageError
from gitissues.leases.patterns import check_resource, is_path

FOLDER = "leases"
KEYS = ("resource", "holder", "acquired_at", "expires_at")


def lease_path(resource: str) -> str:
    """Where the lease on `resource` lives, relative to the store's root."""
    kind = "path" if is_path(resource) else "name"
    return f"{FOLDER}/{kind}-{ids.sha1_hex(resource.encode('utf-8', 'surrogateescape'))}.yaml"


class Lease:
    """Who holds a resource, since when and until when (times as the store keeps them: RFC
    3339 UTC to the second, so they compare as text)."""

    __slots__ = KEYS

    def __init__(self, resource: str, holder: str, acquired_at: str, expires_at: str) -> None:
        self.resource, self.holder = resource, holder
        self.acquired_at, self.expires_at = acquired_at, expires_at

    def __repr__(self) -> str:
        return f"Lease({self.resource!r}, {self.holder!r}, until {self.expires_at})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lease) and self.to_json() == other.to_json()

    def live(self, now: str) -> bool:
        return self.expires_at > now

    def to_json(self) -> dict[str, str]:
        return {k: getattr(self, k) for k in KEYS}

    def encode(self) -> bytes:
        return yamlio.emit(self.to_json()).encode("utf-8")

    @classmethod
    def decode(cls, data: bytes, where: str) -> Lease:
        """A lease file; InvalidData naming `where` when it is not one."""
        try:
            loaded = yamlio.load_fast(data.decode("utf-8"), where)
        except UnicodeDecodeError:
            raise InvalidData(f"{where}: not UTF-8 text", file=where) from None
        if not isinstance(loaded, dict) or any(not loaded.get(k) for k in KEYS):
            raise InvalidData(f"{where}: a lease file needs {', '.join(KEYS)}", file=where)
        try:
            times = [timeutil.normalize_time(loaded[k]) for k in ("acquired_at", "expires_at")]
        except (ValueError, TypeError):
            raise InvalidData(f"{where}: acquired_at and expires_at must be RFC 3339 times",
                              file=where) from None
        lease = cls(str(loaded["resource"]), str(loaded["holder"]), *times)
        try:
            check_resource(lease.resource)  # from another clone, maybe written by hand
        except UsageError as exc:
            raise InvalidData(f"{where}: {exc.message}", file=where) from None
        if not where.endswith(lease_path(lease.resource)):
            raise InvalidData(f"{where}: the file of {lease.resource!r} has another name",
                              file=where)
        return lease


def parse_all(files: dict[str, bytes]) -> tuple[dict[str, Lease], list[str]]:
    """The leases among `files` ({path: bytes}), and a warning for each file that is not one
    (it is left out: a lease nobody can read excludes nothing)."""
    leases: dict[str, Lease] = {}
    warnings = []
    for path, data in sorted(files.items()):
        if not path.endswith(".yaml"):
            continue
        try:
            leases[path] = Lease.decode(data, path)
        except InvalidData as exc:
            warnings.append(exc.message)
    return leases, warnings
