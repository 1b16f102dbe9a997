"""The ids gi chooses for what it creates in Linear: its marker there (SPEC §8).

Linear turns Markdown into its own document and writes it back out, and does not say that an
HTML comment survives that, so the `<!-- gi:… -->` marker the forges carry in a body cannot be
trusted here. Instead gi uses what Linear documents: `issueCreate`, `commentCreate` and
`issueRelationCreate` take the new object's id from the client (a UUID v4). gi makes that id
from what it mirrors, and reversibly: the 122 free bits of the UUID hold a signature, the team
(a hash of its id, so two bridges into one workspace never pick the same id), and the gi id
itself. A re-run after a killed push asks for the same id again (Linear refuses a second
object with it, and gi reads the first one back), and a pull recognises an issue or comment
gi made from its id alone.

An issue id `<prefix>-<hex>` is held whole when the prefix has at most 8 characters and the
hex part 6 to 12 digits (every id gi makes with the default prefix); a comment id `c-<hex>`
likewise. Anything longer gets a hashed id: created once all the same, just not recognised by
a pull that has lost the store's record of it.
"""

from __future__ import annotations

import hashlib
import uuid

SIGNATURE = 0xA7
ISSUE, COMMENT, RELATION, HASHED = range(4)
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-"  # prefix characters; 0 ends the prefix
_PREFIX_CHARS = 8


def _hash(text: str, bits: int) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big") >> (256 - bits)


def _to_uuid(payload: int) -> str:
    """122 bits into a UUID v4 (version nibble 4, variant 10)."""
    high, mid, low = payload >> 74, (payload >> 62) & 0xFFF, payload & ((1 << 62) - 1)
    value = (high << 80) | (0x4 << 76) | (mid << 64) | (0b10 << 62) | low
    return str(uuid.UUID(int=value))


def _from_uuid(text: str) -> int | None:
    try:
        value = uuid.UUID(text).int
    except (ValueError, TypeError, AttributeError):
        return None
    if (value >> 76) & 0xF != 4 or (value >> 62) & 0b11 != 0b10:
        return None
    return ((value >> 80) << 74) | (((value >> 64) & 0xFFF) << 62) | (value & ((1 << 62) - 1))


def _split(text: str, prefix_chars: int) -> tuple[int, int] | None:
    """(hex length - 6 and hex value, the prefix as a number) of `prefix-hex`, if it fits."""
    prefix, dash, digits = text.rpartition("-")
    if not dash or not prefix or len(prefix) > prefix_chars or not 6 <= len(digits) <= 12:
        return None
    if any(c not in "0123456789abcdef" for c in digits) or any(c not in _ALPHABET for c in prefix):
        return None
    code = 0
    for c in reversed(prefix):
        code = code * 38 + _ALPHABET.index(c) + 1
    return ((len(digits) - 6) << 48) | int(digits, 16), code


def _join(digits: int, code: int) -> str:
    length, value = (digits >> 48) + 6, digits & ((1 << 48) - 1)
    prefix = ""
    while code:
        code, c = divmod(code, 38)
        prefix += _ALPHABET[c - 1]
    return f"{prefix}-{value:0{length}x}"


def _payload(kind: int, team: str, body: int) -> int:
    return (SIGNATURE << 114) | (kind << 112) | (_hash(team, 16) << 96) | body


def issue_uuid(team: str, issue_id: str) -> str:
    """The id gi gives the Linear issue it creates for `issue_id` in team `team` (its UUID)."""
    parts = _split(issue_id, _PREFIX_CHARS)
    if parts is None:
        return hashed_uuid(team, f"issue\0{issue_id}")
    return _to_uuid(_payload(ISSUE, team, (parts[0] << 45) | parts[1]))


def comment_uuid(team: str, issue_id: str, comment_id: str) -> str:
    """The id of the Linear comment gi posts for comment `comment_id` of `issue_id`."""
    parts = _split(comment_id, 1)
    if parts is None or parts[1] != _ALPHABET.index("c") + 1:
        return hashed_uuid(team, f"comment\0{issue_id}\0{comment_id}")
    return _to_uuid(_payload(COMMENT, team, (parts[0] << 45) | _hash(issue_id, 45)))


def hashed_uuid(team: str, text: str) -> str:
    """A stable id that names nothing gi can read back (relations, overlong ids)."""
    return _to_uuid(_payload(HASHED, team, _hash(text, 96)))


def relation_uuid(team: str, blocker: str, blocked: str) -> str:
    """The id of the `blocks` relation gi creates between two Linear issues."""
    return hashed_uuid(team, f"blocks\0{blocker}\0{blocked}")


def marked(team: str, remote_id: str, kind: int = ISSUE) -> str | None:
    """The gi id (or comment id) an id gi chose names; None for any other id."""
    payload = _from_uuid(remote_id)
    if payload is None or payload >> 114 != SIGNATURE or (payload >> 112) & 0b11 != kind:
        return None
    if (payload >> 96) & 0xFFFF != _hash(team, 16):
        return None
    body = payload & ((1 << 96) - 1)
    if kind == ISSUE:
        return _join(body >> 45, body & ((1 << 45) - 1))
    if kind == COMMENT:
        return _join(body >> 45, _ALPHABET.index("c") + 1)
    return None
