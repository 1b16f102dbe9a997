"""Issue Facade: a git-native issue tracker for coding agents and the people who work with them.

`open_store(path)` gives the Python API; the `gi` command is a thin layer over it.
`Receiver` (from `gitissues.webhooks`, loaded on first use) receives the trackers' webhooks.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~3 ms to import

__version__ = "0.1.0"

if TYPE_CHECKING:
    from gitissues.store import Store
    from gitissues.webhooks.receiver import Receiver

__all__ = ["Receiver", "open_store"]


def open_store(path: str = ".") -> Store:
    """The issue store of the git repository that contains `path`."""
    from gitissues.store import open_store as _open

    return _open(path)


def __getattr__(name: str) -> object:
    """`gitissues.Receiver`, imported only when asked for (the CLI never needs it)."""
    if name == "Receiver":
        from gitissues.webhooks.receiver import Receiver

        return Receiver
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
