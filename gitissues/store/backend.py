"""What the two store backends (branch and tree mode) share: the interface the store core calls,
the shape of one change, the commit message with trailers the activity log reads, and the
checks every write makes before anything reaches the disk."""

from __future__ import annotations

import os
import re

from gitissues import fs
from gitissues.errors import InvalidData
from gitissues.model import Issue
from gitissues.store.index import Index

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Protocol

    class Snapshot(Protocol):
        """The store as it was when a change was computed."""

        def get(self, issue_id: str) -> Issue | None: ...

        def exists(self, issue_id: str) -> bool: ...

        def mapped(self, bridge: str, keys: list[str]) -> dict[str, str]:
            """Remote number → the issue mapped to it on `bridge` in this state, for `keys` (a
            pull decides inside its transaction whether a remote issue is new)."""

        def settings(self) -> dict: ...

        def files(self, folder: str) -> dict[str, bytes]:
            """The files directly in `folder` of the store (not issues: leases)."""


    class Backend(Protocol):
        mode: str

        def display_path(self, issue_id: str) -> str: ...

        def refresh(self, index: Index) -> None:
            """Bring the index (and any derived copy) up to the store's current state."""

        def transact(self, index: Index, fn: Callable[[Snapshot], Change]) -> Change:
            """Compute a change on the current state and apply it atomically; retried on races."""

        def settings(self) -> dict: ...

        def write_settings(self, settings: dict, actor: str) -> None: ...

        def update_settings(self, mutate: Callable[[dict], dict | None], actor: str) -> dict:
            """Change the settings as one atomic read-modify-write (None from `mutate`: keep)."""

        def initialized(self) -> bool: ...


REF = "refs/heads/issue-facade"
SETTINGS_FILE = "config.yaml"  # branch mode: the settings, beside issues/ on REF
MAX_TRAILER_IDS = 50
# Anything that could end a line in a commit message (git, `git interpret-trailers`, editors);
# the pattern is compiled only for a value that holds one (compiling costs ~0.3 ms).
_LINE_BREAKS = r"[\x00-\x1f\x7f\x85\u2028\u2029]+"
_BREAKING = frozenset([*map(chr, range(0x20)), "\x7f", "\x85", "\u2028", "\u2029"])


def one_line(text: str) -> str:
    """`text` with every line break and control character turned into a space, so that no
    value (a title, a reason, an agent name) can start a line of a commit message and forge
    a trailer."""
    if _BREAKING.isdisjoint(text):
        return text.strip()
    return re.sub(_LINE_BREAKS, " ", text).strip()


class Change:
    """One store change: what `fn` in `transact` returns, and what the commit records.
    `commit` (tree mode) also commits the files to the code branch."""

    def __init__(self, op: str, actor: str, summary: str, issues: list[Issue] | None = None,
                 agent_type: str | None = None, commit: bool = False) -> None:
        self.op, self.actor, self.summary = op, actor, summary
        self.issues: list[Issue] = issues or []
        self.agent_type, self.commit = agent_type, commit
        self.conflicts: list[dict] = []  # merge conflicts it resolved (a bridge's merge)
        # files that are not issues ({path from the store's root: bytes, None to remove}):
        # leases
        self.files: dict[str, bytes | None] = {}

    def message(self) -> str:
        """Subject, blank line, then the trailer block: every value on its own line by
        construction (`one_line`), so the last paragraph holds exactly these trailers."""
        ids = [i.id for i in self.issues]
        summary = one_line(self.summary)
        subject = f"{self.op} {ids[0]}: {summary}" if len(ids) == 1 else (
            f"{self.op}: {summary}")
        lines = [subject[:200], "", f"Gi-Actor: {one_line(self.actor)}",
                 f"Gi-Op: {one_line(self.op)}"]
        if self.agent_type:
            lines.append(f"Gi-Agent-Type: {one_line(self.agent_type)}")
        if len(ids) <= MAX_TRAILER_IDS:
            lines += [f"Gi-Issue: {i}" for i in ids]
        else:
            lines.append(f"Gi-Issue-Count: {len(ids)}")
        if self.conflicts:
            import json

            lines += ["Gi-Conflict: " + json.dumps(c, ensure_ascii=True, sort_keys=True)
                      for c in self.conflicts]
        return "\n".join(lines) + "\n"


def encoded(issue: Issue, path: str) -> bytes:
    """The bytes of an issue file, checked to read back as the same issue: the last line of
    defence against committing a file `gi` itself could not read."""
    text = issue.to_yaml()
    try:
        data = text.encode("utf-8")
        back = Issue.from_yaml(data.decode("utf-8"), path)
    except (UnicodeError, InvalidData) as exc:
        raise InvalidData(f"{issue.id}: refusing to write a file that does not read back: "
                          f"{getattr(exc, 'message', exc)}", id=issue.id) from None
    if back.to_dict() != issue.to_dict():
        raise InvalidData(f"{issue.id}: refusing to write a file that reads back differently",
                          id=issue.id)
    return data


def write_atomic(path: str | os.PathLike[str], data: bytes, mode: int = 0o644,
                 durable: bool = True, tmp_dir: str | os.PathLike[str] | None = None) -> None:
    """Write a whole file or nothing: a reader or a crash never sees half of it. `durable`
    also syncs it to disk first; derived copies that can be rebuilt skip that. `tmp_dir`
    (on the same file system) keeps a killed write's temporary file out of `path`'s folder."""
    path = fs.normal_path(os.fspath(path))
    folder = fs.parent(path)
    fs.make_dirs(folder)
    name = f".{os.path.basename(path)}.{os.getpid()}.{os.urandom(3).hex()}.tmp"
    tmp = os.path.join(tmp_dir if tmp_dir is not None else folder, name)
    if tmp_dir is not None:
        fs.make_dirs(os.fspath(tmp_dir))
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        fs.unlink(tmp)
        if tmp_dir is not None and getattr(exc, "errno", None) == 18:  # EXDEV: other device
            write_atomic(path, data, mode, durable)
            return
        raise
