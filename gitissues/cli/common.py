"""What the command modules share besides printing: opening the store of the repository the
command runs in (after `-C`), and reading a file named on the command line. The store is
imported here only when opened, so `gi --help` and the parser stay light."""

from __future__ import annotations

import sys

from gitissues.errors import UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from gitissues.store import Store


def open_cli_store() -> Store:
    """The store of the repository that contains the working directory."""
    from gitissues.store import open_store

    return open_store(".")


def read_file_arg(file: str) -> str:
    """A file named on the command line (or - for stdin): missing or unreadable is a usage
    error naming it, and so is text that is not UTF-8 — refused here, before anything is
    written."""
    from pathlib import Path  # (only commands that read a file pay for it)

    where = "stdin" if file == "-" else file
    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}", file=file) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{where}: not UTF-8 text (byte {exc.start} is "
                         f"{data[exc.start]:#04x}); nothing was written", file=where) from None
