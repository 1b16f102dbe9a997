"""Trees and blobs in bulk through git's own plumbing: list and diff trees, read many objects
at once (`cat-file --batch`), for catching the index up with the store. A single change is
written in-process instead (`commits`, `refs`: no process at all).
"""

from __future__ import annotations

from gitissues.errors import GiError, InvalidData
from gitissues.git import RepoPaths, is_oid, run

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Iterable



class Missing(InvalidData):
    """An object the store needs is not in the repository (a broken clone, a bad gc)."""

    code = "missing_object"


def _oid(value: str) -> str:
    if not is_oid(value):
        raise GiError(f"not an object id: {value!r}")
    return value


def blob_oid(data: bytes) -> str:
    """The id git gives these bytes as a blob (to tell whether a file changed, without git)."""
    from gitissues.ids import sha1_hex

    return sha1_hex(b"blob %d\0" % len(data) + data)


def commit_exists(paths: RepoPaths, oid: str) -> bool:
    proc = run(paths, "cat-file", "-e", f"{_oid(oid)}^{{commit}}", check=False)
    return proc.returncode == 0


def is_ancestor(paths: RepoPaths, ancestor: str, of: str) -> bool:
    if ancestor == of:
        return True
    proc = run(paths, "merge-base", "--is-ancestor", _oid(ancestor), _oid(of), check=False)
    if proc.returncode in (0, 1):
        return proc.returncode == 0
    raise GiError(f"git merge-base failed: {proc.stderr.strip()}")


# --- reading ------------------------------------------------------------------------------------

def ls_tree(paths: RepoPaths, commit: str, *tops: str) -> dict[str, str]:
    """Every blob at or below `tops` in `commit`: {path: blob id}."""
    proc = run(paths, "ls-tree", "-r", "-z", "--full-tree", _oid(commit), "--", *tops,
               check=False)
    if proc.returncode != 0:
        raise Missing(f"cannot read the store commit {commit}: {proc.stderr.strip()}",
                      commit=commit)
    out: dict[str, str] = {}
    for entry in proc.stdout.split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        _mode, kind, oid = meta.split(" ")
        if kind == "blob":
            out[path] = oid
    return out


def diff_tree(paths: RepoPaths, old: str, new: str, *tops: str) -> dict[str, str | None]:
    """Blobs at or below `tops` that differ between two commits: {path: new blob or None}."""
    proc = run(paths, "diff-tree", "-r", "-z", "--no-renames", "--raw", _oid(old), _oid(new),
               "--", *tops, check=False)
    if proc.returncode != 0:
        raise Missing(f"cannot compare store commits {old} and {new}: {proc.stderr.strip()}")
    out: dict[str, str | None] = {}
    fields = proc.stdout.split("\0")
    for k in range(0, len(fields) - 1, 2):
        meta, path = fields[k], fields[k + 1]
        if not meta.startswith(":"):
            continue
        _src_mode, dst_mode, _src, dst, status = meta[1:].split(" ")
        if dst_mode.startswith("04"):  # a directory entry itself (only without -r)
            continue
        out[path] = None if status.startswith("D") else dst
    return out


def read_objects(paths: RepoPaths, names: Iterable[str]) -> dict[str, bytes | None]:
    """The contents of objects by name (`<oid>` or `<commit>:<path>`), None where missing."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    if any("\n" in n for n in wanted):
        raise GiError("an object name cannot contain a newline")
    proc = run(paths, "cat-file", "--batch", input="\n".join(wanted).encode() + b"\n",
               check=False)
    if proc.returncode != 0:
        raise GiError(f"git cat-file failed: {proc.stderr.decode(errors='replace').strip()}")
    data, pos, out = proc.stdout, 0, {}
    for name in wanted:
        end = data.index(b"\n", pos)
        header = data[pos:end].decode()
        pos = end + 1
        if header.endswith(" missing") or header.endswith(" ambiguous"):
            out[name] = None
            continue
        size = int(header.rsplit(" ", 1)[1])
        out[name] = data[pos:pos + size]
        pos += size + 1
    return out


def delete_ref(paths: RepoPaths, ref: str, old: str | None = None) -> bool:
    args = ["update-ref", "-d", ref] + ([_oid(old)] if old else [])
    return run(paths, *args, check=False).returncode == 0
