"""Objects and refs through git's own plumbing: list and diff trees, read blobs, write a commit,
move a ref by compare-and-swap.

A single-issue change must stay cheap (agents make thousands), and importing pygit2 alone costs
~70 ms here, so the hot paths use the system `git`: `fast-import` builds the new trees and the
commit from the parent's tree in one process (and writes them as one small pack, not five loose
objects), and `update-ref NEW OLD` is git's own compare-and-swap, the same lock protocol that
`git update-ref`, `git pack-refs` and every other writer of the ref obey.
"""

from __future__ import annotations

import re
import time

from gitissues.errors import GiError, InvalidData
from gitissues.git import OID_RE, ZERO_OID, RepoPaths, run

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

SCRATCH_REF = "refs/issue-facade/scratch"  # named in fast-import's stream, never written
_SAFE_PATH = re.compile(r"^[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*$")
_SAFE_NAME = re.compile(r"[<>\n\r\0]")
BLOB_MODE = "100644"


class Missing(InvalidData):
    """An object the store needs is not in the repository (a broken clone, a bad gc)."""

    code = "missing_object"


def _oid(value: str) -> str:
    if not OID_RE.match(value):
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


def blob_at(paths: RepoPaths, commit: str | None, path: str) -> bytes | None:
    """The file `path` in `commit` (None: no commit, or no such file)."""
    if commit is None:
        return None
    return read_objects(paths, [f"{_oid(commit)}:{path}"])[f"{commit}:{path}"]


# --- writing ------------------------------------------------------------------------------------

def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def write_commit(paths: RepoPaths, parent: str | None,
                 changes: Mapping[str, bytes | tuple[str] | None], message: str,
                 author: tuple[str, str], merged: Iterable[str] = ()) -> str:
    """A commit on `parent` (None: a root commit) with files set (bytes), moved in from an
    existing blob (`(blob_id,)`) or removed (None); `merged` adds parents. Returns its id;
    no ref moves (see `update_ref`)."""
    name = _SAFE_NAME.sub("", author[0]).strip() or "gi"
    email = _SAFE_NAME.sub("", author[1]).strip() or "gi@issue-facade.invalid"
    stamp = f"{name} <{email}> {int(time.time())} +0000".encode()
    parts = [b"feature done\n", b"reset %s\n\n" % SCRATCH_REF.encode(),
             b"commit %s\nmark :1\n" % SCRATCH_REF.encode(),
             b"author " + stamp + b"\n", b"committer " + stamp + b"\n",
             _data(message.encode("utf-8"))]
    if parent is not None:
        parts.append(b"from %s\n" % _oid(parent).encode())
    parts += [b"merge %s\n" % _oid(m).encode() for m in merged]
    for path, content in sorted(changes.items()):
        if not _SAFE_PATH.match(path):
            raise GiError(f"refusing to write an unsafe store path: {path!r}")
        if content is None:
            parts.append(b"D %s\n" % path.encode())
        elif isinstance(content, tuple):
            parts.append(b"M %s %s %s\n" % (BLOB_MODE.encode(), _oid(content[0]).encode(),
                                            path.encode()))
        else:
            parts.append(b"M %s inline %s\n" % (BLOB_MODE.encode(), path.encode()))
            parts.append(_data(content))
    parts += [b"\nget-mark :1\n", b"reset %s\n\n" % SCRATCH_REF.encode(), b"done\n"]
    stream = b"".join(parts)
    for attempt in range(8):
        code, out, err = _fast_import(paths, stream)
        if code == 0 and OID_RE.match(out):
            return out
        # two processes writing the very same objects at once (two syncs computing one
        # merge) make the very same pack: the second finds the first's .keep file
        if "keep file" not in err or attempt == 7:
            raise GiError(f"git fast-import failed: {err or out}")
        time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def _fast_import(paths: RepoPaths, stream: bytes) -> tuple[int, str, str]:
    """One `git fast-import` run; a crash report it leaves in the git directory is removed
    (the error is reported to the caller instead)."""
    import os
    import subprocess

    # fastimport.unpackLimit=1: keep the objects as one small pack (five loose files otherwise)
    proc = subprocess.Popen(["git", "-c", "fastimport.unpackLimit=1", "fast-import", "--quiet",
                             "--date-format=raw"], cwd=paths.worktree, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ)
    out, err = proc.communicate(stream)
    if proc.returncode != 0:
        for folder in {paths.gitdir, paths.commondir}:
            (folder / f"fast_import_crash_{proc.pid}").unlink(missing_ok=True)
    return (proc.returncode, out.decode(errors="replace").strip(),
            err.decode(errors="replace").strip())


_LOST_RACE = ("cannot lock ref", "file exists", "reference already exists", "but expected")


def update_ref(paths: RepoPaths, ref: str, new: str, old: str | None,
               reason: str = "gi: update store") -> bool:
    """Move `ref` to `new` only if it still points at `old` (None: only if it does not exist).
    False when another writer moved or holds it (a lost race); other failures raise."""
    proc = run(paths, "update-ref", "-m", reason, ref, _oid(new), _oid(old) if old else ZERO_OID,
               check=False)
    if proc.returncode == 0:
        return True
    err = proc.stderr.strip()
    if any(s in err.lower() for s in _LOST_RACE):
        return False
    raise GiError(f"cannot update {ref}: {err}")


def delete_ref(paths: RepoPaths, ref: str, old: str | None = None) -> bool:
    args = ["update-ref", "-d", ref] + ([_oid(old)] if old else [])
    return run(paths, *args, check=False).returncode == 0
