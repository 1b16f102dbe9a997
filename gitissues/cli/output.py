"""Printing: one JSON document for `--json`, short readable text otherwise."""

from __future__ import annotations

import json
import sys

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any

if TYPE_CHECKING:
    from gitissues.model import Issue


def emit_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")


def warn(message: str) -> None:
    sys.stderr.write(f"gi: warning: {message}\n")


def issue_line(issue: Issue) -> str:
    labels = f"  [{', '.join(issue.labels)}]" if issue.labels else ""
    who = f"  @{','.join(issue.assignees)}" if issue.assignees else ""
    return (f"{issue.id}  P{issue.priority}  {issue.status:<11}  {issue.type:<7}  "
            f"{issue.title}{labels}{who}")


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
    if issue.agent:
        lines.append("agent: " + json.dumps(issue.agent, ensure_ascii=False))
    if issue.body:
        lines += ["", issue.body.rstrip("\n")]
    for c in issue.comments:
        lines += ["", f"--- {c.author} at {c.created} ({c.id})", c.body.rstrip("\n")]
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
