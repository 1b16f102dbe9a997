"""Issue references in a commit message: `Refs`, `Fixes`, `Closes` or `Resolves` (any case,
an optional colon) followed by one or more of a full id or unique prefix (`gi-7f3a`), `#42` or
`NAME#42`, separated by commas, spaces or `and`. Bare hex is not a reference here: "Fixes a
bug" must not name issue `a`."""

from __future__ import annotations

import re

_REF = r"(?:[A-Za-z0-9_.-]*#\d+|[a-z][a-z0-9]*(?:-[a-z0-9]+)*-[0-9a-f]{1,12})\b"
_REFS = re.compile(
    rf"\b(?i:refs|fixes|closes|resolves)\b:?[ \t]+({_REF}(?:(?:[ \t]*,[ \t]*|[ \t]+"
    rf"(?i:and)[ \t]+|[ \t]+){_REF})*)")
_ONE = re.compile(_REF)
VERBS_CLOSING = ("fixes", "closes", "resolves")


def references(message: str) -> list[tuple[str, str]]:
    """`(verb, reference)` pairs in order, each reference once; comment lines (`#` first, as
    git strips them) are left out."""
    text = "\n".join(line for line in message.splitlines() if not line.startswith("#"))
    out: dict[str, str] = {}
    for m in _REFS.finditer(text):
        verb = m.group(0).split(None, 1)[0].rstrip(":").lower()
        for ref in _ONE.findall(m.group(1)):
            out.setdefault(ref, verb)
    return [(verb, ref) for ref, verb in out.items()]
