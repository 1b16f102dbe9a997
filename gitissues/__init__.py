"""Issue Facade: a git-native issue tracker for coding agents and the people who work with them.

`open_store(path)` gives the Python API; the `gi` command is a thin layer over it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~3 ms to import

__version__ = "0.1.0"

if TYPE_CHECKING:
    from gitissues.store import Store


def open_store(path: str = ".") -> Store:
    """The issue store of the git repository that contains `path`."""
    from gitissues.store import open_store as _open

    return _open(path)
