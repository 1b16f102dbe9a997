"""An exclusive lock between processes on one file, for tree-mode writes.

`fcntl.flock` where it exists: the `filelock` package costs ~45 ms to import here, about a
whole command's budget, for what is one system call on POSIX. The kernel releases the lock when
the holder dies, so a killed writer never leaves it behind.
"""

from __future__ import annotations

import os
from pathlib import Path

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._other: Any = None

    def __enter__(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # Windows: the portable package
            from filelock import FileLock as Portable

            self._other = Portable(str(self.path))
            self._other.acquire()
            return self
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._other is not None:
            self._other.release()
        elif self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two files (Linux `renameat2(RENAME_EXCHANGE)`); False where the system
    cannot, and the caller falls back to check-then-replace."""
    global _renameat2
    if _renameat2 is None:
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            _renameat2 = libc.renameat2
        except (OSError, AttributeError):
            _renameat2 = False
    if not _renameat2:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if _renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    import ctypes

    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: not on this file system
        return False
    raise OSError(err, os.strerror(err), str(b))


_renameat2: Any = None
