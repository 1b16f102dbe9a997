"""Printing: one JSON document for `--json`, short readable text otherwise.

Everything human output shows from an issue, an event or a name goes through `printable`: a
title may hold an escape sequence that recolours or clears a terminal, or a `\\r` that hides
what came before it. `--json` output is left exact (JSON escapes control characters itself).
"""

from __future__ import annotations

import json
import sys

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

    from gitissues.model import Issue

# C0 and C1 control characters, DEL, line/paragraph separators and the bidirectional overrides
# ("Trojan source"), each shown as a visible escape such as \x1b, \r or \u202e.
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNSAFE = (*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F),
           *range(0x2066, 0x206A))
_TABLES: list[dict[int, str]] = []  # (one line, multiline), made when first needed


def printable(text: Any, multiline: bool = False) -> str:
    """`text` safe to show on a terminal: control characters become visible escapes (with
    `multiline`, newlines and tabs stay)."""
    s = text if isinstance(text, str) else str(text)
    if s.isprintable():
        return s
    if not _TABLES:
        escapes = {c: _NAMED.get(chr(c)) or (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}")
                   for c in _UNSAFE}
        _TABLES.extend((escapes, {c: e for c, e in escapes.items() if chr(c) not in "\t\n"}))
    return s.translate(_TABLES[multiline])


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 issue`, `2 issues` (`many` for irregular plurals)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def emit_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")


def warn(message: str) -> None:
    sys.stderr.write(f"gi: warning: {printable(message, multiline=True)}\n")


def issue_line(issue: Issue) -> str:
    labels = f"  [{', '.join(issue.labels)}]" if issue.labels else ""
    who = f"  @{','.join(issue.assignees)}" if issue.assignees else ""
    return printable(f"{issue.id}  P{issue.priority}  {issue.status:<11}  {issue.type:<7}  "
                     f"{issue.title}{labels}{who}")


def claim_line(issue: Issue) -> str:
    """One live (or expired) claim: id, holder, until when, title."""
    claim = issue.claim
    assert claim is not None
    return printable(f"{issue.id}  {claim.agent:<16}  until {claim.expires_at}  {issue.title}")


def issue_detail(issue: Issue) -> str:
    lines = [f"{issue.id}  {issue.title}",
             f"status: {issue.status}   type: {issue.type}   priority: P{issue.priority}"]
    for label, value in (
        ("labels", ", ".join(issue.labels)), ("assignees", ", ".join(issue.assignees)),
        ("milestone", issue.milestone), ("parent", issue.parent),
        ("depends on", ", ".join(issue.depends_on)),
        ("claim", issue.claim and f"{issue.claim.agent} until {issue.claim.expires_at}"),
        ("author", issue.author), ("created", issue.created), ("updated", issue.updated),
        ("closed", issue.closed), ("path", issue.path),
    ):
        if value:
            lines.append(f"{label}: {value}")
    for key, value in sorted(issue.links.items()):
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            shown = ", ".join(v[:12] if key == "commits" and isinstance(v, str) else
                              (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
                              for v in value)
        else:
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        lines.append(f"links.{key}: {shown}")
    if issue.agent:
        lines.append("agent: " + json.dumps(issue.agent, ensure_ascii=False))
    lines = [printable(x) for x in lines]
    if issue.body:
        lines += ["", printable(issue.body.rstrip("\n"), multiline=True)]
    for c in issue.comments:
        lines += ["", printable(f"--- {c.author} at {c.created} ({c.id})"),
                  printable(c.body.rstrip("\n"), multiline=True)]
    return "\n".join(lines)


def print_issue(issue: Issue, as_json: bool) -> None:
    if as_json:
        emit_json(issue.to_json())
    else:
        print(issue_detail(issue))


def print_issues(issues: list[Issue], as_json: bool) -> None:
    if as_json:
        emit_json([i.to_json() for i in issues])
    else:
        for i in issues:
            print(issue_line(i))
