"""A marked block at the end of a text file (AGENTS.md, a TOML config): gi writes only between
its two marker lines, and taking the block out gives back the file as it was.

The block always goes in as a line break followed by the markers and what they hold (in a file
that does not end with a line break, that break ends its last line; in one that does, it leaves
a blank line), so removal cuts the same: the line break before the start marker (none when the
block opens the file) through the end marker's line.
"""

from __future__ import annotations

from gitissues.errors import Conflict


def find(text: str, start: str, end: str, where: str) -> tuple[int, int] | None:
    """(first, past last) character of the block, its leading line break included; None when
    there is none. Markers out of order or doubled are a conflict naming the file."""
    head = _line_at(text, start)
    if head is None:
        if _line_at(text, end) is not None:
            raise Conflict(f"{where}: an end marker {end!r} without its start; fix the file by "
                           "hand", file=where)
        return None
    tail = _line_at(text, end, head)
    if tail is None or _line_at(text, start, head + 1) is not None:
        raise Conflict(f"{where}: gi's markers ({start!r} … {end!r}) are broken or doubled; "
                       "fix the file by hand", file=where)
    stop = text.find("\n", tail)
    stop = len(text) if stop < 0 else stop + 1
    return (head - 1 if head > 0 else 0), stop


def _line_at(text: str, marker: str, after: int = 0) -> int | None:
    """Where the first line at or after `after` that starts with `marker` begins."""
    i = after
    while True:
        i = text.find(marker, i)
        if i < 0:
            return None
        if i == 0 or text[i - 1] == "\n":
            return i
        i += 1


def put(text: str, block: str, start: str, end: str, where: str) -> str:
    """`text` with `block` (which starts with `start` and ends with the `end` line) in gi's
    place: replacing the block already there, else at the end."""
    span = find(text, start, end, where)
    if span is not None:
        first, past = span
        lead = "\n" if first < len(text) and text[first] == "\n" else ""
        return text[:first] + lead + block + text[past:]
    return text + ("\n" if text else "") + block


def drop(text: str, start: str, end: str, where: str) -> str:
    span = find(text, start, end, where)
    return text if span is None else text[: span[0]] + text[span[1]:]
