"""File-system paths as plain strings, with pathlib's semantics.

The code every `gi` command runs (finding the repository, reading a ref, the index, the
read-only copies, writing objects and refs) joins its paths with `os.path`: pathlib, with the
modules it imports (urllib.parse, ipaddress, ntpath, fnmatch), costs each process ~4 ms, a
tenth of a command. These helpers keep the answers pathlib gave there: `is_dir` raises on a
permission error as `Path.is_dir` does, `make_dirs` is `Path.mkdir(parents=True,
exist_ok=True)`, `normal_path` is `str(Path(path))`.
"""

from __future__ import annotations

import errno
import os
from stat import S_ISDIR, S_ISREG

# What pathlib takes for "nothing there" rather than an error.
_ABSENT = frozenset((errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP))


def file_mode(path: str) -> int | None:
    """The `st_mode` of `path` (symlinks followed), None if there is nothing there; any other
    failure (e.g. a permission error) raises."""
    try:
        return os.stat(path).st_mode
    except OSError as exc:
        if exc.errno in _ABSENT:
            return None
        raise
    except ValueError:  # a NUL in the name
        return None


def exists(path: str) -> bool:
    return file_mode(path) is not None


def is_dir(path: str) -> bool:
    return S_ISDIR(file_mode(path) or 0)


def is_file(path: str) -> bool:
    return S_ISREG(file_mode(path) or 0)


def read_text(path: str, errors: str | None = None) -> str:
    with open(path, errors=errors) as f:
        return f.read()


def read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def make_dirs(path: str) -> None:
    """`path` and any missing parents, fine if it is there already (a file there raises)."""
    try:
        os.mkdir(path)
    except FileNotFoundError:
        up = parent(path)
        if up == path:
            raise
        make_dirs(up)
        try:
            os.mkdir(path)
        except OSError:
            if not is_dir(path):
                raise
    except OSError:  # EEXIST, or another error the OS reported first (EACCES, EROFS)
        if not is_dir(path):
            raise


def unlink(path: str) -> None:
    """Remove a file; one already gone is fine."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return


def parent(path: str) -> str:
    """`Path(path).parent` of a normal path: `.` for a bare name."""
    return os.path.dirname(path) or "."


def normal_path(path: str) -> str:
    """`str(Path(path))`: repeated slashes and `.` parts dropped, no slash at the end (and a
    leading `//` kept, as POSIX allows)."""
    rest = path.lstrip("/")
    lead = len(path) - len(rest)
    root = "//" if lead == 2 else ("/" if lead else "")
    return root + "/".join(p for p in rest.split("/") if p and p != ".") or "."


def resolved(path: str) -> str:
    """`Path(path).resolve()`: absolute, symlinks resolved (a loop is a RuntimeError)."""
    real = os.path.realpath(path)
    try:
        os.stat(real)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise RuntimeError(f"Symlink loop from {exc.filename!r}") from None
    return real


def expand_home(path: str) -> str:
    """`Path(path).expanduser()`: a leading `~` or `~user` becomes that home directory (a
    RuntimeError where there is none)."""
    if not path.startswith("~"):
        return path
    expanded = os.path.expanduser(path)
    if expanded.startswith("~"):
        raise RuntimeError("Could not determine home directory.")
    return expanded
