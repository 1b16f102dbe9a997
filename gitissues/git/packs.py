"""Pack files read in place: an index (.idx v1 or v2) finds an object's offset, the pack (v2 or
v3) holds it zlib-compressed, whole or as a delta against another object.

Both files are mmapped for the life of a `Pack`, so a lookup is a binary search in mapped memory
and a read inflates only the object's own bytes. On Linux a mapping outlives the file: a pack
that `git gc` deletes while we hold it stays readable; one deleted before we opened it raises
`FileNotFoundError`, which `objects.ObjectStore` answers by re-scanning the pack directory.
"""

from __future__ import annotations

import mmap
import os
import zlib

from gitissues.errors import InvalidData

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from pathlib import Path

TYPES = {1: "commit", 2: "tree", 3: "blob", 4: "tag"}
OFS_DELTA, REF_DELTA = 6, 7
_IDX_V2_MAGIC = b"\377tOc"


class Corrupt(InvalidData):
    """An object or a pack that git itself would refuse to read (truncated, bad header)."""

    code = "corrupt_object"


def _map(path: str | os.PathLike[str]) -> mmap.mmap:
    with open(path, "rb") as f:
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def _u32(buf: mmap.mmap | bytes, pos: int) -> int:
    return int.from_bytes(buf[pos:pos + 4], "big")


class Pack:
    """One `pack-*.idx` and its `pack-*.pack`. The pack is mapped at the first read, as git
    does, so scanning a directory of packs costs one mapping per index only."""

    def __init__(self, idx_path: str | os.PathLike[str]) -> None:
        self.idx_path = idx_path
        self.pack_file = os.path.splitext(os.fspath(idx_path))[0] + ".pack"
        self.idx = _map(idx_path)
        self.pack: mmap.mmap | None = None
        self.freshened = False
        if self.idx[:4] == _IDX_V2_MAGIC:
            if _u32(self.idx, 4) != 2:
                raise Corrupt(f"{idx_path}: unsupported pack index version {_u32(self.idx, 4)}")
            self.fanout, self.version = 8, 2
        else:
            self.fanout, self.version = 0, 1
        self.count = _u32(self.idx, self.fanout + 255 * 4)
        self.ids = self.fanout + 1024  # v2: the sorted ids; v1: (offset, id) records
        if self.version == 2:
            self.offsets = self.ids + 24 * self.count  # after the ids and their CRCs
            self.large = self.offsets + 4 * self.count
            end = self.large + 40
        else:
            end = self.ids + 24 * self.count + 40
        if len(self.idx) < end:
            raise Corrupt(f"{idx_path}: truncated pack index")

    def close(self) -> None:
        self.idx.close()
        if self.pack is not None:
            self.pack.close()

    # --- the index -------------------------------------------------------------------------

    def _id_at(self, k: int) -> bytes:
        if self.version == 2:
            return self.idx[self.ids + 20 * k:self.ids + 20 * k + 20]
        return self.idx[self.ids + 24 * k + 4:self.ids + 24 * k + 24]

    def find(self, oid: bytes) -> int | None:
        """The offset of object `oid` (20 raw bytes) in the pack, None if not in this pack."""
        first = oid[0]
        lo = _u32(self.idx, self.fanout + 4 * (first - 1)) if first else 0
        hi = _u32(self.idx, self.fanout + 4 * first)
        while lo < hi:
            mid = (lo + hi) // 2
            here = self._id_at(mid)
            if here < oid:
                lo = mid + 1
            elif here > oid:
                hi = mid
            else:
                return self._offset_at(mid)
        return None

    def _offset_at(self, k: int) -> int:
        if self.version == 1:
            return _u32(self.idx, self.ids + 24 * k)
        off = _u32(self.idx, self.offsets + 4 * k)
        if off & 0x80000000:  # an index into the table of 8-byte offsets
            at = self.large + 8 * (off & 0x7FFFFFFF)
            off = int.from_bytes(self.idx[at:at + 8], "big")
        return off

    @property
    def pack_path(self) -> Path:
        from pathlib import Path

        return Path(self.pack_file)

    def all_ids(self) -> list[str]:
        """Every object id in the pack, in index order (for tests and checks)."""
        return [self._id_at(k).hex() for k in range(self.count)]

    # --- the pack --------------------------------------------------------------------------

    def _data(self) -> mmap.mmap:
        if self.pack is None:
            pack = _map(self.pack_file)
            if pack[:4] != b"PACK" or _u32(pack, 4) not in (2, 3):
                pack.close()
                raise Corrupt(f"{self.pack_file}: not a version 2 or 3 pack")
            self.pack = pack
        return self.pack

    def entry(self, offset: int) -> tuple[int, int, int, int | bytes | None]:
        """The header of the object at `offset`: (type number, inflated size, offset of its
        compressed data, delta base: an offset for OFS_DELTA, a raw id for REF_DELTA)."""
        pack = self._data()
        pos = offset
        c = pack[pos]
        kind, size, shift = (c >> 4) & 7, c & 15, 4
        while c & 0x80:
            pos += 1
            c = pack[pos]
            size |= (c & 0x7F) << shift
            shift += 7
        pos += 1
        base: int | bytes | None = None
        if kind == OFS_DELTA:
            c = pack[pos]
            back = c & 0x7F
            while c & 0x80:
                pos += 1
                c = pack[pos]
                back = ((back + 1) << 7) | (c & 0x7F)
            pos += 1
            base = offset - back
            if not 0 < base < offset:
                raise Corrupt(f"{self.pack_file}: bad delta base offset at {offset}")
        elif kind == REF_DELTA:
            base, pos = pack[pos:pos + 20], pos + 20
        elif kind not in TYPES:
            raise Corrupt(f"{self.pack_file}: bad object type {kind} at {offset}")
        return kind, size, pos, base

    def inflate(self, pos: int, size: int) -> bytes:
        """The `size` bytes zlib-compressed at `pos`."""
        pack = self._data()
        d = zlib.decompressobj()
        parts, got, step = [], 0, size + 64
        try:
            while not d.eof:
                chunk = pack[pos:pos + step]
                if not chunk:
                    break
                pos += step
                part = d.decompress(chunk)
                parts.append(part)
                got += len(part)
                if got > size:
                    break
        except zlib.error as e:
            raise Corrupt(f"{self.pack_file}: bad compressed data at {pos}: {e}") from None
        if not d.eof or got != size:
            raise Corrupt(f"{self.pack_file}: object at {pos} does not inflate to {size} bytes")
        return b"".join(parts)


def _varint(delta: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        c = delta[pos]
        pos += 1
        value |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return value, pos


def apply_delta(base: bytes, delta: bytes) -> bytes:
    """git's delta format: the base's and the result's sizes, then instructions that either copy
    a range of the base (high bit set: which offset and size bytes follow is in the low bits)
    or insert the next 1–127 bytes of the delta."""
    try:
        src_size, pos = _varint(delta, 0)
        dst_size, pos = _varint(delta, pos)
        if src_size != len(base):
            raise Corrupt(f"delta expects a {src_size}-byte base, got {len(base)} bytes")
        out, end, src = bytearray(), len(delta), memoryview(base)
        while pos < end:
            cmd = delta[pos]
            pos += 1
            if cmd & 0x80:
                off = size = 0
                for bit, shift in ((1, 0), (2, 8), (4, 16), (8, 24)):
                    if cmd & bit:
                        off |= delta[pos] << shift
                        pos += 1
                for bit, shift in ((0x10, 0), (0x20, 8), (0x40, 16)):
                    if cmd & bit:
                        size |= delta[pos] << shift
                        pos += 1
                size = size or 0x10000
                if off + size > len(base):
                    raise Corrupt("delta copies past the end of its base")
                out += src[off:off + size]
            elif cmd:
                if pos + cmd > end:
                    raise Corrupt("delta inserts past its own end")
                out += delta[pos:pos + cmd]
                pos += cmd
            else:
                raise Corrupt("delta has a reserved instruction 0")
    except IndexError:
        raise Corrupt("truncated delta") from None
    if len(out) != dst_size:
        raise Corrupt(f"delta made {len(out)} bytes, expected {dst_size}")
    return bytes(out)
