"""Claims: claim, release, extend, claims."""

from __future__ import annotations

import argparse

from gitissues.cli.common import open_cli_store
from gitissues.cli.output import claim_line, emit_json, print_issues, printable
from gitissues.errors import UsageError

TYPE_CHECKING = False  # typing costs ~3 ms to import; only type checkers need it
if TYPE_CHECKING:
    from typing import Any


def _print_claim(issue: Any, args: argparse.Namespace, verb: str) -> None:
    if args.json:
        emit_json(issue.to_json())
    elif issue.claim:
        print(printable(f"{verb} {issue.id} ({issue.claim.agent} until "
                        f"{issue.claim.expires_at}): {issue.title}"))
    else:
        print(printable(f"{verb} {issue.id}: {issue.title}"))


def cmd_claim(args: argparse.Namespace) -> int:
    store = open_cli_store()
    if args.next:
        terms = ([args.id] if args.id else []) + list(args.query)
        issue = store.claim_next(terms, args.ttl, args.remote)
    else:
        if not args.id:
            raise UsageError("give an issue ID, or --next [QUERY…]")
        if args.query:
            extra = "argument" if len(args.query) == 1 else "arguments"
            raise UsageError(f"unexpected {extra} {' '.join(args.query)} (without --next)")
        issue = store.claim(args.id, args.ttl, args.remote)
    _print_claim(issue, args, "claimed")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    _print_claim(open_cli_store().release(args.id, args.remote), args, "released")
    return 0


def cmd_extend(args: argparse.Namespace) -> int:
    _print_claim(open_cli_store().extend(args.id, args.ttl, args.remote), args, "extended")
    return 0


def cmd_claims(args: argparse.Namespace) -> int:
    issues = open_cli_store().claims(args.expired)
    if args.json:
        print_issues(issues, True)
        return 0
    for i in issues:
        print(claim_line(i))
    return 0
