"""git's object store read and written in-process, with the standard library only.

A single-issue write must not start a process (agents make thousands; each `git` costs 4–6 ms),
so reading the few trees a change touches and writing its blob, trees and commit happen here:
loose objects are zlib files under `objects/xx/`, packed ones are found through `packs`.
Objects live in the common git directory (shared by every worktree) and in the object
directories that `objects/info/alternates` names.

Importing this module stays cheap: `_sha1` is the bare SHA-1 (`hashlib` loads OpenSSL, ~2.5 ms).
"""

from __future__ import annotations

import os
import zlib

from gitissues import fs
from gitissues.git import RepoPaths, is_oid
from gitissues.git.packs import OFS_DELTA, TYPES, Corrupt, Pack, apply_delta
from gitissues.git.plumbing import Missing

try:
    from _sha1 import sha1
except ImportError:  # an interpreter built without it
    from hashlib import sha1

__all__ = ["Corrupt", "Missing", "ObjectStore", "object_id"]

KINDS = frozenset(TYPES.values())
_CACHE_BYTES = 8 << 20  # delta bases kept for the next read (trees share bases)
_MAX_CHAIN = 10_000  # git stops at 4095; a longer chain is a loop in a corrupt pack


def object_id(kind: str, data: bytes) -> str:
    """The id git gives `data` as an object of type `kind`."""
    return sha1(b"%s %d\0" % (kind.encode(), len(data)) + data).hexdigest()


def _check(oid: str) -> str:
    if not isinstance(oid, str) or not is_oid(oid):
        raise ValueError(f"not an object id: {oid!r}")
    return oid


class ObjectStore:
    """Reads objects by id (loose, packed, from alternates) and writes loose objects.

    Pack indexes stay mapped for the life of the store; `close()` (or `with`) unmaps them.
    An id not found re-scans the pack directories first: a `git gc` or a fetch may have
    packed it since."""

    def __init__(self, paths: RepoPaths) -> None:
        self.paths = paths
        self.dirs = _object_dirs(os.path.join(paths.common_dir, "objects"))
        self._roots = [f"{d}/" for d in self.dirs]  # plain strings: a Path join costs ~10 µs
        self.packs: list[Pack] = []
        self._cache: dict[tuple[Pack, int], tuple[int, bytes]] = {}
        self._cached = 0
        self._scan()

    def close(self) -> None:
        for pack in self.packs:
            pack.close()
        self.packs, self._cache, self._cached = [], {}, 0

    def __enter__(self) -> ObjectStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ---------------------------------------------------------------------------

    def read(self, oid: str) -> tuple[str, bytes]:
        """(type, contents) of object `oid`; `Missing` if the repository does not have it."""
        found = self._lookup(_check(oid), header_only=False)
        if found is None:
            raise Missing(f"object {oid} is missing from the repository", oid=oid)
        return found[0], found[1]

    def kind(self, oid: str) -> str | None:
        """The type of object `oid` (commit, tree, blob, tag), None if it is absent."""
        found = self._lookup(_check(oid), header_only=True)
        return None if found is None else found[0]

    def has(self, oid: str) -> bool:
        return self.kind(oid) is not None

    def _lookup(self, oid: str, header_only: bool) -> tuple[str, bytes] | None:
        """git's order: the packs, the loose objects, then both again after a re-scan of the
        pack directories (which only happens when the id was not found)."""
        raw = bytes.fromhex(oid)
        for _ in range(3):
            found = self._from_packs(raw, header_only) or self._loose(oid, header_only)
            if found is not None:
                return found
            if not self._scan():
                break
        return None

    def _loose(self, oid: str, header_only: bool) -> tuple[str, bytes] | None:
        for root in self._roots:
            try:
                with open(f"{root}{oid[:2]}/{oid[2:]}", "rb") as f:
                    raw = f.read()
            except (FileNotFoundError, NotADirectoryError):
                continue
            return _parse_loose(raw, oid, header_only)
        return None

    def _from_packs(self, raw: bytes, header_only: bool) -> tuple[str, bytes] | None:
        for k, pack in enumerate(self.packs):
            offset = pack.find(raw)
            if offset is None:
                continue
            try:
                kind, data = self._packed(pack, offset, header_only)
            except FileNotFoundError:  # gc removed the pack before we mapped it
                continue
            if k:  # the next object is most likely in the same pack
                self.packs.insert(0, self.packs.pop(k))
            return TYPES[kind], data
        return None

    def _packed(self, pack: Pack, offset: int, header_only: bool) -> tuple[int, bytes]:
        """Follow a delta chain down to its base (or a cached object), then apply the deltas
        back up."""
        chain: list[tuple[int, int, int]] = []  # (offset, data position, size) of each delta
        at = offset
        while (pack, at) not in self._cache:
            kind, size, pos, ref = pack.entry(at)
            if kind in TYPES:
                if header_only:
                    return kind, b""
                base = (kind, pack.inflate(pos, size))
                break
            chain.append((at, pos, size))
            if len(chain) > _MAX_CHAIN:
                raise Corrupt(f"{pack.pack_file}: delta chain too long at {offset}")
            at = ref if kind == OFS_DELTA else pack.find(ref)
            if at is None:  # git too looks for a REF_DELTA's base in the same pack only
                raise Corrupt(f"{pack.pack_file}: delta base {ref.hex()} is not in the pack")
        else:
            base = self._cache[(pack, at)]
        kind, data = base
        if header_only:
            return kind, b""
        for at, pos, size in reversed(chain):
            data = apply_delta(data, pack.inflate(pos, size))
            if at != offset:
                self._remember(pack, at, kind, data)
        return kind, data

    def _remember(self, pack: Pack, at: int, kind: int, data: bytes) -> None:
        if len(data) > _CACHE_BYTES // 4:
            return
        while self._cache and self._cached + len(data) > _CACHE_BYTES:  # the oldest go
            _, old = self._cache.pop(next(iter(self._cache)))
            self._cached -= len(old)
        self._cache[(pack, at)] = (kind, data)
        self._cached += len(data)

    def _scan(self) -> bool:
        """Map the indexes of packs added since the last scan and forget those gone (their
        mappings close when the last reference goes); True if the set of packs changed."""
        known = {p.idx_path: p for p in self.packs}
        seen: list[Pack] = []
        for d in self.dirs:
            try:
                names = sorted(n for n in os.listdir(os.path.join(d, "pack"))
                               if n.endswith(".idx"))
            except (FileNotFoundError, NotADirectoryError):
                continue
            for name in names:
                path = os.path.join(d, "pack", name)
                if path in known:
                    seen.append(known.pop(path))
                    continue
                try:
                    seen.append(Pack(path))
                except (FileNotFoundError, ValueError):  # removed meanwhile; or empty
                    continue
        # packs gone are dropped, not closed: a read in progress may still hold one
        added = [p for p in seen if p not in self.packs]
        if known or added:
            self._cache, self._cached = {}, 0
        self.packs = [p for p in self.packs if p in seen] + added
        return bool(known or added)

    # --- writing ---------------------------------------------------------------------------

    def write(self, kind: str, data: bytes) -> str:
        """Store `data` as an object of type `kind` and return its id, as git writes a loose
        object: a temporary file in the fan-out directory, linked into place. An object the
        repository has already is only freshened (so a concurrent prune keeps it)."""
        if kind not in KINDS:
            raise ValueError(f"not an object type: {kind!r}")
        header = b"%s %d\0" % (kind.encode(), len(data))
        oid = sha1(header + data).hexdigest()
        if self._freshen(oid):
            return oid
        folder = f"{self._roots[0]}{oid[:2]}"
        fd, tmp = _create_tmp(folder)
        try:
            with os.fdopen(fd, "wb") as f:
                z = zlib.compressobj(1)  # core.looseCompression's default, Z_BEST_SPEED
                f.write(z.compress(header) + z.compress(data) + z.flush())
        except BaseException:
            os.unlink(tmp)
            raise
        _finalize(tmp, f"{folder}/{oid[2:]}")
        return oid

    def _freshen(self, oid: str) -> bool:
        """True if the object exists, its file's mtime set to now as git does (so that a
        `git prune` running meanwhile keeps it). One we cannot touch is written again."""
        for root in self._roots:
            try:
                os.utime(f"{root}{oid[:2]}/{oid[2:]}")
                return True
            except OSError:
                continue
        raw = bytes.fromhex(oid)
        for pack in self.packs:
            if pack.find(raw) is not None:
                if not pack.freshened:
                    try:
                        os.utime(pack.pack_file)
                    except OSError:
                        continue
                    pack.freshened = True
                return True
        return False


def _parse_loose(raw: bytes, oid: str, header_only: bool) -> tuple[str, bytes]:
    d = zlib.decompressobj()
    try:
        data = d.decompress(raw, 64) if header_only else d.decompress(raw)
    except zlib.error as e:
        raise Corrupt(f"loose object {oid} is corrupt: {e}") from None
    nul = data.find(b"\0")
    kind, _, size = data[:max(nul, 0)].partition(b" ")
    if nul < 0 or kind.decode("latin-1") not in KINDS or not size.isdigit():
        raise Corrupt(f"loose object {oid} has a bad header")
    if header_only:
        return kind.decode(), b""
    if not d.eof or len(data) - nul - 1 != int(size):
        raise Corrupt(f"loose object {oid} is truncated")
    return kind.decode(), data[nul + 1:]


def _object_dirs(main: str, depth: int = 0) -> list[str]:
    """`main` and, recursively (git stops at depth 5), the directories its
    `info/alternates` names, relative to `main` unless absolute."""
    dirs = [main]
    if depth > 5:
        return dirs
    try:
        lines = fs.read_text(os.path.join(main, "info", "alternates")).splitlines()
    except (FileNotFoundError, NotADirectoryError):
        return dirs
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            alt = fs.resolved(os.path.join(main, line))
            if fs.is_dir(alt) and alt not in dirs:
                dirs += [d for d in _object_dirs(alt, depth + 1) if d not in dirs]
    return dirs


def _create_tmp(folder: str) -> tuple[int, str]:
    """An exclusive new `tmp_obj_*` file in `folder` (git's name, so `git prune` cleans it
    up after a crash), creating `folder` if needed, race-safely against a prune removing it."""
    for _ in range(8):
        path = f"{folder}/tmp_obj_{os.getpid()}_{os.urandom(6).hex()}"
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444), path
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
        except FileExistsError:
            continue
    raise OSError(f"cannot create a temporary object file in {folder}")


def _finalize(tmp: str, final: str) -> None:
    """Link the finished file into place; an object someone wrote meanwhile is the same bytes.
    A file system without hard links gets a rename."""
    try:
        os.link(tmp, final)
    except FileExistsError:
        pass
    except OSError:
        os.replace(tmp, final)
        return
    os.unlink(tmp)
