"""Git's own implementations, for tests that hold gi's in-process ones to them: a commit built
by `git fast-import` from a parent and a set of changes, and a ref moved by `git update-ref`.
(tests/ is on sys.path, like conftest.)"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterable, Mapping

from gitissues.git import OID_RE, ZERO_OID, RepoPaths

SCRATCH_REF = "refs/issue-facade/scratch"  # named in the stream, never written


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def fast_import_commit(paths: RepoPaths, parent: str | None,
                       changes: Mapping[str, bytes | tuple[str] | None], message: str,
                       author: tuple[str, str], merged: Iterable[str] = ()) -> str:
    """What `gitissues.git.commits.write_commit` makes, as git fast-import makes it."""
    stamp = f"{author[0]} <{author[1]}> {int(time.time())} +0000".encode()
    parts = [b"feature done\n", b"reset %s\n\n" % SCRATCH_REF.encode(),
             b"commit %s\nmark :1\n" % SCRATCH_REF.encode(),
             b"author " + stamp + b"\n", b"committer " + stamp + b"\n",
             _data(message.encode("utf-8"))]
    if parent is not None:
        parts.append(b"from %s\n" % parent.encode())
    parts += [b"merge %s\n" % m.encode() for m in merged]
    for path, content in sorted(changes.items()):
        if content is None:
            parts.append(b"D %s\n" % path.encode())
        elif isinstance(content, tuple):
            parts.append(b"M 100644 %s %s\n" % (content[0].encode(), path.encode()))
        else:
            parts.append(b"M 100644 inline %s\n" % path.encode())
            parts.append(_data(content))
    parts += [b"\nget-mark :1\n", b"reset %s\n\n" % SCRATCH_REF.encode(), b"done\n"]
    proc = subprocess.run(["git", "fast-import", "--quiet", "--date-format=raw"],
                          cwd=paths.worktree, input=b"".join(parts), capture_output=True)
    out = proc.stdout.decode().strip()
    if proc.returncode != 0 or not OID_RE.match(out):
        raise AssertionError(f"git fast-import failed: {proc.stderr.decode()}")
    return out


def git_update_ref(paths: RepoPaths, ref: str, new: str, old: str | None) -> bool:
    """`git update-ref REF NEW OLD`: True if it moved the ref."""
    proc = subprocess.run(["git", "update-ref", ref, new, old or ZERO_OID],
                          cwd=paths.worktree, capture_output=True)
    return proc.returncode == 0
