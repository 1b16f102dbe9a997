"""What the two store backends (branch and tree mode) share: the interface the Store calls,
the shape of one change, and the commit message with trailers the activity log reads."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from gitissues.model import Issue
from gitissues.store.index import Index

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Protocol

    class Snapshot(Protocol):
        """The store as it was when a change was computed."""

        def get(self, issue_id: str) -> Issue | None: ...

        def exists(self, issue_id: str) -> bool: ...

        def settings(self) -> dict: ...


    class Backend(Protocol):
        mode: str

        def display_path(self, issue_id: str) -> str: ...

        def refresh(self, index: Index) -> None:
            """Bring the index (and any derived copy) up to the store's current state."""

        def transact(self, index: Index, fn: Callable[[Snapshot], Change]) -> Change:
            """Compute a change on the current state and apply it atomically; retried on races."""

        def settings(self) -> dict: ...

        def write_settings(self, settings: dict, actor: str) -> None: ...

        def initialized(self) -> bool: ...


REF = "refs/heads/issue-facade"
MAX_TRAILER_IDS = 50


class Change:
    """One store change: what `fn` in `transact` returns, and what the commit records.
    `commit` (tree mode) also commits the files to the code branch."""

    def __init__(self, op: str, actor: str, summary: str, issues: list[Issue] | None = None,
                 agent_type: str | None = None, commit: bool = False) -> None:
        self.op, self.actor, self.summary = op, actor, summary
        self.issues: list[Issue] = issues or []
        self.agent_type, self.commit = agent_type, commit

    def message(self) -> str:
        ids = [i.id for i in self.issues]
        subject = f"{self.op} {ids[0]}: {self.summary}" if len(ids) == 1 else (
            f"{self.op}: {self.summary}")
        lines = [subject[:200], "", f"Gi-Actor: {self.actor}", f"Gi-Op: {self.op}"]
        if self.agent_type:
            lines.append(f"Gi-Agent-Type: {self.agent_type}")
        if len(ids) <= MAX_TRAILER_IDS:
            lines += [f"Gi-Issue: {i}" for i in ids]
        else:
            lines.append(f"Gi-Issue-Count: {len(ids)}")
        return "\n".join(lines) + "\n"


def write_atomic(path: Path, data: bytes, mode: int = 0o644, durable: bool = True) -> None:
    """Write a whole file or nothing: a reader or a crash never sees half of it. `durable`
    also syncs it to disk first; derived copies that can be rebuilt skip that."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        if durable:
            f.flush()
            os.fsync(f.fileno())
    os.chmod(tmp, mode)
    os.replace(tmp, path)
