"""Commands on issues: create, show, list/search, ready, edit, close, reopen, comment."""

from __future__ import annotations

import argparse

from gitissues.cli.common import open_cli_store, read_file_arg
from gitissues.cli.output import emit_json, plural, print_issue, print_issues, warn
from gitissues.errors import UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any


def read_text_arg(value: str | None, file: str | None, what: str = "body") -> str | None:
    """`--body T` or `--body-file F|-`; never both."""
    if value is not None and file is not None:
        raise UsageError(f"give --{what} or --{what}-file, not both")
    if file is None:
        return value
    return read_file_arg(file)


def cmd_create(args: argparse.Namespace) -> int:
    store = open_cli_store()
    issue = store.create(
        args.title, body=read_text_arg(args.body, args.body_file) or "", type=args.type,
        priority=args.priority, labels=args.label, assignees=args.assignee,
        depends_on=args.depends_on, parent=args.parent, milestone=args.milestone,
        commit=args.commit,
    )
    if args.json:
        emit_json(issue.to_json())
    else:
        print(issue.id)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    print_issue(open_cli_store().get(args.id), args.json)
    return 0


def _print_list(result: Any, args: argparse.Namespace) -> None:
    for message in result.warnings:
        warn(f"skipped a malformed issue file: {message}")
    print_issues(result.issues, args.json)
    if result.more:
        warn(f"showing the first {plural(args.limit, 'result')}; "
             "use --limit N or --limit 0 for all")


def cmd_list(args: argparse.Namespace) -> int:
    _print_list(open_cli_store().list(args.query, args.limit or None), args)
    return 0


def cmd_ready(args: argparse.Namespace) -> int:
    _print_list(open_cli_store().ready(args.query, args.limit or None), args)
    return 0


def _parse_set(items: list[str]) -> dict[str, Any]:
    from gitissues import yamlio

    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--set takes KEY=VALUE, got {item!r}")
        try:
            value = yamlio.load_fast(raw, "--set") if raw.strip() else ""
        except Exception:
            value = raw
        out[key.strip()] = value
    return out


_EDITS = ("title", "body", "body_file", "status", "type", "priority", "add_label",
          "remove_label", "assign", "unassign", "milestone", "set", "file")


def cmd_edit(args: argparse.Namespace) -> int:
    if not any(getattr(args, name) not in (None, []) for name in _EDITS):
        raise UsageError("nothing to change: give --title, --body, --status, --type, "
                         "--priority, --add-label, --assign, --milestone, --set or --file "
                         "(see 'gi edit --help')")
    store = open_cli_store()
    if args.file:
        from gitissues.cli.admin import replace_from_file

        issue = replace_from_file(store, args.id, args.file, args.commit)
    else:
        issue = store.edit(
            args.id, title=args.title, body=read_text_arg(args.body, args.body_file),
            status=args.status, type=args.type, priority=args.priority,
            add_labels=args.add_label, remove_labels=args.remove_label, assign=args.assign,
            unassign=args.unassign, milestone=args.milestone, set_fields=_parse_set(args.set),
            commit=args.commit,
        )
    _done(issue, args, "updated")
    return 0


def _done(issue: Any, args: argparse.Namespace, verb: str) -> None:
    if args.json:
        emit_json(issue.to_json())
    elif issue.changed is False:
        print(f"{issue.id} already says so: nothing written")
    else:
        print(f"{verb} {issue.id}")


def cmd_close(args: argparse.Namespace) -> int:
    _done(open_cli_store().close(args.id, args.reason, commit=args.commit), args, "closed")
    return 0


def cmd_reopen(args: argparse.Namespace) -> int:
    _done(open_cli_store().reopen(args.id, commit=args.commit), args, "reopened")
    return 0


def cmd_comment(args: argparse.Namespace) -> int:
    text = read_text_arg(args.text, args.body_file, "text") if args.body_file else args.text
    if text is None:
        raise UsageError("give the comment TEXT or --body-file F|-")
    _done(open_cli_store().comment(args.id, text, commit=args.commit), args, "commented on")
    return 0
