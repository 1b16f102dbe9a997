"""Errors that map onto the exit codes of SPEC §4.

Every expected failure is a `GiError`; the CLI prints its message (or its JSON form) and
exits with its code. Anything else is a bug and exits 1.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

class GiError(Exception):
    """Base of expected errors; `code` names the failure, `exit_code` is SPEC §4's number."""

    code = "error"
    exit_code = 1

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.details}}


class UsageError(GiError):
    code, exit_code = "usage", 2


class NotFound(GiError):
    code, exit_code = "not_found", 3


class Ambiguous(NotFound):
    code = "ambiguous"


class Conflict(GiError):
    code, exit_code = "conflict", 4


def claimed(issue_id: str, holder: str, expires_at: str) -> Conflict:
    """Exit 4 for an issue another agent holds a live claim on, naming the holder and expiry."""
    return Conflict(f"{issue_id} is claimed by {holder} until {expires_at}", id=issue_id,
                    holder=holder, expires_at=expires_at)


class InvalidData(GiError):
    code, exit_code = "invalid", 5


class RemoteError(GiError):
    code, exit_code = "remote", 6


class AuthError(GiError):
    code, exit_code = "auth", 7
