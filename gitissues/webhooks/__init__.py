"""Receiving the hosted trackers' webhook deliveries (SPEC §9): `Receiver` (also what
`gi webhook serve` runs); `verify` judges one delivery's signature. Imported lazily: the CLI's
start-up never loads the HTTP server."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gitissues.webhooks.receiver import Receiver

__all__ = ["Receiver"]


def __getattr__(name: str) -> object:
    if name == "Receiver":
        from gitissues.webhooks.receiver import Receiver

        return Receiver
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
